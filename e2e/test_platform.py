"""An operator starts the platform with one command, finds it, and stops it with Ctrl-C."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import pytest

from lienthong import registry
from lienthong.testing.nats import refuses_plaintext
from lienthong.tools.platform import grpc_health, nats_health

pytestmark = pytest.mark.e2e


def lienthong(*args: str) -> list[str]:
    return [sys.executable, "-m", "lienthong.tools.cli.main", *args]


@pytest.mark.local_only("starts a local platform of its own with `lienthong up`")
def test_up_lists_every_endpoint_and_ctrl_c_stops_them_all(tmp_path):
    up = subprocess.Popen(lienthong("up", "--data-dir", str(tmp_path), "--nats-port", "0",
                                    "--base-port", "0"),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            status = subprocess.run(lienthong("status", "--json", "--data-dir", str(tmp_path)),
                                    capture_output=True, text=True, check=False)
            report = json.loads(status.stdout)
            if report.get("healthy"):
                break
            assert up.poll() is None and time.monotonic() < deadline, up.stdout.read()
            time.sleep(0.3)
        assert status.returncode == 0
        by_name = {s["name"]: s for s in report["services"]}
        assert set(by_name) == {"nats", *(spec.name for spec in registry.services())}
        assert all(s["health"] == "SERVING" for s in by_name.values())

        up.send_signal(signal.SIGINT)
        output, _ = up.communicate(timeout=30)
    finally:
        if up.poll() is None:
            up.kill()
    assert up.returncode == 0, output
    assert "stopped" in output
    assert grpc_health(by_name["identity"]["address"], timeout=1) == "UNREACHABLE"
    assert nats_health(by_name["nats"]["address"], timeout=1) == "UNREACHABLE"
    stopped = subprocess.run(lienthong("status", "--json", "--data-dir", str(tmp_path)),
                             capture_output=True, text=True, check=False)
    assert stopped.returncode == 1
    assert json.loads(stopped.stdout) == {"running": False, "services": []}


@pytest.mark.local_only("the local platform's development CA; a deployment's TLS is the chart's")
def test_the_local_platform_serves_mutual_tls_and_names_its_tools_as_the_caller(platform):
    from lienthong.audit.v1 import audit_pb2, audit_pb2_grpc
    from lienthong.identity.v1 import identity_pb2, identity_pb2_grpc
    from lienthong.tools.platform import LOCAL_CALLER

    # `status --json` gives any gRPC client what it needs to connect.
    assert platform.tls is not None
    assert all(path.is_file() for path in (platform.tls.ca, platform.tls.cert, platform.tls.key))
    # A plaintext client gets no answer at all, from a service or from NATS.
    assert grpc_health(platform.identity_address, timeout=2) == "UNREACHABLE"
    assert grpc_health(platform.identity_address, timeout=2, tls=platform.tls) == "SERVING"
    assert refuses_plaintext(platform.nats_url.split("://")[-1])

    with platform.channel("identity") as channel:
        unit = identity_pb2_grpc.IdentityServiceStub(channel).RegisterUnit(
            identity_pb2.RegisterUnitRequest(
                request_id=f"e2e-tls-{time.time_ns()}", display_name="Sở Thử TLS",
                kind=identity_pb2.UNIT_KIND_AGENCY, reason="e2e: mutual TLS"), timeout=10)
        events = audit_pb2_grpc.AuditServiceStub(channel).ListAggregateEvents(
            audit_pb2.ListAggregateEventsRequest(aggregate_id=unit.unit_id), timeout=10).events
    assert [e.metadata.caller for e in events] == [LOCAL_CALLER]


@pytest.mark.local_only("the local platform's own policy file and development CA")
def test_the_local_platform_answers_only_what_its_written_policy_allows(platform):
    import grpc

    from lienthong.grpc.errors import error_details
    from lienthong.identity.v1 import identity_pb2, identity_pb2_grpc
    from lienthong.tls import TLSFiles, client_channel
    from lienthong.tools.pki import CA

    # Another agency's system, with a certificate of the platform's own CA: known, and yet
    # no rule of <data dir>/policy.yaml names it.
    ca = CA(platform.data_dir / "pki")
    ca.issue("e2e-another-agency", "client", callers=["VN:GOV:000.00.31.H26/mot-cua"])
    cert, key = ca.paths("e2e-another-agency")
    stranger = TLSFiles(cert=cert, key=key, ca=ca.cert_path)

    with client_channel(platform.identity_address, stranger) as channel, \
            pytest.raises(grpc.RpcError) as refused:
        identity_pb2_grpc.IdentityServiceStub(channel).ListUnits(
            identity_pb2.ListUnitsRequest(page_size=1), timeout=10)
    assert refused.value.code() is grpc.StatusCode.PERMISSION_DENIED
    assert error_details(refused.value)["reason"] == "NO_RULE_ALLOWS"
    assert (platform.data_dir / "policy.yaml").is_file()


def test_every_service_recorded_the_access_policy_it_took_at_start(platform):
    """On the local platform (its policy.yaml) and on a deployment (the chart's ConfigMap):
    the policy in force is an event of each service's own log, read back by an auditor."""
    from lienthong import registry
    from lienthong.audit.v1 import audit_pb2, audit_pb2_grpc

    for service in registry.names():
        with platform.channel(service) as channel:
            export = audit_pb2_grpc.AuditServiceStub(channel).ExportEvents(
                audit_pb2.ExportEventsRequest(), timeout=120)
            adopted = next(m.event for m in export if m.event.aggregate_type == "PolicyAdopted")
        assert adopted.metadata.reason == "access policy at start", service
        assert "rules:" in adopted.payload["text"], service
        assert len(adopted.payload["digest"]) == 64, service
