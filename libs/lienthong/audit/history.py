"""A service's event log as an auditor reads it: histories, past states, the log itself.

Everything here reads; nothing writes (no command, no save, no snapshot).
Events are decoded with the application's own mapper, so what an auditor
sees is what the service itself replays.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from lienthong.errors import InvalidArgument, NotFound
from lienthong.eventstore import STANDARD_EVENT_FIELDS
from lienthong.sidetables import backend

if TYPE_CHECKING:
    from collections.abc import Iterator

    from eventsourcing.persistence import StoredEvent

    from lienthong.eventstore import ServiceApplication

#: How many notifications one read of the log fetches.
EXPORT_BATCH = 500


def json_value(value: Any) -> Any:
    """A JSON value for anything our events and aggregates hold.

    Dates and times as ISO 8601, ids as strings, enums by their value (or
    name when the value is not a string), sets sorted, dataclasses as objects.
    """
    if value is None or isinstance(value, bool | str | int | float):
        return value
    if isinstance(value, enum.Enum):
        return value.value if isinstance(value.value, str) else value.name
    if isinstance(value, dt.date | dt.time):  # datetime is a date
        return value.isoformat()
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(json_value(k)): json_value(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        return sorted((json_value(v) for v in value), key=str)
    if isinstance(value, list | tuple):
        return [json_value(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: json_value(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, bytes):
        return value.hex()
    return str(value)


def topic_names(topic: str) -> tuple[str, str]:
    """``module:Unit.Registered`` -> ("Unit", "Registered")."""
    qualname = topic.rsplit(":", 1)[-1]
    parts = qualname.split(".")
    return (parts[-2] if len(parts) > 1 else parts[0]), parts[-1]


@dataclass(frozen=True)
class LoggedEvent:
    """One event of the log, decoded: where it sits, what it says, who caused it."""

    notification_id: int  # 0 when the store cannot tell
    aggregate_id: uuid.UUID
    aggregate_type: str
    version: int
    event_type: str
    topic: str
    recorded_at: dt.datetime
    metadata: dict[str, str]
    payload: dict[str, Any]  # the event's own fields as JSON values
    stored_state: bytes  # the bytes as stored (the Merkle leaf's input)


def decode(app: ServiceApplication, stored: StoredEvent, notification_id: int) -> LoggedEvent:
    event = app.mapper.to_domain_event(stored)
    aggregate_type, event_type = topic_names(stored.topic)
    return LoggedEvent(
        notification_id=notification_id,
        aggregate_id=uuid.UUID(str(stored.originator_id)),
        aggregate_type=aggregate_type, version=stored.originator_version,
        event_type=event_type, topic=stored.topic,
        recorded_at=event.timestamp,
        metadata={str(k): str(v) for k, v in dict(getattr(event, "metadata", {}) or {}).items()},
        payload={k: json_value(v) for k, v in vars(event).items()
                 if k not in STANDARD_EVENT_FIELDS},
        stored_state=bytes(stored.state))


def notification_ids(app: ServiceApplication, aggregate_id: uuid.UUID) -> dict[int, int]:
    """Version -> notification id of one aggregate's events (one indexed query)."""
    recorder: Any = app.recorder
    where = backend(recorder)
    if where == "sqlite":
        with recorder.datastore.transaction(commit=False) as cursor:
            table = recorder.events_table_name
            cursor.execute(f"SELECT rowid, originator_version FROM {table} WHERE originator_id=?",
                           (aggregate_id.hex,))
            return {row[1]: row[0] for row in cursor.fetchall()}
    if where == "postgres":
        from psycopg import sql

        query = sql.SQL("SELECT notification_id, originator_version FROM {}.{} "
                        "WHERE originator_id = %s").format(
            sql.Identifier(recorder.datastore.schema),
            sql.Identifier(recorder.events_table_name))
        with recorder.datastore.transaction(commit=False) as cursor:
            cursor.execute(query, (aggregate_id,))
            return {row["originator_version"]: row["notification_id"]
                    for row in cursor.fetchall()}
    # In memory: walk the log through the public API.
    found: dict[int, int] = {}
    last = 0
    while batch := recorder.select_notifications(last, EXPORT_BATCH, inclusive_of_start=False):
        found.update({n.originator_version: n.id for n in batch
                      if str(n.originator_id) == str(aggregate_id)})
        last = batch[-1].id
    return found


def _stored_events(app: ServiceApplication, aggregate_id: uuid.UUID) -> list[StoredEvent]:
    stored = list(app.recorder.select_events(aggregate_id))
    if not stored:
        raise NotFound("aggregate", str(aggregate_id))
    return stored


