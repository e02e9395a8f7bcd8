"""In-memory read models that follow an application's notification log.

A :class:`LogFollower` applies an application's events, in log order, to its
handlers. An application catches its followers up after its own writes
(read-your-writes) and refreshes them before its reads, so other processes'
writes appear within ``freshness_s``.

Handlers are bound to the event classes themselves
    ``@handles(Unit.Registered)`` on a method makes it the handler of that
    class, so renaming an event class breaks at import, not silently at run
    time. A follower names the aggregates it reads (``aggregates``); when the
    class is defined, every event class those aggregates record must be
    handled or listed in ``ignores`` with the reason, or the class is refused
    (``TypeError``): a new event type fails the import until someone decides.
    Only the handled classes are read (the recorder filters them by topic), so
    a small model in a busy log decodes nothing else.

Position and holes
    Every notification id up to ``position`` was applied, is of a class not
    followed, or is a hole the follower still waits for (``waiting``). Ids can
    have holes: a rolled-back transaction uses an id up (PostgreSQL sequences),
    and with ``POSTGRES_ENABLE_DB_FUNCTIONS=y`` a later id can commit before an
    earlier one. A follower does not stop at a hole (a read must not wait for
    another process's transaction): it applies what is there, remembers the
    missing ids and looks for them at each catch-up, applying any that has
    appeared (each aggregate's own events still arrive in order: the next
    version is written only after the previous one committed). After
    ``gap_timeout_s`` a hole is taken for a rolled-back id and forgotten. With
    eventsourcing's default PostgreSQL insert (``LOCK TABLE``) and with SQLite
    ids become visible in order, and holes never fill.

Reading outside the lock
    One thread at a time reads the log (a reader lock); :attr:`LogFollower.lock`
    is held only while the rows read are applied and the position moved, so
    the model's queries never wait for the database. A catch-up that waited
    for another thread's read begun after it was called returns at once: that
    read saw every commit made before the call (commits by several threads
    then cost one read, not one each). With PostgreSQL, where the log ends and
    the first batch of followed events come in one statement.

What this process commits is applied without a read
    After each of its commits the application hands its followers the
    notifications it recorded (:meth:`LogFollower.take`). Ids are handed out
    under the event table's lock, so when they run on from the follower's
    position no other commit can come between: they are applied as recorded
    (the stored bytes, decoded as a read would) and the log is not read.

Snapshots: not replaying the whole log at every start
    A follower with a ``snapshot_format`` keeps its state in the table
    ``projection_snapshots`` of the service's own event store (SQLite file or
    PostgreSQL schema), one row per read model and format: the state as
    zlib-compressed JSON, the position it reflects and the holes it was still
    waiting for, written in one statement, with a SHA-256 of the bytes. It is
    saved every ``snapshot_every_events`` notifications or ``snapshot_every_s``
    seconds (``LIENTHONG_READ_MODEL_SNAPSHOT_EVERY_EVENTS`` / ``_EVERY_S``; 0:
    never), in a thread of its own, and a row only ever moves forward. At
    start the follower loads it, looks for the holes it names, and reads the
    log on from its position: every event is applied exactly once, whichever
    process saved the snapshot. A snapshot of another format, taken by
    handlers of other event classes, or whose bytes do not check out, is
    ignored and the log replayed from notification 1. Bump ``snapshot_format``
    whenever the state's layout or what a handler derives changes.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import threading
import time
import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Self, TypeVar

import structlog
from eventsourcing.domain import AggregateEvent, CanInitAggregate
from eventsourcing.domain import _created_event_classes as created_event_classes
from eventsourcing.persistence import Notification
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder
from eventsourcing.utils import get_topic
from psycopg.sql import SQL, Identifier

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence

    from eventsourcing.application import Application
    from eventsourcing.persistence import ApplicationRecorder

log = structlog.get_logger("lienthong.projection")

#: The table, beside the events, that keeps the read models' snapshots.
SNAPSHOT_TABLE = "projection_snapshots"
#: How the name of a thread saving a read model's snapshot ends.
SNAPSHOT_THREAD_SUFFIX = "-snapshot"
ENV_EVERY_EVENTS = "LIENTHONG_READ_MODEL_SNAPSHOT_EVERY_EVENTS"
ENV_EVERY_S = "LIENTHONG_READ_MODEL_SNAPSHOT_EVERY_S"
_HANDLES = "__lienthong_handles__"

M = TypeVar("M", bound="Callable[..., Any]")


def handles(*event_classes: type) -> Callable[[M], M]:
    """Make a follower's method the handler of these event classes."""
    if not event_classes:
        msg = "name the event classes the method handles"
        raise TypeError(msg)

    def mark(method: M) -> M:
        setattr(method, _HANDLES, (*getattr(method, _HANDLES, ()), *event_classes))
        return method
    return mark


