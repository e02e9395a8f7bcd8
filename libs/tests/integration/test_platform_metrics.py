"""`lienthong up` gives each service a /metrics endpoint; `lienthong status` says where."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request

from prometheus_client.parser import text_string_to_metric_families

from lienthong.audit.v1 import audit_pb2, audit_pb2_grpc
from lienthong.tls import client_channel
from lienthong.tools.platform import Platform, RunState

LIST_CHECKPOINTS = "lienthong.audit.v1.AuditService/ListCheckpoints"
HEALTH_CHECK = "grpc.health.v1.Health/Check"


def test_each_service_of_the_local_platform_serves_its_metrics(tmp_path):
    platform = Platform(tmp_path, nats_port=0, base_port=0, log_level="warning")
    platform.start()
    try:
        status = subprocess.run(
            [sys.executable, "-m", "lienthong.tools.cli.main", "status", "--json", "--data-dir",
             str(tmp_path)], capture_output=True, text=True, timeout=60, check=True)
        rows = {row["name"]: row for row in json.loads(status.stdout)["services"]}
        saved = {e.name: e.metrics for e in RunState.load(tmp_path).endpoints}
        for name in ("identity", "dossiers"):
            assert rows[name]["healthy"]
            assert rows[name]["metrics"] == saved[name]
            tls = RunState.load(tmp_path).client_tls()  # the local platform serves TLS
            with client_channel(rows[name]["address"], tls) as channel:
                audit_pb2_grpc.AuditServiceStub(channel).ListCheckpoints(
                    audit_pb2.ListCheckpointsRequest(), timeout=10)
            with urllib.request.urlopen(f"http://{rows[name]['metrics']}/metrics",
                                        timeout=5) as response:
                text = response.read().decode()
            timed = [sample for family in text_string_to_metric_families(text)
                     for sample in family.samples
                     if sample.name == "lienthong_rpc_duration_seconds_count"]
            calls = [s for s in timed if s.labels["method"] == LIST_CHECKPOINTS]
            # The call was answered, and measured, by this very service.
            assert {s.labels["service"] for s in calls} == {name}
            assert sum(s.value for s in calls if s.labels["code"] == "OK") == 1
            # The health checks of `up` and `status` are not in the latency figures.
            assert not [s for s in timed if s.labels["method"] == HEALTH_CHECK]
        assert rows["nats"]["metrics"] == ""
    finally:
        platform.stop()
