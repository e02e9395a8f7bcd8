"""A document an agency received (văn bản đến): registered in its incoming book with
the book's own number, assigned to a handler with a deadline, completed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from eventsourcing.domain import event

from lienthong.eventstore import AuditedAggregate

from .outgoing import IllegalTransitionError

if TYPE_CHECKING:
    import datetime as dt
    from uuid import UUID

ALLOWED_FROM: dict[str, frozenset[str]] = {
    "assign": frozenset({"registered", "assigned"}),
    "complete": frozenset({"assigned"}),
}


class IncomingDocument(AuditedAggregate):
    """One received document in one recipient's incoming book."""

    @event("Registered")
    def __init__(self, recipient_unit_id: UUID, recipient_agency_code: str, number: int,
                 year: int, series: str, received_at: dt.datetime,
                 sent: dict[str, Any]) -> None:
        self.recipient_unit_id = recipient_unit_id
        self.recipient_agency_code = recipient_agency_code
        self.number = number
        self.year = year
        self.series = series
        self.received_at = received_at
        self.sent = sent  # the sender's agency code, document id, notation, subject...
        self.state = "registered"
        self.handler = ""
        self.deadline: dt.date | None = None
        self.completed_at: dt.datetime | None = None

    def _allow(self, command: str) -> None:
        if self.state not in ALLOWED_FROM[command]:
            msg = f"cannot {command} an incoming document that is {self.state}"
            raise IllegalTransitionError(msg, metadata={
                "incoming_id": str(self.id), "state": self.state, "command": command})

    def assign(self, handler: str, deadline: dt.date | None) -> None:
        self._allow("assign")
        self._assigned(handler, deadline)

    @event("Assigned")
    def _assigned(self, handler: str, deadline: dt.date | None) -> None:
        self.state = "assigned"
        self.handler = handler
        self.deadline = deadline

    def complete(self, completed_at: dt.datetime) -> None:
        self._allow("complete")
        self._completed(completed_at)

    @event("Completed")
    def _completed(self, completed_at: dt.datetime) -> None:
        self.state = "completed"
        self.completed_at = completed_at
