"""The event-store base every service builds on.

* :class:`AuditedAggregate` stamps the running :mod:`lienthong.audit` context
  on every event it triggers, as the event's ``metadata``.
* :class:`ServiceApplication` chooses its persistence from one URL
  (``memory:``, ``sqlite:///file``, ``postgresql://...``) and knows the
  value types our events carry (dates).
* :func:`application_name` and :func:`open_recorder`: what a service's event
  store is called, and a reader of it for tools that know only the service.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar
from urllib.parse import parse_qs, unquote, urlsplit

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import InfrastructureFactory, StoredEvent, Transcoding
from eventsourcing.utils import Environment

from lienthong import audit, metrics, pgoptions
from lienthong.errors import NotFound
from lienthong.sidetables import SQLITE_VALUES_PER_QUERY, backend, postgres_read

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Sequence

    from eventsourcing.persistence import ApplicationRecorder, JSONTranscoder, Notification

    from lienthong.projection import LogFollower

F = TypeVar("F", bound="LogFollower")

#: Namespace of the name-based ids (uuid5) our services derive from keys.
LIENTHONG_NAMESPACE = uuid.UUID("8d7b6a57-3c55-4f0e-9d1c-6f2f4f1b2a10")


def derived_id(*parts: str) -> uuid.UUID:
    """A stable aggregate id for a natural key (a code, a request id)."""
    return uuid.uuid5(LIENTHONG_NAMESPACE, "/".join(parts))


class AuditedAggregate(Aggregate):
    """An aggregate whose events all carry the audit metadata."""

    class Event(Aggregate.Event):
        metadata: dict[str, str]

    class Created(Event, Aggregate.Created):
        pass

    @classmethod
    def _create(cls, event_class: Any, *, id: Any = None, **kwargs: Any) -> Any:  # noqa: A002
        kwargs.setdefault("metadata", audit.current().as_metadata())
        return super()._create(event_class, id=id, **kwargs)

    def trigger_event(self, event_class: Any, **kwargs: Any) -> None:
        kwargs.setdefault("metadata", audit.current().as_metadata())
        super().trigger_event(event_class, **kwargs)


class DateAsISO(Transcoding):
    """Calendar dates (effective dates) as ``YYYY-MM-DD``."""

    type = dt.date
    name = "date_iso"

    def encode(self, obj: dt.date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> dt.date:
        return dt.date.fromisoformat(data)


def persistence_env(event_store: str, *, schema: str, pool_size: int = 8) -> dict[str, str]:
    """Translate an event-store URL into the ``eventsourcing`` environment."""
    if event_store in ("memory:", "popo", "memory"):
        return {"PERSISTENCE_MODULE": "eventsourcing.popo"}
    parts = urlsplit(event_store)
    if parts.scheme == "sqlite":
        # sqlite:///relative.db and sqlite:////absolute/path.db, as SQLAlchemy spells them.
        path = unquote(parts.path[1:] if parts.path.startswith("/") else parts.path)
        if not path or path == ":memory:":
            path = ":memory:"
        return {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": path,
            "SQLITE_LOCK_TIMEOUT": "10",
        }
    if parts.scheme in ("postgresql", "postgres"):
        # Every query option is used or refused (ValueError), never silently dropped.
        query = parse_qs(parts.query, keep_blank_values=True)
        libpq = pgoptions.options_from_query(query)
        return {
            # eventsourcing's factory, with the URL's libpq options and one-statement saves.
            "PERSISTENCE_MODULE": pgoptions.FACTORY_TOPIC,
            "POSTGRES_DBNAME": unquote(parts.path.lstrip("/")) or "postgres",
            "POSTGRES_HOST": parts.hostname or "127.0.0.1",
            "POSTGRES_PORT": str(parts.port or 5432),
            "POSTGRES_USER": unquote(parts.username or "postgres"),
            "POSTGRES_PASSWORD": unquote(parts.password or ""),
            "POSTGRES_SCHEMA": query.get("schema", [schema])[-1] or schema,
            "POSTGRES_POOL_SIZE": str(pool_size),
            "POSTGRES_MAX_OVERFLOW": "4",
            "POSTGRES_CONNECT_TIMEOUT": "5",
            "POSTGRES_LOCK_TIMEOUT": "5",
            # No ping per checkout: eventsourcing retries on a broken connection.
            "POSTGRES_PRE_PING": "n",
            **{pgoptions.env_key(name): value for name, value in libpq.items()},
        }
    msg = f"unsupported event store URL {event_store!r} (memory:, sqlite:///..., postgresql://...)"
    raise ValueError(msg)


@contextlib.contextmanager
def postgres_schema_ready(env: dict[str, str]) -> Iterator[None]:
    """The service's schema exists, and this process alone creates tables in it meanwhile.

    eventsourcing creates only the tables (and this runtime their functions), with
    ``CREATE ... IF NOT EXISTS``, which two replicas starting together on an empty
    database can both attempt: one of them fails on a unique index of the catalog. A
    session advisory lock per schema, held while the application is built, makes them
    take turns; the later one finds everything there.
    """
    if env.get("PERSISTENCE_MODULE") not in ("eventsourcing.postgres", pgoptions.FACTORY_TOPIC):
        yield
        return
    import psycopg
    from psycopg import sql

    with psycopg.connect(
        dbname=env["POSTGRES_DBNAME"],
        host=env["POSTGRES_HOST"],
        port=env["POSTGRES_PORT"],
        user=env["POSTGRES_USER"],
        password=env["POSTGRES_PASSWORD"] or None,
        autocommit=True,
        **pgoptions.connect_kwargs(env),
    ) as conn:
        conn.execute("SELECT pg_advisory_lock(hashtext(%s))",
                     (f"lienthong-ddl:{env['POSTGRES_SCHEMA']}",))
        conn.execute(
            sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(env["POSTGRES_SCHEMA"]))
        )
        yield  # the lock goes with the connection


def application_name(service: str) -> str:
    """What eventsourcing calls a service's application: ``identity`` -> ``IdentityApplication``.

    Its PostgreSQL tables are named after it, lower-cased
    (``identityapplication_events``), and ``<NAME>_*`` variables (e.g.
    ``IDENTITYAPPLICATION_POSTGRES_MAX_OVERFLOW``) configure it alone.
    """
    return f"{service.capitalize()}Application"


@contextlib.contextmanager
def open_recorder(service: str, event_store: str, *,
                  schema: str = "") -> Iterator[ApplicationRecorder]:
    """The recorder of ``service``'s events in ``event_store``, read as the service writes them.

    The tables and the schema (the service's name unless ``schema`` or the
    URL's ``?schema=`` says otherwise) are the service's own; nothing is
    created, so read-only credentials suffice. Closed when the block ends.
    """
    env = {**persistence_env(event_store, schema=schema or service, pool_size=1),
           "CREATE_TABLE": "n"}
    factory = InfrastructureFactory.construct(Environment(application_name(service), env))
    try:
        yield factory.application_recorder()
    finally:
        factory.close()


#: Fields every stored event has; the rest are the event's own.
STANDARD_EVENT_FIELDS = frozenset({"originator_id", "originator_version", "timestamp",
                                   "originator_topic", "metadata"})


@dataclass(frozen=True)
class HistoryItem:
    """One event of an aggregate's history: what, when, with its audit metadata."""

    version: int
    event_type: str
    recorded_at: dt.datetime
    metadata: dict[str, str]
    fields: dict[str, Any]  # the event's own fields, as recorded

    @property
    def payload(self) -> dict[str, Any]:
        """The event's own fields as JSON values."""
        return json.loads(json.dumps(self.fields, default=str, ensure_ascii=False))


H = TypeVar("H", bound=HistoryItem)


class ServiceApplication(Application):
    """An eventsourcing application configured from one event-store URL.

    A service's application names its service in its class statement,
    ``class IdentityApplication(IdempotentApplication, service="identity")``:
    its tables, schema and metrics are then the service's (see
    :func:`application_name`), and so are those of its subclasses unless they
    set ``name`` themselves. Other applications keep eventsourcing's naming
    (the class name).
    """

    service_name: ClassVar[str] = "service"
    _names_a_service: ClassVar[bool] = False

    def __init_subclass__(cls, service: str = "", **kwargs: Any) -> None:
        named = "name" in cls.__dict__  # before eventsourcing sets it to the class name
        super().__init_subclass__(**kwargs)
        if service:
            cls.service_name = service
            cls._names_a_service = True
        if cls._names_a_service and not named:
            cls.name = application_name(cls.service_name)

    def __init__(self, event_store: str = "memory:", *, pool_size: int = 8,
                 schema: str = "", env: dict[str, str] | None = None) -> None:
        store_env = persistence_env(event_store, schema=schema or self.service_name,
                                    pool_size=pool_size)
        with postgres_schema_ready(store_env):
            super().__init__(env={**store_env, **(env or {})})

    def history(self, aggregate_id: uuid.UUID, created: type, resource: str,
                item: type[H] = HistoryItem) -> list[H]:  # type: ignore[assignment]
        """Every event of one aggregate, oldest first (NOT_FOUND unless it began as ``created``)."""
        events = list(self.events.get(aggregate_id))
        if not events or not isinstance(events[0], created):
            raise NotFound(resource, str(aggregate_id))
        return [item(version=event.originator_version,
                     event_type=type(event).__qualname__.split(".")[-1],
                     recorded_at=event.timestamp,
                     metadata=dict(getattr(event, "metadata", {})),
                     fields={k: v for k, v in vars(event).items()
                             if k not in STANDARD_EVENT_FIELDS})
                for event in events]

    def follow(self, follower: F) -> F:
        """Keep an in-memory read model in step with this application.

        It is caught up now and after each of this process's commits (commands
        and consumed events alike) that recorded an event it follows, so a
        command's effects are readable before it answers; other processes'
        commits reach it when it is refreshed.
        """
        follower.catch_up()
        self._followers = [*getattr(self, "_followers", []), follower]
        return follower

    def add_commit_listener(self, listener: Callable[[Sequence[Notification]], object]
                            ) -> None:
        """Call ``listener`` with the notifications of each commit of this application, right
        after it (e.g. to wake its relay)."""
        self._commit_listeners = [*getattr(self, "_commit_listeners", []), listener]

    def _record(self, processing_event: Any) -> Any:
        recordings = super()._record(processing_event)
        metrics.events_appended(self.service_name, len(recordings))
        notifications = [recording.notification for recording in recordings]
        followers = getattr(self, "_followers", ())
        if followers:
            # A read model is caught up only by commits it has something to read in: a
            # signature recorded on a credential costs the credential index no query.
            topics = {notification.topic for notification in notifications}
            for follower in followers:
                if follower.follows_any(topics):
                    follower.take(notifications)
        for listener in getattr(self, "_commit_listeners", ()):
            listener(notifications)
        return recordings

    def get_many(self, aggregate_ids: Iterable[uuid.UUID]) -> ReadAtOnce:
        """Several aggregates from their events alone, read in one query (a page of a list);
        an id with nothing recorded is left out. Snapshots are not looked for."""
        ids = list(dict.fromkeys(aggregate_ids))
        if not ids:
            return ReadAtOnce({}, asked=())
        events: dict[uuid.UUID, list[Any]] = {}
        for stored in stored_events_of(self.recorder, ids):
            events.setdefault(stored.originator_id, []).append(
                self.mapper.to_domain_event(stored))
        return ReadAtOnce({i: project(None, events[i]) for i in ids if i in events}, asked=ids)

    def loaded_or_get(self, aggregate_id: uuid.UUID, loaded: ReadAtOnce | None) -> Any:
        """The aggregate as ``loaded`` (what a command read at once) has it, when that read
        asked for it; else read now. None: nothing recorded for this id."""
        if loaded is not None and aggregate_id in loaded.asked:
            return loaded.get(aggregate_id)
        return self.get_or_none(aggregate_id)

    def exists(self, aggregate_id: uuid.UUID) -> bool:
        """Whether any event was recorded for this aggregate id."""
        return bool(self.recorder.select_events(aggregate_id, limit=1))

    def get_or_none(self, aggregate_id: uuid.UUID) -> Any:
        """The aggregate, or None if nothing was recorded for this id (one read)."""
        try:
            return self.repository.get(aggregate_id, projector_func=project)
        except AggregateNotFoundError:
            return None

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())


