"""A document an agency received (văn bản đến).

It arrives (sent inside the platform, or brought from outside); the agency's clerical
office registers it in the incoming book with the book's own number, or refuses it; it
is assigned to a handler with a deadline and completed. Each step is one of the edXML
status codes the sender's view shows (QCVN 102:2016): 01 arrived, 02 refused,
03 registered, 04 assigned, 06 completed; and when the sender recalls it: 13 recall asked,
15 given back, 16 recall refused (it then carries on where it was).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from eventsourcing.domain import event

from lienthong.eventstore import AuditedAggregate

from .outgoing import IllegalTransitionError

if TYPE_CHECKING:
    import datetime as dt
    from uuid import UUID

#: state -> the edXML status code the sender sees.
STATUS_CODES = {"arrived": "01", "refused": "02", "registered": "03", "assigned": "04",
                "completed": "06", "recalled": "15"}
RECALL_ASKED, RECALL_REFUSED = "13", "16"
#: States a recall may be asked in: the document is still the recipient's.
RECALLABLE = frozenset({"arrived", "registered", "assigned", "completed"})


def status_code(state: str, recall: str) -> str:
    """The edXML status code the sender sees of a copy in ``state`` (and ``recall``:
    "asked" while its recall waits, "refused" after a no, until the next step)."""
    if recall == "asked":
        return RECALL_ASKED
    if recall == "refused":
        return RECALL_REFUSED
    return STATUS_CODES[state]


ALLOWED_FROM: dict[str, frozenset[str]] = {
    "register": frozenset({"arrived"}),
    "refuse": frozenset({"arrived"}),
    "assign": frozenset({"registered", "assigned"}),
    "complete": frozenset({"assigned"}),
    "answer_recall": RECALLABLE,
}


class IncomingDocument(AuditedAggregate):
    """One received document, for one recipient agency."""

    #: Copies that arrived before their files were kept have none.
    files = ()

    @event("Arrived")
    def __init__(self, recipient_unit_id: UUID, recipient_agency_code: str,
                 arrived_at: dt.datetime, sent: dict[str, Any], route: list[str],
                 files: list[dict[str, Any]] | None = None) -> None:
        #: The files that came with it (FileRef dicts): the sender's sealed PDF.
        self.files = list(files or [])
        self.recipient_unit_id = recipient_unit_id
        self.recipient_agency_code = recipient_agency_code
        self.arrived_at = arrived_at
        self.sent = sent  # the sender's agency code, document id, notation, subject...
        self.route = list(route)  # the codes it was addressed to, then each successor's
        self.state = "arrived"
        self.number = 0
        self.year = 0
        self.series = ""
        self.refusal = ""
        self.handler = ""
        self.deadline: dt.date | None = None
        self.completed_at: dt.datetime | None = None
        self.recall = ""  # "asked" while the sender's recall waits; "refused" after a no

    @property
    def status_code(self) -> str:
        return status_code(self.state, self.recall)

    def _allow(self, command: str) -> None:
        if self.recall == "asked" and command != "answer_recall":
            msg = f"cannot {command} an incoming document whose recall waits for an answer"
            raise IllegalTransitionError(msg, metadata={
                "incoming_id": str(self.id), "state": "recall_asked", "command": command})
        if self.state not in ALLOWED_FROM[command]:
            msg = f"cannot {command} an incoming document that is {self.state}"
            raise IllegalTransitionError(msg, metadata={
                "incoming_id": str(self.id), "state": self.state, "command": command})

    def register(self, number: int, year: int, series: str,
                 registered_at: dt.datetime) -> None:
        self._allow("register")
        self._registered(number, year, series, registered_at)

    @event("Registered")
    def _registered(self, number: int, year: int, series: str,
                    registered_at: dt.datetime) -> None:
        self.state = "registered"
        self.recall = ""  # a refused recall shows until the next step
        self.number = number
        self.year = year
        self.series = series

    def refuse(self, reason: str) -> None:
        self._allow("refuse")
        self._refused(reason)

    @event("Refused")
    def _refused(self, reason: str) -> None:
        self.state = "refused"
        self.refusal = reason

    def assign(self, handler: str, deadline: dt.date | None) -> None:
        self._allow("assign")
        self._assigned(handler, deadline)

    @event("Assigned")
    def _assigned(self, handler: str, deadline: dt.date | None) -> None:
        self.state = "assigned"
        self.recall = ""  # a refused recall shows until the next step
        self.handler = handler
        self.deadline = deadline

    def complete(self, completed_at: dt.datetime) -> None:
        self._allow("complete")
        self._completed(completed_at)

    @event("Completed")
    def _completed(self, completed_at: dt.datetime) -> None:
        self.state = "completed"
        self.recall = ""  # a refused recall shows until the next step
        self.completed_at = completed_at

    def ask_recall(self, reason: str) -> None:
        """The sender asks for it back (13); nothing else is done with it until answered."""
        if self.state in RECALLABLE and self.recall != "asked":
            self._recall_asked(reason)

    @event("RecallAsked")
    def _recall_asked(self, reason: str) -> None:
        self.recall = "asked"

    def answer_recall(self, agree: bool, reason: str) -> None:
        if self.recall != "asked":
            msg = "no recall of this incoming document waits for an answer"
            raise IllegalTransitionError(msg, metadata={
                "incoming_id": str(self.id), "state": self.state, "command": "answer_recall"})
        self._allow("answer_recall")
        if agree:
            self._recall_agreed()
        else:
            self._recall_refused(reason)

    @event("RecallAgreed")
    def _recall_agreed(self) -> None:
        self.recall = ""
        self.state = "recalled"

    @event("RecallRefused")
    def _recall_refused(self, reason: str) -> None:
        self.recall = "refused"