def recorded_events(aggregate: type) -> tuple[type, ...]:
    """Every event class an aggregate records.

    An aggregate created by an event of another name (``Dossier.Submitted``)
    still has eventsourcing's default ``Created`` class, never recorded.
    """
    created = created_event_classes.get(aggregate, [])
    return tuple(value for value in vars(aggregate).values()
                 if isinstance(value, type) and issubclass(value, AggregateEvent)
                 and value.__name__ != "Event"
                 and (not issubclass(value, CanInitAggregate) or value in created))


class Interned:
    """Decodes a snapshot's texts once each: ``Interned(UUID)("...")``.

    Parents, provinces, units and days recur in every row of a large read
    model; one object per distinct text spares decoding and memory.
    """

    def __init__(self, decode: Callable[[str], Any]) -> None:
        self._decode = decode
        self._known: dict[str, Any] = {}

    def __call__(self, text: str | None) -> Any:
        """The decoded value (None for None)."""
        if text is None:
            return None
        found = self._known.get(text)
        if found is None:
            found = self._known[text] = self._decode(text)
        return found


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """No garbage collection while a read model starts.

    A start makes hundreds of thousands of long-lived objects and next to no
    garbage; each collection pass would walk them all again (it halves the
    time a large snapshot takes to load).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _names(classes: Iterable[type]) -> str:
    return ", ".join(sorted(c.__qualname__ for c in classes))


class LogFollower:
    """Applies an application's events, in log order, to the handlers of their classes.

    A subclass names ``aggregates``, marks a handler per event class with
    :func:`handles` and lists the classes it does not need in ``ignores``
    with the reason. To keep its state across restarts it also sets
    ``snapshot_format`` and implements :meth:`_snapshot` and :meth:`_restore`.
    """

    #: The aggregates whose events it reads: each of their event classes is
    #: handled or ignored.
    aggregates: ClassVar[tuple[type, ...]] = ()
    #: Event classes of those aggregates deliberately not applied, with why.
    ignores: ClassVar[Mapping[type, str]] = {}
    #: The event classes read (those with a handler), derived from the handlers.
    follows: ClassVar[tuple[type, ...]] = ()
    #: Notifications read per query while catching up.
    batch_size: ClassVar[int] = 1000
    #: How stale a read may be with respect to other processes' writes.
    freshness_s: ClassVar[float] = 0.05
    #: How long a hole in notification ids is looked for before it is taken
    #: for a rolled-back id (the relay's default).
    gap_timeout_s: ClassVar[float] = 5.0
    #: The format of the snapshot state; 0: this model keeps no snapshot.
    snapshot_format: ClassVar[int] = 0
    #: A snapshot after this many notifications (0: not by count) ...
    snapshot_every_events: int = 10_000
    #: ... or after this many seconds when anything new was read (0: not by time).
    snapshot_every_s: float = 300.0
    #: Event class -> name of the method that handles it.
    _handlers: ClassVar[dict[type, str]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        handlers: dict[type, str] = {}
        for klass in reversed(cls.__mro__):  # a subclass's handler replaces its base's
            seen_here: dict[type, str] = {}
            for name, member in vars(klass).items():
                for event_class in getattr(member, _HANDLES, ()):
                    if event_class in seen_here:
                        msg = (f"{klass.__qualname__}: {event_class.__qualname__} is handled "
                               f"by both {seen_here[event_class]} and {name}")
                        raise TypeError(msg)
                    seen_here[event_class] = handlers[event_class] = name
        cls._handlers = handlers
        cls.follows = tuple(handlers)
        cls._check_coverage()

    @classmethod
    def _check_coverage(cls) -> None:
        """Every event class of ``aggregates`` is handled or ignored with a reason."""
        if not cls._handlers and not cls.aggregates:
            return  # a base for other followers
        if not cls.aggregates:
            msg = f"{cls.__qualname__} handles events: name the aggregates it reads"
            raise TypeError(msg)
        recorded = {e for aggregate in cls.aggregates for e in recorded_events(aggregate)}
        handled, ignored = set(cls._handlers), set(cls.ignores)
        problems = []
        if missing := recorded - handled - ignored:
            problems.append(f"neither handled nor ignored: {_names(missing)} (handle them "
                            "with @handles, or say in `ignores` why the model needs none)")
        if both := handled & ignored:
            problems.append(f"both handled and ignored: {_names(both)}")
        if foreign := (handled | ignored) - recorded:
            problems.append(f"not events of {_names(cls.aggregates)}: {_names(foreign)}")
        if unexplained := [e for e, why in cls.ignores.items() if not why.strip()]:
            problems.append(f"ignored without a reason: {_names(unexplained)}")
        if problems:
            raise TypeError(f"{cls.__qualname__}: " + "; ".join(problems))

    def __init__(self, recorder: ApplicationRecorder, to_event: Callable[[Notification], Any],
                 *, snapshot_every_events: int | None = None,
                 snapshot_every_s: float | None = None) -> None:
        self._recorder = recorder
        self._to_event = to_event
        self._topics = [get_topic(cls) for cls in self.follows]
        self._followed = frozenset(self._topics)
        self._store = _store_of(recorder)
        if snapshot_every_events is not None:
            self.snapshot_every_events = snapshot_every_events
        if snapshot_every_s is not None:
            self.snapshot_every_s = snapshot_every_s
        self._lock = threading.RLock()
        #: Held by the one thread reading the log (see :meth:`catch_up`).
        self._reader = threading.Lock()
        #: Reads of the log begun, and the number of the last one that completed.
        self._reads_begun = 0
        self._reads_done = 0
        #: The id up to which every notification was read (see the module's docstring).
        self.position = 0
        #: Holes below ``position`` still looked for: id -> when first missed (epoch s).
        self.waiting: dict[int, float] = {}
        #: The position of the snapshot this follower started from, if any.
        self.started_from: int | None = None
        self._started = False
        self._caught_up_at = float("-inf")
        self._saved_position = 0
        self._saved_at = time.monotonic()
        self._saving = False

    @classmethod
    def of(cls, app: Application) -> Self:
        """A follower of this application's log (not yet caught up)."""
        every_events = app.env.get(ENV_EVERY_EVENTS)
        every_s = app.env.get(ENV_EVERY_S)
        return cls(app.recorder, app.mapper.to_domain_event,
                   snapshot_every_events=int(every_events) if every_events else None,
                   snapshot_every_s=float(every_s) if every_s else None)

    def follows_any(self, topics: set[str]) -> bool:
        """Whether events of these topics are among those it reads."""
        return not self._topics or not self._followed.isdisjoint(topics)

    @property
    def lock(self) -> threading.RLock:
        """Held while events are applied; hold it to read several fields consistently."""
        return self._lock

    @property
    def keeps_snapshots(self) -> bool:
        return bool(self.snapshot_format) and self._store.keeps_snapshots

    def refresh(self) -> None:
        """Catch up unless that was done less than ``freshness_s`` ago."""
        if time.monotonic() - self._caught_up_at >= self.freshness_s:
            self.catch_up()

    def catch_up(self) -> int:
        """Apply every followed event recorded since the last call; how many were read.

        The first call starts from the latest usable snapshot, if any. One
        thread reads the log at a time, outside :attr:`lock`: the lock is held
        only while the rows read are applied, so queries never wait for the
        database. A call that waited while another thread's read, begun after
        this call, ran returns at once: that read saw every commit before it.
        """
        asked = self._reads_begun
        with self._reader:
            if self._reads_done > asked:
                return 0
            self._reads_begun += 1
            number = self._reads_begun
            self._caught_up_at = time.monotonic()
            if self._started:
                applied = self._catch_up()
            else:
                with _collector_paused():
                    with self._lock:
                        self._load_snapshot()
                    self._started = True
                    applied = self._catch_up()
            self._reads_done = number
            return applied

    def take(self, recorded: Sequence[Notification]) -> int:
        """Apply what this process has just committed; how many events were applied.

        When the commit's notifications come right after :attr:`position` (their
        ids run on from it, no hole is awaited) nothing else can lie between the
        model and them, and they are applied as they are, without reading the log;
        when the model has read them already, nothing is done. Otherwise (another
        process committed in between, or a hole is awaited) this is :meth:`catch_up`.
        """
        ids = [notification.id for notification in recorded]
        if not ids:
            return 0
        with self._reader:
            if self._started and ids[-1] <= self.position:
                return 0
            if (self._started and not self.waiting and ids[0] == self.position + 1
                    and ids[-1] - ids[0] == len(ids) - 1):
                applied = 0
                with self._lock:
                    for notification in recorded:  # the position moves with each, as a read's
                        if not self._topics or notification.topic in self._followed:
                            applied += self._apply(self._to_event(notification))
                        self.position = notification.id
                self._snapshot_if_due()
                return applied
        return self.catch_up()

    def _catch_up(self) -> int:
        """Read what is new and apply it (the caller holds the reader lock)."""
        applied = self._look_for_waiting() if self.waiting else 0
        end, count, first = self._store.read(self.position, self._topics, self.batch_size)
        if end > self.position:
            applied += self._read_to(end, count, first)
        self._snapshot_if_due()
        return applied

    def _snapshot_if_due(self) -> None:
        if self._snapshot_due():
            self._saving = True
            threading.Thread(target=self._save_in_background, daemon=True,
                             name=f"{type(self).__name__}{SNAPSHOT_THREAD_SUFFIX}").start()

    def _read_to(self, end: int, count: int | None, first: list[Notification] | None) -> int:
        """Apply the followed notifications up to ``end``, ``first`` those of the first
        batch when they were read together with ``end`` and ``count``."""
        # Which ids are missing is asked before the events are read: an id seen
        # committed then is read below, one that commits later is looked for.
        # (A first batch read before that is read again after it.)
        missing: set[int] = set()
        if count is None or count < end - self.position:
            missing, first = self._store.missing(self.position, end), None
        applied = 0
        while self.position < end:
            batch = first if first is not None else self._recorder.select_notifications(
                start=self.position + 1, limit=self.batch_size, stop=end, topics=self._topics)
            first = None
            with self._lock:
                self._apply_batch(batch, end, missing)
            applied += len(batch)
        return applied

    def _apply_batch(self, batch: Sequence[Notification], end: int, missing: set[int]) -> None:
        """Apply one batch and move the position past it (under the lock, with the holes
        below the position, so a snapshot always names every hole it passed)."""
        try:
            for notification in batch:
                self._apply(self._to_event(notification))
                missing.discard(notification.id)
                self.position = notification.id
            if len(batch) < self.batch_size:
                self.position = end
        finally:
            now = time.time()
            for hole in [h for h in missing if h <= self.position]:
                self.waiting.setdefault(hole, now)
                missing.discard(hole)

    def _look_for_waiting(self) -> int:
        """Apply the events that have filled holes; forget the holes waited on long enough."""
        found = self._store.by_ids(sorted(self.waiting))
        applied = 0
        with self._lock:
            for notification in found:
                if not self._topics or notification.topic in self._followed:
                    self._apply(self._to_event(notification))
                    applied += 1
                del self.waiting[notification.id]
            now = time.time()
            passed = sorted(i for i, since in self.waiting.items()
                            if now - since >= self.gap_timeout_s)
            for hole in passed:
                del self.waiting[hole]
        if passed:
            log.info("read_model_holes_passed", read_model=type(self).__name__,
                     notification_ids=passed[:20], count=len(passed),
                     waited_s=self.gap_timeout_s)
        return applied

    def _apply(self, event: Any) -> bool:
        """Run the event's handler, if there is one; whether there was."""
        name = self._handlers.get(type(event))
        if name is None:
            return False
        getattr(self, name)(event)
        return True

    # -- snapshots --------------------------------------------------------------

    def _snapshot(self) -> Callable[[], Any]:
        """Called under the lock: a function returning the state as JSON values.

        The function runs outside the lock while events are applied, so it
        must read only what they do not change (copies, immutable rows); a
        small model may as well compute the JSON under the lock.
        """
        raise NotImplementedError

    def _restore(self, state: Any) -> None:
        """Replace the (empty) state by the one :meth:`_snapshot` produced.

        All or nothing: on bad data raise before changing anything.
        """
        raise NotImplementedError

    def _snapshot_due(self) -> bool:
        if self._saving or not self.keeps_snapshots or self.position <= self._saved_position:
            return False
        grown = self.position - self._saved_position
        return ((0 < self.snapshot_every_events <= grown)
                or (0 < self.snapshot_every_s <= time.monotonic() - self._saved_at))

    def _save_in_background(self) -> None:
        try:
            self.save_snapshot()
        except Exception as error:  # the store closing or unreachable: next time
            log.warning("read_model_snapshot_failed", read_model=type(self).__name__,
                        error=str(error) or type(error).__name__)
        finally:
            self._saving = False

    def _header(self) -> dict[str, Any]:
        return {"read_model": type(self).__qualname__, "format": self.snapshot_format,
                "handles": sorted(c.__qualname__ for c in self.follows)}

    def save_snapshot(self) -> int | None:
        """Save the state and position now; the position saved (None: keeps no snapshot)."""
        if not self.keeps_snapshots:
            return None
        started = time.monotonic()
        with self._lock:
            position, waiting = self.position, sorted(self.waiting.items())
            encode = self._snapshot()
            locked_s = time.monotonic() - started
        document = {**self._header(), "position": position,
                    "waiting": [list(hole) for hole in waiting], "state": encode()}
        payload = zlib.compress(json.dumps(document, ensure_ascii=False,
                                           separators=(",", ":")).encode(), 1)
        self._store.save(type(self).__qualname__, self.snapshot_format, position, payload)
        self._saved_position, self._saved_at = position, time.monotonic()
        log.info("read_model_snapshot_saved", read_model=type(self).__name__, position=position,
                 waiting=len(waiting), bytes=len(payload), locked_s=round(locked_s, 3),
                 seconds=round(time.monotonic() - started, 3))
        return position

    def _load_snapshot(self) -> None:
        if not self.keeps_snapshots:
            return
        name = type(self).__name__
        started = time.monotonic()
        try:
            stored = self._store.load(type(self).__qualname__)
        except Exception as error:  # unreadable table: the log is the truth
            log.warning("read_model_snapshot_ignored", read_model=name,
                        reason=f"unreadable: {error}")
            return
        mine = next((s for s in stored if s.format == self.snapshot_format), None)
        if mine is None:
            if stored:
                log.info("read_model_snapshot_ignored", read_model=name,
                         reason=f"format {[s.format for s in stored]}, "
                                f"not {self.snapshot_format}")
            return
        try:
            document = self._decode(mine)
            self._restore(document["state"])
        except Exception as error:
            log.warning("read_model_snapshot_ignored", read_model=name, position=mine.position,
                        reason=str(error) or type(error).__name__)
            return
        self.position = self.started_from = self._saved_position = mine.position
        self.waiting = {int(hole): float(since) for hole, since in document["waiting"]}
        log.info("read_model_snapshot_loaded", read_model=name, position=mine.position,
                 waiting=len(self.waiting), seconds=round(time.monotonic() - started, 3))

    def _decode(self, stored: StoredSnapshot) -> dict[str, Any]:
        if hashlib.sha256(stored.payload).hexdigest() != stored.sha256:
            msg = "its bytes do not match their SHA-256"
            raise ValueError(msg)
        # Events restored from an older backup than the snapshot: it is ahead of the log.
        if (end := self._recorder.max_notification_id() or 0) < stored.position:
            msg = f"the log ends at {end}, before its position"
            raise ValueError(msg)
        document = json.loads(zlib.decompress(stored.payload))
        header = self._header()
        for key, expected in header.items():
            if document.get(key) != expected:
                msg = f"its {key} is {document.get(key)!r}, not {expected!r}"
                raise ValueError(msg)
        if document.get("position") != stored.position:
            msg = "its position differs from the row's"
            raise ValueError(msg)
        return document