class ReadAtOnce(dict[uuid.UUID, Any]):
    """Aggregates read in one query (:meth:`ServiceApplication.get_many`), by id; ``asked``:
    every id the query asked for, so an id asked for and absent has nothing recorded."""

    def __init__(self, found: dict[uuid.UUID, Any], *, asked: Iterable[uuid.UUID]) -> None:
        super().__init__(found)
        self.asked = frozenset(asked)


def project(aggregate: Any, events: Iterable[Any]) -> Any:
    """The aggregate after these events, each applied to what the one before left.

    eventsourcing's ``project_aggregate`` does the same, checking each event against a
    runtime protocol first, which costs more than applying a small event on Python 3.11.
    """
    for domain_event in events:
        aggregate = domain_event.mutate(aggregate)
    return aggregate


@functools.cache
def _events_of_statement(schema: str, table: str) -> Any:
    from psycopg import sql

    return sql.SQL(
        "SELECT originator_id, originator_version, topic, state FROM {}.{} "
        "WHERE originator_id = ANY(%s) ORDER BY originator_id, originator_version"
    ).format(sql.Identifier(schema), sql.Identifier(table))


def stored_events_of(recorder: Any, ids: Sequence[uuid.UUID]) -> list[StoredEvent]:
    """Every stored event of these aggregates, each aggregate's in version order."""
    where = backend(recorder)
    if where == "postgres":
        rows = postgres_read(recorder.datastore, _events_of_statement(
            recorder.datastore.schema, recorder.events_table_name), (list(ids),))
        return [StoredEvent(originator_id=row[0], originator_version=row[1], topic=row[2],
                            state=bytes(row[3])) for row in rows]
    if where == "sqlite":
        found: list[StoredEvent] = []
        for start in range(0, len(ids), SQLITE_VALUES_PER_QUERY):
            chunk = [i.hex for i in ids[start:start + SQLITE_VALUES_PER_QUERY]]
            statement = ("SELECT originator_id, originator_version, topic, state "
                         f"FROM {recorder.events_table_name} WHERE originator_id IN "
                         f"({', '.join('?' * len(chunk))}) "
                         "ORDER BY originator_id, originator_version")
            with recorder.datastore.transaction(commit=False) as curs:
                curs.execute(statement, chunk)
                found.extend(StoredEvent(
                    originator_id=recorder.convert_originator_id(row["originator_id"]),
                    originator_version=row["originator_version"], topic=row["topic"],
                    state=row["state"]) for row in curs.fetchall())
        return found
    return [stored for i in ids for stored in recorder.select_events(i)]
