"""The gRPC face of the archive application: translation only.

Protobuf in, primitives to the application, aggregates back out as protobuf. Errors
travel as lienthong errors and the interceptor turns them into statuses.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from lienthong.archive.v1 import archive_pb2 as pb
from lienthong.archive.v1 import archive_pb2_grpc as pb_grpc
from lienthong.archive.v1 import files_pb2, files_pb2_grpc
from lienthong.audit.servicer import add_audit_service
from lienthong.errors import InvalidArgument
from lienthong.files.api import FileContract, add_file_service
from lienthong.grpc.convert import date_from_pb, date_to_pb, timestamp_to_pb
from lienthong.validation import parse_uuid

from .catalogue import DescriptionInput
from .convert import (
    ACCESS_MODES,
    PAGE_KINDS,
    fonds_to_pb,
    record_to_pb,
    transfer_to_pb,
)
from .preservation import premis_history

if TYPE_CHECKING:
    import grpc

    from .application import ArchiveApplication
    from .domain.records import ArchivalRecord

FILES = FileContract(files_pb2, files_pb2_grpc, pb)


def enum_value(table: dict[int, str], value: int, field: str) -> str:
    if value not in table:
        raise InvalidArgument.single(field, "ENUM_VALUE", f"unknown value {value}")
    return table[value]


def file_from_pb(message: pb.FileRef) -> dict[str, Any]:
    return {"name": message.name, "object_name": message.object_name, "size": message.size,
            "sha256": message.sha256.lower(), "content_type": message.content_type}


def description_from_pb(message: pb.RecordDescription) -> DescriptionInput:
    return DescriptionInput(
        notation=message.notation, year=message.year, title=message.title,
        retention_years=message.retention_years,
        start_date=date_from_pb(message.start_date, "description.start_date"),
        end_date=date_from_pb(message.end_date, "description.end_date"),
        page_count=message.page_count, document_count=message.document_count,
        language=message.language, keywords=tuple(message.keywords),
        access=enum_value(ACCESS_MODES, message.access, "description.access"),
        physical_condition=message.physical_condition, fonds_name=message.fonds_name)


class _Servicer:
    def __init__(self, app: ArchiveApplication) -> None:
        self.app = app

    def record_pb(self, record: ArchivalRecord, holder_unit_id: Any = None) -> pb.Record:
        """The record as answered; ``holder_unit_id`` when known (its fonds' holder)."""
        return record_to_pb(record, holder_unit_id=holder_unit_id or self.app.holder_of(record),
                            pages_accepted=len(self.app.books.pages_of(record.id)),
                            next_check_at=self.app.next_check(record))

    async def _record(self, record_id: Any) -> pb.Record:
        return await asyncio.to_thread(lambda: self.record_pb(self.app.record(record_id)))


class ArchiveServicer(_Servicer, pb_grpc.ArchiveServiceServicer):
    async def CatalogueRecord(self, request: pb.CatalogueRecordRequest,  # noqa: N802
                              context: grpc.aio.ServicerContext) -> pb.Record:
        done = await asyncio.to_thread(self.app.catalogue, request.request_id, request.unit_id,
                                       description_from_pb(request.description))
        return await self._record(done["record_id"])

    async def GetRecord(self, request: pb.GetRecordRequest,  # noqa: N802
                        context: grpc.aio.ServicerContext) -> pb.Record:
        return await self._record(request.record_id)

    async def ListRecords(self, request: pb.ListRecordsRequest,  # noqa: N802
                          context: grpc.aio.ServicerContext) -> pb.ListRecordsResponse:
        def page() -> pb.ListRecordsResponse:
            found = self.app.list_records(request.fonds_id, request.page_size,
                                          request.page_token)
            # One fonds' records: one holder, read once.
            holder = self.app.holder_of(found.rows[0]) if found.rows else None
            return pb.ListRecordsResponse(records=[self.record_pb(r, holder) for r in found.rows],
                                          next_page_token=found.next_token,
                                          total_size=found.total)

        return await asyncio.to_thread(page)

    async def GetFonds(self, request: pb.GetFondsRequest,  # noqa: N802
                       context: grpc.aio.ServicerContext) -> pb.Fonds:
        def get() -> pb.Fonds:
            fonds = self.app.fonds(request.fonds_id)
            return fonds_to_pb(fonds, len(self.app.books.records_of(fonds.id)))

        return await asyncio.to_thread(get)

    async def ListFonds(self, request: pb.ListFondsRequest,  # noqa: N802
                        context: grpc.aio.ServicerContext) -> pb.ListFondsResponse:
        def list_held() -> pb.ListFondsResponse:
            holder = parse_uuid(request.holder_unit_id, "holder_unit_id")
            return pb.ListFondsResponse(fonds=[
                fonds_to_pb(self.app.fonds(f), len(self.app.books.records_of(f)))
                for f in self.app.books.fonds_held_by(holder)])

        return await asyncio.to_thread(list_held)

    async def GetPreservationHistory(self, request: pb.GetPreservationHistoryRequest,  # noqa: N802
                                     context: grpc.aio.ServicerContext,
                                     ) -> pb.PreservationHistory:
        def history() -> pb.PreservationHistory:
            record = self.app.record(request.record_id)
            xml, count = premis_history(record, self.app.history(record.id))
            return pb.PreservationHistory(record_id=request.record_id, premis_xml=xml,
                                          events=count)

        return await asyncio.to_thread(history)

    async def CheckFixity(self, request: pb.CheckFixityRequest,  # noqa: N802
                          context: grpc.aio.ServicerContext) -> pb.FixityCheck:
        check = await asyncio.to_thread(self.app.check_fixity, request.record_id)
        return pb.FixityCheck(record_id=request.record_id, outcome=check["outcome"],
                              files_checked=check["files_checked"],
                              bytes_read=check["bytes_read"],
                              damaged_files=check["damaged_files"],
                              checked_at=timestamp_to_pb(check["checked_at"]))


class DigitizationServicer(_Servicer, pb_grpc.DigitizationServiceServicer):
    async def OpenBatch(self, request: pb.OpenBatchRequest,  # noqa: N802
                        context: grpc.aio.ServicerContext) -> pb.Batch:
        done = await asyncio.to_thread(self.app.open_batch, request.request_id,
                                       request.unit_id, request.label)
        return await self._batch(done["batch_id"])

    async def GetBatch(self, request: pb.GetBatchRequest,  # noqa: N802
                       context: grpc.aio.ServicerContext) -> pb.Batch:
        return await self._batch(request.batch_id)

    async def _batch(self, batch_id: str) -> pb.Batch:
        def get() -> pb.Batch:
            batch = self.app.batch(batch_id)
            counts = self.app.books.batch(batch.id)
            message = pb.Batch(batch_id=batch_id, unit_id=str(batch.unit_id),
                               label=batch.label, open_time=timestamp_to_pb(batch.created_on))
            if counts is not None:
                message.pages_captured = counts.captured
                message.pages_accepted = counts.accepted
                message.pages_sent_back = counts.sent_back
            return message

        return await asyncio.to_thread(get)

    async def CapturePage(self, request: pb.CapturePageRequest,  # noqa: N802
                          context: grpc.aio.ServicerContext) -> pb.Page:
        kind = enum_value(PAGE_KINDS, request.kind, "kind")

        def capture() -> pb.Page:
            done = self.app.capture_page(request.request_id, request.batch_id,
                                         request.record_id, request.sequence, kind,
                                         file_from_pb(request.image))
            page = self.app.page(done["page_id"])
            measures = page.measures
            return pb.Page(page_id=done["page_id"], batch_id=request.batch_id,
                           record_id=request.record_id, sequence=request.sequence,
                           accepted=done["accepted"],
                           findings=[pb.QualityFinding(**f) for f in done["findings"]],
                           dpi=min(measures.get("dpi") or [0.0]),
                           bits_per_pixel=measures.get("bits_per_pixel", 0),
                           skew_degrees=measures.get("skew_degrees", 0.0))

        return await asyncio.to_thread(capture)

    async def DigitizeRecord(self, request: pb.DigitizeRecordRequest,  # noqa: N802
                             context: grpc.aio.ServicerContext) -> pb.Record:
        await asyncio.to_thread(self.app.digitize, request.request_id, request.record_id)
        return await self._record(request.record_id)

    async def SealDigitizedCopy(self, request: pb.SealDigitizedCopyRequest,  # noqa: N802
                                context: grpc.aio.ServicerContext) -> pb.Record:
        await asyncio.to_thread(self.app.seal_copy, request.request_id, request.record_id,
                                request.credential_id, request.one_time_code)
        return await self._record(request.record_id)

    async def GetDigitizationProgress(  # noqa: N802
            self, request: pb.GetDigitizationProgressRequest,
            context: grpc.aio.ServicerContext) -> pb.DigitizationProgress:
        found = await asyncio.to_thread(self.app.progress, unit_id=request.unit_id,
                                        province_unit_id=request.province_unit_id)
        totals = found["totals"]
        return pb.DigitizationProgress(
            units=found["units"], paper_records=totals.paper_records,
            records_digitized=totals.records_digitized,
            share_digitized=found["share_digitized"], target_share=found["target_share"],
            target_date=date_to_pb(found["target_date"]),
            pages_captured=totals.pages_captured, pages_accepted=totals.pages_accepted,
            pages_sent_back=totals.pages_sent_back,
            failures_by_rule=dict(totals.failures_by_rule),
            records_preserved=totals.records_preserved)


class CustodyServicer(_Servicer, pb_grpc.CustodyServiceServicer):
    async def GetTransfer(self, request: pb.GetTransferRequest,  # noqa: N802
                          context: grpc.aio.ServicerContext) -> pb.Transfer:
        return await asyncio.to_thread(
            lambda: transfer_to_pb(self.app.transfer(request.transfer_id)))

    async def ListTransfers(self, request: pb.ListTransfersRequest,  # noqa: N802
                            context: grpc.aio.ServicerContext) -> pb.ListTransfersResponse:
        def list_of() -> pb.ListTransfersResponse:
            unit = parse_uuid(request.unit_id, "unit_id")
            return pb.ListTransfersResponse(transfers=[
                transfer_to_pb(self.app.transfer(t)) for t in self.app.books.transfers_of(unit)])

        return await asyncio.to_thread(list_of)

    async def SignTransfer(self, request: pb.SignTransferRequest,  # noqa: N802
                           context: grpc.aio.ServicerContext) -> pb.Transfer:
        await asyncio.to_thread(self.app.sign_transfer, request.request_id,
                                request.transfer_id, request.credential_id,
                                request.one_time_code)
        return await asyncio.to_thread(
            lambda: transfer_to_pb(self.app.transfer(request.transfer_id)))

    async def GetFixityStatus(self, request: pb.GetFixityStatusRequest,  # noqa: N802
                              context: grpc.aio.ServicerContext) -> pb.FixityStatus:
        status = await asyncio.to_thread(self.app.fixity_status, request.holder_unit_id)
        return pb.FixityStatus(**status)


def add_to_server(app: ArchiveApplication, server: grpc.aio.Server) -> list[str]:
    """Its archive, digitization and custody services, its audit log; its files when it
    has a file store."""
    pb_grpc.add_ArchiveServiceServicer_to_server(ArchiveServicer(app), server)
    pb_grpc.add_DigitizationServiceServicer_to_server(DigitizationServicer(app), server)
    pb_grpc.add_CustodyServiceServicer_to_server(CustodyServicer(app), server)
    names = [pb.DESCRIPTOR.services_by_name[name].full_name
             for name in ("ArchiveService", "DigitizationService", "CustodyService")]
    names += add_audit_service(app, server)
    if app.files is not None:
        names += add_file_service(FILES, app.files.store, server)
    return names
