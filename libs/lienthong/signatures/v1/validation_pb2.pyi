import datetime

from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SignedKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SIGNED_KIND_UNSPECIFIED: _ClassVar[SignedKind]
    SIGNED_KIND_PDF: _ClassVar[SignedKind]
    SIGNED_KIND_CMS: _ClassVar[SignedKind]
    SIGNED_KIND_XML: _ClassVar[SignedKind]

class Indication(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    INDICATION_UNSPECIFIED: _ClassVar[Indication]
    INDICATION_TOTAL_PASSED: _ClassVar[Indication]
    INDICATION_TOTAL_FAILED: _ClassVar[Indication]
    INDICATION_INDETERMINATE: _ClassVar[Indication]
SIGNED_KIND_UNSPECIFIED: SignedKind
SIGNED_KIND_PDF: SignedKind
SIGNED_KIND_CMS: SignedKind
SIGNED_KIND_XML: SignedKind
INDICATION_UNSPECIFIED: Indication
INDICATION_TOTAL_PASSED: Indication
INDICATION_TOTAL_FAILED: Indication
INDICATION_INDETERMINATE: Indication

class ValidateSignatureRequest(_message.Message):
    __slots__ = ("kind", "signed", "detached_content", "validation_time", "language", "additional_trust_roots", "last_signature_only")
    KIND_FIELD_NUMBER: _ClassVar[int]
    SIGNED_FIELD_NUMBER: _ClassVar[int]
    DETACHED_CONTENT_FIELD_NUMBER: _ClassVar[int]
    VALIDATION_TIME_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    ADDITIONAL_TRUST_ROOTS_FIELD_NUMBER: _ClassVar[int]
    LAST_SIGNATURE_ONLY_FIELD_NUMBER: _ClassVar[int]
    kind: SignedKind
    signed: bytes
    detached_content: bytes
    validation_time: _timestamp_pb2.Timestamp
    language: str
    additional_trust_roots: _containers.RepeatedScalarFieldContainer[bytes]
    last_signature_only: bool
    def __init__(self, kind: _Optional[_Union[SignedKind, str]] = ..., signed: _Optional[bytes] = ..., detached_content: _Optional[bytes] = ..., validation_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., language: _Optional[str] = ..., additional_trust_roots: _Optional[_Iterable[bytes]] = ..., last_signature_only: _Optional[bool] = ...) -> None: ...

class SignatureResult(_message.Message):
    __slots__ = ("id", "format", "indication", "sub_indication", "signer", "signer_title", "organization_identifier", "claimed_signing_time", "best_signature_time", "status_text", "signer_certificate_serial", "signer_official_id", "signer_agency_seal")
    ID_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    INDICATION_FIELD_NUMBER: _ClassVar[int]
    SUB_INDICATION_FIELD_NUMBER: _ClassVar[int]
    SIGNER_FIELD_NUMBER: _ClassVar[int]
    SIGNER_TITLE_FIELD_NUMBER: _ClassVar[int]
    ORGANIZATION_IDENTIFIER_FIELD_NUMBER: _ClassVar[int]
    CLAIMED_SIGNING_TIME_FIELD_NUMBER: _ClassVar[int]
    BEST_SIGNATURE_TIME_FIELD_NUMBER: _ClassVar[int]
    STATUS_TEXT_FIELD_NUMBER: _ClassVar[int]
    SIGNER_CERTIFICATE_SERIAL_FIELD_NUMBER: _ClassVar[int]
    SIGNER_OFFICIAL_ID_FIELD_NUMBER: _ClassVar[int]
    SIGNER_AGENCY_SEAL_FIELD_NUMBER: _ClassVar[int]
    id: str
    format: str
    indication: Indication
    sub_indication: str
    signer: str
    signer_title: str
    organization_identifier: str
    claimed_signing_time: _timestamp_pb2.Timestamp
    best_signature_time: _timestamp_pb2.Timestamp
    status_text: str
    signer_certificate_serial: str
    signer_official_id: str
    signer_agency_seal: bool
    def __init__(self, id: _Optional[str] = ..., format: _Optional[str] = ..., indication: _Optional[_Union[Indication, str]] = ..., sub_indication: _Optional[str] = ..., signer: _Optional[str] = ..., signer_title: _Optional[str] = ..., organization_identifier: _Optional[str] = ..., claimed_signing_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., best_signature_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., status_text: _Optional[str] = ..., signer_certificate_serial: _Optional[str] = ..., signer_official_id: _Optional[str] = ..., signer_agency_seal: _Optional[bool] = ...) -> None: ...

class ValidateSignatureResponse(_message.Message):
    __slots__ = ("signatures", "simple_report", "detailed_report")
    SIGNATURES_FIELD_NUMBER: _ClassVar[int]
    SIMPLE_REPORT_FIELD_NUMBER: _ClassVar[int]
    DETAILED_REPORT_FIELD_NUMBER: _ClassVar[int]
    signatures: _containers.RepeatedCompositeFieldContainer[SignatureResult]
    simple_report: _struct_pb2.Struct
    detailed_report: _struct_pb2.Struct
    def __init__(self, signatures: _Optional[_Iterable[_Union[SignatureResult, _Mapping]]] = ..., simple_report: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., detailed_report: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...
