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

class DossierStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DOSSIER_STATUS_UNSPECIFIED: _ClassVar[DossierStatus]
    DOSSIER_STATUS_NEW: _ClassVar[DossierStatus]
    DOSSIER_STATUS_RECEIVED: _ClassVar[DossierStatus]
    DOSSIER_STATUS_NOT_RECEIVED: _ClassVar[DossierStatus]
    DOSSIER_STATUS_PROCESSING: _ClassVar[DossierStatus]
    DOSSIER_STATUS_SUPPLEMENT_REQUESTED: _ClassVar[DossierStatus]
    DOSSIER_STATUS_FINANCIAL_OBLIGATION: _ClassVar[DossierStatus]
    DOSSIER_STATUS_WITHDRAWN: _ClassVar[DossierStatus]
    DOSSIER_STATUS_STOPPED: _ClassVar[DossierStatus]
    DOSSIER_STATUS_PROCESSED: _ClassVar[DossierStatus]
    DOSSIER_STATUS_RESULT_RETURNED: _ClassVar[DossierStatus]

class Channel(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CHANNEL_UNSPECIFIED: _ClassVar[Channel]
    CHANNEL_COUNTER: _ClassVar[Channel]
    CHANNEL_ONLINE: _ClassVar[Channel]
    CHANNEL_POSTAL: _ClassVar[Channel]
    CHANNEL_NATIONAL_PORTAL: _ClassVar[Channel]

class Outcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    OUTCOME_UNSPECIFIED: _ClassVar[Outcome]
    OUTCOME_APPROVED: _ClassVar[Outcome]
    OUTCOME_REJECTED: _ClassVar[Outcome]

class ClockStopKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CLOCK_STOP_KIND_UNSPECIFIED: _ClassVar[ClockStopKind]
    CLOCK_STOP_KIND_SUPPLEMENT: _ClassVar[ClockStopKind]
    CLOCK_STOP_KIND_FINANCIAL_OBLIGATION: _ClassVar[ClockStopKind]

class Timeliness(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TIMELINESS_UNSPECIFIED: _ClassVar[Timeliness]
    TIMELINESS_EARLY: _ClassVar[Timeliness]
    TIMELINESS_ON_TIME: _ClassVar[Timeliness]
    TIMELINESS_LATE: _ClassVar[Timeliness]
DOSSIER_STATUS_UNSPECIFIED: DossierStatus
DOSSIER_STATUS_NEW: DossierStatus
DOSSIER_STATUS_RECEIVED: DossierStatus
DOSSIER_STATUS_NOT_RECEIVED: DossierStatus
DOSSIER_STATUS_PROCESSING: DossierStatus
DOSSIER_STATUS_SUPPLEMENT_REQUESTED: DossierStatus
DOSSIER_STATUS_FINANCIAL_OBLIGATION: DossierStatus
DOSSIER_STATUS_WITHDRAWN: DossierStatus
DOSSIER_STATUS_STOPPED: DossierStatus
DOSSIER_STATUS_PROCESSED: DossierStatus
DOSSIER_STATUS_RESULT_RETURNED: DossierStatus
CHANNEL_UNSPECIFIED: Channel
CHANNEL_COUNTER: Channel
CHANNEL_ONLINE: Channel
CHANNEL_POSTAL: Channel
CHANNEL_NATIONAL_PORTAL: Channel
OUTCOME_UNSPECIFIED: Outcome
OUTCOME_APPROVED: Outcome
OUTCOME_REJECTED: Outcome
CLOCK_STOP_KIND_UNSPECIFIED: ClockStopKind
CLOCK_STOP_KIND_SUPPLEMENT: ClockStopKind
CLOCK_STOP_KIND_FINANCIAL_OBLIGATION: ClockStopKind
TIMELINESS_UNSPECIFIED: Timeliness
TIMELINESS_EARLY: Timeliness
TIMELINESS_ON_TIME: Timeliness
TIMELINESS_LATE: Timeliness

class Applicant(_message.Message):
    __slots__ = ("full_name", "personal_identification_number", "phone", "address", "erased", "subject_ref")
    FULL_NAME_FIELD_NUMBER: _ClassVar[int]
    PERSONAL_IDENTIFICATION_NUMBER_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    ERASED_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_REF_FIELD_NUMBER: _ClassVar[int]
    full_name: str
    personal_identification_number: str
    phone: str
    address: str
    erased: bool
    subject_ref: str
    def __init__(self, full_name: _Optional[str] = ..., personal_identification_number: _Optional[str] = ..., phone: _Optional[str] = ..., address: _Optional[str] = ..., erased: _Optional[bool] = ..., subject_ref: _Optional[str] = ...) -> None: ...

class Hop(_message.Message):
    __slots__ = ("unit_id", "start_time", "end_time", "deadline_working_days", "due_date", "handler")
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    DEADLINE_WORKING_DAYS_FIELD_NUMBER: _ClassVar[int]
    DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    HANDLER_FIELD_NUMBER: _ClassVar[int]
    unit_id: str
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    deadline_working_days: int
    due_date: _date_pb2.Date
    handler: str
    def __init__(self, unit_id: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., deadline_working_days: _Optional[int] = ..., due_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., handler: _Optional[str] = ...) -> None: ...

class ClockStop(_message.Message):
    __slots__ = ("start_time", "end_time", "kind", "paused_working_days")
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    PAUSED_WORKING_DAYS_FIELD_NUMBER: _ClassVar[int]
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    kind: ClockStopKind
    paused_working_days: int
    def __init__(self, start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., kind: _Optional[_Union[ClockStopKind, str]] = ..., paused_working_days: _Optional[int] = ...) -> None: ...

class Dossier(_message.Message):
    __slots__ = ("dossier_id", "dossier_code", "procedure_code", "procedure_version", "sector", "channel", "applicant", "receiving_unit_id", "competent_unit_id", "holder_unit_id", "status", "submit_time", "receive_time", "due_date", "paused", "submitted_documents", "result_documents", "outcome", "timeliness", "result_return_time", "hops", "overdue", "version", "clock_stops", "paused_working_days")
    DOSSIER_ID_FIELD_NUMBER: _ClassVar[int]
    DOSSIER_CODE_FIELD_NUMBER: _ClassVar[int]
    PROCEDURE_CODE_FIELD_NUMBER: _ClassVar[int]
    PROCEDURE_VERSION_FIELD_NUMBER: _ClassVar[int]
    SECTOR_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    APPLICANT_FIELD_NUMBER: _ClassVar[int]
    RECEIVING_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    COMPETENT_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    HOLDER_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    SUBMIT_TIME_FIELD_NUMBER: _ClassVar[int]
    RECEIVE_TIME_FIELD_NUMBER: _ClassVar[int]
    DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    PAUSED_FIELD_NUMBER: _ClassVar[int]
    SUBMITTED_DOCUMENTS_FIELD_NUMBER: _ClassVar[int]
    RESULT_DOCUMENTS_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    TIMELINESS_FIELD_NUMBER: _ClassVar[int]
    RESULT_RETURN_TIME_FIELD_NUMBER: _ClassVar[int]
    HOPS_FIELD_NUMBER: _ClassVar[int]
    OVERDUE_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    CLOCK_STOPS_FIELD_NUMBER: _ClassVar[int]
    PAUSED_WORKING_DAYS_FIELD_NUMBER: _ClassVar[int]
    dossier_id: str
    dossier_code: str
    procedure_code: str
    procedure_version: int
    sector: str
    channel: Channel
    applicant: Applicant
    receiving_unit_id: str
    competent_unit_id: str
    holder_unit_id: str
    status: DossierStatus
    submit_time: _timestamp_pb2.Timestamp
    receive_time: _timestamp_pb2.Timestamp
    due_date: _date_pb2.Date
    paused: bool
    submitted_documents: _containers.RepeatedScalarFieldContainer[str]
    result_documents: _containers.RepeatedScalarFieldContainer[str]
    outcome: Outcome
    timeliness: Timeliness
    result_return_time: _timestamp_pb2.Timestamp
    hops: _containers.RepeatedCompositeFieldContainer[Hop]
    overdue: bool
    version: int
    clock_stops: _containers.RepeatedCompositeFieldContainer[ClockStop]
    paused_working_days: int
    def __init__(self, dossier_id: _Optional[str] = ..., dossier_code: _Optional[str] = ..., procedure_code: _Optional[str] = ..., procedure_version: _Optional[int] = ..., sector: _Optional[str] = ..., channel: _Optional[_Union[Channel, str]] = ..., applicant: _Optional[_Union[Applicant, _Mapping]] = ..., receiving_unit_id: _Optional[str] = ..., competent_unit_id: _Optional[str] = ..., holder_unit_id: _Optional[str] = ..., status: _Optional[_Union[DossierStatus, str]] = ..., submit_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., receive_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., due_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., paused: _Optional[bool] = ..., submitted_documents: _Optional[_Iterable[str]] = ..., result_documents: _Optional[_Iterable[str]] = ..., outcome: _Optional[_Union[Outcome, str]] = ..., timeliness: _Optional[_Union[Timeliness, str]] = ..., result_return_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., hops: _Optional[_Iterable[_Union[Hop, _Mapping]]] = ..., overdue: _Optional[bool] = ..., version: _Optional[int] = ..., clock_stops: _Optional[_Iterable[_Union[ClockStop, _Mapping]]] = ..., paused_working_days: _Optional[int] = ...) -> None: ...

class SubmitDossierRequest(_message.Message):
    __slots__ = ("request_id", "procedure_code", "channel", "applicant", "receiving_unit_id", "competent_unit_id", "submitted_documents", "reason")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    PROCEDURE_CODE_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    APPLICANT_FIELD_NUMBER: _ClassVar[int]
    RECEIVING_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    COMPETENT_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    SUBMITTED_DOCUMENTS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    procedure_code: str
    channel: Channel
    applicant: Applicant
    receiving_unit_id: str
    competent_unit_id: str
    submitted_documents: _containers.RepeatedScalarFieldContainer[str]
    reason: str
    def __init__(self, request_id: _Optional[str] = ..., procedure_code: _Optional[str] = ..., channel: _Optional[_Union[Channel, str]] = ..., applicant: _Optional[_Union[Applicant, _Mapping]] = ..., receiving_unit_id: _Optional[str] = ..., competent_unit_id: _Optional[str] = ..., submitted_documents: _Optional[_Iterable[str]] = ..., reason: _Optional[str] = ...) -> None: ...

class ReceiveDossierRequest(_message.Message):
    __slots__ = ("request_id", "dossier_id", "reason")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    DOSSIER_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    dossier_id: str
    reason: str
    def __init__(self, request_id: _Optional[str] = ..., dossier_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class RefuseToReceiveDossierRequest(_message.Message):
    __slots__ = ("request_id", "dossier_id", "reason")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    DOSSIER_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    dossier_id: str
    reason: str
    def __init__(self, request_id: _Optional[str] = ..., dossier_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class AssignDossierRequest(_message.Message):
    __slots__ = ("request_id", "dossier_id", "handler", "reason")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    DOSSIER_ID_FIELD_NUMBER: _ClassVar[int]
    HANDLER_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    dossier_id: str
    handler: str
    reason: str
    def __init__(self, request_id: _Optional[str] = ..., dossier_id: _Optional[str] = ..., handler: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class RequestSupplementRequest(_message.Message):
    __slots__ = ("request_id", "dossier_id", "missing_documents", "reason")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    DOSSIER_ID_FIELD_NUMBER: _ClassVar[int]
    MISSING_DOCUMENTS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    dossier_id: str
    missing_documents: _containers.RepeatedScalarFieldContainer[str]
    reason: str
    def __init__(self, request_id: _Optional[str] = ..., dossier_id: _Optional[str] = ..., missing_documents: _Optional[_Iterable[str]] = ..., reason: _Optional[str] = ...) -> None: ...

class SupplementDossierRequest(_message.Message):
    __slots__ = ("request_id", "dossier_id", "documents", "reason")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    DOSSIER_ID_FIELD_NUMBER: _ClassVar[int]
    DOCUMENTS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    dossier_id: str
    documents: _containers.RepeatedScalarFieldContainer[str]
    reason: str
    def __init__(self, request_id: _Optional[str] = ..., dossier_id: _Optional[str] = ..., documents: _Optional[_Iterable[str]] = ..., reason: _Optional[str] = ...) -> None: ...

class RequireFinancialObligationRequest(_message.Message):
    __slots__ = ("request_id", "dossier_id", "amount_vnd", "reason")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    DOSSIER_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_VND_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    dossier_id: str
    amount_vnd: int
    reason: str
    def __init__(self, request_id: _Optional[str] = ..., dossier_id: _Optional[str] = ..., amount_vnd: _Optional[int] = ..., reason: _Optional[str] = ...) -> None: ...

class FulfilFinancialObligationRequest(_message.Message):
    __slots__ = ("request_id", "dossier_id", "reason")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    DOSSIER_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    dossier_id: str
    reason: str
    def __init__(self, request_id: _Optional[str] = ..., dossier_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class TransferDossierRequest(_message.Message):
    __slots__ = ("request_id", "dossier_id", "to_unit_id", "deadline_working_days", "reason")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    DOSSIER_ID_FIELD_NUMBER: _ClassVar[int]
    TO_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    DEADLINE_WORKING_DAYS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    dossier_id: str
    to_unit_id: str
    deadline_working_days: int
    reason: str
    def __init__(self, request_id: _Optional[str] = ..., dossier_id: _Optional[str] = ..., to_unit_id: _Optional[str] = ..., deadline_working_days: _Optional[int] = ..., reason: _Optional[str] = ...) -> None: ...

class PauseDossierRequest(_message.Message):
    __slots__ = ("request_id", "dossier_id", "reason")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    DOSSIER_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    dossier_id: str
    reason: str
    def __init__(self, request_id: _Optional[str] = ..., dossier_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class ResumeDossierRequest(_message.Message):
    __slots__ = ("request_id", "dossier_id", "reason")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    DOSSIER_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    dossier_id: str
    reason: str
    def __init__(self, request_id: _Optional[str] = ..., dossier_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class ExtendDossierRequest(_message.Message):
    __slots__ = ("request_id", "dossier_id", "new_due_date", "apology_slip", "reason")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    DOSSIER_ID_FIELD_NUMBER: _ClassVar[int]
    NEW_DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    APOLOGY_SLIP_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    dossier_id: str
    new_due_date: _date_pb2.Date
    apology_slip: str
    reason: str
    def __init__(self, request_id: _Optional[str] = ..., dossier_id: _Optional[str] = ..., new_due_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., apology_slip: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class ApproveDossierRequest(_message.Message):
    __slots__ = ("request_id", "dossier_id", "result_documents", "reason")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    DOSSIER_ID_FIELD_NUMBER: _ClassVar[int]
    RESULT_DOCUMENTS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    dossier_id: str
    result_documents: _containers.RepeatedScalarFieldContainer[str]
    reason: str
    def __init__(self, request_id: _Optional[str] = ..., dossier_id: _Optional[str] = ..., result_documents: _Optional[_Iterable[str]] = ..., reason: _Optional[str] = ...) -> None: ...

class RejectDossierRequest(_message.Message):
    __slots__ = ("request_id", "dossier_id", "reason")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    DOSSIER_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    dossier_id: str
    reason: str
    def __init__(self, request_id: _Optional[str] = ..., dossier_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class ReturnResultRequest(_message.Message):
    __slots__ = ("request_id", "dossier_id", "reason")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    DOSSIER_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    dossier_id: str
    reason: str
    def __init__(self, request_id: _Optional[str] = ..., dossier_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class WithdrawDossierRequest(_message.Message):
    __slots__ = ("request_id", "dossier_id", "reason")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    DOSSIER_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    dossier_id: str
    reason: str
    def __init__(self, request_id: _Optional[str] = ..., dossier_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class StopDossierRequest(_message.Message):
    __slots__ = ("request_id", "dossier_id", "reason")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    DOSSIER_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    dossier_id: str
    reason: str
    def __init__(self, request_id: _Optional[str] = ..., dossier_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class GetDossierRequest(_message.Message):
    __slots__ = ("dossier_id",)
    DOSSIER_ID_FIELD_NUMBER: _ClassVar[int]
    dossier_id: str
    def __init__(self, dossier_id: _Optional[str] = ...) -> None: ...

class ListDossiersRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "holder_unit_id", "status", "overdue_only", "procedure_code", "submitted_from", "submitted_to")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    HOLDER_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    OVERDUE_ONLY_FIELD_NUMBER: _ClassVar[int]
    PROCEDURE_CODE_FIELD_NUMBER: _ClassVar[int]
    SUBMITTED_FROM_FIELD_NUMBER: _ClassVar[int]
    SUBMITTED_TO_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    holder_unit_id: str
    status: DossierStatus
    overdue_only: bool
    procedure_code: str
    submitted_from: _date_pb2.Date
    submitted_to: _date_pb2.Date
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., holder_unit_id: _Optional[str] = ..., status: _Optional[_Union[DossierStatus, str]] = ..., overdue_only: _Optional[bool] = ..., procedure_code: _Optional[str] = ..., submitted_from: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., submitted_to: _Optional[_Union[_date_pb2.Date, _Mapping]] = ...) -> None: ...

class ListDossiersResponse(_message.Message):
    __slots__ = ("dossiers", "next_page_token", "total_size")
    DOSSIERS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SIZE_FIELD_NUMBER: _ClassVar[int]
    dossiers: _containers.RepeatedCompositeFieldContainer[Dossier]
    next_page_token: str
    total_size: int
    def __init__(self, dossiers: _Optional[_Iterable[_Union[Dossier, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total_size: _Optional[int] = ...) -> None: ...

class GetDossierHistoryRequest(_message.Message):
    __slots__ = ("dossier_id",)
    DOSSIER_ID_FIELD_NUMBER: _ClassVar[int]
    dossier_id: str
    def __init__(self, dossier_id: _Optional[str] = ...) -> None: ...

class DossierHistoryEntry(_message.Message):
    __slots__ = ("version", "event_type", "recorded_time", "actor", "actor_agency_code", "request_id", "correlation_id", "causation_id", "reason", "status_after", "payload_json")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    RECORDED_TIME_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    ACTOR_AGENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    CORRELATION_ID_FIELD_NUMBER: _ClassVar[int]
    CAUSATION_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    STATUS_AFTER_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_JSON_FIELD_NUMBER: _ClassVar[int]
    version: int
    event_type: str
    recorded_time: _timestamp_pb2.Timestamp
    actor: str
    actor_agency_code: str
    request_id: str
    correlation_id: str
    causation_id: str
    reason: str
    status_after: DossierStatus
    payload_json: str
    def __init__(self, version: _Optional[int] = ..., event_type: _Optional[str] = ..., recorded_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., actor: _Optional[str] = ..., actor_agency_code: _Optional[str] = ..., request_id: _Optional[str] = ..., correlation_id: _Optional[str] = ..., causation_id: _Optional[str] = ..., reason: _Optional[str] = ..., status_after: _Optional[_Union[DossierStatus, str]] = ..., payload_json: _Optional[str] = ...) -> None: ...

class GetDossierHistoryResponse(_message.Message):
    __slots__ = ("entries",)
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[DossierHistoryEntry]
    def __init__(self, entries: _Optional[_Iterable[_Union[DossierHistoryEntry, _Mapping]]] = ...) -> None: ...

class ListUnitStatisticsRequest(_message.Message):
    __slots__ = ("province_unit_id", "page_size", "page_token")
    PROVINCE_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    province_unit_id: str
    page_size: int
    page_token: str
    def __init__(self, province_unit_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class UnitStatistics(_message.Message):
    __slots__ = ("unit_id", "received", "open", "overdue", "returned_early", "returned_on_time", "returned_late", "on_time_rate")
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    RECEIVED_FIELD_NUMBER: _ClassVar[int]
    OPEN_FIELD_NUMBER: _ClassVar[int]
    OVERDUE_FIELD_NUMBER: _ClassVar[int]
    RETURNED_EARLY_FIELD_NUMBER: _ClassVar[int]
    RETURNED_ON_TIME_FIELD_NUMBER: _ClassVar[int]
    RETURNED_LATE_FIELD_NUMBER: _ClassVar[int]
    ON_TIME_RATE_FIELD_NUMBER: _ClassVar[int]
    unit_id: str
    received: int
    open: int
    overdue: int
    returned_early: int
    returned_on_time: int
    returned_late: int
    on_time_rate: float
    def __init__(self, unit_id: _Optional[str] = ..., received: _Optional[int] = ..., open: _Optional[int] = ..., overdue: _Optional[int] = ..., returned_early: _Optional[int] = ..., returned_on_time: _Optional[int] = ..., returned_late: _Optional[int] = ..., on_time_rate: _Optional[float] = ...) -> None: ...

class ListUnitStatisticsResponse(_message.Message):
    __slots__ = ("unit_statistics", "next_page_token", "total_size")
    UNIT_STATISTICS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SIZE_FIELD_NUMBER: _ClassVar[int]
    unit_statistics: _containers.RepeatedCompositeFieldContainer[UnitStatistics]
    next_page_token: str
    total_size: int
    def __init__(self, unit_statistics: _Optional[_Iterable[_Union[UnitStatistics, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total_size: _Optional[int] = ...) -> None: ...
