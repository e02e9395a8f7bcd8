from lienthong.archive.v1 import archive_pb2 as _archive_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class BeginUpload(_message.Message):
    __slots__ = ("request_id", "name", "content_type", "size")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    name: str
    content_type: str
    size: int
    def __init__(self, request_id: _Optional[str] = ..., name: _Optional[str] = ..., content_type: _Optional[str] = ..., size: _Optional[int] = ...) -> None: ...

class UploadChunk(_message.Message):
    __slots__ = ("offset", "data")
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    offset: int
    data: bytes
    def __init__(self, offset: _Optional[int] = ..., data: _Optional[bytes] = ...) -> None: ...

class FinishUpload(_message.Message):
    __slots__ = ("sha256",)
    SHA256_FIELD_NUMBER: _ClassVar[int]
    sha256: str
    def __init__(self, sha256: _Optional[str] = ...) -> None: ...

class UploadFileRequest(_message.Message):
    __slots__ = ("begin", "upload_id", "chunk", "finish")
    BEGIN_FIELD_NUMBER: _ClassVar[int]
    UPLOAD_ID_FIELD_NUMBER: _ClassVar[int]
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    FINISH_FIELD_NUMBER: _ClassVar[int]
    begin: BeginUpload
    upload_id: str
    chunk: UploadChunk
    finish: FinishUpload
    def __init__(self, begin: _Optional[_Union[BeginUpload, _Mapping]] = ..., upload_id: _Optional[str] = ..., chunk: _Optional[_Union[UploadChunk, _Mapping]] = ..., finish: _Optional[_Union[FinishUpload, _Mapping]] = ...) -> None: ...

class Upload(_message.Message):
    __slots__ = ("upload_id", "name", "content_type", "size", "acknowledged_offset")
    UPLOAD_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    ACKNOWLEDGED_OFFSET_FIELD_NUMBER: _ClassVar[int]
    upload_id: str
    name: str
    content_type: str
    size: int
    acknowledged_offset: int
    def __init__(self, upload_id: _Optional[str] = ..., name: _Optional[str] = ..., content_type: _Optional[str] = ..., size: _Optional[int] = ..., acknowledged_offset: _Optional[int] = ...) -> None: ...

class UploadFileResponse(_message.Message):
    __slots__ = ("upload", "file")
    UPLOAD_FIELD_NUMBER: _ClassVar[int]
    FILE_FIELD_NUMBER: _ClassVar[int]
    upload: Upload
    file: _archive_pb2.FileRef
    def __init__(self, upload: _Optional[_Union[Upload, _Mapping]] = ..., file: _Optional[_Union[_archive_pb2.FileRef, _Mapping]] = ...) -> None: ...

class GetUploadRequest(_message.Message):
    __slots__ = ("upload_id",)
    UPLOAD_ID_FIELD_NUMBER: _ClassVar[int]
    upload_id: str
    def __init__(self, upload_id: _Optional[str] = ...) -> None: ...

class DownloadFileRequest(_message.Message):
    __slots__ = ("object_name",)
    OBJECT_NAME_FIELD_NUMBER: _ClassVar[int]
    object_name: str
    def __init__(self, object_name: _Optional[str] = ...) -> None: ...

class DownloadFileResponse(_message.Message):
    __slots__ = ("file", "data")
    FILE_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    file: _archive_pb2.FileRef
    data: bytes
    def __init__(self, file: _Optional[_Union[_archive_pb2.FileRef, _Mapping]] = ..., data: _Optional[bytes] = ...) -> None: ...
