"""The access policy on a TLS server, through real sockets: each caller may call what a
rule allows it and nothing else; an edited policy holds within a second, without a
restart; an edit that does not validate leaves the previous policy in force."""

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
from lienthong.policy import CHECK_EVERY_S, PolicyFile
from lienthong.services.identity.api import add_to_server
from lienthong.services.identity.application import IdentityApplication
from lienthong.testing.grpc_server import ServerThread
from lienthong.tls import TLSFiles, client_channel
from lienthong.tools.pki import CA

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

TIMEOUT = 10.0
COMMUNE = "VN:GOV:000.26.05.H26/mot-cua"
AUDITOR = "VN:GOV:000.00.00.G12/kiem-toan"
POLICY = """\
roles:
  auditor: ["VN:GOV:000.00.00.G12/*"]
rules:
  - name: communes-read-units
    callers: ["VN:GOV:???.??.??.H26/*"]
    rpcs: ["lienthong.identity.v1.IdentityService/List*"]
  - name: auditors-read-history
    roles: [auditor]
    rpcs: ["lienthong.audit.v1.AuditService/*"]
"""
REGISTER_RULE = """\
  - name: communes-register-agencies
    callers: ["VN:GOV:???.??.??.H26/*"]
    rpcs: ["lienthong.identity.v1.IdentityService/RegisterUnit"]
"""


@pytest.fixture
def ca(tmp_path: Path) -> CA:
    authority = CA(tmp_path / "pki")
    authority.init()
    authority.issue("identity", "service", hosts=["127.0.0.1"])
    authority.issue("commune", "client", callers=[COMMUNE])
    authority.issue("auditor", "client", callers=[AUDITOR])
    return authority


def files(ca: CA, name: str) -> TLSFiles:
    cert, key = ca.paths(name)
    return TLSFiles(cert=cert, key=key, ca=ca.cert_path, crl=ca.crl_path)


@pytest.fixture
def policy_path(tmp_path: Path) -> Path:
    path = tmp_path / "policy.yaml"
    path.write_text(POLICY)
    return path


@pytest.fixture
def server(ca: CA, policy_path: Path) -> Iterator[tuple[ServerThread, IdentityApplication]]:
    app = IdentityApplication()
    with ServerThread(lambda s: add_to_server(app, s), tls=files(ca, "identity"),
                      policy=PolicyFile(policy_path)) as running:
        yield running, app


def refused(call: object) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as error:
        call()  # type: ignore[operator]
    return error.value


def register(stub: pb_grpc.IdentityServiceStub) -> pb.Unit:
    return stub.RegisterUnit(pb.RegisterUnitRequest(
        request_id=str(uuid.uuid4()), display_name="Sở Tư pháp", kind=pb.UNIT_KIND_AGENCY,
        reason="QĐ 1/2026"), timeout=TIMEOUT)


def test_each_caller_may_call_what_a_rule_allows_it_and_nothing_else(
        ca: CA, server: tuple[ServerThread, IdentityApplication]) -> None:
    running, app = server
    with client_channel(running.address, files(ca, "commune")) as channel:
        identity = pb_grpc.IdentityServiceStub(channel)
        assert identity.ListUnits(pb.ListUnitsRequest(), timeout=TIMEOUT) is not None
        denied = refused(lambda: audit_pb2_grpc.AuditServiceStub(channel).GetLatestCheckpoint(
            audit_pb2.GetLatestCheckpointRequest(), timeout=TIMEOUT))
        assert denied.code() is grpc.StatusCode.PERMISSION_DENIED
        details = error_details(denied)
        assert details["reason"] == "NO_RULE_ALLOWS"
        assert details["metadata"]["caller"] == COMMUNE
        assert refused(lambda: register(identity)).code() is grpc.StatusCode.PERMISSION_DENIED
    assert app.recorder.max_notification_id() in (None, 0)  # nothing written

    with client_channel(running.address, files(ca, "auditor")) as channel:
        audit = audit_pb2_grpc.AuditServiceStub(channel)
        answer = refused(lambda: audit.GetLatestCheckpoint(
            audit_pb2.GetLatestCheckpointRequest(), timeout=TIMEOUT))
        assert answer.code() is grpc.StatusCode.NOT_FOUND  # allowed: none taken yet


def test_an_edited_policy_holds_within_a_second_and_a_broken_edit_changes_nothing(
        ca: CA, server: tuple[ServerThread, IdentityApplication], policy_path: Path) -> None:
    running, _ = server
    with client_channel(running.address, files(ca, "commune")) as channel:
        identity = pb_grpc.IdentityServiceStub(channel)
        assert refused(lambda: register(identity)).code() is grpc.StatusCode.PERMISSION_DENIED

        policy_path.write_text(POLICY + REGISTER_RULE)
        time.sleep(CHECK_EVERY_S + 0.1)
        assert register(identity).display_name == "Sở Tư pháp"

        policy_path.write_text("rules: [")  # does not validate: the previous one stays
        time.sleep(CHECK_EVERY_S + 0.1)
        assert register(identity).display_name == "Sở Tư pháp"
