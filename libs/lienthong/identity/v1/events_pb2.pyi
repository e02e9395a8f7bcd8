import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.type import date_pb2 as _date_pb2
from lienthong.identity.v1 import identity_pb2 as _identity_pb2
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

class UnitRegistered(_message.Message):
    __slots__ = ("metadata", "unit_id", "display_name", "level", "kind", "administrative_unit_code", "agency_code", "parent_unit_id", "province_unit_id", "effective_date", "predecessor_unit_ids")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    ADMINISTRATIVE_UNIT_CODE_FIELD_NUMBER: _ClassVar[int]
    AGENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    PARENT_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    PROVINCE_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_DATE_FIELD_NUMBER: _ClassVar[int]
    PREDECESSOR_UNIT_IDS_FIELD_NUMBER: _ClassVar[int]
    metadata: EventMetadata
    unit_id: str
    display_name: str
    level: _identity_pb2.UnitLevel
    kind: _identity_pb2.UnitKind
    administrative_unit_code: str
    agency_code: str
    parent_unit_id: str
    province_unit_id: str
    effective_date: _date_pb2.Date
    predecessor_unit_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, metadata: _Optional[_Union[EventMetadata, _Mapping]] = ..., unit_id: _Optional[str] = ..., display_name: _Optional[str] = ..., level: _Optional[_Union[_identity_pb2.UnitLevel, str]] = ..., kind: _Optional[_Union[_identity_pb2.UnitKind, str]] = ..., administrative_unit_code: _Optional[str] = ..., agency_code: _Optional[str] = ..., parent_unit_id: _Optional[str] = ..., province_unit_id: _Optional[str] = ..., effective_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., predecessor_unit_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class UnitRenamed(_message.Message):
    __slots__ = ("metadata", "unit_id", "display_name", "effective_date")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_DATE_FIELD_NUMBER: _ClassVar[int]
    metadata: EventMetadata
    unit_id: str
    display_name: str
    effective_date: _date_pb2.Date
    def __init__(self, metadata: _Optional[_Union[EventMetadata, _Mapping]] = ..., unit_id: _Optional[str] = ..., display_name: _Optional[str] = ..., effective_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ...) -> None: ...

class AgencyCodeAssigned(_message.Message):
    __slots__ = ("metadata", "unit_id", "agency_code", "previous_agency_code", "effective_date", "provisional", "decision_number", "decision_date")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    AGENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_AGENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_DATE_FIELD_NUMBER: _ClassVar[int]
    PROVISIONAL_FIELD_NUMBER: _ClassVar[int]
    DECISION_NUMBER_FIELD_NUMBER: _ClassVar[int]
    DECISION_DATE_FIELD_NUMBER: _ClassVar[int]
    metadata: EventMetadata
    unit_id: str
    agency_code: str
    previous_agency_code: str
    effective_date: _date_pb2.Date
    provisional: bool
    decision_number: str
    decision_date: _date_pb2.Date
    def __init__(self, metadata: _Optional[_Union[EventMetadata, _Mapping]] = ..., unit_id: _Optional[str] = ..., agency_code: _Optional[str] = ..., previous_agency_code: _Optional[str] = ..., effective_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., provisional: _Optional[bool] = ..., decision_number: _Optional[str] = ..., decision_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ...) -> None: ...

class UnitAbsorbed(_message.Message):
    __slots__ = ("metadata", "unit_id", "predecessor_unit_ids", "effective_date")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    PREDECESSOR_UNIT_IDS_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_DATE_FIELD_NUMBER: _ClassVar[int]
    metadata: EventMetadata
    unit_id: str
    predecessor_unit_ids: _containers.RepeatedScalarFieldContainer[str]
    effective_date: _date_pb2.Date
    def __init__(self, metadata: _Optional[_Union[EventMetadata, _Mapping]] = ..., unit_id: _Optional[str] = ..., predecessor_unit_ids: _Optional[_Iterable[str]] = ..., effective_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ...) -> None: ...

