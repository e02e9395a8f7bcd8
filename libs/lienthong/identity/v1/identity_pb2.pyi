import datetime

from google.type import date_pb2 as _date_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class UnitLevel(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    UNIT_LEVEL_UNSPECIFIED: _ClassVar[UnitLevel]
    UNIT_LEVEL_PROVINCE: _ClassVar[UnitLevel]
    UNIT_LEVEL_DISTRICT: _ClassVar[UnitLevel]
    UNIT_LEVEL_COMMUNE: _ClassVar[UnitLevel]
    UNIT_LEVEL_AGENCY: _ClassVar[UnitLevel]

class UnitKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    UNIT_KIND_UNSPECIFIED: _ClassVar[UnitKind]
    UNIT_KIND_MUNICIPALITY: _ClassVar[UnitKind]
    UNIT_KIND_PROVINCE: _ClassVar[UnitKind]
    UNIT_KIND_URBAN_DISTRICT: _ClassVar[UnitKind]
    UNIT_KIND_RURAL_DISTRICT: _ClassVar[UnitKind]
    UNIT_KIND_TOWN: _ClassVar[UnitKind]
    UNIT_KIND_PROVINCIAL_CITY: _ClassVar[UnitKind]
    UNIT_KIND_WARD: _ClassVar[UnitKind]
    UNIT_KIND_COMMUNE: _ClassVar[UnitKind]
    UNIT_KIND_TOWNSHIP: _ClassVar[UnitKind]
    UNIT_KIND_SPECIAL_ZONE: _ClassVar[UnitKind]
    UNIT_KIND_AGENCY: _ClassVar[UnitKind]

class UnitStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    UNIT_STATUS_UNSPECIFIED: _ClassVar[UnitStatus]
    UNIT_STATUS_ACTIVE: _ClassVar[UnitStatus]
    UNIT_STATUS_MERGED: _ClassVar[UnitStatus]
    UNIT_STATUS_DIVIDED: _ClassVar[UnitStatus]
    UNIT_STATUS_DISSOLVED: _ClassVar[UnitStatus]

class ChangeKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CHANGE_KIND_UNSPECIFIED: _ClassVar[ChangeKind]
    CHANGE_KIND_REGISTERED: _ClassVar[ChangeKind]
    CHANGE_KIND_RENAMED: _ClassVar[ChangeKind]
    CHANGE_KIND_MERGED: _ClassVar[ChangeKind]
    CHANGE_KIND_DIVIDED: _ClassVar[ChangeKind]
    CHANGE_KIND_DISSOLVED: _ClassVar[ChangeKind]
    CHANGE_KIND_ABSORBED: _ClassVar[ChangeKind]
    CHANGE_KIND_AGENCY_CODE_ASSIGNED: _ClassVar[ChangeKind]
UNIT_LEVEL_UNSPECIFIED: UnitLevel
UNIT_LEVEL_PROVINCE: UnitLevel
UNIT_LEVEL_DISTRICT: UnitLevel
UNIT_LEVEL_COMMUNE: UnitLevel
UNIT_LEVEL_AGENCY: UnitLevel
UNIT_KIND_UNSPECIFIED: UnitKind
UNIT_KIND_MUNICIPALITY: UnitKind
UNIT_KIND_PROVINCE: UnitKind
UNIT_KIND_URBAN_DISTRICT: UnitKind
UNIT_KIND_RURAL_DISTRICT: UnitKind
UNIT_KIND_TOWN: UnitKind
UNIT_KIND_PROVINCIAL_CITY: UnitKind
UNIT_KIND_WARD: UnitKind
UNIT_KIND_COMMUNE: UnitKind
UNIT_KIND_TOWNSHIP: UnitKind
UNIT_KIND_SPECIAL_ZONE: UnitKind
UNIT_KIND_AGENCY: UnitKind
UNIT_STATUS_UNSPECIFIED: UnitStatus
UNIT_STATUS_ACTIVE: UnitStatus
UNIT_STATUS_MERGED: UnitStatus
UNIT_STATUS_DIVIDED: UnitStatus
UNIT_STATUS_DISSOLVED: UnitStatus
CHANGE_KIND_UNSPECIFIED: ChangeKind
CHANGE_KIND_REGISTERED: ChangeKind
CHANGE_KIND_RENAMED: ChangeKind
CHANGE_KIND_MERGED: ChangeKind
CHANGE_KIND_DIVIDED: ChangeKind
CHANGE_KIND_DISSOLVED: ChangeKind
CHANGE_KIND_ABSORBED: ChangeKind
CHANGE_KIND_AGENCY_CODE_ASSIGNED: ChangeKind

class Successor(_message.Message):
    __slots__ = ("unit_id", "is_default")
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    IS_DEFAULT_FIELD_NUMBER: _ClassVar[int]
    unit_id: str
    is_default: bool
    def __init__(self, unit_id: _Optional[str] = ..., is_default: _Optional[bool] = ...) -> None: ...

class Unit(_message.Message):
    __slots__ = ("unit_id", "display_name", "level", "kind", "administrative_unit_code", "agency_code", "parent_unit_id", "province_unit_id", "status", "effective_date", "retired_date", "successors", "predecessor_unit_ids", "version", "agency_code_provisional", "agency_codes")
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    ADMINISTRATIVE_UNIT_CODE_FIELD_NUMBER: _ClassVar[int]
    AGENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    PARENT_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    PROVINCE_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_DATE_FIELD_NUMBER: _ClassVar[int]
    RETIRED_DATE_FIELD_NUMBER: _ClassVar[int]
    SUCCESSORS_FIELD_NUMBER: _ClassVar[int]
    PREDECESSOR_UNIT_IDS_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    AGENCY_CODE_PROVISIONAL_FIELD_NUMBER: _ClassVar[int]
    AGENCY_CODES_FIELD_NUMBER: _ClassVar[int]
    unit_id: str
    display_name: str
    level: UnitLevel
    kind: UnitKind
    administrative_unit_code: str
    agency_code: str
    parent_unit_id: str
    province_unit_id: str
    status: UnitStatus
    effective_date: _date_pb2.Date
    retired_date: _date_pb2.Date
    successors: _containers.RepeatedCompositeFieldContainer[Successor]
    predecessor_unit_ids: _containers.RepeatedScalarFieldContainer[str]
    version: int
    agency_code_provisional: bool
    agency_codes: _containers.RepeatedCompositeFieldContainer[AgencyCodeHolding]
    def __init__(self, unit_id: _Optional[str] = ..., display_name: _Optional[str] = ..., level: _Optional[_Union[UnitLevel, str]] = ..., kind: _Optional[_Union[UnitKind, str]] = ..., administrative_unit_code: _Optional[str] = ..., agency_code: _Optional[str] = ..., parent_unit_id: _Optional[str] = ..., province_unit_id: _Optional[str] = ..., status: _Optional[_Union[UnitStatus, str]] = ..., effective_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., retired_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., successors: _Optional[_Iterable[_Union[Successor, _Mapping]]] = ..., predecessor_unit_ids: _Optional[_Iterable[str]] = ..., version: _Optional[int] = ..., agency_code_provisional: _Optional[bool] = ..., agency_codes: _Optional[_Iterable[_Union[AgencyCodeHolding, _Mapping]]] = ...) -> None: ...

class AgencyCodeHolding(_message.Message):
    __slots__ = ("agency_code", "effective_date", "provisional", "decision_number", "decision_date")
    AGENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_DATE_FIELD_NUMBER: _ClassVar[int]
    PROVISIONAL_FIELD_NUMBER: _ClassVar[int]
    DECISION_NUMBER_FIELD_NUMBER: _ClassVar[int]
    DECISION_DATE_FIELD_NUMBER: _ClassVar[int]
    agency_code: str
    effective_date: _date_pb2.Date
    provisional: bool
    decision_number: str
    decision_date: _date_pb2.Date
    def __init__(self, agency_code: _Optional[str] = ..., effective_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., provisional: _Optional[bool] = ..., decision_number: _Optional[str] = ..., decision_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ...) -> None: ...

class NewUnit(_message.Message):
    __slots__ = ("display_name", "level", "kind", "administrative_unit_code", "agency_code", "parent_unit_id")
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    ADMINISTRATIVE_UNIT_CODE_FIELD_NUMBER: _ClassVar[int]
    AGENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    PARENT_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    display_name: str
    level: UnitLevel
    kind: UnitKind
    administrative_unit_code: str
    agency_code: str
    parent_unit_id: str
    def __init__(self, display_name: _Optional[str] = ..., level: _Optional[_Union[UnitLevel, str]] = ..., kind: _Optional[_Union[UnitKind, str]] = ..., administrative_unit_code: _Optional[str] = ..., agency_code: _Optional[str] = ..., parent_unit_id: _Optional[str] = ...) -> None: ...

class RegisterUnitRequest(_message.Message):
    __slots__ = ("request_id", "display_name", "level", "kind", "administrative_unit_code", "agency_code", "parent_unit_id", "effective_date", "reason")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    ADMINISTRATIVE_UNIT_CODE_FIELD_NUMBER: _ClassVar[int]
    AGENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    PARENT_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_DATE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    display_name: str
    level: UnitLevel
    kind: UnitKind
    administrative_unit_code: str
    agency_code: str
    parent_unit_id: str
    effective_date: _date_pb2.Date
    reason: str
    def __init__(self, request_id: _Optional[str] = ..., display_name: _Optional[str] = ..., level: _Optional[_Union[UnitLevel, str]] = ..., kind: _Optional[_Union[UnitKind, str]] = ..., administrative_unit_code: _Optional[str] = ..., agency_code: _Optional[str] = ..., parent_unit_id: _Optional[str] = ..., effective_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., reason: _Optional[str] = ...) -> None: ...

class GetUnitRequest(_message.Message):
    __slots__ = ("unit_id",)
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    unit_id: str
    def __init__(self, unit_id: _Optional[str] = ...) -> None: ...

class ListUnitsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "level", "kind", "parent_unit_id", "province_unit_id", "status")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    PARENT_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    PROVINCE_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    level: UnitLevel
    kind: UnitKind
    parent_unit_id: str
    province_unit_id: str
    status: UnitStatus
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., level: _Optional[_Union[UnitLevel, str]] = ..., kind: _Optional[_Union[UnitKind, str]] = ..., parent_unit_id: _Optional[str] = ..., province_unit_id: _Optional[str] = ..., status: _Optional[_Union[UnitStatus, str]] = ...) -> None: ...

