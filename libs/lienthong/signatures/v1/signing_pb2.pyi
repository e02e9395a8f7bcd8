import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class PadesLevel(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PADES_LEVEL_UNSPECIFIED: _ClassVar[PadesLevel]
    PADES_LEVEL_B_B: _ClassVar[PadesLevel]
    PADES_LEVEL_B_T: _ClassVar[PadesLevel]
    PADES_LEVEL_B_LT: _ClassVar[PadesLevel]
    PADES_LEVEL_B_LTA: _ClassVar[PadesLevel]

class HashAlgorithm(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    HASH_ALGORITHM_UNSPECIFIED: _ClassVar[HashAlgorithm]
    HASH_ALGORITHM_SHA256: _ClassVar[HashAlgorithm]
    HASH_ALGORITHM_SHA384: _ClassVar[HashAlgorithm]
    HASH_ALGORITHM_SHA512: _ClassVar[HashAlgorithm]
PADES_LEVEL_UNSPECIFIED: PadesLevel
PADES_LEVEL_B_B: PadesLevel
PADES_LEVEL_B_T: PadesLevel
PADES_LEVEL_B_LT: PadesLevel
PADES_LEVEL_B_LTA: PadesLevel
HASH_ALGORITHM_UNSPECIFIED: HashAlgorithm
HASH_ALGORITHM_SHA256: HashAlgorithm
HASH_ALGORITHM_SHA384: HashAlgorithm
HASH_ALGORITHM_SHA512: HashAlgorithm

class Box(_message.Message):
    __slots__ = ("x1", "y1", "x2", "y2")
    X1_FIELD_NUMBER: _ClassVar[int]
    Y1_FIELD_NUMBER: _ClassVar[int]
    X2_FIELD_NUMBER: _ClassVar[int]
    Y2_FIELD_NUMBER: _ClassVar[int]
    x1: float
    y1: float
    x2: float
    y2: float
    def __init__(self, x1: _Optional[float] = ..., y1: _Optional[float] = ..., x2: _Optional[float] = ..., y2: _Optional[float] = ...) -> None: ...

class OfficialAppearance(_message.Message):
    __slots__ = ("signature_image", "page", "box")
    SIGNATURE_IMAGE_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    BOX_FIELD_NUMBER: _ClassVar[int]
    signature_image: bytes
    page: int
    box: Box
    def __init__(self, signature_image: _Optional[bytes] = ..., page: _Optional[int] = ..., box: _Optional[_Union[Box, _Mapping]] = ...) -> None: ...

class AgencyAppearance(_message.Message):
    __slots__ = ("notation",)
    NOTATION_FIELD_NUMBER: _ClassVar[int]
    notation: str
    def __init__(self, notation: _Optional[str] = ...) -> None: ...

class SignPdfRequest(_message.Message):
    __slots__ = ("credential_id", "one_time_code", "pdf", "level", "official", "agency", "reason", "location", "on_behalf_of")
    CREDENTIAL_ID_FIELD_NUMBER: _ClassVar[int]
    ONE_TIME_CODE_FIELD_NUMBER: _ClassVar[int]
    PDF_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    OFFICIAL_FIELD_NUMBER: _ClassVar[int]
    AGENCY_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    ON_BEHALF_OF_FIELD_NUMBER: _ClassVar[int]
    credential_id: str
    one_time_code: str
    pdf: bytes
    level: PadesLevel
    official: OfficialAppearance
    agency: AgencyAppearance
    reason: str
    location: str
    on_behalf_of: str
    def __init__(self, credential_id: _Optional[str] = ..., one_time_code: _Optional[str] = ..., pdf: _Optional[bytes] = ..., level: _Optional[_Union[PadesLevel, str]] = ..., official: _Optional[_Union[OfficialAppearance, _Mapping]] = ..., agency: _Optional[_Union[AgencyAppearance, _Mapping]] = ..., reason: _Optional[str] = ..., location: _Optional[str] = ..., on_behalf_of: _Optional[str] = ...) -> None: ...

class SignPdfResponse(_message.Message):
    __slots__ = ("signed_pdf",)
    SIGNED_PDF_FIELD_NUMBER: _ClassVar[int]
    signed_pdf: bytes
    def __init__(self, signed_pdf: _Optional[bytes] = ...) -> None: ...

class SignDetachedRequest(_message.Message):
    __slots__ = ("credential_id", "one_time_code", "content", "without_timestamp", "on_behalf_of")
    CREDENTIAL_ID_FIELD_NUMBER: _ClassVar[int]
    ONE_TIME_CODE_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    WITHOUT_TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    ON_BEHALF_OF_FIELD_NUMBER: _ClassVar[int]
    credential_id: str
    one_time_code: str
    content: bytes
    without_timestamp: bool
    on_behalf_of: str
    def __init__(self, credential_id: _Optional[str] = ..., one_time_code: _Optional[str] = ..., content: _Optional[bytes] = ..., without_timestamp: _Optional[bool] = ..., on_behalf_of: _Optional[str] = ...) -> None: ...

class SignDetachedResponse(_message.Message):
    __slots__ = ("signature",)
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    signature: bytes
    def __init__(self, signature: _Optional[bytes] = ...) -> None: ...

class SignXmlRequest(_message.Message):
    __slots__ = ("credential_id", "one_time_code", "xml", "on_behalf_of")
    CREDENTIAL_ID_FIELD_NUMBER: _ClassVar[int]
    ONE_TIME_CODE_FIELD_NUMBER: _ClassVar[int]
    XML_FIELD_NUMBER: _ClassVar[int]
    ON_BEHALF_OF_FIELD_NUMBER: _ClassVar[int]
    credential_id: str
    one_time_code: str
    xml: bytes
    on_behalf_of: str
    def __init__(self, credential_id: _Optional[str] = ..., one_time_code: _Optional[str] = ..., xml: _Optional[bytes] = ..., on_behalf_of: _Optional[str] = ...) -> None: ...

class SignXmlResponse(_message.Message):
    __slots__ = ("signed_xml",)
    SIGNED_XML_FIELD_NUMBER: _ClassVar[int]
    signed_xml: bytes
    def __init__(self, signed_xml: _Optional[bytes] = ...) -> None: ...

class AuthorizeSignatureRequest(_message.Message):
    __slots__ = ("credential_id", "one_time_code", "hashes", "hash_algorithm", "on_behalf_of", "description")
    CREDENTIAL_ID_FIELD_NUMBER: _ClassVar[int]
    ONE_TIME_CODE_FIELD_NUMBER: _ClassVar[int]
    HASHES_FIELD_NUMBER: _ClassVar[int]
    HASH_ALGORITHM_FIELD_NUMBER: _ClassVar[int]
    ON_BEHALF_OF_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    credential_id: str
    one_time_code: str
    hashes: _containers.RepeatedScalarFieldContainer[bytes]
    hash_algorithm: HashAlgorithm
    on_behalf_of: str
    description: str
    def __init__(self, credential_id: _Optional[str] = ..., one_time_code: _Optional[str] = ..., hashes: _Optional[_Iterable[bytes]] = ..., hash_algorithm: _Optional[_Union[HashAlgorithm, str]] = ..., on_behalf_of: _Optional[str] = ..., description: _Optional[str] = ...) -> None: ...

class AuthorizeSignatureResponse(_message.Message):
    __slots__ = ("sad", "expire_time", "authorization_id")
    SAD_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    AUTHORIZATION_ID_FIELD_NUMBER: _ClassVar[int]
    sad: str
    expire_time: _timestamp_pb2.Timestamp
    authorization_id: str
    def __init__(self, sad: _Optional[str] = ..., expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., authorization_id: _Optional[str] = ...) -> None: ...

class SignHashRequest(_message.Message):
    __slots__ = ("credential_id", "sad", "hashes", "hash_algorithm")
    CREDENTIAL_ID_FIELD_NUMBER: _ClassVar[int]
    SAD_FIELD_NUMBER: _ClassVar[int]
    HASHES_FIELD_NUMBER: _ClassVar[int]
    HASH_ALGORITHM_FIELD_NUMBER: _ClassVar[int]
    credential_id: str
    sad: str
    hashes: _containers.RepeatedScalarFieldContainer[bytes]
    hash_algorithm: HashAlgorithm
    def __init__(self, credential_id: _Optional[str] = ..., sad: _Optional[str] = ..., hashes: _Optional[_Iterable[bytes]] = ..., hash_algorithm: _Optional[_Union[HashAlgorithm, str]] = ...) -> None: ...

class SignHashResponse(_message.Message):
    __slots__ = ("signatures", "signature_algorithm")
    SIGNATURES_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_ALGORITHM_FIELD_NUMBER: _ClassVar[int]
    signatures: _containers.RepeatedScalarFieldContainer[bytes]
    signature_algorithm: str
    def __init__(self, signatures: _Optional[_Iterable[bytes]] = ..., signature_algorithm: _Optional[str] = ...) -> None: ...
