"""A toy downstream service for the consumer tests, and a process that runs it.

Imported by the tests (the ``Counter`` application, its handlers, a publisher
of upstream CloudEvents), and run as a subprocess by the crash test::

    LT_NATS_URL=... LT_EVENT_STORE=sqlite:////tmp/x.db LT_STREAM=LIENTHONG_TOYUP \\
    LT_DURABLE=counter LT_CRASH_AFTER_COMMIT=toyup-5 python consumer_process.py

``LT_CRASH_AFTER_COMMIT`` names the ce-id after whose commit, and before
whose ack, the process dies (``os._exit``: no cleanup, no ack, as kill -9).
SIGTERM stops it gracefully.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import inspect
import os
import signal
import sys
from typing import TYPE_CHECKING, Any

import pytest
from eventsourcing.domain import event
from google.protobuf.wrappers_pb2 import StringValue
from nats.js.api import StorageType, StreamConfig

from lienthong.events.consumer import ConsumerRunner, Handlers, TrackingApplication
from lienthong.eventstore import AuditedAggregate, derived_id
from lienthong.logging import configure_logging

if TYPE_CHECKING:
    from pathlib import Path
    from uuid import UUID

    from nats.js import JetStreamContext

UPSTREAM = "toyup"
STREAM = "LIENTHONG_TOYUP"
INCREMENTED = "vn.lienthong.toyup.v1.Incremented"
UNKNOWN = "vn.lienthong.toyup.v1.SomethingElse"
CRASH_EXIT_CODE = 86
TRACE_ID = "0af7651916cd43dd8448eb211c80319c"


def counter_id(key: str) -> UUID:
    return derived_id("counter", key)


class Counter(AuditedAggregate):
    """Remembers which upstream events it applied, in the order it applied them."""

    @staticmethod
    def create_id(key: str) -> UUID:
        return counter_id(key)

    @event("Created")
    def __init__(self, key: str) -> None:
        self.key = key
        self.applied: list[str] = []

    @event("Applied")
    def apply(self, ce_id: str, value: str) -> None:
        self.applied.append(ce_id)


class CounterApp(TrackingApplication):
    service_name = "counter"

    def applied(self, key: str) -> list[str]:
        cid = counter_id(key)
        return self.repository.get(cid).applied if self.exists(cid) else []


def make_handlers(broken: set[str] | None = None) -> Handlers:
    """The handlers; those in ``broken`` (ce-ids) raise, until removed from the set."""
    handlers = Handlers()

    @handlers.on(INCREMENTED)
    def incremented(app: CounterApp, message: Any, processing: Any) -> None:
        if broken and message.id in broken:
            msg = f"cannot apply {message.id}: số liệu không hợp lệ"
            raise RuntimeError(msg)
        value = message.decode(StringValue).value
        cid = counter_id(message.subject)
        counter = app.repository.get(cid) if app.exists(cid) else Counter(message.subject)
        counter.apply(message.id, value)
        processing.collect_events(counter)

    return handlers


async def create_stream(js: JetStreamContext, service: str = UPSTREAM) -> None:
    await js.add_stream(StreamConfig(name=f"LIENTHONG_{service.upper()}",
                                     subjects=[f"lienthong.{service}.>"],
                                     storage=StorageType.FILE))


def ce_id(notification_id: int, service: str = UPSTREAM) -> str:
    return f"{service}-{notification_id}"


async def publish(js: JetStreamContext, notification_id: int, key: str, *,
                  ce_type: str = INCREMENTED, msg_id: str | None = None,
                  service: str = UPSTREAM, headers: dict[str, str] | None = None) -> Any:
    """Publish an upstream event as the relay does (CloudEvents binary mode)."""
    ident = ce_id(notification_id, service)
    all_headers = {
        "ce-specversion": "1.0",
        "ce-id": ident,
        "ce-source": f"//lienthong.vn/{service}",
        "ce-type": ce_type,
        "ce-subject": key,
        "ce-time": dt.datetime.now(dt.UTC).isoformat().replace("+00:00", "Z"),
        "content-type": "application/protobuf",
        "ce-notificationid": str(notification_id),
        "traceparent": f"00-{TRACE_ID}-{notification_id:016x}-01",
        "Nats-Msg-Id": msg_id or ident,
        **(headers or {}),
    }
    event_name = ce_type.rsplit(".", 1)[-1]
    data = StringValue(value=f"value of {ident}").SerializeToString()
    return await js.publish(f"lienthong.{service}.counter.{event_name}", data,
                            headers=all_headers)


# -- for the tests ---------------------------------------------------------------

STORES = [pytest.param("sqlite"), pytest.param("postgres", marks=pytest.mark.postgres)]


def event_store_url(store: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if store == "sqlite":
        return f"sqlite:///{tmp_path / 'counter.db'}"
    return request.getfixturevalue("postgres_dsn")


async def eventually(condition, *, what: str, task: asyncio.Task | None = None,
                     timeout: float = 30.0) -> None:
    """Wait (bounded) until ``condition()`` holds; fail early if the runner died."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await _holds(condition):
        if task is not None and task.done():
            task.result()
            pytest.fail(f"the runner stopped before: {what}")
        if loop.time() > deadline:
            pytest.fail(f"never happened: {what}")
        await asyncio.sleep(0.05)


async def _holds(condition) -> bool:
    result = condition()
    return bool(await result if inspect.isawaitable(result) else result)


@contextlib.asynccontextmanager
async def running(runner: ConsumerRunner):
    stop = asyncio.Event()
    task = asyncio.create_task(runner.run(stop))
    try:
        yield task
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)


class CrashingRunner(ConsumerRunner):
    """Dies right after the commit of one event, before its ack."""

    crash_after: str = ""

    def on_committed(self, event: Any) -> None:
        if event.id == self.crash_after:
            sys.stderr.flush()
            os._exit(CRASH_EXIT_CODE)


async def main() -> None:
    configure_logging("counter")
    env = os.environ
    app = CounterApp(env["LT_EVENT_STORE"])
    runner = CrashingRunner(
        app, nats_url=env["LT_NATS_URL"], stream=env.get("LT_STREAM", STREAM),
        durable=env.get("LT_DURABLE", "counter"), handlers=make_handlers(),
        ack_wait_s=float(env.get("LT_ACK_WAIT", "30")), backoff_s=(0.1, 0.2),
    )
    runner.crash_after = env.get("LT_CRASH_AFTER_COMMIT", "")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    try:
        await runner.run(stop)
    finally:
        with contextlib.suppress(Exception):
            app.close()


if __name__ == "__main__":
    # Run the module under its own name, so that event topics read
    # "consumer_process:Counter...", as they do in the tests, not "__main__:...".
    import consumer_process

    asyncio.run(consumer_process.main())
