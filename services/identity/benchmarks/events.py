"""``lienthong bench events``: an event's way from one service's commit to another's.

Everything runs on a nats-server and databases of the bench's own (a temporary
folder; PostgreSQL databases created and dropped, or SQLite files):

* **commit_to_applied.** The producer is the identity application in this
  process with its :class:`~lienthong.events.relay.OutboxRelay` as an asyncio
  task, as ``run_service`` runs it in production (commands run in threads, as
  the gRPC handlers do; each commit wakes the relay, as in production).
  Threads commit RegisterUnit commands for communes (3 events
  each: ``Unit.Registered`` and ``AdministrativeCodeRegister.Issued``
  published, the request record not) at a steady rate. The consumer is another
  process, as another service would be: a ``TrackingApplication`` and a
  ``ConsumerRunner`` whose handlers copy each unit into a toy aggregate. For
  each published event, latency = the consumer's commit time (when its
  transaction, effect and tracking record, returned) minus the producer's
  commit time (when the producer's transaction returned, stamped in the
  application's ``_notify``, which ``save`` calls right after the commit); both
  are this machine's wall clock. The same figures from the event's own
  ``timestamp`` (set before the producer's transaction) are given beside, and a
  breakdown: commit -> stored on the stream (the relay; the stream's own time
  of storage), stored -> handler started (delivery), handler -> committed.
* **relay.max_per_s.** A backlog written with the relay stopped (the same
  events as the commands write, 100 commands per transaction), then drained
  by a fresh relay (position taken from the stream): published messages / time.
* **raw.js_publish_per_s.** The backlog's own messages (subjects of the same
  length, same bodies, same headers, including the relay's expected-sequence
  headers) published with nats-py in windows of the relay's batch size, acks
  awaited per window, on a fresh stream of the same configuration; the best
  of ``js.publish_async`` and ``asyncio.gather`` over ``js.publish``.

Run the consumer alone with ``python -m lienthong.services.identity.benchmarks.events --help``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.metadata
import itertools
import math
import os
import platform
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from eventsourcing.domain import event

from lienthong.eventstore import AuditedAggregate, derived_id
from lienthong.tools.bench.common import (
    BenchDatabase,
    BenchError,
    CpuMeter,
    machine_info,
    nats_server_version,
    percentile,
    require_postgres,
)

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping, Sequence

    from eventsourcing.application import ProcessingEvent
    from nats.aio.client import Client

    from lienthong.events.consumer import ConsumedEvent
    from lienthong.tools.bench.common import PhaseProgress

SERVICE = "identity"
STREAM = "LIENTHONG_IDENTITY"
#: The raw baseline's stream: a name and subjects as long as the service's.
RAW_SERVICE = "benchraw"
CONSUMER_DURABLE = "bench_events"
PROVINCE_CODE = "01"
MAX_COMMUNE_CODES = 99_999  # five digits
#: Published events per RegisterUnit of a commune (the request record is not published).
PUBLISHED_PER_COMMAND = 2
BACKLOG_COMMANDS_PER_SAVE = 100
WARMUP_COMMANDS = 20
UNIT_REGISTERED = "vn.lienthong.identity.v1.UnitRegistered"
CODE_ISSUED = "vn.lienthong.identity.v1.AdministrativeCodeIssued"


@dataclass
class EventsBenchConfig:
    postgres_dsn: str
    store: str = "postgres"  # or "sqlite"
    rate: float = 200.0  # published events per second
    seconds: float = 10.0
    backlog: int = 20_000  # published events
    producers: int = 2  # threads committing commands
    relay_batch_size: int = 500
    relay_poll_interval_s: float = 0.25
    wake_relay: bool = True  # relay.wake() after each commit, as run_service does
    drain_timeout_s: float = 120.0
    #: Seconds of steady load in each recovery phase (0: no recovery phases).
    recovery_seconds: float = 12.0
    log_level: str = "warning"
    #: Environment of the producer (this process) and of the consumer process.
    options: dict[str, str] = field(default_factory=dict)


# -- pure helpers (unit-tested) ------------------------------------------------------


def commands_per_second(events_per_s: float,
                        published_per_command: int = PUBLISHED_PER_COMMAND) -> float:
    """Commands to commit per second for a rate of published events."""
    if events_per_s <= 0 or published_per_command < 1:
        msg = "the rate and the published events per command must be positive"
        raise ValueError(msg)
    return events_per_s / published_per_command


class Applied(NamedTuple):
    """One event as the consumer applied it (wall-clock seconds)."""

    notification_id: int
    stream_seq: int
    began: float  #: the handler was called (in the consumer's thread)
    committed: float  #: the transaction (effect + tracking record) returned


def format_applied(applied: Applied) -> str:
    return (f"{applied.notification_id} {applied.stream_seq} "
            f"{applied.began:.6f} {applied.committed:.6f}\n")


def parse_applied(lines: Iterable[str]) -> dict[int, Applied]:
    """The consumer's lines, by notification id; incomplete or foreign lines are skipped."""
    result: dict[int, Applied] = {}
    for line in lines:
        parts = line.split()
        if len(parts) != 4:
            continue
        try:
            applied = Applied(int(parts[0]), int(parts[1]), float(parts[2]), float(parts[3]))
        except ValueError:
            continue
        result[applied.notification_id] = applied
    return result


