"""The consumer runner: upstream events applied exactly once in effect, in order.

A service that reacts to another service's events registers plain functions
per CloudEvents type on :class:`Handlers` and runs a :class:`ConsumerRunner`
with its application (a :class:`TrackingApplication`). For each message of
the upstream stream ``LIENTHONG_<SERVICE>`` (CloudEvents binary mode: ``ce-*``
headers, protobuf data)::

    1. the next message of a standing pull request (durable pull consumer,
       explicit ack; :mod:`lienthong.events.pull`)
    2. handler(app, event, processing) loads and changes aggregates and calls
       processing.collect_events(...)
    3. ONE statement: the tracking record (upstream, ce-notificationid), then
       the new events  (app._record; :mod:`lienthong.pgrecorders`)
    4. ack

A crash between 3 and 4 makes the server redeliver the message after
``ack_wait``; the handler runs again on the state it left and its save is
refused by the primary key of the tracking table; the refusal (or any failure
of the handler) is then looked up: the position recorded means "already
applied", and the message is only acknowledged. Handlers only collect events
(side effects belong in ``on_committed``, called once), so running one again
changes nothing. Every step can fail or crash without an event being lost or
applied twice.

Why multi-row tracking (``SINGLE_ROW_TRACKING=n``)
    eventsourcing's default single-row tracking keeps one high-water mark per
    upstream: recording notification 11 after 12 raises IntegrityError, which
    reads exactly like "already done". A poison event parked in the
    dead-letter stream is by construction older than the events applied
    after it, so its replay would be silently dropped. Multi-row tracking
    keeps one row per (upstream, notification id): a replayed 11 after 12 is
    applied, a second 11 is refused. For the same reason "already done" is
    asked with :func:`tracking_recorded` (that exact row), never with
    ``recorder.has_tracking_id``, which compares with the maximum id and would
    answer "done" for 11 once 12 is recorded, even with multi-row tracking.
    The in-memory (POPO) recorder only has a high-water mark, and
    ``POSTGRES_ENABLE_DB_FUNCTIONS=y`` inserts events through a database
    function that ignores the tracking record: both are refused.

Strict order: one message in flight (``max_ack_pending=1``)
    The server hands out the next message only once the current one is
    acknowledged or terminated, for every replica of the consumer together:
    order is enforced by the server, not by our loop. Sequential handling of
    larger batches is not enough: if a process dies after acking 10 of 64
    messages, the other 54 wait for ``ack_wait`` while 10 newer ones may be
    delivered first; a nak'ed message is redelivered after ones behind it.
    The round trip this would cost per message is saved by the standing pull
    request: the server hands it the next message as soon as the ack of the
    previous one arrives, and the ack is not waited for (a lost ack is a
    redelivery, which the tracking record absorbs).

Recovery: a held delivery taken back, a short ack wait
    A message in flight when its process dies (or NATS restarts) holds the
    durable until ``ack_wait`` passes: with one message in flight nothing else
    is delivered meanwhile. A runner that starts and finds a delivery held
    therefore takes it back at once where the server can (nats-server 2.14 and
    later: the durable is reset to its ack floor, ADR-60): the held message is
    delivered again, counted from 1. The holder may still be alive (another
    replica at work on it): then the message is handled twice, and the
    tracking record makes the second a no-op; every ack follows a commit, so
    the order holds. On older servers the ack wait decides: it is short
    (``ACK_WAIT_S``, 2 s), and a handler that runs longer tells the server it
    is still at work every ``ack_wait/3``; a redelivery while the first
    delivery is still being handled waits behind it and is found applied.

Poison events, finite redelivery, dead letters
    A handler exception naks the message with the delay ``backoff_s[n-1]``
    (n = ``metadata.num_delivered``). On the ``max_deliver``-th failure the
    message is published to ``lienthong.dlq.<durable>`` (stream
    ``LIENTHONG_DLQ``, see :mod:`lienthong.events.dlq`) with the reason and
    error, then terminated, and the consumer moves on. The server-side
    ``max_deliver`` is left unlimited on purpose: were the server to count, a
    process dying during the last attempt would make it drop the message
    with no more than an advisory; here nothing leaves the stream without a
    dead letter. Failures that are not the message's fault (the event store
    unreachable: OperationalError, InterfaceError) are retried with back-off
    for ever and never dead-lettered: the consumer stalls until the database
    is back, which is what an SRE wants rather than a DLQ full of good events.
    ``ack_wait`` is the crash-redelivery delay (see Recovery).

    Moving past a poison event breaks the order for its aggregate: later
    events of the same aggregate are applied before it, and its replay comes
    last. Handlers must therefore tolerate a late event (ignore what is
    superseded, or check the upstream version they need). A message that
    kills the process itself (not an exception) is redelivered for ever:
    the supervisor's restart loop and the logs show it.

Replay
    The runner also reads ``lienthong.dlq.replay.<durable>`` (durable
    ``<durable>_replay`` on LIENTHONG_DLQ) where :func:`dlq.replay` copies a
    dead letter. A copy is handled like a live message (same tracking record,
    so applying it twice is impossible); once its effect is committed (or
    found), the runner deletes the dead letter, acks the copy and deletes it.
    A copy that fails ``max_deliver`` times is dead-lettered anew with the
    new error (reason REPLAY_FAILED) and the old dead letter is deleted.

Tracing and metrics
    Each message is handled inside a CONSUMER span ``<subject> process``, a
    child of the message's ``traceparent`` (the relay's PRODUCER span); the
    handler runs in that span (its logs carry its trace and span ids) and the
    events it records carry them in their audit metadata. The runner counts
    its dead letters (``lienthong_dead_letters_total``) and reports the
    ``num_pending`` of its two durables every ``pending_interval_s``
    (``lienthong_consumer_pending_messages``).

Tracking names
    The tracking record's application name is the upstream service, the last
    segment of ``ce-source`` (``//lienthong.vn/identity`` -> ``identity``), so
    dead letters replayed through another stream keep their position. One
    application has therefore one consumer (durable) per upstream service.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import re
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypeVar
from urllib.parse import unquote

import nats
import nats.errors
import structlog
from eventsourcing.application import ProcessingEvent
from eventsourcing.persistence import (
    InterfaceError,
    OperationalError,
    ProcessRecorder,
    Tracking,
)
from eventsourcing.postgres import PostgresTrackingRecorder
from eventsourcing.sqlite import SQLiteTrackingRecorder
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import APIError, NotFoundError
from opentelemetry import propagate, trace
from psycopg.sql import SQL, Identifier

from lienthong import audit, metrics
from lienthong.events import dlq
from lienthong.events.pull import StandingPull
from lienthong.eventstore import ServiceApplication
from lienthong.natsauth import CLOSE_TIMEOUT_S, connect_options
from lienthong.telemetry import span_ids, tracer
from lienthong.threads import run_in

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from eventsourcing.application import Application
    from eventsourcing.persistence import Recorder
    from eventsourcing.utils import Environment, EnvType
    from nats.aio.msg import Msg
    from nats.js import JetStreamContext

    from lienthong.tls import TLSFiles

log = structlog.get_logger("lienthong.events.consumer")

#: One message in flight per consumer: the server enforces the order.
MAX_ACK_PENDING = 1
#: How long a delivery whose process died holds the durable (see Recovery).
ACK_WAIT_S = 2.0
#: The first nats-server release that resets a durable's deliveries (ADR-60).
RESET_SINCE = (2, 14)
#: Longest a silent durable goes before the runner asks whether it still exists.
SILENCE_CHECK_S = 3.0
_DURABLE_NAME = re.compile(r"^[A-Za-z0-9_-]+$")
#: Failures of the event store itself: retried for ever, never dead-lettered.
INFRASTRUCTURE_ERRORS = (OperationalError, InterfaceError)

APPLIED = "applied"
ALREADY_APPLIED = "already_applied"
IGNORED = "ignored"  # no handler for the type: position recorded, no effect


class MalformedEventError(ValueError):
    """A message that is not a CloudEvent this runner can track."""


class TrackingApplication(ServiceApplication):
    """A service application that records tracking records with its events.

    It uses eventsourcing's process recorder (the application recorder plus
    a tracking table) with multi-row tracking, whatever the environment says
    (see the module's docstring for why). Combine it with other bases:
    ``class Dossiers(TrackingApplication, IdempotentApplication)``.
    """

    def construct_env(self, name: str, env: EnvType | None = None) -> Environment:
        environment = super().construct_env(name, env)
        for key in environment.create_keys("SINGLE_ROW_TRACKING"):
            environment[key] = "n"
        return environment

    def construct_recorder(self) -> Any:
        return self.factory.process_recorder()


def require_multi_row_tracking(app: Application[Any]) -> None:
    """Refuse an application whose tracking could drop a replayed event."""
    recorder = app.recorder
    name = type(app).__name__
    if not isinstance(recorder, ProcessRecorder):
        msg = (f"{name} records no tracking records: derive it from "
               "lienthong.events.consumer.TrackingApplication")
        raise TypeError(msg)
    if not isinstance(recorder, SQLiteTrackingRecorder | PostgresTrackingRecorder):
        msg = (f"{name}: consumers need SQLite or PostgreSQL; the in-memory tracking "
               "recorder keeps only a high-water mark and would drop replayed events")
        raise TypeError(msg)
    datastore = recorder.datastore
    if datastore.single_row_tracking:
        msg = (f"{name} uses single-row tracking: set SINGLE_ROW_TRACKING=n (a replayed "
               "dead letter is older than what was applied after it, and a high-water "
               "mark would silently drop it)")
        raise ValueError(msg)
    if getattr(datastore, "enable_db_functions", False):
        msg = (f"{name}: POSTGRES_ENABLE_DB_FUNCTIONS=y inserts events through a database "
               "function that does not record tracking records")
        raise ValueError(msg)


def tracking_recorded(recorder: Recorder, application_name: str, notification_id: int) -> bool:
    """Whether this exact position was recorded (not merely one at or above it)."""
    if isinstance(recorder, SQLiteTrackingRecorder):
        with recorder.datastore.transaction(commit=False) as cursor:
            cursor.execute(
                "SELECT 1 FROM tracking WHERE application_name=? AND notification_id=?",
                (application_name, notification_id),
            )
            return cursor.fetchone() is not None
    if isinstance(recorder, PostgresTrackingRecorder):
        statement = SQL(
            "SELECT 1 FROM {0}.{1} WHERE application_name=%s AND notification_id=%s"
        ).format(Identifier(recorder.datastore.schema),
                 Identifier(recorder.tracking_table_name))
        with recorder.datastore.get_connection() as conn, conn.cursor() as cursor:
            cursor.execute(statement, (application_name, notification_id))
            return cursor.fetchone() is not None
    msg = f"cannot look up tracking records in {type(recorder).__name__}"
    raise TypeError(msg)


def upstream_name(source: str) -> str:
    """``//lienthong.vn/identity`` -> ``identity``."""
    segments = [s for s in source.split("/") if s]
    if len(segments) < 2:
        msg = f"ce-source {source!r} names no service"
        raise MalformedEventError(msg)
    return segments[-1]


_M = TypeVar("_M")


class _ProtobufMessage(Protocol[_M]):
    def FromString(self, data: bytes) -> _M: ...  # noqa: N802 - protobuf's name


@dataclass(frozen=True)
class ConsumedEvent:
    """One upstream event as a handler sees it."""

    type: str
    id: str
    source: str
    upstream: str
    notification_id: int
    subject: str
    time: str
    data: bytes = field(repr=False)
    headers: Mapping[str, str] = field(repr=False)
    stream: str
    stream_seq: int
    num_delivered: int
    #: The dead letter this message re-delivers, when it comes from a replay.
    replay_of: int | None = None
    #: The NATS subject the event was published on (of the original, for a replay).
    nats_subject: str = ""

    @property
    def traceparent(self) -> str:
        return self.headers.get("traceparent", "")

    @property
    def trace_id(self) -> str:
        parts = self.traceparent.split("-")
        return parts[1] if len(parts) == 4 else ""

    def decode(self, message_class: _ProtobufMessage[_M]) -> _M:
        """The data as the given protobuf message."""
        return message_class.FromString(self.data)


def parse_event(msg: Msg, *, replayed: bool = False) -> ConsumedEvent:
    # CloudEvents' HTTP (and so NATS) binding percent-encodes the ce-* values.
    lower = {k.lower(): unquote(str(v)) if k.lower().startswith("ce-") else str(v)
             for k, v in (msg.headers or {}).items()}
    missing = [h for h in ("ce-id", "ce-type", "ce-source", "ce-notificationid")
               if not lower.get(h)]
    if missing:
        msg_ = f"missing CloudEvents headers: {', '.join(missing)}"
        raise MalformedEventError(msg_)
    try:
        notification_id = int(lower["ce-notificationid"])
    except ValueError:
        notification_id = 0
    if notification_id < 1:
        msg_ = f"ce-notificationid {lower['ce-notificationid']!r} is not a positive integer"
        raise MalformedEventError(msg_)
    meta = msg.metadata
    origin_stream = lower.get(dlq.H_STREAM.lower(), "") if replayed else ""
    replay_of = lower.get(dlq.H_DLQ_SEQ.lower()) if replayed else None
    return ConsumedEvent(
        type=lower["ce-type"],
        id=lower["ce-id"],
        source=lower["ce-source"],
        upstream=upstream_name(lower["ce-source"]),
        notification_id=notification_id,
        subject=lower.get("ce-subject", ""),
        time=lower.get("ce-time", ""),
        data=msg.data,
        headers=lower,  # lower-case names, ce-* values decoded
        stream=origin_stream or meta.stream,
        stream_seq=meta.sequence.stream,
        num_delivered=meta.num_delivered,
        replay_of=int(replay_of) if replay_of else None,
        nats_subject=(lower.get(dlq.H_SUBJECT.lower(), "") if replayed else "") or msg.subject,
    )


class Handlers:
    """The handler of each CloudEvents type a consumer reacts to."""

    def __init__(self) -> None:
        self._handlers: dict[str, Callable[[Any, ConsumedEvent, ProcessingEvent[Any]], None]] = {}

    def on(self, ce_type: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
        """Register ``fn(app, event, processing)`` for ``ce_type``."""
        def register(fn: Callable[..., None]) -> Callable[..., None]:
            if ce_type in self._handlers:
                msg = f"a handler for {ce_type} is already registered"
                raise ValueError(msg)
            self._handlers[ce_type] = fn
            return fn
        return register

    def get(self, ce_type: str) -> Callable[[Any, ConsumedEvent, ProcessingEvent[Any]],
                                            None] | None:
        return self._handlers.get(ce_type)

    @property
    def types(self) -> list[str]:
        return sorted(self._handlers)


class ConsumerRunner:
    """A durable pull consumer of one upstream stream, applying events to ``app``."""

    def __init__(self, app: Application[Any], *, nats_url: str, stream: str, durable: str,
                 handlers: Handlers, batch_size: int = 256, max_deliver: int = 5,
                 backoff_s: Sequence[float] = (1, 2, 5, 10),
                 dead_letter_subject_prefix: str = dlq.DEFAULT_PREFIX,
                 dlq_stream: str = dlq.DLQ_STREAM, ack_wait_s: float = ACK_WAIT_S,
                 fetch_wait_s: float = 1.0, filter_subject: str | None = None,
                 pending_interval_s: float = 5.0, stream_replicas: int | None = None,
                 nats_tls: TLSFiles | None = None) -> None:
        require_multi_row_tracking(app)
        if not _DURABLE_NAME.match(durable):
            msg = f"durable name {durable!r}: letters, digits, '-' and '_' only"
            raise ValueError(msg)
        if max_deliver < 1 or not backoff_s or batch_size < 1:
            msg = "max_deliver and batch_size must be positive, backoff_s not empty"
            raise ValueError(msg)
        self.app = app
        self.nats_url = nats_url
        #: Mutual TLS to NATS (None: plaintext); the service process sets its own.
        self.nats_tls = nats_tls
        self.stream = stream
        self.durable = durable
        self.handlers = handlers
        self.batch_size = batch_size
        self.max_deliver = max_deliver
        self.backoff_s = tuple(backoff_s)
        self.prefix = dead_letter_subject_prefix
        self.stream_replicas = stream_replicas  # of the dead-letter stream, when it makes it
        self.dlq_stream = dlq_stream
        self.ack_wait_s = ack_wait_s
        self.fetch_wait_s = fetch_wait_s
        self.filter_subject = filter_subject
        self.pending_interval_s = pending_interval_s
        #: The ``service`` label of this runner's metrics: the consuming service.
        self.service = getattr(app, "service_name", "") or metrics.service()
        self.log = log.bind(consumer=durable, stream=stream)
        self._pulls: list[StandingPull] = []
        self._nc: Any = None

    # -- extension point ----------------------------------------------------

    def on_committed(self, event: ConsumedEvent) -> None:
        """Called after the commit of an event's effect, before its ack."""

    def max_deliveries_for(self, error: Exception) -> int:
        """How many deliveries a handler failing with ``error`` gets before its dead letter.

        ``max_deliver`` for every error; a runner whose handlers tell a passing
        failure (a peer being down) from a poison message gives each its own.
        """
        return self.max_deliver

    # -- running ------------------------------------------------------------

    async def run(self, stop_event: asyncio.Event) -> None:
        """Consume until ``stop_event`` is set; the message in hand is finished first."""
        nc = await self._connect(stop_event)
        if nc is None:
            return
        self._nc = nc
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"consumer-{self.durable}")
        try:
            js = nc.jetstream()
            await dlq.ensure_dlq_stream(js, prefix=self.prefix, stream=self.dlq_stream,
                                        replicas=self.stream_replicas)
            live = await self._bind(js, self.stream, self.durable, self.filter_subject,
                                    stop_event)
            replays = await self._bind(js, self.dlq_stream, f"{self.durable}_replay",
                                       dlq.replay_subject(self.durable, self.prefix),
                                       stop_event)
            if live is None or replays is None:
                return
            self.log.info("consumer_started", handled_types=self.handlers.types)
            # Both loops hand the application to one thread, one message at a time.
            lock = asyncio.Lock()
            async with asyncio.TaskGroup() as group:
                group.create_task(self._loop(
                    js, live, stop_event, lock, executor, replayed=False,
                    binding=(self.stream, self.durable, self.filter_subject)))
                group.create_task(self._loop(
                    js, replays, stop_event, lock, executor, replayed=True,
                    binding=(self.dlq_stream, f"{self.durable}_replay",
                             dlq.replay_subject(self.durable, self.prefix))))
                group.create_task(self._report_pending(js, stop_event))
        finally:
            executor.shutdown(wait=True)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(nc.close(), CLOSE_TIMEOUT_S)
            self.log.info("consumer_stopped")

    async def _connect(self, stop_event: asyncio.Event) -> Any:
        async def error_cb(error: Exception) -> None:
            self.log.warning("nats_error", error=str(error) or type(error).__name__)

        async def reconnected_cb() -> None:
            for pull in self._pulls:  # a restarted server forgot the waiting requests
                pull.renew()

        delay = 0.5
        while not stop_event.is_set():
            try:
                return await nats.connect(
                    **connect_options(self.nats_url, self.nats_tls),
                    name=f"lienthong-consumer-{self.durable}",
                    max_reconnect_attempts=-1, reconnect_time_wait=0.5,
                    connect_timeout=2, error_cb=error_cb,
                    reconnected_cb=reconnected_cb)
            except (OSError, nats.errors.Error) as error:
                self.log.warning("nats_unreachable", url=self.nats_url, error=str(error),
                                 retry_in_s=delay)
            if await _wait(stop_event, delay):
                break
            delay = min(delay * 2, 5.0)
        return None

    async def _bind(self, js: JetStreamContext, stream: str, durable: str,
                    filter_subject: str | None, stop_event: asyncio.Event,
                    ) -> StandingPull | None:
        config = ConsumerConfig(
            durable_name=durable,
            description=f"lienthong consumer {self.durable}",
            deliver_policy=DeliverPolicy.ALL,
            ack_policy=AckPolicy.EXPLICIT,
            ack_wait=self.ack_wait_s,
            max_deliver=-1,  # counted by the runner, see the module docstring
            max_ack_pending=MAX_ACK_PENDING,
            filter_subject=filter_subject,
        )
        delay = 0.5
        while not stop_event.is_set():
            try:
                info = await js.add_consumer(stream, config)  # creates, or updates
                await self._take_back_held(js, stream, durable, info.num_ack_pending or 0)
                pull = StandingPull(self._nc, stream, durable, batch=self.batch_size)
                await pull.start()
                self._pulls.append(pull)
                return pull
            except NotFoundError:
                self.log.info("waiting_for_stream", awaited_stream=stream, retry_in_s=delay)
            if await _wait(stop_event, delay):
                break
            delay = min(delay * 2, 5.0)
        return None

    async def _take_back_held(self, js: JetStreamContext, stream: str, durable: str,
                              held: int) -> None:
        """A delivery held when this runner binds is most likely its predecessor's, killed
        before its ack: take it back now rather than after the ack wait (see Recovery)."""
        if not held:
            return
        release = _server_release(self._nc)
        if release < RESET_SINCE:
            self.log.info("held_delivery_waits_out_ack_wait", durable=durable, held=held,
                          nats_server=".".join(map(str, release)), ack_wait_s=self.ack_wait_s)
            return
        try:
            reset = await js.reset_consumer(stream, durable)  # to the ack floor
        except (nats.errors.Error, APIError) as error:  # the ack wait still frees it
            self.log.warning("held_delivery_not_taken_back", durable=durable,
                             error=str(error) or type(error).__name__)
            return
        self.log.info("held_delivery_taken_back", durable=durable, held=held,
                      from_stream_seq=reset.reset_seq)

    async def _loop(self, js: JetStreamContext, pull: StandingPull, stop_event: asyncio.Event,
                    lock: asyncio.Lock, executor: ThreadPoolExecutor, *, replayed: bool,
                    binding: tuple[str, str, str | None]) -> None:
        checked_at = time.monotonic()
        try:
            while not stop_event.is_set():
                message = await pull.next(self.fetch_wait_s)
                if message is not None:
                    async with lock:
                        try:
                            await self._handle(js, message, executor, replayed=replayed)
                        except Exception:
                            self.log.exception("message_left_for_redelivery",
                                               nats_subject=message.subject)
                            await _wait(stop_event, 1.0)
                    continue
                quiet = pull.trouble or pull.silent_s > SILENCE_CHECK_S
                if not quiet or time.monotonic() - checked_at < SILENCE_CHECK_S:
                    continue
                checked_at = time.monotonic()
                self.log.warning("fetch_failed", error=pull.trouble or "no answer from NATS",
                                 silent_s=round(pull.silent_s, 1))
                if await self._durable_missing(js, binding[0], binding[1]):
                    # NATS lost its data (a fresh data folder, a restored backup): the
                    # durable is made again; tracking records absorb what comes twice.
                    self.log.warning("consumer_recreated", stream=binding[0],
                                     durable=binding[1])
                    await dlq.ensure_dlq_stream(js, prefix=self.prefix, stream=self.dlq_stream,
                                                replicas=self.stream_replicas)
                    rebound = await self._bind(js, *binding, stop_event)
                    if rebound is None:
                        return
                    await self._release(pull)
                    pull = rebound
        finally:
            await self._release(pull)

    async def _release(self, pull: StandingPull) -> None:
        """Stop a standing request; what it delivered and nobody took goes back at once
        (to another replica, or to this one's successor), not after the ack wait."""
        if pull in self._pulls:
            self._pulls.remove(pull)
        for message in await pull.close():
            with contextlib.suppress(Exception):
                await message.nak()

    async def _report_pending(self, js: JetStreamContext, stop_event: asyncio.Event) -> None:
        """``lienthong_consumer_pending_messages`` of both durables, every few seconds
        (one consumer-info request each; a failed one leaves the last value)."""
        durables = ((self.stream, self.durable), (self.dlq_stream, f"{self.durable}_replay"))
        while True:
            for stream, durable in durables:
                try:
                    info = await js.consumer_info(stream, durable)
                except Exception as error:  # NATS down, durable re-created: next time
                    self.log.debug("pending_unknown", durable=durable, error=str(error))
                    continue
                metrics.consumer_pending(self.service, durable, info.num_pending or 0)
            if await _wait(stop_event, self.pending_interval_s):
                return

    @staticmethod
    async def _durable_missing(js: JetStreamContext, stream: str, durable: str) -> bool:
        """Whether the server has lost this durable (or its stream), as opposed to being down."""
        try:
            await js.consumer_info(stream, durable)
        except NotFoundError:
            return True
        except Exception:  # unreachable, timing out...: not a verdict
            return False
        return False

    # -- one message ----------------------------------------------------------

    def _delay(self, delivered: int) -> float:
        return self.backoff_s[min(max(delivered, 1), len(self.backoff_s)) - 1]

    async def _handle(self, js: JetStreamContext, msg: Msg, executor: ThreadPoolExecutor,
                      *, replayed: bool) -> None:
        delivered = msg.metadata.num_delivered
        try:
            event = parse_event(msg, replayed=replayed)
        except MalformedEventError as error:
            await self._dead_letter(js, msg, dlq.REASON_MALFORMED, str(error), replayed=replayed)
            return
        # A child of the PRODUCER span that published the message (its traceparent).
        parent = propagate.extract({"traceparent": event.traceparent})
        with tracer().start_as_current_span(
                f"{event.nats_subject} process", context=parent, kind=trace.SpanKind.CONSUMER,
                attributes={
                    "messaging.system": "nats",
                    "messaging.operation.type": "process",
                    "messaging.destination.name": event.nats_subject,
                    "messaging.consumer.group.name": self.durable,
                    "messaging.message.id": event.id,
                    "messaging.nats.stream_sequence": event.stream_seq,
                    "messaging.nats.delivered": delivered,
                    "cloudevents.event_type": event.type,
                }) as span:
            outcome = await self._handle_event(js, msg, event, executor, delivered=delivered,
                                               replayed=replayed)
            span.set_attribute("lienthong.consumer.outcome", outcome)
            if outcome in ("handler_failed", "dead_lettered"):
                span.set_status(trace.StatusCode.ERROR, outcome)

    async def _handle_event(self, js: JetStreamContext, msg: Msg, event: ConsumedEvent,
                            executor: ThreadPoolExecutor, *, delivered: int,
                            replayed: bool) -> str:
        """Inside the message's CONSUMER span (its logs carry its trace and span ids)."""
        event_log = self.log.bind(ce_id=event.id, ce_type=event.type,
                                  notification_id=event.notification_id,
                                  upstream=event.upstream, delivered=delivered,
                                  replay_of=event.replay_of)
        keep_alive = asyncio.create_task(_keep_alive(msg, self.ack_wait_s / 3))
        try:
            # The handler's thread runs in this context: the span is its current span.
            outcome = await run_in(executor, self._apply, event)
        except INFRASTRUCTURE_ERRORS as error:
            delay = self._delay(delivered)
            event_log.warning("event_store_unavailable", error=str(error), retry_in_s=delay)
            await msg.nak(delay=delay)
            return "event_store_unavailable"
        except Exception as error:
            text = f"{type(error).__name__}: {error}"
            if delivered >= self.max_deliveries_for(error):
                event_log.error("handler_failed_giving_up", error=text)
                reason = dlq.REASON_REPLAY_FAILED if replayed else dlq.REASON_MAX_DELIVER
                await self._dead_letter(js, msg, reason, text, replayed=replayed)
                return "dead_lettered"
            delay = self._delay(delivered)
            event_log.warning("handler_failed", error=text, retry_in_s=delay)
            await msg.nak(delay=delay)
            return "handler_failed"
        finally:
            keep_alive.cancel()
        if outcome != ALREADY_APPLIED:
            self.on_committed(event)
        if event.replay_of is not None:
            await self._delete(js, event.replay_of)  # handled: no longer a dead letter
        await msg.ack()  # not waited for: a lost ack is a redelivery, found applied
        if replayed:
            await self._delete(js, msg.metadata.sequence.stream)
        event_log.info("event_" + outcome)
        return outcome

    def _apply(self, event: ConsumedEvent) -> str:
        """In the application's thread: the effect and the position, in one transaction.

        Whether the event was applied before is asked only when applying it fails
        (the tracking record's primary key refuses a second save): the usual first
        delivery costs no lookup.
        """
        processing: ProcessingEvent[Any] = ProcessingEvent(
            tracking=Tracking(application_name=event.upstream,
                              notification_id=event.notification_id))
        handler = self.handlers.get(event.type)
        try:
            if handler is not None:
                # The events the handler records carry the message's CONSUMER span.
                trace_id, span_id = span_ids()
                with audit.audit_scope(
                        causation_id=event.id,
                        correlation_id=event.headers.get("ce-correlationid", "") or event.id,
                        trace_id=event.trace_id or trace_id,
                        span_id=span_id,
                        reason=f"{event.type} {event.id}",
                ):
                    handler(self.app, event, processing)
            recordings = self.app._record(processing)
        except Exception as error:
            # Applied before (a redelivery, another replica's delivery): the handler may
            # have refused the state it left, or the save its tracking record.
            if not isinstance(error, INFRASTRUCTURE_ERRORS) and tracking_recorded(
                    self.app.recorder, event.upstream, event.notification_id):
                return ALREADY_APPLIED
            raise  # e.g. a command changed one of the aggregates meanwhile: run again
        self.app._take_snapshots(processing)
        self.app._notify(recordings)
        return APPLIED if handler is not None else IGNORED

    async def _dead_letter(self, js: JetStreamContext, msg: Msg, reason: str, error: str,
                           *, replayed: bool) -> None:
        meta = msg.metadata
        original = {k.lower(): str(v) for k, v in (msg.headers or {}).items()}
        headers = dlq.transport_free(msg.headers)
        # A failed replay keeps where the message first came from.
        origin_stream = (original.get(dlq.H_STREAM.lower()) if replayed else None) or meta.stream
        origin_seq = (original.get(dlq.H_STREAM_SEQ.lower()) if replayed else None) \
            or str(meta.sequence.stream)
        origin_subject = (original.get(dlq.H_SUBJECT.lower()) if replayed else None) \
            or msg.subject
        headers.update({
            # The same delivery dead-lettered twice (crash before the term) is one letter.
            "Nats-Msg-Id": f"dlq:{self.durable}:{meta.stream}:{meta.sequence.stream}",
            dlq.H_REASON: reason,
            dlq.H_CONSUMER: self.durable,
            dlq.H_ERROR: dlq.encode_header_text(error),
            dlq.H_TIME: dt.datetime.now(dt.UTC).isoformat(),
            dlq.H_DELIVERIES: str(meta.num_delivered),
            dlq.H_STREAM: origin_stream,
            dlq.H_STREAM_SEQ: origin_seq,
            dlq.H_SUBJECT: origin_subject,
        })
        ack = await js.publish(dlq.dead_letter_subject(self.durable, self.prefix), msg.data,
                               headers=headers, stream=self.dlq_stream)
        old = original.get(dlq.H_DLQ_SEQ.lower()) if replayed else None
        if old:
            await self._delete(js, int(old))
        await msg.term()
        metrics.dead_lettered(self.service, self.durable)
        if replayed:
            await self._delete(js, meta.sequence.stream)
        self.log.error("dead_lettered", reason=reason, error=error, dlq_seq=ack.seq,
                       ce_id=original.get("ce-id"), ce_type=original.get("ce-type"),
                       delivered=meta.num_delivered, origin_stream=origin_stream,
                       origin_seq=origin_seq, replaced_dead_letter=old)

    async def _delete(self, js: JetStreamContext, seq: int) -> None:
        try:
            await js.delete_msg(self.dlq_stream, seq)
        except NotFoundError:
            pass  # already deleted by an earlier delivery
        except APIError as error:
            if error.err_code != 10057:
                raise


def _server_release(nc: Any) -> tuple[int, int]:
    """(major, minor) of the connected nats-server; (0, 0) when it does not say."""
    try:
        version = nc.connected_server_version
        return version.major, version.minor
    except ValueError:  # not a semantic version
        return 0, 0


async def _keep_alive(msg: Msg, interval: float) -> None:
    while True:
        await asyncio.sleep(interval)
        with contextlib.suppress(Exception):
            await msg.in_progress()


async def _wait(stop_event: asyncio.Event, seconds: float) -> bool:
    """Sleep, or less if asked to stop; whether to stop."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop_event.wait(), seconds)
    return stop_event.is_set()
