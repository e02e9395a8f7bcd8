"""Dossiers through gRPC on a real socket, as the one-stop desks' systems call them.

The application stores its events in an SQLite file (so every event goes
through the transcoder) and reads a fixed clock the tests move; the units
and procedures come from the shared ``desk`` fixture.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import TYPE_CHECKING, Any

import grpc
import pytest
from google.type import date_pb2

from lienthong.dossiers.v1 import dossiers_pb2 as pb
from lienthong.dossiers.v1 import dossiers_pb2_grpc as pb_grpc
from lienthong.grpc.errors import ERROR_DOMAIN, error_details
from lienthong.services.dossiers.api import add_to_server
from lienthong.services.dossiers.application import DossiersApplication
from lienthong.services.dossiers.domain.dossier import Status
from lienthong.testing.grpc_server import ServerThread

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

TIMEOUT = 10.0
ACTOR = (("x-actor-id", "cb.nguyen"), ("x-actor-agency-code", "000.00.12.H01"))


def date(year: int, month: int, day: int) -> date_pb2.Date:
    return date_pb2.Date(year=year, month=month, day=day)


@pytest.fixture
def app(clock: Any, tmp_path: Path) -> DossiersApplication:
    return DossiersApplication(f"sqlite:///{tmp_path / 'd.db'}", clock=clock)


@pytest.fixture
def stub(desk: Any) -> Iterator[pb_grpc.DossierServiceStub]:
    with ServerThread(lambda server: add_to_server(desk.app, server)) as running, \
            grpc.insecure_channel(running.address) as channel:
        grpc.channel_ready_future(channel).result(timeout=TIMEOUT)
        yield pb_grpc.DossierServiceStub(channel)


def refused(call: Callable[..., Any], request: Any, **kwargs: Any) -> dict[str, Any]:
    """Make a call that must fail; its status code and details."""
    with pytest.raises(grpc.RpcError) as error:
        call(request, timeout=TIMEOUT, **kwargs)
    details = error_details(error.value)
    details["message"] = error.value.details() or ""
    assert "Traceback" not in details["message"]
    if details["reason"]:
        assert details["domain"] == ERROR_DOMAIN
    return details


def submit_request(desk: Any, **changes: Any) -> pb.SubmitDossierRequest:
    fields: dict[str, Any] = {
        "procedure_code": desk.BIRTH, "channel": pb.CHANNEL_COUNTER,
        "applicant": pb.Applicant(full_name="Nguyễn Văn An",
                                  personal_identification_number=desk.PIN,
                                  phone="0912345678", address="12 Điện Biên Phủ, Hà Nội"),
        "receiving_unit_id": str(desk.units.ba_dinh),
        "competent_unit_id": str(desk.units.ba_dinh),
        "submitted_documents": ["Tờ khai đăng ký khai sinh"]}
    fields.update(changes)
    return pb.SubmitDossierRequest(**fields)


def submit(stub: pb_grpc.DossierServiceStub, desk: Any, **changes: Any) -> pb.Dossier:
    return stub.SubmitDossier(submit_request(desk, **changes), timeout=TIMEOUT, metadata=ACTOR)


# -- the contract ----------------------------------------------------------------------

def test_the_status_enum_values_are_the_portal_codes() -> None:
    assert {name: number for name, number in pb.DossierStatus.items()} == {
        "DOSSIER_STATUS_UNSPECIFIED": 0,
        **{f"DOSSIER_STATUS_{status.name}": int(status) for status in Status}}
    assert sorted(int(s) for s in Status) == list(range(1, 11))


# -- a whole life ----------------------------------------------------------------------

def test_a_dossier_from_submission_to_result_through_grpc(
        stub: pb_grpc.DossierServiceStub, desk: Any) -> None:
    clock, units = desk.clock, desk.units
    dossier = submit(stub, desk, request_id="nop-1", reason="Nộp tại quầy")
    assert dossier.dossier_code == "000.00.12.H01-260304-0001"
    assert (dossier.status, dossier.procedure_version, dossier.version) == (
        pb.DOSSIER_STATUS_NEW, 1, 1)
    assert dossier.submit_time.ToDatetime(dt.UTC) == clock.now
    assert not dossier.HasField("due_date")
    d = dossier.dossier_id

    def call(method: str, request: Any, actor: str = "cb.nguyen") -> pb.Dossier:
        return getattr(stub, method)(request, timeout=TIMEOUT, metadata=(
            ("x-actor-id", actor), ("x-actor-agency-code", "000.00.12.H01"),
            ("x-correlation-id", "ho-so-1")))

    received = call("ReceiveDossier", pb.ReceiveDossierRequest(request_id="nhan-1", dossier_id=d))
    assert (received.status, received.due_date) == (pb.DOSSIER_STATUS_RECEIVED, date(2026, 3, 18))
    assert received.receive_time.ToDatetime(dt.UTC) == clock.now
    assigned = call("AssignDossier", pb.AssignDossierRequest(dossier_id=d, handler="cb.tran"),
                    actor="lanh.dao")
    assert (assigned.status, assigned.hops[0].handler) == (pb.DOSSIER_STATUS_PROCESSING,
                                                           "cb.tran")
    clock.at(2026, 3, 5)
    requested = call("RequestSupplement", pb.RequestSupplementRequest(
        dossier_id=d, missing_documents=["Giấy chứng sinh"], reason="Thiếu giấy chứng sinh"))
    assert requested.status == pb.DOSSIER_STATUS_SUPPLEMENT_REQUESTED
    # Waited from Thursday 5 to Monday 9 March: 2 working days (6 and 9 March) paused.
    clock.at(2026, 3, 9, 10)
    supplemented = call("SupplementDossier", pb.SupplementDossierRequest(
        dossier_id=d, documents=["Giấy chứng sinh"]))
    assert (supplemented.status, supplemented.due_date) == (pb.DOSSIER_STATUS_PROCESSING,
                                                            date(2026, 3, 20))
    assert supplemented.paused_working_days == 2
    assert list(supplemented.submitted_documents) == ["Tờ khai đăng ký khai sinh",
                                                      "Giấy chứng sinh"]
    fee = call("RequireFinancialObligation", pb.RequireFinancialObligationRequest(
        dossier_id=d, amount_vnd=8_000))
    assert fee.status == pb.DOSSIER_STATUS_FINANCIAL_OBLIGATION
    paid = call("FulfilFinancialObligation", pb.FulfilFinancialObligationRequest(dossier_id=d))
    assert paid.status == pb.DOSSIER_STATUS_PROCESSING
    clock.at(2026, 3, 10, 14)
    moved = call("TransferDossier", pb.TransferDossierRequest(
        dossier_id=d, to_unit_id=str(units.hoan_kiem), deadline_working_days=3,
        reason="Chuyển xác minh"))
    assert moved.holder_unit_id == str(units.hoan_kiem)
    first, second = moved.hops
    assert (first.unit_id, first.deadline_working_days, first.due_date, first.handler) == (
        str(units.ba_dinh), 10, date(2026, 3, 20), "cb.tran")
    assert first.end_time.ToDatetime(dt.UTC) == clock.now
    assert (second.unit_id, second.deadline_working_days, second.due_date) == (
        str(units.hoan_kiem), 3, date(2026, 3, 13))
    assert second.start_time.ToDatetime(dt.UTC) == clock.now
    assert not second.HasField("end_time")
    paused = call("PauseDossier", pb.PauseDossierRequest(dossier_id=d, reason="Chờ xác minh"))
    assert paused.paused
    resumed = call("ResumeDossier", pb.ResumeDossierRequest(dossier_id=d))
    assert not resumed.paused
    extended = call("ExtendDossier", pb.ExtendDossierRequest(
        dossier_id=d, new_due_date=date(2026, 3, 27), apology_slip="Phiếu xin lỗi số 03",
        reason="Chờ kết quả xác minh"))
    assert extended.due_date == date(2026, 3, 27)
    clock.at(2026, 3, 27, 16)
    approved = call("ApproveDossier", pb.ApproveDossierRequest(
        dossier_id=d, result_documents=["Giấy khai sinh số 12/2026"]), actor="lanh.dao")
    assert (approved.status, approved.outcome) == (pb.DOSSIER_STATUS_PROCESSED,
                                                   pb.OUTCOME_APPROVED)
    assert list(approved.result_documents) == ["Giấy khai sinh số 12/2026"]
    returned = call("ReturnResult", pb.ReturnResultRequest(dossier_id=d))
    assert (returned.status, returned.timeliness) == (pb.DOSSIER_STATUS_RESULT_RETURNED,
                                                      pb.TIMELINESS_ON_TIME)
    assert returned.result_return_time.ToDatetime(dt.UTC) == clock.now
    assert (returned.version, returned.overdue) == (13, False)
    assert stub.GetDossier(pb.GetDossierRequest(dossier_id=d), timeout=TIMEOUT) == returned

    entries = stub.GetDossierHistory(pb.GetDossierHistoryRequest(dossier_id=d),
                                     timeout=TIMEOUT).entries
    assert [(e.version, e.event_type, e.status_after) for e in entries] == [
        (1, "Submitted", 1), (2, "Received", 2), (3, "Assigned", 4),
        (4, "SupplementRequested", 5), (5, "Supplemented", 4),
        (6, "FinancialObligationRequired", 6), (7, "FinancialObligationFulfilled", 4),
        (8, "Transferred", 4), (9, "Paused", 4), (10, "Resumed", 4), (11, "Extended", 4),
        (12, "Approved", 9), (13, "ResultReturned", 10)]
    assert [e.actor for e in entries] == ["cb.nguyen", "cb.nguyen", "lanh.dao", *(
        ["cb.nguyen"] * 8), "lanh.dao", "cb.nguyen"]
    assert {e.actor_agency_code for e in entries} == {"000.00.12.H01"}
    submitted, received_entry = entries[0], entries[1]
    assert (submitted.request_id, submitted.reason) == ("nop-1", "Nộp tại quầy")
    assert received_entry.request_id == "nhan-1"
    assert received_entry.correlation_id == "ho-so-1"
    assert all(e.recorded_time.seconds > 0 for e in entries)
    assert entries[3].reason == "Thiếu giấy chứng sinh"
    assert json.loads(entries[0].payload_json)["dossier_code"] == dossier.dossier_code
    assert json.loads(entries[7].payload_json)["deadline_working_days"] == 3
    assert json.loads(entries[10].payload_json)["apology_slip"] == "Phiếu xin lỗi số 03"


def test_the_clock_stops_and_the_paused_days_come_back_through_grpc(
        stub: pb_grpc.DossierServiceStub, desk: Any) -> None:
    d = str(desk.in_status(Status.PROCESSING))  # received Wednesday 4 March, due 18 March
    clock = desk.clock
    get = pb.GetDossierRequest(dossier_id=d)

    clock.at(2026, 3, 9, 10)  # Monday
    stopped_at = clock.now
    waiting = stub.RequestSupplement(pb.RequestSupplementRequest(
        dossier_id=d, missing_documents=["Giấy chứng sinh"]), timeout=TIMEOUT)
    (stop,) = waiting.clock_stops
    assert (stop.kind, stop.start_time.ToDatetime(dt.UTC), stop.paused_working_days) == (
        pb.CLOCK_STOP_KIND_SUPPLEMENT, stopped_at, 0)
    assert not stop.HasField("end_time")
    clock.at(2026, 3, 25)  # past the first due date, still waiting: the clock stands still
    assert not stub.GetDossier(get, timeout=TIMEOUT).overdue

    clock.at(2026, 3, 26)  # Thursday: 10 to 26 March, 13 working days, paused
    back = stub.SupplementDossier(pb.SupplementDossierRequest(
        dossier_id=d, documents=["Giấy chứng sinh"]), timeout=TIMEOUT)
    (stop,) = back.clock_stops
    assert (stop.end_time.ToDatetime(dt.UTC), stop.paused_working_days) == (clock.now, 13)
    assert (back.paused_working_days, back.due_date, back.overdue) == (
        13, date(2026, 4, 6), False)
    assert back.hops[-1].due_date == date(2026, 4, 6)

    clock.at(2026, 3, 30)
    stub.RequireFinancialObligation(pb.RequireFinancialObligationRequest(
        dossier_id=d, amount_vnd=8_000), timeout=TIMEOUT)
    clock.at(2026, 3, 31)
    paid = stub.FulfilFinancialObligation(pb.FulfilFinancialObligationRequest(dossier_id=d),
                                          timeout=TIMEOUT)
    assert [(s.kind, s.paused_working_days) for s in paid.clock_stops] == [
        (pb.CLOCK_STOP_KIND_SUPPLEMENT, 13), (pb.CLOCK_STOP_KIND_FINANCIAL_OBLIGATION, 1)]
    assert (paid.paused_working_days, paid.due_date) == (14, date(2026, 4, 7))
    assert stub.GetDossier(get, timeout=TIMEOUT) == paid

    entries = stub.GetDossierHistory(pb.GetDossierHistoryRequest(dossier_id=d),
                                     timeout=TIMEOUT).entries
    supplemented = json.loads(entries[-3].payload_json)
    assert entries[-3].event_type == "Supplemented"
    assert (supplemented["paused_working_days"], supplemented["due_date"]) == (13, "2026-04-06")
    assert supplemented["clock_stopped_at"].startswith("2026-03-09 03:00:00")


def test_a_caller_who_does_not_say_who_acts_is_recorded_as_anonymous(
        stub: pb_grpc.DossierServiceStub, desk: Any) -> None:
    d = submit(stub, desk).dossier_id
    received = stub.ReceiveDossier(pb.ReceiveDossierRequest(dossier_id=d), timeout=TIMEOUT)
    entries = stub.GetDossierHistory(pb.GetDossierHistoryRequest(dossier_id=d),
                                     timeout=TIMEOUT).entries
    assert received.version == len(entries) == 2
    assert entries[-1].actor == "anonymous"


@pytest.mark.parametrize(("path", "status"), [
    (["WithdrawDossier"], pb.DOSSIER_STATUS_WITHDRAWN),
    (["RefuseToReceiveDossier"], pb.DOSSIER_STATUS_NOT_RECEIVED),
    (["ReceiveDossier", "StopDossier"], pb.DOSSIER_STATUS_STOPPED),
    (["ReceiveDossier", "AssignDossier", "RejectDossier"], pb.DOSSIER_STATUS_PROCESSED),
    (["ReceiveDossier", "AssignDossier", "RejectDossier", "ReturnResult"],
     pb.DOSSIER_STATUS_RESULT_RETURNED),
])
def test_the_other_endings_through_grpc(stub: pb_grpc.DossierServiceStub, desk: Any,
                                        path: list[str], status: int) -> None:
    d = submit(stub, desk).dossier_id
    for method in path:
        request = getattr(pb, f"{method}Request")(dossier_id=d, reason="Lý do")
        if method == "AssignDossier":
            request.handler = "cb.tran"
        answer = getattr(stub, method)(request, timeout=TIMEOUT)
    assert answer.status == status
    entries = stub.GetDossierHistory(pb.GetDossierHistoryRequest(dossier_id=d),
                                     timeout=TIMEOUT).entries
    assert entries[-1].status_after == status
    if method == "RejectDossier":
        assert answer.outcome == pb.OUTCOME_REJECTED


# -- refusals through gRPC -------------------------------------------------------------

def test_an_illegal_transition_is_failed_precondition_naming_dossier_command_and_status(
        stub: pb_grpc.DossierServiceStub, desk: Any) -> None:
    d = submit(stub, desk).dossier_id
    before = desk.app.recorder.max_notification_id()

    details = refused(stub.ApproveDossier, pb.ApproveDossierRequest(
        dossier_id=d, result_documents=["Giấy khai sinh"]))

    assert details["code"] == grpc.StatusCode.FAILED_PRECONDITION
    assert details["reason"] == "ILLEGAL_TRANSITION"
    assert details["metadata"] == {"dossier_id": d, "command": "approve", "status": "NEW",
                                   "status_code": "1",
                                   "resource_type": "dossiers.lienthong.vn/Dossier",
                                   "resource_id": d}
    assert details["precondition_violations"] == [
        ("ILLEGAL_TRANSITION", f"dossiers.lienthong.vn/Dossier/{d}")]
    assert "approve" in details["message"] and "new" in details["message"]
    assert desk.app.recorder.max_notification_id() == before


def test_a_paused_dossier_refuses_approval(stub: pb_grpc.DossierServiceStub, desk: Any) -> None:
    d = str(desk.in_status(Status.PROCESSING, paused=True))
    details = refused(stub.ApproveDossier, pb.ApproveDossierRequest(
        dossier_id=d, result_documents=["Giấy khai sinh"]))
    assert (details["code"], details["reason"]) == (grpc.StatusCode.FAILED_PRECONDITION,
                                                    "DOSSIER_PAUSED")


def test_returning_a_result_of_a_new_dossier_is_an_illegal_transition(
        stub: pb_grpc.DossierServiceStub, desk: Any) -> None:
    d = submit(stub, desk).dossier_id
    details = refused(stub.ReturnResult, pb.ReturnResultRequest(dossier_id=d))
    assert (details["code"], details["reason"]) == (grpc.StatusCode.FAILED_PRECONDITION,
                                                    "ILLEGAL_TRANSITION")


@pytest.mark.parametrize(("procedure", "receiving", "competent", "reason"), [
    ("LAND", "hoan_kiem", "ba_dinh", "BOUNDARY_COMPETENT_UNIT_ONLY"),
    ("RESIDENCE", "thuan_hoa", "ba_dinh", "BOUNDARY_OUTSIDE_PROVINCE"),
    ("BIRTH", "ba_dinh", "hanoi", "COMPETENT_LEVEL_MISMATCH"),
])
def test_a_submission_across_a_forbidden_boundary_is_refused(
        stub: pb_grpc.DossierServiceStub, desk: Any, procedure: str, receiving: str,
        competent: str, reason: str) -> None:
    details = refused(stub.SubmitDossier, submit_request(
        desk, procedure_code=getattr(desk, procedure),
        receiving_unit_id=str(getattr(desk.units, receiving)),
        competent_unit_id=str(getattr(desk.units, competent))))
    assert (details["code"], details["reason"]) == (grpc.StatusCode.FAILED_PRECONDITION,
                                                    reason)


@pytest.mark.parametrize(("procedure", "receiving"), [
    ("RESIDENCE", "hoan_kiem"), ("BIRTH", "thuan_hoa")])
def test_a_submission_across_an_allowed_boundary_is_numbered_by_the_receiving_desk(
        stub: pb_grpc.DossierServiceStub, desk: Any, procedure: str, receiving: str) -> None:
    unit = getattr(desk.units, receiving)
    dossier = submit(stub, desk, procedure_code=getattr(desk, procedure),
                     receiving_unit_id=str(unit))
    assert dossier.dossier_code == f"{desk.units.agency_codes[unit]}-260304-0001"
    assert (dossier.receiving_unit_id, dossier.competent_unit_id) == (
        str(unit), str(desk.units.ba_dinh))


def test_a_submission_to_a_divided_unit_lists_its_successors(
        stub: pb_grpc.DossierServiceStub, desk: Any) -> None:
    ba_dinh = desk.app.repository.get(desk.units.ba_dinh)
    successors = [desk.units.hoan_kiem, uuid.uuid4()]
    ba_dinh.retire("divided", successors, successors[0], dt.date(2026, 3, 1))
    desk.app.save(ba_dinh)

    details = refused(stub.SubmitDossier, submit_request(desk))

    assert (details["code"], details["reason"]) == (grpc.StatusCode.FAILED_PRECONDITION,
                                                    "UNIT_DIVIDED_NO_SINGLE_SUCCESSOR")
    assert details["metadata"]["successor_unit_ids"] == ",".join(map(str, successors))
    assert details["metadata"]["field"] == "receiving_unit_id"


def test_a_submission_to_a_merged_unit_goes_to_its_successor(
        stub: pb_grpc.DossierServiceStub, desk: Any) -> None:
    ba_dinh = desk.app.repository.get(desk.units.ba_dinh)
    ba_dinh.retire("merged", [desk.units.hoan_kiem], desk.units.hoan_kiem, dt.date(2026, 3, 1))
    desk.app.save(ba_dinh)

    dossier = submit(stub, desk)

    assert dossier.receiving_unit_id == dossier.holder_unit_id == str(desk.units.hoan_kiem)
    assert dossier.dossier_code == "000.00.13.H01-260304-0001"


@pytest.mark.parametrize(("pin", "rule"), [
    ("0010900123", "PIN_FORMAT"), ("003090012345", "PIN_PLACE_CODE"),
    ("001399012345", "PIN_BIRTH_YEAR")])
def test_a_bad_personal_identification_number_names_the_field(
        stub: pb_grpc.DossierServiceStub, desk: Any, pin: str, rule: str) -> None:
    request = submit_request(desk)
    request.applicant.personal_identification_number = pin
    details = refused(stub.SubmitDossier, request)
    assert (details["code"], details["reason"]) == (grpc.StatusCode.INVALID_ARGUMENT, rule)
    assert details["field_violations"] == [("applicant.personal_identification_number", rule)]


def test_a_submission_missing_its_fields_names_each(
        stub: pb_grpc.DossierServiceStub, desk: Any) -> None:
    details = refused(stub.SubmitDossier, pb.SubmitDossierRequest(request_id="empty"))
    assert details["code"] == grpc.StatusCode.INVALID_ARGUMENT
    assert details["field_violations"] == [
        ("procedure_code", "REQUIRED"), ("channel", "CHANNEL_REQUIRED"),
        ("applicant.full_name", "REQUIRED"),
        ("applicant.personal_identification_number", "PIN_FORMAT"),
        ("receiving_unit_id", "UUID_FORMAT"), ("competent_unit_id", "UUID_FORMAT")]


@pytest.mark.parametrize(("method", "request_type"), [
    ("RefuseToReceiveDossier", pb.RefuseToReceiveDossierRequest),
    ("PauseDossier", pb.PauseDossierRequest),
    ("RejectDossier", pb.RejectDossierRequest),
    ("StopDossier", pb.StopDossierRequest),
])
def test_decisions_without_a_reason_name_the_reason_field(
        stub: pb_grpc.DossierServiceStub, desk: Any, method: str, request_type: Any) -> None:
    status = Status.NEW if method == "RefuseToReceiveDossier" else Status.PROCESSING
    d = str(desk.in_status(status))
    details = refused(getattr(stub, method), request_type(dossier_id=d, reason=" "))
    assert (details["code"], details["reason"]) == (grpc.StatusCode.INVALID_ARGUMENT,
                                                    "REASON_REQUIRED")
    assert details["field_violations"] == [("reason", "REASON_REQUIRED")]


def test_unknown_ids_are_not_found(stub: pb_grpc.DossierServiceStub, desk: Any) -> None:
    nobody = str(uuid.UUID(int=9))
    for call, request, reason in [
        (stub.GetDossier, pb.GetDossierRequest(dossier_id=nobody), "DOSSIER_NOT_FOUND"),
        (stub.GetDossierHistory, pb.GetDossierHistoryRequest(dossier_id=nobody),
         "DOSSIER_NOT_FOUND"),
        (stub.ReceiveDossier, pb.ReceiveDossierRequest(dossier_id=nobody), "DOSSIER_NOT_FOUND"),
        (stub.SubmitDossier, submit_request(desk, receiving_unit_id=nobody), "UNIT_NOT_FOUND"),
        (stub.SubmitDossier, submit_request(desk, procedure_code="9.999999"),
         "PROCEDURE_NOT_FOUND"),
    ]:
        details = refused(call, request)
        assert (details["code"], details["reason"]) == (grpc.StatusCode.NOT_FOUND, reason)


def test_malformed_ids_and_dates_name_the_field(
        stub: pb_grpc.DossierServiceStub, desk: Any) -> None:
    details = refused(stub.GetDossier, pb.GetDossierRequest(dossier_id="HS-1"))
    assert details["field_violations"] == [("dossier_id", "UUID_FORMAT")]
    d = str(desk.in_status(Status.PROCESSING))
    details = refused(stub.ExtendDossier, pb.ExtendDossierRequest(
        dossier_id=d, new_due_date=date(2026, 2, 30), apology_slip="Phiếu 1"))
    assert details["field_violations"] == [("new_due_date", "DATE_INVALID")]
    details = refused(stub.ExtendDossier, pb.ExtendDossierRequest(dossier_id=d))
    assert details["field_violations"] == [("new_due_date", "REQUIRED"),
                                           ("apology_slip", "REQUIRED")]
    details = refused(stub.TransferDossier, pb.TransferDossierRequest(dossier_id=d))
    assert details["field_violations"] == [("to_unit_id", "UUID_FORMAT"),
                                           ("deadline_working_days", "POSITIVE_REQUIRED")]


def test_a_request_id_reused_with_another_payload_is_refused(
        stub: pb_grpc.DossierServiceStub, desk: Any) -> None:
    first = submit(stub, desk, request_id="nop-7")
    assert submit(stub, desk, request_id="nop-7") == first
    other = submit_request(desk, request_id="nop-7", submitted_documents=["Khác"])

    details = refused(stub.SubmitDossier, other)

    assert (details["code"], details["reason"]) == (grpc.StatusCode.INVALID_ARGUMENT,
                                                    "REQUEST_ID_REUSED")
    assert details["field_violations"] == [("request_id", "REQUEST_ID_REUSED")]


# -- listing ---------------------------------------------------------------------------

@pytest.fixture
def listed(stub: pb_grpc.DossierServiceStub, desk: Any) -> dict[str, str]:
    """Six dossiers over two Vietnam days; the clock then moves to 30 March."""
    units, clock = desk.units, desk.clock
    found: dict[str, str] = {}
    clock.at(2026, 3, 3, 23, 30)  # 16:30 UTC on the 3rd
    found["a"] = str(desk.submit())
    clock.at(2026, 3, 4, 0, 30)  # 17:30 UTC on the 3rd, but the 4th in Vietnam
    found["f"] = str(desk.submit())
    clock.at(2026, 3, 4, 9)
    found["b"] = str(desk.in_status(Status.PROCESSING))  # due 18/3
    found["c"] = str(desk.in_status(Status.RECEIVED, procedure_code=desk.RESIDENCE,
                                    receiving=units.hoan_kiem, competent=units.ba_dinh))
    found["d"] = str(desk.in_status(Status.RESULT_RETURNED, receiving=units.hoan_kiem))
    clock.at(2026, 3, 5, 9)
    found["e"] = str(desk.in_status(Status.PROCESSING, procedure_code=desk.LAND))  # due 26/3
    desk.command("transfer", found["e"], to_unit_id=units.hanoi)
    desk.command("extend", found["c"], new_due_date=dt.date(2026, 4, 30), apology_slip="P1")
    clock.at(2026, 3, 30)
    return found


def listing(stub: pb_grpc.DossierServiceStub, **request: Any) -> list[str]:
    response = stub.ListDossiers(pb.ListDossiersRequest(**request), timeout=TIMEOUT)
    assert response.total_size == len(response.dossiers) or request.get("page_size")
    return [d.dossier_id for d in response.dossiers]


def test_list_dossiers_filters(stub: pb_grpc.DossierServiceStub, desk: Any,
                               listed: dict[str, str]) -> None:
    units = desk.units
    named = {v: k for k, v in listed.items()}

    def names(**request: Any) -> list[str]:
        return [named[d] for d in listing(stub, **request)]

    assert names() == ["a", "f", "b", "c", "d", "e"]  # in submission order
    assert names(holder_unit_id=str(units.ba_dinh)) == ["a", "f", "b"]
    assert names(holder_unit_id=str(units.hanoi)) == ["e"]
    assert names(status=pb.DOSSIER_STATUS_PROCESSING) == ["b", "e"]
    assert names(status=pb.DOSSIER_STATUS_RESULT_RETURNED) == ["d"]
    assert names(overdue_only=True) == ["b", "e"]  # c was extended to 30/4
    assert names(procedure_code=desk.BIRTH) == ["a", "f", "b", "d"]
    assert names(submitted_from=date(2026, 3, 4), submitted_to=date(2026, 3, 4)) == [
        "f", "b", "c", "d"]
    assert names(submitted_to=date(2026, 3, 3)) == ["a"]
    assert names(submitted_from=date(2026, 3, 5)) == ["e"]
    assert names(holder_unit_id=str(units.ba_dinh), status=pb.DOSSIER_STATUS_NEW,
                 submitted_from=date(2026, 3, 4)) == ["f"]
    overdue = stub.ListDossiers(pb.ListDossiersRequest(overdue_only=True), timeout=TIMEOUT)
    assert all(d.overdue for d in overdue.dossiers)


def test_list_dossiers_pages_with_an_opaque_token(
        stub: pb_grpc.DossierServiceStub, desk: Any, listed: dict[str, str]) -> None:
    seen: list[str] = []
    token = ""
    pages = 0
    while True:
        response = stub.ListDossiers(pb.ListDossiersRequest(
            page_size=2, page_token=token, procedure_code=desk.BIRTH), timeout=TIMEOUT)
        assert response.total_size == 4
        seen += [d.dossier_id for d in response.dossiers]
        pages += 1
        token = response.next_page_token
        if not token:
            break
    assert pages == 2
    assert seen == [listed[k] for k in ("a", "f", "b", "d")]

    first = stub.ListDossiers(pb.ListDossiersRequest(page_size=2), timeout=TIMEOUT)
    details = refused(stub.ListDossiers, pb.ListDossiersRequest(
        page_size=2, page_token=first.next_page_token, status=pb.DOSSIER_STATUS_NEW))
    assert details["field_violations"] == [("page_token", "PAGE_TOKEN_MISMATCH")]
    details = refused(stub.ListDossiers, pb.ListDossiersRequest(page_token="nonsense!"))
    assert details["field_violations"] == [("page_token", "PAGE_TOKEN_INVALID")]


@pytest.mark.parametrize(("request_fields", "violation"), [
    ({"status": 42}, ("status", "ENUM_VALUE")),
    ({"holder_unit_id": "ba-dinh"}, ("holder_unit_id", "UUID_FORMAT")),
    ({"page_size": -1}, ("page_size", "PAGE_SIZE_NEGATIVE")),
    ({"submitted_from": date(2026, 13, 1)}, ("submitted_from", "DATE_INVALID")),
])
def test_list_dossiers_refuses_bad_filters(stub: pb_grpc.DossierServiceStub,
                                           request_fields: dict[str, Any],
                                           violation: tuple[str, str]) -> None:
    details = refused(stub.ListDossiers, pb.ListDossiersRequest(**request_fields))
    assert details["code"] == grpc.StatusCode.INVALID_ARGUMENT
    assert details["field_violations"] == [violation]