def latency_figures(started: Mapping[int, float], ended: Mapping[int, float]) -> dict[str, Any]:
    """``p50_ms``, ``p99_ms``, ``max_ms``, ``count`` of ``ended - started`` per key,
    and ``missing``: the keys started that never ended."""
    latencies = sorted(ended[key] - began for key, began in started.items() if key in ended)
    return {
        "p50_ms": round(percentile(latencies, 50) * 1000, 3),
        "p99_ms": round(percentile(latencies, 99) * 1000, 3),
        "max_ms": round(latencies[-1] * 1000, 3) if latencies else 0.0,
        "count": len(latencies),
        "missing": sum(1 for key in started if key not in ended),
    }


def busy_cycle_times(stored: Mapping[int, float], committed: Mapping[int, float]) -> list[float]:
    """The consumer's time per event while it had a queue: for consecutive commits
    (by commit time) where the later event was already stored when the earlier one
    committed, the time between the two commits. Its inverse is the most the
    consumer can apply per second."""
    order = sorted((t, key) for key, t in committed.items() if key in stored)
    return [t - previous for (previous, _), (t, key) in itertools.pairwise(order)
            if stored[key] <= previous]


def relay_headers(headers: Mapping[str, str], *, stream: str, last_seq: int, index: int,
                  previous_id: str | None) -> dict[str, str]:
    """The headers the relay sends for the ``index``-th message of a batch (see
    ``OutboxRelay._publish``): the envelope's, plus the expected stream, last
    sequence and, from the second message on, the last message id."""
    result = dict(headers)
    result["Nats-Expected-Stream"] = stream
    result["Nats-Expected-Last-Sequence"] = str(last_seq + index)
    if index and previous_id is not None:
        result["Nats-Expected-Last-Msg-Id"] = previous_id
    return result


def retarget_subject(subject: str, service: str, other: str) -> str:
    """``lienthong.<service>.x.y`` -> ``lienthong.<other>.x.y``."""
    prefix = f"lienthong.{service}."
    if not subject.startswith(prefix):
        msg = f"{subject!r} is not a subject of {service}"
        raise ValueError(msg)
    return f"lienthong.{other}.{subject.removeprefix(prefix)}"


def windows(count: int, size: int) -> Iterator[range]:
    """``range(0, size), range(size, 2 size)...`` up to ``count``."""
    if size < 1:
        msg = "a window holds at least one message"
        raise ValueError(msg)
    for start in range(0, count, size):
        yield range(start, min(start + size, count))


def met(value: float | None, limit: float, *, below: bool) -> bool | None:
    """Whether a figure meets its target (None when it was not measured)."""
    if value is None:
        return None
    return value < limit if below else value >= limit


# -- the consumer (another service's process) -----------------------------------------


class UnitCopy(AuditedAggregate):
    """What a downstream service keeps of an identity unit."""

    @staticmethod
    def create_id(unit_id: str) -> uuid.UUID:
        return derived_id("bench-unit-copy", unit_id)

    @event("Copied")
    def __init__(self, unit_id: str, display_name: str) -> None:
        self.unit_id = unit_id
        self.display_name = display_name
        self.codes: list[str] = []

    @event("CodeIssued")
    def code_issued(self, code: str) -> None:
        self.codes.append(code)


def _consumer_app_class() -> type[Any]:
    from lienthong.events.consumer import TrackingApplication

    class BenchConsumer(TrackingApplication):
        name = "BenchConsumer"
        service_name = "benchconsumer"

    return BenchConsumer


def _consumer_handlers() -> Any:
    from lienthong.events.consumer import Handlers
    from lienthong.identity.v1 import events_pb2 as ev

    handlers = Handlers()

    @handlers.on(UNIT_REGISTERED)
    def registered(app: Any, message: ConsumedEvent, processing: ProcessingEvent[Any]) -> None:
        data = message.decode(ev.UnitRegistered)
        copy_id = UnitCopy.create_id(data.unit_id)
        if not app.exists(copy_id):
            processing.collect_events(UnitCopy(data.unit_id, data.display_name))

    @handlers.on(CODE_ISSUED)
    def code_issued(app: Any, message: ConsumedEvent, processing: ProcessingEvent[Any]) -> None:
        data = message.decode(ev.AdministrativeCodeIssued)
        copy = app.get_or_none(UnitCopy.create_id(data.unit_id)) or UnitCopy(data.unit_id, "")
        copy.code_issued(data.administrative_unit_code)
        processing.collect_events(copy)

    return handlers


def consumer_main(argv: Sequence[str] | None = None) -> None:
    """Apply the identity stream's events and write, per event, when it was applied."""
    from lienthong.events.consumer import ConsumerRunner
    from lienthong.logging import configure_logging

    parser = argparse.ArgumentParser(prog="python -m lienthong.services.identity.benchmarks.events",
                                     description="The consumer of lienthong bench events.")
    parser.add_argument("--nats-url", required=True)
    parser.add_argument("--event-store", required=True)
    parser.add_argument("--out", required=True, help="file the applied events are written to")
    parser.add_argument("--durable", default=CONSUMER_DURABLE)
    parser.add_argument("--log-level", default="warning")
    args = parser.parse_args(argv)
    configure_logging("benchconsumer", level=args.log_level)
    app = _consumer_app_class()(args.event_store, schema="benchconsumer")
    out = open(args.out, "a", buffering=1)  # noqa: SIM115 - closed below
    timing: dict[int, tuple[float, float]] = {}

    class TimedRunner(ConsumerRunner):
        def _apply(self, consumed: ConsumedEvent) -> str:
            began = time.time()
            outcome = super()._apply(consumed)
            timing[consumed.notification_id] = (began, time.time())
            return outcome

        def on_committed(self, consumed: ConsumedEvent) -> None:
            began, committed = timing.pop(consumed.notification_id, (0.0, time.time()))
            out.write(format_applied(Applied(consumed.notification_id, consumed.stream_seq,
                                             began, committed)))

    runner = TimedRunner(app, nats_url=args.nats_url, stream=STREAM, durable=args.durable,
                         handlers=_consumer_handlers())

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        await runner.run(stop)

    try:
        asyncio.run(run())
    finally:
        out.close()
        app.close()


