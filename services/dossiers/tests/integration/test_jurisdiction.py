"""A commune's system acts only on its own units' dossiers, a province's on its communes'
too, following merges: through real sockets, mutual TLS and a written access policy
whose rule says ``scope: jurisdiction``."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

import grpc
import pytest

from lienthong.dossiers.v1 import dossiers_pb2 as pb
from lienthong.dossiers.v1 import dossiers_pb2_grpc as pb_grpc
from lienthong.grpc.errors import error_details
from lienthong.policy import PolicyFile
from lienthong.services.dossiers.api import add_to_server
from lienthong.services.dossiers.application import DossiersApplication
from lienthong.testing.grpc_server import ServerThread
from lienthong.tls import TLSFiles, client_channel
from lienthong.tools.pki import CA

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

TIMEOUT = 10.0
BA_DINH = "VN:GOV:000.00.12.H01/mot-cua"
HOAN_KIEM = "VN:GOV:000.00.13.H01/mot-cua"
HANOI = "VN:GOV:000.00.00.H01/giam-sat"
THUAN_HOA = "VN:GOV:000.00.21.H57/mot-cua"
POLICY = """\
rules:
  - name: local-government-handles-its-dossiers
    callers: ["VN:GOV:???.??.??.H01/*", "VN:GOV:???.??.??.H57/*"]
    rpcs: ["lienthong.dossiers.v1.DossierService/*"]
    scope: jurisdiction
"""


@pytest.fixture
def app(clock: Any, tmp_path: Path) -> DossiersApplication:
    return DossiersApplication(f"sqlite:///{tmp_path / 'd.db'}", clock=clock)


@pytest.fixture
def ca(tmp_path: Path) -> CA:
    authority = CA(tmp_path / "pki")
    authority.init()
    authority.issue("dossiers", "service", hosts=["127.0.0.1"])
    for name, caller in (("ba-dinh", BA_DINH), ("hoan-kiem", HOAN_KIEM), ("hanoi", HANOI),
                         ("thuan-hoa", THUAN_HOA)):
        authority.issue(name, "client", callers=[caller])
    return authority


def files(ca: CA, name: str) -> TLSFiles:
    cert, key = ca.paths(name)
    return TLSFiles(cert=cert, key=key, ca=ca.cert_path, crl=ca.crl_path)


@pytest.fixture
def address(desk: Any, ca: CA, tmp_path: Path) -> Iterator[str]:
    policy = tmp_path / "policy.yaml"
    policy.write_text(POLICY)
    with ServerThread(lambda s: add_to_server(desk.app, s), tls=files(ca, "dossiers"),
                      policy=PolicyFile(policy)) as running:
        yield running.address


class System:
    """A calling system: its certificate's channel and the dossier stub."""

    def __init__(self, ca: CA, address: str, name: str) -> None:
        self.channel = client_channel(address, files(ca, name))
        self.stub = pb_grpc.DossierServiceStub(self.channel)

    def receive(self, dossier_id: uuid.UUID) -> pb.Dossier:
        return self.stub.ReceiveDossier(pb.ReceiveDossierRequest(
            dossier_id=str(dossier_id), request_id=str(uuid.uuid4())), timeout=TIMEOUT)

    def get(self, dossier_id: uuid.UUID) -> pb.Dossier:
        return self.stub.GetDossier(pb.GetDossierRequest(dossier_id=str(dossier_id)),
                                    timeout=TIMEOUT)

    def listed(self) -> set[str]:
        answer = self.stub.ListDossiers(pb.ListDossiersRequest(page_size=100), timeout=TIMEOUT)
        return {d.dossier_id for d in answer.dossiers}

    def refusal(self, call: Any) -> dict[str, Any]:
        with pytest.raises(grpc.RpcError) as refused:
            call()
        assert refused.value.code() is grpc.StatusCode.PERMISSION_DENIED
        return error_details(refused.value)


