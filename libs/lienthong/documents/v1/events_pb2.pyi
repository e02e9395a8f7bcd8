import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.type import date_pb2 as _date_pb2
from lienthong.documents.v1 import documents_pb2 as _documents_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class EventMetadata(_message.Message):
    __slots__ = ("actor", "actor_agency_code", "request_id", "correlation_id", "causation_id", "trace_id", "reason", "recorded_at", "caller")
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    ACTOR_AGENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    CORRELATION_ID_FIELD_NUMBER: _ClassVar[int]
    CAUSATION_ID_FIELD_NUMBER: _ClassVar[int]
    TRACE_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    RECORDED_AT_FIELD_NUMBER: _ClassVar[int]
    CALLER_FIELD_NUMBER: _ClassVar[int]
    actor: str
    actor_agency_code: str
    request_id: str
    correlation_id: str
    causation_id: str
    trace_id: str
    reason: str
    recorded_at: _timestamp_pb2.Timestamp
    caller: str
    def __init__(self, actor: _Optional[str] = ..., actor_agency_code: _Optional[str] = ..., request_id: _Optional[str] = ..., correlation_id: _Optional[str] = ..., causation_id: _Optional[str] = ..., trace_id: _Optional[str] = ..., reason: _Optional[str] = ..., recorded_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., caller: _Optional[str] = ...) -> None: ...

class DocumentDrafted(_message.Message):
    __slots__ = ("metadata", "document_id", "issuer_unit_id", "issuer_agency_code", "draft")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    ISSUER_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    ISSUER_AGENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    DRAFT_FIELD_NUMBER: _ClassVar[int]
    metadata: EventMetadata
    document_id: str
    issuer_unit_id: str
    issuer_agency_code: str
    draft: _documents_pb2.Draft
    def __init__(self, metadata: _Optional[_Union[EventMetadata, _Mapping]] = ..., document_id: _Optional[str] = ..., issuer_unit_id: _Optional[str] = ..., issuer_agency_code: _Optional[str] = ..., draft: _Optional[_Union[_documents_pb2.Draft, _Mapping]] = ...) -> None: ...

class DraftRevised(_message.Message):
    __slots__ = ("metadata", "document_id", "draft")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    DRAFT_FIELD_NUMBER: _ClassVar[int]
    metadata: EventMetadata
    document_id: str
    draft: _documents_pb2.Draft
    def __init__(self, metadata: _Optional[_Union[EventMetadata, _Mapping]] = ..., document_id: _Optional[str] = ..., draft: _Optional[_Union[_documents_pb2.Draft, _Mapping]] = ...) -> None: ...

class DraftSubmitted(_message.Message):
    __slots__ = ("metadata", "document_id", "draft_version")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    DRAFT_VERSION_FIELD_NUMBER: _ClassVar[int]
    metadata: EventMetadata
    document_id: str
    draft_version: int
    def __init__(self, metadata: _Optional[_Union[EventMetadata, _Mapping]] = ..., document_id: _Optional[str] = ..., draft_version: _Optional[int] = ...) -> None: ...

