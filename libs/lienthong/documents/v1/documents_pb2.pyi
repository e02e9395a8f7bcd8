import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.type import date_pb2 as _date_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class AuthorityPrefix(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    AUTHORITY_PREFIX_UNSPECIFIED: _ClassVar[AuthorityPrefix]
    AUTHORITY_PREFIX_TM: _ClassVar[AuthorityPrefix]
    AUTHORITY_PREFIX_KT: _ClassVar[AuthorityPrefix]
    AUTHORITY_PREFIX_TL: _ClassVar[AuthorityPrefix]
    AUTHORITY_PREFIX_TUQ: _ClassVar[AuthorityPrefix]
    AUTHORITY_PREFIX_Q: _ClassVar[AuthorityPrefix]

class Urgency(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    URGENCY_UNSPECIFIED: _ClassVar[Urgency]
    URGENCY_URGENT: _ClassVar[Urgency]
    URGENCY_VERY_URGENT: _ClassVar[Urgency]
    URGENCY_IMMEDIATE: _ClassVar[Urgency]

class Confidentiality(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CONFIDENTIALITY_UNSPECIFIED: _ClassVar[Confidentiality]
    CONFIDENTIALITY_CONFIDENTIAL: _ClassVar[Confidentiality]
    CONFIDENTIALITY_SECRET: _ClassVar[Confidentiality]
    CONFIDENTIALITY_TOP_SECRET: _ClassVar[Confidentiality]

class DocumentState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DOCUMENT_STATE_UNSPECIFIED: _ClassVar[DocumentState]
    DOCUMENT_STATE_DRAFT: _ClassVar[DocumentState]
    DOCUMENT_STATE_SUBMITTED: _ClassVar[DocumentState]
    DOCUMENT_STATE_SIGNED: _ClassVar[DocumentState]
    DOCUMENT_STATE_NUMBERED: _ClassVar[DocumentState]
    DOCUMENT_STATE_ISSUED: _ClassVar[DocumentState]
    DOCUMENT_STATE_SENT: _ClassVar[DocumentState]
    DOCUMENT_STATE_RECALLED: _ClassVar[DocumentState]
    DOCUMENT_STATE_REVOKED: _ClassVar[DocumentState]
    DOCUMENT_STATE_REPLACED: _ClassVar[DocumentState]
    DOCUMENT_STATE_RECALL_REQUESTED: _ClassVar[DocumentState]

class IncomingState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    INCOMING_STATE_UNSPECIFIED: _ClassVar[IncomingState]
    INCOMING_STATE_ARRIVED: _ClassVar[IncomingState]
    INCOMING_STATE_REFUSED: _ClassVar[IncomingState]
    INCOMING_STATE_REGISTERED: _ClassVar[IncomingState]
    INCOMING_STATE_ASSIGNED: _ClassVar[IncomingState]
    INCOMING_STATE_COMPLETED: _ClassVar[IncomingState]
    INCOMING_STATE_RECALLED: _ClassVar[IncomingState]
AUTHORITY_PREFIX_UNSPECIFIED: AuthorityPrefix
AUTHORITY_PREFIX_TM: AuthorityPrefix
AUTHORITY_PREFIX_KT: AuthorityPrefix
AUTHORITY_PREFIX_TL: AuthorityPrefix
AUTHORITY_PREFIX_TUQ: AuthorityPrefix
AUTHORITY_PREFIX_Q: AuthorityPrefix
URGENCY_UNSPECIFIED: Urgency
URGENCY_URGENT: Urgency
URGENCY_VERY_URGENT: Urgency
URGENCY_IMMEDIATE: Urgency
CONFIDENTIALITY_UNSPECIFIED: Confidentiality
CONFIDENTIALITY_CONFIDENTIAL: Confidentiality
CONFIDENTIALITY_SECRET: Confidentiality
CONFIDENTIALITY_TOP_SECRET: Confidentiality
DOCUMENT_STATE_UNSPECIFIED: DocumentState
DOCUMENT_STATE_DRAFT: DocumentState
DOCUMENT_STATE_SUBMITTED: DocumentState
DOCUMENT_STATE_SIGNED: DocumentState
DOCUMENT_STATE_NUMBERED: DocumentState
DOCUMENT_STATE_ISSUED: DocumentState
DOCUMENT_STATE_SENT: DocumentState
DOCUMENT_STATE_RECALLED: DocumentState
DOCUMENT_STATE_REVOKED: DocumentState
DOCUMENT_STATE_REPLACED: DocumentState
DOCUMENT_STATE_RECALL_REQUESTED: DocumentState
INCOMING_STATE_UNSPECIFIED: IncomingState
INCOMING_STATE_ARRIVED: IncomingState
INCOMING_STATE_REFUSED: IncomingState
INCOMING_STATE_REGISTERED: IncomingState
INCOMING_STATE_ASSIGNED: IncomingState
INCOMING_STATE_COMPLETED: IncomingState
INCOMING_STATE_RECALLED: IncomingState

class FileRef(_message.Message):
    __slots__ = ("name", "object_name", "size", "sha256", "content_type")
    NAME_FIELD_NUMBER: _ClassVar[int]
    OBJECT_NAME_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    name: str
    object_name: str
    size: int
    sha256: str
    content_type: str
    def __init__(self, name: _Optional[str] = ..., object_name: _Optional[str] = ..., size: _Optional[int] = ..., sha256: _Optional[str] = ..., content_type: _Optional[str] = ...) -> None: ...

class Signer(_message.Message):
    __slots__ = ("official_id", "full_name", "position", "authority")
    OFFICIAL_ID_FIELD_NUMBER: _ClassVar[int]
    FULL_NAME_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    AUTHORITY_FIELD_NUMBER: _ClassVar[int]
    official_id: str
    full_name: str
    position: str
    authority: AuthorityPrefix
    def __init__(self, official_id: _Optional[str] = ..., full_name: _Optional[str] = ..., position: _Optional[str] = ..., authority: _Optional[_Union[AuthorityPrefix, str]] = ...) -> None: ...

class Draft(_message.Message):
    __slots__ = ("document_type", "subject", "issuer_notation", "drafting_unit", "signer", "recipients", "urgency", "confidentiality", "deadline", "legal_normative", "files")
    DOCUMENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    ISSUER_NOTATION_FIELD_NUMBER: _ClassVar[int]
    DRAFTING_UNIT_FIELD_NUMBER: _ClassVar[int]
    SIGNER_FIELD_NUMBER: _ClassVar[int]
    RECIPIENTS_FIELD_NUMBER: _ClassVar[int]
    URGENCY_FIELD_NUMBER: _ClassVar[int]
    CONFIDENTIALITY_FIELD_NUMBER: _ClassVar[int]
    DEADLINE_FIELD_NUMBER: _ClassVar[int]
    LEGAL_NORMATIVE_FIELD_NUMBER: _ClassVar[int]
    FILES_FIELD_NUMBER: _ClassVar[int]
    document_type: str
    subject: str
    issuer_notation: str
    drafting_unit: str
    signer: Signer
    recipients: _containers.RepeatedScalarFieldContainer[str]
    urgency: Urgency
    confidentiality: Confidentiality
    deadline: _date_pb2.Date
    legal_normative: bool
    files: _containers.RepeatedCompositeFieldContainer[FileRef]
    def __init__(self, document_type: _Optional[str] = ..., subject: _Optional[str] = ..., issuer_notation: _Optional[str] = ..., drafting_unit: _Optional[str] = ..., signer: _Optional[_Union[Signer, _Mapping]] = ..., recipients: _Optional[_Iterable[str]] = ..., urgency: _Optional[_Union[Urgency, str]] = ..., confidentiality: _Optional[_Union[Confidentiality, str]] = ..., deadline: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., legal_normative: _Optional[bool] = ..., files: _Optional[_Iterable[_Union[FileRef, _Mapping]]] = ...) -> None: ...

class Signature(_message.Message):
    __slots__ = ("signer", "certificate_serial", "signed_at", "file")
    SIGNER_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATE_SERIAL_FIELD_NUMBER: _ClassVar[int]
    SIGNED_AT_FIELD_NUMBER: _ClassVar[int]
    FILE_FIELD_NUMBER: _ClassVar[int]
    signer: str
    certificate_serial: str
    signed_at: _timestamp_pb2.Timestamp
    file: FileRef
    def __init__(self, signer: _Optional[str] = ..., certificate_serial: _Optional[str] = ..., signed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., file: _Optional[_Union[FileRef, _Mapping]] = ...) -> None: ...

class Delivery(_message.Message):
    __slots__ = ("addressed_to", "route", "incoming_id", "status_code")
    ADDRESSED_TO_FIELD_NUMBER: _ClassVar[int]
    ROUTE_FIELD_NUMBER: _ClassVar[int]
    INCOMING_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_CODE_FIELD_NUMBER: _ClassVar[int]
    addressed_to: str
    route: _containers.RepeatedScalarFieldContainer[str]
    incoming_id: str
    status_code: str
    def __init__(self, addressed_to: _Optional[str] = ..., route: _Optional[_Iterable[str]] = ..., incoming_id: _Optional[str] = ..., status_code: _Optional[str] = ...) -> None: ...

class OutgoingDocument(_message.Message):
    __slots__ = ("document_id", "issuer_unit_id", "issuer_agency_code", "state", "draft", "draft_version", "signatures", "number", "notation", "series", "year", "numbered_at", "deliveries", "sent_at", "closing_reason", "replaced_by", "axis_doc_id")
    DOCUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    ISSUER_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    ISSUER_AGENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    DRAFT_FIELD_NUMBER: _ClassVar[int]
    DRAFT_VERSION_FIELD_NUMBER: _ClassVar[int]
    SIGNATURES_FIELD_NUMBER: _ClassVar[int]
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    NOTATION_FIELD_NUMBER: _ClassVar[int]
    SERIES_FIELD_NUMBER: _ClassVar[int]
    YEAR_FIELD_NUMBER: _ClassVar[int]
    NUMBERED_AT_FIELD_NUMBER: _ClassVar[int]
    DELIVERIES_FIELD_NUMBER: _ClassVar[int]
    SENT_AT_FIELD_NUMBER: _ClassVar[int]
    CLOSING_REASON_FIELD_NUMBER: _ClassVar[int]
    REPLACED_BY_FIELD_NUMBER: _ClassVar[int]
    AXIS_DOC_ID_FIELD_NUMBER: _ClassVar[int]
    document_id: str
    issuer_unit_id: str
    issuer_agency_code: str
    state: DocumentState
    draft: Draft
    draft_version: int
    signatures: _containers.RepeatedCompositeFieldContainer[Signature]
    number: int
    notation: str
    series: str
    year: int
    numbered_at: _timestamp_pb2.Timestamp
    deliveries: _containers.RepeatedCompositeFieldContainer[Delivery]
    sent_at: _timestamp_pb2.Timestamp
    closing_reason: str
    replaced_by: str
    axis_doc_id: str
    def __init__(self, document_id: _Optional[str] = ..., issuer_unit_id: _Optional[str] = ..., issuer_agency_code: _Optional[str] = ..., state: _Optional[_Union[DocumentState, str]] = ..., draft: _Optional[_Union[Draft, _Mapping]] = ..., draft_version: _Optional[int] = ..., signatures: _Optional[_Iterable[_Union[Signature, _Mapping]]] = ..., number: _Optional[int] = ..., notation: _Optional[str] = ..., series: _Optional[str] = ..., year: _Optional[int] = ..., numbered_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., deliveries: _Optional[_Iterable[_Union[Delivery, _Mapping]]] = ..., sent_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., closing_reason: _Optional[str] = ..., replaced_by: _Optional[str] = ..., axis_doc_id: _Optional[str] = ...) -> None: ...

class CreateDraftRequest(_message.Message):
    __slots__ = ("request_id", "unit_id", "draft")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    DRAFT_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    unit_id: str
    draft: Draft
    def __init__(self, request_id: _Optional[str] = ..., unit_id: _Optional[str] = ..., draft: _Optional[_Union[Draft, _Mapping]] = ...) -> None: ...

class ReviseDraftRequest(_message.Message):
    __slots__ = ("request_id", "document_id", "draft")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    DRAFT_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    document_id: str
    draft: Draft
    def __init__(self, request_id: _Optional[str] = ..., document_id: _Optional[str] = ..., draft: _Optional[_Union[Draft, _Mapping]] = ...) -> None: ...

class SubmitDraftRequest(_message.Message):
    __slots__ = ("request_id", "document_id")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    document_id: str
    def __init__(self, request_id: _Optional[str] = ..., document_id: _Optional[str] = ...) -> None: ...

class ReturnDraftRequest(_message.Message):
    __slots__ = ("request_id", "document_id", "reason")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    document_id: str
    reason: str
    def __init__(self, request_id: _Optional[str] = ..., document_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class RecordOfficialSignatureRequest(_message.Message):
    __slots__ = ("request_id", "document_id", "signed_file")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    SIGNED_FILE_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    document_id: str
    signed_file: FileRef
    def __init__(self, request_id: _Optional[str] = ..., document_id: _Optional[str] = ..., signed_file: _Optional[_Union[FileRef, _Mapping]] = ...) -> None: ...

class NumberDocumentRequest(_message.Message):
    __slots__ = ("request_id", "document_id")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    document_id: str
    def __init__(self, request_id: _Optional[str] = ..., document_id: _Optional[str] = ...) -> None: ...

class RecordAgencySignatureRequest(_message.Message):
    __slots__ = ("request_id", "document_id", "signed_file")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    SIGNED_FILE_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    document_id: str
    signed_file: FileRef
    def __init__(self, request_id: _Optional[str] = ..., document_id: _Optional[str] = ..., signed_file: _Optional[_Union[FileRef, _Mapping]] = ...) -> None: ...

class SendDocumentRequest(_message.Message):
    __slots__ = ("request_id", "document_id")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    document_id: str
    def __init__(self, request_id: _Optional[str] = ..., document_id: _Optional[str] = ...) -> None: ...

class RecallDocumentRequest(_message.Message):
    __slots__ = ("request_id", "document_id", "reason")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    document_id: str
    reason: str
    def __init__(self, request_id: _Optional[str] = ..., document_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class RevokeDocumentRequest(_message.Message):
    __slots__ = ("request_id", "document_id", "reason")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    document_id: str
    reason: str
    def __init__(self, request_id: _Optional[str] = ..., document_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class ReplaceDocumentRequest(_message.Message):
    __slots__ = ("request_id", "document_id", "replacement_id", "reason")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    REPLACEMENT_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    document_id: str
    replacement_id: str
    reason: str
    def __init__(self, request_id: _Optional[str] = ..., document_id: _Optional[str] = ..., replacement_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class GetDocumentRequest(_message.Message):
    __slots__ = ("document_id",)
    DOCUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    document_id: str
    def __init__(self, document_id: _Optional[str] = ...) -> None: ...

class OutgoingBookEntry(_message.Message):
    __slots__ = ("document_id", "series", "number", "notation", "document_type", "subject", "numbered_at", "state")
    DOCUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    SERIES_FIELD_NUMBER: _ClassVar[int]
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    NOTATION_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    NUMBERED_AT_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    document_id: str
    series: str
    number: int
    notation: str
    document_type: str
    subject: str
    numbered_at: _timestamp_pb2.Timestamp
    state: DocumentState
    def __init__(self, document_id: _Optional[str] = ..., series: _Optional[str] = ..., number: _Optional[int] = ..., notation: _Optional[str] = ..., document_type: _Optional[str] = ..., subject: _Optional[str] = ..., numbered_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., state: _Optional[_Union[DocumentState, str]] = ...) -> None: ...

class ListOutgoingBookRequest(_message.Message):
    __slots__ = ("unit_id", "year", "page_size", "page_token")
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    YEAR_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    unit_id: str
    year: int
    page_size: int
    page_token: str
    def __init__(self, unit_id: _Optional[str] = ..., year: _Optional[int] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListOutgoingBookResponse(_message.Message):
    __slots__ = ("entries", "next_page_token", "total_size")
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SIZE_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[OutgoingBookEntry]
    next_page_token: str
    total_size: int
    def __init__(self, entries: _Optional[_Iterable[_Union[OutgoingBookEntry, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total_size: _Optional[int] = ...) -> None: ...

class SentDocument(_message.Message):
    __slots__ = ("sender_agency_code", "notation", "subject", "document_type", "confidentiality", "urgency", "deadline", "document_id", "edxml_document_id")
    SENDER_AGENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    NOTATION_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    CONFIDENTIALITY_FIELD_NUMBER: _ClassVar[int]
    URGENCY_FIELD_NUMBER: _ClassVar[int]
    DEADLINE_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    EDXML_DOCUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    sender_agency_code: str
    notation: str
    subject: str
    document_type: str
    confidentiality: Confidentiality
    urgency: Urgency
    deadline: _date_pb2.Date
    document_id: str
    edxml_document_id: str
    def __init__(self, sender_agency_code: _Optional[str] = ..., notation: _Optional[str] = ..., subject: _Optional[str] = ..., document_type: _Optional[str] = ..., confidentiality: _Optional[_Union[Confidentiality, str]] = ..., urgency: _Optional[_Union[Urgency, str]] = ..., deadline: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., document_id: _Optional[str] = ..., edxml_document_id: _Optional[str] = ...) -> None: ...

class IncomingDocument(_message.Message):
    __slots__ = ("incoming_id", "recipient_unit_id", "recipient_agency_code", "state", "status_code", "sent", "route", "arrived_at", "number", "year", "series", "handler", "deadline", "refusal", "completed_at", "files")
    INCOMING_ID_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_AGENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    STATUS_CODE_FIELD_NUMBER: _ClassVar[int]
    SENT_FIELD_NUMBER: _ClassVar[int]
    ROUTE_FIELD_NUMBER: _ClassVar[int]
    ARRIVED_AT_FIELD_NUMBER: _ClassVar[int]
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    YEAR_FIELD_NUMBER: _ClassVar[int]
    SERIES_FIELD_NUMBER: _ClassVar[int]
    HANDLER_FIELD_NUMBER: _ClassVar[int]
    DEADLINE_FIELD_NUMBER: _ClassVar[int]
    REFUSAL_FIELD_NUMBER: _ClassVar[int]
    COMPLETED_AT_FIELD_NUMBER: _ClassVar[int]
    FILES_FIELD_NUMBER: _ClassVar[int]
    incoming_id: str
    recipient_unit_id: str
    recipient_agency_code: str
    state: IncomingState
    status_code: str
    sent: SentDocument
    route: _containers.RepeatedScalarFieldContainer[str]
    arrived_at: _timestamp_pb2.Timestamp
    number: int
    year: int
    series: str
    handler: str
    deadline: _date_pb2.Date
    refusal: str
    completed_at: _timestamp_pb2.Timestamp
    files: _containers.RepeatedCompositeFieldContainer[FileRef]
    def __init__(self, incoming_id: _Optional[str] = ..., recipient_unit_id: _Optional[str] = ..., recipient_agency_code: _Optional[str] = ..., state: _Optional[_Union[IncomingState, str]] = ..., status_code: _Optional[str] = ..., sent: _Optional[_Union[SentDocument, _Mapping]] = ..., route: _Optional[_Iterable[str]] = ..., arrived_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., number: _Optional[int] = ..., year: _Optional[int] = ..., series: _Optional[str] = ..., handler: _Optional[str] = ..., deadline: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., refusal: _Optional[str] = ..., completed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., files: _Optional[_Iterable[_Union[FileRef, _Mapping]]] = ...) -> None: ...

class ReceiveFromOutsideRequest(_message.Message):
    __slots__ = ("request_id", "unit_id", "sent")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    SENT_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    unit_id: str
    sent: SentDocument
    def __init__(self, request_id: _Optional[str] = ..., unit_id: _Optional[str] = ..., sent: _Optional[_Union[SentDocument, _Mapping]] = ...) -> None: ...

class RegisterIncomingRequest(_message.Message):
    __slots__ = ("request_id", "incoming_id")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    INCOMING_ID_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    incoming_id: str
    def __init__(self, request_id: _Optional[str] = ..., incoming_id: _Optional[str] = ...) -> None: ...

class RefuseIncomingRequest(_message.Message):
    __slots__ = ("request_id", "incoming_id", "reason")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    INCOMING_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    incoming_id: str
    reason: str
    def __init__(self, request_id: _Optional[str] = ..., incoming_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class AssignIncomingRequest(_message.Message):
    __slots__ = ("request_id", "incoming_id", "handler", "deadline")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    INCOMING_ID_FIELD_NUMBER: _ClassVar[int]
    HANDLER_FIELD_NUMBER: _ClassVar[int]
    DEADLINE_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    incoming_id: str
    handler: str
    deadline: _date_pb2.Date
    def __init__(self, request_id: _Optional[str] = ..., incoming_id: _Optional[str] = ..., handler: _Optional[str] = ..., deadline: _Optional[_Union[_date_pb2.Date, _Mapping]] = ...) -> None: ...

class CompleteIncomingRequest(_message.Message):
    __slots__ = ("request_id", "incoming_id")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    INCOMING_ID_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    incoming_id: str
    def __init__(self, request_id: _Optional[str] = ..., incoming_id: _Optional[str] = ...) -> None: ...

class AnswerRecallRequest(_message.Message):
    __slots__ = ("request_id", "incoming_id", "agree", "reason")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    INCOMING_ID_FIELD_NUMBER: _ClassVar[int]
    AGREE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    incoming_id: str
    agree: bool
    reason: str
    def __init__(self, request_id: _Optional[str] = ..., incoming_id: _Optional[str] = ..., agree: _Optional[bool] = ..., reason: _Optional[str] = ...) -> None: ...

class GetIncomingRequest(_message.Message):
    __slots__ = ("incoming_id",)
    INCOMING_ID_FIELD_NUMBER: _ClassVar[int]
    incoming_id: str
    def __init__(self, incoming_id: _Optional[str] = ...) -> None: ...

class IncomingBookEntry(_message.Message):
    __slots__ = ("incoming_id", "series", "number", "sender_agency_code", "notation", "subject", "arrived_at", "state", "handler", "deadline", "overdue")
    INCOMING_ID_FIELD_NUMBER: _ClassVar[int]
    SERIES_FIELD_NUMBER: _ClassVar[int]
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    SENDER_AGENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    NOTATION_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    ARRIVED_AT_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    HANDLER_FIELD_NUMBER: _ClassVar[int]
    DEADLINE_FIELD_NUMBER: _ClassVar[int]
    OVERDUE_FIELD_NUMBER: _ClassVar[int]
    incoming_id: str
    series: str
    number: int
    sender_agency_code: str
    notation: str
    subject: str
    arrived_at: _timestamp_pb2.Timestamp
    state: IncomingState
    handler: str
    deadline: _date_pb2.Date
    overdue: bool
    def __init__(self, incoming_id: _Optional[str] = ..., series: _Optional[str] = ..., number: _Optional[int] = ..., sender_agency_code: _Optional[str] = ..., notation: _Optional[str] = ..., subject: _Optional[str] = ..., arrived_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., state: _Optional[_Union[IncomingState, str]] = ..., handler: _Optional[str] = ..., deadline: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., overdue: _Optional[bool] = ...) -> None: ...

class ListArrivedRequest(_message.Message):
    __slots__ = ("unit_id", "page_size", "page_token")
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    unit_id: str
    page_size: int
    page_token: str
    def __init__(self, unit_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListArrivedResponse(_message.Message):
    __slots__ = ("entries", "next_page_token", "total_size")
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SIZE_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[IncomingBookEntry]
    next_page_token: str
    total_size: int
    def __init__(self, entries: _Optional[_Iterable[_Union[IncomingBookEntry, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total_size: _Optional[int] = ...) -> None: ...

class ListIncomingBookRequest(_message.Message):
    __slots__ = ("unit_id", "year", "page_size", "page_token")
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    YEAR_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    unit_id: str
    year: int
    page_size: int
    page_token: str
    def __init__(self, unit_id: _Optional[str] = ..., year: _Optional[int] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListIncomingBookResponse(_message.Message):
    __slots__ = ("entries", "next_page_token", "total_size")
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SIZE_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[IncomingBookEntry]
    next_page_token: str
    total_size: int
    def __init__(self, entries: _Optional[_Iterable[_Union[IncomingBookEntry, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total_size: _Optional[int] = ...) -> None: ...

class ListAwaitingRequest(_message.Message):
    __slots__ = ("handler", "page_size", "page_token")
    HANDLER_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    handler: str
    page_size: int
    page_token: str
    def __init__(self, handler: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListAwaitingResponse(_message.Message):
    __slots__ = ("entries", "next_page_token", "total_size", "overdue_size")
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SIZE_FIELD_NUMBER: _ClassVar[int]
    OVERDUE_SIZE_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[IncomingBookEntry]
    next_page_token: str
    total_size: int
    overdue_size: int
    def __init__(self, entries: _Optional[_Iterable[_Union[IncomingBookEntry, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total_size: _Optional[int] = ..., overdue_size: _Optional[int] = ...) -> None: ...

class GetExchangeCountsRequest(_message.Message):
    __slots__ = ("unit_id",)
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    unit_id: str
    def __init__(self, unit_id: _Optional[str] = ...) -> None: ...

class ExchangeCounts(_message.Message):
    __slots__ = ("unit_id", "sent", "received")
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    SENT_FIELD_NUMBER: _ClassVar[int]
    RECEIVED_FIELD_NUMBER: _ClassVar[int]
    unit_id: str
    sent: int
    received: int
    def __init__(self, unit_id: _Optional[str] = ..., sent: _Optional[int] = ..., received: _Optional[int] = ...) -> None: ...