class UnitMergedInto(_message.Message):
    __slots__ = ("metadata", "unit_id", "successor_unit_id", "effective_date")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    SUCCESSOR_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_DATE_FIELD_NUMBER: _ClassVar[int]
    metadata: EventMetadata
    unit_id: str
    successor_unit_id: str
    effective_date: _date_pb2.Date
    def __init__(self, metadata: _Optional[_Union[EventMetadata, _Mapping]] = ..., unit_id: _Optional[str] = ..., successor_unit_id: _Optional[str] = ..., effective_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ...) -> None: ...

class UnitDivided(_message.Message):
    __slots__ = ("metadata", "unit_id", "successor_unit_ids", "default_successor_unit_id", "effective_date")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    SUCCESSOR_UNIT_IDS_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_SUCCESSOR_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_DATE_FIELD_NUMBER: _ClassVar[int]
    metadata: EventMetadata
    unit_id: str
    successor_unit_ids: _containers.RepeatedScalarFieldContainer[str]
    default_successor_unit_id: str
    effective_date: _date_pb2.Date
    def __init__(self, metadata: _Optional[_Union[EventMetadata, _Mapping]] = ..., unit_id: _Optional[str] = ..., successor_unit_ids: _Optional[_Iterable[str]] = ..., default_successor_unit_id: _Optional[str] = ..., effective_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ...) -> None: ...

class UnitDissolved(_message.Message):
    __slots__ = ("metadata", "unit_id", "records_successor_unit_id", "effective_date")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    RECORDS_SUCCESSOR_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_DATE_FIELD_NUMBER: _ClassVar[int]
    metadata: EventMetadata
    unit_id: str
    records_successor_unit_id: str
    effective_date: _date_pb2.Date
    def __init__(self, metadata: _Optional[_Union[EventMetadata, _Mapping]] = ..., unit_id: _Optional[str] = ..., records_successor_unit_id: _Optional[str] = ..., effective_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ...) -> None: ...

class AgencyCodeIssued(_message.Message):
    __slots__ = ("metadata", "agency_code", "unit_id")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    AGENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    metadata: EventMetadata
    agency_code: str
    unit_id: str
    def __init__(self, metadata: _Optional[_Union[EventMetadata, _Mapping]] = ..., agency_code: _Optional[str] = ..., unit_id: _Optional[str] = ...) -> None: ...

class AdministrativeCodeIssued(_message.Message):
    __slots__ = ("metadata", "administrative_unit_code", "unit_id", "effective_date")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    ADMINISTRATIVE_UNIT_CODE_FIELD_NUMBER: _ClassVar[int]
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_DATE_FIELD_NUMBER: _ClassVar[int]
    metadata: EventMetadata
    administrative_unit_code: str
    unit_id: str
    effective_date: _date_pb2.Date
    def __init__(self, metadata: _Optional[_Union[EventMetadata, _Mapping]] = ..., administrative_unit_code: _Optional[str] = ..., unit_id: _Optional[str] = ..., effective_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ...) -> None: ...

class AdministrativeCodeCarriedOn(_message.Message):
    __slots__ = ("metadata", "administrative_unit_code", "unit_id", "from_unit_id", "effective_date")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    ADMINISTRATIVE_UNIT_CODE_FIELD_NUMBER: _ClassVar[int]
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    FROM_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_DATE_FIELD_NUMBER: _ClassVar[int]
    metadata: EventMetadata
    administrative_unit_code: str
    unit_id: str
    from_unit_id: str
    effective_date: _date_pb2.Date
    def __init__(self, metadata: _Optional[_Union[EventMetadata, _Mapping]] = ..., administrative_unit_code: _Optional[str] = ..., unit_id: _Optional[str] = ..., from_unit_id: _Optional[str] = ..., effective_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ...) -> None: ...