@dataclass(frozen=True)
class StoredSnapshot:
    """One row of ``projection_snapshots``."""

    name: str
    format: int
    position: int
    payload: bytes
    sha256: str


class _Store:
    """What a follower asks of the log beyond the recorder's API, and its snapshot table.

    This generic version uses the recorder's API only and keeps no snapshot
    (the in-memory store, whose ids are never out of order).
    """

    keeps_snapshots = False

    def __init__(self, recorder: ApplicationRecorder) -> None:
        self.recorder = recorder

    def tail(self, after: int) -> tuple[int, int | None]:
        """The last id, and how many ids above ``after`` exist (None: unknown)."""
        return max(after, self.recorder.max_notification_id() or 0), None

    def read(self, after: int, topics: Sequence[str],
             limit: int) -> tuple[int, int | None, list[Notification] | None]:
        """:meth:`tail`, and the first ``limit`` notifications of ``topics`` (all for none)
        above ``after`` up to the last id when the store reads them in the same query
        (None: not read)."""
        end, count = self.tail(after)
        return end, count, None

    def missing(self, after: int, upto: int) -> set[int]:
        """The ids in ``(after, upto]`` with no notification."""
        missing = set(range(after + 1, upto + 1))
        start = after + 1
        while start <= upto:
            batch = self.recorder.select_notifications(start=start, limit=10_000, stop=upto)
            missing.difference_update(n.id for n in batch)
            if len(batch) < 10_000:
                break
            start = batch[-1].id + 1
        return missing

    def by_ids(self, ids: list[int]) -> list[Notification]:
        """The notifications with these ids that exist now, in order."""
        found: list[Notification] = []
        for i in ids:
            found.extend(self.recorder.select_notifications(start=i, limit=1, stop=i))
        return found

    def load(self, name: str) -> list[StoredSnapshot]:
        return []

    def save(self, name: str, snapshot_format: int, position: int, payload: bytes) -> None:
        msg = f"{type(self.recorder).__name__} keeps no snapshot"
        raise TypeError(msg)


