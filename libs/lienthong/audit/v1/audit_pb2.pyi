import datetime

from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class EventMetadata(_message.Message):
    __slots__ = ("actor", "actor_agency_code", "request_id", "correlation_id", "causation_id", "trace_id", "reason", "span_id", "caller")
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    ACTOR_AGENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    CORRELATION_ID_FIELD_NUMBER: _ClassVar[int]
    CAUSATION_ID_FIELD_NUMBER: _ClassVar[int]
    TRACE_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    SPAN_ID_FIELD_NUMBER: _ClassVar[int]
    CALLER_FIELD_NUMBER: _ClassVar[int]
    actor: str
    actor_agency_code: str
    request_id: str
    correlation_id: str
    causation_id: str
    trace_id: str
    reason: str
    span_id: str
    caller: str
    def __init__(self, actor: _Optional[str] = ..., actor_agency_code: _Optional[str] = ..., request_id: _Optional[str] = ..., correlation_id: _Optional[str] = ..., causation_id: _Optional[str] = ..., trace_id: _Optional[str] = ..., reason: _Optional[str] = ..., span_id: _Optional[str] = ..., caller: _Optional[str] = ...) -> None: ...

class AuditEvent(_message.Message):
    __slots__ = ("notification_id", "aggregate_id", "aggregate_type", "version", "event_type", "topic", "recorded_time", "metadata", "payload", "stored_state")
    NOTIFICATION_ID_FIELD_NUMBER: _ClassVar[int]
    AGGREGATE_ID_FIELD_NUMBER: _ClassVar[int]
    AGGREGATE_TYPE_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    TOPIC_FIELD_NUMBER: _ClassVar[int]
    RECORDED_TIME_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    STORED_STATE_FIELD_NUMBER: _ClassVar[int]
    notification_id: int
    aggregate_id: str
    aggregate_type: str
    version: int
    event_type: str
    topic: str
    recorded_time: _timestamp_pb2.Timestamp
    metadata: EventMetadata
    payload: _struct_pb2.Struct
    stored_state: bytes
    def __init__(self, notification_id: _Optional[int] = ..., aggregate_id: _Optional[str] = ..., aggregate_type: _Optional[str] = ..., version: _Optional[int] = ..., event_type: _Optional[str] = ..., topic: _Optional[str] = ..., recorded_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., metadata: _Optional[_Union[EventMetadata, _Mapping]] = ..., payload: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., stored_state: _Optional[bytes] = ...) -> None: ...

