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

class RecordState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RECORD_STATE_UNSPECIFIED: _ClassVar[RecordState]
    RECORD_STATE_CATALOGUED: _ClassVar[RecordState]
    RECORD_STATE_DIGITIZING: _ClassVar[RecordState]
    RECORD_STATE_DIGITIZED: _ClassVar[RecordState]
    RECORD_STATE_SEALED: _ClassVar[RecordState]
    RECORD_STATE_PRESERVED: _ClassVar[RecordState]

class RecordOrigin(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RECORD_ORIGIN_UNSPECIFIED: _ClassVar[RecordOrigin]
    RECORD_ORIGIN_PAPER: _ClassVar[RecordOrigin]
    RECORD_ORIGIN_DOSSIER: _ClassVar[RecordOrigin]
    RECORD_ORIGIN_DOCUMENT: _ClassVar[RecordOrigin]

class AccessMode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ACCESS_MODE_UNSPECIFIED: _ClassVar[AccessMode]
    ACCESS_MODE_OPEN: _ClassVar[AccessMode]
    ACCESS_MODE_RESTRICTED: _ClassVar[AccessMode]
    ACCESS_MODE_SECRET: _ClassVar[AccessMode]

class PageKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PAGE_KIND_UNSPECIFIED: _ClassVar[PageKind]
    PAGE_KIND_TEXT: _ClassVar[PageKind]
    PAGE_KIND_MAP_OR_DRAWING: _ClassVar[PageKind]

class TransferState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TRANSFER_STATE_UNSPECIFIED: _ClassVar[TransferState]
    TRANSFER_STATE_PREPARED: _ClassVar[TransferState]
    TRANSFER_STATE_RECONCILED: _ClassVar[TransferState]
    TRANSFER_STATE_COMPLETED: _ClassVar[TransferState]
    TRANSFER_STATE_SUPERSEDED: _ClassVar[TransferState]
RECORD_STATE_UNSPECIFIED: RecordState
RECORD_STATE_CATALOGUED: RecordState
RECORD_STATE_DIGITIZING: RecordState
RECORD_STATE_DIGITIZED: RecordState
RECORD_STATE_SEALED: RecordState
RECORD_STATE_PRESERVED: RecordState
RECORD_ORIGIN_UNSPECIFIED: RecordOrigin
RECORD_ORIGIN_PAPER: RecordOrigin
RECORD_ORIGIN_DOSSIER: RecordOrigin
RECORD_ORIGIN_DOCUMENT: RecordOrigin
ACCESS_MODE_UNSPECIFIED: AccessMode
ACCESS_MODE_OPEN: AccessMode
ACCESS_MODE_RESTRICTED: AccessMode
ACCESS_MODE_SECRET: AccessMode
PAGE_KIND_UNSPECIFIED: PageKind
PAGE_KIND_TEXT: PageKind
PAGE_KIND_MAP_OR_DRAWING: PageKind
TRANSFER_STATE_UNSPECIFIED: TransferState
TRANSFER_STATE_PREPARED: TransferState
TRANSFER_STATE_RECONCILED: TransferState
TRANSFER_STATE_COMPLETED: TransferState
TRANSFER_STATE_SUPERSEDED: TransferState

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

class RecordDescription(_message.Message):
    __slots__ = ("notation", "year", "title", "retention_years", "start_date", "end_date", "page_count", "document_count", "language", "keywords", "access", "physical_condition", "fonds_name")
    NOTATION_FIELD_NUMBER: _ClassVar[int]
    YEAR_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    RETENTION_YEARS_FIELD_NUMBER: _ClassVar[int]
    START_DATE_FIELD_NUMBER: _ClassVar[int]
    END_DATE_FIELD_NUMBER: _ClassVar[int]
    PAGE_COUNT_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_COUNT_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    KEYWORDS_FIELD_NUMBER: _ClassVar[int]
    ACCESS_FIELD_NUMBER: _ClassVar[int]
    PHYSICAL_CONDITION_FIELD_NUMBER: _ClassVar[int]
    FONDS_NAME_FIELD_NUMBER: _ClassVar[int]
    notation: str
    year: int
    title: str
    retention_years: int
    start_date: _date_pb2.Date
    end_date: _date_pb2.Date
    page_count: int
    document_count: int
    language: str
    keywords: _containers.RepeatedScalarFieldContainer[str]
    access: AccessMode
    physical_condition: str
    fonds_name: str
    def __init__(self, notation: _Optional[str] = ..., year: _Optional[int] = ..., title: _Optional[str] = ..., retention_years: _Optional[int] = ..., start_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., end_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., page_count: _Optional[int] = ..., document_count: _Optional[int] = ..., language: _Optional[str] = ..., keywords: _Optional[_Iterable[str]] = ..., access: _Optional[_Union[AccessMode, str]] = ..., physical_condition: _Optional[str] = ..., fonds_name: _Optional[str] = ...) -> None: ...

class FixitySummary(_message.Message):
    __slots__ = ("checked_at", "outcome", "checks", "next_check_at")
    CHECKED_AT_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    CHECKS_FIELD_NUMBER: _ClassVar[int]
    NEXT_CHECK_AT_FIELD_NUMBER: _ClassVar[int]
    checked_at: _timestamp_pb2.Timestamp
    outcome: str
    checks: int
    next_check_at: _timestamp_pb2.Timestamp
    def __init__(self, checked_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., outcome: _Optional[str] = ..., checks: _Optional[int] = ..., next_check_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Record(_message.Message):
    __slots__ = ("record_id", "fonds_id", "file_code", "unit_id", "agency_code", "description", "origin", "source_id", "state", "digitized_copy", "sealed_copy", "package_id", "package", "fixity", "pages_accepted", "catalogue_time", "holder_unit_id")
    RECORD_ID_FIELD_NUMBER: _ClassVar[int]
    FONDS_ID_FIELD_NUMBER: _ClassVar[int]
    FILE_CODE_FIELD_NUMBER: _ClassVar[int]
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    AGENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    ORIGIN_FIELD_NUMBER: _ClassVar[int]
    SOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    DIGITIZED_COPY_FIELD_NUMBER: _ClassVar[int]
    SEALED_COPY_FIELD_NUMBER: _ClassVar[int]
    PACKAGE_ID_FIELD_NUMBER: _ClassVar[int]
    PACKAGE_FIELD_NUMBER: _ClassVar[int]
    FIXITY_FIELD_NUMBER: _ClassVar[int]
    PAGES_ACCEPTED_FIELD_NUMBER: _ClassVar[int]
    CATALOGUE_TIME_FIELD_NUMBER: _ClassVar[int]
    HOLDER_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    record_id: str
    fonds_id: str
    file_code: str
    unit_id: str
    agency_code: str
    description: RecordDescription
    origin: RecordOrigin
    source_id: str
    state: RecordState
    digitized_copy: FileRef
    sealed_copy: FileRef
    package_id: str
    package: FileRef
    fixity: FixitySummary
    pages_accepted: int
    catalogue_time: _timestamp_pb2.Timestamp
    holder_unit_id: str
    def __init__(self, record_id: _Optional[str] = ..., fonds_id: _Optional[str] = ..., file_code: _Optional[str] = ..., unit_id: _Optional[str] = ..., agency_code: _Optional[str] = ..., description: _Optional[_Union[RecordDescription, _Mapping]] = ..., origin: _Optional[_Union[RecordOrigin, str]] = ..., source_id: _Optional[str] = ..., state: _Optional[_Union[RecordState, str]] = ..., digitized_copy: _Optional[_Union[FileRef, _Mapping]] = ..., sealed_copy: _Optional[_Union[FileRef, _Mapping]] = ..., package_id: _Optional[str] = ..., package: _Optional[_Union[FileRef, _Mapping]] = ..., fixity: _Optional[_Union[FixitySummary, _Mapping]] = ..., pages_accepted: _Optional[int] = ..., catalogue_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., holder_unit_id: _Optional[str] = ...) -> None: ...

class Fonds(_message.Message):
    __slots__ = ("fonds_id", "unit_id", "agency_code", "name", "holder_unit_id", "closed", "records", "transfer_ids")
    FONDS_ID_FIELD_NUMBER: _ClassVar[int]
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    AGENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    HOLDER_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    CLOSED_FIELD_NUMBER: _ClassVar[int]
    RECORDS_FIELD_NUMBER: _ClassVar[int]
    TRANSFER_IDS_FIELD_NUMBER: _ClassVar[int]
    fonds_id: str
    unit_id: str
    agency_code: str
    name: str
    holder_unit_id: str
    closed: bool
    records: int
    transfer_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, fonds_id: _Optional[str] = ..., unit_id: _Optional[str] = ..., agency_code: _Optional[str] = ..., name: _Optional[str] = ..., holder_unit_id: _Optional[str] = ..., closed: _Optional[bool] = ..., records: _Optional[int] = ..., transfer_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class CatalogueRecordRequest(_message.Message):
    __slots__ = ("request_id", "unit_id", "description")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    unit_id: str
    description: RecordDescription
    def __init__(self, request_id: _Optional[str] = ..., unit_id: _Optional[str] = ..., description: _Optional[_Union[RecordDescription, _Mapping]] = ...) -> None: ...

class GetRecordRequest(_message.Message):
    __slots__ = ("record_id",)
    RECORD_ID_FIELD_NUMBER: _ClassVar[int]
    record_id: str
    def __init__(self, record_id: _Optional[str] = ...) -> None: ...

class ListRecordsRequest(_message.Message):
    __slots__ = ("fonds_id", "page_size", "page_token")
    FONDS_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    fonds_id: str
    page_size: int
    page_token: str
    def __init__(self, fonds_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListRecordsResponse(_message.Message):
    __slots__ = ("records", "next_page_token", "total_size")
    RECORDS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SIZE_FIELD_NUMBER: _ClassVar[int]
    records: _containers.RepeatedCompositeFieldContainer[Record]
    next_page_token: str
    total_size: int
    def __init__(self, records: _Optional[_Iterable[_Union[Record, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total_size: _Optional[int] = ...) -> None: ...

class GetFondsRequest(_message.Message):
    __slots__ = ("fonds_id",)
    FONDS_ID_FIELD_NUMBER: _ClassVar[int]
    fonds_id: str
    def __init__(self, fonds_id: _Optional[str] = ...) -> None: ...

class ListFondsRequest(_message.Message):
    __slots__ = ("holder_unit_id",)
    HOLDER_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    holder_unit_id: str
    def __init__(self, holder_unit_id: _Optional[str] = ...) -> None: ...

class ListFondsResponse(_message.Message):
    __slots__ = ("fonds",)
    FONDS_FIELD_NUMBER: _ClassVar[int]
    fonds: _containers.RepeatedCompositeFieldContainer[Fonds]
    def __init__(self, fonds: _Optional[_Iterable[_Union[Fonds, _Mapping]]] = ...) -> None: ...

class GetPreservationHistoryRequest(_message.Message):
    __slots__ = ("record_id",)
    RECORD_ID_FIELD_NUMBER: _ClassVar[int]
    record_id: str
    def __init__(self, record_id: _Optional[str] = ...) -> None: ...

class PreservationHistory(_message.Message):
    __slots__ = ("record_id", "premis_xml", "events")
    RECORD_ID_FIELD_NUMBER: _ClassVar[int]
    PREMIS_XML_FIELD_NUMBER: _ClassVar[int]
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    record_id: str
    premis_xml: bytes
    events: int
    def __init__(self, record_id: _Optional[str] = ..., premis_xml: _Optional[bytes] = ..., events: _Optional[int] = ...) -> None: ...

class CheckFixityRequest(_message.Message):
    __slots__ = ("record_id",)
    RECORD_ID_FIELD_NUMBER: _ClassVar[int]
    record_id: str
    def __init__(self, record_id: _Optional[str] = ...) -> None: ...

class FixityCheck(_message.Message):
    __slots__ = ("record_id", "outcome", "files_checked", "bytes_read", "damaged_files", "checked_at")
    RECORD_ID_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    FILES_CHECKED_FIELD_NUMBER: _ClassVar[int]
    BYTES_READ_FIELD_NUMBER: _ClassVar[int]
    DAMAGED_FILES_FIELD_NUMBER: _ClassVar[int]
    CHECKED_AT_FIELD_NUMBER: _ClassVar[int]
    record_id: str
    outcome: str
    files_checked: int
    bytes_read: int
    damaged_files: _containers.RepeatedScalarFieldContainer[str]
    checked_at: _timestamp_pb2.Timestamp
    def __init__(self, record_id: _Optional[str] = ..., outcome: _Optional[str] = ..., files_checked: _Optional[int] = ..., bytes_read: _Optional[int] = ..., damaged_files: _Optional[_Iterable[str]] = ..., checked_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class OpenBatchRequest(_message.Message):
    __slots__ = ("request_id", "unit_id", "label")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    unit_id: str
    label: str
    def __init__(self, request_id: _Optional[str] = ..., unit_id: _Optional[str] = ..., label: _Optional[str] = ...) -> None: ...

class Batch(_message.Message):
    __slots__ = ("batch_id", "unit_id", "label", "pages_captured", "pages_accepted", "pages_sent_back", "open_time")
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    PAGES_CAPTURED_FIELD_NUMBER: _ClassVar[int]
    PAGES_ACCEPTED_FIELD_NUMBER: _ClassVar[int]
    PAGES_SENT_BACK_FIELD_NUMBER: _ClassVar[int]
    OPEN_TIME_FIELD_NUMBER: _ClassVar[int]
    batch_id: str
    unit_id: str
    label: str
    pages_captured: int
    pages_accepted: int
    pages_sent_back: int
    open_time: _timestamp_pb2.Timestamp
    def __init__(self, batch_id: _Optional[str] = ..., unit_id: _Optional[str] = ..., label: _Optional[str] = ..., pages_captured: _Optional[int] = ..., pages_accepted: _Optional[int] = ..., pages_sent_back: _Optional[int] = ..., open_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetBatchRequest(_message.Message):
    __slots__ = ("batch_id",)
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    batch_id: str
    def __init__(self, batch_id: _Optional[str] = ...) -> None: ...

class CapturePageRequest(_message.Message):
    __slots__ = ("request_id", "batch_id", "record_id", "sequence", "kind", "image")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    RECORD_ID_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    IMAGE_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    batch_id: str
    record_id: str
    sequence: int
    kind: PageKind
    image: FileRef
    def __init__(self, request_id: _Optional[str] = ..., batch_id: _Optional[str] = ..., record_id: _Optional[str] = ..., sequence: _Optional[int] = ..., kind: _Optional[_Union[PageKind, str]] = ..., image: _Optional[_Union[FileRef, _Mapping]] = ...) -> None: ...

class QualityFinding(_message.Message):
    __slots__ = ("rule", "detail")
    RULE_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    rule: str
    detail: str
    def __init__(self, rule: _Optional[str] = ..., detail: _Optional[str] = ...) -> None: ...

class Page(_message.Message):
    __slots__ = ("page_id", "batch_id", "record_id", "sequence", "accepted", "findings", "dpi", "bits_per_pixel", "skew_degrees")
    PAGE_ID_FIELD_NUMBER: _ClassVar[int]
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    RECORD_ID_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    ACCEPTED_FIELD_NUMBER: _ClassVar[int]
    FINDINGS_FIELD_NUMBER: _ClassVar[int]
    DPI_FIELD_NUMBER: _ClassVar[int]
    BITS_PER_PIXEL_FIELD_NUMBER: _ClassVar[int]
    SKEW_DEGREES_FIELD_NUMBER: _ClassVar[int]
    page_id: str
    batch_id: str
    record_id: str
    sequence: int
    accepted: bool
    findings: _containers.RepeatedCompositeFieldContainer[QualityFinding]
    dpi: float
    bits_per_pixel: int
    skew_degrees: float
    def __init__(self, page_id: _Optional[str] = ..., batch_id: _Optional[str] = ..., record_id: _Optional[str] = ..., sequence: _Optional[int] = ..., accepted: _Optional[bool] = ..., findings: _Optional[_Iterable[_Union[QualityFinding, _Mapping]]] = ..., dpi: _Optional[float] = ..., bits_per_pixel: _Optional[int] = ..., skew_degrees: _Optional[float] = ...) -> None: ...

class DigitizeRecordRequest(_message.Message):
    __slots__ = ("request_id", "record_id")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    RECORD_ID_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    record_id: str
    def __init__(self, request_id: _Optional[str] = ..., record_id: _Optional[str] = ...) -> None: ...

class SealDigitizedCopyRequest(_message.Message):
    __slots__ = ("request_id", "record_id", "credential_id", "one_time_code")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    RECORD_ID_FIELD_NUMBER: _ClassVar[int]
    CREDENTIAL_ID_FIELD_NUMBER: _ClassVar[int]
    ONE_TIME_CODE_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    record_id: str
    credential_id: str
    one_time_code: str
    def __init__(self, request_id: _Optional[str] = ..., record_id: _Optional[str] = ..., credential_id: _Optional[str] = ..., one_time_code: _Optional[str] = ...) -> None: ...

class GetDigitizationProgressRequest(_message.Message):
    __slots__ = ("unit_id", "province_unit_id")
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    PROVINCE_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    unit_id: str
    province_unit_id: str
    def __init__(self, unit_id: _Optional[str] = ..., province_unit_id: _Optional[str] = ...) -> None: ...

class DigitizationProgress(_message.Message):
    __slots__ = ("units", "paper_records", "records_digitized", "share_digitized", "target_share", "target_date", "pages_captured", "pages_accepted", "pages_sent_back", "failures_by_rule", "records_preserved")
    class FailuresByRuleEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    UNITS_FIELD_NUMBER: _ClassVar[int]
    PAPER_RECORDS_FIELD_NUMBER: _ClassVar[int]
    RECORDS_DIGITIZED_FIELD_NUMBER: _ClassVar[int]
    SHARE_DIGITIZED_FIELD_NUMBER: _ClassVar[int]
    TARGET_SHARE_FIELD_NUMBER: _ClassVar[int]
    TARGET_DATE_FIELD_NUMBER: _ClassVar[int]
    PAGES_CAPTURED_FIELD_NUMBER: _ClassVar[int]
    PAGES_ACCEPTED_FIELD_NUMBER: _ClassVar[int]
    PAGES_SENT_BACK_FIELD_NUMBER: _ClassVar[int]
    FAILURES_BY_RULE_FIELD_NUMBER: _ClassVar[int]
    RECORDS_PRESERVED_FIELD_NUMBER: _ClassVar[int]
    units: int
    paper_records: int
    records_digitized: int
    share_digitized: float
    target_share: float
    target_date: _date_pb2.Date
    pages_captured: int
    pages_accepted: int
    pages_sent_back: int
    failures_by_rule: _containers.ScalarMap[str, int]
    records_preserved: int
    def __init__(self, units: _Optional[int] = ..., paper_records: _Optional[int] = ..., records_digitized: _Optional[int] = ..., share_digitized: _Optional[float] = ..., target_share: _Optional[float] = ..., target_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., pages_captured: _Optional[int] = ..., pages_accepted: _Optional[int] = ..., pages_sent_back: _Optional[int] = ..., failures_by_rule: _Optional[_Mapping[str, int]] = ..., records_preserved: _Optional[int] = ...) -> None: ...

class ReconciliationLine(_message.Message):
    __slots__ = ("record_id", "file_code", "source_sha256", "received_sha256", "matches")
    RECORD_ID_FIELD_NUMBER: _ClassVar[int]
    FILE_CODE_FIELD_NUMBER: _ClassVar[int]
    SOURCE_SHA256_FIELD_NUMBER: _ClassVar[int]
    RECEIVED_SHA256_FIELD_NUMBER: _ClassVar[int]
    MATCHES_FIELD_NUMBER: _ClassVar[int]
    record_id: str
    file_code: str
    source_sha256: str
    received_sha256: str
    matches: bool
    def __init__(self, record_id: _Optional[str] = ..., file_code: _Optional[str] = ..., source_sha256: _Optional[str] = ..., received_sha256: _Optional[str] = ..., matches: _Optional[bool] = ...) -> None: ...

class Transfer(_message.Message):
    __slots__ = ("transfer_id", "fonds_id", "from_unit_id", "to_unit_id", "cause", "effective_date", "state", "records_listed", "records_received", "packages_listed", "packages_matching", "lines", "package", "signature", "signer_agency_code", "superseded_by")
    TRANSFER_ID_FIELD_NUMBER: _ClassVar[int]
    FONDS_ID_FIELD_NUMBER: _ClassVar[int]
    FROM_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    TO_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    CAUSE_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_DATE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    RECORDS_LISTED_FIELD_NUMBER: _ClassVar[int]
    RECORDS_RECEIVED_FIELD_NUMBER: _ClassVar[int]
    PACKAGES_LISTED_FIELD_NUMBER: _ClassVar[int]
    PACKAGES_MATCHING_FIELD_NUMBER: _ClassVar[int]
    LINES_FIELD_NUMBER: _ClassVar[int]
    PACKAGE_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    SIGNER_AGENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    SUPERSEDED_BY_FIELD_NUMBER: _ClassVar[int]
    transfer_id: str
    fonds_id: str
    from_unit_id: str
    to_unit_id: str
    cause: str
    effective_date: _date_pb2.Date
    state: TransferState
    records_listed: int
    records_received: int
    packages_listed: int
    packages_matching: int
    lines: _containers.RepeatedCompositeFieldContainer[ReconciliationLine]
    package: FileRef
    signature: FileRef
    signer_agency_code: str
    superseded_by: str
    def __init__(self, transfer_id: _Optional[str] = ..., fonds_id: _Optional[str] = ..., from_unit_id: _Optional[str] = ..., to_unit_id: _Optional[str] = ..., cause: _Optional[str] = ..., effective_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., state: _Optional[_Union[TransferState, str]] = ..., records_listed: _Optional[int] = ..., records_received: _Optional[int] = ..., packages_listed: _Optional[int] = ..., packages_matching: _Optional[int] = ..., lines: _Optional[_Iterable[_Union[ReconciliationLine, _Mapping]]] = ..., package: _Optional[_Union[FileRef, _Mapping]] = ..., signature: _Optional[_Union[FileRef, _Mapping]] = ..., signer_agency_code: _Optional[str] = ..., superseded_by: _Optional[str] = ...) -> None: ...

class GetTransferRequest(_message.Message):
    __slots__ = ("transfer_id",)
    TRANSFER_ID_FIELD_NUMBER: _ClassVar[int]
    transfer_id: str
    def __init__(self, transfer_id: _Optional[str] = ...) -> None: ...

class ListTransfersRequest(_message.Message):
    __slots__ = ("unit_id",)
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    unit_id: str
    def __init__(self, unit_id: _Optional[str] = ...) -> None: ...

class ListTransfersResponse(_message.Message):
    __slots__ = ("transfers",)
    TRANSFERS_FIELD_NUMBER: _ClassVar[int]
    transfers: _containers.RepeatedCompositeFieldContainer[Transfer]
    def __init__(self, transfers: _Optional[_Iterable[_Union[Transfer, _Mapping]]] = ...) -> None: ...

class SignTransferRequest(_message.Message):
    __slots__ = ("request_id", "transfer_id", "credential_id", "one_time_code")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    TRANSFER_ID_FIELD_NUMBER: _ClassVar[int]
    CREDENTIAL_ID_FIELD_NUMBER: _ClassVar[int]
    ONE_TIME_CODE_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    transfer_id: str
    credential_id: str
    one_time_code: str
    def __init__(self, request_id: _Optional[str] = ..., transfer_id: _Optional[str] = ..., credential_id: _Optional[str] = ..., one_time_code: _Optional[str] = ...) -> None: ...

class GetFixityStatusRequest(_message.Message):
    __slots__ = ("holder_unit_id",)
    HOLDER_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    holder_unit_id: str
    def __init__(self, holder_unit_id: _Optional[str] = ...) -> None: ...

class FixityStatus(_message.Message):
    __slots__ = ("packages", "intact", "damaged", "never_checked", "overdue", "damaged_record_ids")
    PACKAGES_FIELD_NUMBER: _ClassVar[int]
    INTACT_FIELD_NUMBER: _ClassVar[int]
    DAMAGED_FIELD_NUMBER: _ClassVar[int]
    NEVER_CHECKED_FIELD_NUMBER: _ClassVar[int]
    OVERDUE_FIELD_NUMBER: _ClassVar[int]
    DAMAGED_RECORD_IDS_FIELD_NUMBER: _ClassVar[int]
    packages: int
    intact: int
    damaged: int
    never_checked: int
    overdue: int
    damaged_record_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, packages: _Optional[int] = ..., intact: _Optional[int] = ..., damaged: _Optional[int] = ..., never_checked: _Optional[int] = ..., overdue: _Optional[int] = ..., damaged_record_ids: _Optional[_Iterable[str]] = ...) -> None: ...
