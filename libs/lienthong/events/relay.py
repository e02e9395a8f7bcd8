"""The outbox relay: a service's notification log, in order, onto its JetStream stream.

The notification log is the outbox; the relay runs beside the request path,
never inside it. It keeps no state of its own that matters:

**Position.** The relay takes its position from the stream: the last
message carries the ``Lienthong-Notification-Id`` of the notification it
came from, and the relay goes on after it (from the start on an empty
stream). A stream that lost its tail (a machine crash before nats-server
synced its files, a fresh data folder, a re-created stream) is therefore
refilled from the event store, which is the source of truth. Between passes
the relay keeps where it left the stream, and asks again after a refused
publish and when the log holds nothing new.

**Its own process's commits** are handed to it (:meth:`OutboxRelay.wake`):
when they run on from its position it publishes them without reading the log.

**Exactly once, in order, with several relays.** Every message is published
with ``Nats-Msg-Id`` = ``<service>-<notification id>`` and
``Nats-Expected-Last-Sequence`` = the stream sequence it must follow. A batch
is pipelined: its k-th message expects ``last_seq + k``, and from the second
message on also ``Nats-Expected-Last-Msg-Id`` = the previous message's id,
so the server stores message k only right after message k-1 of the same
chain. Two relays (or a relay and its zombie) that read the same log from
the same position build the same chain; whichever stores a message first
wins, the other gets "wrong last sequence", re-reads the position from the
stream and goes on. A stored copy of an event cannot be followed by an older
event, whatever the interleaving.

**Holes.** Notification ids can have holes: a rolled-back transaction uses up
an id (PostgreSQL sequences), and with ``POSTGRES_ENABLE_DB_FUNCTIONS`` a
later id can commit before an earlier one. When the next id is missing but
later ones exist, the relay waits for it up to ``gap_timeout_s`` (from the
moment it first saw the hole), then moves past it with a structured warning.
A hole whose next event was recorded more than ``gap_settled_after_s`` ago is
passed at once (republishing an old log does not wait at every hole).

**Events outside the contract** (request records...) are not published. The
relay keeps an in-memory cursor past them, valid as long as the stream's
last message is the one it started from (same stream, same last sequence).
A new relay, or one that finds the stream changed, rescans from the stream's
position; rows outside the contract are skipped by their topic, without
decoding, so even a long run of them costs only a read of the log. We chose
this over publishing placeholder ``Internal`` events, which would double the
stream of a service whose every command writes a request record, and show
consumers and auditors events that mean nothing to them.

**Tracing and metrics.** Each published event gets a PRODUCER span
``<subject> publish``, a child of the span that recorded the event (its
audit metadata ``span_id``), whose id is the span id of the envelope's
``traceparent`` (derived from the event id: a republished event carries the
same headers); the message's ``traceparent`` names that span, so a
consumer's span is its child. The spans are made only when tracing exports
somewhere (:func:`lienthong.telemetry.exporting`). A running relay reports
``lienthong_relay_lag_events`` (read at each scrape).

Run it in the service's event loop (``await relay.run(stop_event)``) or as
a process of its own: ``python -m lienthong.events.relay --help``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import pkgutil
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

import nats
import structlog
from nats.js.errors import APIError, NotFoundError
from opentelemetry import context as otel_context
from opentelemetry import trace

from lienthong import metrics, telemetry
from lienthong.events import jetstream
from lienthong.events.envelope import NOTIFICATION_ID_HEADER
from lienthong.natsauth import CLOSE_TIMEOUT_S, connect_options

if TYPE_CHECKING:
    from collections.abc import Sequence

    from eventsourcing.persistence import Notification
    from nats.aio.client import Client
    from nats.js import api
    from nats.js.client import JetStreamContext

    from lienthong.events.contract import Contract
    from lienthong.events.envelope import Envelope
    from lienthong.tls import TLSFiles

log = structlog.get_logger("lienthong.events.relay")
#: A context without a span: a PRODUCER span with no known parent is its trace's root.
_NO_PARENT = otel_context.Context()

#: How far back the relay looks for its last message past foreign ones.
MAX_FOREIGN_MESSAGES = 1000
#: Refused publishes in a row, the stream not moving, before a pass gives up.
MAX_SETBACKS = 5
#: Notifications handed over by the process's own commits and not yet published, at most
#: (past it they are let go, and read from the log).
MAX_HANDED = 10_000


class RelayError(RuntimeError):
    """The relay cannot tell where it stands; an SRE must look."""


class Lag(NamedTuple):
    """``recorded``: the last notification id in the log; ``relayed``: the last
    one the relay is done with (published, or deliberately not published)."""

    recorded: int
    relayed: int

    @property
    def behind(self) -> int:
        return max(0, self.recorded - self.relayed)


@dataclass
class _Position:
    created: dt.datetime | None  #: the stream's creation time: a re-created stream differs
    last_seq: int  #: the stream's last sequence
    published: int  #: the notification id of the stream's last message
    scanned: int  #: every notification up to here is published or not to be published


@dataclass(frozen=True)
class _Item:
    notification_id: int
    subject: str
    envelope: Envelope
    recorded_in_span: str = ""  #: the span id that recorded the event (its audit metadata)


@dataclass(frozen=True)
class _Read:
    items: list[_Item]  #: the contract's events, in order
    last_id: int  #: the last notification moved past (published or not)
    more: bool  #: a full page was read: there may be more
    blocked: bool  #: stopped at a hole that may still fill


class OutboxRelay:
    """Publishes a service's notification log to its stream, exactly once and in order."""

    def __init__(self, app: Any, contract: Contract, nats_url: str, *, batch_size: int = 500,
                 gap_timeout_s: float = 5.0, gap_settled_after_s: float = 60.0,
                 poll_interval_s: float = 0.25, publish_timeout_s: float = 10.0,
                 replicas: int | None = None,
                 duplicate_window_s: float = jetstream.DEFAULT_DUPLICATE_WINDOW_S,
                 nats_tls: TLSFiles | None = None) -> None:
        if batch_size < 1:
            msg = "batch_size must be at least 1"
            raise ValueError(msg)
        self.app = app
        self.contract = contract
        self.service = contract.service
        self.stream = jetstream.stream_name(self.service)
        self.nats_url = nats_url
        self.nats_tls = nats_tls  #: mutual TLS to NATS (None: plaintext)
        self.batch_size = batch_size
        self.gap_timeout_s = gap_timeout_s
        self.gap_settled_after_s = gap_settled_after_s
        self.poll_interval_s = poll_interval_s
        self.publish_timeout_s = publish_timeout_s
        self.replicas = replicas
        self.duplicate_window_s = duplicate_window_s
        self.nc: Client | None = None
        self.js: JetStreamContext | None = None
        self._position: _Position | None = None
        self._gaps: dict[int, float] = {}  # first missing id -> when first seen (monotonic)
        self._wake: asyncio.Event | None = None
        self._reconnected: asyncio.Event | None = None
        self._closing = False
        self._announced = False
        self._pass_lock: asyncio.Lock | None = None
        self._relayed = 0  # the last notification relayed, as of the last pass
        self._last_published = 0  # the last notification seen on the stream
        self._loop: asyncio.AbstractEventLoop | None = None
        #: What the process's commits handed over (notification id -> notification).
        self._handed: dict[int, Notification] = {}
        self._handed_lock = threading.Lock()
        self._log = log.bind(service=self.service, stream=self.stream)

    # -- connection ---------------------------------------------------------

    async def connect(self) -> None:
        """Connect to NATS (reconnecting for ever) and ensure the stream."""
        if self.nc is not None and not self.nc.is_closed:
            return
        self._closing = False
        self.nc = await nats.connect(
            **connect_options(self.nats_url, self.nats_tls),
            name=f"lienthong-relay-{self.service}", connect_timeout=2,
            allow_reconnect=True, max_reconnect_attempts=-1, reconnect_time_wait=0.5,
            error_cb=self._on_error, disconnected_cb=self._on_disconnected,
            reconnected_cb=self._on_reconnected)
        self.js = self.nc.jetstream(timeout=self.publish_timeout_s)
        await self._ensure_stream()

    async def close(self) -> None:
        self._closing = True
        nc, self.nc, self.js = self.nc, None, None
        if nc is not None and not nc.is_closed:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(nc.close(), CLOSE_TIMEOUT_S)

    async def _ensure_stream(self) -> None:
        assert self.js is not None
        await jetstream.ensure_stream(self.js, self.service, replicas=self.replicas,
                                      duplicate_window_s=self.duplicate_window_s)

    async def _on_error(self, error: Exception) -> None:
        self._log.warning("nats_error", error=str(error), error_type=type(error).__name__)

    async def _on_disconnected(self) -> None:
        if not self._closing:
            self._log.warning("nats_disconnected")

    async def _on_reconnected(self) -> None:
        self._log.info("nats_reconnected")
        if self._reconnected is not None:
            # Publishes sent before the outage wait for acks a restarted server will
            # never send: the pass in progress is started again at once, from the
            # stream's position, rather than after the publish timeout.
            self._reconnected.set()

    # -- running ------------------------------------------------------------

    def wake(self, notifications: Sequence[Notification] = ()) -> None:
        """Ask a running relay to look at the log now (thread-safe; e.g. after a save).

        ``notifications``: what this process just committed. When they run on from the
        relay's position with nothing between, the next pass publishes them as handed
        over, without reading the log (which it reads otherwise, as before).
        """
        if notifications:
            with self._handed_lock:
                if len(self._handed) + len(notifications) > MAX_HANDED:
                    self._handed.clear()  # not published for long: the log has them
                self._handed.update((n.id, n) for n in notifications)
        if self._loop is not None and self._wake is not None:
            with contextlib.suppress(RuntimeError):  # the loop is closed: nothing to wake
                self._loop.call_soon_threadsafe(self._wake.set)

    async def run(self, stop_event: asyncio.Event) -> None:
        """Relay until ``stop_event`` is set; NATS or database outages are waited out."""
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        self._reconnected = asyncio.Event()
        metrics.relay_lag(self.service, lambda: self.lag().behind)
        self._log.info("relay_started", nats_url=self.nats_url, batch_size=self.batch_size,
                       gap_timeout_s=self.gap_timeout_s)
        backoff = self.poll_interval_s
        try:
            while not stop_event.is_set():
                try:
                    self._reconnected.clear()
                    if not await self._until_stopped(self.publish_pending(), stop_event,
                                                     self._reconnected):
                        if stop_event.is_set():
                            break
                        self._position = None  # reconnected: read where the stream is
                        continue
                except asyncio.CancelledError:
                    raise
                except Exception as error:  # an outage is retried, not fatal
                    self._position = None
                    level = "error" if isinstance(error, RelayError) else "warning"
                    getattr(self._log, level)("relay_retrying", error=str(error),
                                              error_type=type(error).__name__,
                                              retry_in_s=backoff)
                    await self._sleep(stop_event, backoff)
                    backoff = min(backoff * 2, 5.0)
                    continue
                backoff = self.poll_interval_s
                await self._sleep(stop_event, self.poll_interval_s)
        finally:
            await self.close()
            self._log.info("relay_stopped")

    @staticmethod
    async def _until_stopped(work: Any, stop_event: asyncio.Event,
                             interrupt: asyncio.Event | None = None) -> bool:
        """Run ``work`` unless stopped (or interrupted) first: a pass stuck on a NATS
        outage is cancelled, the relay being safe to stop at any point. True when the
        work finished."""
        task = asyncio.ensure_future(work)
        stopped = asyncio.ensure_future(stop_event.wait())
        interrupted = asyncio.ensure_future(interrupt.wait()) if interrupt else None
        try:
            await asyncio.wait({task, stopped, *([interrupted] if interrupted else [])},
                               return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopped.cancel()
            if interrupted is not None:
                interrupted.cancel()
            if not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        if task.cancelled():
            return False
        task.result()  # raises what the pass raised
        return True

    async def _sleep(self, stop_event: asyncio.Event, seconds: float) -> None:
        assert self._wake is not None
        waits = [asyncio.ensure_future(stop_event.wait()), asyncio.ensure_future(self._wake.wait())]
        try:
            await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waits:
                waiter.cancel()
            self._wake.clear()

    def lag(self) -> Lag:
        """(last notification id recorded, last one relayed); blocking: reads the log."""
        recorded = self.app.recorder.max_notification_id() or 0
        position = self._position
        return Lag(recorded, position.scanned if position else self._relayed)

    # -- one pass -----------------------------------------------------------

    async def publish_pending(self) -> int:
        """Publish everything the log holds past the stream's position; returns how many."""
        if self._pass_lock is None:
            self._pass_lock = asyncio.Lock()
        async with self._pass_lock:  # one pass at a time per relay
            return await self._publish_pending()

    async def _publish_pending(self) -> int:
        await self.connect()
        published = 0
        setbacks, mark = 0, -1
        # The next page is read while this one's acknowledgements come back; it is
        # used only if this page was stored whole (the position is then known).
        prefetched: tuple[int, asyncio.Future[_Read]] | None = None
        # Where the last pass left the stream; the stream is asked only when that is
        # unknown, after a refused publish, and when the log holds nothing new (so a stream
        # that lost its tail is refilled without waiting for the next event). A publish
        # from a position gone stale (another relay published meanwhile) is refused by
        # its sequence headers, as any race is.
        position = self._position
        asked = False
        try:
            while True:
                if position is None or self._position is not position:
                    position, asked = await self._sync_position(), True
                    if position.published != mark:  # the stream moved on, whoever moved it
                        setbacks, mark = 0, position.published
                if prefetched is not None and prefetched[0] == position.scanned:
                    read = await prefetched[1]
                else:
                    if prefetched is not None:
                        await prefetched[1]  # a thread cannot be cancelled; let it finish
                    read = await asyncio.to_thread(self._read, position.scanned)
                prefetched = None
                if read.items:
                    if read.more and not read.blocked:
                        prefetched = (read.last_id, asyncio.ensure_future(
                            asyncio.to_thread(self._read, read.last_id)))
                    stored = await self._publish(position, read)
                    published += stored
                    if stored < len(read.items):
                        # Another relay got there first: take the position again.
                        setbacks += 1
                        if setbacks > MAX_SETBACKS:
                            msg = (f"{self.stream}: {setbacks} publishes refused in a row at "
                                   f"stream sequence {position.last_seq}")
                            raise RelayError(msg)
                        continue
                elif read.last_id > position.scanned:
                    position.scanned = read.last_id
                if read.blocked or not read.more:
                    if not asked and not read.items:
                        before = position
                        position, asked = await self._sync_position(), True
                        if position is not before:  # the stream is not where we left it
                            continue
                    break
        finally:
            if prefetched is not None:
                with contextlib.suppress(Exception):  # its page is read again next pass
                    await prefetched[1]
        if self._position is not None:
            self._relayed = self._position.scanned
        if published:
            self._log.info("relay_published", published=published,
                           last_notification_id=self._relayed,
                           stream_seq=self._position.last_seq if self._position else None)
        return published

    async def _sync_position(self) -> _Position:
        """The position, re-read from the stream unless the stream is as we left it."""
        assert self.js is not None
        try:
            info = await self.js.stream_info(self.stream)
        except NotFoundError:
            self._log.warning("stream_missing", action="creating it and republishing the log")
            await self._ensure_stream()
            info = await self.js.stream_info(self.stream)
        known = self._position
        if (known is not None and known.created == info.created
                and known.last_seq == info.state.last_seq):
            return known
        published = await self._last_relayed(info)
        position = _Position(info.created, info.state.last_seq, published, published)
        if published < self._last_published:
            self._log.warning("stream_behind_log", stream_notification_id=published,
                              previously=self._last_published,
                              action="republishing from the event store")
        elif not self._announced:
            self._announced = True
            self._log.info("relay_position", stream_seq=position.last_seq,
                           notification_id=published)
        self._position = position
        self._last_published = published
        return position

    async def _last_relayed(self, info: api.StreamInfo) -> int:
        """The notification id of the stream's last relayed message (0: none)."""
        assert self.js is not None
        notification_id, seq = await last_relayed(self.js, info)
        if seq != info.state.last_seq:
            self._log.warning("foreign_messages_on_stream", after_seq=seq,
                              last_seq=info.state.last_seq)
        return notification_id

    def _take_handed(self, after: int) -> list[Notification]:
        """The handed-over notifications that run on from ``after`` with no gap, oldest first
        (at most a page); those at or below ``after`` are let go."""
        with self._handed_lock:
            run: list[Notification] = []
            while len(run) < self.batch_size and (
                    notification := self._handed.pop(after + 1 + len(run), None)) is not None:
                run.append(notification)
            if self._handed and min(self._handed) <= after:
                self._handed = {i: n for i, n in self._handed.items() if i > after}
            return run

    def _read(self, after: int) -> _Read:
        """The next page of the log past ``after``, up to the first hole that may still fill:
        what the process's commits handed over when it follows ``after``, else read."""
        if handed := self._take_handed(after):
            # A commit's ids are handed out under the event table's lock: nothing else
            # lies between. Later commits of other processes are the log's, next pass.
            return self._page(handed, after)
        notifications: Sequence[Notification] = self.app.recorder.select_notifications(
            start=after + 1, limit=self.batch_size)
        return self._page(notifications, after)

    def _page(self, notifications: Sequence[Notification], after: int) -> _Read:
        items: list[_Item] = []
        expected = after + 1
        last_id = after
        for notification in notifications:
            if notification.id < expected:
                continue
            if notification.id > expected and not self._may_pass_hole(expected, notification):
                return _Read(items, last_id, more=True, blocked=True)
            if self._gaps and notification.id == expected:
                self._gaps.pop(expected, None)  # a hole that filled
            published = self.contract.route_topic(notification.topic)
            if published is not None:
                event = self.app.mapper.to_domain_event(notification)
                routed = self.contract.envelope(notification.id, event)
                if routed is not None:
                    subject, envelope = routed
                    metadata = getattr(event, "metadata", None) or {}
                    items.append(_Item(notification.id, subject, envelope,
                                       str(metadata.get("span_id", ""))))
            last_id = notification.id
            expected = notification.id + 1
        return _Read(items, last_id, more=len(notifications) >= self.batch_size, blocked=False)

    def _may_pass_hole(self, missing: int, following: Notification) -> bool:
        now = time.monotonic()
        first_seen = self._gaps.setdefault(missing, now)
        waited = now - first_seen
        recorded_at = self._recorded_at(following)
        age = (dt.datetime.now(dt.UTC) - recorded_at).total_seconds() if recorded_at else 0.0
        if waited < self.gap_timeout_s and age < self.gap_settled_after_s:
            return False
        del self._gaps[missing]
        self._log.warning("notification_gap_skipped", missing_from=missing,
                          missing_to=following.id - 1, waited_s=round(waited, 3),
                          next_event_age_s=round(age, 3),
                          reason="timeout" if waited >= self.gap_timeout_s else "settled")
        return True

    def _recorded_at(self, notification: Notification) -> dt.datetime | None:
        try:
            timestamp = self.app.mapper.to_domain_event(notification).timestamp
        except Exception:  # an unreadable event gives no age; wait the timeout
            return None
        return timestamp if timestamp.tzinfo else timestamp.replace(tzinfo=dt.UTC)

    async def _publish(self, position: _Position, read: _Read) -> int:
        """Publish a page; returns how many messages this relay stored."""
        assert self.nc is not None
        items = read.items
        spans = _producer_spans(items) if telemetry.exporting() else None
        messages = []
        for index, item in enumerate(items):
            headers = item.envelope.to_headers()
            if spans is not None and (span := spans[index]) is not None:
                traceparent = _traceparent(span)  # = the envelope's, with our tracer provider
                headers["traceparent"] = headers["ce-traceparent"] = traceparent
            headers["Nats-Expected-Stream"] = self.stream
            headers["Nats-Expected-Last-Sequence"] = str(position.last_seq + index)
            if index:
                headers["Nats-Expected-Last-Msg-Id"] = items[index - 1].envelope.id
            messages.append(jetstream.Outgoing(item.subject, item.envelope.data, headers))
        try:
            results = await jetstream.publish_pipelined(self.nc, messages,
                                                        timeout=self.publish_timeout_s)
        except BaseException as error:
            if spans is not None:
                _end_spans(spans, [error] * len(spans))
            raise
        if spans is not None:
            _end_spans(spans, results)
        # A refused message breaks the chain, but a later one may still be stored: when
        # another relay stored the same events, its copy of message k-1 carries the
        # same Nats-Msg-Id, so our message k follows it, rightly.
        stored = 0
        refused: tuple[_Item, api.PubAck | Exception] | None = None
        for index, (item, result) in enumerate(zip(items, results, strict=True)):
            if (not isinstance(result, Exception) and not result.duplicate
                    and result.seq == position.last_seq + index + 1
                    and result.stream == self.stream):
                stored += 1
            elif refused is None:
                refused = item, result
        if refused is None:
            last = items[-1]
            position.last_seq += len(items)
            position.published = self._last_published = last.notification_id
            position.scanned = read.last_id
            return stored
        self._position = None  # take the position from the stream again
        item, result = refused
        if isinstance(result, APIError) and result.err_code in (
                jetstream.WRONG_LAST_SEQUENCE, jetstream.WRONG_LAST_MSG_ID):
            self._log.info("relay_lost_race", notification_id=item.notification_id,
                           stored=stored, of=len(items), detail=result.description,
                           trace_id=_trace_id(item))
        elif isinstance(result, Exception):
            raise result
        else:
            # Another relay (a replica) published it first: usual, so not worth an info line.
            self._log.debug("relay_found_duplicate", notification_id=item.notification_id,
                           stream_seq=result.seq, trace_id=_trace_id(item))
        return stored


# -- tracing ------------------------------------------------------------------


def _producer_spans(items: Sequence[_Item]) -> list[trace.Span | None]:
    """A PRODUCER span per event that belongs to a trace, a child of the span that
    recorded it (or the root of the event's trace when that span is unknown), with
    the span id of the envelope's ``traceparent``. None for an event outside any trace."""
    spans: list[trace.Span | None] = []
    start = time.time_ns()
    tracer = telemetry.tracer()
    for item in items:
        envelope = item.envelope
        parts = envelope.traceparent.split("-")
        if len(parts) != 4:
            spans.append(None)
            continue
        trace_id, span_id = int(parts[1], 16), int(parts[2], 16)
        context = None
        if item.recorded_in_span:
            with contextlib.suppress(ValueError):
                context = trace.set_span_in_context(trace.NonRecordingSpan(trace.SpanContext(
                    trace_id, int(item.recorded_in_span, 16), is_remote=True,
                    trace_flags=trace.TraceFlags(trace.TraceFlags.SAMPLED))))
        with telemetry.fixed_ids(trace_id, span_id):
            spans.append(tracer.start_span(
                f"{item.subject} publish", context=context or _NO_PARENT,
                kind=trace.SpanKind.PRODUCER, start_time=start, attributes={
                    "messaging.system": "nats",
                    "messaging.operation.type": "publish",
                    "messaging.destination.name": item.subject,
                    "messaging.message.id": envelope.id,
                    "lienthong.notification_id": item.notification_id,
                }))
    return spans


def _end_spans(spans: Sequence[trace.Span | None],
               results: Sequence[api.PubAck | BaseException]) -> None:
    end = time.time_ns()
    for span, result in zip(spans, results, strict=True):
        if span is None:
            continue
        if isinstance(result, BaseException):
            span.set_status(trace.StatusCode.ERROR,
                            f"{type(result).__name__}: {result}".rstrip(": "))
        else:
            span.set_attribute("messaging.nats.stream_sequence", result.seq)
            if result.duplicate:
                span.set_attribute("messaging.nats.duplicate", True)
        span.end(end_time=end)


def _traceparent(span: trace.Span) -> str:
    context = span.get_span_context()
    return f"00-{context.trace_id:032x}-{context.span_id:016x}-{int(context.trace_flags):02x}"


def _trace_id(item: _Item) -> str | None:
    parts = item.envelope.traceparent.split("-")
    return parts[1] if len(parts) == 4 else None


# -- a process of its own ---------------------------------------------------


async def last_relayed(js: JetStreamContext, info: api.StreamInfo) -> tuple[int, int]:
    """(notification id, stream sequence) of a service stream's last relayed message."""
    state = info.state
    name = info.config.name
    if not state.last_seq:
        return 0, 0
    if not state.messages:
        msg = (f"{name} holds no message but its last sequence is {state.last_seq}: "
               "its messages were removed, so the relay cannot tell where it stands")
        raise RelayError(msg)
    first = max(state.first_seq or 1, state.last_seq - MAX_FOREIGN_MESSAGES)
    for seq in range(state.last_seq, first - 1, -1):
        try:
            message = await js.get_msg(name, seq)
        except NotFoundError:
            continue
        value = (message.headers or {}).get(NOTIFICATION_ID_HEADER)
        if value is not None:
            return int(value), seq
    msg = (f"none of the last messages of {name} carries {NOTIFICATION_ID_HEADER}: "
           "something else publishes on the service's subjects")
    raise RelayError(msg)


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m lienthong.events.relay --app M:App --contract M:CONTRACT``."""
    from lienthong.config import ServiceMismatchError, load_settings
    from lienthong.logging import configure_logging
    from lienthong.natsauth import service_files

    parser = argparse.ArgumentParser(prog="python -m lienthong.events.relay",
                                     description="Relay a service's notification log to "
                                                 "its JetStream stream.")
    parser.add_argument("--app", required=True,
                        help="the application class, module:Class, a ServiceApplication "
                             "(its tables must exist: the relay does not create them)")
    parser.add_argument("--contract", required=True, help="the Contract, module:NAME")
    parser.add_argument("--event-store", help="default: LIENTHONG_EVENT_STORE")
    parser.add_argument("--nats-url", help="default: LIENTHONG_NATS_URL")
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--gap-timeout", type=float, default=5.0, help="seconds")
    parser.add_argument("--poll-interval", type=float, default=0.25, help="seconds")
    parser.add_argument("--once", action="store_true", help="one pass, then exit")
    args = parser.parse_args(argv)

    contract = pkgutil.resolve_name(args.contract)
    try:
        settings = load_settings(contract.service)
    except ServiceMismatchError as error:
        parser.error(str(error))
    configure_logging(contract.service, level=settings.log_level, fmt=settings.log_format)
    # The service creates its tables; replicas creating them at once fail in PostgreSQL
    # ("tuple concurrently updated"), so a relay process only reads them.
    app = pkgutil.resolve_name(args.app)(args.event_store or settings.event_store,
                                         env={"CREATE_TABLE": "n"})
    relay = OutboxRelay(app, contract, args.nats_url or settings.nats_url,
                        batch_size=args.batch_size, gap_timeout_s=args.gap_timeout,
                        poll_interval_s=args.poll_interval, nats_tls=service_files(settings))
    try:
        asyncio.run(serve(relay, once=args.once))
    finally:
        app.close()


async def serve(relay: OutboxRelay, *, once: bool) -> None:
    """One pass (``once``), or relay until SIGTERM or SIGINT."""
    if once:
        try:
            await relay.publish_pending()
        finally:
            await relay.close()
        return
    from lienthong import heap
    from lienthong.signals import stop_on_signal

    heap.settle()  # what the process started with is kept to its end
    with stop_on_signal() as stop:
        await relay.run(stop)


if __name__ == "__main__":
    main()
