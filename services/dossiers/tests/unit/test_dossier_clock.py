"""The processing clock stands still while a dossier waits for the applicant.

Decree 118/2025 counts the processing time net of the applicant's time: from
a supplement request (status 5) or a financial obligation (status 6) until
the applicant acts, the clock stops, and the due date (and the current
hop's) moves later by the working days it stood still. The day the clock
stops still counts as a processing day; the day it resumes is read like a
receipt (a day off counts on the next working day) and is paused. The
fixtures (services/dossiers/tests/conftest.py) give a desk on a fixed clock.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest

from lienthong.services.dossiers.domain.calendar import WorkingCalendar
from lienthong.services.dossiers.domain.dossier import ClockStop, Dossier, Status
from lienthong.services.dossiers.events import CONTRACT
from lienthong.services.dossiers.projections import DossierFilter

D = dt.date
VIETNAM = dt.timezone(dt.timedelta(hours=7))

#: The commands that make a dossier wait for the applicant, and those that end the wait.
WAITS = {
    "supplement": ("request_supplement", "supplement", Status.SUPPLEMENT_REQUESTED),
    "financial_obligation": ("require_financial_obligation", "fulfil_financial_obligation",
                             Status.FINANCIAL_OBLIGATION),
}


def at(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=VIETNAM).astimezone(dt.UTC)


def processing_since(desk: Any, day: tuple[int, int, int]) -> uuid.UUID:
    """A birth registration (10 working days) received and assigned at 09:00 on ``day``."""
    desk.clock.at(*day)
    return desk.in_status(Status.PROCESSING)


def wait(desk: Any, dossier_id: uuid.UUID, kind: str, since: tuple[int, ...],
         until: tuple[int, ...]) -> None:
    """The dossier waits for the applicant from ``since`` until ``until`` (Vietnam times)."""
    start, end, _ = WAITS[kind]
    desk.clock.at(*since)
    desk.command(start, dossier_id)
    desk.clock.at(*until)
    desk.command(end, dossier_id)


def overdue_ids(desk: Any) -> set[uuid.UUID]:
    page, _, _ = desk.app.list_dossiers(DossierFilter(overdue_only=True))
    return {d.id for d in page}


def ba_dinh_statistics(desk: Any) -> Any:
    found, _, _ = desk.app.province_unit_statistics(str(desk.units.hanoi))
    return next(s for s in found if s.unit_id == desk.units.ba_dinh)


# -- counting the paused days ----------------------------------------------------------

@pytest.mark.parametrize(("stopped", "resumed", "cutoff", "paused"), [
    (at(2026, 3, 9, 10), at(2026, 3, 9, 16), None, 0),  # asked and answered on one Monday
    (at(2026, 3, 9, 10), at(2026, 3, 9, 23, 59), None, 0),  # online, late that evening
    (at(2026, 3, 9, 10), at(2026, 3, 10, 8), None, 1),  # the next morning
    (at(2026, 3, 9, 10), at(2026, 3, 12, 9), None, 3),  # Monday to Thursday
    (at(2026, 3, 13, 10), at(2026, 3, 14, 9), None, 1),  # answered on Saturday: Monday's
    (at(2026, 3, 13, 10), at(2026, 3, 13, 16), dt.time(15), 1),  # after the desk's cutoff
    (at(2026, 3, 13, 10), at(2026, 3, 13, 14), dt.time(15), 0),  # before it
    (at(2026, 2, 13, 10), at(2026, 2, 23, 9), None, 1),  # over Tết 2026 (16-20/2)
])
def test_the_paused_days_follow_the_receipt_rules(
        stopped: dt.datetime, resumed: dt.datetime, cutoff: dt.time | None,
        paused: int) -> None:
    assert WorkingCalendar().paused_working_days(stopped, resumed, cutoff=cutoff) == paused


# -- the due date moves ----------------------------------------------------------------

@pytest.mark.parametrize("kind", sorted(WAITS))
@pytest.mark.parametrize(("received", "since", "until", "due", "moved"), [
    # Monday to Thursday: 10, 11, 12 March paused.
    ((2026, 3, 9), (2026, 3, 9, 10), (2026, 3, 12, 9), D(2026, 3, 23), D(2026, 3, 26)),
    # Thursday to Tuesday over a weekend: 6, 9, 10 March paused.
    ((2026, 3, 5), (2026, 3, 5, 10), (2026, 3, 10, 9), D(2026, 3, 19), D(2026, 3, 24)),
    # Wednesday 29 April to Wednesday 6 May over 30/4, 1/5 and a weekend: 4, 5, 6 May.
    ((2026, 4, 29), (2026, 4, 29, 10), (2026, 5, 6, 9), D(2026, 5, 15), D(2026, 5, 20)),
    # Friday 28 August to Monday 7 September over 31/8-2/9: 3, 4, 7 September.
    ((2026, 8, 28), (2026, 8, 28, 10), (2026, 9, 7, 9), D(2026, 9, 16), D(2026, 9, 21)),
])
def test_a_wait_of_three_working_days_moves_the_due_date_by_three_working_days(
        desk: Any, kind: str, received: tuple[int, int, int], since: tuple[int, ...],
        until: tuple[int, ...], due: dt.date, moved: dt.date) -> None:
    dossier_id = processing_since(desk, received)
    assert desk.app.get_dossier(dossier_id).due_date == due

    wait(desk, dossier_id, kind, since, until)

    dossier = desk.app.get_dossier(dossier_id)
    assert (dossier.status, dossier.due_date, dossier.hops[-1].due_date) == (
        Status.PROCESSING, moved, moved)
    assert dossier.clock_stops == [ClockStop(kind, at(*since), at(*until), 3)]
    assert dossier.paused_working_days == 3
    assert desk.app.calendar.working_days_between(due, moved) == 3


@pytest.mark.parametrize("kind", sorted(WAITS))
def test_a_request_answered_the_same_working_day_pauses_nothing(desk: Any, kind: str) -> None:
    dossier_id = processing_since(desk, (2026, 3, 9))

    wait(desk, dossier_id, kind, (2026, 3, 9, 10), (2026, 3, 9, 16))

    dossier = desk.app.get_dossier(dossier_id)
    assert (dossier.due_date, dossier.paused_working_days) == (D(2026, 3, 23), 0)
    assert dossier.clock_stops == [ClockStop(kind, at(2026, 3, 9, 10), at(2026, 3, 9, 16), 0)]


def test_two_waits_add_up(desk: Any) -> None:
    dossier_id = processing_since(desk, (2026, 3, 9))  # due Monday 23 March

    wait(desk, dossier_id, "supplement", (2026, 3, 9, 10), (2026, 3, 12, 9))  # 3 days
    wait(desk, dossier_id, "financial_obligation", (2026, 3, 16, 10), (2026, 3, 18, 9))  # 2

    dossier = desk.app.get_dossier(dossier_id)
    assert dossier.clock_stops == [
        ClockStop("supplement", at(2026, 3, 9, 10), at(2026, 3, 12, 9), 3),
        ClockStop("financial_obligation", at(2026, 3, 16, 10), at(2026, 3, 18, 9), 2)]
    assert (dossier.paused_working_days, dossier.due_date) == (5, D(2026, 3, 30))


def test_an_appointment_extended_during_a_wait_moves_only_by_the_days_after_it(
        desk: Any) -> None:
    dossier_id = processing_since(desk, (2026, 3, 9))  # due Monday 23 March
    desk.clock.at(2026, 3, 9, 10)
    desk.command("request_supplement", dossier_id)
    desk.clock.at(2026, 3, 12, 9)  # three working days into the wait, a new date is agreed
    desk.app.extend_dossier(str(dossier_id), D(2026, 3, 27), "Phiếu xin lỗi số 02")
    desk.clock.at(2026, 3, 16, 9)  # supplemented on Monday: Fri 13 and Mon 16 stood still
    desk.command("supplement", dossier_id)

    dossier = desk.app.get_dossier(dossier_id)
    assert dossier.due_date == D(2026, 3, 31)  # 27 March, two working days on
    assert dossier.clock_stops == [
        ClockStop("supplement", at(2026, 3, 9, 10), at(2026, 3, 16, 9), 2)]


def test_the_current_hops_due_date_moves_not_the_closed_ones(desk: Any) -> None:
    dossier_id = processing_since(desk, (2026, 3, 9))
    desk.command("transfer", dossier_id, to_unit_id=desk.units.hoan_kiem,
                 deadline_working_days=3)  # Hoàn Kiếm's share: to Thursday 12 March

    wait(desk, dossier_id, "supplement", (2026, 3, 10, 10), (2026, 3, 12, 9))  # 11, 12 March

    first, current = desk.app.get_dossier(dossier_id).hops
    assert first.due_date == D(2026, 3, 23)
    assert current.due_date == D(2026, 3, 16)


@pytest.mark.parametrize("command", ["withdraw", "stop"])
def test_a_withdrawal_or_a_stop_ends_the_wait(desk: Any, command: str) -> None:
    dossier_id = processing_since(desk, (2026, 3, 9))
    desk.clock.at(2026, 3, 9, 10)
    desk.command("request_supplement", dossier_id)
    desk.clock.at(2026, 3, 11, 9)

    desk.command(command, dossier_id)

    dossier = desk.app.get_dossier(dossier_id)
    assert dossier.clock_stops == [
        ClockStop("supplement", at(2026, 3, 9, 10), at(2026, 3, 11, 9), 2)]
    assert dossier.due_date == D(2026, 3, 23), "nothing is due any more"
    last = desk.app.dossier_history(str(dossier_id))[-1]
    assert last.fields["paused_working_days"] == 2


# -- overdue and timeliness use the net time -------------------------------------------

def test_a_waiting_dossier_is_not_overdue_until_its_moved_due_date_passes(desk: Any) -> None:
    dossier_id = processing_since(desk, (2026, 3, 4))  # due Wednesday 18 March
    desk.clock.at(2026, 3, 5, 10)
    desk.command("request_supplement", dossier_id)

    desk.clock.at(2026, 3, 25)  # a week past the first due date, still waiting
    assert not desk.app.get_dossier(dossier_id).is_overdue(desk.app.today())
    assert dossier_id not in overdue_ids(desk)
    assert (ba_dinh_statistics(desk).open, ba_dinh_statistics(desk).overdue) == (1, 0)

    # Answered on Thursday 26 March: 6 March to 26 March, 15 working days, paused.
    desk.clock.at(2026, 3, 26)
    desk.command("supplement", dossier_id)
    assert desk.app.get_dossier(dossier_id).due_date == D(2026, 4, 8)

    desk.clock.at(2026, 4, 8, 23, 59)
    assert dossier_id not in overdue_ids(desk)
    assert ba_dinh_statistics(desk).overdue == 0
    desk.clock.at(2026, 4, 9, 0, 1)
    assert desk.app.get_dossier(dossier_id).is_overdue(desk.app.today())
    assert dossier_id in overdue_ids(desk)
    assert ba_dinh_statistics(desk).overdue == 1


def test_a_dossier_overdue_before_its_wait_is_not_overdue_during_it(desk: Any) -> None:
    dossier_id = processing_since(desk, (2026, 3, 4))  # due Wednesday 18 March
    desk.clock.at(2026, 3, 20)
    assert dossier_id in overdue_ids(desk)

    desk.command("require_financial_obligation", dossier_id)

    assert dossier_id not in overdue_ids(desk)
    # Paid on Tuesday 24 March: 23 and 24 paused, due Friday 20, already past.
    desk.clock.at(2026, 3, 24)
    desk.command("fulfil_financial_obligation", dossier_id)
    assert desk.app.get_dossier(dossier_id).due_date == D(2026, 3, 20)
    assert dossier_id in overdue_ids(desk)


@pytest.mark.parametrize(("returned", "timeliness"), [
    ((2026, 3, 19), "early"),
    ((2026, 3, 20, 17), "on_time"),  # late against 18 March, on time against the moved date
    ((2026, 3, 23), "late"),
])
def test_timeliness_is_judged_against_the_moved_due_date(
        desk: Any, returned: tuple[int, ...], timeliness: str) -> None:
    dossier_id = processing_since(desk, (2026, 3, 4))  # due Wednesday 18 March
    wait(desk, dossier_id, "supplement", (2026, 3, 5, 10), (2026, 3, 9, 10))  # 6, 9 March
    assert desk.app.get_dossier(dossier_id).due_date == D(2026, 3, 20)
    desk.command("approve", dossier_id)

    desk.clock.at(*returned)
    desk.command("return_result", dossier_id)

    assert desk.app.get_dossier(dossier_id).timeliness == timeliness
    statistics = ba_dinh_statistics(desk)
    assert getattr(statistics, timeliness) == 1
    assert statistics.on_time_rate == (0.0 if timeliness == "late" else 1.0)


# -- the history -----------------------------------------------------------------------

def test_the_history_shows_each_stop_and_resumption_with_its_figures(desk: Any) -> None:
    dossier_id = processing_since(desk, (2026, 3, 9))
    wait(desk, dossier_id, "supplement", (2026, 3, 9, 10), (2026, 3, 12, 9))
    wait(desk, dossier_id, "financial_obligation", (2026, 3, 16, 10), (2026, 3, 18, 9))

    items = desk.app.dossier_history(str(dossier_id))

    assert [(i.event_type, i.status_after) for i in items][-4:] == [
        ("SupplementRequested", 5), ("Supplemented", 4),
        ("FinancialObligationRequired", 6), ("FinancialObligationFulfilled", 4)]
    requested, supplemented, required, fulfilled = items[-4:]
    assert requested.fields["clock_stopped_at"] == at(2026, 3, 9, 10)
    assert {k: supplemented.fields[k] for k in (
        "clock_stopped_at", "clock_resumed_at", "paused_working_days", "due_date",
        "hop_due_date")} == {
        "clock_stopped_at": at(2026, 3, 9, 10), "clock_resumed_at": at(2026, 3, 12, 9),
        "paused_working_days": 3, "due_date": D(2026, 3, 26), "hop_due_date": D(2026, 3, 26)}
    assert required.fields["clock_stopped_at"] == at(2026, 3, 16, 10)
    assert {k: fulfilled.fields[k] for k in (
        "clock_stopped_at", "clock_resumed_at", "paused_working_days", "due_date")} == {
        "clock_stopped_at": at(2026, 3, 16, 10), "clock_resumed_at": at(2026, 3, 18, 9),
        "paused_working_days": 2, "due_date": D(2026, 3, 30)}
    # As GetDossierHistory shows them, in JSON.
    assert (fulfilled.payload["paused_working_days"], fulfilled.payload["due_date"]) == (
        2, "2026-03-30")


# -- events recorded before clocks stopped ---------------------------------------------

#: The fields this rule added to the dossier's events.
CLOCK_FIELDS = ("clock_stopped_at", "clock_resumed_at", "paused_working_days", "hop_due_date")


def recorded_before_clock_stops(dossier: Dossier, **timestamps: dt.datetime) -> list[Any]:
    """The dossier's pending events as the service recorded them before this rule.

    Without the clock's fields; a fulfilment carried no due date, and
    ``timestamps`` sets the recording time of events by type.
    """
    events = dossier.collect_events()
    for event in events:
        state = vars(event)  # the frozen event's own fields, as the mapper stores them
        name = type(event).__name__
        for key in CLOCK_FIELDS:
            state.pop(key, None)
        if name == "FinancialObligationFulfilled":
            state.pop("due_date")
        if name in timestamps:
            state["timestamp"] = timestamps[name]
    return events


def submitted(desk: Any, code: str) -> Dossier:
    ba_dinh = desk.units.ba_dinh
    return Dossier(
        id=uuid.uuid4(), dossier_code=code, procedure_code=desk.BIRTH, procedure_version=1,
        sector="Hộ tịch", channel="counter", applicant=desk.applicant().as_dict(),
        receiving_unit_id=ba_dinh, competent_unit_id=ba_dinh, processing_working_days=10,
        submitted_documents=["Tờ khai"], submitted_at=at(2026, 3, 4))


@pytest.fixture
def sqlite_desk(sqlite_app: Any, clock: Any) -> Any:
    from conftest import Desk  # the shared fixtures' helper

    return Desk(sqlite_app, clock)


def test_an_old_event_stream_without_the_clock_fields_still_loads(sqlite_desk: Any) -> None:
    desk = sqlite_desk
    calendar = desk.app.calendar
    dossier = submitted(desk, "000.00.12.H01-260304-0001")
    dossier.receive(at(2026, 3, 4), D(2026, 3, 18), 1, 10)
    dossier.assign("cb.tran")
    dossier.request_supplement(["Giấy chứng sinh"], at(2026, 3, 5))
    dossier.supplement(["Giấy chứng sinh"], at(2026, 3, 9, 10), calendar)
    vars(dossier.pending_events[-1])["due_date"] = D(2026, 3, 23)  # the old rule's restart
    dossier.require_financial_obligation(8_000, at(2026, 3, 9, 10))
    dossier.fulfil_financial_obligation(at(2026, 3, 10), calendar)
    withdrawn = submitted(desk, "000.00.12.H01-260304-0002")
    withdrawn.withdraw(at(2026, 3, 4, 10), calendar)
    desk.app.save(*recorded_before_clock_stops(dossier),
                  *recorded_before_clock_stops(withdrawn))

    loaded = desk.app.get_dossier(dossier.id)
    assert (loaded.status, loaded.due_date, loaded.hops[-1].due_date) == (
        Status.PROCESSING, D(2026, 3, 23), D(2026, 3, 18))
    assert (loaded.clock_stops, loaded.paused_working_days) == ([], 0)
    assert desk.app.get_dossier(withdrawn.id).status is Status.WITHDRAWN
    items = desk.app.dossier_history(str(dossier.id))
    assert [i.event_type for i in items][-4:] == [
        "SupplementRequested", "Supplemented", "FinancialObligationRequired",
        "FinancialObligationFulfilled"]
    assert "clock_stopped_at" not in items[-1].fields
    # Published as before: the clock's fields are left unset.
    for event in desk.app.events.get(dossier.id):
        _, envelope = CONTRACT.envelope(1, event)
        assert envelope.data is not None
    fulfilled = list(desk.app.events.get(dossier.id))[-1]
    message = CONTRACT.route(type(fulfilled).__qualname__).build(fulfilled)
    assert not message.HasField("due_date") and not message.HasField("clock_resume_time")
    # The index reads the recorded due date.
    desk.clock.at(2026, 3, 24)
    assert dossier.id in overdue_ids(desk)


def test_a_wait_recorded_before_clock_stops_ends_under_the_new_rule(sqlite_desk: Any) -> None:
    """Asked before the rule (no recorded stop), answered after: paused from the request."""
    desk = sqlite_desk
    dossier = submitted(desk, "000.00.12.H01-260304-0001")
    dossier.receive(at(2026, 3, 4), D(2026, 3, 18), 1, 10)
    dossier.assign("cb.tran")
    dossier.request_supplement(["Giấy chứng sinh"], at(2026, 3, 5, 10))
    desk.app.save(*recorded_before_clock_stops(
        dossier, SupplementRequested=at(2026, 3, 5, 10)))
    assert desk.app.get_dossier(dossier.id).clock_stops == []

    desk.clock.at(2026, 3, 9, 10)
    desk.command("supplement", dossier.id)

    loaded = desk.app.get_dossier(dossier.id)
    assert loaded.clock_stops == [
        ClockStop("supplement", at(2026, 3, 5, 10), at(2026, 3, 9, 10), 2)]
    assert loaded.due_date == D(2026, 3, 20)
