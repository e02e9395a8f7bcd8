"""What the documents service lists: each agency's outgoing and incoming books by year,
what waits for each handler (and what is overdue), where each sent document went and
its status there, and how many documents each agency exchanged electronically (the
leaders' figures). Also the agency codes of the units it knows, for routing.
"""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from lienthong.idempotency import RequestRecord
from lienthong.projection import LogFollower, handles

from .domain.incoming import IncomingDocument, status_code
from .domain.numbering import NumberSeries
from .domain.outgoing import OutgoingDocument
from .domain.units import KnownUnit

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Mapping
    from uuid import UUID


@dataclass(frozen=True)
class OutgoingRow:
    document_id: UUID
    unit_id: UUID
    year: int
    series: str
    number: int
    notation: str
    document_type: str
    subject: str
    numbered_at: dt.datetime
    state: str = "numbered"


@dataclass(frozen=True)
class IncomingRow:
    incoming_id: UUID
    unit_id: UUID
    arrived_at: dt.datetime
    sender_agency_code: str
    notation: str
    subject: str
    document_id: str  # the sender's, when sent inside the platform
    state: str = "arrived"
    year: int = 0
    series: str = ""
    number: int = 0
    handler: str = ""
    deadline: dt.date | None = None
    recall: str = ""  # "asked", "refused" or ""

    @property
    def status_code(self) -> str:
        return status_code(self.state, self.recall)


@dataclass(frozen=True)
class Delivery:
    """Where a sent document went: the code it was addressed to, the successors it was
    routed through, the agency that received it (empty: outside the platform)."""

    addressed_to: str
    route: tuple[str, ...]
    incoming_id: UUID | None


@dataclass
class ExchangeCounts:
    sent: int = 0  # documents sent electronically
    received: int = 0  # documents that arrived electronically


