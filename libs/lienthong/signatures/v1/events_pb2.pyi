import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
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

class CredentialIssued(_message.Message):
    __slots__ = ("metadata", "credential_id", "official_id", "full_name", "position", "unit_id", "agency_code", "serial_number", "not_before", "not_after", "certificate", "agency_seal")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    CREDENTIAL_ID_FIELD_NUMBER: _ClassVar[int]
    OFFICIAL_ID_FIELD_NUMBER: _ClassVar[int]
    FULL_NAME_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    AGENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    SERIAL_NUMBER_FIELD_NUMBER: _ClassVar[int]
    NOT_BEFORE_FIELD_NUMBER: _ClassVar[int]
    NOT_AFTER_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATE_FIELD_NUMBER: _ClassVar[int]
    AGENCY_SEAL_FIELD_NUMBER: _ClassVar[int]
    metadata: EventMetadata
    credential_id: str
    official_id: str
    full_name: str
    position: str
    unit_id: str
    agency_code: str
    serial_number: str
    not_before: _timestamp_pb2.Timestamp
    not_after: _timestamp_pb2.Timestamp
    certificate: bytes
    agency_seal: bool
    def __init__(self, metadata: _Optional[_Union[EventMetadata, _Mapping]] = ..., credential_id: _Optional[str] = ..., official_id: _Optional[str] = ..., full_name: _Optional[str] = ..., position: _Optional[str] = ..., unit_id: _Optional[str] = ..., agency_code: _Optional[str] = ..., serial_number: _Optional[str] = ..., not_before: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., not_after: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., certificate: _Optional[bytes] = ..., agency_seal: _Optional[bool] = ...) -> None: ...

class AuthenticatorEnrolled(_message.Message):
    __slots__ = ("metadata", "credential_id")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    CREDENTIAL_ID_FIELD_NUMBER: _ClassVar[int]
    metadata: EventMetadata
    credential_id: str
    def __init__(self, metadata: _Optional[_Union[EventMetadata, _Mapping]] = ..., credential_id: _Optional[str] = ...) -> None: ...

class AuthenticatorConfirmed(_message.Message):
    __slots__ = ("metadata", "credential_id")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    CREDENTIAL_ID_FIELD_NUMBER: _ClassVar[int]
    metadata: EventMetadata
    credential_id: str
    def __init__(self, metadata: _Optional[_Union[EventMetadata, _Mapping]] = ..., credential_id: _Optional[str] = ...) -> None: ...

class CredentialRevoked(_message.Message):
    __slots__ = ("metadata", "credential_id", "serial_number", "reason", "revocation_time", "reissue_unit_id")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    CREDENTIAL_ID_FIELD_NUMBER: _ClassVar[int]
    SERIAL_NUMBER_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REVOCATION_TIME_FIELD_NUMBER: _ClassVar[int]
    REISSUE_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    metadata: EventMetadata
    credential_id: str
    serial_number: str
    reason: str
    revocation_time: _timestamp_pb2.Timestamp
    reissue_unit_id: str
    def __init__(self, metadata: _Optional[_Union[EventMetadata, _Mapping]] = ..., credential_id: _Optional[str] = ..., serial_number: _Optional[str] = ..., reason: _Optional[str] = ..., revocation_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., reissue_unit_id: _Optional[str] = ...) -> None: ...

class SignatureAuthorized(_message.Message):
    __slots__ = ("metadata", "authorization_id", "credential_id", "official_id", "hash_algorithm", "hashes", "on_behalf_of", "description", "expire_time")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    AUTHORIZATION_ID_FIELD_NUMBER: _ClassVar[int]
    CREDENTIAL_ID_FIELD_NUMBER: _ClassVar[int]
    OFFICIAL_ID_FIELD_NUMBER: _ClassVar[int]
    HASH_ALGORITHM_FIELD_NUMBER: _ClassVar[int]
    HASHES_FIELD_NUMBER: _ClassVar[int]
    ON_BEHALF_OF_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    metadata: EventMetadata
    authorization_id: str
    credential_id: str
    official_id: str
    hash_algorithm: str
    hashes: _containers.RepeatedScalarFieldContainer[bytes]
    on_behalf_of: str
    description: str
    expire_time: _timestamp_pb2.Timestamp
    def __init__(self, metadata: _Optional[_Union[EventMetadata, _Mapping]] = ..., authorization_id: _Optional[str] = ..., credential_id: _Optional[str] = ..., official_id: _Optional[str] = ..., hash_algorithm: _Optional[str] = ..., hashes: _Optional[_Iterable[bytes]] = ..., on_behalf_of: _Optional[str] = ..., description: _Optional[str] = ..., expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class HashesSigned(_message.Message):
    __slots__ = ("metadata", "authorization_id", "credential_id", "official_id", "hash_algorithm", "hashes", "on_behalf_of")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    AUTHORIZATION_ID_FIELD_NUMBER: _ClassVar[int]
    CREDENTIAL_ID_FIELD_NUMBER: _ClassVar[int]
    OFFICIAL_ID_FIELD_NUMBER: _ClassVar[int]
    HASH_ALGORITHM_FIELD_NUMBER: _ClassVar[int]
    HASHES_FIELD_NUMBER: _ClassVar[int]
    ON_BEHALF_OF_FIELD_NUMBER: _ClassVar[int]
    metadata: EventMetadata
    authorization_id: str
    credential_id: str
    official_id: str
    hash_algorithm: str
    hashes: _containers.RepeatedScalarFieldContainer[bytes]
    on_behalf_of: str
    def __init__(self, metadata: _Optional[_Union[EventMetadata, _Mapping]] = ..., authorization_id: _Optional[str] = ..., credential_id: _Optional[str] = ..., official_id: _Optional[str] = ..., hash_algorithm: _Optional[str] = ..., hashes: _Optional[_Iterable[bytes]] = ..., on_behalf_of: _Optional[str] = ...) -> None: ...