@pytest.fixture
def system(ca: CA, address: str) -> Iterator[Any]:
    opened: list[System] = []

    def open_system(name: str) -> System:
        opened.append(System(ca, address, name))
        return opened[-1]

    yield open_system
    for each in opened:
        each.channel.close()


def test_a_commune_acts_on_its_own_dossiers_and_never_on_another_communes(
        desk: Any, system: Any) -> None:
    ours = desk.submit(receiving=desk.units.ba_dinh)
    theirs = desk.submit(receiving=desk.units.hoan_kiem)
    ba_dinh = system("ba-dinh")
    log_end = desk.app.recorder.max_notification_id()

    refusal = ba_dinh.refusal(lambda: ba_dinh.receive(theirs))
    assert refusal["reason"] == "OUTSIDE_JURISDICTION"
    assert refusal["metadata"]["rule"] == "local-government-handles-its-dossiers"
    assert refusal["metadata"]["dossier_id"] == str(theirs)
    assert ba_dinh.refusal(lambda: ba_dinh.get(theirs))["reason"] == "OUTSIDE_JURISDICTION"
    assert desk.app.recorder.max_notification_id() == log_end  # nothing written

    assert ba_dinh.receive(ours).status == pb.DOSSIER_STATUS_RECEIVED
    assert ba_dinh.listed() == {str(ours)}


def test_a_province_acts_on_its_communes_dossiers_and_not_another_provinces(
        desk: Any, system: Any) -> None:
    in_hanoi = desk.submit(receiving=desk.units.hoan_kiem)
    in_hue = desk.submit(desk.RESIDENCE, receiving=desk.units.thuan_hoa)
    hanoi = system("hanoi")

    assert hanoi.receive(in_hanoi).status == pb.DOSSIER_STATUS_RECEIVED
    assert hanoi.refusal(lambda: hanoi.get(in_hue))["reason"] == "OUTSIDE_JURISDICTION"
    assert hanoi.listed() == {str(in_hanoi)}
    assert system("thuan-hoa").listed() == {str(in_hue)}


def test_a_commune_cannot_file_a_dossier_at_another_communes_desk(
        desk: Any, system: Any) -> None:
    ba_dinh = system("ba-dinh")
    applicant = desk.applicant()

    def submit_at_hoan_kiem() -> pb.Dossier:
        return ba_dinh.stub.SubmitDossier(pb.SubmitDossierRequest(
            request_id=str(uuid.uuid4()), procedure_code=desk.BIRTH,
            channel=pb.CHANNEL_COUNTER, receiving_unit_id=str(desk.units.hoan_kiem),
            competent_unit_id=str(desk.units.hoan_kiem), submitted_documents=["Tờ khai"],
            applicant=pb.Applicant(
                full_name=applicant.full_name,
                personal_identification_number=applicant.personal_identification_number)),
            timeout=TIMEOUT)

    refusal = ba_dinh.refusal(submit_at_hoan_kiem)
    assert refusal["reason"] == "OUTSIDE_JURISDICTION"
    assert refusal["metadata"]["unit_id"] == str(desk.units.hoan_kiem)


def test_after_a_merger_the_successor_acts_on_the_merged_communes_dossiers(
        desk: Any, system: Any) -> None:
    from lienthong.services.dossiers.tests.unit.test_submission_during_a_merger import (
        retire_as_the_consumer_does,
    )

    before = desk.submit(receiving=desk.units.hoan_kiem)
    retire_as_the_consumer_does(desk.app, desk.units.hoan_kiem, desk.units.ba_dinh)
    ba_dinh, hoan_kiem = system("ba-dinh"), system("hoan-kiem")

    assert ba_dinh.receive(before).status == pb.DOSSIER_STATUS_RECEIVED
    assert str(before) in ba_dinh.listed()
    # The merged commune's own system no longer has a unit of its own.
    assert hoan_kiem.refusal(lambda: hoan_kiem.get(before))["reason"] == "OUTSIDE_JURISDICTION"
    assert hoan_kiem.listed() == set()