class ListUnitsResponse(_message.Message):
    __slots__ = ("units", "next_page_token", "total_size")
    UNITS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SIZE_FIELD_NUMBER: _ClassVar[int]
    units: _containers.RepeatedCompositeFieldContainer[Unit]
    next_page_token: str
    total_size: int
    def __init__(self, units: _Optional[_Iterable[_Union[Unit, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total_size: _Optional[int] = ...) -> None: ...

class SearchUnitsRequest(_message.Message):
    __slots__ = ("query", "page_size", "page_token", "include_retired", "level")
    QUERY_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_RETIRED_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    query: str
    page_size: int
    page_token: str
    include_retired: bool
    level: UnitLevel
    def __init__(self, query: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., include_retired: _Optional[bool] = ..., level: _Optional[_Union[UnitLevel, str]] = ...) -> None: ...

class SearchUnitsResponse(_message.Message):
    __slots__ = ("units", "next_page_token")
    UNITS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    units: _containers.RepeatedCompositeFieldContainer[Unit]
    next_page_token: str
    def __init__(self, units: _Optional[_Iterable[_Union[Unit, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class RenameUnitRequest(_message.Message):
    __slots__ = ("request_id", "unit_id", "display_name", "effective_date", "reason")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_DATE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    unit_id: str
    display_name: str
    effective_date: _date_pb2.Date
    reason: str
    def __init__(self, request_id: _Optional[str] = ..., unit_id: _Optional[str] = ..., display_name: _Optional[str] = ..., effective_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., reason: _Optional[str] = ...) -> None: ...

class MergeUnitsRequest(_message.Message):
    __slots__ = ("request_id", "source_unit_ids", "successor_unit_id", "new_successor", "effective_date", "reason")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    SOURCE_UNIT_IDS_FIELD_NUMBER: _ClassVar[int]
    SUCCESSOR_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    NEW_SUCCESSOR_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_DATE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    source_unit_ids: _containers.RepeatedScalarFieldContainer[str]
    successor_unit_id: str
    new_successor: NewUnit
    effective_date: _date_pb2.Date
    reason: str
    def __init__(self, request_id: _Optional[str] = ..., source_unit_ids: _Optional[_Iterable[str]] = ..., successor_unit_id: _Optional[str] = ..., new_successor: _Optional[_Union[NewUnit, _Mapping]] = ..., effective_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., reason: _Optional[str] = ...) -> None: ...

class MergeUnitsResponse(_message.Message):
    __slots__ = ("successor", "sources")
    SUCCESSOR_FIELD_NUMBER: _ClassVar[int]
    SOURCES_FIELD_NUMBER: _ClassVar[int]
    successor: Unit
    sources: _containers.RepeatedCompositeFieldContainer[Unit]
    def __init__(self, successor: _Optional[_Union[Unit, _Mapping]] = ..., sources: _Optional[_Iterable[_Union[Unit, _Mapping]]] = ...) -> None: ...

class DivisionSuccessor(_message.Message):
    __slots__ = ("unit_id", "new_unit", "is_default")
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    NEW_UNIT_FIELD_NUMBER: _ClassVar[int]
    IS_DEFAULT_FIELD_NUMBER: _ClassVar[int]
    unit_id: str
    new_unit: NewUnit
    is_default: bool
    def __init__(self, unit_id: _Optional[str] = ..., new_unit: _Optional[_Union[NewUnit, _Mapping]] = ..., is_default: _Optional[bool] = ...) -> None: ...

class DivideUnitRequest(_message.Message):
    __slots__ = ("request_id", "unit_id", "successors", "effective_date", "reason")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    SUCCESSORS_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_DATE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    unit_id: str
    successors: _containers.RepeatedCompositeFieldContainer[DivisionSuccessor]
    effective_date: _date_pb2.Date
    reason: str
    def __init__(self, request_id: _Optional[str] = ..., unit_id: _Optional[str] = ..., successors: _Optional[_Iterable[_Union[DivisionSuccessor, _Mapping]]] = ..., effective_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., reason: _Optional[str] = ...) -> None: ...

class DivideUnitResponse(_message.Message):
    __slots__ = ("source", "successors")
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    SUCCESSORS_FIELD_NUMBER: _ClassVar[int]
    source: Unit
    successors: _containers.RepeatedCompositeFieldContainer[Unit]
    def __init__(self, source: _Optional[_Union[Unit, _Mapping]] = ..., successors: _Optional[_Iterable[_Union[Unit, _Mapping]]] = ...) -> None: ...

class BatchDivideUnitsRequest(_message.Message):
    __slots__ = ("request_id", "divisions", "effective_date", "reason")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    DIVISIONS_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_DATE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    divisions: _containers.RepeatedCompositeFieldContainer[DivideUnitRequest]
    effective_date: _date_pb2.Date
    reason: str
    def __init__(self, request_id: _Optional[str] = ..., divisions: _Optional[_Iterable[_Union[DivideUnitRequest, _Mapping]]] = ..., effective_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., reason: _Optional[str] = ...) -> None: ...

class BatchDivideUnitsResponse(_message.Message):
    __slots__ = ("divisions",)
    DIVISIONS_FIELD_NUMBER: _ClassVar[int]
    divisions: _containers.RepeatedCompositeFieldContainer[DivideUnitResponse]
    def __init__(self, divisions: _Optional[_Iterable[_Union[DivideUnitResponse, _Mapping]]] = ...) -> None: ...

class AssignAgencyCodeRequest(_message.Message):
    __slots__ = ("request_id", "unit_id", "agency_code", "effective_date", "reason", "decision_number", "decision_date", "provisional")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    AGENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_DATE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    DECISION_NUMBER_FIELD_NUMBER: _ClassVar[int]
    DECISION_DATE_FIELD_NUMBER: _ClassVar[int]
    PROVISIONAL_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    unit_id: str
    agency_code: str
    effective_date: _date_pb2.Date
    reason: str
    decision_number: str
    decision_date: _date_pb2.Date
    provisional: bool
    def __init__(self, request_id: _Optional[str] = ..., unit_id: _Optional[str] = ..., agency_code: _Optional[str] = ..., effective_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., reason: _Optional[str] = ..., decision_number: _Optional[str] = ..., decision_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., provisional: _Optional[bool] = ...) -> None: ...

class DissolveUnitRequest(_message.Message):
    __slots__ = ("request_id", "unit_id", "records_successor_unit_id", "effective_date", "reason")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    RECORDS_SUCCESSOR_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_DATE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    unit_id: str
    records_successor_unit_id: str
    effective_date: _date_pb2.Date
    reason: str
    def __init__(self, request_id: _Optional[str] = ..., unit_id: _Optional[str] = ..., records_successor_unit_id: _Optional[str] = ..., effective_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., reason: _Optional[str] = ...) -> None: ...

class ResolveUnitRequest(_message.Message):
    __slots__ = ("code", "as_of")
    CODE_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    code: str
    as_of: _date_pb2.Date
    def __init__(self, code: _Optional[str] = ..., as_of: _Optional[_Union[_date_pb2.Date, _Mapping]] = ...) -> None: ...

class LineageChange(_message.Message):
    __slots__ = ("kind", "unit_id", "display_name", "successors", "effective_date", "agency_code", "agency_code_provisional")
    KIND_FIELD_NUMBER: _ClassVar[int]
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    SUCCESSORS_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_DATE_FIELD_NUMBER: _ClassVar[int]
    AGENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    AGENCY_CODE_PROVISIONAL_FIELD_NUMBER: _ClassVar[int]
    kind: ChangeKind
    unit_id: str
    display_name: str
    successors: _containers.RepeatedCompositeFieldContainer[Successor]
    effective_date: _date_pb2.Date
    agency_code: str
    agency_code_provisional: bool
    def __init__(self, kind: _Optional[_Union[ChangeKind, str]] = ..., unit_id: _Optional[str] = ..., display_name: _Optional[str] = ..., successors: _Optional[_Iterable[_Union[Successor, _Mapping]]] = ..., effective_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., agency_code: _Optional[str] = ..., agency_code_provisional: _Optional[bool] = ...) -> None: ...

class ResolveUnitResponse(_message.Message):
    __slots__ = ("named_unit", "current_units", "default_unit_id", "chain")
    NAMED_UNIT_FIELD_NUMBER: _ClassVar[int]
    CURRENT_UNITS_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    CHAIN_FIELD_NUMBER: _ClassVar[int]
    named_unit: Unit
    current_units: _containers.RepeatedCompositeFieldContainer[Unit]
    default_unit_id: str
    chain: _containers.RepeatedCompositeFieldContainer[LineageChange]
    def __init__(self, named_unit: _Optional[_Union[Unit, _Mapping]] = ..., current_units: _Optional[_Iterable[_Union[Unit, _Mapping]]] = ..., default_unit_id: _Optional[str] = ..., chain: _Optional[_Iterable[_Union[LineageChange, _Mapping]]] = ...) -> None: ...

class GetUnitHistoryRequest(_message.Message):
    __slots__ = ("unit_id",)
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    unit_id: str
    def __init__(self, unit_id: _Optional[str] = ...) -> None: ...

class HistoryEntry(_message.Message):
    __slots__ = ("version", "event_type", "recorded_time", "effective_date", "actor", "actor_agency_code", "request_id", "correlation_id", "causation_id", "trace_id", "reason", "payload_json")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    RECORDED_TIME_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_DATE_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    ACTOR_AGENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    CORRELATION_ID_FIELD_NUMBER: _ClassVar[int]
    CAUSATION_ID_FIELD_NUMBER: _ClassVar[int]
    TRACE_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_JSON_FIELD_NUMBER: _ClassVar[int]
    version: int
    event_type: str
    recorded_time: _timestamp_pb2.Timestamp
    effective_date: _date_pb2.Date
    actor: str
    actor_agency_code: str
    request_id: str
    correlation_id: str
    causation_id: str
    trace_id: str
    reason: str
    payload_json: str
    def __init__(self, version: _Optional[int] = ..., event_type: _Optional[str] = ..., recorded_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., effective_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., actor: _Optional[str] = ..., actor_agency_code: _Optional[str] = ..., request_id: _Optional[str] = ..., correlation_id: _Optional[str] = ..., causation_id: _Optional[str] = ..., trace_id: _Optional[str] = ..., reason: _Optional[str] = ..., payload_json: _Optional[str] = ...) -> None: ...

class GetUnitHistoryResponse(_message.Message):
    __slots__ = ("entries",)
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[HistoryEntry]
    def __init__(self, entries: _Optional[_Iterable[_Union[HistoryEntry, _Mapping]]] = ...) -> None: ...