class DocumentBooks(LogFollower):
    """The books, the handlers' work, the deliveries and the exchange counts."""

    aggregates = (OutgoingDocument, IncomingDocument, KnownUnit, NumberSeries, RequestRecord)
    ignores: ClassVar[Mapping[type, str]] = {
        OutgoingDocument.Submitted: "a draft is in no book",
        OutgoingDocument.Returned: "a draft is in no book",
        OutgoingDocument.SignedByOfficial: "signatures are read from the document",
        NumberSeries.Opened: "a series is read as an aggregate",
        NumberSeries.NumberTaken: "the book lists the documents a number went to",
        RequestRecord.Accepted: "AIP-155 retry bookkeeping",
        KnownUnit.Renamed: "units are read as aggregates",
        OutgoingDocument.ExternalStatusReported: "statuses from outside are read from the "
                                                 "document",
        KnownUnit.Retired: "a retired unit's codes still lead to it; routing reads the unit",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.outgoing: dict[UUID, OutgoingRow] = {}
        self.incoming: dict[UUID, IncomingRow] = {}
        self.deliveries: dict[UUID, list[Delivery]] = {}
        self.counts: dict[UUID, ExchangeCounts] = {}
        self.units_by_code: dict[str, UUID] = {}
        #: Sent documents with recipients outside the platform the axis has not taken.
        self.for_axis: set[UUID] = set()
        #: The edXML DocumentId each document went to the axis under, and back.
        self.by_edxml_id: dict[str, UUID] = {}
        # A draft's issuer, type and subject, for its row once it is numbered.
        self._drafts: dict[UUID, tuple[UUID, str, str]] = {}

    # -- units -----------------------------------------------------------------------

    @handles(KnownUnit.Learned, KnownUnit.AgencyCodeAssigned)
    def _unit_code(self, e: Any) -> None:
        # A code a unit once had stays its own (old documents still name it): only a
        # later unit given the same code takes it over.
        if e.agency_code:
            self.units_by_code[e.agency_code] = e.originator_id

    # -- outgoing --------------------------------------------------------------------

    @handles(OutgoingDocument.Drafted)
    def _drafted(self, e: Any) -> None:
        self._drafts[e.originator_id] = (e.issuer_unit_id, e.draft["document_type"],
                                         e.draft["subject"])

    @handles(OutgoingDocument.Revised)
    def _revised(self, e: Any) -> None:
        unit_id, _, _ = self._drafts[e.originator_id]
        self._drafts[e.originator_id] = (unit_id, e.draft["document_type"],
                                         e.draft["subject"])

    @handles(OutgoingDocument.Numbered)
    def _numbered(self, e: Any) -> None:
        unit_id, document_type, subject = self._drafts[e.originator_id]
        self.outgoing[e.originator_id] = OutgoingRow(
            e.originator_id, unit_id, e.year, e.series, e.number, e.notation,
            document_type, subject, e.numbered_at)

    def _state(self, e: Any, state: str) -> None:
        if (row := self.outgoing.get(e.originator_id)) is not None:
            self.outgoing[e.originator_id] = dataclasses.replace(row, state=state)

    @handles(OutgoingDocument.Issued)
    def _issued(self, e: Any) -> None:
        self._state(e, "issued")

    @handles(OutgoingDocument.Sent)
    def _sent(self, e: Any) -> None:
        self._state(e, "sent")
        self.deliveries[e.originator_id] = [
            Delivery(d["addressed_to"], tuple(d["route"]),
                     uuid.UUID(d["incoming_id"]) if d["incoming_id"] else None)
            for d in e.deliveries]
        unit_id = self._drafts[e.originator_id][0]
        self.counts.setdefault(unit_id, ExchangeCounts()).sent += 1
        if any(not d["incoming_id"] for d in e.deliveries):
            self.for_axis.add(e.originator_id)

    @handles(OutgoingDocument.HandedToAxis)
    def _handed_to_axis(self, e: Any) -> None:
        self.for_axis.discard(e.originator_id)
        self.by_edxml_id[e.edxml_document_id] = e.originator_id

    @handles(OutgoingDocument.RecallRequested)
    def _recall_requested(self, e: Any) -> None:
        self._state(e, "recall_requested")

    @handles(OutgoingDocument.RecallRefused)
    def _kept(self, e: Any) -> None:
        self._state(e, "sent")

    @handles(OutgoingDocument.Recalled)
    def _recalled(self, e: Any) -> None:
        self._state(e, "recalled")

    @handles(OutgoingDocument.Revoked)
    def _revoked(self, e: Any) -> None:
        self._state(e, "revoked")

    @handles(OutgoingDocument.Replaced)
    def _replaced(self, e: Any) -> None:
        self._state(e, "replaced")

    # -- incoming --------------------------------------------------------------------

    @handles(IncomingDocument.Arrived)
    def _arrived(self, e: Any) -> None:
        sent = e.sent
        self.incoming[e.originator_id] = IncomingRow(
            e.originator_id, e.recipient_unit_id, e.arrived_at,
            sent.get("sender_agency_code", ""), sent.get("notation", ""),
            sent.get("subject", ""), sent.get("document_id", ""))
        if sent.get("document_id"):
            self.counts.setdefault(e.recipient_unit_id, ExchangeCounts()).received += 1

    def _incoming(self, e: Any, **changes: Any) -> None:
        if (row := self.incoming.get(e.originator_id)) is not None:
            self.incoming[e.originator_id] = dataclasses.replace(row, **changes)

    @handles(IncomingDocument.Registered)
    def _registered(self, e: Any) -> None:
        self._incoming(e, state="registered", year=e.year, series=e.series, number=e.number,
                       recall="")

    @handles(IncomingDocument.Refused)
    def _refused(self, e: Any) -> None:
        self._incoming(e, state="refused")

    @handles(IncomingDocument.Assigned)
    def _assigned(self, e: Any) -> None:
        self._incoming(e, state="assigned", handler=e.handler, deadline=e.deadline, recall="")

    @handles(IncomingDocument.Completed)
    def _completed(self, e: Any) -> None:
        self._incoming(e, state="completed", recall="")

    @handles(IncomingDocument.RecallAsked)
    def _recall_asked(self, e: Any) -> None:
        self._incoming(e, recall="asked")

    @handles(IncomingDocument.RecallAgreed)
    def _recall_agreed(self, e: Any) -> None:
        self._incoming(e, state="recalled", recall="")

    @handles(IncomingDocument.RecallRefused)
    def _recall_refused(self, e: Any) -> None:
        self._incoming(e, recall="refused")

    # -- reads -----------------------------------------------------------------------

    def unit_with_code(self, agency_code: str) -> UUID | None:
        with self.lock:
            return self.units_by_code.get(agency_code)

    def outgoing_book(self, unit_id: UUID, year: int) -> list[OutgoingRow]:
        """The documents the agency numbered in the year, by series then number."""
        with self.lock:
            rows = [r for r in self.outgoing.values() if r.unit_id == unit_id and r.year == year]
        return sorted(rows, key=lambda r: (r.series, r.number))

    def incoming_book(self, unit_id: UUID, year: int) -> list[IncomingRow]:
        """The documents the agency registered in the year, by series then number."""
        with self.lock:
            rows = [r for r in self.incoming.values()
                    if r.unit_id == unit_id and r.year == year and r.number]
        return sorted(rows, key=lambda r: (r.series, r.number))

    def arrived(self, unit_id: UUID) -> list[IncomingRow]:
        """What arrived and waits for the agency's clerical office to register it."""
        with self.lock:
            rows = [r for r in self.incoming.values()
                    if r.unit_id == unit_id and r.state == "arrived"]
        return sorted(rows, key=lambda r: r.arrived_at)

    def awaiting(self, handler: str, today: dt.date) -> tuple[list[IncomingRow],
                                                              list[IncomingRow]]:
        """What waits for the handler, earliest deadline first, and which of it is
        overdue (its deadline passed)."""
        with self.lock:
            rows = [r for r in self.incoming.values()
                    if r.handler == handler and r.state == "assigned"]
        rows.sort(key=lambda r: (r.deadline is None, r.deadline, r.arrived_at))
        return rows, [r for r in rows if r.deadline is not None and r.deadline < today]

    def where_sent(self, document_id: UUID) -> list[tuple[Delivery, str]]:
        """Each delivery of a sent document and its status code there ("" outside)."""
        with self.lock:
            found = self.deliveries.get(document_id, [])
            return [(d, self.incoming[d.incoming_id].status_code
                     if d.incoming_id in self.incoming else "") for d in found]

    def awaiting_axis(self) -> list[UUID]:
        """Sent documents whose recipients outside the platform wait for the axis."""
        with self.lock:
            return sorted(self.for_axis)

    def sent_through_axis(self, edxml_document_id: str) -> UUID | None:
        """The document that went to the axis under this edXML DocumentId."""
        with self.lock:
            return self.by_edxml_id.get(edxml_document_id)

    def exchange_counts(self, unit_id: UUID) -> ExchangeCounts:
        with self.lock:
            return dataclasses.replace(self.counts.get(unit_id, ExchangeCounts()))
