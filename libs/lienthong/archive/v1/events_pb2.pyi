import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.type import date_pb2 as _date_pb2
from lienthong.archive.v1 import archive_pb2 as _archive_pb2
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

class FondsOpened(_message.Message):
    __slots__ = ("metadata", "fonds_id", "unit_id", "agency_code", "name")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    FONDS_ID_FIELD_NUMBER: _ClassVar[int]
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    AGENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    metadata: EventMetadata
    fonds_id: str
    unit_id: str
    agency_code: str
    name: str
    def __init__(self, metadata: _Optional[_Union[EventMetadata, _Mapping]] = ..., fonds_id: _Optional[str] = ..., unit_id: _Optional[str] = ..., agency_code: _Optional[str] = ..., name: _Optional[str] = ...) -> None: ...

class FondsTransferred(_message.Message):
    __slots__ = ("metadata", "fonds_id", "transfer_id", "from_unit_id", "to_unit_id")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    FONDS_ID_FIELD_NUMBER: _ClassVar[int]
    TRANSFER_ID_FIELD_NUMBER: _ClassVar[int]
    FROM_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    TO_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    metadata: EventMetadata
    fonds_id: str
    transfer_id: str
    from_unit_id: str
    to_unit_id: str
    def __init__(self, metadata: _Optional[_Union[EventMetadata, _Mapping]] = ..., fonds_id: _Optional[str] = ..., transfer_id: _Optional[str] = ..., from_unit_id: _Optional[str] = ..., to_unit_id: _Optional[str] = ...) -> None: ...

class RecordCatalogued(_message.Message):
    __slots__ = ("metadata", "record_id", "fonds_id", "unit_id", "agency_code", "file_code", "description", "origin", "source_id")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    RECORD_ID_FIELD_NUMBER: _ClassVar[int]
    FONDS_ID_FIELD_NUMBER: _ClassVar[int]
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    AGENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    FILE_CODE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    ORIGIN_FIELD_NUMBER: _ClassVar[int]
    SOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    metadata: EventMetadata
    record_id: str
    fonds_id: str
    unit_id: str
    agency_code: str
    file_code: str
    description: _archive_pb2.RecordDescription
    origin: _archive_pb2.RecordOrigin
    source_id: str
    def __init__(self, metadata: _Optional[_Union[EventMetadata, _Mapping]] = ..., record_id: _Optional[str] = ..., fonds_id: _Optional[str] = ..., unit_id: _Optional[str] = ..., agency_code: _Optional[str] = ..., file_code: _Optional[str] = ..., description: _Optional[_Union[_archive_pb2.RecordDescription, _Mapping]] = ..., origin: _Optional[_Union[_archive_pb2.RecordOrigin, str]] = ..., source_id: _Optional[str] = ...) -> None: ...

class RecordDigitizationRequested(_message.Message):
    __slots__ = ("metadata", "record_id", "page_ids", "pages")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    RECORD_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_IDS_FIELD_NUMBER: _ClassVar[int]
    PAGES_FIELD_NUMBER: _ClassVar[int]
    metadata: EventMetadata
    record_id: str
    page_ids: _containers.RepeatedScalarFieldContainer[str]
    pages: _containers.RepeatedCompositeFieldContainer[_archive_pb2.FileRef]
    def __init__(self, metadata: _Optional[_Union[EventMetadata, _Mapping]] = ..., record_id: _Optional[str] = ..., page_ids: _Optional[_Iterable[str]] = ..., pages: _Optional[_Iterable[_Union[_archive_pb2.FileRef, _Mapping]]] = ...) -> None: ...

class DigitizedCopyMade(_message.Message):
    __slots__ = ("metadata", "record_id", "copy", "pages", "text_characters", "pdfa_conformance", "ocr_engine")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    RECORD_ID_FIELD_NUMBER: _ClassVar[int]
    COPY_FIELD_NUMBER: _ClassVar[int]
    PAGES_FIELD_NUMBER: _ClassVar[int]
    TEXT_CHARACTERS_FIELD_NUMBER: _ClassVar[int]
    PDFA_CONFORMANCE_FIELD_NUMBER: _ClassVar[int]
    OCR_ENGINE_FIELD_NUMBER: _ClassVar[int]
    metadata: EventMetadata
    record_id: str
    copy: _archive_pb2.FileRef
    pages: int
    text_characters: int
    pdfa_conformance: str
    ocr_engine: str
    def __init__(self, metadata: _Optional[_Union[EventMetadata, _Mapping]] = ..., record_id: _Optional[str] = ..., copy: _Optional[_Union[_archive_pb2.FileRef, _Mapping]] = ..., pages: _Optional[int] = ..., text_characters: _Optional[int] = ..., pdfa_conformance: _Optional[str] = ..., ocr_engine: _Optional[str] = ...) -> None: ...