class _ConsumerProcess:
    """The consumer as a process of its own; its applied events read from a file."""

    def __init__(self, nats_url: str, event_store: str, folder: Path, log_level: str) -> None:
        self.out = folder / "applied.txt"
        self.out.touch()
        self._log = (folder / "consumer.log").open("w+b")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "lienthong.services.identity.benchmarks.events",
             "--nats-url", nats_url,
             "--event-store", event_store, "--out", str(self.out), "--log-level", log_level],
            stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)
        self._reader = self.out.open()
        self._partial = ""
        self.applied: dict[int, Applied] = {}

    @property
    def pid(self) -> int:
        return self.process.pid

    def poll(self) -> dict[int, Applied]:
        """What was applied so far; raises if the process died."""
        text = self._partial + self._reader.read()
        complete, _, self._partial = text.rpartition("\n")
        if complete:
            self.applied.update(parse_applied(complete.splitlines()))
        if self.process.poll() is not None:
            msg = f"the consumer exited with code {self.process.returncode}:\n{self.log_tail()}"
            raise BenchError(msg)
        return self.applied

    def log_tail(self, size: int = 4000) -> str:
        self._log.flush()
        self._log.seek(0, os.SEEK_END)
        self._log.seek(max(0, self._log.tell() - size))
        return self._log.read().decode(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        with contextlib.suppress(Exception):
            text = self._partial + self._reader.read()
            self.applied.update(parse_applied(text.splitlines()))
        self._reader.close()
        self._log.close()


# -- the producer -------------------------------------------------------------------


def _producer_app(event_store: str) -> Any:
    from lienthong.services.identity.application import IdentityApplication
    from lienthong.services.identity.events import CONTRACT

    contract = CONTRACT

    class ProducerApp(IdentityApplication):
        """The identity application, stamping the commit time of its published events."""

        name = "IdentityApplication"  # the service's tables

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            self.recording = False
            #: notification id -> (commit time, the event's own timestamp), wall clock
            self.commits: dict[int, tuple[float, float]] = {}
            self.after_commit: Callable[[], None] | None = None
            super().__init__(*args, **kwargs)

        def _notify(self, recordings: Any) -> None:
            committed = time.time()  # save() calls _notify right after the commit
            super()._notify(recordings)
            if self.recording:
                for recording in recordings:
                    notification = recording.notification
                    if contract.route_topic(notification.topic) is not None:
                        self.commits[notification.id] = (
                            committed, recording.domain_event.timestamp.timestamp())
            if self.after_commit is not None:
                self.after_commit()

    return ProducerApp(event_store, pool_size=8, schema=SERVICE)


class _Codes:
    """Five-digit commune codes, each used once."""

    def __init__(self) -> None:
        self._next = itertools.count(1)
        self._lock = threading.Lock()

    def take(self) -> str:
        with self._lock:
            number = next(self._next)
        if number > MAX_COMMUNE_CODES:
            msg = f"out of commune codes (at most {MAX_COMMUNE_CODES} communes per run)"
            raise BenchError(msg)
        return f"{number:05d}"


def _audit(run_id: str, code: str) -> Any:
    from lienthong.audit import audit_scope

    return audit_scope(actor="bench-events", actor_agency_code="000.00.00.H49",
                       correlation_id=f"bench-{run_id}-{code}", trace_id=uuid.uuid4().hex)


def _register_commune(app: Any, run_id: str, province_id: str, code: str) -> None:
    from lienthong.services.identity.application import NewUnitSpec

    with _audit(run_id, code):
        app.register_unit(NewUnitSpec(f"Xã Thử Nghiệm {code}", "commune",
                                      administrative_unit_code=code, parent_id=province_id),
                          request_id=f"bench-{run_id}-{code}")


def _steady_commands(app: Any, run_id: str, province_id: str, codes: _Codes, *,
                     per_s: float, seconds: float, threads: int) -> tuple[float, int, list[str]]:
    """Commit commands on a fixed schedule (open loop) from ``threads`` threads.

    Returns (elapsed, commands, errors). A thread late for its slot runs at once.
    """
    slots = itertools.count()
    errors: list[str] = []
    done = itertools.count()
    start = time.perf_counter() + 0.05
    total = math.floor(per_s * seconds)

    def worker() -> None:
        while True:
            slot = next(slots)
            if slot >= total:
                return
            delay = start + slot / per_s - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            try:
                _register_commune(app, run_id, province_id, codes.take())
                next(done)
            except Exception as error:  # counted, and the schedule goes on
                errors.append(f"{type(error).__name__}: {error}")

    pool = [threading.Thread(target=worker, name=f"bench-producer-{i}", daemon=True)
            for i in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return time.perf_counter() - start, next(done), errors


def _write_backlog(app: Any, run_id: str, province_id: str, codes: _Codes, commands: int,
                   on_progress: Callable[[float, float], None]) -> None:
    """The events of ``commands`` RegisterUnit commands, 100 commands per transaction."""
    from lienthong.idempotency import RequestRecord, fingerprint
    from lienthong.services.identity.domain.registry import AdministrativeCodeRegister
    from lienthong.services.identity.domain.unit import Unit

    province = uuid.UUID(province_id)
    written = 0
    for batch in windows(commands, BACKLOG_COMMANDS_PER_SAVE):
        objs: list[Any] = []
        for _ in batch:
            code = codes.take()
            request_id = f"bench-{run_id}-{code}"
            unit_id = derived_id("unit", request_id, "0")
            with _audit(run_id, code):
                objs.append(Unit(
                    id=unit_id, display_name=f"Xã Thử Nghiệm {code}", level="commune",
                    kind="commune", administrative_unit_code=code, agency_code="",
                    parent_id=province, province_id=province, effective_date=None,
                    predecessor_ids=[]))
                objs.append(AdministrativeCodeRegister(code=code, unit_id=unit_id, since=None))
                objs.append(RequestRecord(request_id=request_id, method="RegisterUnit",
                                          fingerprint=fingerprint({"code": code}),
                                          result={"unit_id": str(unit_id)}))
        app.save(*objs)
        written += len(batch)
        on_progress(float(written), float(commands))


# -- NATS helpers ---------------------------------------------------------------------


async def _connect(url: str) -> Client:
    import nats

    return await nats.connect(url, connect_timeout=5, max_reconnect_attempts=3)


async def _stored_times(nc: Client, seqs: Sequence[int]) -> dict[int, float]:
    """When the stream stored each message (its own timestamp), by stream sequence."""
    js = nc.jetstream()
    times: dict[int, float] = {}
    for chunk in windows(len(seqs), 200):
        messages = await asyncio.gather(*(js.get_msg(STREAM, seqs[i]) for i in chunk),
                                        return_exceptions=True)
        for i, message in zip(chunk, messages, strict=True):
            if not isinstance(message, BaseException) and message.time is not None:
                times[seqs[i]] = message.time.timestamp()
    return times


class _RawMessage(NamedTuple):
    subject: str
    data: bytes
    headers: dict[str, str]


def _raw_messages(app: Any, after: int, count: int, batch_size: int,
                  stream: str) -> list[_RawMessage]:
    """The relay's messages for the first ``count`` published events past ``after``,
    for the raw stream (fresh: its k-th message expects last sequence k-1)."""
    from lienthong.services.identity.events import CONTRACT

    routed: list[tuple[str, Any]] = []
    start = after + 1
    while len(routed) < count:
        page = app.recorder.select_notifications(start=start, limit=1000)
        if not page:
            break
        for notification in page:
            if CONTRACT.route_topic(notification.topic) is None:
                continue
            pair = CONTRACT.envelope(notification.id, app.mapper.to_domain_event(notification))
            if pair is not None:
                routed.append(pair)
        start = page[-1].id + 1
    routed = routed[:count]
    messages: list[_RawMessage] = []
    for window in windows(len(routed), batch_size):
        for index, position in enumerate(window):
            subject, envelope = routed[position]
            previous = routed[position - 1][1].id if index else None
            headers = relay_headers(envelope.to_headers(), stream=stream,
                                    last_seq=window.start, index=index, previous_id=previous)
            messages.append(_RawMessage(retarget_subject(subject, SERVICE, RAW_SERVICE),
                                        envelope.data, headers))
    return messages


async def _publish_window_on_inbox(nc: Client, messages: Sequence[_RawMessage],
                                   timeout: float = 10.0) -> list[str]:
    """Core NATS publishes with reply subjects ``<inbox>.<i>`` on one subscription,
    then every ack awaited: the least Python can do per JetStream publish.
    Returns the errors (server answers with an error, missing acks)."""
    import json

    pending = len(messages)
    errors: list[str] = []
    done = asyncio.get_running_loop().create_future()
    inbox = nc.new_inbox()

    async def on_reply(msg: Any) -> None:
        nonlocal pending
        try:
            answer = json.loads(msg.data)
        except ValueError:
            answer = {"error": {"description": "unreadable reply"}}
        if "error" in answer:
            errors.append(str(answer["error"]))
        pending -= 1
        if pending == 0 and not done.done():
            done.set_result(None)

    subscription = await nc.subscribe(f"{inbox}.*", cb=on_reply)
    try:
        for index, message in enumerate(messages):
            await nc.publish(message.subject, message.data, reply=f"{inbox}.{index}",
                             headers=message.headers)
        if messages:
            try:
                await asyncio.wait_for(asyncio.shield(done), timeout)
            except TimeoutError:
                errors.extend(["no ack in time"] * pending)
    finally:
        await subscription.unsubscribe()
    return errors


async def _raw_publish(url: str, messages: Sequence[_RawMessage], batch_size: int,
                       method: str, on_progress: Callable[[float, float], None]
                       ) -> dict[str, Any]:
    """Publish on a fresh raw stream; acks awaited per window of ``batch_size``."""
    from nats.js.errors import NotFoundError

    from lienthong.events import jetstream

    config = jetstream.service_stream_config(RAW_SERVICE)
    nc = await _connect(url)
    try:
        js = nc.jetstream(timeout=10)
        with contextlib.suppress(NotFoundError):
            await js.delete_stream(config.name)
        await jetstream.ensure(js, config)
        errors = 0
        first_error = ""
        cpu = CpuMeter()
        cpu.start()
        began = time.perf_counter()
        for window in windows(len(messages), batch_size):
            if method == "publish_async":
                futures = [await js.publish_async(messages[i].subject, messages[i].data,
                                                  headers=messages[i].headers) for i in window]
                done, pending = await asyncio.wait(futures, timeout=10)
                failed = [f.exception() for f in done if f.exception() is not None]
                for future in pending:
                    future.cancel()
                errors += len(failed) + len(pending)
                if (failed or pending) and not first_error:
                    first_error = repr(failed[0]) if failed else "no ack in 10 s"
            elif method == "inbox_pipelined":
                failed_here = await _publish_window_on_inbox(nc, [messages[i] for i in window])
                errors += len(failed_here)
                if failed_here and not first_error:
                    first_error = failed_here[0]
            else:
                results = await asyncio.gather(
                    *(js.publish(messages[i].subject, messages[i].data,
                                 headers=messages[i].headers) for i in window),
                    return_exceptions=True)
                failed = [r for r in results if isinstance(r, BaseException)]
                errors += len(failed)
                if failed and not first_error:
                    first_error = repr(failed[0])
            on_progress(float(window.stop), float(len(messages)))
        elapsed = time.perf_counter() - began
        used = cpu.stop(wall_s=elapsed)
        stored = (await js.stream_info(config.name)).state.messages
    finally:
        await nc.close()
    result: dict[str, Any] = {"per_s": round(stored / elapsed, 1) if elapsed else 0.0,
                              "count": stored, "elapsed_s": round(elapsed, 3),
                              "client_cpu_pct": used.get("client_pct")}
    if errors:
        result.update(errors=errors, first_error=first_error)
    return result


# -- the scenario ------------------------------------------------------------------


@dataclass
class _Run:
    config: EventsBenchConfig
    progress: PhaseProgress
    app: Any
    nats_url: str
    nats: Any  # NatsServer: restarted by the recovery phase
    consumer_store: str
    folder: Path
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    codes: _Codes = field(default_factory=_Codes)
    province_id: str = ""


def _timed_relay_class() -> type[Any]:
    from lienthong.events.relay import OutboxRelay

    class TimedRelay(OutboxRelay):
        """The relay, counting the time of its two steps (read + encode, publish)."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.read_s = 0.0
            self.publish_s = 0.0
            self.passes = 0

        def _read(self, after: int) -> Any:
            began = time.perf_counter()
            try:
                return super()._read(after)
            finally:
                self.read_s += time.perf_counter() - began

        async def _publish(self, position: Any, read: Any) -> int:
            began = time.perf_counter()
            try:
                return await super()._publish(position, read)
            finally:
                self.publish_s += time.perf_counter() - began
                self.passes += 1

    return TimedRelay


async def _commit_to_applied(run: _Run) -> dict[str, Any]:
    from lienthong.services.identity.events import CONTRACT

    config, app, progress = run.config, run.app, run.progress
    relay = _timed_relay_class()(app, CONTRACT, run.nats_url,
                                 batch_size=config.relay_batch_size,
                                 poll_interval_s=config.relay_poll_interval_s)
    if config.wake_relay:
        app.add_commit_listener(relay.wake)  # as run_service does
    stop_relay = asyncio.Event()
    relay_task = asyncio.create_task(relay.run(stop_relay), name="outbox-relay")
    consumer = _ConsumerProcess(run.nats_url, run.consumer_store, run.folder, config.log_level)
    per_s = commands_per_second(config.rate)
    try:
        with progress.phase("warm-up") as update:
            app.recording = True
            await asyncio.to_thread(_steady_commands, app, run.run_id, run.province_id,
                                    run.codes, per_s=per_s, seconds=WARMUP_COMMANDS / per_s,
                                    threads=1)
            warm = set(app.commits)
            app.recording = False
            app.commits.clear()
            deadline = time.monotonic() + 120
            while not warm.issubset(consumer.poll()):
                if time.monotonic() > deadline or relay_task.done():
                    if relay_task.done():
                        relay_task.result()
                    msg = f"the warm-up events were not applied in 120 s:\n{consumer.log_tail()}"
                    raise BenchError(msg)
                update(len(warm & consumer.applied.keys()), len(warm))
                await asyncio.sleep(0.1)

        cpu = CpuMeter(run.nats.process.pid)
        consumer_cpu0 = _cpu_s(consumer.pid)
        with progress.phase("commit -> applied") as update:
            app.recording = True
            cpu.start()
            load = asyncio.create_task(asyncio.to_thread(
                _steady_commands, app, run.run_id, run.province_id, run.codes,
                per_s=per_s, seconds=config.seconds, threads=config.producers))
            began = time.monotonic()
            while not load.done():
                update(min(time.monotonic() - began, config.seconds), config.seconds)
                consumer.poll()
                await asyncio.sleep(0.1)
            elapsed, commands, errors = await load
            app.recording = False
            used = cpu.stop(wall_s=elapsed)
            consumer_cpu = _cpu_s(consumer.pid) - consumer_cpu0
            used["consumer_pct"] = round(100 * consumer_cpu / elapsed, 1)
            published = len(app.commits)
            used["consumer_ms_per_event"] = (round(1000 * consumer_cpu / published, 3)
                                             if published else None)
        commits = dict(app.commits)
        with progress.phase("draining", total=len(commits)) as update:
            deadline = time.monotonic() + config.drain_timeout_s
            while time.monotonic() < deadline:
                remaining = commits.keys() - consumer.poll().keys()
                update(len(commits) - len(remaining), len(commits))
                if not remaining:
                    break
                await asyncio.sleep(0.1)
        applied_by_consumer = consumer.applied
        recovery: dict[str, Any] = {}
        if config.recovery_seconds > 0:
            consumer, recovery = await _recover_from_faults(run, consumer, per_s)
    finally:
        app.after_commit = None
        consumer.stop()
        stop_relay.set()
        await relay_task

    applied = {nid: a.committed for nid, a in applied_by_consumer.items() if nid in commits}
    result: dict[str, Any] = latency_figures({n: c[0] for n, c in commits.items()}, applied)
    from_event = latency_figures({n: c[1] for n, c in commits.items()}, applied)
    last_applied = max(applied.values(), default=0.0)
    first_commit = min((c[0] for c in commits.values()), default=0.0)
    result.update({
        "rate_target_per_s": config.rate,
        "rate_achieved_per_s": round(len(commits) / elapsed, 1) if elapsed else 0.0,
        "applied_per_s": round(len(applied) / (last_applied - first_commit), 1)
        if last_applied > first_commit else 0.0,
        "commands": commands,
        "from_event_timestamp": {"p50_ms": from_event["p50_ms"], "p99_ms": from_event["p99_ms"]},
    })
    if errors:
        result.update(errors=len(errors), first_error=errors[0])
    nc = await _connect(run.nats_url)
    try:
        seqs = [a.stream_seq for nid, a in applied_by_consumer.items() if nid in commits]
        stored = await _stored_times(nc, seqs)
    finally:
        await nc.close()
    by_nid = {nid: applied_by_consumer[nid] for nid in applied}
    stored_at = {nid: stored[a.stream_seq] for nid, a in by_nid.items() if a.stream_seq in stored}
    result["breakdown"] = {
        "commit_to_stored": _p(latency_figures({n: commits[n][0] for n in stored_at}, stored_at)),
        "stored_to_handler": _p(latency_figures(stored_at,
                                                {n: by_nid[n].began for n in stored_at})),
        "handler_to_committed": _p(latency_figures({n: a.began for n, a in by_nid.items()},
                                                   {n: a.committed for n, a in by_nid.items()})),
        "relay_passes": relay.passes,
    }
    cycles = sorted(busy_cycle_times(stored_at, {n: a.committed for n, a in by_nid.items()}))
    if cycles:
        median = percentile(cycles, 50)
        result["breakdown"]["consumer_busy_cycle"] = {
            "p50_ms": round(median * 1000, 3), "count": len(cycles),
            "max_per_s": round(1 / median, 1) if median > 0 else None}
    result["cpu"] = used
    if recovery:
        result["recovery"] = recovery
    return result


def _not_tracked(event_store: str, notification_ids: Sequence[int]) -> int:
    """How many of these events the consumer's store has no tracking record of."""
    from lienthong.events.consumer import tracking_recorded

    if not notification_ids:
        return 0
    app = _consumer_app_class()(event_store, schema="benchconsumer")
    try:
        return sum(1 for nid in notification_ids
                   if not tracking_recorded(app.recorder, SERVICE, nid))
    finally:
        app.close()


#: When, in a recovery phase, the fault happens.
FAULT_AFTER_S = 3.0


async def _recover_from_faults(run: _Run, consumer: _ConsumerProcess,
                               per_s: float) -> tuple[_ConsumerProcess, dict[str, Any]]:
    """The recovery phases (:mod:`.recovery`); returns the consumer running at the end."""
    box = [consumer]

    async def kill_consumer() -> None:
        killed = box[0]
        os.kill(killed.pid, signal.SIGKILL)
        await asyncio.to_thread(killed.process.wait)
        killed.stop()
        with killed.out.open("a") as out:
            out.write("\n")  # ends a line the killed process may have left half-written
        box[0] = _ConsumerProcess(run.nats_url, run.consumer_store, run.folder,
                                  run.config.log_level)

    async def restart_nats() -> None:
        await asyncio.to_thread(run.nats.restart)

    figures = {}
    for name, fault in (("consumer_killed", kill_consumer), ("nats_restarted", restart_nats)):
        figures[name] = await _fault_phase(run, name, box, per_s, fault)
    return box[0], figures


async def _fault_phase(run: _Run, name: str, box: list[_ConsumerProcess], per_s: float,
                       fault: Callable[[], Awaitable[None]]) -> dict[str, Any]:
    from .recovery import applied_counts, recovery_figures

    config, app = run.config, run.app
    seconds = max(config.recovery_seconds, FAULT_AFTER_S + 1)
    with run.progress.phase(f"recovery: {name.replace('_', ' ')}") as update:
        app.commits.clear()
        app.recording = True
        cpu = CpuMeter()  # the producer's process and the machine while it recovers
        cpu.start()
        load = asyncio.create_task(asyncio.to_thread(
            _steady_commands, app, run.run_id, run.province_id, run.codes,
            per_s=per_s, seconds=seconds, threads=config.producers))
        began = time.monotonic()
        fault_at = 0.0
        while not load.done():
            elapsed = time.monotonic() - began
            if not fault_at and elapsed >= FAULT_AFTER_S:
                fault_at = time.time()
                await fault()
            box[0].poll()
            update(min(elapsed, seconds), seconds)
            await asyncio.sleep(0.05)
        _, _, errors = await load
        app.recording = False
        used = cpu.stop()
    commits = {nid: times[0] for nid, times in app.commits.items()}
    deadline = time.monotonic() + config.drain_timeout_s
    while commits.keys() - box[0].poll().keys() and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    counts, first = applied_counts(box[0].out.read_text().splitlines())
    figures = recovery_figures(fault_at, commits, first, counts)
    # A process killed between its commit and its line: the tracking record tells.
    figures["lost"] = await asyncio.to_thread(
        _not_tracked, run.consumer_store, [nid for nid in commits if nid not in first])
    figures["cpu"] = used
    if errors:
        figures.update(producer_errors=len(errors), first_error=errors[0])
    return figures


def _p(figures: Mapping[str, Any]) -> dict[str, Any]:
    return {"p50_ms": figures["p50_ms"], "p99_ms": figures["p99_ms"]}


def _cpu_s(pid: int) -> float:
    from lienthong.tools.bench.common import _proc_cpu_s

    return _proc_cpu_s(pid)


async def _backlog_and_drain(run: _Run) -> tuple[dict[str, Any], dict[str, Any]]:
    from lienthong.services.identity.events import CONTRACT

    config, app, progress = run.config, run.app, run.progress
    commands = math.ceil(config.backlog / PUBLISHED_PER_COMMAND)
    after = app.recorder.max_notification_id() or 0
    with progress.phase("backlog write", total=commands) as update:
        began = time.perf_counter()
        await asyncio.to_thread(_write_backlog, app, run.run_id, run.province_id, run.codes,
                                commands, update)
        written_s = time.perf_counter() - began
    # The producer's read models took the backlog in and save snapshots of it in
    # threads: both measurements below start once they are done.
    await asyncio.to_thread(_snapshots_saved, config.drain_timeout_s)
    messages = await asyncio.to_thread(_raw_messages, app, after, commands * 2,
                                       config.relay_batch_size,
                                       f"LIENTHONG_{RAW_SERVICE.upper()}")
    raw: dict[str, Any] = {}
    for method in ("inbox_pipelined", "publish_async", "gather"):
        with progress.phase(f"raw {method}", total=len(messages)) as update:
            raw[method] = await _raw_publish(run.nats_url, messages, config.relay_batch_size,
                                             method, update)

    relay = _timed_relay_class()(app, CONTRACT, run.nats_url,
                                 batch_size=config.relay_batch_size,
                                 poll_interval_s=config.relay_poll_interval_s)
    nc = await _connect(run.nats_url)
    try:
        js = nc.jetstream()
        before = (await js.stream_info(STREAM)).state.messages
        await relay.connect()
        cpu = CpuMeter(run.nats.process.pid)
        with progress.phase("relay drain", total=len(messages)) as update:
            cpu.start()
            began = time.perf_counter()
            drain = asyncio.create_task(relay.publish_pending())
            while not drain.done():
                await asyncio.sleep(0.2)
                with contextlib.suppress(Exception):
                    now = (await js.stream_info(STREAM)).state.messages
                    update(float(now - before), float(len(messages)))
            published = await drain
            elapsed = time.perf_counter() - began
            used = cpu.stop(wall_s=elapsed)
    finally:
        await relay.close()
        await nc.close()
    relay_figures = {
        "max_per_s": round(published / elapsed, 1) if elapsed else 0.0,
        "count": published,
        "expected": len(messages),
        "elapsed_s": round(elapsed, 3),
        "read_and_encode_s": round(relay.read_s, 3),
        "publish_s": round(relay.publish_s, 3),
        "batches": relay.passes,
        "backlog_write_per_s": round(commands * 2 / written_s, 1) if written_s else 0.0,
        "cpu": used,
    }
    method, best = max(raw.items(), key=lambda item: item[1]["per_s"])
    count = max(len(messages), 1)
    raw_figures: dict[str, Any] = {
        "js_publish_per_s": best["per_s"], "method": method, "count": best["count"],
        "window": config.relay_batch_size, "client_cpu_pct": best["client_cpu_pct"],
        "message_bytes_avg": round(sum(len(m.data) for m in messages) / count, 1),
        "header_bytes_avg": round(sum(sum(len(k) + len(v) + 4 for k, v in m.headers.items())
                                      for m in messages) / count, 1),
        "headers_per_message": len(messages[0].headers) if messages else 0,
        "per_method_per_s": {name: figures["per_s"] for name, figures in raw.items()},
    }
    failed = {name: figures for name, figures in raw.items() if figures.get("errors")}
    if failed:
        raw_figures["errors"] = {name: f"{figures['errors']}: {figures['first_error']}"
                                 for name, figures in failed.items()}
    return relay_figures, raw_figures


def _snapshots_saved(timeout_s: float) -> None:
    """Until no read model of this process is saving a snapshot."""
    from lienthong.projection import SNAPSHOT_THREAD_SUFFIX

    deadline = time.monotonic() + timeout_s
    for thread in threading.enumerate():
        if thread.name.endswith(SNAPSHOT_THREAD_SUFFIX):
            thread.join(max(0.0, deadline - time.monotonic()))


async def _scenario(run: _Run) -> dict[str, Any]:
    from lienthong.services.identity.application import NewUnitSpec

    with _audit(run.run_id, PROVINCE_CODE):
        province = await asyncio.to_thread(
            run.app.register_unit, NewUnitSpec("Tỉnh Thử Nghiệm", "province",
                                               administrative_unit_code=PROVINCE_CODE),
            request_id=f"bench-{run.run_id}-province")
    run.province_id = str(province)
    commit_to_applied = await _commit_to_applied(run)
    relay, raw = await _backlog_and_drain(run)
    return {"commit_to_applied": commit_to_applied, "relay": relay, "raw": raw}


def _version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return ""


def run_events_bench(config: EventsBenchConfig, progress: PhaseProgress) -> dict[str, Any]:
    """Run the scenario and return its JSON figures."""
    from lienthong.logging import configure_logging
    from lienthong.natsbin import NatsServer

    if config.store not in ("postgres", "sqlite"):
        msg = f"--store must be postgres or sqlite, not {config.store!r}"
        raise BenchError(msg)
    commands = (math.floor(commands_per_second(config.rate)
                           * (config.seconds + 2 * config.recovery_seconds))
                + WARMUP_COMMANDS + math.ceil(config.backlog / PUBLISHED_PER_COMMAND))
    if commands > MAX_COMMUNE_CODES:
        msg = (f"{commands} communes would be registered; at most {MAX_COMMUNE_CODES} "
               "(lower --rate, --seconds or --backlog)")
        raise BenchError(msg)
    if config.store == "postgres":
        require_postgres(config.postgres_dsn)
        machine = machine_info(config.postgres_dsn)
    else:
        machine = {"cores": os.cpu_count(), "python": platform.python_version(),
                   "platform": platform.platform(terse=True),
                   "sqlite": sqlite3.sqlite_version, "nats_server": nats_server_version(),
                   "eventsourcing": _version("eventsourcing")}
    machine["nats_py"] = _version("nats-py")
    # Logs at warning on stderr (structlog's default would print on stdout).
    configure_logging("bench-events", level=config.log_level)
    os.environ.update(config.options)

    with contextlib.ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(
            prefix="lienthong-bench-events-")))
        with progress.phase("starting nats, store") as update:
            nats = NatsServer(folder / "nats").start()
            stack.callback(nats.stop)
            if config.store == "postgres":
                producer_db = stack.enter_context(
                    BenchDatabase(config.postgres_dsn, prefix="lienthong_bench_events_identity"))
                consumer_db = stack.enter_context(
                    BenchDatabase(config.postgres_dsn, prefix="lienthong_bench_events_consumer"))
                producer_store, consumer_store = producer_db.dsn, consumer_db.dsn
            else:
                producer_store = f"sqlite:///{folder / 'identity.db'}"
                consumer_store = f"sqlite:///{folder / 'consumer.db'}"
            app = _producer_app(producer_store)
            stack.callback(app.close)
            update(1, 1)
        assert nats.process is not None
        run = _Run(config, progress, app, nats.url, nats, consumer_store, folder)
        figures = asyncio.run(_scenario(run))

    c2a, relay, raw = figures["commit_to_applied"], figures["relay"], figures["raw"]
    ratio = round(relay["max_per_s"] / raw["js_publish_per_s"], 3) \
        if raw["js_publish_per_s"] else None
    return {
        "scenario": "events",
        "commit_to_applied": c2a,
        "relay": relay,
        "raw": raw,
        "ratios": {"relay_vs_raw": ratio},
        "targets": {
            "commit_to_applied_p99_under_50ms": met(c2a["p99_ms"] if c2a["count"] else None,
                                                    50.0, below=True),
            "recovered_under_5s": all(phase["met"] for phase in c2a["recovery"].values())
            if c2a.get("recovery") else None,
            "relay_at_least_half_of_raw": met(ratio, 0.5, below=False),
        },
        "machine": machine,
        "config": {
            "store": config.store, "rate": config.rate, "seconds": config.seconds,
            "backlog": config.backlog, "producers": config.producers,
            "recovery_seconds": config.recovery_seconds, "fault_after_s": FAULT_AFTER_S,
            "relay": {"in_process": True, "batch_size": config.relay_batch_size,
                      "poll_interval_s": config.relay_poll_interval_s,
                      "woken_after_commit": config.wake_relay},
            "consumer": {"process": "separate", "max_ack_pending": 1,
                         "handler": "copy into a UnitCopy aggregate"},
            "published_per_command": PUBLISHED_PER_COMMAND,
            "commit_time": "wall clock when the transaction returned: producer in its "
                           "application's _notify (save() calls it right after the commit), "
                           "consumer at the end of the runner's _apply",
            "log_level": config.log_level,
            "options": dict(config.options),
        },
    }


if __name__ == "__main__":
    # Run under the module's own name, so that the consumer's event topics read
    # "lienthong.services.identity.benchmarks.events:UnitCopy...", not "__main__:...".
    import importlib

    importlib.import_module("lienthong.services.identity.benchmarks.events").consumer_main()
