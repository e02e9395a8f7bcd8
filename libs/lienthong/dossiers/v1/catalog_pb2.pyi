from google.type import date_pb2 as _date_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CompetentLevel(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    COMPETENT_LEVEL_UNSPECIFIED: _ClassVar[CompetentLevel]
    COMPETENT_LEVEL_PROVINCE: _ClassVar[CompetentLevel]
    COMPETENT_LEVEL_COMMUNE: _ClassVar[CompetentLevel]

class BoundaryPolicy(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    BOUNDARY_POLICY_UNSPECIFIED: _ClassVar[BoundaryPolicy]
    BOUNDARY_POLICY_ANYWHERE_IN_PROVINCE: _ClassVar[BoundaryPolicy]
    BOUNDARY_POLICY_ANYWHERE_IN_COUNTRY: _ClassVar[BoundaryPolicy]
    BOUNDARY_POLICY_COMPETENT_UNIT_ONLY: _ClassVar[BoundaryPolicy]
COMPETENT_LEVEL_UNSPECIFIED: CompetentLevel
COMPETENT_LEVEL_PROVINCE: CompetentLevel
COMPETENT_LEVEL_COMMUNE: CompetentLevel
BOUNDARY_POLICY_UNSPECIFIED: BoundaryPolicy
BOUNDARY_POLICY_ANYWHERE_IN_PROVINCE: BoundaryPolicy
BOUNDARY_POLICY_ANYWHERE_IN_COUNTRY: BoundaryPolicy
BOUNDARY_POLICY_COMPETENT_UNIT_ONLY: BoundaryPolicy

class RequiredDocument(_message.Message):
    __slots__ = ("name", "copies", "original_required")
    NAME_FIELD_NUMBER: _ClassVar[int]
    COPIES_FIELD_NUMBER: _ClassVar[int]
    ORIGINAL_REQUIRED_FIELD_NUMBER: _ClassVar[int]
    name: str
    copies: int
    original_required: bool
    def __init__(self, name: _Optional[str] = ..., copies: _Optional[int] = ..., original_required: _Optional[bool] = ...) -> None: ...

class ProcedureVersion(_message.Message):
    __slots__ = ("version", "effective_date", "name", "sector", "competent_level", "competent_agency_kind", "processing_working_days", "required_documents", "fee_vnd", "result_document_type", "boundary_policy")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_DATE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    SECTOR_FIELD_NUMBER: _ClassVar[int]
    COMPETENT_LEVEL_FIELD_NUMBER: _ClassVar[int]
    COMPETENT_AGENCY_KIND_FIELD_NUMBER: _ClassVar[int]
    PROCESSING_WORKING_DAYS_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_DOCUMENTS_FIELD_NUMBER: _ClassVar[int]
    FEE_VND_FIELD_NUMBER: _ClassVar[int]
    RESULT_DOCUMENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    BOUNDARY_POLICY_FIELD_NUMBER: _ClassVar[int]
    version: int
    effective_date: _date_pb2.Date
    name: str
    sector: str
    competent_level: CompetentLevel
    competent_agency_kind: str
    processing_working_days: int
    required_documents: _containers.RepeatedCompositeFieldContainer[RequiredDocument]
    fee_vnd: int
    result_document_type: str
    boundary_policy: BoundaryPolicy
    def __init__(self, version: _Optional[int] = ..., effective_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., name: _Optional[str] = ..., sector: _Optional[str] = ..., competent_level: _Optional[_Union[CompetentLevel, str]] = ..., competent_agency_kind: _Optional[str] = ..., processing_working_days: _Optional[int] = ..., required_documents: _Optional[_Iterable[_Union[RequiredDocument, _Mapping]]] = ..., fee_vnd: _Optional[int] = ..., result_document_type: _Optional[str] = ..., boundary_policy: _Optional[_Union[BoundaryPolicy, str]] = ...) -> None: ...

class Procedure(_message.Message):
    __slots__ = ("procedure_code", "versions", "current_version")
    PROCEDURE_CODE_FIELD_NUMBER: _ClassVar[int]
    VERSIONS_FIELD_NUMBER: _ClassVar[int]
    CURRENT_VERSION_FIELD_NUMBER: _ClassVar[int]
    procedure_code: str
    versions: _containers.RepeatedCompositeFieldContainer[ProcedureVersion]
    current_version: ProcedureVersion
    def __init__(self, procedure_code: _Optional[str] = ..., versions: _Optional[_Iterable[_Union[ProcedureVersion, _Mapping]]] = ..., current_version: _Optional[_Union[ProcedureVersion, _Mapping]] = ...) -> None: ...

class CreateProcedureRequest(_message.Message):
    __slots__ = ("request_id", "procedure_code", "first_version", "reason")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    PROCEDURE_CODE_FIELD_NUMBER: _ClassVar[int]
    FIRST_VERSION_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    procedure_code: str
    first_version: ProcedureVersion
    reason: str
    def __init__(self, request_id: _Optional[str] = ..., procedure_code: _Optional[str] = ..., first_version: _Optional[_Union[ProcedureVersion, _Mapping]] = ..., reason: _Optional[str] = ...) -> None: ...

class AddProcedureVersionRequest(_message.Message):
    __slots__ = ("request_id", "procedure_code", "version", "reason")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    PROCEDURE_CODE_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    procedure_code: str
    version: ProcedureVersion
    reason: str
    def __init__(self, request_id: _Optional[str] = ..., procedure_code: _Optional[str] = ..., version: _Optional[_Union[ProcedureVersion, _Mapping]] = ..., reason: _Optional[str] = ...) -> None: ...

class GetProcedureRequest(_message.Message):
    __slots__ = ("procedure_code", "as_of")
    PROCEDURE_CODE_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    procedure_code: str
    as_of: _date_pb2.Date
    def __init__(self, procedure_code: _Optional[str] = ..., as_of: _Optional[_Union[_date_pb2.Date, _Mapping]] = ...) -> None: ...

class ListProceduresRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "sector", "competent_level")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    SECTOR_FIELD_NUMBER: _ClassVar[int]
    COMPETENT_LEVEL_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    sector: str
    competent_level: CompetentLevel
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., sector: _Optional[str] = ..., competent_level: _Optional[_Union[CompetentLevel, str]] = ...) -> None: ...

class ListProceduresResponse(_message.Message):
    __slots__ = ("procedures", "next_page_token")
    PROCEDURES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    procedures: _containers.RepeatedCompositeFieldContainer[Procedure]
    next_page_token: str
    def __init__(self, procedures: _Optional[_Iterable[_Union[Procedure, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...
