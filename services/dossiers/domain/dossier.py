"""The dossier of an administrative procedure, from submission to result.

Its statuses are the National Public Service Portal's codes 1-10. Each
command is allowed from some statuses only; anything else is refused with
ILLEGAL_TRANSITION naming the command and the status.

While the dossier waits for the applicant (a supplement, a financial
obligation) its processing clock stands still (Decree 118/2025): each wait
is a :class:`ClockStop`, and when the applicant acts the due date, and the
current hop's, move later by the working days the clock stood still.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import TYPE_CHECKING, Any

from eventsourcing.domain import event

from lienthong.errors import FailedPrecondition
from lienthong.eventstore import AuditedAggregate

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Callable
    from uuid import UUID

    from .calendar import WorkingCalendar


class Status(IntEnum):
    """The National Public Service Portal's dossier status codes."""

    NEW = 1  # Mới: submitted, not yet received
    RECEIVED = 2  # Đã tiếp nhận
    NOT_RECEIVED = 3  # Không tiếp nhận
    PROCESSING = 4  # Đang xử lý
    SUPPLEMENT_REQUESTED = 5  # Yêu cầu bổ sung
    FINANCIAL_OBLIGATION = 6  # Chờ thực hiện nghĩa vụ tài chính
    WITHDRAWN = 7  # Công dân rút hồ sơ
    STOPPED = 8  # Dừng xử lý
    PROCESSED = 9  # Đã xử lý xong
    RESULT_RETURNED = 10  # Đã trả kết quả


#: Statuses in which the dossier is still with the administration.
OPEN = frozenset({Status.NEW, Status.RECEIVED, Status.PROCESSING,
                  Status.SUPPLEMENT_REQUESTED, Status.FINANCIAL_OBLIGATION})
#: Statuses in which the processing clock runs and a unit holds the work.
IN_PROGRESS = frozenset({Status.RECEIVED, Status.PROCESSING})
#: Statuses in which the dossier waits for the applicant: the clock stands still.
WAITING = frozenset({Status.SUPPLEMENT_REQUESTED, Status.FINANCIAL_OBLIGATION})
#: Why the clock stopped (``ClockStop.kind``), by the status of the wait.
CLOCK_STOP_KINDS: dict[Status, str] = {Status.SUPPLEMENT_REQUESTED: "supplement",
                                       Status.FINANCIAL_OBLIGATION: "financial_obligation"}

#: command -> the statuses it is allowed from.
ALLOWED_FROM: dict[str, frozenset[Status]] = {
    "receive": frozenset({Status.NEW}),
    "refuse_to_receive": frozenset({Status.NEW}),
    "assign": IN_PROGRESS,
    "request_supplement": frozenset({Status.PROCESSING}),
    "supplement": frozenset({Status.SUPPLEMENT_REQUESTED}),
    "require_financial_obligation": frozenset({Status.PROCESSING}),
    "fulfil_financial_obligation": frozenset({Status.FINANCIAL_OBLIGATION}),
    "transfer": IN_PROGRESS,
    "pause": frozenset({Status.PROCESSING}),
    "resume": frozenset({Status.PROCESSING}),
    "extend": frozenset({Status.RECEIVED, Status.PROCESSING, Status.SUPPLEMENT_REQUESTED,
                         Status.FINANCIAL_OBLIGATION}),
    "approve": frozenset({Status.PROCESSING}),
    "reject": frozenset({Status.PROCESSING}),
    "return_result": frozenset({Status.PROCESSED}),
    "withdraw": OPEN,
    "stop": OPEN - {Status.NEW},
    "move_on_reorganisation": OPEN,
}
#: The status after each event that sets one (by event class name); the others
#: leave the status as it was.
STATUS_AFTER: dict[str, Status] = {
    "Submitted": Status.NEW,
    "Received": Status.RECEIVED,
    "RefusedToReceive": Status.NOT_RECEIVED,
    "Assigned": Status.PROCESSING,
    "SupplementRequested": Status.SUPPLEMENT_REQUESTED,
    "Supplemented": Status.PROCESSING,
    "FinancialObligationRequired": Status.FINANCIAL_OBLIGATION,
    "FinancialObligationFulfilled": Status.PROCESSING,
    "Transferred": Status.PROCESSING,
    "Approved": Status.PROCESSED,
    "Rejected": Status.PROCESSED,
    "ResultReturned": Status.RESULT_RETURNED,
    "Withdrawn": Status.WITHDRAWN,
    "Stopped": Status.STOPPED,
}

