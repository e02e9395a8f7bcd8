"""A record's archival package and its preservation history, from what the archive
recorded of it.

The package (:mod:`.packaging`) carries the record's kept copy (the sealed PDF/A, or a
born-digital record's file), its description and its history up to ingest as PREMIS
events; every later event (fixity checks, custody transfers) is in the record's event
history, which :func:`premis_history` writes out as PREMIS on demand.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from lienthong.audit import SYSTEM_ACTOR

from .packaging import PayloadFile, PreservationEvent, RecordDescription
from .packaging.premis import build_package_premis

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from pathlib import Path

    from .domain.records import ArchivalRecord

CREATOR = "Lienthong archive"
#: A domain event's class name -> (PREMIS event type, what it says).
EVENT_TYPES: dict[str, tuple[str, str]] = {
    "Catalogued": ("creation", "record catalogued as {file_code}"),
    "DigitizationRequested": ("capture", "{pages} scanned pages accepted by quality control"),
    "CopyMade": ("normalization",
                 "two-layer PDF/A-{pdfa} made by Vietnamese OCR ({engine})"),
    "CopySealed": ("digital signature generation",
                   "sealed by agency {agency} (certificate {serial})"),
    "FileKept": ("message digest calculation", "born-digital file kept, SHA-256 {sha256}"),
    "PackageIngested": ("ingestion", "archival package {package_id} stored, SHA-256 {sha256}"),
    "FixityChecked": ("fixity check", "{files} files, {bytes} bytes: {outcome}"),
}


def description_of(record: ArchivalRecord, *, agency_name: str, fonds_code: str,
                    fonds_name: str) -> RecordDescription:
    d = record.description
    return RecordDescription(
        file_code=record.file_code, title=d["title"], agency_code=record.agency_code,
        agency_name=agency_name, fonds_code=fonds_code, fonds_name=fonds_name,
        year=d["year"], start_date=dt.date.fromisoformat(d["start_date"]),
        end_date=dt.date.fromisoformat(d["end_date"]),
        retention_years=d["retention_years"] or None, page_count=d["page_count"],
        document_count=d["document_count"], language=d["language"], access=d["access"],
        keywords=tuple(d["keywords"]), physical_condition=d["physical_condition"])


def _detail(name: str, event: Any) -> str:
    template = EVENT_TYPES[name][1]
    pages = getattr(event, "pages", ())
    return template.format(
        file_code=getattr(event, "file_code", ""),
        pages=pages if isinstance(pages, int) else len(pages),
        pdfa=getattr(event, "pdfa_conformance", ""), engine=getattr(event, "ocr_engine", ""),
        agency=getattr(event, "agency_code", ""),
        serial=getattr(event, "certificate_serial", ""),
        sha256=(getattr(event, "file", None) or getattr(event, "package", None) or {}
                ).get("sha256", ""),
        package_id=getattr(event, "package_id", ""), files=getattr(event, "files_checked", 0),
        bytes=getattr(event, "bytes_read", 0), outcome=getattr(event, "outcome", ""))


def preservation_events(history: Iterable[Any]) -> list[PreservationEvent]:
    """The record's domain events that are preservation events, as PREMIS events."""
    events = []
    for event in history:
        name = type(event).__name__
        if name not in EVENT_TYPES:
            continue
        outcome = "fail" if getattr(event, "outcome", "intact") == "damaged" else "success"
        actor = event.metadata.get("actor", "")
        by_person = actor not in ("", SYSTEM_ACTOR)
        events.append(PreservationEvent(
            event_id=f"event-{event.originator_version}", event_type=EVENT_TYPES[name][0],
            when=event.timestamp, outcome=outcome, detail=_detail(name, event)[:2000],
            agent=actor if by_person else CREATOR,
            agent_type="person" if by_person else "software"))
    return events


def payload_of(record: ArchivalRecord, path: Path) -> PayloadFile:
    """The record's kept copy (already on the local disk at ``path``) as the package's
    payload, with the SHA-256 computed when it was stored."""
    copy = record.kept_copy
    assert copy is not None
    name = f"{record.file_code}.pdf" if copy.content_type == "application/pdf" \
        else copy.name
    return PayloadFile(name=name, source=path, size=copy.size, sha256=copy.sha256,
                       mime_type=copy.content_type, created=record.created_on)


def premis_history(record: ArchivalRecord, history: Sequence[Any]) -> tuple[bytes, int]:
    """The record's whole preservation history as one PREMIS document."""
    events = preservation_events(history)
    description = description_of(record, agency_name=record.agency_code,
                                 fonds_code=str(record.fonds_id), fonds_name="")
    package_id = record.package_id or f"record-{record.id}"
    return build_package_premis(package_id=package_id, record=description, payload=[],
                                events=events, creator=CREATOR, creator_version="1"), \
        len(events)
