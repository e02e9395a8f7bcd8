import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.type import date_pb2 as _date_pb2
from lienthong.dossiers.v1 import catalog_pb2 as _catalog_pb2
from lienthong.dossiers.v1 import dossiers_pb2 as _dossiers_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class EventMetadata(_message.Message):
    __slots__ = ("actor", "actor_agency_code", "request_id", "correlation_id", "causation_id", "trace_id", "reason", "recorded_at")
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    ACTOR_AGENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    CORRELATION_ID_FIELD_NUMBER: _ClassVar[int]
    CAUSATION_ID_FIELD_NUMBER: _ClassVar[int]
    TRACE_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    RECORDED_AT_FIELD_NUMBER: _ClassVar[int]
    actor: str
    actor_agency_code: str
    request_id: str
    correlation_id: str
    causation_id: str
    trace_id: str
    reason: str
    recorded_at: _timestamp_pb2.Timestamp
    def __init__(self, actor: _Optional[str] = ..., actor_agency_code: _Optional[str] = ..., request_id: _Optional[str] = ..., correlation_id: _Optional[str] = ..., causation_id: _Optional[str] = ..., trace_id: _Optional[str] = ..., reason: _Optional[str] = ..., recorded_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class DossierSubmitted(_message.Message):
    __slots__ = ("metadata", "dossier_id", "dossier_code", "status", "procedure_code", "procedure_version", "sector", "channel", "applicant", "receiving_unit_id", "competent_unit_id", "processing_working_days", "submitted_documents", "submit_time", "sealed_applicant")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    DOSSIER_ID_FIELD_NUMBER: _ClassVar[int]
    DOSSIER_CODE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    PROCEDURE_CODE_FIELD_NUMBER: _ClassVar[int]
    PROCEDURE_VERSION_FIELD_NUMBER: _ClassVar[int]
    SECTOR_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    APPLICANT_FIELD_NUMBER: _ClassVar[int]
    RECEIVING_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    COMPETENT_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    PROCESSING_WORKING_DAYS_FIELD_NUMBER: _ClassVar[int]
    SUBMITTED_DOCUMENTS_FIELD_NUMBER: _ClassVar[int]
    SUBMIT_TIME_FIELD_NUMBER: _ClassVar[int]
    SEALED_APPLICANT_FIELD_NUMBER: _ClassVar[int]
    metadata: EventMetadata
    dossier_id: str
    dossier_code: str
    status: _dossiers_pb2.DossierStatus
    procedure_code: str
    procedure_version: int
    sector: str
    channel: _dossiers_pb2.Channel
    applicant: _dossiers_pb2.Applicant
    receiving_unit_id: str
    competent_unit_id: str
    processing_working_days: int
    submitted_documents: _containers.RepeatedScalarFieldContainer[str]
    submit_time: _timestamp_pb2.Timestamp
    sealed_applicant: SealedPersonalData
    def __init__(self, metadata: _Optional[_Union[EventMetadata, _Mapping]] = ..., dossier_id: _Optional[str] = ..., dossier_code: _Optional[str] = ..., status: _Optional[_Union[_dossiers_pb2.DossierStatus, str]] = ..., procedure_code: _Optional[str] = ..., procedure_version: _Optional[int] = ..., sector: _Optional[str] = ..., channel: _Optional[_Union[_dossiers_pb2.Channel, str]] = ..., applicant: _Optional[_Union[_dossiers_pb2.Applicant, _Mapping]] = ..., receiving_unit_id: _Optional[str] = ..., competent_unit_id: _Optional[str] = ..., processing_working_days: _Optional[int] = ..., submitted_documents: _Optional[_Iterable[str]] = ..., submit_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., sealed_applicant: _Optional[_Union[SealedPersonalData, _Mapping]] = ...) -> None: ...

class SealedPersonalData(_message.Message):
    __slots__ = ("subject_ref", "key_id", "nonce", "ciphertext", "algorithm")
    SUBJECT_REF_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    NONCE_FIELD_NUMBER: _ClassVar[int]
    CIPHERTEXT_FIELD_NUMBER: _ClassVar[int]
    ALGORITHM_FIELD_NUMBER: _ClassVar[int]
    subject_ref: str
    key_id: str
    nonce: bytes
    ciphertext: bytes
    algorithm: str
    def __init__(self, subject_ref: _Optional[str] = ..., key_id: _Optional[str] = ..., nonce: _Optional[bytes] = ..., ciphertext: _Optional[bytes] = ..., algorithm: _Optional[str] = ...) -> None: ...

class DossierReceived(_message.Message):
    __slots__ = ("metadata", "dossier_id", "dossier_code", "status", "receive_time", "due_date", "procedure_version", "processing_working_days")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    DOSSIER_ID_FIELD_NUMBER: _ClassVar[int]
    DOSSIER_CODE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    RECEIVE_TIME_FIELD_NUMBER: _ClassVar[int]
    DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    PROCEDURE_VERSION_FIELD_NUMBER: _ClassVar[int]
    PROCESSING_WORKING_DAYS_FIELD_NUMBER: _ClassVar[int]
    metadata: EventMetadata
    dossier_id: str
    dossier_code: str
    status: _dossiers_pb2.DossierStatus
    receive_time: _timestamp_pb2.Timestamp
    due_date: _date_pb2.Date
    procedure_version: int
    processing_working_days: int
    def __init__(self, metadata: _Optional[_Union[EventMetadata, _Mapping]] = ..., dossier_id: _Optional[str] = ..., dossier_code: _Optional[str] = ..., status: _Optional[_Union[_dossiers_pb2.DossierStatus, str]] = ..., receive_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., due_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., procedure_version: _Optional[int] = ..., processing_working_days: _Optional[int] = ...) -> None: ...

class DossierRefusedToReceive(_message.Message):
    __slots__ = ("metadata", "dossier_id", "dossier_code", "status")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    DOSSIER_ID_FIELD_NUMBER: _ClassVar[int]
    DOSSIER_CODE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    metadata: EventMetadata
    dossier_id: str
    dossier_code: str
    status: _dossiers_pb2.DossierStatus
    def __init__(self, metadata: _Optional[_Union[EventMetadata, _Mapping]] = ..., dossier_id: _Optional[str] = ..., dossier_code: _Optional[str] = ..., status: _Optional[_Union[_dossiers_pb2.DossierStatus, str]] = ...) -> None: ...

class DossierAssigned(_message.Message):
    __slots__ = ("metadata", "dossier_id", "dossier_code", "status", "handler")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    DOSSIER_ID_FIELD_NUMBER: _ClassVar[int]
    DOSSIER_CODE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    HANDLER_FIELD_NUMBER: _ClassVar[int]
    metadata: EventMetadata
    dossier_id: str
    dossier_code: str
    status: _dossiers_pb2.DossierStatus
    handler: str
    def __init__(self, metadata: _Optional[_Union[EventMetadata, _Mapping]] = ..., dossier_id: _Optional[str] = ..., dossier_code: _Optional[str] = ..., status: _Optional[_Union[_dossiers_pb2.DossierStatus, str]] = ..., handler: _Optional[str] = ...) -> None: ...

class DossierSupplementRequested(_message.Message):
    __slots__ = ("metadata", "dossier_id", "dossier_code", "status", "missing_documents", "clock_stop_time")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    DOSSIER_ID_FIELD_NUMBER: _ClassVar[int]
    DOSSIER_CODE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    MISSING_DOCUMENTS_FIELD_NUMBER: _ClassVar[int]
    CLOCK_STOP_TIME_FIELD_NUMBER: _ClassVar[int]
    metadata: EventMetadata
    dossier_id: str
    dossier_code: str
    status: _dossiers_pb2.DossierStatus
    missing_documents: _containers.RepeatedScalarFieldContainer[str]
    clock_stop_time: _timestamp_pb2.Timestamp
    def __init__(self, metadata: _Optional[_Union[EventMetadata, _Mapping]] = ..., dossier_id: _Optional[str] = ..., dossier_code: _Optional[str] = ..., status: _Optional[_Union[_dossiers_pb2.DossierStatus, str]] = ..., missing_documents: _Optional[_Iterable[str]] = ..., clock_stop_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class DossierSupplemented(_message.Message):
    __slots__ = ("metadata", "dossier_id", "dossier_code", "status", "documents", "due_date", "clock_stop_time", "clock_resume_time", "paused_working_days", "hop_due_date")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    DOSSIER_ID_FIELD_NUMBER: _ClassVar[int]
    DOSSIER_CODE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    DOCUMENTS_FIELD_NUMBER: _ClassVar[int]
    DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    CLOCK_STOP_TIME_FIELD_NUMBER: _ClassVar[int]
    CLOCK_RESUME_TIME_FIELD_NUMBER: _ClassVar[int]
    PAUSED_WORKING_DAYS_FIELD_NUMBER: _ClassVar[int]
    HOP_DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    metadata: EventMetadata
    dossier_id: str
    dossier_code: str
    status: _dossiers_pb2.DossierStatus
    documents: _containers.RepeatedScalarFieldContainer[str]
    due_date: _date_pb2.Date
    clock_stop_time: _timestamp_pb2.Timestamp
    clock_resume_time: _timestamp_pb2.Timestamp
    paused_working_days: int
    hop_due_date: _date_pb2.Date
    def __init__(self, metadata: _Optional[_Union[EventMetadata, _Mapping]] = ..., dossier_id: _Optional[str] = ..., dossier_code: _Optional[str] = ..., status: _Optional[_Union[_dossiers_pb2.DossierStatus, str]] = ..., documents: _Optional[_Iterable[str]] = ..., due_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., clock_stop_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., clock_resume_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., paused_working_days: _Optional[int] = ..., hop_due_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ...) -> None: ...

class DossierFinancialObligationRequired(_message.Message):
    __slots__ = ("metadata", "dossier_id", "dossier_code", "status", "amount_vnd", "clock_stop_time")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    DOSSIER_ID_FIELD_NUMBER: _ClassVar[int]
    DOSSIER_CODE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_VND_FIELD_NUMBER: _ClassVar[int]
    CLOCK_STOP_TIME_FIELD_NUMBER: _ClassVar[int]
    metadata: EventMetadata
    dossier_id: str
    dossier_code: str
    status: _dossiers_pb2.DossierStatus
    amount_vnd: int
    clock_stop_time: _timestamp_pb2.Timestamp
    def __init__(self, metadata: _Optional[_Union[EventMetadata, _Mapping]] = ..., dossier_id: _Optional[str] = ..., dossier_code: _Optional[str] = ..., status: _Optional[_Union[_dossiers_pb2.DossierStatus, str]] = ..., amount_vnd: _Optional[int] = ..., clock_stop_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class DossierFinancialObligationFulfilled(_message.Message):
    __slots__ = ("metadata", "dossier_id", "dossier_code", "status", "clock_stop_time", "clock_resume_time", "paused_working_days", "due_date", "hop_due_date")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    DOSSIER_ID_FIELD_NUMBER: _ClassVar[int]
    DOSSIER_CODE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    CLOCK_STOP_TIME_FIELD_NUMBER: _ClassVar[int]
    CLOCK_RESUME_TIME_FIELD_NUMBER: _ClassVar[int]
    PAUSED_WORKING_DAYS_FIELD_NUMBER: _ClassVar[int]
    DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    HOP_DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    metadata: EventMetadata
    dossier_id: str
    dossier_code: str
    status: _dossiers_pb2.DossierStatus
    clock_stop_time: _timestamp_pb2.Timestamp
    clock_resume_time: _timestamp_pb2.Timestamp
    paused_working_days: int
    due_date: _date_pb2.Date
    hop_due_date: _date_pb2.Date
    def __init__(self, metadata: _Optional[_Union[EventMetadata, _Mapping]] = ..., dossier_id: _Optional[str] = ..., dossier_code: _Optional[str] = ..., status: _Optional[_Union[_dossiers_pb2.DossierStatus, str]] = ..., clock_stop_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., clock_resume_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., paused_working_days: _Optional[int] = ..., due_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., hop_due_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ...) -> None: ...

class DossierTransferred(_message.Message):
    __slots__ = ("metadata", "dossier_id", "dossier_code", "status", "to_unit_id", "deadline_working_days", "hop_due_date", "transfer_time")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    DOSSIER_ID_FIELD_NUMBER: _ClassVar[int]
    DOSSIER_CODE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    TO_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    DEADLINE_WORKING_DAYS_FIELD_NUMBER: _ClassVar[int]
    HOP_DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    TRANSFER_TIME_FIELD_NUMBER: _ClassVar[int]
    metadata: EventMetadata
    dossier_id: str
    dossier_code: str
    status: _dossiers_pb2.DossierStatus
    to_unit_id: str
    deadline_working_days: int
    hop_due_date: _date_pb2.Date
    transfer_time: _timestamp_pb2.Timestamp
    def __init__(self, metadata: _Optional[_Union[EventMetadata, _Mapping]] = ..., dossier_id: _Optional[str] = ..., dossier_code: _Optional[str] = ..., status: _Optional[_Union[_dossiers_pb2.DossierStatus, str]] = ..., to_unit_id: _Optional[str] = ..., deadline_working_days: _Optional[int] = ..., hop_due_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., transfer_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class DossierMovedOnReorganisation(_message.Message):
    __slots__ = ("metadata", "dossier_id", "dossier_code", "status", "from_unit_id", "to_unit_id", "effective_date", "move_time")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    DOSSIER_ID_FIELD_NUMBER: _ClassVar[int]
    DOSSIER_CODE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    FROM_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    TO_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_DATE_FIELD_NUMBER: _ClassVar[int]
    MOVE_TIME_FIELD_NUMBER: _ClassVar[int]
    metadata: EventMetadata
    dossier_id: str
    dossier_code: str
    status: _dossiers_pb2.DossierStatus
    from_unit_id: str
    to_unit_id: str
    effective_date: _date_pb2.Date
    move_time: _timestamp_pb2.Timestamp
    def __init__(self, metadata: _Optional[_Union[EventMetadata, _Mapping]] = ..., dossier_id: _Optional[str] = ..., dossier_code: _Optional[str] = ..., status: _Optional[_Union[_dossiers_pb2.DossierStatus, str]] = ..., from_unit_id: _Optional[str] = ..., to_unit_id: _Optional[str] = ..., effective_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., move_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class DossierPaused(_message.Message):
    __slots__ = ("metadata", "dossier_id", "dossier_code", "status")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    DOSSIER_ID_FIELD_NUMBER: _ClassVar[int]
    DOSSIER_CODE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    metadata: EventMetadata
    dossier_id: str
    dossier_code: str
    status: _dossiers_pb2.DossierStatus
    def __init__(self, metadata: _Optional[_Union[EventMetadata, _Mapping]] = ..., dossier_id: _Optional[str] = ..., dossier_code: _Optional[str] = ..., status: _Optional[_Union[_dossiers_pb2.DossierStatus, str]] = ...) -> None: ...

class DossierResumed(_message.Message):
    __slots__ = ("metadata", "dossier_id", "dossier_code", "status")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    DOSSIER_ID_FIELD_NUMBER: _ClassVar[int]
    DOSSIER_CODE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    metadata: EventMetadata
    dossier_id: str
    dossier_code: str
    status: _dossiers_pb2.DossierStatus
    def __init__(self, metadata: _Optional[_Union[EventMetadata, _Mapping]] = ..., dossier_id: _Optional[str] = ..., dossier_code: _Optional[str] = ..., status: _Optional[_Union[_dossiers_pb2.DossierStatus, str]] = ...) -> None: ...

class DossierExtended(_message.Message):
    __slots__ = ("metadata", "dossier_id", "dossier_code", "status", "new_due_date", "apology_slip")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    DOSSIER_ID_FIELD_NUMBER: _ClassVar[int]
    DOSSIER_CODE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    NEW_DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    APOLOGY_SLIP_FIELD_NUMBER: _ClassVar[int]
    metadata: EventMetadata
    dossier_id: str
    dossier_code: str
    status: _dossiers_pb2.DossierStatus
    new_due_date: _date_pb2.Date
    apology_slip: str
    def __init__(self, metadata: _Optional[_Union[EventMetadata, _Mapping]] = ..., dossier_id: _Optional[str] = ..., dossier_code: _Optional[str] = ..., status: _Optional[_Union[_dossiers_pb2.DossierStatus, str]] = ..., new_due_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., apology_slip: _Optional[str] = ...) -> None: ...

class DossierApproved(_message.Message):
    __slots__ = ("metadata", "dossier_id", "dossier_code", "status", "result_documents", "decide_time")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    DOSSIER_ID_FIELD_NUMBER: _ClassVar[int]
    DOSSIER_CODE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    RESULT_DOCUMENTS_FIELD_NUMBER: _ClassVar[int]
    DECIDE_TIME_FIELD_NUMBER: _ClassVar[int]
    metadata: EventMetadata
    dossier_id: str
    dossier_code: str
    status: _dossiers_pb2.DossierStatus
    result_documents: _containers.RepeatedScalarFieldContainer[str]
    decide_time: _timestamp_pb2.Timestamp
    def __init__(self, metadata: _Optional[_Union[EventMetadata, _Mapping]] = ..., dossier_id: _Optional[str] = ..., dossier_code: _Optional[str] = ..., status: _Optional[_Union[_dossiers_pb2.DossierStatus, str]] = ..., result_documents: _Optional[_Iterable[str]] = ..., decide_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class DossierRejected(_message.Message):
    __slots__ = ("metadata", "dossier_id", "dossier_code", "status", "decide_time")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    DOSSIER_ID_FIELD_NUMBER: _ClassVar[int]
    DOSSIER_CODE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    DECIDE_TIME_FIELD_NUMBER: _ClassVar[int]
    metadata: EventMetadata
    dossier_id: str
    dossier_code: str
    status: _dossiers_pb2.DossierStatus
    decide_time: _timestamp_pb2.Timestamp
    def __init__(self, metadata: _Optional[_Union[EventMetadata, _Mapping]] = ..., dossier_id: _Optional[str] = ..., dossier_code: _Optional[str] = ..., status: _Optional[_Union[_dossiers_pb2.DossierStatus, str]] = ..., decide_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class DossierResultReturned(_message.Message):
    __slots__ = ("metadata", "dossier_id", "dossier_code", "status", "result_return_time", "timeliness")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    DOSSIER_ID_FIELD_NUMBER: _ClassVar[int]
    DOSSIER_CODE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    RESULT_RETURN_TIME_FIELD_NUMBER: _ClassVar[int]
    TIMELINESS_FIELD_NUMBER: _ClassVar[int]
    metadata: EventMetadata
    dossier_id: str
    dossier_code: str
    status: _dossiers_pb2.DossierStatus
    result_return_time: _timestamp_pb2.Timestamp
    timeliness: _dossiers_pb2.Timeliness
    def __init__(self, metadata: _Optional[_Union[EventMetadata, _Mapping]] = ..., dossier_id: _Optional[str] = ..., dossier_code: _Optional[str] = ..., status: _Optional[_Union[_dossiers_pb2.DossierStatus, str]] = ..., result_return_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., timeliness: _Optional[_Union[_dossiers_pb2.Timeliness, str]] = ...) -> None: ...

class DossierWithdrawn(_message.Message):
    __slots__ = ("metadata", "dossier_id", "dossier_code", "status", "withdraw_time", "paused_working_days")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    DOSSIER_ID_FIELD_NUMBER: _ClassVar[int]
    DOSSIER_CODE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    WITHDRAW_TIME_FIELD_NUMBER: _ClassVar[int]
    PAUSED_WORKING_DAYS_FIELD_NUMBER: _ClassVar[int]
    metadata: EventMetadata
    dossier_id: str
    dossier_code: str
    status: _dossiers_pb2.DossierStatus
    withdraw_time: _timestamp_pb2.Timestamp
    paused_working_days: int
    def __init__(self, metadata: _Optional[_Union[EventMetadata, _Mapping]] = ..., dossier_id: _Optional[str] = ..., dossier_code: _Optional[str] = ..., status: _Optional[_Union[_dossiers_pb2.DossierStatus, str]] = ..., withdraw_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., paused_working_days: _Optional[int] = ...) -> None: ...

class DossierStopped(_message.Message):
    __slots__ = ("metadata", "dossier_id", "dossier_code", "status", "stop_time", "paused_working_days")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    DOSSIER_ID_FIELD_NUMBER: _ClassVar[int]
    DOSSIER_CODE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    STOP_TIME_FIELD_NUMBER: _ClassVar[int]
    PAUSED_WORKING_DAYS_FIELD_NUMBER: _ClassVar[int]
    metadata: EventMetadata
    dossier_id: str
    dossier_code: str
    status: _dossiers_pb2.DossierStatus
    stop_time: _timestamp_pb2.Timestamp
    paused_working_days: int
    def __init__(self, metadata: _Optional[_Union[EventMetadata, _Mapping]] = ..., dossier_id: _Optional[str] = ..., dossier_code: _Optional[str] = ..., status: _Optional[_Union[_dossiers_pb2.DossierStatus, str]] = ..., stop_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., paused_working_days: _Optional[int] = ...) -> None: ...

class ProcedureCreated(_message.Message):
    __slots__ = ("metadata", "procedure_id", "procedure_code", "first_version")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    PROCEDURE_ID_FIELD_NUMBER: _ClassVar[int]
    PROCEDURE_CODE_FIELD_NUMBER: _ClassVar[int]
    FIRST_VERSION_FIELD_NUMBER: _ClassVar[int]
    metadata: EventMetadata
    procedure_id: str
    procedure_code: str
    first_version: _catalog_pb2.ProcedureVersion
    def __init__(self, metadata: _Optional[_Union[EventMetadata, _Mapping]] = ..., procedure_id: _Optional[str] = ..., procedure_code: _Optional[str] = ..., first_version: _Optional[_Union[_catalog_pb2.ProcedureVersion, _Mapping]] = ...) -> None: ...

class ProcedureVersionAdded(_message.Message):
    __slots__ = ("metadata", "procedure_id", "procedure_code", "version")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    PROCEDURE_ID_FIELD_NUMBER: _ClassVar[int]
    PROCEDURE_CODE_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    metadata: EventMetadata
    procedure_id: str
    procedure_code: str
    version: _catalog_pb2.ProcedureVersion
    def __init__(self, metadata: _Optional[_Union[EventMetadata, _Mapping]] = ..., procedure_id: _Optional[str] = ..., procedure_code: _Optional[str] = ..., version: _Optional[_Union[_catalog_pb2.ProcedureVersion, _Mapping]] = ...) -> None: ...

class PersonalDataErased(_message.Message):
    __slots__ = ("metadata", "subject_ref", "key_destroyed", "erase_time")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_REF_FIELD_NUMBER: _ClassVar[int]
    KEY_DESTROYED_FIELD_NUMBER: _ClassVar[int]
    ERASE_TIME_FIELD_NUMBER: _ClassVar[int]
    metadata: EventMetadata
    subject_ref: str
    key_destroyed: bool
    erase_time: _timestamp_pb2.Timestamp
    def __init__(self, metadata: _Optional[_Union[EventMetadata, _Mapping]] = ..., subject_ref: _Optional[str] = ..., key_destroyed: _Optional[bool] = ..., erase_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
