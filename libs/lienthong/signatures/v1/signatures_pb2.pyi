import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class KeyAlgorithm(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    KEY_ALGORITHM_UNSPECIFIED: _ClassVar[KeyAlgorithm]
    KEY_ALGORITHM_RSA_2048: _ClassVar[KeyAlgorithm]
    KEY_ALGORITHM_RSA_3072: _ClassVar[KeyAlgorithm]
    KEY_ALGORITHM_EC_P256: _ClassVar[KeyAlgorithm]

class CredentialStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CREDENTIAL_STATUS_UNSPECIFIED: _ClassVar[CredentialStatus]
    CREDENTIAL_STATUS_ACTIVE: _ClassVar[CredentialStatus]
    CREDENTIAL_STATUS_REVOKED: _ClassVar[CredentialStatus]
    CREDENTIAL_STATUS_EXPIRED: _ClassVar[CredentialStatus]

class AuthenticatorStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    AUTHENTICATOR_STATUS_UNSPECIFIED: _ClassVar[AuthenticatorStatus]
    AUTHENTICATOR_STATUS_NONE: _ClassVar[AuthenticatorStatus]
    AUTHENTICATOR_STATUS_PENDING: _ClassVar[AuthenticatorStatus]
    AUTHENTICATOR_STATUS_ACTIVE: _ClassVar[AuthenticatorStatus]

class RevocationReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REVOCATION_REASON_UNSPECIFIED: _ClassVar[RevocationReason]
    REVOCATION_REASON_KEY_COMPROMISE: _ClassVar[RevocationReason]
    REVOCATION_REASON_AFFILIATION_CHANGED: _ClassVar[RevocationReason]
    REVOCATION_REASON_SUPERSEDED: _ClassVar[RevocationReason]
    REVOCATION_REASON_CESSATION_OF_OPERATION: _ClassVar[RevocationReason]
KEY_ALGORITHM_UNSPECIFIED: KeyAlgorithm
KEY_ALGORITHM_RSA_2048: KeyAlgorithm
KEY_ALGORITHM_RSA_3072: KeyAlgorithm
KEY_ALGORITHM_EC_P256: KeyAlgorithm
CREDENTIAL_STATUS_UNSPECIFIED: CredentialStatus
CREDENTIAL_STATUS_ACTIVE: CredentialStatus
CREDENTIAL_STATUS_REVOKED: CredentialStatus
CREDENTIAL_STATUS_EXPIRED: CredentialStatus
AUTHENTICATOR_STATUS_UNSPECIFIED: AuthenticatorStatus
AUTHENTICATOR_STATUS_NONE: AuthenticatorStatus
AUTHENTICATOR_STATUS_PENDING: AuthenticatorStatus
AUTHENTICATOR_STATUS_ACTIVE: AuthenticatorStatus
REVOCATION_REASON_UNSPECIFIED: RevocationReason
REVOCATION_REASON_KEY_COMPROMISE: RevocationReason
REVOCATION_REASON_AFFILIATION_CHANGED: RevocationReason
REVOCATION_REASON_SUPERSEDED: RevocationReason
REVOCATION_REASON_CESSATION_OF_OPERATION: RevocationReason

class Official(_message.Message):
    __slots__ = ("official_id", "full_name", "position")
    OFFICIAL_ID_FIELD_NUMBER: _ClassVar[int]
    FULL_NAME_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    official_id: str
    full_name: str
    position: str
    def __init__(self, official_id: _Optional[str] = ..., full_name: _Optional[str] = ..., position: _Optional[str] = ...) -> None: ...

class Credential(_message.Message):
    __slots__ = ("credential_id", "official", "unit_id", "agency_code", "agency_name", "status", "authenticator", "key_algorithm", "certificate", "chain", "serial_number", "not_before", "not_after", "revocation_time", "revocation_reason", "reissue_unit_id", "issue_time", "agency_seal")
    CREDENTIAL_ID_FIELD_NUMBER: _ClassVar[int]
    OFFICIAL_FIELD_NUMBER: _ClassVar[int]
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    AGENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    AGENCY_NAME_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    AUTHENTICATOR_FIELD_NUMBER: _ClassVar[int]
    KEY_ALGORITHM_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATE_FIELD_NUMBER: _ClassVar[int]
    CHAIN_FIELD_NUMBER: _ClassVar[int]
    SERIAL_NUMBER_FIELD_NUMBER: _ClassVar[int]
    NOT_BEFORE_FIELD_NUMBER: _ClassVar[int]
    NOT_AFTER_FIELD_NUMBER: _ClassVar[int]
    REVOCATION_TIME_FIELD_NUMBER: _ClassVar[int]
    REVOCATION_REASON_FIELD_NUMBER: _ClassVar[int]
    REISSUE_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    ISSUE_TIME_FIELD_NUMBER: _ClassVar[int]
    AGENCY_SEAL_FIELD_NUMBER: _ClassVar[int]
    credential_id: str
    official: Official
    unit_id: str
    agency_code: str
    agency_name: str
    status: CredentialStatus
    authenticator: AuthenticatorStatus
    key_algorithm: KeyAlgorithm
    certificate: bytes
    chain: _containers.RepeatedScalarFieldContainer[bytes]
    serial_number: str
    not_before: _timestamp_pb2.Timestamp
    not_after: _timestamp_pb2.Timestamp
    revocation_time: _timestamp_pb2.Timestamp
    revocation_reason: RevocationReason
    reissue_unit_id: str
    issue_time: _timestamp_pb2.Timestamp
    agency_seal: bool
    def __init__(self, credential_id: _Optional[str] = ..., official: _Optional[_Union[Official, _Mapping]] = ..., unit_id: _Optional[str] = ..., agency_code: _Optional[str] = ..., agency_name: _Optional[str] = ..., status: _Optional[_Union[CredentialStatus, str]] = ..., authenticator: _Optional[_Union[AuthenticatorStatus, str]] = ..., key_algorithm: _Optional[_Union[KeyAlgorithm, str]] = ..., certificate: _Optional[bytes] = ..., chain: _Optional[_Iterable[bytes]] = ..., serial_number: _Optional[str] = ..., not_before: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., not_after: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., revocation_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., revocation_reason: _Optional[_Union[RevocationReason, str]] = ..., reissue_unit_id: _Optional[str] = ..., issue_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., agency_seal: _Optional[bool] = ...) -> None: ...

class IssueCredentialRequest(_message.Message):
    __slots__ = ("request_id", "official", "unit_id", "key_algorithm", "validity_days", "agency_seal")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    OFFICIAL_FIELD_NUMBER: _ClassVar[int]
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    KEY_ALGORITHM_FIELD_NUMBER: _ClassVar[int]
    VALIDITY_DAYS_FIELD_NUMBER: _ClassVar[int]
    AGENCY_SEAL_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    official: Official
    unit_id: str
    key_algorithm: KeyAlgorithm
    validity_days: int
    agency_seal: bool
    def __init__(self, request_id: _Optional[str] = ..., official: _Optional[_Union[Official, _Mapping]] = ..., unit_id: _Optional[str] = ..., key_algorithm: _Optional[_Union[KeyAlgorithm, str]] = ..., validity_days: _Optional[int] = ..., agency_seal: _Optional[bool] = ...) -> None: ...

class GetCredentialRequest(_message.Message):
    __slots__ = ("credential_id",)
    CREDENTIAL_ID_FIELD_NUMBER: _ClassVar[int]
    credential_id: str
    def __init__(self, credential_id: _Optional[str] = ...) -> None: ...

class ListCredentialsRequest(_message.Message):
    __slots__ = ("official_id", "unit_id", "reissue_only", "page_size", "page_token")
    OFFICIAL_ID_FIELD_NUMBER: _ClassVar[int]
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    REISSUE_ONLY_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    official_id: str
    unit_id: str
    reissue_only: bool
    page_size: int
    page_token: str
    def __init__(self, official_id: _Optional[str] = ..., unit_id: _Optional[str] = ..., reissue_only: _Optional[bool] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListCredentialsResponse(_message.Message):
    __slots__ = ("credentials", "next_page_token")
    CREDENTIALS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    credentials: _containers.RepeatedCompositeFieldContainer[Credential]
    next_page_token: str
    def __init__(self, credentials: _Optional[_Iterable[_Union[Credential, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class RevokeCredentialRequest(_message.Message):
    __slots__ = ("request_id", "credential_id", "reason")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    CREDENTIAL_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    credential_id: str
    reason: RevocationReason
    def __init__(self, request_id: _Optional[str] = ..., credential_id: _Optional[str] = ..., reason: _Optional[_Union[RevocationReason, str]] = ...) -> None: ...

class EnrollAuthenticatorRequest(_message.Message):
    __slots__ = ("credential_id",)
    CREDENTIAL_ID_FIELD_NUMBER: _ClassVar[int]
    credential_id: str
    def __init__(self, credential_id: _Optional[str] = ...) -> None: ...

class EnrollAuthenticatorResponse(_message.Message):
    __slots__ = ("provisioning_uri", "secret_base32")
    PROVISIONING_URI_FIELD_NUMBER: _ClassVar[int]
    SECRET_BASE32_FIELD_NUMBER: _ClassVar[int]
    provisioning_uri: str
    secret_base32: str
    def __init__(self, provisioning_uri: _Optional[str] = ..., secret_base32: _Optional[str] = ...) -> None: ...

class ConfirmAuthenticatorRequest(_message.Message):
    __slots__ = ("credential_id", "one_time_code")
    CREDENTIAL_ID_FIELD_NUMBER: _ClassVar[int]
    ONE_TIME_CODE_FIELD_NUMBER: _ClassVar[int]
    credential_id: str
    one_time_code: str
    def __init__(self, credential_id: _Optional[str] = ..., one_time_code: _Optional[str] = ...) -> None: ...

class GetAuthoritiesRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class Authorities(_message.Message):
    __slots__ = ("root_certificate_pem", "issuing_certificate_pem", "timestamping_certificate_pem", "ocsp_responder_certificate_pem", "crl_url", "ocsp_url", "timestamp_url")
    ROOT_CERTIFICATE_PEM_FIELD_NUMBER: _ClassVar[int]
    ISSUING_CERTIFICATE_PEM_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMPING_CERTIFICATE_PEM_FIELD_NUMBER: _ClassVar[int]
    OCSP_RESPONDER_CERTIFICATE_PEM_FIELD_NUMBER: _ClassVar[int]
    CRL_URL_FIELD_NUMBER: _ClassVar[int]
    OCSP_URL_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_URL_FIELD_NUMBER: _ClassVar[int]
    root_certificate_pem: str
    issuing_certificate_pem: str
    timestamping_certificate_pem: str
    ocsp_responder_certificate_pem: str
    crl_url: str
    ocsp_url: str
    timestamp_url: str
    def __init__(self, root_certificate_pem: _Optional[str] = ..., issuing_certificate_pem: _Optional[str] = ..., timestamping_certificate_pem: _Optional[str] = ..., ocsp_responder_certificate_pem: _Optional[str] = ..., crl_url: _Optional[str] = ..., ocsp_url: _Optional[str] = ..., timestamp_url: _Optional[str] = ...) -> None: ...
