"""A service process as an SRE sees it: JSON logs, health, and a clean SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from lienthong.identity.v1 import identity_pb2 as pb
from lienthong.identity.v1 import identity_pb2_grpc as pb_grpc
from lienthong.ports import free_port, wait_for_port
from lienthong.tools.platform import grpc_health


def identity_env(tmp_path, port, **more):
    """The identity service's environment; it names no service (the entry point does)."""
    env = {k: v for k, v in os.environ.items() if k != "LIENTHONG_SERVICE"}
    return {**env, "LIENTHONG_LISTEN": f"127.0.0.1:{port}",
            "LIENTHONG_EVENT_STORE": f"sqlite:///{tmp_path / 'identity.db'}",
            "LIENTHONG_SHUTDOWN_GRACE_S": "5", **more}


def start_identity(tmp_path, port):
    process = subprocess.Popen([sys.executable, "-m", "lienthong.services.identity"],
                               env=identity_env(tmp_path, port), stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    wait_for_port(port)
    return process


def test_the_service_logs_json_answers_health_and_drains_on_sigterm(tmp_path):
    port = free_port()
    process = start_identity(tmp_path, port)
    try:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            health = health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(service="lienthong.identity.v1.IdentityService"),
                timeout=5)
            assert health.status == health_pb2.HealthCheckResponse.SERVING
            with_a_request_id = pb.RegisterUnitRequest(
                request_id="sre-story-1", display_name="Tỉnh Lai Châu",
                kind=pb.UNIT_KIND_PROVINCE, administrative_unit_code="12")
            pb_grpc.IdentityServiceStub(channel).RegisterUnit(with_a_request_id, timeout=5)
            try:
                pb_grpc.IdentityServiceStub(channel).RegisterUnit(
                    pb.RegisterUnitRequest(request_id="sre-story-1", display_name="Other",
                                           kind=pb.UNIT_KIND_PROVINCE,
                                           administrative_unit_code="12"), timeout=5)
            except grpc.RpcError as refused:
                assert refused.code() == grpc.StatusCode.INVALID_ARGUMENT
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, output
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    assert lines, output
    assert all(line["service"] == "identity" for line in lines)
    refused_lines = [line for line in lines if line["event"] == "rpc refused"]
    assert refused_lines[0]["request_id"] == "sre-story-1"
    assert refused_lines[0]["reason"] == "REQUEST_ID_REUSED"
    assert [line["event"] for line in lines][-2:] == ["shutting down", "stopped"]
    # What it holds once started is set aside from the cycle collector's full walks.
    [ready] = [line for line in lines if line["event"] == "ready"]
    assert ready["frozen_objects"] > 10_000
    assert grpc_health(f"127.0.0.1:{port}", timeout=1) == "UNREACHABLE"


def test_what_was_written_survives_a_restart(tmp_path):
    port = free_port()
    first = start_identity(tmp_path, port)
    try:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            unit = pb_grpc.IdentityServiceStub(channel).RegisterUnit(pb.RegisterUnitRequest(
                display_name="Thành phố Huế", kind=pb.UNIT_KIND_MUNICIPALITY,
                administrative_unit_code="46"), timeout=5)
    finally:
        first.kill()  # no chance to flush anything
        first.wait()
    second = start_identity(tmp_path, port)
    try:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            resolved = pb_grpc.IdentityServiceStub(channel).ResolveUnit(
                pb.ResolveUnitRequest(code="46"), timeout=5)
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=20)
    assert resolved.named_unit.unit_id == unit.unit_id
    assert resolved.named_unit.display_name == "Thành phố Huế"


def test_a_service_configured_as_another_is_refused_at_start(tmp_path):
    port = free_port()
    env = identity_env(tmp_path, port, LIENTHONG_SERVICE="dossiers")

    started = subprocess.run([sys.executable, "-m", "lienthong.services.identity"], env=env,
                             capture_output=True, text=True, timeout=60, check=False)

    assert started.returncode != 0
    assert ("refusing to start: this process is the identity service, but "
            "LIENTHONG_SERVICE=dossiers") in started.stderr
    assert not (tmp_path / "identity.db").exists()  # nothing was opened
