"""Mutual TLS through real sockets: every caller is known by its certificate and recorded
on what it writes; no certificate, a foreign CA, a revoked certificate or one that names no
caller writes nothing; a rotated server certificate is taken without a restart."""

from __future__ import annotations

import time
import uuid
from typing import TYPE_CHECKING

import grpc
import pytest

from lienthong.audit.v1 import audit_pb2, audit_pb2_grpc
from lienthong.grpc.errors import error_details
from lienthong.identity.v1 import identity_pb2 as pb
from lienthong.identity.v1 import identity_pb2_grpc as pb_grpc
from lienthong.services.identity.api import add_to_server
from lienthong.services.identity.application import IdentityApplication
from lienthong.testing.grpc_server import ServerThread
from lienthong.tls import CRL_CHECK_EVERY_S, TLSFiles, channel_credentials
from lienthong.tools.pki import CA

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

TIMEOUT = 10.0
COMMUNE_SYSTEM = "VN:GOV:000.26.05.H26/mot-cua"


def files(ca: CA, name: str) -> TLSFiles:
    cert, key = ca.paths(name)
    return TLSFiles(cert=cert, key=key, ca=ca.cert_path, crl=ca.crl_path)


@pytest.fixture
def ca(tmp_path: Path) -> CA:
    authority = CA(tmp_path / "pki")
    authority.init()
    authority.issue("identity", "service", hosts=["localhost", "127.0.0.1"])
    authority.issue("mot-cua-xa", "client", callers=[COMMUNE_SYSTEM])
    return authority


@pytest.fixture
def app() -> IdentityApplication:
    return IdentityApplication()


@pytest.fixture
def server(ca: CA, app: IdentityApplication) -> Iterator[ServerThread]:
    with ServerThread(lambda s: add_to_server(app, s), tls=files(ca, "identity")) as running:
        yield running


def channel(server: ServerThread, client: TLSFiles) -> grpc.Channel:
    return grpc.secure_channel(server.address, channel_credentials(client))


def register(stub: pb_grpc.IdentityServiceStub) -> pb.Unit:
    return stub.RegisterUnit(pb.RegisterUnitRequest(
        request_id=str(uuid.uuid4()), display_name="Sở Tư pháp", kind=pb.UNIT_KIND_AGENCY,
        reason="QĐ 1/2026"), timeout=TIMEOUT, metadata=[("x-actor-id", "cb.nguyen")])


def written(app: IdentityApplication) -> int:
    return app.recorder.max_notification_id() or 0


def test_the_caller_its_certificate_names_is_recorded_beside_the_actor(
        ca: CA, server: ServerThread) -> None:
    with channel(server, files(ca, "mot-cua-xa")) as chan:
        unit = register(pb_grpc.IdentityServiceStub(chan))
        history = audit_pb2_grpc.AuditServiceStub(chan).ListAggregateEvents(
            audit_pb2.ListAggregateEventsRequest(aggregate_id=unit.unit_id), timeout=TIMEOUT)

    [registered] = history.events
    assert registered.metadata.caller == COMMUNE_SYSTEM
    assert registered.metadata.actor == "cb.nguyen"


@pytest.mark.parametrize("client", ["none", "foreign-ca"])
def test_a_client_without_a_certificate_of_the_platform_is_turned_away_at_the_handshake(
        ca: CA, server: ServerThread, app: IdentityApplication, tmp_path: Path,
        client: str) -> None:
    if client == "none":
        credentials = grpc.ssl_channel_credentials(root_certificates=ca.cert_path.read_bytes())
    else:
        foreign = CA(tmp_path / "foreign")
        foreign.init(common_name="Another CA")
        foreign.issue("intruder", "client", callers=[COMMUNE_SYSTEM])
        cert, key = foreign.paths("intruder")
        credentials = grpc.ssl_channel_credentials(
            root_certificates=ca.cert_path.read_bytes(), private_key=key.read_bytes(),
            certificate_chain=cert.read_bytes())

    with grpc.secure_channel(server.address, credentials) as chan, \
            pytest.raises(grpc.RpcError) as refused:
        register(pb_grpc.IdentityServiceStub(chan))

    assert refused.value.code() is grpc.StatusCode.UNAVAILABLE  # no TLS session at all
    assert written(app) == 0