class ListAggregateEventsRequest(_message.Message):
    __slots__ = ("aggregate_id", "page_size", "page_token")
    AGGREGATE_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    aggregate_id: str
    page_size: int
    page_token: str
    def __init__(self, aggregate_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListAggregateEventsResponse(_message.Message):
    __slots__ = ("events", "next_page_token", "total_size", "aggregate_type")
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SIZE_FIELD_NUMBER: _ClassVar[int]
    AGGREGATE_TYPE_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[AuditEvent]
    next_page_token: str
    total_size: int
    aggregate_type: str
    def __init__(self, events: _Optional[_Iterable[_Union[AuditEvent, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total_size: _Optional[int] = ..., aggregate_type: _Optional[str] = ...) -> None: ...

class GetAggregateStateRequest(_message.Message):
    __slots__ = ("aggregate_id", "version", "as_of_time")
    AGGREGATE_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    AS_OF_TIME_FIELD_NUMBER: _ClassVar[int]
    aggregate_id: str
    version: int
    as_of_time: _timestamp_pb2.Timestamp
    def __init__(self, aggregate_id: _Optional[str] = ..., version: _Optional[int] = ..., as_of_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class AggregateState(_message.Message):
    __slots__ = ("aggregate_id", "aggregate_type", "version", "latest_version", "create_time", "update_time", "state")
    AGGREGATE_ID_FIELD_NUMBER: _ClassVar[int]
    AGGREGATE_TYPE_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    LATEST_VERSION_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    aggregate_id: str
    aggregate_type: str
    version: int
    latest_version: int
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    state: _struct_pb2.Struct
    def __init__(self, aggregate_id: _Optional[str] = ..., aggregate_type: _Optional[str] = ..., version: _Optional[int] = ..., latest_version: _Optional[int] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., state: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class ExportEventsRequest(_message.Message):
    __slots__ = ("start_notification_id", "end_notification_id", "start_time", "end_time")
    START_NOTIFICATION_ID_FIELD_NUMBER: _ClassVar[int]
    END_NOTIFICATION_ID_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    start_notification_id: int
    end_notification_id: int
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    def __init__(self, start_notification_id: _Optional[int] = ..., end_notification_id: _Optional[int] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ExportEventsResponse(_message.Message):
    __slots__ = ("event", "end_notification_id")
    EVENT_FIELD_NUMBER: _ClassVar[int]
    END_NOTIFICATION_ID_FIELD_NUMBER: _ClassVar[int]
    event: AuditEvent
    end_notification_id: int
    def __init__(self, event: _Optional[_Union[AuditEvent, _Mapping]] = ..., end_notification_id: _Optional[int] = ...) -> None: ...

class Checkpoint(_message.Message):
    __slots__ = ("origin", "tree_size", "root_hash", "create_time", "last_notification_id", "note", "key_name", "signature")
    ORIGIN_FIELD_NUMBER: _ClassVar[int]
    TREE_SIZE_FIELD_NUMBER: _ClassVar[int]
    ROOT_HASH_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    LAST_NOTIFICATION_ID_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    KEY_NAME_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    origin: str
    tree_size: int
    root_hash: bytes
    create_time: _timestamp_pb2.Timestamp
    last_notification_id: int
    note: str
    key_name: str
    signature: bytes
    def __init__(self, origin: _Optional[str] = ..., tree_size: _Optional[int] = ..., root_hash: _Optional[bytes] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_notification_id: _Optional[int] = ..., note: _Optional[str] = ..., key_name: _Optional[str] = ..., signature: _Optional[bytes] = ...) -> None: ...

class ListCheckpointsRequest(_message.Message):
    __slots__ = ("page_size", "page_token")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListCheckpointsResponse(_message.Message):
    __slots__ = ("checkpoints", "next_page_token", "total_size")
    CHECKPOINTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SIZE_FIELD_NUMBER: _ClassVar[int]
    checkpoints: _containers.RepeatedCompositeFieldContainer[Checkpoint]
    next_page_token: str
    total_size: int
    def __init__(self, checkpoints: _Optional[_Iterable[_Union[Checkpoint, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total_size: _Optional[int] = ...) -> None: ...

class GetLatestCheckpointRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetInclusionProofRequest(_message.Message):
    __slots__ = ("notification_id", "tree_size")
    NOTIFICATION_ID_FIELD_NUMBER: _ClassVar[int]
    TREE_SIZE_FIELD_NUMBER: _ClassVar[int]
    notification_id: int
    tree_size: int
    def __init__(self, notification_id: _Optional[int] = ..., tree_size: _Optional[int] = ...) -> None: ...

class GetInclusionProofResponse(_message.Message):
    __slots__ = ("leaf_index", "leaf_hash", "tree_size", "hashes", "checkpoint")
    LEAF_INDEX_FIELD_NUMBER: _ClassVar[int]
    LEAF_HASH_FIELD_NUMBER: _ClassVar[int]
    TREE_SIZE_FIELD_NUMBER: _ClassVar[int]
    HASHES_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINT_FIELD_NUMBER: _ClassVar[int]
    leaf_index: int
    leaf_hash: bytes
    tree_size: int
    hashes: _containers.RepeatedScalarFieldContainer[bytes]
    checkpoint: Checkpoint
    def __init__(self, leaf_index: _Optional[int] = ..., leaf_hash: _Optional[bytes] = ..., tree_size: _Optional[int] = ..., hashes: _Optional[_Iterable[bytes]] = ..., checkpoint: _Optional[_Union[Checkpoint, _Mapping]] = ...) -> None: ...

class GetConsistencyProofRequest(_message.Message):
    __slots__ = ("first_tree_size", "second_tree_size")
    FIRST_TREE_SIZE_FIELD_NUMBER: _ClassVar[int]
    SECOND_TREE_SIZE_FIELD_NUMBER: _ClassVar[int]
    first_tree_size: int
    second_tree_size: int
    def __init__(self, first_tree_size: _Optional[int] = ..., second_tree_size: _Optional[int] = ...) -> None: ...

class GetConsistencyProofResponse(_message.Message):
    __slots__ = ("first_tree_size", "second_tree_size", "hashes", "first_checkpoint", "second_checkpoint")
    FIRST_TREE_SIZE_FIELD_NUMBER: _ClassVar[int]
    SECOND_TREE_SIZE_FIELD_NUMBER: _ClassVar[int]
    HASHES_FIELD_NUMBER: _ClassVar[int]
    FIRST_CHECKPOINT_FIELD_NUMBER: _ClassVar[int]
    SECOND_CHECKPOINT_FIELD_NUMBER: _ClassVar[int]
    first_tree_size: int
    second_tree_size: int
    hashes: _containers.RepeatedScalarFieldContainer[bytes]
    first_checkpoint: Checkpoint
    second_checkpoint: Checkpoint
    def __init__(self, first_tree_size: _Optional[int] = ..., second_tree_size: _Optional[int] = ..., hashes: _Optional[_Iterable[bytes]] = ..., first_checkpoint: _Optional[_Union[Checkpoint, _Mapping]] = ..., second_checkpoint: _Optional[_Union[Checkpoint, _Mapping]] = ...) -> None: ...
