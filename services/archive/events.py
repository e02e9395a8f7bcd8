"""The events the archive service publishes (``lienthong/archive/v1/events.proto``).

Every event of a fonds, a record, a batch, a scanned page and a custody transfer is
published; what it learns of other services (units, dossiers, documents) and the request
records of AIP-155 retries are not.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lienthong.archive.v1 import archive_pb2 as pb
from lienthong.archive.v1 import events_pb2 as ev
from lienthong.events.contract import Contract, PublishedEvent, fill_metadata
from lienthong.grpc.convert import date_to_pb, id_to_pb, timestamp_to_pb

from .convert import ORIGINS, PAGE_KINDS_TO_PB, description_to_pb, file_to_pb, line_to_pb

if TYPE_CHECKING:
    from google.protobuf.message import Message


def _with_metadata(message: Message, event: Any) -> Message:
    fill_metadata(message.metadata, event)  # type: ignore[attr-defined]
    return message


def _id(e: Any) -> str:
    return id_to_pb(e.originator_id)


def fonds_opened(e: Any) -> Message:
    return _with_metadata(ev.FondsOpened(fonds_id=_id(e), unit_id=id_to_pb(e.unit_id),
                                         agency_code=e.agency_code, name=e.name), e)


def fonds_transferred(e: Any) -> Message:
    return _with_metadata(ev.FondsTransferred(
        fonds_id=_id(e), transfer_id=id_to_pb(e.transfer_id),
        from_unit_id=id_to_pb(e.from_unit_id), to_unit_id=id_to_pb(e.to_unit_id)), e)


def catalogued(e: Any) -> Message:
    return _with_metadata(ev.RecordCatalogued(
        record_id=_id(e), fonds_id=id_to_pb(e.fonds_id), unit_id=id_to_pb(e.unit_id),
        agency_code=e.agency_code, file_code=e.file_code,
        description=description_to_pb(e.description), origin=ORIGINS[e.origin],
        source_id=e.source_id), e)


def digitization_requested(e: Any) -> Message:
    return _with_metadata(ev.RecordDigitizationRequested(
        record_id=_id(e), page_ids=e.page_ids, pages=[file_to_pb(p) for p in e.pages]), e)


def copy_made(e: Any) -> Message:
    return _with_metadata(ev.DigitizedCopyMade(
        record_id=_id(e), copy=file_to_pb(e.copy), pages=e.pages,
        text_characters=e.text_characters, pdfa_conformance=e.pdfa_conformance,
        ocr_engine=e.ocr_engine), e)


def digitization_failed(e: Any) -> Message:
    return _with_metadata(ev.RecordDigitizationFailed(record_id=_id(e), reason=e.reason), e)


def copy_sealed(e: Any) -> Message:
    return _with_metadata(ev.DigitizedCopySealed(
        record_id=_id(e), sealed_copy=file_to_pb(e.sealed_copy), agency_code=e.agency_code,
        certificate_serial=e.certificate_serial, signed_at=timestamp_to_pb(e.signed_at)), e)


def file_kept(e: Any) -> Message:
    return _with_metadata(ev.RecordFileKept(record_id=_id(e), file=file_to_pb(e.file)), e)


def package_ingested(e: Any) -> Message:
    return _with_metadata(ev.PackageIngested(
        record_id=_id(e), package_id=e.package_id, package=file_to_pb(e.package),
        files=e.files), e)


def fixity_checked(e: Any) -> Message:
    return _with_metadata(ev.FixityChecked(
        record_id=_id(e), package_id=e.package_id, outcome=e.outcome,
        files_checked=e.files_checked, bytes_read=e.bytes_read,
        damaged_files=e.damaged_files, checked_at=timestamp_to_pb(e.checked_at)), e)


def damage_found(e: Any) -> Message:
    return _with_metadata(ev.PackageDamageFound(
        record_id=_id(e), package_id=e.package_id, damaged_files=e.damaged_files,
        checked_at=timestamp_to_pb(e.checked_at)), e)


def batch_opened(e: Any) -> Message:
    return _with_metadata(ev.BatchOpened(batch_id=_id(e), unit_id=id_to_pb(e.unit_id),
                                         label=e.label), e)


def page_captured(e: Any) -> Message:
    m = e.measures
    dpi = m.get("dpi") or (0.0, 0.0)
    return _with_metadata(ev.PageCaptured(
        page_id=_id(e), batch_id=id_to_pb(e.batch_id), record_id=id_to_pb(e.record_id),
        sequence=e.sequence, kind=PAGE_KINDS_TO_PB[e.kind], image=file_to_pb(e.image),
        measures=ev.PageMeasures(
            dpi_x=dpi[0], dpi_y=dpi[1], bits_per_pixel=m.get("bits_per_pixel", 0),
            skew_degrees=m.get("skew_degrees", 0.0), ink_share=m.get("ink_share", 0.0),
            fingerprint=m.get("fingerprint", ""), width=m.get("width", 0),
            height=m.get("height", 0), format=m.get("format", ""))), e)


def page_accepted(e: Any) -> Message:
    return _with_metadata(ev.PageAccepted(page_id=_id(e), record_id=id_to_pb(e.record_id),
                                          sequence=e.sequence), e)


def page_sent_back(e: Any) -> Message:
    return _with_metadata(ev.PageSentBack(
        page_id=_id(e), record_id=id_to_pb(e.record_id), sequence=e.sequence,
        findings=[pb.QualityFinding(**f) for f in e.findings]), e)


def transfer_prepared(e: Any) -> Message:
    message = ev.CustodyTransferPrepared(
        transfer_id=_id(e), fonds_id=id_to_pb(e.fonds_id),
        from_unit_id=id_to_pb(e.from_unit_id), to_unit_id=id_to_pb(e.to_unit_id),
        cause=e.cause, lines=[line_to_pb(one) for one in e.lines])
    if e.effective_date is not None:
        message.effective_date.CopyFrom(date_to_pb(e.effective_date))
    return _with_metadata(message, e)


def transfer_reconciled(e: Any) -> Message:
    return _with_metadata(ev.CustodyTransferReconciled(
        transfer_id=_id(e), lines=[line_to_pb(one) for one in e.lines],
        package=file_to_pb(e.package)), e)


def transfer_completed(e: Any) -> Message:
    return _with_metadata(ev.CustodyTransferCompleted(
        transfer_id=_id(e), fonds_id=id_to_pb(e.fonds_id), signature=file_to_pb(e.signature),
        signer_agency_code=e.signer_agency_code, certificate_serial=e.certificate_serial,
        signed_at=timestamp_to_pb(e.signed_at)), e)


def transfer_superseded(e: Any) -> Message:
    return _with_metadata(ev.CustodyTransferSuperseded(
        transfer_id=_id(e), superseded_by=id_to_pb(e.superseded_by)), e)


_FONDS, _RECORD, _BATCH = "fonds", "archival_record", "digitization_batch"
_PAGE, _TRANSFER = "scanned_page", "custody_transfer"
CONTRACT = Contract("archive", [
    PublishedEvent("Fonds.Opened", _FONDS, "FondsOpened", fonds_opened),
    PublishedEvent("Fonds.Transferred", _FONDS, "FondsTransferred", fonds_transferred),
    PublishedEvent("ArchivalRecord.Catalogued", _RECORD, "RecordCatalogued", catalogued),
    PublishedEvent("ArchivalRecord.DigitizationRequested", _RECORD,
                   "RecordDigitizationRequested", digitization_requested),
    PublishedEvent("ArchivalRecord.CopyMade", _RECORD, "DigitizedCopyMade", copy_made),
    PublishedEvent("ArchivalRecord.DigitizationFailed", _RECORD, "RecordDigitizationFailed",
                   digitization_failed),
    PublishedEvent("ArchivalRecord.CopySealed", _RECORD, "DigitizedCopySealed", copy_sealed),
    PublishedEvent("ArchivalRecord.FileKept", _RECORD, "RecordFileKept", file_kept),
    PublishedEvent("ArchivalRecord.PackageIngested", _RECORD, "PackageIngested",
                   package_ingested),
    PublishedEvent("ArchivalRecord.FixityChecked", _RECORD, "FixityChecked", fixity_checked),
    PublishedEvent("ArchivalRecord.DamageFound", _RECORD, "PackageDamageFound", damage_found),
    PublishedEvent("DigitizationBatch.Opened", _BATCH, "BatchOpened", batch_opened),
    PublishedEvent("ScannedPage.Captured", _PAGE, "PageCaptured", page_captured),
    PublishedEvent("ScannedPage.Accepted", _PAGE, "PageAccepted", page_accepted),
    PublishedEvent("ScannedPage.SentBack", _PAGE, "PageSentBack", page_sent_back),
    PublishedEvent("CustodyTransfer.Prepared", _TRANSFER, "CustodyTransferPrepared",
                   transfer_prepared),
    PublishedEvent("CustodyTransfer.Reconciled", _TRANSFER, "CustodyTransferReconciled",
                   transfer_reconciled),
    PublishedEvent("CustodyTransfer.Superseded", _TRANSFER, "CustodyTransferSuperseded",
                   transfer_superseded),
    PublishedEvent("CustodyTransfer.Completed", _TRANSFER, "CustodyTransferCompleted",
                   transfer_completed),
])
"""The archive service's published events, for its outbox relay."""