def test_a_revoked_certificate_is_unauthenticated_on_its_next_call_and_writes_nothing(
        ca: CA, server: ServerThread, app: IdentityApplication) -> None:
    with channel(server, files(ca, "mot-cua-xa")) as chan:
        stub = pb_grpc.IdentityServiceStub(chan)
        register(stub)
        before = written(app)

        ca.revoke("mot-cua-xa", "keyCompromise")  # the CRL file changes; no restart
        time.sleep(CRL_CHECK_EVERY_S)  # the server looks at its CRL file once a second
        with pytest.raises(grpc.RpcError) as refused:
            register(stub)

    assert refused.value.code() is grpc.StatusCode.UNAUTHENTICATED
    assert error_details(refused.value)["reason"] == "UNAUTHENTICATED"
    assert written(app) == before


def test_a_certificate_that_names_no_caller_is_unauthenticated(
        ca: CA, server: ServerThread, app: IdentityApplication) -> None:
    # A service's certificate names hosts, not a calling system.
    with channel(server, files(ca, "identity")) as chan, \
            pytest.raises(grpc.RpcError) as refused:
        register(pb_grpc.IdentityServiceStub(chan))

    assert refused.value.code() is grpc.StatusCode.UNAUTHENTICATED
    assert written(app) == 0


def test_a_rotated_server_certificate_is_served_at_the_next_handshake_without_a_restart(
        ca: CA, server: ServerThread, tmp_path: Path) -> None:
    client = files(ca, "mot-cua-xa")
    with channel(server, client) as before:
        register(pb_grpc.IdentityServiceStub(before))

    # A new CA takes over: the server's certificate, key and bundle are replaced in place.
    successor = CA(tmp_path / "successor")
    successor.init(common_name="Lienthong transport CA 2027")
    successor.issue("identity", "service", hosts=["localhost", "127.0.0.1"])
    successor.issue("mot-cua-xa", "client", callers=[COMMUNE_SYSTEM])
    for source, target in zip(successor.paths("identity"), ca.paths("identity"), strict=True):
        target.write_bytes(source.read_bytes())
    ca.cert_path.write_bytes(successor.cert_path.read_bytes())
    ca.crl_path.write_bytes(successor.crl_path.read_bytes())

    with channel(server, files(successor, "mot-cua-xa")) as after:
        assert register(pb_grpc.IdentityServiceStub(after)).display_name == "Sở Tư pháp"
    # The old CA's client is turned away now: the server trusts the new bundle only.
    with channel(server, client) as old, pytest.raises(grpc.RpcError) as refused:
        register(pb_grpc.IdentityServiceStub(old))
    assert refused.value.code() is grpc.StatusCode.UNAVAILABLE


def test_a_probe_without_a_certificate_reads_health_on_its_own_port_and_nothing_else(
        ca: CA, app: IdentityApplication) -> None:
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    from lienthong.ports import free_port

    health_port = free_port()
    with ServerThread(lambda s: add_to_server(app, s), tls=files(ca, "identity"),
                      health_listen=f"127.0.0.1:{health_port}") as running, \
            grpc.insecure_channel(f"127.0.0.1:{health_port}") as probe:
        answer = health_pb2_grpc.HealthStub(probe).Check(health_pb2.HealthCheckRequest(),
                                                         timeout=TIMEOUT)
        assert answer.status == health_pb2.HealthCheckResponse.SERVING
        with pytest.raises(grpc.RpcError) as refused:
            pb_grpc.IdentityServiceStub(probe).ListUnits(pb.ListUnitsRequest(), timeout=TIMEOUT)
        assert refused.value.code() is grpc.StatusCode.UNIMPLEMENTED
        with grpc.insecure_channel(running.address) as plaintext, pytest.raises(grpc.RpcError):
            health_pb2_grpc.HealthStub(plaintext).Check(health_pb2.HealthCheckRequest(),
                                                        timeout=2)
