"""AuditService messages as plain JSON values: one JSON Lines record per event.

A record::

    {"notification_id": 7, "aggregate_id": "...", "aggregate_type": "Unit",
     "version": 2, "event_type": "Renamed", "topic": "module:Unit.Renamed",
     "recorded_time": "2026-03-04T02:00:00.123456+00:00",
     "metadata": {"actor": ..., "actor_agency_code": ..., "request_id": ...,
                  "correlation_id": ..., "causation_id": ..., "trace_id": ...,
                  "span_id": ..., "reason": ...},
     "payload": {...the event's own fields...},
     "stored_state": "<base64 of the stored bytes>"}

Numbers in ``payload`` travel as protobuf Struct doubles; whole numbers are
written back as integers.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from typing import TYPE_CHECKING, Any, TextIO

from google.protobuf import json_format

from lienthong.audit.v1 import audit_pb2 as pb

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from google.protobuf import struct_pb2, timestamp_pb2

    from lienthong.audit.v1 import audit_pb2_grpc as pb_grpc

METADATA_FIELDS = tuple(pb.EventMetadata.DESCRIPTOR.fields_by_name)


def _whole_numbers(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if isinstance(value, dict):
        return {k: _whole_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_whole_numbers(v) for v in value]
    return value


def struct_to_python(message: struct_pb2.Struct) -> dict[str, Any]:
    return _whole_numbers(json_format.MessageToDict(message))


def timestamp_to_datetime(stamp: timestamp_pb2.Timestamp) -> dt.datetime:
    return stamp.ToDatetime(tzinfo=dt.UTC)


def event_record(event: pb.AuditEvent) -> dict[str, Any]:
    """One event as a JSON object (the JSON Lines record of an export)."""
    return {
        "notification_id": event.notification_id,
        "aggregate_id": event.aggregate_id,
        "aggregate_type": event.aggregate_type,
        "version": event.version,
        "event_type": event.event_type,
        "topic": event.topic,
        "recorded_time": timestamp_to_datetime(event.recorded_time).isoformat(),
        "metadata": {name: getattr(event.metadata, name) for name in METADATA_FIELDS},
        "payload": struct_to_python(event.payload),
        "stored_state": base64.b64encode(event.stored_state).decode(),
    }


def write_jsonl(messages: Iterable[pb.ExportEventsResponse], out: TextIO,
                progress: Callable[[pb.ExportEventsResponse], None] | None = None) -> int:
    """Write each exported event as one line; the number written."""
    count = 0
    for message in messages:
        out.write(json.dumps(event_record(message.event), ensure_ascii=False) + "\n")
        count += 1
        if progress is not None:
            progress(message)
    return count


def fetch_history(stub: pb_grpc.AuditServiceStub, aggregate_id: str, *,
                  timeout_s: float = 30.0) -> tuple[str, list[pb.AuditEvent]]:
    """The aggregate's type and every event of its history, all pages read."""
    events: list[pb.AuditEvent] = []
    token = ""
    while True:
        page = stub.ListAggregateEvents(pb.ListAggregateEventsRequest(
            aggregate_id=aggregate_id, page_size=1000, page_token=token), timeout=timeout_s)
        events.extend(page.events)
        if not page.next_page_token:
            return page.aggregate_type, events
        token = page.next_page_token