def _missing_from(after: int, upto: int, present: Iterable[int]) -> set[int]:
    missing: set[int] = set()
    expected = after + 1
    for i in present:
        missing.update(range(expected, i))
        expected = i + 1
    missing.update(range(expected, upto + 1))
    return missing


class _SQLiteStore(_Store):
    keeps_snapshots = True
    recorder: SQLiteApplicationRecorder
    PAGE = 100_000

    def __init__(self, recorder: SQLiteApplicationRecorder) -> None:
        super().__init__(recorder)
        self.table = recorder.events_table_name
        self._created = False

    def tail(self, after: int) -> tuple[int, int | None]:
        with self.recorder.datastore.transaction(commit=False) as c:
            c.execute(f"SELECT MAX(rowid), COUNT(*) FROM {self.table} WHERE rowid > ?",
                      (after,))
            end, count = c.fetchone()
        return (end or after), count

    def missing(self, after: int, upto: int) -> set[int]:
        with self.recorder.datastore.transaction(commit=False) as c:
            c.execute(f"SELECT rowid FROM {self.table} WHERE rowid > ? AND rowid <= ? "
                      "ORDER BY rowid", (after, upto))
            return _missing_from(after, upto, (row[0] for row in c.fetchall()))

    def by_ids(self, ids: list[int]) -> list[Notification]:
        found: list[Notification] = []
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            with self.recorder.datastore.transaction(commit=False) as c:
                c.execute(f"SELECT rowid, * FROM {self.table} "
                          f"WHERE rowid IN ({','.join('?' * len(chunk))}) ORDER BY rowid", chunk)
                found.extend(Notification(
                    id=row["rowid"],
                    originator_id=self.recorder.convert_originator_id(row["originator_id"]),
                    originator_version=row["originator_version"], topic=row["topic"],
                    state=row["state"]) for row in c.fetchall())
        return found

    def _create(self) -> None:
        if not self._created:
            with self.recorder.datastore.transaction(commit=True) as c:
                c.execute(f"CREATE TABLE IF NOT EXISTS {SNAPSHOT_TABLE} ("
                          "name TEXT NOT NULL, format INTEGER NOT NULL, "
                          "position INTEGER NOT NULL, saved_at TEXT NOT NULL, "
                          "payload BLOB NOT NULL, sha256 TEXT NOT NULL, "
                          "PRIMARY KEY (name, format))")
            self._created = True

    def load(self, name: str) -> list[StoredSnapshot]:
        self._create()
        with self.recorder.datastore.transaction(commit=False) as c:
            c.execute(f"SELECT name, format, position, payload, sha256 FROM {SNAPSHOT_TABLE} "
                      "WHERE name = ?", (name,))
            return [StoredSnapshot(r[0], r[1], r[2], bytes(r[3]), r[4]) for r in c.fetchall()]

    def save(self, name: str, snapshot_format: int, position: int, payload: bytes) -> None:
        self._create()
        with self.recorder.datastore.transaction(commit=True) as c:
            c.execute(
                f"INSERT INTO {SNAPSHOT_TABLE} AS s VALUES (?, ?, ?, datetime('now'), ?, ?) "
                "ON CONFLICT (name, format) DO UPDATE SET position = excluded.position, "
                "saved_at = excluded.saved_at, payload = excluded.payload, "
                "sha256 = excluded.sha256 WHERE s.position <= excluded.position",
                (name, snapshot_format, position, payload, hashlib.sha256(payload).hexdigest()))
            # Older formats are of no use to this code (a replica still running one
            # writes its row again).
            c.execute(f"DELETE FROM {SNAPSHOT_TABLE} WHERE name = ? AND format < ?",
                      (name, snapshot_format))


