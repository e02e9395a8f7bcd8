"""Every way the application refuses a dossier command, and that a refusal writes nothing."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest

from lienthong.errors import FailedPrecondition, InvalidArgument, LienthongError, NotFound
from lienthong.services.dossiers.domain.dossier import (
    ALLOWED_FROM,
    ALLOWED_WHILE_PAUSED,
    DossierPausedError,
    IllegalTransitionError,
    Status,
)
from lienthong.services.dossiers.domain.units import KnownUnit

#: The commands a caller can send (move_on_reorganisation comes from identity's events).
COMMANDS = sorted(set(ALLOWED_FROM) - {"move_on_reorganisation"})

#: return_result reads the due date before checking the status (a product bug, see below).


def refused(desk: Any, expected: type[LienthongError], reason: str,
            command: Any) -> LienthongError:
    """Run a command that must be refused; check its reason and that it wrote nothing."""
    before = desk.app.recorder.max_notification_id()
    with pytest.raises(expected) as error:
        command()
    assert error.value.reason == reason, error.value
    assert desk.app.recorder.max_notification_id() == before, "a refused command wrote events"
    return error.value


def violations(error: LienthongError) -> list[tuple[str, str]]:
    assert isinstance(error, InvalidArgument)
    return [(v.field, v.rule) for v in error.violations]


def _illegal_cases() -> list[Any]:
    cases = []
    for command in COMMANDS:
        for status in sorted(set(Status) - ALLOWED_FROM[command]):
            cases.append(pytest.param(command, status,
                                      id=f"{command}-from-{status.name.lower()}"))
    return cases


# -- the state machine -----------------------------------------------------------------

@pytest.mark.parametrize(("command", "status"), _illegal_cases())
def test_a_command_from_a_status_it_is_not_allowed_from_is_refused(
        desk: Any, command: str, status: Status) -> None:
    dossier_id = desk.in_status(status)

    error = refused(desk, IllegalTransitionError, "ILLEGAL_TRANSITION",
                    lambda: desk.command(command, dossier_id))

    assert isinstance(error, FailedPrecondition)
    assert error.metadata == {"dossier_id": str(dossier_id), "command": command,
                              "status": status.name, "status_code": str(int(status))}
    assert command.replace("_", " ") in error.message
    assert status.name.lower() in error.message
    assert desk.app.get_dossier(dossier_id).status is status


def test_the_matrix_covers_every_refusal() -> None:
    refusals = sum(len(set(Status) - ALLOWED_FROM[c]) for c in COMMANDS)
    assert len(_illegal_cases()) == refusals > 100


@pytest.mark.parametrize("command", COMMANDS)
def test_a_paused_dossier_accepts_only_resume_extend_withdraw_and_stop(
        desk: Any, command: str) -> None:
    dossier_id = desk.in_status(Status.PROCESSING, paused=True)

    if Status.PROCESSING not in ALLOWED_FROM[command]:
        refused(desk, IllegalTransitionError, "ILLEGAL_TRANSITION",
                lambda: desk.command(command, dossier_id))
    elif command in ALLOWED_WHILE_PAUSED:
        version = desk.app.get_dossier(dossier_id).version
        desk.command(command, dossier_id)
        assert desk.app.get_dossier(dossier_id).version == version + 1
    else:
        error = refused(desk, DossierPausedError, "DOSSIER_PAUSED",
                        lambda: desk.command(command, dossier_id))
        assert error.metadata["command"] == command
        assert desk.app.get_dossier(dossier_id).paused


def test_resuming_a_dossier_that_is_not_paused_is_refused(desk: Any) -> None:
    dossier_id = desk.in_status(Status.PROCESSING)
    refused(desk, FailedPrecondition, "DOSSIER_NOT_PAUSED",
            lambda: desk.command("resume", dossier_id))


@pytest.mark.parametrize("new_due_date", [dt.date(2026, 3, 18), dt.date(2026, 3, 17)])
def test_an_extension_must_give_a_later_appointment(desk: Any, new_due_date: dt.date) -> None:
    dossier_id = desk.in_status(Status.PROCESSING)  # due 2026-03-18
    refused(desk, FailedPrecondition, "DUE_DATE_NOT_LATER",
            lambda: desk.command("extend", dossier_id, new_due_date=new_due_date))


def test_a_transfer_to_the_unit_holding_the_dossier_is_refused(desk: Any) -> None:
    dossier_id = desk.in_status(Status.PROCESSING)
    refused(desk, FailedPrecondition, "SAME_UNIT",
            lambda: desk.command("transfer", dossier_id, to_unit_id=desk.units.ba_dinh))


# -- where a dossier may be received ---------------------------------------------------

@pytest.mark.parametrize(("procedure", "receiving", "competent"), [
    ("BIRTH", "thuan_hoa", "ba_dinh"),  # anywhere in the country: another province
    ("BIRTH", "hoan_kiem", "ba_dinh"),
    ("RESIDENCE", "hoan_kiem", "ba_dinh"),  # anywhere in the province
    ("RESIDENCE", "hanoi", "ba_dinh"),  # the province's own desk
    ("LAND", "ba_dinh", "ba_dinh"),  # competent unit only
    ("BUSINESS", "ba_dinh", "hanoi"),  # a province procedure handed in at a ward
])
def test_a_dossier_is_received_where_the_procedure_allows(
        desk: Any, procedure: str, receiving: str, competent: str) -> None:
    units = desk.units
    dossier_id = desk.submit(getattr(desk, procedure), receiving=getattr(units, receiving),
                             competent=getattr(units, competent))

    dossier = desk.app.get_dossier(dossier_id)
    assert dossier.receiving_unit_id == dossier.holder_unit_id == getattr(units, receiving)
    assert dossier.competent_unit_id == getattr(units, competent)
    assert dossier.dossier_code.startswith(units.agency_codes[getattr(units, receiving)] + "-")


@pytest.mark.parametrize(("procedure", "receiving", "competent", "reason"), [
    ("LAND", "hoan_kiem", "ba_dinh", "BOUNDARY_COMPETENT_UNIT_ONLY"),
    ("LAND", "hanoi", "ba_dinh", "BOUNDARY_COMPETENT_UNIT_ONLY"),
    ("RESIDENCE", "thuan_hoa", "ba_dinh", "BOUNDARY_OUTSIDE_PROVINCE"),
    ("RESIDENCE", "hue", "ba_dinh", "BOUNDARY_OUTSIDE_PROVINCE"),
    ("BUSINESS", "thuan_hoa", "hanoi", "BOUNDARY_OUTSIDE_PROVINCE"),
    ("BIRTH", "ba_dinh", "hanoi", "COMPETENT_LEVEL_MISMATCH"),  # a commune procedure
    ("BUSINESS", "hanoi", "ba_dinh", "COMPETENT_LEVEL_MISMATCH"),  # a province procedure
])
def test_a_dossier_received_where_the_procedure_does_not_allow_is_refused(
        desk: Any, procedure: str, receiving: str, competent: str, reason: str) -> None:
    units = desk.units
    error = refused(desk, FailedPrecondition, reason, lambda: desk.submit(
        getattr(desk, procedure), receiving=getattr(units, receiving),
        competent=getattr(units, competent)))
    assert error.metadata["unit_id"] in (str(getattr(units, receiving)),
                                         str(getattr(units, competent)))


def test_a_receiving_unit_without_an_agency_code_cannot_number_dossiers(desk: Any) -> None:
    unit = KnownUnit(id=uuid.uuid4(), display_name="Xã Mới", level="commune", kind="commune",
                     administrative_unit_code="00099", agency_code="",
                     parent_id=desk.units.hanoi, province_id=desk.units.hanoi)
    desk.app.save(unit)
    refused(desk, FailedPrecondition, "RECEIVING_UNIT_WITHOUT_AGENCY_CODE",
            lambda: desk.submit(receiving=unit.id))


def test_a_procedure_not_yet_in_force_takes_no_dossier(desk: Any) -> None:
    desk.clock.at(2025, 6, 30)
    refused(desk, FailedPrecondition, "NO_VERSION_IN_FORCE", desk.submit)


# -- reorganised units -----------------------------------------------------------------

def divide(desk: Any) -> tuple[uuid.UUID, list[uuid.UUID]]:
    """Ba Đình divided between Hoàn Kiếm (the default) and a new ward."""
    units = desk.units
    new = KnownUnit(id=uuid.uuid4(), display_name="Phường Giảng Võ", level="commune",
                    kind="ward", administrative_unit_code="00008", agency_code="000.00.15.H01",
                    parent_id=units.hanoi, province_id=units.hanoi)
    ba_dinh = desk.app.repository.get(units.ba_dinh)
    ba_dinh.retire("divided", [units.hoan_kiem, new.id], units.hoan_kiem, dt.date(2026, 3, 1))
    desk.app.save(new, ba_dinh)
    return units.ba_dinh, [units.hoan_kiem, new.id]


@pytest.mark.parametrize("field", ["receiving_unit_id", "competent_unit_id"])
def test_a_submission_to_a_divided_unit_is_refused_naming_its_successors(
        desk: Any, field: str) -> None:
    divided, successors = divide(desk)
    where = ({"receiving": desk.units.hoan_kiem, "competent": divided}
             if field == "competent_unit_id" else {"receiving": divided})

    error = refused(desk, FailedPrecondition, "UNIT_DIVIDED_NO_SINGLE_SUCCESSOR",
                    lambda: desk.submit(**where))

    assert error.metadata["unit_id"] == str(divided)
    assert error.metadata["field"] == field
    assert sorted(error.metadata["successor_unit_ids"].split(",")) == sorted(map(str, successors))


def test_a_transfer_to_a_divided_unit_is_refused(desk: Any) -> None:
    dossier_id = desk.in_status(Status.PROCESSING, receiving=desk.units.hanoi,
                                competent=desk.units.hoan_kiem)
    divided, _ = divide(desk)
    error = refused(desk, FailedPrecondition, "UNIT_DIVIDED_NO_SINGLE_SUCCESSOR",
                    lambda: desk.command("transfer", dossier_id, to_unit_id=divided))
    assert error.metadata["field"] == "to_unit_id"


# -- bad input -------------------------------------------------------------------------

def test_a_submission_missing_everything_is_refused_field_by_field(desk: Any) -> None:
    error = refused(desk, InvalidArgument, "REQUIRED", lambda: desk.app.submit_dossier(
        procedure_code="", channel="", applicant=desk.applicant(
            full_name=" ", personal_identification_number=""),
        receiving_unit_id="", competent_unit_id="nope"))
    assert violations(error) == [
        ("procedure_code", "REQUIRED"), ("channel", "CHANNEL_REQUIRED"),
        ("applicant.full_name", "REQUIRED"),
        ("applicant.personal_identification_number", "PIN_FORMAT"),
        ("receiving_unit_id", "UUID_FORMAT"), ("competent_unit_id", "UUID_FORMAT")]


@pytest.mark.parametrize(("pin", "rule"), [
    ("00109001234", "PIN_FORMAT"),
    ("0010900123456", "PIN_FORMAT"),
    ("00109001234A", "PIN_FORMAT"),
    ("003090012345", "PIN_PLACE_CODE"),
    ("001399012345", "PIN_BIRTH_YEAR"),  # born 2099
])
def test_a_submission_with_a_bad_personal_identification_number_is_refused(
        desk: Any, pin: str, rule: str) -> None:
    error = refused(desk, InvalidArgument, rule, lambda: desk.submit(
        who=desk.applicant(personal_identification_number=pin)))
    assert violations(error) == [("applicant.personal_identification_number", rule)]


@pytest.mark.parametrize(("submit", "reason"), [
    ({"procedure_code": "9.999999"}, "PROCEDURE_NOT_FOUND"),
    ({"receiving": uuid.UUID(int=1)}, "UNIT_NOT_FOUND"),
    ({"competent": uuid.UUID(int=2)}, "UNIT_NOT_FOUND"),
])
def test_a_submission_naming_unknown_things_is_not_found(
        desk: Any, submit: dict[str, Any], reason: str) -> None:
    refused(desk, NotFound, reason, lambda: desk.submit(**submit))


def test_a_malformed_procedure_code_is_invalid(desk: Any) -> None:
    error = refused(desk, InvalidArgument, "PROCEDURE_CODE_FORMAT",
                    lambda: desk.submit("khai-sinh"))
    assert violations(error) == [("procedure_code", "PROCEDURE_CODE_FORMAT")]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_on_an_unknown_dossier_is_not_found(desk: Any, command: str) -> None:
    error = refused(desk, NotFound, "DOSSIER_NOT_FOUND",
                    lambda: desk.command(command, uuid.UUID(int=7)))
    assert error.metadata == {"resource_type": "dossiers.lienthong.vn/Dossier",
                              "resource_id": str(uuid.UUID(int=7))}


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_on_a_malformed_dossier_id_is_invalid(desk: Any, command: str) -> None:
    error = refused(desk, InvalidArgument, "UUID_FORMAT",
                    lambda: desk.command(command, "HS-0001"))
    assert violations(error) == [("dossier_id", "UUID_FORMAT")]


def test_an_unknown_id_that_names_another_aggregate_is_not_a_dossier(desk: Any) -> None:
    dossier_id = desk.in_status(Status.PROCESSING)
    refused(desk, NotFound, "DOSSIER_NOT_FOUND", lambda: desk.app.get_dossier(desk.units.hanoi))
    refused(desk, NotFound, "DOSSIER_NOT_FOUND",
            lambda: desk.app.dossier_history(str(desk.units.hanoi)))
    refused(desk, NotFound, "UNIT_NOT_FOUND", lambda: desk.command(
        "transfer", dossier_id, to_unit_id=uuid.UUID(int=3)))
    refused(desk, NotFound, "DOSSIER_NOT_FOUND", lambda: desk.command(
        "receive", desk.units.hanoi))


@pytest.mark.parametrize("command", ["refuse_to_receive", "pause", "reject", "stop"])
@pytest.mark.parametrize("reason", ["", "   "])
def test_decisions_against_the_applicant_must_give_a_reason(
        desk: Any, command: str, reason: str) -> None:
    status = Status.NEW if command == "refuse_to_receive" else Status.PROCESSING
    dossier_id = desk.in_status(status)
    error = refused(desk, InvalidArgument, "REASON_REQUIRED",
                    lambda: desk.command(command, dossier_id, reason=reason))
    assert violations(error) == [("reason", "REASON_REQUIRED")]


@pytest.mark.parametrize(("command", "arguments", "expected"), [
    ("assign", {"handler": "  "}, [("handler", "REQUIRED")]),
    ("request_supplement", {"missing_documents": []}, [("missing_documents", "REQUIRED")]),
    ("require_financial_obligation", {"amount_vnd": 0}, [("amount_vnd", "POSITIVE_REQUIRED")]),
    ("require_financial_obligation", {"amount_vnd": -5}, [("amount_vnd", "POSITIVE_REQUIRED")]),
    ("transfer", {"to_unit_id": "", "deadline_working_days": 0},
     [("to_unit_id", "UUID_FORMAT"), ("deadline_working_days", "POSITIVE_REQUIRED")]),
    ("extend", {"new_due_date": None, "apology_slip": " "},
     [("new_due_date", "REQUIRED"), ("apology_slip", "REQUIRED")]),
    ("approve", {"result_documents": []}, [("result_documents", "REQUIRED")]),
])
def test_commands_missing_what_they_need_are_refused(
        desk: Any, command: str, arguments: dict[str, Any],
        expected: list[tuple[str, str]]) -> None:
    dossier_id = desk.in_status(Status.PROCESSING)
    error = refused(desk, InvalidArgument, expected[0][1],
                    lambda: desk.command(command, dossier_id, **arguments))
    assert violations(error) == expected


def test_supplementing_nothing_is_refused(desk: Any) -> None:
    dossier_id = desk.in_status(Status.SUPPLEMENT_REQUESTED)
    error = refused(desk, InvalidArgument, "REQUIRED",
                    lambda: desk.command("supplement", dossier_id, documents=[]))
    assert violations(error) == [("documents", "REQUIRED")]


# -- request ids -----------------------------------------------------------------------

def test_a_retried_submission_answers_with_the_same_dossier(desk: Any) -> None:
    first = desk.submit(request_id="nop-1")
    before = desk.app.recorder.max_notification_id()

    assert desk.submit(request_id="nop-1") == first
    assert desk.app.recorder.max_notification_id() == before


def test_a_retried_command_is_done_once(desk: Any) -> None:
    dossier_id = desk.in_status(Status.PROCESSING)
    desk.command("pause", dossier_id, request_id="pause-1", reason="Chờ xác minh")
    before = desk.app.recorder.max_notification_id()

    desk.command("pause", dossier_id, request_id="pause-1", reason="Chờ xác minh")

    assert desk.app.recorder.max_notification_id() == before


@pytest.mark.parametrize("second", [
    lambda desk, _: desk.submit(request_id="nop-1", who=desk.applicant(full_name="Trần Thị B")),
    lambda desk, _: desk.submit(desk.RESIDENCE, request_id="nop-1"),
    lambda desk, dossier_id: desk.command("receive", dossier_id, request_id="nop-1"),
], ids=["other-applicant", "other-procedure", "other-method"])
def test_a_request_id_reused_for_another_request_is_refused(desk: Any, second: Any) -> None:
    dossier_id = desk.submit(request_id="nop-1")
    error = refused(desk, InvalidArgument, "REQUEST_ID_REUSED",
                    lambda: second(desk, dossier_id))
    assert violations(error) == [("request_id", "REQUEST_ID_REUSED")]


def test_a_request_id_reused_on_another_dossier_is_refused(desk: Any) -> None:
    one, other = desk.in_status(Status.PROCESSING), desk.in_status(Status.PROCESSING)
    desk.command("approve", one, request_id="duyet-1")
    refused(desk, InvalidArgument, "REQUEST_ID_REUSED",
            lambda: desk.command("approve", other, request_id="duyet-1"))
    assert desk.app.get_dossier(other).status is Status.PROCESSING


def test_an_overlong_request_id_is_refused(desk: Any) -> None:
    error = refused(desk, InvalidArgument, "REQUEST_ID_FORMAT",
                    lambda: desk.submit(request_id="x" * 129))
    assert violations(error) == [("request_id", "REQUEST_ID_FORMAT")]
