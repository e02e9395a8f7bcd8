"""What the archive remembers of another service's dossier or document until it becomes
a record: where it belongs and what it is about (never the applicant's personal data).
Under the same id as in its own service."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from eventsourcing.domain import event

from lienthong.eventstore import AuditedAggregate

if TYPE_CHECKING:
    import datetime as dt
    from uuid import UUID


class DossierSeen(AuditedAggregate):
    """A dossier submitted to a unit of the platform (dossiers service)."""

    @event("Seen")
    def __init__(self, id: UUID, dossier_code: str, procedure_code: str,  # noqa: A002
                 sector: str, unit_id: UUID, submitted_on: dt.date, documents: int) -> None:
        self.dossier_code = dossier_code
        self.submitted_on = submitted_on
        self.documents = documents
        self.procedure_code = procedure_code
        self.sector = sector
        self.unit_id = unit_id

    @event("MovedTo")
    def move_to(self, unit_id: UUID) -> None:
        self.unit_id = unit_id


class DocumentSeen(AuditedAggregate):
    """An outgoing document drafted by a unit (documents service)."""

    @event("Seen")
    def __init__(self, id: UUID, unit_id: UUID, document_type: str,  # noqa: A002
                 subject: str, confidentiality: str) -> None:
        self.unit_id = unit_id
        self.document_type = document_type
        self.subject = subject
        self.confidentiality = confidentiality
        self.numbered: dict[str, Any] = {}
        self.issued_file: dict[str, Any] = {}

    @event("Numbered")
    def number(self, number: int, notation: str, series: str, year: int) -> None:
        self.numbered = {"number": number, "notation": notation, "series": series,
                         "year": year}

    @event("Issued")
    def issue(self, file: dict[str, Any]) -> None:
        """Its sealed PDF, as the documents service stored it."""
        self.issued_file = dict(file)
