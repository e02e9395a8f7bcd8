import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ErasePersonalDataRequest(_message.Message):
    __slots__ = ("request_id", "personal_identification_number", "reason")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    PERSONAL_IDENTIFICATION_NUMBER_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    personal_identification_number: str
    reason: str
    def __init__(self, request_id: _Optional[str] = ..., personal_identification_number: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class ErasePersonalDataResponse(_message.Message):
    __slots__ = ("subject_ref", "key_destroyed", "erase_time")
    SUBJECT_REF_FIELD_NUMBER: _ClassVar[int]
    KEY_DESTROYED_FIELD_NUMBER: _ClassVar[int]
    ERASE_TIME_FIELD_NUMBER: _ClassVar[int]
    subject_ref: str
    key_destroyed: bool
    erase_time: _timestamp_pb2.Timestamp
    def __init__(self, subject_ref: _Optional[str] = ..., key_destroyed: _Optional[bool] = ..., erase_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
