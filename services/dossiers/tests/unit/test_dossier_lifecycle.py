"""A dossier's life at the one-stop desk, told through the application's public methods.

The fixtures (services/dossiers/tests/conftest.py) give a desk on a fixed
clock: Wednesday 4 March 2026, 09:00 in Vietnam; Phường Ba Đình
(000.00.12.H01) and Phường Hoàn Kiếm of Hà Nội, Phường Thuận Hóa of Huế.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest

from lienthong.audit import audit_scope
from lienthong.services.dossiers.domain.dossier import ALLOWED_FROM, Hop, Status
from lienthong.services.dossiers.domain.units import KnownUnit
from lienthong.services.dossiers.projections import DossierFilter

D = dt.date


def history(desk: Any, dossier_id: uuid.UUID) -> list[tuple[str, int]]:
    return [(item.event_type, item.status_after)
            for item in desk.app.dossier_history(str(dossier_id))]


# -- the statuses ----------------------------------------------------------------------

def test_statuses_are_the_national_portal_codes_1_to_10() -> None:
    assert {s.name: int(s) for s in Status} == {
        "NEW": 1, "RECEIVED": 2, "NOT_RECEIVED": 3, "PROCESSING": 4,
        "SUPPLEMENT_REQUESTED": 5, "FINANCIAL_OBLIGATION": 6, "WITHDRAWN": 7, "STOPPED": 8,
        "PROCESSED": 9, "RESULT_RETURNED": 10}


def test_every_command_names_only_real_statuses() -> None:
    assert set(ALLOWED_FROM) >= {
        "receive", "refuse_to_receive", "assign", "request_supplement", "supplement",
        "require_financial_obligation", "fulfil_financial_obligation", "transfer", "pause",
        "resume", "extend", "approve", "reject", "return_result", "withdraw", "stop"}
    for allowed in ALLOWED_FROM.values():
        assert allowed and allowed <= set(Status)


# -- the whole life --------------------------------------------------------------------

def test_a_dossier_from_submission_to_its_returned_result(desk: Any) -> None:
    app, clock, units = desk.app, desk.clock, desk.units
    start = clock.now

    with audit_scope(actor="cb.nguyen", actor_agency_code="000.00.12.H01"):
        dossier_id = desk.submit(request_id="submit-1", reason="Nộp tại quầy")
    dossier = app.get_dossier(dossier_id)
    assert dossier.dossier_code == "000.00.12.H01-260304-0001"
    assert (dossier.status, dossier.procedure_code, dossier.procedure_version) == (
        Status.NEW, desk.BIRTH, 1)
    assert (dossier.sector, dossier.channel) == ("Hộ tịch", "counter")
    assert app.applicant_of(dossier).personal_identification_number == desk.PIN
    assert (dossier.receiving_unit_id, dossier.competent_unit_id, dossier.holder_unit_id) == (
        units.ba_dinh, units.ba_dinh, units.ba_dinh)
    assert (dossier.submitted_at, dossier.due_date, dossier.hops) == (start, None, [])

    # Received on Wednesday 4 March: 10 working days from Thursday 5 March.
    desk.command("receive", dossier_id)
    dossier = app.get_dossier(dossier_id)
    assert (dossier.status, dossier.received_at, dossier.due_date) == (
        Status.RECEIVED, start, D(2026, 3, 18))
    assert dossier.hops == [Hop(units.ba_dinh, start, 10, D(2026, 3, 18))]

    with audit_scope(actor="lanh.dao", actor_agency_code="000.00.12.H01"):
        desk.command("assign", dossier_id, handler="cb.tran")
    dossier = app.get_dossier(dossier_id)
    assert (dossier.status, dossier.handler, dossier.hops[-1].handler) == (
        Status.PROCESSING, "cb.tran", "cb.tran")

    clock.at(2026, 3, 5)
    desk.command("request_supplement", dossier_id, missing_documents=["Giấy chứng sinh"],
                 reason="Thiếu giấy chứng sinh")
    assert app.get_dossier(dossier_id).status is Status.SUPPLEMENT_REQUESTED

    # Completed on Monday 9 March: the clock stood still on 6 and 9 March, so the
    # appointment (and the hop's) moves two working days later.
    clock.at(2026, 3, 9, 10)
    desk.command("supplement", dossier_id, documents=["Giấy chứng sinh (bản chính)"])
    dossier = app.get_dossier(dossier_id)
    assert (dossier.status, dossier.due_date) == (Status.PROCESSING, D(2026, 3, 20))
    assert (dossier.paused_working_days, dossier.hops[-1].due_date) == (2, D(2026, 3, 20))
    assert dossier.submitted_documents == ["Tờ khai", "Giấy chứng sinh (bản chính)"]

    desk.command("require_financial_obligation", dossier_id, amount_vnd=8_000)
    dossier = app.get_dossier(dossier_id)
    assert (dossier.status, dossier.fee_due_vnd) == (Status.FINANCIAL_OBLIGATION, 8_000)
    desk.command("fulfil_financial_obligation", dossier_id)
    dossier = app.get_dossier(dossier_id)
    assert (dossier.status, dossier.fee_due_vnd) == (Status.PROCESSING, 0)
    assert dossier.due_date == D(2026, 3, 20), "paid the same day: nothing paused"

    # Tuesday 10 March: Hoàn Kiếm gets 3 of the working days, to Friday 13 March.
    clock.at(2026, 3, 10, 14)
    transferred_at = clock.now
    desk.command("transfer", dossier_id, to_unit_id=units.hoan_kiem, deadline_working_days=3)
    dossier = app.get_dossier(dossier_id)
    assert (dossier.status, dossier.holder_unit_id) == (Status.PROCESSING, units.hoan_kiem)
    assert dossier.hops == [
        Hop(units.ba_dinh, start, 10, D(2026, 3, 20), "cb.tran", transferred_at),
        Hop(units.hoan_kiem, transferred_at, 3, D(2026, 3, 13)),
    ]
    assert dossier.due_date == D(2026, 3, 20), "a hop's share does not move the appointment"
    desk.command("assign", dossier_id, handler="cb.le")
    assert app.get_dossier(dossier_id).hops[-1].handler == "cb.le"

    desk.command("pause", dossier_id, reason="Chờ xác minh")
    assert app.get_dossier(dossier_id).paused
    desk.command("resume", dossier_id)
    assert not app.get_dossier(dossier_id).paused

    clock.at(2026, 3, 20)
    desk.command("extend", dossier_id, new_due_date=D(2026, 3, 27),
                 apology_slip="Phiếu xin lỗi và hẹn lại ngày trả kết quả số 03")
    assert app.get_dossier(dossier_id).due_date == D(2026, 3, 27)

    clock.at(2026, 3, 25, 16)
    approved_at = clock.now
    desk.command("approve", dossier_id, result_documents=["Giấy khai sinh số 12/2026"])
    dossier = app.get_dossier(dossier_id)
    assert (dossier.status, dossier.outcome, dossier.result_documents) == (
        Status.PROCESSED, "approved", ["Giấy khai sinh số 12/2026"])
    assert dossier.hops[-1].ended_at == approved_at

    clock.at(2026, 3, 26, 8)
    desk.command("return_result", dossier_id)
    dossier = app.get_dossier(dossier_id)
    assert (dossier.status, dossier.returned_at, dossier.timeliness) == (
        Status.RESULT_RETURNED, clock.now, "early")
    assert not dossier.is_open

    assert history(desk, dossier_id) == [
        ("Submitted", 1), ("Received", 2), ("Assigned", 4), ("SupplementRequested", 5),
        ("Supplemented", 4), ("FinancialObligationRequired", 6),
        ("FinancialObligationFulfilled", 4), ("Transferred", 4), ("Assigned", 4),
        ("Paused", 4), ("Resumed", 4), ("Extended", 4), ("Approved", 9),
        ("ResultReturned", 10)]
    items = app.dossier_history(str(dossier_id))
    assert [item.version for item in items] == list(range(1, 15))
    first, _, assigned, requested = items[:4]
    assert (first.metadata["actor"], first.metadata["actor_agency_code"],
            first.metadata["request_id"], first.metadata["reason"]) == (
        "cb.nguyen", "000.00.12.H01", "submit-1", "Nộp tại quầy")
    assert first.payload["dossier_code"] == "000.00.12.H01-260304-0001"
    assert assigned.metadata["actor"] == "lanh.dao"
    assert assigned.payload["handler"] == "cb.tran"
    assert requested.metadata["reason"] == "Thiếu giấy chứng sinh"
    assert requested.payload["missing_documents"] == ["Giấy chứng sinh"]
    assert items[11].payload["apology_slip"].startswith("Phiếu xin lỗi")


@pytest.mark.parametrize(("returned", "timeliness"), [
    ((2026, 3, 17, 16), "early"),
    ((2026, 3, 18, 8), "on_time"),
    ((2026, 3, 18, 23, 59), "on_time"),  # the due date runs to the end of its day
    ((2026, 3, 19, 0, 1), "late"),  # 17:01 UTC on the 18th, already the 19th in Vietnam
    ((2026, 3, 30), "late"),
])
def test_a_result_returned_is_early_on_time_or_late_against_its_due_date(
        desk: Any, returned: tuple[int, ...], timeliness: str) -> None:
    dossier_id = desk.in_status(Status.PROCESSED)
    assert desk.app.get_dossier(dossier_id).due_date == D(2026, 3, 18)

    desk.clock.at(*returned)
    desk.command("return_result", dossier_id)

    assert desk.app.get_dossier(dossier_id).timeliness == timeliness


def test_an_extended_appointment_is_what_timeliness_is_measured_against(desk: Any) -> None:
    dossier_id = desk.in_status(Status.PROCESSING)
    desk.command("extend", dossier_id, new_due_date=D(2026, 3, 25), apology_slip="Phiếu 7")
    desk.command("approve", dossier_id)

    desk.clock.at(2026, 3, 24)
    desk.command("return_result", dossier_id)

    assert desk.app.get_dossier(dossier_id).timeliness == "early"


def test_an_open_dossier_is_overdue_only_after_its_due_date(desk: Any) -> None:
    dossier_id = desk.in_status(Status.PROCESSING)
    dossier = desk.app.get_dossier(dossier_id)

    desk.clock.at(2026, 3, 18, 23, 59)
    assert not dossier.is_overdue(desk.app.today())
    desk.clock.at(2026, 3, 19, 0, 1)
    assert dossier.is_overdue(desk.app.today())
    desk.command("approve", dossier_id)
    assert not desk.app.get_dossier(dossier_id).is_overdue(desk.app.today())


# -- the other endings -----------------------------------------------------------------

def test_a_dossier_refused_at_the_desk_keeps_the_reason(desk: Any) -> None:
    dossier_id = desk.submit()

    desk.command("refuse_to_receive", dossier_id, reason="Không thuộc thẩm quyền giải quyết")

    dossier = desk.app.get_dossier(dossier_id)
    assert (dossier.status, dossier.due_date, dossier.is_open) == (
        Status.NOT_RECEIVED, None, False)
    last = desk.app.dossier_history(str(dossier_id))[-1]
    assert (last.event_type, last.status_after, last.metadata["reason"]) == (
        "RefusedToReceive", 3, "Không thuộc thẩm quyền giải quyết")


@pytest.mark.parametrize("status", [Status.NEW, Status.RECEIVED, Status.PROCESSING,
                                    Status.SUPPLEMENT_REQUESTED, Status.FINANCIAL_OBLIGATION])
def test_the_applicant_withdraws_an_open_dossier(desk: Any, status: Status) -> None:
    dossier_id = desk.in_status(status)
    desk.clock.at(2026, 3, 6)

    desk.command("withdraw", dossier_id, reason="Công dân xin rút hồ sơ")

    dossier = desk.app.get_dossier(dossier_id)
    assert dossier.status is Status.WITHDRAWN
    assert all(hop.ended_at == desk.clock.now for hop in dossier.hops)
    assert history(desk, dossier_id)[-1] == ("Withdrawn", 7)


def test_processing_stops_with_a_reason(desk: Any) -> None:
    dossier_id = desk.in_status(Status.SUPPLEMENT_REQUESTED)
    desk.clock.at(2026, 4, 6)

    desk.command("stop", dossier_id, reason="Quá hạn bổ sung hồ sơ")

    dossier = desk.app.get_dossier(dossier_id)
    assert (dossier.status, dossier.hops[-1].ended_at) == (Status.STOPPED, desk.clock.now)
    assert history(desk, dossier_id)[-1] == ("Stopped", 8)
    assert desk.app.dossier_history(str(dossier_id))[-1].metadata["reason"] == (
        "Quá hạn bổ sung hồ sơ")


@pytest.mark.parametrize("command", ["withdraw", "stop"])
def test_a_paused_dossier_that_is_closed_is_no_longer_paused(desk: Any, command: str) -> None:
    dossier_id = desk.in_status(Status.PROCESSING, paused=True)

    desk.command(command, dossier_id)

    dossier = desk.app.get_dossier(dossier_id)
    assert not dossier.is_open
    assert not dossier.paused


def test_a_rejection_is_processed_then_its_answer_returned(desk: Any) -> None:
    dossier_id = desk.in_status(Status.PROCESSING)

    desk.command("reject", dossier_id, reason="Không đủ điều kiện đăng ký")
    dossier = desk.app.get_dossier(dossier_id)
    assert (dossier.status, dossier.outcome) == (Status.PROCESSED, "rejected")
    desk.command("return_result", dossier_id)

    assert desk.app.get_dossier(dossier_id).status is Status.RESULT_RETURNED
    assert [s for _, s in history(desk, dossier_id)] == [1, 2, 4, 9, 10]


def test_a_transfer_from_the_receiving_desk_starts_processing_at_the_next_unit(
        desk: Any) -> None:
    dossier_id = desk.in_status(Status.RECEIVED)

    desk.command("transfer", dossier_id, to_unit_id=desk.units.hanoi, deadline_working_days=8)

    dossier = desk.app.get_dossier(dossier_id)
    assert (dossier.status, dossier.holder_unit_id) == (Status.PROCESSING, desk.units.hanoi)
    assert [(h.unit_id, h.deadline_working_days, h.due_date) for h in dossier.hops] == [
        (desk.units.ba_dinh, 10, D(2026, 3, 18)), (desk.units.hanoi, 8, D(2026, 3, 16))]


# -- working days ----------------------------------------------------------------------

def test_a_deadline_over_tet_2026_skips_the_holidays(desk: Any) -> None:
    """Tết Bính Ngọ: 17/2/2026; days off Monday 16 to Friday 20 February."""
    desk.clock.at(2026, 2, 12, 10)  # Thursday
    dossier_id = desk.submit(desk.RESIDENCE)

    desk.command("receive", dossier_id)

    # 13/2 is day 1; 16-20/2 Tết, 21-22/2 weekend; 23, 24, 25, 26/2 are days 2 to 5.
    dossier = desk.app.get_dossier(dossier_id)
    assert dossier.due_date == D(2026, 2, 26)
    assert dossier.hops[0].due_date == D(2026, 2, 26)


@pytest.mark.parametrize(("supplemented", "paused", "due"), [
    ((2026, 2, 13, 11), 2, D(2026, 2, 27)),  # Friday before Tết: 12 and 13/2 paused
    ((2026, 2, 17, 20), 3, D(2026, 3, 2)),  # online on Tết's day: read as 23/2, paused too
    ((2026, 2, 21, 8), 3, D(2026, 3, 2)),  # the Saturday after: read as 23/2 likewise
])
def test_a_wait_for_a_supplement_over_tet_moves_the_due_date_by_the_working_days_paused(
        desk: Any, supplemented: tuple[int, ...], paused: int, due: dt.date) -> None:
    desk.clock.at(2026, 2, 11)  # Wednesday: received, and a supplement requested
    dossier_id = desk.in_status(Status.SUPPLEMENT_REQUESTED, procedure_code=desk.RESIDENCE)
    assert desk.app.get_dossier(dossier_id).due_date == D(2026, 2, 25)

    desk.clock.at(*supplemented)
    desk.command("supplement", dossier_id)

    dossier = desk.app.get_dossier(dossier_id)
    assert (dossier.paused_working_days, dossier.due_date) == (paused, due)


def test_a_dossier_received_at_the_weekend_counts_from_the_next_working_day(desk: Any) -> None:
    desk.clock.at(2026, 3, 7, 15)  # Saturday, online
    dossier_id = desk.submit(desk.RESIDENCE, channel="online")

    desk.command("receive", dossier_id)

    # Deemed received Monday 9 March; 5 working days: 10-13, 16 March.
    assert desk.app.get_dossier(dossier_id).due_date == D(2026, 3, 16)


# -- the procedure version -------------------------------------------------------------

def test_a_dossier_keeps_the_procedure_version_it_was_received_under(desk: Any) -> None:
    app, clock = desk.app, desk.clock
    received_before = desk.submit()
    desk.command("receive", received_before)
    submitted_before = desk.submit()  # online, say: received only after the change
    app.add_procedure_version(desk.BIRTH, desk.spec(
        effective_date=D(2026, 4, 1), processing_working_days=7, fee_vnd=5_000))

    clock.at(2026, 4, 2)
    desk.command("assign", received_before)
    desk.command("receive", submitted_before)

    kept, moved_on = app.get_dossier(received_before), app.get_dossier(submitted_before)
    assert (kept.procedure_version, kept.processing_working_days) == (1, 10)
    assert kept.due_date == D(2026, 3, 18)  # 10 working days from Thursday 5 March
    assert app.procedure_version(desk.BIRTH, kept.procedure_version).fee_vnd == 0
    # Submitted under version 1, received under version 2: version 2 applies.
    assert (moved_on.procedure_version, moved_on.processing_working_days) == (2, 7)
    assert moved_on.due_date == D(2026, 4, 13)  # 7 working days from Friday 3 April


# -- reorganised units -----------------------------------------------------------------

def merge(desk: Any, unit_id: uuid.UUID, into: uuid.UUID) -> None:
    unit = desk.app.repository.get(unit_id)
    assert isinstance(unit, KnownUnit)
    unit.retire("merged", [into], into, D(2026, 3, 1))
    desk.app.save(unit)


def test_a_submission_to_a_merged_unit_goes_to_its_successor(desk: Any) -> None:
    units = desk.units
    merge(desk, units.ba_dinh, into=units.hoan_kiem)

    dossier_id = desk.submit(desk.LAND, receiving=units.ba_dinh, competent=units.ba_dinh)

    dossier = desk.app.get_dossier(dossier_id)
    assert (dossier.receiving_unit_id, dossier.competent_unit_id, dossier.holder_unit_id) == (
        units.hoan_kiem, units.hoan_kiem, units.hoan_kiem)
    assert dossier.dossier_code == "000.00.13.H01-260304-0001"


def test_a_chain_of_mergers_is_followed_to_the_unit_of_today(desk: Any) -> None:
    units = desk.units
    newest = KnownUnit(id=uuid.uuid4(), display_name="Phường Trung tâm", level="commune",
                       kind="ward", administrative_unit_code="00071",
                       agency_code="000.00.14.H01", parent_id=units.hanoi,
                       province_id=units.hanoi)
    desk.app.save(newest)
    merge(desk, units.ba_dinh, into=units.hoan_kiem)
    merge(desk, units.hoan_kiem, into=newest.id)

    dossier_id = desk.submit(receiving=units.ba_dinh)
    at_province = desk.in_status(Status.PROCESSING, receiving=units.hanoi,
                                 competent=units.ba_dinh)
    desk.command("transfer", at_province, to_unit_id=units.ba_dinh)

    assert desk.app.get_dossier(dossier_id).receiving_unit_id == newest.id
    transferred = desk.app.get_dossier(at_province)
    assert transferred.competent_unit_id == newest.id
    assert (transferred.holder_unit_id, transferred.hops[-1].unit_id) == (newest.id, newest.id)
    page, _, total = desk.app.list_dossiers(DossierFilter(holder_unit_id=newest.id))
    assert total == 2
    assert {d.id for d in page} == {dossier_id, at_province}
