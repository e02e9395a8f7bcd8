"""The gRPC face of the documents application: translation only.

Protobuf in, primitives to the application, aggregates and rows back out as protobuf.
Errors travel as lienthong errors and the interceptor turns them into statuses.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from lienthong.audit.servicer import add_audit_service
from lienthong.documents.v1 import documents_pb2 as pb
from lienthong.documents.v1 import documents_pb2_grpc as pb_grpc
from lienthong.errors import InvalidArgument
from lienthong.grpc.convert import date_from_pb, date_to_pb, id_to_pb, timestamp_to_pb

from .convert import (
    AUTHORITIES,
    CONFIDENTIALITIES,
    DOCUMENT_STATES,
    INCOMING_STATES,
    URGENCIES,
    delivery_to_pb,
    draft_to_pb,
    file_to_pb,
    sent_to_pb,
    signature_to_pb,
)
from .drafts import DraftInput
from .files_api import add_files_to_server

if TYPE_CHECKING:
    import grpc

    from .application import DocumentsApplication
    from .domain.incoming import IncomingDocument
    from .domain.outgoing import OutgoingDocument
    from .projections import IncomingRow, OutgoingRow


def enum_value(table: dict[int, str], value: int, field: str) -> str:
    if value not in table:
        raise InvalidArgument.single(field, "ENUM_VALUE", f"unknown value {value}")
    return table[value]


# -- in ----------------------------------------------------------------------------------

def file_from_pb(message: pb.FileRef) -> dict[str, Any]:
    return {"name": message.name, "object_name": message.object_name, "size": message.size,
            "sha256": message.sha256, "content_type": message.content_type}


def draft_from_pb(message: pb.Draft) -> DraftInput:
    return DraftInput(
        document_type=message.document_type, subject=message.subject,
        issuer_notation=message.issuer_notation, drafting_unit=message.drafting_unit,
        signer_id=message.signer.official_id, signer_name=message.signer.full_name,
        signer_position=message.signer.position,
        authority=enum_value(AUTHORITIES, message.signer.authority, "draft.signer.authority"),
        recipients=tuple(message.recipients),
        urgency=enum_value(URGENCIES, message.urgency, "draft.urgency"),
        confidentiality=enum_value(CONFIDENTIALITIES, message.confidentiality,
                                   "draft.confidentiality"),
        deadline=date_from_pb(message.deadline, "draft.deadline"),
        legal_normative=message.legal_normative,
        files=tuple(file_from_pb(f) for f in message.files))


def sent_from_pb(message: pb.SentDocument) -> dict[str, str]:
    sent = {"sender_agency_code": message.sender_agency_code, "notation": message.notation,
            "subject": message.subject,
            "confidentiality": enum_value(CONFIDENTIALITIES, message.confidentiality,
                                          "sent.confidentiality"),
            "urgency": enum_value(URGENCIES, message.urgency, "sent.urgency")}
    deadline = date_from_pb(message.deadline, "sent.deadline")
    optional = {"document_type": message.document_type,
                "deadline": deadline.isoformat() if deadline else "",
                "edxml_document_id": message.edxml_document_id}
    sent.update({key: value for key, value in optional.items() if value})
    return sent


# -- out ---------------------------------------------------------------------------------

def document_to_pb(document: OutgoingDocument, statuses: dict[str, str]) -> pb.OutgoingDocument:
    return pb.OutgoingDocument(
        document_id=id_to_pb(document.id), issuer_unit_id=id_to_pb(document.issuer_unit_id),
        issuer_agency_code=document.issuer_agency_code, state=DOCUMENT_STATES[document.state],
        draft=draft_to_pb(document.draft, document.version_files[-1]),
        draft_version=document.draft_version,
        signatures=[signature_to_pb(s.signer, s.certificate_serial, s.signed_at,
                                    s.file.as_dict()) for s in document.signatures],
        number=document.number, notation=document.notation, series=document.series,
        year=document.year, numbered_at=timestamp_to_pb(document.numbered_at),
        deliveries=[delivery_to_pb(d, statuses.get(d["incoming_id"], "") if d["incoming_id"]
                                   else document.external_statuses.get(d["addressed_to"], ""))
                    for d in document.deliveries],
        axis_doc_id=document.axis_doc_id,
        sent_at=timestamp_to_pb(document.sent_at), closing_reason=document.closing_reason,
        replaced_by=id_to_pb(document.replaced_by) if document.replaced_by else "")


def incoming_to_pb(incoming: IncomingDocument) -> pb.IncomingDocument:
    return pb.IncomingDocument(
        incoming_id=id_to_pb(incoming.id), recipient_unit_id=id_to_pb(incoming.recipient_unit_id),
        recipient_agency_code=incoming.recipient_agency_code,
        state=INCOMING_STATES[incoming.state], status_code=incoming.status_code,
        sent=sent_to_pb(incoming.sent), route=incoming.route,
        arrived_at=timestamp_to_pb(incoming.arrived_at),
        number=incoming.number, year=incoming.year, series=incoming.series,
        handler=incoming.handler, deadline=date_to_pb(incoming.deadline),
        refusal=incoming.refusal, completed_at=timestamp_to_pb(incoming.completed_at),
        files=[file_to_pb(f) for f in incoming.files])


def outgoing_entry_to_pb(row: OutgoingRow) -> pb.OutgoingBookEntry:
    return pb.OutgoingBookEntry(
        document_id=id_to_pb(row.document_id), series=row.series, number=row.number,
        notation=row.notation, document_type=row.document_type, subject=row.subject,
        numbered_at=timestamp_to_pb(row.numbered_at), state=DOCUMENT_STATES[row.state])


def incoming_entry_to_pb(row: IncomingRow, overdue: bool) -> pb.IncomingBookEntry:
    return pb.IncomingBookEntry(
        incoming_id=id_to_pb(row.incoming_id), series=row.series, number=row.number,
        sender_agency_code=row.sender_agency_code, notation=row.notation, subject=row.subject,
        arrived_at=timestamp_to_pb(row.arrived_at), state=INCOMING_STATES[row.state],
        handler=row.handler, deadline=date_to_pb(row.deadline), overdue=overdue)


# -- the services ------------------------------------------------------------------------

class DocumentServicer(pb_grpc.DocumentServiceServicer):
    def __init__(self, app: DocumentsApplication) -> None:
        self.app = app

    async def _answer(self, document_id: str) -> pb.OutgoingDocument:
        def read() -> pb.OutgoingDocument:
            document = self.app.document(document_id)
            statuses = {str(d.incoming_id): code for d, code in
                        self.app.books.where_sent(document.id) if d.incoming_id}
            return document_to_pb(document, statuses)

        return await asyncio.to_thread(read)

    async def CreateDraft(self, request: pb.CreateDraftRequest,  # noqa: N802
                          context: grpc.aio.ServicerContext) -> pb.OutgoingDocument:
        created = await asyncio.to_thread(self.app.create_draft, request.request_id,
                                          request.unit_id, draft_from_pb(request.draft))
        return await self._answer(created["document_id"])

    async def ReviseDraft(self, request: pb.ReviseDraftRequest,  # noqa: N802
                          context: grpc.aio.ServicerContext) -> pb.OutgoingDocument:
        await asyncio.to_thread(self.app.revise_draft, request.request_id,
                                request.document_id, draft_from_pb(request.draft))
        return await self._answer(request.document_id)

    async def SubmitDraft(self, request: pb.SubmitDraftRequest,  # noqa: N802
                          context: grpc.aio.ServicerContext) -> pb.OutgoingDocument:
        await asyncio.to_thread(self.app.submit, request.request_id, request.document_id)
        return await self._answer(request.document_id)

    async def ReturnDraft(self, request: pb.ReturnDraftRequest,  # noqa: N802
                          context: grpc.aio.ServicerContext) -> pb.OutgoingDocument:
        await asyncio.to_thread(self.app.return_to_draft, request.request_id,
                                request.document_id, request.reason)
        return await self._answer(request.document_id)

    async def RecordOfficialSignature(  # noqa: N802
            self, request: pb.RecordOfficialSignatureRequest,
            context: grpc.aio.ServicerContext) -> pb.OutgoingDocument:
        await asyncio.to_thread(self.app.record_official_signature, request.request_id,
                                request.document_id, file_from_pb(request.signed_file))
        return await self._answer(request.document_id)

    async def NumberDocument(self, request: pb.NumberDocumentRequest,  # noqa: N802
                             context: grpc.aio.ServicerContext) -> pb.OutgoingDocument:
        await asyncio.to_thread(self.app.give_number, request.request_id, request.document_id)
        return await self._answer(request.document_id)

    async def RecordAgencySignature(  # noqa: N802
            self, request: pb.RecordAgencySignatureRequest,
            context: grpc.aio.ServicerContext) -> pb.OutgoingDocument:
        await asyncio.to_thread(self.app.record_agency_signature, request.request_id,
                                request.document_id, file_from_pb(request.signed_file))
        return await self._answer(request.document_id)

    async def SendDocument(self, request: pb.SendDocumentRequest,  # noqa: N802
                           context: grpc.aio.ServicerContext) -> pb.OutgoingDocument:
        await asyncio.to_thread(self.app.send, request.request_id, request.document_id)
        return await self._answer(request.document_id)

    async def RecallDocument(self, request: pb.RecallDocumentRequest,  # noqa: N802
                             context: grpc.aio.ServicerContext) -> pb.OutgoingDocument:
        await asyncio.to_thread(self.app.recall, request.request_id, request.document_id,
                                request.reason)
        return await self._answer(request.document_id)

    async def RevokeDocument(self, request: pb.RevokeDocumentRequest,  # noqa: N802
                             context: grpc.aio.ServicerContext) -> pb.OutgoingDocument:
        await asyncio.to_thread(self.app.revoke, request.request_id, request.document_id,
                                request.reason)
        return await self._answer(request.document_id)

    async def ReplaceDocument(self, request: pb.ReplaceDocumentRequest,  # noqa: N802
                              context: grpc.aio.ServicerContext) -> pb.OutgoingDocument:
        await asyncio.to_thread(self.app.replace, request.request_id, request.document_id,
                                request.replacement_id, request.reason)
        return await self._answer(request.document_id)

    async def GetDocument(self, request: pb.GetDocumentRequest,  # noqa: N802
                          context: grpc.aio.ServicerContext) -> pb.OutgoingDocument:
        return await self._answer(request.document_id)

    async def ListOutgoingBook(  # noqa: N802
            self, request: pb.ListOutgoingBookRequest,
            context: grpc.aio.ServicerContext) -> pb.ListOutgoingBookResponse:
        page = await asyncio.to_thread(self.app.outgoing_book, request.unit_id, request.year,
                                       request.page_size, request.page_token)
        return pb.ListOutgoingBookResponse(
            entries=[outgoing_entry_to_pb(row) for row in page.rows],
            next_page_token=page.next_token, total_size=page.total)


class IncomingServicer(pb_grpc.IncomingServiceServicer):
    def __init__(self, app: DocumentsApplication) -> None:
        self.app = app

    async def _answer(self, incoming_id: str) -> pb.IncomingDocument:
        return incoming_to_pb(await asyncio.to_thread(self.app.incoming, incoming_id))

    async def ReceiveFromOutside(self, request: pb.ReceiveFromOutsideRequest,  # noqa: N802
                                 context: grpc.aio.ServicerContext) -> pb.IncomingDocument:
        received = await asyncio.to_thread(self.app.receive_from_outside, request.request_id,
                                           request.unit_id, sent_from_pb(request.sent))
        return await self._answer(received["incoming_id"])

    async def RegisterIncoming(self, request: pb.RegisterIncomingRequest,  # noqa: N802
                               context: grpc.aio.ServicerContext) -> pb.IncomingDocument:
        await asyncio.to_thread(self.app.register_arrived, request.request_id,
                                request.incoming_id)
        return await self._answer(request.incoming_id)

    async def RefuseIncoming(self, request: pb.RefuseIncomingRequest,  # noqa: N802
                             context: grpc.aio.ServicerContext) -> pb.IncomingDocument:
        await asyncio.to_thread(self.app.refuse_arrived, request.request_id,
                                request.incoming_id, request.reason)
        return await self._answer(request.incoming_id)

    async def AssignIncoming(self, request: pb.AssignIncomingRequest,  # noqa: N802
                             context: grpc.aio.ServicerContext) -> pb.IncomingDocument:
        await asyncio.to_thread(self.app.assign_incoming, request.request_id,
                                request.incoming_id, request.handler,
                                date_from_pb(request.deadline, "deadline"))
        return await self._answer(request.incoming_id)

    async def CompleteIncoming(self, request: pb.CompleteIncomingRequest,  # noqa: N802
                               context: grpc.aio.ServicerContext) -> pb.IncomingDocument:
        await asyncio.to_thread(self.app.complete_incoming, request.request_id,
                                request.incoming_id)
        return await self._answer(request.incoming_id)

    async def AnswerRecall(self, request: pb.AnswerRecallRequest,  # noqa: N802
                           context: grpc.aio.ServicerContext) -> pb.IncomingDocument:
        await asyncio.to_thread(self.app.answer_recall, request.request_id,
                                request.incoming_id, request.agree, request.reason)
        return await self._answer(request.incoming_id)

    async def GetIncoming(self, request: pb.GetIncomingRequest,  # noqa: N802
                          context: grpc.aio.ServicerContext) -> pb.IncomingDocument:
        return await self._answer(request.incoming_id)

    async def ListArrived(self, request: pb.ListArrivedRequest,  # noqa: N802
                          context: grpc.aio.ServicerContext) -> pb.ListArrivedResponse:
        page = await asyncio.to_thread(self.app.arrived, request.unit_id, request.page_size,
                                       request.page_token)
        return pb.ListArrivedResponse(
            entries=[incoming_entry_to_pb(row, False) for row in page.rows],
            next_page_token=page.next_token, total_size=page.total)

    async def ListIncomingBook(  # noqa: N802
            self, request: pb.ListIncomingBookRequest,
            context: grpc.aio.ServicerContext) -> pb.ListIncomingBookResponse:
        page = await asyncio.to_thread(self.app.incoming_book, request.unit_id, request.year,
                                       request.page_size, request.page_token)
        return pb.ListIncomingBookResponse(
            entries=[incoming_entry_to_pb(row, self.app.is_overdue(row)) for row in page.rows],
            next_page_token=page.next_token, total_size=page.total)

    async def ListAwaiting(self, request: pb.ListAwaitingRequest,  # noqa: N802
                           context: grpc.aio.ServicerContext) -> pb.ListAwaitingResponse:
        page, overdue = await asyncio.to_thread(self.app.awaiting, request.handler,
                                                request.page_size, request.page_token)
        return pb.ListAwaitingResponse(
            entries=[incoming_entry_to_pb(row, self.app.is_overdue(row)) for row in page.rows],
            next_page_token=page.next_token, total_size=page.total, overdue_size=overdue)

    async def GetExchangeCounts(self, request: pb.GetExchangeCountsRequest,  # noqa: N802
                                context: grpc.aio.ServicerContext) -> pb.ExchangeCounts:
        counts = await asyncio.to_thread(self.app.exchange_counts, request.unit_id)
        return pb.ExchangeCounts(unit_id=request.unit_id, sent=counts.sent,
                                 received=counts.received)


def add_to_server(app: DocumentsApplication, server: grpc.aio.Server) -> list[str]:
    """Its documents, incoming books and audit log; its files when it has a file store."""
    pb_grpc.add_DocumentServiceServicer_to_server(DocumentServicer(app), server)
    pb_grpc.add_IncomingServiceServicer_to_server(IncomingServicer(app), server)
    names = [pb.DESCRIPTOR.services_by_name["DocumentService"].full_name,
             pb.DESCRIPTOR.services_by_name["IncomingService"].full_name,
             *add_audit_service(app, server)]
    if app.files is not None:
        names += add_files_to_server(app.files.store, server)
    return names