class _PostgresStore(_Store):
    keeps_snapshots = True
    recorder: PostgresApplicationRecorder

    def __init__(self, recorder: PostgresApplicationRecorder) -> None:
        super().__init__(recorder)
        schema = Identifier(recorder.datastore.schema)
        self.events = SQL("{}.{}").format(schema, Identifier(recorder.events_table_name))
        self.snapshots = SQL("{}.{}").format(schema, Identifier(SNAPSHOT_TABLE))
        self._created = False

    def tail(self, after: int) -> tuple[int, int | None]:
        with self.recorder.datastore.get_connection() as conn, conn.cursor() as cursor:
            cursor.execute(SQL("SELECT MAX(notification_id) AS end, COUNT(*) AS count FROM {} "
                               "WHERE notification_id > %s").format(self.events), (after,))
            row = cursor.fetchone()
        assert row is not None
        return (row["end"] or after), row["count"]

    def read(self, after: int, topics: Sequence[str],
             limit: int) -> tuple[int, int | None, list[Notification] | None]:
        # One statement, so one snapshot: the tail and the first batch agree.
        statement = SQL(
            "WITH tail AS (SELECT MAX(notification_id) AS end_id, COUNT(*) AS count FROM {0} "
            "WHERE notification_id > %(after)s) "
            "SELECT tail.end_id, tail.count, e.notification_id, e.originator_id, "
            "e.originator_version, e.topic, e.state FROM tail LEFT JOIN LATERAL ("
            "SELECT notification_id, originator_id, originator_version, topic, state FROM {0} "
            "WHERE notification_id > %(after)s AND notification_id <= tail.end_id{1} "
            "ORDER BY notification_id LIMIT %(limit)s) AS e ON true "
            "ORDER BY e.notification_id"
        ).format(self.events, SQL(" AND topic = ANY(%(topics)s)") if topics else SQL(""))
        with self.recorder.datastore.get_connection() as conn, conn.cursor() as cursor:
            cursor.execute(statement, {"after": after, "limit": limit, "topics": list(topics)},
                           prepare=True)
            rows = cursor.fetchall()
        end, count = rows[0]["end_id"], rows[0]["count"]
        if end is None:
            return after, count, []
        return end, count, [
            Notification(id=row["notification_id"], originator_id=row["originator_id"],
                         originator_version=row["originator_version"], topic=row["topic"],
                         state=bytes(row["state"]))
            for row in rows if row["notification_id"] is not None]

    def missing(self, after: int, upto: int) -> set[int]:
        with self.recorder.datastore.get_connection() as conn, conn.cursor() as cursor:
            cursor.execute(SQL("SELECT notification_id FROM {} WHERE notification_id > %s "
                               "AND notification_id <= %s ORDER BY notification_id"
                               ).format(self.events), (after, upto))
            return _missing_from(after, upto, (row["notification_id"] for row in cursor))

    def by_ids(self, ids: list[int]) -> list[Notification]:
        with self.recorder.datastore.get_connection() as conn, conn.cursor() as cursor:
            cursor.execute(SQL("SELECT * FROM {} WHERE notification_id = ANY(%s) "
                               "ORDER BY notification_id").format(self.events), (ids,))
            return [Notification(id=row["notification_id"], originator_id=row["originator_id"],
                                 originator_version=row["originator_version"],
                                 topic=row["topic"], state=bytes(row["state"]))
                    for row in cursor.fetchall()]

    def _in_transaction(self, work: Callable[[Any], Any]) -> Any:
        # Replicas starting together may race to create the table: the loser retries.
        import psycopg.errors

        for attempt in (1, 2):
            try:
                with self.recorder.datastore.transaction(commit=True) as cursor:
                    if not self._created:
                        cursor.execute(SQL(
                            "CREATE TABLE IF NOT EXISTS {} (name text NOT NULL, "
                            "format integer NOT NULL, position bigint NOT NULL, "
                            "saved_at timestamptz NOT NULL DEFAULT now(), payload bytea NOT NULL, "
                            "sha256 text NOT NULL, PRIMARY KEY (name, format))"
                        ).format(self.snapshots))
                    result = work(cursor)
                self._created = True
                return result
            except (psycopg.errors.UniqueViolation, psycopg.errors.DuplicateTable):
                if attempt == 2:
                    raise
        return None

    def load(self, name: str) -> list[StoredSnapshot]:
        def select(cursor: Any) -> list[StoredSnapshot]:
            cursor.execute(SQL("SELECT name, format, position, payload, sha256 FROM {} "
                               "WHERE name = %s").format(self.snapshots), (name,))
            return [StoredSnapshot(r["name"], r["format"], r["position"], bytes(r["payload"]),
                                   r["sha256"]) for r in cursor.fetchall()]
        return self._in_transaction(select)

    def save(self, name: str, snapshot_format: int, position: int, payload: bytes) -> None:
        def upsert(cursor: Any) -> None:
            cursor.execute(SQL(
                "INSERT INTO {0} AS s (name, format, position, payload, sha256) "
                "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (name, format) DO UPDATE SET "
                "position = excluded.position, saved_at = now(), payload = excluded.payload, "
                "sha256 = excluded.sha256 WHERE s.position <= excluded.position"
            ).format(self.snapshots),
                (name, snapshot_format, position, payload, hashlib.sha256(payload).hexdigest()))
            cursor.execute(SQL("DELETE FROM {} WHERE name = %s AND format < %s"
                               ).format(self.snapshots), (name, snapshot_format))
        self._in_transaction(upsert)


def _store_of(recorder: ApplicationRecorder) -> _Store:
    if isinstance(recorder, PostgresApplicationRecorder):
        return _PostgresStore(recorder)
    if isinstance(recorder, SQLiteApplicationRecorder):
        return _SQLiteStore(recorder)
    return _Store(recorder)
