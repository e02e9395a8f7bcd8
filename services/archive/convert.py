"""Between the archive's records and their protobuf messages, for the gRPC face and the
published events alike."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from lienthong.archive.v1 import archive_pb2 as pb
from lienthong.grpc.convert import date_to_pb, id_to_pb, timestamp_to_pb

if TYPE_CHECKING:
    from .domain.custody import CustodyTransfer
    from .domain.files import FileRef
    from .domain.fonds import Fonds
    from .domain.records import ArchivalRecord

ORIGINS = {"paper": pb.RECORD_ORIGIN_PAPER, "dossier": pb.RECORD_ORIGIN_DOSSIER,
           "document": pb.RECORD_ORIGIN_DOCUMENT}
RECORD_STATES = {"catalogued": pb.RECORD_STATE_CATALOGUED,
                 "digitizing": pb.RECORD_STATE_DIGITIZING,
                 "digitized": pb.RECORD_STATE_DIGITIZED, "sealed": pb.RECORD_STATE_SEALED,
                 "preserved": pb.RECORD_STATE_PRESERVED}
ACCESS_MODES = {pb.ACCESS_MODE_UNSPECIFIED: "open", pb.ACCESS_MODE_OPEN: "open",
                pb.ACCESS_MODE_RESTRICTED: "restricted", pb.ACCESS_MODE_SECRET: "secret"}
ACCESS_TO_PB = {"open": pb.ACCESS_MODE_OPEN, "restricted": pb.ACCESS_MODE_RESTRICTED,
                "secret": pb.ACCESS_MODE_SECRET}
PAGE_KINDS = {pb.PAGE_KIND_UNSPECIFIED: "text", pb.PAGE_KIND_TEXT: "text",
              pb.PAGE_KIND_MAP_OR_DRAWING: "map_or_drawing"}
PAGE_KINDS_TO_PB = {"text": pb.PAGE_KIND_TEXT, "map_or_drawing": pb.PAGE_KIND_MAP_OR_DRAWING}
TRANSFER_STATES = {"prepared": pb.TRANSFER_STATE_PREPARED,
                   "reconciled": pb.TRANSFER_STATE_RECONCILED,
                   "completed": pb.TRANSFER_STATE_COMPLETED,
                   "superseded": pb.TRANSFER_STATE_SUPERSEDED}


def file_to_pb(file: FileRef | dict[str, Any] | None) -> pb.FileRef | None:
    if file is None:
        return None
    value = file if isinstance(file, dict) else file.as_dict()
    return pb.FileRef(**value)


def description_to_pb(description: dict[str, Any]) -> pb.RecordDescription:
    return pb.RecordDescription(
        notation=description["notation"], year=description["year"],
        title=description["title"], retention_years=description["retention_years"],
        start_date=date_to_pb(dt.date.fromisoformat(description["start_date"])),
        end_date=date_to_pb(dt.date.fromisoformat(description["end_date"])),
        page_count=description["page_count"], document_count=description["document_count"],
        language=description["language"], keywords=description["keywords"],
        access=ACCESS_TO_PB[description["access"]],
        physical_condition=description["physical_condition"],
        fonds_name=description["fonds_name"])


def record_to_pb(record: ArchivalRecord, *, holder_unit_id: Any = None,
                 pages_accepted: int = 0,
                 next_check_at: dt.datetime | None = None) -> pb.Record:
    message = pb.Record(
        record_id=id_to_pb(record.id), fonds_id=id_to_pb(record.fonds_id),
        file_code=record.file_code, unit_id=id_to_pb(record.unit_id),
        agency_code=record.agency_code, description=description_to_pb(record.description),
        origin=ORIGINS[record.origin], source_id=record.source_id,
        state=RECORD_STATES[record.state], package_id=record.package_id,
        pages_accepted=pages_accepted, catalogue_time=timestamp_to_pb(record.created_on),
        holder_unit_id=id_to_pb(holder_unit_id) if holder_unit_id else "")
    for name, file in (("digitized_copy", record.digitized_copy),
                       ("sealed_copy", record.sealed_copy), ("package", record.package)):
        if file is not None:
            getattr(message, name).CopyFrom(file_to_pb(file))
    last = record.last_fixity
    if last is not None:
        message.fixity.CopyFrom(pb.FixitySummary(
            checked_at=timestamp_to_pb(last["checked_at"]), outcome=last["outcome"],
            checks=len(record.fixity_checks)))
    if next_check_at is not None:
        message.fixity.next_check_at.CopyFrom(timestamp_to_pb(next_check_at))
    return message


def fonds_to_pb(fonds: Fonds, records: int) -> pb.Fonds:
    return pb.Fonds(fonds_id=id_to_pb(fonds.id), unit_id=id_to_pb(fonds.unit_id),
                    agency_code=fonds.agency_code, name=fonds.name,
                    holder_unit_id=id_to_pb(fonds.holder_unit_id), closed=fonds.closed,
                    records=records, transfer_ids=[id_to_pb(t) for t in fonds.transfer_ids])


def line_to_pb(line: dict[str, Any]) -> pb.ReconciliationLine:
    return pb.ReconciliationLine(**line)


def transfer_to_pb(transfer: CustodyTransfer) -> pb.Transfer:
    message = pb.Transfer(
        transfer_id=id_to_pb(transfer.id), fonds_id=id_to_pb(transfer.fonds_id),
        from_unit_id=id_to_pb(transfer.from_unit_id), to_unit_id=id_to_pb(transfer.to_unit_id),
        cause=transfer.cause, state=TRANSFER_STATES[transfer.state],
        records_listed=len(transfer.listed),
        records_received=sum(1 for one in transfer.lines
                             if one["matches"] or one["received_sha256"]),
        packages_listed=sum(1 for one in transfer.listed if one["source_sha256"]),
        packages_matching=sum(1 for one in transfer.lines
                              if one["matches"] and one["source_sha256"]),
        lines=[line_to_pb(one) for one in transfer.lines],
        signer_agency_code=transfer.signer.get("agency_code", ""),
        superseded_by=id_to_pb(transfer.superseded_by) if transfer.superseded_by else "")
    if transfer.effective_date is not None:
        message.effective_date.CopyFrom(date_to_pb(transfer.effective_date))
    if transfer.package is not None:
        message.package.CopyFrom(file_to_pb(transfer.package))
    if transfer.signature is not None:
        message.signature.CopyFrom(file_to_pb(transfer.signature))
    return message