def aggregate_events(app: ServiceApplication, aggregate_id: uuid.UUID) -> list[LoggedEvent]:
    """Every event of one aggregate, oldest first, with its notification id."""
    stored = _stored_events(app, aggregate_id)
    ids = notification_ids(app, aggregate_id)
    return [decode(app, s, ids.get(s.originator_version, 0)) for s in stored]


@dataclass(frozen=True)
class StateView:
    """An aggregate rebuilt at a version."""

    aggregate_id: uuid.UUID
    aggregate_type: str
    version: int
    latest_version: int
    created_at: dt.datetime
    updated_at: dt.datetime
    state: dict[str, Any]  # public attributes as JSON values


class NotYetCreated(NotFound):
    """The aggregate exists now but did not at the moment asked about."""

    def __init__(self, aggregate_id: uuid.UUID, as_of: dt.datetime) -> None:
        super().__init__("aggregate", str(aggregate_id))
        self.message = (f"aggregate {str(aggregate_id)!r} did not exist yet at "
                        f"{as_of.isoformat()}")
        self.args = (self.message,)


def aggregate_state(app: ServiceApplication, aggregate_id: uuid.UUID, *, version: int = 0,
                    as_of: dt.datetime | None = None) -> StateView:
    """The aggregate as of ``version`` (0 = now) or as of the moment ``as_of``."""
    stored = _stored_events(app, aggregate_id)
    latest = stored[-1].originator_version
    if version > latest:
        raise InvalidArgument.single(
            "version", "VERSION_BEYOND_AGGREGATE",
            f"the aggregate has {latest} version(s); asked for version {version}")
    if as_of is not None:
        times = [(s.originator_version, app.mapper.to_domain_event(s).timestamp) for s in stored]
        before = [v for v, recorded in times if recorded <= as_of]
        if not before:
            raise NotYetCreated(aggregate_id, as_of)
        version = before[-1]
    aggregate = app.repository.get(aggregate_id, version=version or None)
    aggregate_type, _ = topic_names(stored[0].topic)
    state = {k: json_value(v) for k, v in vars(aggregate).items() if not k.startswith("_")}
    return StateView(aggregate_id=aggregate_id, aggregate_type=aggregate_type,
                     version=aggregate.version, latest_version=latest,
                     created_at=aggregate.created_on, updated_at=aggregate.modified_on,
                     state=state)


@dataclass(frozen=True)
class ExportRange:
    """Which part of the log to export: notification ids (inclusive) and times [start, end)."""

    start_notification_id: int = 0
    end_notification_id: int = 0
    start_time: dt.datetime | None = None
    end_time: dt.datetime | None = None

    def validate(self) -> None:
        problems = []
        for name in ("start_notification_id", "end_notification_id"):
            if getattr(self, name) < 0:
                problems.append(InvalidArgument.single(name, "NEGATIVE", "must not be negative"))
        if self.end_notification_id and self.start_notification_id > self.end_notification_id:
            problems.append(InvalidArgument.single(
                "start_notification_id", "START_AFTER_END",
                "must not be greater than end_notification_id"))
        if self.start_time and self.end_time and self.start_time >= self.end_time:
            problems.append(InvalidArgument.single(
                "start_time", "START_AFTER_END", "must be before end_time"))
        if problems:
            raise InvalidArgument([v for p in problems for v in p.violations])

    def keeps(self, event: LoggedEvent) -> bool:
        return ((self.start_time is None or event.recorded_at >= self.start_time)
                and (self.end_time is None or event.recorded_at < self.end_time))


def log_end(app: ServiceApplication, wanted: ExportRange) -> int:
    """The last notification id an export reads: the requested end, or the log's end now."""
    latest = app.recorder.max_notification_id() or 0
    return min(wanted.end_notification_id, latest) if wanted.end_notification_id else latest


def export_batches(app: ServiceApplication, wanted: ExportRange, end: int,
                   batch: int = 0) -> Iterator[list[LoggedEvent]]:
    """The log from the range's start up to ``end``, a batch of notifications at a time.

    A time range is applied to each event's recorded time; the log is read
    in notification order, so a time range still walks the id range.
    """
    batch = batch or EXPORT_BATCH
    last = max(wanted.start_notification_id - 1, 0)
    while last < end:
        notifications = app.recorder.select_notifications(
            last, min(batch, end - last), stop=end, inclusive_of_start=False)
        if not notifications:
            return
        last = notifications[-1].id
        events = [decode(app, n, n.id) for n in notifications]
        yield [e for e in events if wanted.keeps(e)]
