"""The events the documents service publishes (``lienthong/documents/v1/events.proto``).

Every event of an outgoing or an incoming document is published; the units it learns
from identity, its number series (each number is published with the document it went
to) and the request records of AIP-155 retries are not.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lienthong.documents.v1 import events_pb2 as ev
from lienthong.events.contract import Contract, PublishedEvent, fill_metadata
from lienthong.grpc.convert import date_to_pb, id_to_pb, timestamp_to_pb

from .convert import delivery_to_pb, draft_to_pb, file_to_pb, sent_to_pb, signature_to_pb

if TYPE_CHECKING:
    from google.protobuf.message import Message


def _with_metadata(message: Message, event: Any) -> Message:
    fill_metadata(message.metadata, event)  # type: ignore[attr-defined]
    return message


def _document(e: Any) -> str:
    return id_to_pb(e.originator_id)


def drafted(e: Any) -> Message:
    return _with_metadata(ev.DocumentDrafted(
        document_id=_document(e), issuer_unit_id=id_to_pb(e.issuer_unit_id),
        issuer_agency_code=e.issuer_agency_code, draft=draft_to_pb(e.draft, e.files)), e)


def revised(e: Any) -> Message:
    return _with_metadata(ev.DraftRevised(document_id=_document(e),
                                          draft=draft_to_pb(e.draft, e.files)), e)


def submitted(e: Any) -> Message:
    return _with_metadata(ev.DraftSubmitted(document_id=_document(e),
                                            draft_version=e.draft_version), e)


def returned(e: Any) -> Message:
    return _with_metadata(ev.DraftReturned(document_id=_document(e), reason=e.reason), e)


def signed_by_official(e: Any) -> Message:
    return _with_metadata(ev.DocumentSignedByOfficial(
        document_id=_document(e),
        signature=signature_to_pb(e.official_id, e.certificate_serial, e.signed_at, e.file)), e)


def numbered(e: Any) -> Message:
    return _with_metadata(ev.DocumentNumbered(
        document_id=_document(e), number=e.number, notation=e.notation, series=e.series,
        year=e.year, numbered_at=timestamp_to_pb(e.numbered_at)), e)


def issued(e: Any) -> Message:
    return _with_metadata(ev.DocumentIssued(
        document_id=_document(e),
        signature=signature_to_pb(e.agency_code, e.certificate_serial, e.signed_at, e.file)),
        e)


def sent(e: Any) -> Message:
    return _with_metadata(ev.DocumentSent(
        document_id=_document(e), recipients=e.recipients, sent_at=timestamp_to_pb(e.sent_at),
        deliveries=[delivery_to_pb(d) for d in e.deliveries]), e)



def handed_to_axis(e: Any) -> Message:
    return _with_metadata(ev.DocumentHandedToAxis(
        document_id=_document(e), axis_doc_id=e.axis_doc_id,
        edxml_document_id=e.edxml_document_id, recipients=e.recipients,
        handed_at=timestamp_to_pb(e.handed_at)), e)


def external_status_reported(e: Any) -> Message:
    return _with_metadata(ev.DocumentExternalStatusReported(
        document_id=_document(e), agency_code=e.agency_code, status_code=e.status_code,
        description=e.description, reported_at=timestamp_to_pb(e.reported_at)), e)

def recall_requested(e: Any) -> Message:
    return _with_metadata(ev.DocumentRecallRequested(document_id=_document(e),
                                                     reason=e.reason), e)


def recall_refused(e: Any) -> Message:
    return _with_metadata(ev.DocumentRecallRefused(
        document_id=_document(e), agency_code=e.agency_code, reason=e.reason), e)


def recall_asked(e: Any) -> Message:
    return _with_metadata(ev.IncomingRecallAsked(incoming_id=_document(e), reason=e.reason),
                          e)


def recall_agreed(e: Any) -> Message:
    return _with_metadata(ev.IncomingRecallAgreed(incoming_id=_document(e)), e)


def recall_kept(e: Any) -> Message:
    return _with_metadata(ev.IncomingRecallRefused(incoming_id=_document(e),
                                                   reason=e.reason), e)


def recalled(e: Any) -> Message:
    return _with_metadata(ev.DocumentRecalled(document_id=_document(e), reason=e.reason), e)


def revoked(e: Any) -> Message:
    return _with_metadata(ev.DocumentRevoked(document_id=_document(e), reason=e.reason), e)


def replaced(e: Any) -> Message:
    return _with_metadata(ev.DocumentReplaced(
        document_id=_document(e), replaced_by=id_to_pb(e.document_id), reason=e.reason), e)


def arrived(e: Any) -> Message:
    return _with_metadata(ev.IncomingArrived(
        incoming_id=_document(e), recipient_unit_id=id_to_pb(e.recipient_unit_id),
        recipient_agency_code=e.recipient_agency_code, sent=sent_to_pb(e.sent),
        route=e.route, arrived_at=timestamp_to_pb(e.arrived_at),
        files=[file_to_pb(f) for f in getattr(e, "files", None) or []]), e)


def registered(e: Any) -> Message:
    return _with_metadata(ev.IncomingRegistered(
        incoming_id=_document(e), number=e.number, year=e.year, series=e.series), e)


def refused(e: Any) -> Message:
    return _with_metadata(ev.IncomingRefused(incoming_id=_document(e), reason=e.reason), e)


def assigned(e: Any) -> Message:
    return _with_metadata(ev.IncomingAssigned(
        incoming_id=_document(e), handler=e.handler, deadline=date_to_pb(e.deadline)), e)


def completed(e: Any) -> Message:
    return _with_metadata(ev.IncomingCompleted(
        incoming_id=_document(e), completed_at=timestamp_to_pb(e.completed_at)), e)


_OUTGOING = "outgoing_document"
_INCOMING = "incoming_document"
CONTRACT = Contract("documents", [
    PublishedEvent("OutgoingDocument.Drafted", _OUTGOING, "DocumentDrafted", drafted),
    PublishedEvent("OutgoingDocument.Revised", _OUTGOING, "DraftRevised", revised),
    PublishedEvent("OutgoingDocument.Submitted", _OUTGOING, "DraftSubmitted", submitted),
    PublishedEvent("OutgoingDocument.Returned", _OUTGOING, "DraftReturned", returned),
    PublishedEvent("OutgoingDocument.SignedByOfficial", _OUTGOING, "DocumentSignedByOfficial",
                   signed_by_official),
    PublishedEvent("OutgoingDocument.Numbered", _OUTGOING, "DocumentNumbered", numbered),
    PublishedEvent("OutgoingDocument.Issued", _OUTGOING, "DocumentIssued", issued),
    PublishedEvent("OutgoingDocument.Sent", _OUTGOING, "DocumentSent", sent),
    PublishedEvent("OutgoingDocument.HandedToAxis", _OUTGOING, "DocumentHandedToAxis",
                   handed_to_axis),
    PublishedEvent("OutgoingDocument.ExternalStatusReported", _OUTGOING,
                   "DocumentExternalStatusReported", external_status_reported),
    PublishedEvent("OutgoingDocument.RecallRequested", _OUTGOING, "DocumentRecallRequested",
                   recall_requested),
    PublishedEvent("OutgoingDocument.RecallRefused", _OUTGOING, "DocumentRecallRefused",
                   recall_refused),
    PublishedEvent("OutgoingDocument.Recalled", _OUTGOING, "DocumentRecalled", recalled),
    PublishedEvent("OutgoingDocument.Revoked", _OUTGOING, "DocumentRevoked", revoked),
    PublishedEvent("OutgoingDocument.Replaced", _OUTGOING, "DocumentReplaced", replaced),
    PublishedEvent("IncomingDocument.Arrived", _INCOMING, "IncomingArrived", arrived),
    PublishedEvent("IncomingDocument.Registered", _INCOMING, "IncomingRegistered", registered),
    PublishedEvent("IncomingDocument.Refused", _INCOMING, "IncomingRefused", refused),
    PublishedEvent("IncomingDocument.Assigned", _INCOMING, "IncomingAssigned", assigned),
    PublishedEvent("IncomingDocument.Completed", _INCOMING, "IncomingCompleted", completed),
    PublishedEvent("IncomingDocument.RecallAsked", _INCOMING, "IncomingRecallAsked",
                   recall_asked),
    PublishedEvent("IncomingDocument.RecallAgreed", _INCOMING, "IncomingRecallAgreed",
                   recall_agreed),
    PublishedEvent("IncomingDocument.RecallRefused", _INCOMING, "IncomingRecallRefused",
                   recall_kept),
])
"""The documents service's published events, for its outbox relay."""
