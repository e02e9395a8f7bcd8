"""Digitization at the scanner: a unit's batch, and each page captured into it.

A page is its own aggregate (a batch may hold thousands): captured with what quality
control measured, then accepted or sent back with its reasons in the same transaction.
A page sent back is captured again at the same place of its record; the record is
digitized from the last accepted capture of each of its places.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from eventsourcing.domain import event

from lienthong.eventstore import AuditedAggregate

from .files import FileRef

if TYPE_CHECKING:
    from uuid import UUID

PAGE_KINDS = ("text", "map_or_drawing")


class DigitizationBatch(AuditedAggregate):
    """What a unit scans together (a box, a shelf, a series of records)."""

    @event("Opened")
    def __init__(self, unit_id: UUID, label: str) -> None:
        self.unit_id = unit_id
        self.label = label


class ScannedPage(AuditedAggregate):
    """One capture of one page of a record."""

    @event("Captured")
    def __init__(self, batch_id: UUID, record_id: UUID, sequence: int, kind: str,
                 image: dict[str, Any], measures: dict[str, Any]) -> None:
        self.batch_id = batch_id
        self.record_id = record_id
        self.sequence = sequence
        self.kind = kind
        self.image = FileRef.of(image)
        self.measures = measures
        self.accepted = False
        self.findings: list[dict[str, str]] = []

    @classmethod
    def inspected(cls, batch_id: UUID, record_id: UUID, sequence: int, kind: str,
                  image: dict[str, Any], measures: dict[str, Any],
                  findings: list[dict[str, str]]) -> ScannedPage:
        """Captured, then accepted (no findings) or sent back with them."""
        page = cls(batch_id=batch_id, record_id=record_id, sequence=sequence, kind=kind,
                   image=image, measures=measures)
        if findings:
            page._sent_back(record_id, sequence, findings)
        else:
            page._accepted(record_id, sequence)
        return page

    @event("Accepted")
    def _accepted(self, record_id: UUID, sequence: int) -> None:
        self.accepted = True

    @event("SentBack")
    def _sent_back(self, record_id: UUID, sequence: int,
                   findings: list[dict[str, str]]) -> None:
        self.findings = list(findings)
