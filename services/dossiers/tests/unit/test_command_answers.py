"""A dossier command answers with the dossier as it saved it, not read back: its gRPC reply
is what a fresh read (``GetDossier``) returns right after, a retried request id answers
as the first call did, and a desk's counter kept between submissions stays gapless when
another process issues numbers too (in memory, and two applications on one SQLite file)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import pytest

from lienthong.dossiers.v1 import dossiers_pb2 as pb
from lienthong.errors import InvalidArgument
from lienthong.personal import write_master_key_file
from lienthong.services.dossiers.api import DossierServicer
from lienthong.services.dossiers.application import DossiersApplication
from lienthong.services.dossiers.domain.dossier import Status

if TYPE_CHECKING:
    from pathlib import Path


def reply(servicer: DossierServicer, method: str, request: Any) -> pb.Dossier:
    answer: pb.Dossier = asyncio.run(getattr(servicer, method)(request, None))
    return answer


def read(servicer: DossierServicer, dossier_id: str) -> pb.Dossier:
    return reply(servicer, "GetDossier", pb.GetDossierRequest(dossier_id=dossier_id))


def submission(desk: Any, request_id: str, pin: str = "") -> pb.SubmitDossierRequest:
    who = desk.applicant(**({"personal_identification_number": pin} if pin else {}))
    unit = str(desk.units.ba_dinh)
    return pb.SubmitDossierRequest(
        request_id=request_id, procedure_code=desk.BIRTH, channel=pb.CHANNEL_COUNTER,
        applicant=pb.Applicant(full_name=who.full_name,
                               personal_identification_number=who.personal_identification_number,
                               phone=who.phone, address=who.address),
        receiving_unit_id=unit, competent_unit_id=unit, submitted_documents=["Tờ khai"])


def test_a_submissions_reply_is_what_a_fresh_read_returns(desk: Any) -> None:
    servicer = DossierServicer(desk.app)

    submitted = reply(servicer, "SubmitDossier", submission(desk, "answer-1"))

    assert submitted == read(servicer, submitted.dossier_id)
    assert submitted.dossier_code.endswith("-0001")
    assert submitted.applicant.full_name == "Nguyễn Văn An"
    assert submitted.applicant.personal_identification_number == desk.PIN
    assert submitted.applicant.subject_ref == desk.app.personal_data.reference(desk.PIN)
    assert (submitted.receiving_unit_id, submitted.competent_unit_id,
            submitted.holder_unit_id) == (str(desk.units.ba_dinh),) * 3


def test_a_retried_submission_answers_the_first_reply_and_takes_no_number(desk: Any) -> None:
    servicer = DossierServicer(desk.app)
    first = reply(servicer, "SubmitDossier", submission(desk, "answer-2"))

    again = reply(servicer, "SubmitDossier", submission(desk, "answer-2"))
    following = reply(servicer, "SubmitDossier", submission(desk, "answer-3"))

    assert again == first
    assert following.dossier_code.endswith("-0002")


def test_each_status_changes_reply_is_what_a_fresh_read_returns(desk: Any) -> None:
    servicer = DossierServicer(desk.app)
    dossier_id = reply(servicer, "SubmitDossier", submission(desk, "answer-4")).dossier_id
    steps = [
        ("ReceiveDossier", pb.ReceiveDossierRequest(dossier_id=dossier_id, request_id="r")),
        ("AssignDossier", pb.AssignDossierRequest(dossier_id=dossier_id, handler="cb.tran")),
        ("RequestSupplement", pb.RequestSupplementRequest(
            dossier_id=dossier_id, missing_documents=["Giấy chứng sinh"])),
        ("SupplementDossier", pb.SupplementDossierRequest(
            dossier_id=dossier_id, documents=["Giấy chứng sinh"])),
        ("TransferDossier", pb.TransferDossierRequest(
            dossier_id=dossier_id, to_unit_id=str(desk.units.hoan_kiem),
            deadline_working_days=3)),
        ("ApproveDossier", pb.ApproveDossierRequest(
            dossier_id=dossier_id, result_documents=["Giấy khai sinh"])),
        ("ReturnResult", pb.ReturnResultRequest(dossier_id=dossier_id)),
    ]
    for method, request in steps:
        changed = reply(servicer, method, request)
        assert changed == read(servicer, dossier_id), method

    # A retry of the first step answers the dossier as it is now (read, being done).
    retried = reply(servicer, "ReceiveDossier",
                    pb.ReceiveDossierRequest(dossier_id=dossier_id, request_id="r"))
    assert retried == read(servicer, dossier_id)
    assert retried.status == int(Status.RESULT_RETURNED)


def test_the_id_returning_commands_name_the_dossier_they_answer(desk: Any) -> None:
    dossier_id = desk.submit(request_id="answer-5")
    answer = desk.app.receive_dossier_answer(str(dossier_id), request_id="answer-6")

    assert desk.app.receive_dossier(str(dossier_id), request_id="answer-6") == dossier_id
    assert answer.dossier.id == dossier_id and answer.applicant is None
    assert answer.dossier.version == desk.app.get_dossier(dossier_id).version


def test_a_desks_counter_stays_gapless_while_another_process_issues_numbers(
        clock: Any, tmp_path: Path) -> None:
    from conftest import Desk  # the shared fixtures' helper

    store = f"sqlite:///{tmp_path / 'd.db'}"
    key = write_master_key_file(tmp_path / "pii.key")
    one = DossiersApplication(store, clock=clock, pii_master_key_file=key)
    desk = Desk(one, clock)
    other = DossiersApplication(store, clock=clock, pii_master_key_file=key)
    servicers = [DossierServicer(one), DossierServicer(other)]

    codes = [reply(servicers[n % 2 if n < 60 else 0], "SubmitDossier",
                   submission(desk, f"gapless-{n}")).dossier_code for n in range(70)]

    assert [int(code.rsplit("-", 1)[1]) for code in codes] == list(range(1, 71))


def test_a_request_id_reused_for_another_submission_is_refused_and_takes_no_number(
        desk: Any) -> None:
    servicer = DossierServicer(desk.app)
    reply(servicer, "SubmitDossier", submission(desk, "answer-7"))

    with pytest.raises(InvalidArgument) as refused:
        reply(servicer, "SubmitDossier", submission(desk, "answer-7", pin="079185000001"))
    following = reply(servicer, "SubmitDossier", submission(desk, "answer-8"))

    assert refused.value.reason == "REQUEST_ID_REUSED"
    assert following.dossier_code.endswith("-0002")