#: Commands a paused dossier still accepts.
ALLOWED_WHILE_PAUSED = frozenset({"resume", "extend", "withdraw", "stop",
                                  "move_on_reorganisation"})


class IllegalTransitionError(FailedPrecondition):
    reason = "ILLEGAL_TRANSITION"


class DossierPausedError(FailedPrecondition):
    reason = "DOSSIER_PAUSED"


class DueDateError(FailedPrecondition):
    reason = "DUE_DATE_NOT_LATER"


@dataclass(frozen=True)
class Hop:
    """A stretch of the dossier's time at one unit."""

    unit_id: UUID
    started_at: dt.datetime
    deadline_working_days: int
    due_date: dt.date | None
    handler: str = ""
    ended_at: dt.datetime | None = None


@dataclass(frozen=True)
class ClockStop:
    """A wait for the applicant, during which the processing time does not run."""

    kind: str  # "supplement" or "financial_obligation"
    started_at: dt.datetime
    ended_at: dt.datetime | None = None
    #: The working days it stood still; counted when the wait ends.
    paused_working_days: int = 0


class Dossier(AuditedAggregate):
    """One citizen's or organisation's dossier.

    Every event names the dossier's code and the status it leaves the dossier
    in, so an auditor (or another service) reads each one on its own.
    """

    class Event(AuditedAggregate.Event):
        dossier_code: str
        status: int

    class Created(Event, AuditedAggregate.Created):
        pass

    @classmethod
    def _create(cls, event_class: Any, *, id: Any = None, **kwargs: Any) -> Any:  # noqa: A002
        kwargs.setdefault("status", int(Status.NEW))
        return super()._create(event_class, id=id, **kwargs)

    def trigger_event(self, event_class: Any, **kwargs: Any) -> None:
        kwargs.setdefault("dossier_code", self.dossier_code)
        kwargs.setdefault("status", int(STATUS_AFTER.get(event_class.__name__, self.status)))
        super().trigger_event(event_class, **kwargs)

    @event("Submitted")
    def __init__(self, id: UUID, dossier_code: str, procedure_code: str,  # noqa: A002
                 procedure_version: int, sector: str, channel: str, applicant: dict[str, str],
                 receiving_unit_id: UUID, competent_unit_id: UUID,
                 processing_working_days: int, submitted_documents: list[str],
                 submitted_at: dt.datetime) -> None:
        self.dossier_code = dossier_code
        self.procedure_code = procedure_code
        self.procedure_version = procedure_version
        self.sector = sector
        self.channel = channel
        self.applicant = dict(applicant)
        self.receiving_unit_id = receiving_unit_id
        self.competent_unit_id = competent_unit_id
        self.holder_unit_id = receiving_unit_id
        self.processing_working_days = processing_working_days
        self.submitted_documents = list(submitted_documents)
        self.submitted_at = submitted_at
        self.status = Status.NEW
        self.received_at: dt.datetime | None = None
        self.due_date: dt.date | None = None
        self.paused = False
        self.handler = ""
        self.hops: list[Hop] = []
        self.clock_stops: list[ClockStop] = []
        #: When the appointment date was last extended during the wait in progress.
        self.extended_while_waiting_at: dt.datetime | None = None
        self.result_documents: list[str] = []
        self.outcome = ""
        self.timeliness = ""
        self.returned_at: dt.datetime | None = None
        self.fee_due_vnd = 0

    # -- guards -------------------------------------------------------------

    def _check(self, command: str) -> None:
        allowed = ALLOWED_FROM[command]
        if self.status not in allowed:
            msg = (f"dossier {self.dossier_code} is {self.status.name.lower()} "
                   f"(status {int(self.status)}); {command.replace('_', ' ')} is allowed only "
                   f"from {', '.join(s.name.lower() for s in sorted(allowed))}")
            raise IllegalTransitionError(msg, metadata={
                "dossier_id": str(self.id), "command": command,
                "status": self.status.name, "status_code": str(int(self.status))})
        if self.paused and command not in ALLOWED_WHILE_PAUSED:
            msg = f"dossier {self.dossier_code} is paused; resume it before {command}"
            raise DossierPausedError(msg, metadata={"dossier_id": str(self.id),
                                                    "command": command})

    @property
    def is_open(self) -> bool:
        return self.status in OPEN

    @property
    def waiting_for_applicant(self) -> bool:
        return self.status in WAITING

    def is_overdue(self, today: dt.date) -> bool:
        """Open and past its due date; never while it waits for the applicant (no clock runs)."""
        return (self.is_open and not self.waiting_for_applicant and self.due_date is not None
                and today > self.due_date)

    @property
    def paused_working_days(self) -> int:
        """The working days the clock stood still, over every ended wait."""
        return sum(stop.paused_working_days for stop in self.clock_stops)

    @property
    def open_clock_stop(self) -> ClockStop | None:
        """The wait for the applicant in progress, if its start was recorded."""
        last = self.clock_stops[-1] if self.clock_stops else None
        return last if last is not None and last.ended_at is None else None

    def _resumption(self, at: dt.datetime, calendar: WorkingCalendar,
                    waiting_since: dt.datetime | None) -> dict[str, Any]:
        """The fields of the event that ends a wait at ``at``: the figures of the stop."""
        stop = self.open_clock_stop
        started = stop.started_at if stop is not None else (waiting_since or at)
        paused = self._paused_since(started, at, calendar)
        assert self.due_date is not None  # only a received dossier waits
        hop = self.hops[-1] if self.hops and self.hops[-1].ended_at is None else None
        return {"clock_stopped_at": started, "clock_resumed_at": at,
                "paused_working_days": paused,
                "due_date": calendar.later_by_working_days(self.due_date, paused),
                "hop_due_date": (calendar.later_by_working_days(hop.due_date, paused)
                                 if hop is not None and hop.due_date is not None else None)}

    def _paused_since(self, started: dt.datetime, at: dt.datetime,
                      calendar: WorkingCalendar) -> int:
        """The working days a wait begun at ``started`` has stood still by ``at``.

        An appointment date set during the wait already allows for the days
        before it, so they are counted from that extension.
        """
        counted_from = max(started, self.extended_while_waiting_at or started)
        return calendar.paused_working_days(counted_from, at)

    def _paused_by(self, at: dt.datetime, calendar: WorkingCalendar) -> int:
        """The working days the wait in progress (if any) has stood still by ``at``."""
        stop = self.open_clock_stop
        return self._paused_since(stop.started_at, at, calendar) if stop is not None else 0

    def _stop_clock(self, kind: str, at: dt.datetime | None) -> None:
        self.extended_while_waiting_at = None
        if at is not None:  # events recorded before clock stops have no time
            self.clock_stops.append(ClockStop(kind, at))

    def _end_clock_stop(self, at: dt.datetime, paused_working_days: int, *, kind: str = "",
                        stopped_at: dt.datetime | None = None) -> None:
        stop = self.open_clock_stop
        if stop is not None:
            self.clock_stops[-1] = ClockStop(stop.kind, stop.started_at, at, paused_working_days)
        elif stopped_at is not None:  # a wait requested before clock stops were recorded
            self.clock_stops.append(ClockStop(kind, stopped_at, at, paused_working_days))

    def _resume_clock(self, kind: str, due_date: dt.date | None,
                      clock_stopped_at: dt.datetime | None, clock_resumed_at: dt.datetime | None,
                      paused_working_days: int, hop_due_date: dt.date | None) -> None:
        self.extended_while_waiting_at = None
        if due_date is not None:
            self.due_date = due_date
        if clock_resumed_at is None:  # recorded before clock stops: nothing stood still
            return
        self._end_clock_stop(clock_resumed_at, paused_working_days, kind=kind,
                             stopped_at=clock_stopped_at)
        if hop_due_date is not None and self.hops and self.hops[-1].ended_at is None:
            last = self.hops[-1]
            self.hops[-1] = Hop(last.unit_id, last.started_at, last.deadline_working_days,
                                hop_due_date, last.handler, last.ended_at)

    def _end_hop(self, at: dt.datetime) -> None:
        if self.hops and self.hops[-1].ended_at is None:
            last = self.hops[-1]
            self.hops[-1] = Hop(last.unit_id, last.started_at, last.deadline_working_days,
                                last.due_date, last.handler, at)

    # -- commands -----------------------------------------------------------

    def receive(self, received_at: dt.datetime, due_date: dt.date,
                procedure_version: int | None = None,
                processing_working_days: int | None = None) -> None:
        """Receive the dossier under the catalogue version in force that day."""
        self._check("receive")
        self._received(received_at, due_date, procedure_version, processing_working_days)

    @event("Received")
    def _received(self, received_at: dt.datetime, due_date: dt.date,
                  procedure_version: int | None = None,
                  processing_working_days: int | None = None) -> None:
        self.status = Status.RECEIVED
        self.received_at = received_at
        self.due_date = due_date
        if procedure_version is not None:
            self.procedure_version = procedure_version
        if processing_working_days is not None:
            self.processing_working_days = processing_working_days
        self.hops.append(Hop(self.holder_unit_id, received_at, self.processing_working_days,
                             due_date))

    def refuse_to_receive(self) -> None:
        self._check("refuse_to_receive")
        self._refused()

    @event("RefusedToReceive")
    def _refused(self) -> None:
        self.status = Status.NOT_RECEIVED

    def assign(self, handler: str) -> None:
        self._check("assign")
        self._assigned(handler)

    @event("Assigned")
    def _assigned(self, handler: str) -> None:
        self.status = Status.PROCESSING
        self.handler = handler
        if self.hops:
            last = self.hops[-1]
            self.hops[-1] = Hop(last.unit_id, last.started_at, last.deadline_working_days,
                                last.due_date, handler, last.ended_at)

    def request_supplement(self, missing_documents: list[str], at: dt.datetime) -> None:
        """Ask the applicant for missing documents; the clock stops until they come."""
        self._check("request_supplement")
        self._supplement_requested(missing_documents, at)

    @event("SupplementRequested")
    def _supplement_requested(self, missing_documents: list[str],
                              clock_stopped_at: dt.datetime | None = None) -> None:
        self.status = Status.SUPPLEMENT_REQUESTED
        self._stop_clock(CLOCK_STOP_KINDS[Status.SUPPLEMENT_REQUESTED], clock_stopped_at)

    def supplement(self, documents: list[str], at: dt.datetime, calendar: WorkingCalendar, *,
                   waiting_since: dt.datetime | None = None) -> None:
        """The applicant completes the dossier; the clock runs again.

        The due date, and the current hop's, move later by the working days
        the clock stood still. ``waiting_since``: when a wait recorded before
        clock stops began (such a wait has no recorded start).
        """
        self._check("supplement")
        self._supplemented(documents, **self._resumption(at, calendar, waiting_since))

    @event("Supplemented")
    def _supplemented(self, documents: list[str], due_date: dt.date,
                      clock_stopped_at: dt.datetime | None = None,
                      clock_resumed_at: dt.datetime | None = None,
                      paused_working_days: int = 0,
                      hop_due_date: dt.date | None = None) -> None:
        self.status = Status.PROCESSING
        self.submitted_documents.extend(documents)
        self._resume_clock(CLOCK_STOP_KINDS[Status.SUPPLEMENT_REQUESTED], due_date,
                           clock_stopped_at, clock_resumed_at, paused_working_days, hop_due_date)

    def require_financial_obligation(self, amount_vnd: int, at: dt.datetime) -> None:
        """The applicant must pay before the result; the clock stops until they do."""
        self._check("require_financial_obligation")
        self._financial_obligation_required(amount_vnd, at)

    @event("FinancialObligationRequired")
    def _financial_obligation_required(self, amount_vnd: int,
                                       clock_stopped_at: dt.datetime | None = None) -> None:
        self.status = Status.FINANCIAL_OBLIGATION
        self.fee_due_vnd = amount_vnd
        self._stop_clock(CLOCK_STOP_KINDS[Status.FINANCIAL_OBLIGATION], clock_stopped_at)

    def fulfil_financial_obligation(self, at: dt.datetime, calendar: WorkingCalendar, *,
                                    waiting_since: dt.datetime | None = None) -> None:
        """The applicant paid; the clock runs again, the due dates moved as for a supplement."""
        self._check("fulfil_financial_obligation")
        self._financial_obligation_fulfilled(**self._resumption(at, calendar, waiting_since))

    @event("FinancialObligationFulfilled")
    def _financial_obligation_fulfilled(self, due_date: dt.date | None = None,
                                        clock_stopped_at: dt.datetime | None = None,
                                        clock_resumed_at: dt.datetime | None = None,
                                        paused_working_days: int = 0,
                                        hop_due_date: dt.date | None = None) -> None:
        self.status = Status.PROCESSING
        self.fee_due_vnd = 0
        self._resume_clock(CLOCK_STOP_KINDS[Status.FINANCIAL_OBLIGATION], due_date,
                           clock_stopped_at, clock_resumed_at, paused_working_days, hop_due_date)

    def transfer(self, to_unit_id: UUID, deadline_working_days: int, hop_due_date: dt.date,
                 at: dt.datetime) -> None:
        self._check("transfer")
        if to_unit_id == self.holder_unit_id:
            msg = f"dossier {self.dossier_code} is already held by {to_unit_id}"
            raise FailedPrecondition(msg, reason="SAME_UNIT",
                                     metadata={"dossier_id": str(self.id)})
        self._transferred(to_unit_id, deadline_working_days, hop_due_date, at)

    @event("Transferred")
    def _transferred(self, to_unit_id: UUID, deadline_working_days: int,
                     hop_due_date: dt.date, at: dt.datetime) -> None:
        self._end_hop(at)
        self.holder_unit_id = to_unit_id
        self.status = Status.PROCESSING
        self.hops.append(Hop(to_unit_id, at, deadline_working_days, hop_due_date))

    def move_on_reorganisation(self, from_unit_id: UUID, to_unit_id: UUID,
                               effective_date: dt.date | None, at: dt.datetime) -> None:
        """The unit holding (or competent for) the dossier was merged, divided or dissolved."""
        self._check("move_on_reorganisation")
        self._moved_on_reorganisation(from_unit_id, to_unit_id, effective_date, at)

    @event("MovedOnReorganisation")
    def _moved_on_reorganisation(self, from_unit_id: UUID, to_unit_id: UUID,
                                 effective_date: dt.date | None, at: dt.datetime) -> None:
        if self.holder_unit_id == from_unit_id:
            self._end_hop(at)
            remaining = self.hops[-1].deadline_working_days if self.hops else 0
            self.holder_unit_id = to_unit_id
            if self.hops:
                self.hops.append(Hop(to_unit_id, at, remaining, self.due_date, self.handler))
        if self.competent_unit_id == from_unit_id:
            self.competent_unit_id = to_unit_id
        if self.receiving_unit_id == from_unit_id:
            self.receiving_unit_id = to_unit_id

    def pause(self) -> None:
        self._check("pause")
        if self.paused:
            msg = f"dossier {self.dossier_code} is already paused"
            raise DossierPausedError(msg, metadata={"dossier_id": str(self.id)})
        self._paused()

    @event("Paused")
    def _paused(self) -> None:
        self.paused = True

    def resume(self) -> None:
        self._check("resume")
        if not self.paused:
            msg = f"dossier {self.dossier_code} is not paused"
            raise FailedPrecondition(msg, reason="DOSSIER_NOT_PAUSED",
                                     metadata={"dossier_id": str(self.id)})
        self._resumed()

    @event("Resumed")
    def _resumed(self) -> None:
        self.paused = False

    def extend(self, new_due_date: dt.date, apology_slip: str,
               at: dt.datetime | None = None) -> None:
        """A new appointment date, with the apology slip handed to the applicant.

        Given while the dossier waits for the applicant, the date stands as of
        ``at``: only the days the clock stands still after it move it on.
        """
        self._check("extend")
        if self.due_date is not None and new_due_date <= self.due_date:
            msg = (f"the new appointment date {new_due_date} must be later than the current "
                   f"one, {self.due_date}")
            raise DueDateError(msg, metadata={"dossier_id": str(self.id)})
        self._extended(new_due_date, apology_slip, at)

    @event("Extended")
    def _extended(self, new_due_date: dt.date, apology_slip: str,
                  at: dt.datetime | None = None) -> None:
        self.due_date = new_due_date
        if at is not None and self.open_clock_stop is not None:
            self.extended_while_waiting_at = at

    def approve(self, result_documents: list[str], at: dt.datetime) -> None:
        self._check("approve")
        self._approved(result_documents, at)

    @event("Approved")
    def _approved(self, result_documents: list[str], at: dt.datetime) -> None:
        self.status = Status.PROCESSED
        self.outcome = "approved"
        self.result_documents = list(result_documents)
        self._end_hop(at)

    def reject(self, at: dt.datetime) -> None:
        self._check("reject")
        self._rejected(at)

    @event("Rejected")
    def _rejected(self, at: dt.datetime) -> None:
        self.status = Status.PROCESSED
        self.outcome = "rejected"
        self._end_hop(at)

    def return_result(self, returned_at: dt.datetime,
                      classify: Callable[[dt.date, dt.datetime], str]) -> None:
        """Hand the result over; ``classify`` says early, on_time or late against the due date."""
        self._check("return_result")
        assert self.due_date is not None  # a processed dossier was received
        self._result_returned(returned_at, classify(self.due_date, returned_at))

    @event("ResultReturned")
    def _result_returned(self, returned_at: dt.datetime, timeliness: str) -> None:
        self.status = Status.RESULT_RETURNED
        self.returned_at = returned_at
        self.timeliness = timeliness

    def withdraw(self, at: dt.datetime, calendar: WorkingCalendar) -> None:
        """The applicant withdraws; a wait for them ends here (the due date no longer matters)."""
        self._check("withdraw")
        self._withdrawn(at, self._paused_by(at, calendar))

    @event("Withdrawn")
    def _withdrawn(self, at: dt.datetime, paused_working_days: int = 0) -> None:
        self.status = Status.WITHDRAWN
        self.paused = False
        self._end_hop(at)
        self._end_clock_stop(at, paused_working_days)

    def stop(self, at: dt.datetime, calendar: WorkingCalendar) -> None:
        """Processing stops for good; a wait for the applicant ends here."""
        self._check("stop")
        self._stopped(at, self._paused_by(at, calendar))

    @event("Stopped")
    def _stopped(self, at: dt.datetime, paused_working_days: int = 0) -> None:
        self.status = Status.STOPPED
        self.paused = False
        self._end_hop(at)
        self._end_clock_stop(at, paused_working_days)

    def snapshot(self) -> dict[str, Any]:
        """The state as plain values (for read models and tests)."""
        return {k: v for k, v in vars(self).items() if not k.startswith("_")}
