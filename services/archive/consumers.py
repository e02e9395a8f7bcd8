"""What the archive does when other services tell it something.

- identity: units are remembered (:class:`KnownUnit`); a unit merged, divided or
  dissolved has each fonds it holds prepared for transfer to the unit that carries on
  its records (the default successor, or the records successor of a dissolved unit).
- dossiers: a dossier whose result was returned becomes a record of the fonds of the
  unit that decided it, kept as long as its procedure's sector asks.
- documents: an issued document becomes a record of its issuer's fonds, kept as long as
  its type asks; the worker then fetches its sealed PDF.

Each is applied in the same transaction as the tracking record of the event, and told
twice it changes nothing the second time (records of dossiers and documents are created
under ids derived from theirs).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING, Any

import structlog

from lienthong.documents.v1 import documents_pb2
from lienthong.documents.v1 import events_pb2 as document_events
from lienthong.dossiers.v1 import events_pb2 as dossier_events
from lienthong.events.consumer import ConsumedEvent, Handlers
from lienthong.eventstore import derived_id
from lienthong.identity.v1 import events_pb2 as identity_events
from lienthong.vietnam import VIETNAM_TIME

from .domain import retention
from .domain.sources import DocumentSeen, DossierSeen
from .domain.units import KnownUnit

if TYPE_CHECKING:
    from eventsourcing.application import ProcessingEvent
    from google.protobuf.timestamp_pb2 import Timestamp
    from google.type import date_pb2

    from .application import ArchiveApplication

log = structlog.get_logger("lienthong.archive.consumers")

IDENTITY_STREAM = "LIENTHONG_IDENTITY"
DOSSIERS_STREAM = "LIENTHONG_DOSSIERS"
DOCUMENTS_STREAM = "LIENTHONG_DOCUMENTS"

identity_handlers = Handlers()
dossier_handlers = Handlers()
document_handlers = Handlers()


def _date(value: date_pb2.Date) -> dt.date | None:
    return dt.date(value.year, value.month, value.day) if value.year else None


def _local_date(value: Timestamp) -> dt.date:
    return value.ToDatetime(tzinfo=dt.UTC).astimezone(VIETNAM_TIME).date()


def record_id_for(source: str, source_id: str) -> uuid.UUID:
    """The record a dossier or a document becomes."""
    return derived_id("archive-record", source, source_id)


# -- identity ----------------------------------------------------------------------------

def _identity(name: str) -> str:
    return f"vn.lienthong.identity.v1.{name}"


@identity_handlers.on(_identity("UnitRegistered"))
def unit_registered(app: ArchiveApplication, event: ConsumedEvent,
                    processing: ProcessingEvent[uuid.UUID]) -> None:
    message = event.decode(identity_events.UnitRegistered)
    unit_id = uuid.UUID(message.unit_id)
    if app.get_or_none(unit_id) is not None:
        return
    province = uuid.UUID(message.province_unit_id) if message.province_unit_id else None
    processing.collect_events(KnownUnit(id=unit_id, display_name=message.display_name,
                                        agency_code=message.agency_code,
                                        province_id=province))


@identity_handlers.on(_identity("AgencyCodeAssigned"))
def agency_code_assigned(app: ArchiveApplication, event: ConsumedEvent,
                         processing: ProcessingEvent[uuid.UUID]) -> None:
    """New records carry the new code; those catalogued before keep their FileCode."""
    message = event.decode(identity_events.AgencyCodeAssigned)
    unit = app.known_unit(uuid.UUID(message.unit_id))
    unit.assign_agency_code(message.agency_code)
    processing.collect_events(unit)


@identity_handlers.on(_identity("UnitRenamed"))
def unit_renamed(app: ArchiveApplication, event: ConsumedEvent,
                 processing: ProcessingEvent[uuid.UUID]) -> None:
    message = event.decode(identity_events.UnitRenamed)
    unit = app.known_unit(uuid.UUID(message.unit_id))
    unit.rename(message.display_name)
    processing.collect_events(unit)


def _retire(app: ArchiveApplication, processing: ProcessingEvent[uuid.UUID], unit_id: str,
            how: str, successor: str, effective: dt.date | None) -> None:
    unit = app.known_unit(uuid.UUID(unit_id))
    if not unit.is_active:
        return  # told again (a replay): the first retirement stands
    to_unit = uuid.UUID(successor)
    unit.retire(how, to_unit, effective)
    transfers = app.prepare_transfers(unit, to_unit, how, effective)
    processing.collect_events(unit, *transfers)
    if transfers:
        log.info("custody_transfers_prepared", unit_id=str(unit.id), to_unit_id=successor,
                 transfers=[str(t.id) for t in transfers])


@identity_handlers.on(_identity("UnitMergedInto"))
def unit_merged(app: ArchiveApplication, event: ConsumedEvent,
                processing: ProcessingEvent[uuid.UUID]) -> None:
    message = event.decode(identity_events.UnitMergedInto)
    _retire(app, processing, message.unit_id, "merged", message.successor_unit_id,
            _date(message.effective_date))


@identity_handlers.on(_identity("UnitDivided"))
def unit_divided(app: ArchiveApplication, event: ConsumedEvent,
                 processing: ProcessingEvent[uuid.UUID]) -> None:
    """A fonds is kept whole (Law on Archives): it passes to the default successor."""
    message = event.decode(identity_events.UnitDivided)
    _retire(app, processing, message.unit_id, "divided", message.default_successor_unit_id,
            _date(message.effective_date))


@identity_handlers.on(_identity("UnitDissolved"))
def unit_dissolved(app: ArchiveApplication, event: ConsumedEvent,
                   processing: ProcessingEvent[uuid.UUID]) -> None:
    message = event.decode(identity_events.UnitDissolved)
    _retire(app, processing, message.unit_id, "dissolved", message.records_successor_unit_id,
            _date(message.effective_date))


# -- dossiers ----------------------------------------------------------------------------

def _dossiers(name: str) -> str:
    return f"vn.lienthong.dossiers.v1.{name}"


@dossier_handlers.on(_dossiers("DossierSubmitted"))
def dossier_submitted(app: ArchiveApplication, event: ConsumedEvent,
                      processing: ProcessingEvent[uuid.UUID]) -> None:
    message = event.decode(dossier_events.DossierSubmitted)
    dossier_id = uuid.UUID(message.dossier_id)
    if app.get_or_none(dossier_id) is not None or not message.competent_unit_id:
        return
    processing.collect_events(DossierSeen(
        id=dossier_id, dossier_code=message.dossier_code,
        procedure_code=message.procedure_code, sector=message.sector,
        unit_id=uuid.UUID(message.competent_unit_id),
        submitted_on=_local_date(message.submit_time),
        documents=len(message.submitted_documents)))


def _moved(app: ArchiveApplication, processing: ProcessingEvent[uuid.UUID], dossier_id: str,
           to_unit_id: str) -> None:
    seen = app.get_or_none(uuid.UUID(dossier_id))
    if isinstance(seen, DossierSeen) and to_unit_id and seen.unit_id != uuid.UUID(to_unit_id):
        seen.move_to(uuid.UUID(to_unit_id))
        processing.collect_events(seen)


@dossier_handlers.on(_dossiers("DossierTransferred"))
def dossier_transferred(app: ArchiveApplication, event: ConsumedEvent,
                        processing: ProcessingEvent[uuid.UUID]) -> None:
    message = event.decode(dossier_events.DossierTransferred)
    _moved(app, processing, message.dossier_id, message.to_unit_id)


@dossier_handlers.on(_dossiers("DossierMovedOnReorganisation"))
def dossier_moved(app: ArchiveApplication, event: ConsumedEvent,
                  processing: ProcessingEvent[uuid.UUID]) -> None:
    message = event.decode(dossier_events.DossierMovedOnReorganisation)
    _moved(app, processing, message.dossier_id, message.to_unit_id)


@dossier_handlers.on(_dossiers("DossierResultReturned"))
def dossier_returned(app: ArchiveApplication, event: ConsumedEvent,
                     processing: ProcessingEvent[uuid.UUID]) -> None:
    """The returned dossier, catalogued in the fonds of the unit that decided it."""
    message = event.decode(dossier_events.DossierResultReturned)
    seen = app.get_or_none(uuid.UUID(message.dossier_id))
    record_id = record_id_for("dossier", message.dossier_id)
    if not isinstance(seen, DossierSeen) or app.get_or_none(record_id) is not None:
        return
    unit = app.known_unit(seen.unit_id)
    if not unit.agency_code:
        log.warning("dossier_not_archived", dossier_code=seen.dossier_code,
                    reason="its unit has no agency code", unit_id=str(unit.id))
        return
    returned = _local_date(message.result_return_time)
    description = _born_digital(
        notation=seen.dossier_code[-30:], year=returned.year,
        title=f"Hồ sơ thủ tục hành chính {seen.procedure_code}, mã hồ sơ {seen.dossier_code}",
        retention_years=retention.for_sector(seen.sector), start=seen.submitted_on,
        end=returned, documents=seen.documents, access="restricted",
        keywords=[seen.procedure_code, seen.sector])
    processing.collect_events(*app.new_record(unit, description, "dossier",
                                              str(seen.id), record_id))


# -- documents ---------------------------------------------------------------------------

def _documents(name: str) -> str:
    return f"vn.lienthong.documents.v1.{name}"


_CONFIDENTIAL = {documents_pb2.CONFIDENTIALITY_UNSPECIFIED: "normal",
                 documents_pb2.CONFIDENTIALITY_CONFIDENTIAL: "confidential",
                 documents_pb2.CONFIDENTIALITY_SECRET: "secret",
                 documents_pb2.CONFIDENTIALITY_TOP_SECRET: "top_secret"}


@document_handlers.on(_documents("DocumentDrafted"))
def document_drafted(app: ArchiveApplication, event: ConsumedEvent,
                     processing: ProcessingEvent[uuid.UUID]) -> None:
    message = event.decode(document_events.DocumentDrafted)
    document_id = uuid.UUID(message.document_id)
    if app.get_or_none(document_id) is not None:
        return
    processing.collect_events(DocumentSeen(
        id=document_id, unit_id=uuid.UUID(message.issuer_unit_id),
        document_type=message.draft.document_type, subject=message.draft.subject,
        confidentiality=_CONFIDENTIAL.get(message.draft.confidentiality, "secret")))


@document_handlers.on(_documents("DocumentNumbered"))
def document_numbered(app: ArchiveApplication, event: ConsumedEvent,
                      processing: ProcessingEvent[uuid.UUID]) -> None:
    message = event.decode(document_events.DocumentNumbered)
    seen = app.get_or_none(uuid.UUID(message.document_id))
    if isinstance(seen, DocumentSeen) and not seen.numbered:
        seen.number(message.number, message.notation, message.series, message.year)
        processing.collect_events(seen)


@document_handlers.on(_documents("DocumentIssued"))
def document_issued(app: ArchiveApplication, event: ConsumedEvent,
                    processing: ProcessingEvent[uuid.UUID]) -> None:
    """The issued document, catalogued in its issuer's fonds; its sealed PDF is fetched
    by the worker (the record waits as catalogued until then)."""
    message = event.decode(document_events.DocumentIssued)
    seen = app.get_or_none(uuid.UUID(message.document_id))
    record_id = record_id_for("document", message.document_id)
    if not isinstance(seen, DocumentSeen) or not seen.numbered \
            or app.get_or_none(record_id) is not None:
        return
    file = message.signature.file
    seen.issue({"name": file.name, "object_name": file.object_name, "size": file.size,
                "sha256": file.sha256, "content_type": file.content_type})
    unit = app.known_unit(seen.unit_id)
    issued = _local_date(message.signature.signed_at)
    numbered = seen.numbered
    description = _born_digital(
        notation=f"VB-{numbered['series']}-{numbered['number']}", year=numbered["year"],
        title=f"{numbered['notation']}: {seen.subject}"[:500],
        retention_years=retention.for_document(seen.document_type), start=issued,
        end=issued, documents=1,
        access="open" if seen.confidentiality == "normal" else "secret",
        keywords=[numbered["notation"], seen.document_type])
    processing.collect_events(seen, *app.new_record(unit, description, "document",
                                                    str(seen.id), record_id))


def _born_digital(*, notation: str, year: int, title: str, retention_years: int,
                  start: dt.date, end: dt.date, documents: int, access: str,
                  keywords: list[str]) -> dict[str, Any]:
    return {"notation": notation, "year": year, "title": title,
            "retention_years": retention_years, "start_date": start.isoformat(),
            "end_date": end.isoformat(), "page_count": 0, "document_count": documents,
            "language": "vi", "keywords": [k for k in keywords if k], "access": access,
            "physical_condition": "", "fonds_name": ""}