class DraftReturned(_message.Message):
    __slots__ = ("metadata", "document_id", "reason")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    metadata: EventMetadata
    document_id: str
    reason: str
    def __init__(self, metadata: _Optional[_Union[EventMetadata, _Mapping]] = ..., document_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class DocumentSignedByOfficial(_message.Message):
    __slots__ = ("metadata", "document_id", "signature")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    metadata: EventMetadata
    document_id: str
    signature: _documents_pb2.Signature
    def __init__(self, metadata: _Optional[_Union[EventMetadata, _Mapping]] = ..., document_id: _Optional[str] = ..., signature: _Optional[_Union[_documents_pb2.Signature, _Mapping]] = ...) -> None: ...

class DocumentNumbered(_message.Message):
    __slots__ = ("metadata", "document_id", "number", "notation", "series", "year", "numbered_at")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    NOTATION_FIELD_NUMBER: _ClassVar[int]
    SERIES_FIELD_NUMBER: _ClassVar[int]
    YEAR_FIELD_NUMBER: _ClassVar[int]
    NUMBERED_AT_FIELD_NUMBER: _ClassVar[int]
    metadata: EventMetadata
    document_id: str
    number: int
    notation: str
    series: str
    year: int
    numbered_at: _timestamp_pb2.Timestamp
    def __init__(self, metadata: _Optional[_Union[EventMetadata, _Mapping]] = ..., document_id: _Optional[str] = ..., number: _Optional[int] = ..., notation: _Optional[str] = ..., series: _Optional[str] = ..., year: _Optional[int] = ..., numbered_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class DocumentIssued(_message.Message):
    __slots__ = ("metadata", "document_id", "signature")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    metadata: EventMetadata
    document_id: str
    signature: _documents_pb2.Signature
    def __init__(self, metadata: _Optional[_Union[EventMetadata, _Mapping]] = ..., document_id: _Optional[str] = ..., signature: _Optional[_Union[_documents_pb2.Signature, _Mapping]] = ...) -> None: ...

class DocumentSent(_message.Message):
    __slots__ = ("metadata", "document_id", "recipients", "sent_at", "deliveries")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    RECIPIENTS_FIELD_NUMBER: _ClassVar[int]
    SENT_AT_FIELD_NUMBER: _ClassVar[int]
    DELIVERIES_FIELD_NUMBER: _ClassVar[int]
    metadata: EventMetadata
    document_id: str
    recipients: _containers.RepeatedScalarFieldContainer[str]
    sent_at: _timestamp_pb2.Timestamp
    deliveries: _containers.RepeatedCompositeFieldContainer[_documents_pb2.Delivery]
    def __init__(self, metadata: _Optional[_Union[EventMetadata, _Mapping]] = ..., document_id: _Optional[str] = ..., recipients: _Optional[_Iterable[str]] = ..., sent_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., deliveries: _Optional[_Iterable[_Union[_documents_pb2.Delivery, _Mapping]]] = ...) -> None: ...

class DocumentHandedToAxis(_message.Message):
    __slots__ = ("metadata", "document_id", "axis_doc_id", "edxml_document_id", "recipients", "handed_at")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    AXIS_DOC_ID_FIELD_NUMBER: _ClassVar[int]
    EDXML_DOCUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    RECIPIENTS_FIELD_NUMBER: _ClassVar[int]
    HANDED_AT_FIELD_NUMBER: _ClassVar[int]
    metadata: EventMetadata
    document_id: str
    axis_doc_id: str
    edxml_document_id: str
    recipients: _containers.RepeatedScalarFieldContainer[str]
    handed_at: _timestamp_pb2.Timestamp
    def __init__(self, metadata: _Optional[_Union[EventMetadata, _Mapping]] = ..., document_id: _Optional[str] = ..., axis_doc_id: _Optional[str] = ..., edxml_document_id: _Optional[str] = ..., recipients: _Optional[_Iterable[str]] = ..., handed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class DocumentExternalStatusReported(_message.Message):
    __slots__ = ("metadata", "document_id", "agency_code", "status_code", "description", "reported_at")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    AGENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    STATUS_CODE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    REPORTED_AT_FIELD_NUMBER: _ClassVar[int]
    metadata: EventMetadata
    document_id: str
    agency_code: str
    status_code: str
    description: str
    reported_at: _timestamp_pb2.Timestamp
    def __init__(self, metadata: _Optional[_Union[EventMetadata, _Mapping]] = ..., document_id: _Optional[str] = ..., agency_code: _Optional[str] = ..., status_code: _Optional[str] = ..., description: _Optional[str] = ..., reported_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class DocumentRecallRequested(_message.Message):
    __slots__ = ("metadata", "document_id", "reason")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    metadata: EventMetadata
    document_id: str
    reason: str
    def __init__(self, metadata: _Optional[_Union[EventMetadata, _Mapping]] = ..., document_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class DocumentRecallRefused(_message.Message):
    __slots__ = ("metadata", "document_id", "agency_code", "reason")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    AGENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    metadata: EventMetadata
    document_id: str
    agency_code: str
    reason: str
    def __init__(self, metadata: _Optional[_Union[EventMetadata, _Mapping]] = ..., document_id: _Optional[str] = ..., agency_code: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class DocumentRecalled(_message.Message):
    __slots__ = ("metadata", "document_id", "reason")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    metadata: EventMetadata
    document_id: str
    reason: str
    def __init__(self, metadata: _Optional[_Union[EventMetadata, _Mapping]] = ..., document_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class DocumentRevoked(_message.Message):
    __slots__ = ("metadata", "document_id", "reason")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    metadata: EventMetadata
    document_id: str
    reason: str
    def __init__(self, metadata: _Optional[_Union[EventMetadata, _Mapping]] = ..., document_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class DocumentReplaced(_message.Message):
    __slots__ = ("metadata", "document_id", "replaced_by", "reason")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    REPLACED_BY_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    metadata: EventMetadata
    document_id: str
    replaced_by: str
    reason: str
    def __init__(self, metadata: _Optional[_Union[EventMetadata, _Mapping]] = ..., document_id: _Optional[str] = ..., replaced_by: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class IncomingArrived(_message.Message):
    __slots__ = ("metadata", "incoming_id", "recipient_unit_id", "recipient_agency_code", "sent", "route", "arrived_at", "files")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    INCOMING_ID_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_AGENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    SENT_FIELD_NUMBER: _ClassVar[int]
    ROUTE_FIELD_NUMBER: _ClassVar[int]
    ARRIVED_AT_FIELD_NUMBER: _ClassVar[int]
    FILES_FIELD_NUMBER: _ClassVar[int]
    metadata: EventMetadata
    incoming_id: str
    recipient_unit_id: str
    recipient_agency_code: str
    sent: _documents_pb2.SentDocument
    route: _containers.RepeatedScalarFieldContainer[str]
    arrived_at: _timestamp_pb2.Timestamp
    files: _containers.RepeatedCompositeFieldContainer[_documents_pb2.FileRef]
    def __init__(self, metadata: _Optional[_Union[EventMetadata, _Mapping]] = ..., incoming_id: _Optional[str] = ..., recipient_unit_id: _Optional[str] = ..., recipient_agency_code: _Optional[str] = ..., sent: _Optional[_Union[_documents_pb2.SentDocument, _Mapping]] = ..., route: _Optional[_Iterable[str]] = ..., arrived_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., files: _Optional[_Iterable[_Union[_documents_pb2.FileRef, _Mapping]]] = ...) -> None: ...

class IncomingRegistered(_message.Message):
    __slots__ = ("metadata", "incoming_id", "number", "year", "series")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    INCOMING_ID_FIELD_NUMBER: _ClassVar[int]
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    YEAR_FIELD_NUMBER: _ClassVar[int]
    SERIES_FIELD_NUMBER: _ClassVar[int]
    metadata: EventMetadata
    incoming_id: str
    number: int
    year: int
    series: str
    def __init__(self, metadata: _Optional[_Union[EventMetadata, _Mapping]] = ..., incoming_id: _Optional[str] = ..., number: _Optional[int] = ..., year: _Optional[int] = ..., series: _Optional[str] = ...) -> None: ...

class IncomingRefused(_message.Message):
    __slots__ = ("metadata", "incoming_id", "reason")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    INCOMING_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    metadata: EventMetadata
    incoming_id: str
    reason: str
    def __init__(self, metadata: _Optional[_Union[EventMetadata, _Mapping]] = ..., incoming_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class IncomingAssigned(_message.Message):
    __slots__ = ("metadata", "incoming_id", "handler", "deadline")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    INCOMING_ID_FIELD_NUMBER: _ClassVar[int]
    HANDLER_FIELD_NUMBER: _ClassVar[int]
    DEADLINE_FIELD_NUMBER: _ClassVar[int]
    metadata: EventMetadata
    incoming_id: str
    handler: str
    deadline: _date_pb2.Date
    def __init__(self, metadata: _Optional[_Union[EventMetadata, _Mapping]] = ..., incoming_id: _Optional[str] = ..., handler: _Optional[str] = ..., deadline: _Optional[_Union[_date_pb2.Date, _Mapping]] = ...) -> None: ...

class IncomingCompleted(_message.Message):
    __slots__ = ("metadata", "incoming_id", "completed_at")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    INCOMING_ID_FIELD_NUMBER: _ClassVar[int]
    COMPLETED_AT_FIELD_NUMBER: _ClassVar[int]
    metadata: EventMetadata
    incoming_id: str
    completed_at: _timestamp_pb2.Timestamp
    def __init__(self, metadata: _Optional[_Union[EventMetadata, _Mapping]] = ..., incoming_id: _Optional[str] = ..., completed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class IncomingRecallAsked(_message.Message):
    __slots__ = ("metadata", "incoming_id", "reason")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    INCOMING_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    metadata: EventMetadata
    incoming_id: str
    reason: str
    def __init__(self, metadata: _Optional[_Union[EventMetadata, _Mapping]] = ..., incoming_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class IncomingRecallAgreed(_message.Message):
    __slots__ = ("metadata", "incoming_id")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    INCOMING_ID_FIELD_NUMBER: _ClassVar[int]
    metadata: EventMetadata
    incoming_id: str
    def __init__(self, metadata: _Optional[_Union[EventMetadata, _Mapping]] = ..., incoming_id: _Optional[str] = ...) -> None: ...

class IncomingRecallRefused(_message.Message):
    __slots__ = ("metadata", "incoming_id", "reason")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    INCOMING_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    metadata: EventMetadata
    incoming_id: str
    reason: str
    def __init__(self, metadata: _Optional[_Union[EventMetadata, _Mapping]] = ..., incoming_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...