class RecordDigitizationFailed(_message.Message):
    __slots__ = ("metadata", "record_id", "reason")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    RECORD_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    metadata: EventMetadata
    record_id: str
    reason: str
    def __init__(self, metadata: _Optional[_Union[EventMetadata, _Mapping]] = ..., record_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class DigitizedCopySealed(_message.Message):
    __slots__ = ("metadata", "record_id", "sealed_copy", "agency_code", "certificate_serial", "signed_at")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    RECORD_ID_FIELD_NUMBER: _ClassVar[int]
    SEALED_COPY_FIELD_NUMBER: _ClassVar[int]
    AGENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATE_SERIAL_FIELD_NUMBER: _ClassVar[int]
    SIGNED_AT_FIELD_NUMBER: _ClassVar[int]
    metadata: EventMetadata
    record_id: str
    sealed_copy: _archive_pb2.FileRef
    agency_code: str
    certificate_serial: str
    signed_at: _timestamp_pb2.Timestamp
    def __init__(self, metadata: _Optional[_Union[EventMetadata, _Mapping]] = ..., record_id: _Optional[str] = ..., sealed_copy: _Optional[_Union[_archive_pb2.FileRef, _Mapping]] = ..., agency_code: _Optional[str] = ..., certificate_serial: _Optional[str] = ..., signed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class RecordFileKept(_message.Message):
    __slots__ = ("metadata", "record_id", "file")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    RECORD_ID_FIELD_NUMBER: _ClassVar[int]
    FILE_FIELD_NUMBER: _ClassVar[int]
    metadata: EventMetadata
    record_id: str
    file: _archive_pb2.FileRef
    def __init__(self, metadata: _Optional[_Union[EventMetadata, _Mapping]] = ..., record_id: _Optional[str] = ..., file: _Optional[_Union[_archive_pb2.FileRef, _Mapping]] = ...) -> None: ...

class PackageIngested(_message.Message):
    __slots__ = ("metadata", "record_id", "package_id", "package", "files")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    RECORD_ID_FIELD_NUMBER: _ClassVar[int]
    PACKAGE_ID_FIELD_NUMBER: _ClassVar[int]
    PACKAGE_FIELD_NUMBER: _ClassVar[int]
    FILES_FIELD_NUMBER: _ClassVar[int]
    metadata: EventMetadata
    record_id: str
    package_id: str
    package: _archive_pb2.FileRef
    files: int
    def __init__(self, metadata: _Optional[_Union[EventMetadata, _Mapping]] = ..., record_id: _Optional[str] = ..., package_id: _Optional[str] = ..., package: _Optional[_Union[_archive_pb2.FileRef, _Mapping]] = ..., files: _Optional[int] = ...) -> None: ...

class FixityChecked(_message.Message):
    __slots__ = ("metadata", "record_id", "package_id", "outcome", "files_checked", "bytes_read", "damaged_files", "checked_at")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    RECORD_ID_FIELD_NUMBER: _ClassVar[int]
    PACKAGE_ID_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    FILES_CHECKED_FIELD_NUMBER: _ClassVar[int]
    BYTES_READ_FIELD_NUMBER: _ClassVar[int]
    DAMAGED_FILES_FIELD_NUMBER: _ClassVar[int]
    CHECKED_AT_FIELD_NUMBER: _ClassVar[int]
    metadata: EventMetadata
    record_id: str
    package_id: str
    outcome: str
    files_checked: int
    bytes_read: int
    damaged_files: _containers.RepeatedScalarFieldContainer[str]
    checked_at: _timestamp_pb2.Timestamp
    def __init__(self, metadata: _Optional[_Union[EventMetadata, _Mapping]] = ..., record_id: _Optional[str] = ..., package_id: _Optional[str] = ..., outcome: _Optional[str] = ..., files_checked: _Optional[int] = ..., bytes_read: _Optional[int] = ..., damaged_files: _Optional[_Iterable[str]] = ..., checked_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class PackageDamageFound(_message.Message):
    __slots__ = ("metadata", "record_id", "package_id", "damaged_files", "checked_at")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    RECORD_ID_FIELD_NUMBER: _ClassVar[int]
    PACKAGE_ID_FIELD_NUMBER: _ClassVar[int]
    DAMAGED_FILES_FIELD_NUMBER: _ClassVar[int]
    CHECKED_AT_FIELD_NUMBER: _ClassVar[int]
    metadata: EventMetadata
    record_id: str
    package_id: str
    damaged_files: _containers.RepeatedScalarFieldContainer[str]
    checked_at: _timestamp_pb2.Timestamp
    def __init__(self, metadata: _Optional[_Union[EventMetadata, _Mapping]] = ..., record_id: _Optional[str] = ..., package_id: _Optional[str] = ..., damaged_files: _Optional[_Iterable[str]] = ..., checked_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class BatchOpened(_message.Message):
    __slots__ = ("metadata", "batch_id", "unit_id", "label")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    metadata: EventMetadata
    batch_id: str
    unit_id: str
    label: str
    def __init__(self, metadata: _Optional[_Union[EventMetadata, _Mapping]] = ..., batch_id: _Optional[str] = ..., unit_id: _Optional[str] = ..., label: _Optional[str] = ...) -> None: ...

class PageMeasures(_message.Message):
    __slots__ = ("dpi_x", "dpi_y", "bits_per_pixel", "skew_degrees", "ink_share", "fingerprint", "width", "height", "format")
    DPI_X_FIELD_NUMBER: _ClassVar[int]
    DPI_Y_FIELD_NUMBER: _ClassVar[int]
    BITS_PER_PIXEL_FIELD_NUMBER: _ClassVar[int]
    SKEW_DEGREES_FIELD_NUMBER: _ClassVar[int]
    INK_SHARE_FIELD_NUMBER: _ClassVar[int]
    FINGERPRINT_FIELD_NUMBER: _ClassVar[int]
    WIDTH_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    dpi_x: float
    dpi_y: float
    bits_per_pixel: int
    skew_degrees: float
    ink_share: float
    fingerprint: str
    width: int
    height: int
    format: str
    def __init__(self, dpi_x: _Optional[float] = ..., dpi_y: _Optional[float] = ..., bits_per_pixel: _Optional[int] = ..., skew_degrees: _Optional[float] = ..., ink_share: _Optional[float] = ..., fingerprint: _Optional[str] = ..., width: _Optional[int] = ..., height: _Optional[int] = ..., format: _Optional[str] = ...) -> None: ...

class PageCaptured(_message.Message):
    __slots__ = ("metadata", "page_id", "batch_id", "record_id", "sequence", "kind", "image", "measures")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    PAGE_ID_FIELD_NUMBER: _ClassVar[int]
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    RECORD_ID_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    IMAGE_FIELD_NUMBER: _ClassVar[int]
    MEASURES_FIELD_NUMBER: _ClassVar[int]
    metadata: EventMetadata
    page_id: str
    batch_id: str
    record_id: str
    sequence: int
    kind: _archive_pb2.PageKind
    image: _archive_pb2.FileRef
    measures: PageMeasures
    def __init__(self, metadata: _Optional[_Union[EventMetadata, _Mapping]] = ..., page_id: _Optional[str] = ..., batch_id: _Optional[str] = ..., record_id: _Optional[str] = ..., sequence: _Optional[int] = ..., kind: _Optional[_Union[_archive_pb2.PageKind, str]] = ..., image: _Optional[_Union[_archive_pb2.FileRef, _Mapping]] = ..., measures: _Optional[_Union[PageMeasures, _Mapping]] = ...) -> None: ...

class PageAccepted(_message.Message):
    __slots__ = ("metadata", "page_id", "record_id", "sequence")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    PAGE_ID_FIELD_NUMBER: _ClassVar[int]
    RECORD_ID_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    metadata: EventMetadata
    page_id: str
    record_id: str
    sequence: int
    def __init__(self, metadata: _Optional[_Union[EventMetadata, _Mapping]] = ..., page_id: _Optional[str] = ..., record_id: _Optional[str] = ..., sequence: _Optional[int] = ...) -> None: ...

class PageSentBack(_message.Message):
    __slots__ = ("metadata", "page_id", "record_id", "sequence", "findings")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    PAGE_ID_FIELD_NUMBER: _ClassVar[int]
    RECORD_ID_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    FINDINGS_FIELD_NUMBER: _ClassVar[int]
    metadata: EventMetadata
    page_id: str
    record_id: str
    sequence: int
    findings: _containers.RepeatedCompositeFieldContainer[_archive_pb2.QualityFinding]
    def __init__(self, metadata: _Optional[_Union[EventMetadata, _Mapping]] = ..., page_id: _Optional[str] = ..., record_id: _Optional[str] = ..., sequence: _Optional[int] = ..., findings: _Optional[_Iterable[_Union[_archive_pb2.QualityFinding, _Mapping]]] = ...) -> None: ...

class CustodyTransferPrepared(_message.Message):
    __slots__ = ("metadata", "transfer_id", "fonds_id", "from_unit_id", "to_unit_id", "cause", "effective_date", "lines")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    TRANSFER_ID_FIELD_NUMBER: _ClassVar[int]
    FONDS_ID_FIELD_NUMBER: _ClassVar[int]
    FROM_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    TO_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    CAUSE_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_DATE_FIELD_NUMBER: _ClassVar[int]
    LINES_FIELD_NUMBER: _ClassVar[int]
    metadata: EventMetadata
    transfer_id: str
    fonds_id: str
    from_unit_id: str
    to_unit_id: str
    cause: str
    effective_date: _date_pb2.Date
    lines: _containers.RepeatedCompositeFieldContainer[_archive_pb2.ReconciliationLine]
    def __init__(self, metadata: _Optional[_Union[EventMetadata, _Mapping]] = ..., transfer_id: _Optional[str] = ..., fonds_id: _Optional[str] = ..., from_unit_id: _Optional[str] = ..., to_unit_id: _Optional[str] = ..., cause: _Optional[str] = ..., effective_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., lines: _Optional[_Iterable[_Union[_archive_pb2.ReconciliationLine, _Mapping]]] = ...) -> None: ...

class CustodyTransferReconciled(_message.Message):
    __slots__ = ("metadata", "transfer_id", "lines", "package")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    TRANSFER_ID_FIELD_NUMBER: _ClassVar[int]
    LINES_FIELD_NUMBER: _ClassVar[int]
    PACKAGE_FIELD_NUMBER: _ClassVar[int]
    metadata: EventMetadata
    transfer_id: str
    lines: _containers.RepeatedCompositeFieldContainer[_archive_pb2.ReconciliationLine]
    package: _archive_pb2.FileRef
    def __init__(self, metadata: _Optional[_Union[EventMetadata, _Mapping]] = ..., transfer_id: _Optional[str] = ..., lines: _Optional[_Iterable[_Union[_archive_pb2.ReconciliationLine, _Mapping]]] = ..., package: _Optional[_Union[_archive_pb2.FileRef, _Mapping]] = ...) -> None: ...

class CustodyTransferCompleted(_message.Message):
    __slots__ = ("metadata", "transfer_id", "fonds_id", "signature", "signer_agency_code", "certificate_serial", "signed_at")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    TRANSFER_ID_FIELD_NUMBER: _ClassVar[int]
    FONDS_ID_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    SIGNER_AGENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATE_SERIAL_FIELD_NUMBER: _ClassVar[int]
    SIGNED_AT_FIELD_NUMBER: _ClassVar[int]
    metadata: EventMetadata
    transfer_id: str
    fonds_id: str
    signature: _archive_pb2.FileRef
    signer_agency_code: str
    certificate_serial: str
    signed_at: _timestamp_pb2.Timestamp
    def __init__(self, metadata: _Optional[_Union[EventMetadata, _Mapping]] = ..., transfer_id: _Optional[str] = ..., fonds_id: _Optional[str] = ..., signature: _Optional[_Union[_archive_pb2.FileRef, _Mapping]] = ..., signer_agency_code: _Optional[str] = ..., certificate_serial: _Optional[str] = ..., signed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CustodyTransferSuperseded(_message.Message):
    __slots__ = ("metadata", "transfer_id", "superseded_by")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    TRANSFER_ID_FIELD_NUMBER: _ClassVar[int]
    SUPERSEDED_BY_FIELD_NUMBER: _ClassVar[int]
    metadata: EventMetadata
    transfer_id: str
    superseded_by: str
    def __init__(self, metadata: _Optional[_Union[EventMetadata, _Mapping]] = ..., transfer_id: _Optional[str] = ..., superseded_by: _Optional[str] = ...) -> None: ...
