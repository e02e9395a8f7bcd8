"""The outbox relay against a real nats-server and real event stores.

Every test ends with the same proof: the notification ids on the stream,
in stream order, are exactly the ids of the contract's events in the
notification log. Nothing lost, nothing twice, nothing out of order.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import nats
import psycopg
import pytest
import structlog
from psycopg import sql

from lienthong.audit import audit_scope
from lienthong.events.envelope import NOTIFICATION_ID_HEADER, Envelope
from lienthong.events.jetstream import ensure_stream
from lienthong.events.relay import OutboxRelay
from lienthong.idempotency import RequestRecord
from lienthong.identity.v1 import events_pb2 as ev
from lienthong.services.identity.application import (
    DivisionTarget,
    IdentityApplication,
    NewUnitSpec,
)
from lienthong.services.identity.domain.unit import Unit
from lienthong.services.identity.events import CONTRACT
from lienthong.testing.nats import NatsServer

STREAM = "LIENTHONG_IDENTITY"
REFORM = dt.date(2025, 7, 1)
HELPER = Path(__file__).with_name("relay_process.py")
TRACE_ID = "0af7651916cd43dd8448eb211c80319c"


# -- writing events -----------------------------------------------------------

def story(app: IdentityApplication, k: int) -> None:
    """Every kind of identity event, for province number k (10..99), with request ids."""
    p = f"{k:02d}"
    with audit_scope(actor="can-bo-007", actor_agency_code=f"000.00.00.A{p}", trace_id=TRACE_ID,
                     reason=f"Nghị quyết {k}/NQ-UBTVQH15"):
        province = str(app.register_unit(NewUnitSpec(
            f"Tỉnh {k}", "province", administrative_unit_code=p,
            agency_code=f"000.00.00.A{p}"), request_id=f"{k}-province"))
        a, b, c, d, e = (str(app.register_unit(NewUnitSpec(
            f"Xã {k}-{i}", "commune", administrative_unit_code=f"{p}{i:03d}",
            parent_id=province), request_id=f"{k}-commune-{i}")) for i in range(1, 6))
        app.rename_unit(a, f"Xã {k}-1 mới", request_id=f"{k}-rename")
        app.assign_agency_code(d, f"000.00.04.A{p}", effective_date=REFORM,
                               request_id=f"{k}-agency-code")
        app.merge_units([a, b], new_successor=NewUnitSpec(
            f"Xã {k}-ab", "commune", administrative_unit_code=f"{p}001", parent_id=province),
            effective_date=REFORM, request_id=f"{k}-merge")
        app.divide_unit(c, [DivisionTarget(unit_id=d, is_default=True),
                            DivisionTarget(new_unit=NewUnitSpec(
                                f"Xã {k}-6", "commune", administrative_unit_code=f"{p}006",
                                parent_id=province))],
                        effective_date=REFORM, request_id=f"{k}-divide")
        app.dissolve_unit(e, d, effective_date=REFORM, request_id=f"{k}-dissolve")


def bulk(app: IdentityApplication, units: int, *, per_save: int = 100) -> None:
    """Many Unit.Registered events fast, a request record (not published) in every save."""
    for start in range(0, units, per_save):
        batch: list[Any] = [
            Unit(display_name=f"Cơ quan {uuid.uuid4().hex[:8]}", level="agency", kind="agency",
                 administrative_unit_code="", agency_code="", parent_id=None, province_id=None,
                 effective_date=None, predecessor_ids=[], id=uuid.uuid4())
            for _ in range(min(per_save, units - start))]
        batch.append(RequestRecord(request_id=uuid.uuid4().hex, method="Bulk", fingerprint="",
                                   result={}))
        app.save(*batch)


def internal_only(app: IdentityApplication, count: int) -> None:
    """A run of events outside the contract."""
    for start in range(0, count, 100):
        app.save(*[RequestRecord(request_id=uuid.uuid4().hex, method="X", fingerprint="",
                                 result={}) for _ in range(min(100, count - start))])


def contract_ids(app: IdentityApplication) -> list[int]:
    """The notification ids the stream must hold, in order."""
    ids: list[int] = []
    start = 1
    while page := app.recorder.select_notifications(start=start, limit=1000):
        ids.extend(n.id for n in page if CONTRACT.route_topic(n.topic) is not None)
        start = page[-1].id + 1
    return ids


# -- reading the stream -------------------------------------------------------

async def stream_messages(url: str) -> list[Any]:
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        state = (await js.stream_info(STREAM)).state
        if not state.messages:
            return []
        messages: list[Any] = []
        seqs = list(range(state.first_seq, state.last_seq + 1))
        for i in range(0, len(seqs), 200):
            messages.extend(await asyncio.gather(*(js.get_msg(STREAM, s)
                                                   for s in seqs[i:i + 200])))
        return messages
    finally:
        await nc.close()


async def stream_count(url: str) -> int:
    nc = await nats.connect(url, connect_timeout=2, max_reconnect_attempts=0)
    try:
        return (await nc.jetstream().stream_info(STREAM)).state.messages
    finally:
        await nc.close()


async def wait_for_count(url: str, count: int, rounds: int = 600) -> int:
    """Poll the stream until it holds ``count`` messages (at most ``rounds`` polls)."""
    seen = -1
    for _ in range(rounds):
        with contextlib.suppress(Exception):
            seen = await stream_count(url)
            if seen >= count:
                return seen
        await asyncio.sleep(0.1)
    return seen


async def assert_exactly_once_in_order(url: str, app: IdentityApplication) -> list[Any]:
    messages = await stream_messages(url)
    on_stream = [int(m.headers[NOTIFICATION_ID_HEADER]) for m in messages]
    expected = contract_ids(app)
    assert len(on_stream) == len(set(on_stream)), "an event is on the stream twice"
    assert on_stream == expected
    assert [m.seq for m in messages] == list(range(1, len(messages) + 1))
    return messages


# -- the tests ----------------------------------------------------------------

@pytest.fixture
def sqlite_store(tmp_path: Path) -> str:
    return "sqlite:///" + str((tmp_path / "identity.db").resolve())


async def test_every_event_arrives_once_in_order_as_a_cloudevent(
        event_store_url: str, nats_server: NatsServer) -> None:
    app = IdentityApplication(event_store_url)
    relay = OutboxRelay(app, CONTRACT, nats_server.url, batch_size=7)
    try:
        await asyncio.to_thread(story, app, 11)
        with structlog.testing.capture_logs() as logs:
            published = await relay.publish_pending()
        expected = contract_ids(app)
        assert published == len(expected) > 0
        assert any(e["event"] == "relay_published"
                   and e["last_notification_id"] == app.recorder.max_notification_id()
                   for e in logs)
        messages = await assert_exactly_once_in_order(nats_server.url, app)
        names = set()
        for message in messages:
            notification_id = int(message.headers[NOTIFICATION_ID_HEADER])
            [notification] = app.recorder.select_notifications(start=notification_id, limit=1)
            domain_event = app.mapper.to_domain_event(notification)
            routed = CONTRACT.route(type(domain_event).__qualname__)
            assert routed is not None
            envelope = Envelope.from_message(message.headers, message.data)
            assert message.subject == CONTRACT.subject(routed)
            assert message.headers["Nats-Msg-Id"] == envelope.id == f"identity-{notification_id}"
            assert envelope.type == f"vn.lienthong.identity.v1.{routed.name}"
            assert envelope.source == "//lienthong.vn/identity"
            assert envelope.subject == str(domain_event.originator_id)
            assert envelope.time == domain_event.timestamp
            assert envelope.originatorversion == domain_event.originator_version
            assert envelope.traceparent.startswith(f"00-{TRACE_ID}-")
            assert message.headers["traceparent"] == envelope.traceparent
            body = getattr(ev, envelope.event_name).FromString(message.data)
            assert body == routed.build(domain_event)
            assert body.metadata.actor == "can-bo-007"
            names.add(envelope.event_name)
        assert names == {p.name for p in CONTRACT}  # the story has every kind of event

        assert await relay.publish_pending() == 0
        lag = await asyncio.to_thread(relay.lag)
        assert lag.recorded == app.recorder.max_notification_id() and lag.behind == 0

        await asyncio.to_thread(story, app, 12)
        assert await relay.publish_pending() == len(contract_ids(app)) - len(expected)
        await assert_exactly_once_in_order(nats_server.url, app)
    finally:
        await relay.close()
        app.close()


class SpyApp:
    """An application seen by a relay, recording where each read starts."""

    def __init__(self, app: IdentityApplication, *, up_to: int | None = None) -> None:
        self.app, self.up_to, self.starts = app, up_to, list[int]()
        self.mapper = app.mapper
        self.recorder = self

    def select_notifications(self, start: int, limit: int) -> Any:
        self.starts.append(start)
        page = self.app.recorder.select_notifications(start=start, limit=limit)
        return [n for n in page if self.up_to is None or n.id <= self.up_to]

    def max_notification_id(self) -> int | None:
        return self.app.recorder.max_notification_id()


async def test_a_long_run_of_unpublished_events(sqlite_store: str,
                                               nats_server: NatsServer) -> None:
    app = IdentityApplication(sqlite_store)
    spy = SpyApp(app)
    relay = OutboxRelay(spy, CONTRACT, nats_server.url, batch_size=100)
    fresh = OutboxRelay(app, CONTRACT, nats_server.url, batch_size=100)
    try:
        await asyncio.to_thread(story, app, 13)
        await relay.publish_pending()
        await asyncio.to_thread(internal_only, app, 450)
        end_of_run = app.recorder.max_notification_id()
        assert await relay.publish_pending() == 0
        assert (await asyncio.to_thread(relay.lag)).behind == 0
        # The relay remembers it is past the run: the next pass reads after it.
        spy.starts.clear()
        assert await relay.publish_pending() == 0
        assert spy.starts == [end_of_run + 1]
        # A new relay has only the stream's position: it reads the run again, publishes
        # nothing from it, and then both go on from the same place.
        assert await fresh.publish_pending() == 0
        assert (await asyncio.to_thread(fresh.lag)).behind == 0
        await asyncio.to_thread(story, app, 14)
        assert await relay.publish_pending() > 0
        assert await fresh.publish_pending() == 0
        await assert_exactly_once_in_order(nats_server.url, app)
    finally:
        await relay.close()
        await fresh.close()
        app.close()


def other_goes_first(relay: OutboxRelay, other: OutboxRelay, *, before_page: int) -> None:
    """Before ``relay`` publishes its page number ``before_page`` (of all its passes), ``other``
    publishes what it can."""
    publish, pages = relay._publish, 0

    async def publish_page(position: Any, read: Any) -> int:
        nonlocal pages
        pages += 1
        if pages == before_page:
            assert await other.publish_pending() > 0
        return await publish(position, read)

    relay._publish = publish_page  # type: ignore[method-assign]


async def test_a_relay_that_loses_the_race_moves_on(sqlite_store: str,
                                                   nats_server: NatsServer) -> None:
    app = IdentityApplication(sqlite_store)
    await asyncio.to_thread(story, app, 15)
    halfway = contract_ids(app)[len(contract_ids(app)) // 2]
    slow = OutboxRelay(app, CONTRACT, nats_server.url, batch_size=1000)
    fast = OutboxRelay(SpyApp(app, up_to=halfway), CONTRACT, nats_server.url, batch_size=3)
    # The slow relay has read the log and built its batch; the other relay stores the
    # first half of the same events before the batch goes out.
    other_goes_first(slow, fast, before_page=1)
    try:
        with structlog.testing.capture_logs() as logs:
            stored = await slow.publish_pending()
        assert any(e["event"] == "relay_lost_race" for e in logs)
        assert 0 < stored < len(contract_ids(app))
        await assert_exactly_once_in_order(nats_server.url, app)
        await asyncio.to_thread(story, app, 16)
        fast.app = app  # type: ignore[assignment]
        await asyncio.gather(slow.publish_pending(), fast.publish_pending())
        await assert_exactly_once_in_order(nats_server.url, app)
    finally:
        await slow.close()
        await fast.close()
        app.close()


async def test_between_its_pages_a_relay_trusts_its_position_until_refused(
        sqlite_store: str, nats_server: NatsServer) -> None:
    app = IdentityApplication(sqlite_store)
    await asyncio.to_thread(story, app, 17)
    relay = OutboxRelay(app, CONTRACT, nats_server.url, batch_size=4)
    other = OutboxRelay(app, CONTRACT, nats_server.url, batch_size=1000)
    await relay.connect()
    assert relay.js is not None
    asked, stream_info = [], relay.js.stream_info

    async def counted(*args: Any, **kwargs: Any) -> Any:
        asked.append(args)
        return await stream_info(*args, **kwargs)

    relay.js.stream_info = counted  # type: ignore[method-assign]
    other_goes_first(relay, other, before_page=2)  # it stores the whole log
    try:
        with structlog.testing.capture_logs() as logs:
            stored = await relay.publish_pending()
        # Its second page expected the sequence its first page ended at: refused, it
        # asked the stream again and found nothing left to publish.
        assert any(e["event"] == "relay_lost_race" for e in logs)
        assert 0 < stored < len(contract_ids(app))
        assert len(asked) == 2
        await assert_exactly_once_in_order(nats_server.url, app)
        # A pass of many pages, nobody else publishing, asks the stream once at most.
        await asyncio.to_thread(story, app, 18)
        asked.clear()
        assert await relay.publish_pending() > 2 * 4
        assert len(asked) <= 1
        await assert_exactly_once_in_order(nats_server.url, app)
        # A pass that finds nothing new in the log asks the stream where it stands, once.
        asked.clear()
        assert await relay.publish_pending() == 0
        assert len(asked) == 1
        # So a stream that lost its tail is refilled with no new event to publish.
        kept = await lose_the_tail(nats_server.url, keep=3)
        assert await relay.publish_pending() == len(contract_ids(app)) - len(kept)
        await assert_exactly_once_in_order(nats_server.url, app)
    finally:
        await relay.close()
        await other.close()
        app.close()


async def test_what_its_process_commits_the_relay_publishes_without_reading_the_log(
        sqlite_store: str, nats_server: NatsServer) -> None:
    app = IdentityApplication(sqlite_store)
    other_process = IdentityApplication(sqlite_store)  # another replica on the same store
    spy = SpyApp(app)
    relay = OutboxRelay(spy, CONTRACT, nats_server.url, batch_size=100)
    app.add_commit_listener(relay.wake)
    try:
        await asyncio.to_thread(story, app, 23)
        assert await relay.publish_pending() == len(contract_ids(app))
        assert spy.starts == []  # each commit handed its notifications over
        await assert_exactly_once_in_order(nats_server.url, app)

        # Another process commits in between: what this one hands over no longer follows
        # the relay's position, so the relay reads the log, and publishes both in order.
        await asyncio.to_thread(story, other_process, 24)
        await asyncio.to_thread(story, app, 25)
        assert await relay.publish_pending() > 0
        assert spy.starts != []
        await assert_exactly_once_in_order(nats_server.url, app)

        # Handed over and published, or read from the log: the same messages.
        spy.starts.clear()
        await asyncio.to_thread(story, app, 26)
        assert await relay.publish_pending() > 0
        assert spy.starts == []
        published = await stream_messages(nats_server.url)
        await refill_from_log(app, nats_server.url)
        assert [content(m) for m in published] == [
            content(m) for m in await stream_messages(nats_server.url)]
    finally:
        await relay.close()
        other_process.close()
        app.close()


def without_page_place(headers: dict[str, str]) -> dict[str, str]:
    """A message's headers but those of its place in a page (pages are cut where reads
    end; a message published again starts a chain of its own)."""
    return {k: v for k, v in headers.items() if not k.startswith("Nats-Expected")}


def content(message: Any) -> tuple[str, bytes, dict[str, str]]:
    return message.subject, message.data, without_page_place(message.headers)


async def lose_the_tail(url: str, *, keep: int) -> list[Any]:
    """The stream loses its tail (DenyPurge: deleted, re-created and refilled with its
    first ``keep`` messages, as a crash before fsync would leave it); the kept ones."""
    kept = (await stream_messages(url))[:keep]
    nc = await nats.connect(url)
    js = nc.jetstream()
    await js.delete_stream(STREAM)
    await ensure_stream(js, "identity")
    for message in kept:
        await js.publish(message.subject, message.data,
                         headers=without_page_place(message.headers))
    await nc.close()
    return kept


async def refill_from_log(app: IdentityApplication, url: str) -> None:
    """The stream deleted and published again by a new relay, which reads the whole log."""
    nc = await nats.connect(url)
    await nc.jetstream().delete_stream(STREAM)
    await nc.close()
    relay = OutboxRelay(app, CONTRACT, url)
    try:
        assert await relay.publish_pending() == len(contract_ids(app))
    finally:
        await relay.close()


def start_relay(store: str, url: str, *args: str, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen([sys.executable, str(HELPER), store, url, *args],
                                stdout=out, stderr=subprocess.STDOUT)


def stop(process: subprocess.Popen[bytes]) -> int:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    return process.wait(timeout=30)


async def wait_for_log(path: Path, text: str, rounds: int = 400) -> bool:
    for _ in range(rounds):
        if path.exists() and text in path.read_text():
            return True
        await asyncio.sleep(0.05)
    return False


@pytest.mark.postgres
async def test_two_relay_processes_and_concurrent_writers(
        postgres_dsn: str, nats_server: NatsServer, tmp_path: Path) -> None:
    app = IdentityApplication(postgres_dsn)
    logs = [tmp_path / f"relay-{i}.log" for i in range(2)]
    relays = [start_relay(postgres_dsn, nats_server.url, "--batch-size", "10", log=log)
              for log in logs]
    try:
        for log in logs:  # both relays are polling before the first event is written
            assert await wait_for_log(log, '"relay_position"'), log.read_text()

        def write(k: int) -> None:
            story(app, k)
            bulk(app, 150, per_save=3)
            story(app, k + 1)

        # Two writers at once (the PostgreSQL insert serialises them by a table lock),
        # while both relays publish.
        await asyncio.gather(*(asyncio.to_thread(write, k) for k in (20, 30)))
        expected = len(contract_ids(app))
        assert await wait_for_count(nats_server.url, expected) == expected
        assert [stop(r) for r in relays] == [0, 0]
        await assert_exactly_once_in_order(nats_server.url, app)
    finally:
        for process in relays:
            if process.poll() is None:
                process.kill()
        app.close()


async def test_kill_9_in_the_middle_of_a_batch(sqlite_store: str, nats_server: NatsServer,
                                               tmp_path: Path) -> None:
    app = IdentityApplication(sqlite_store)
    log = tmp_path / "relay.log"
    try:
        await asyncio.to_thread(bulk, app, 1200)
        # Dies after sending 700 messages: one batch of 500 acknowledged, 200 of the
        # next sent (and stored by the server) but their acknowledgements never read.
        dying = start_relay(sqlite_store, nats_server.url, "--die-after-sending", "700",
                            log=log)
        assert dying.wait(timeout=60) == -signal.SIGKILL
        assert 500 <= await stream_count(nats_server.url) <= 700

        # A relay killed from outside at whatever point it has reached.
        await asyncio.to_thread(bulk, app, 1500)
        before = await stream_count(nats_server.url)
        running = start_relay(sqlite_store, nats_server.url, "--batch-size", "100", log=log)
        assert await wait_for_count(nats_server.url, before + 1) > before
        os.kill(running.pid, signal.SIGKILL)
        assert running.wait(timeout=30) == -signal.SIGKILL

        again = start_relay(sqlite_store, nats_server.url, "--once", log=log)
        assert again.wait(timeout=60) == 0, log.read_text()[-2000:]
        await assert_exactly_once_in_order(nats_server.url, app)
    finally:
        app.close()


async def test_nats_restarts_while_events_are_written(sqlite_store: str,
                                                      nats_server: NatsServer) -> None:
    app = IdentityApplication(sqlite_store)
    relay = OutboxRelay(app, CONTRACT, nats_server.url, batch_size=50, poll_interval_s=0.05,
                        publish_timeout_s=2.0)
    stop_relay = asyncio.Event()
    with structlog.testing.capture_logs() as logs:
        task = asyncio.create_task(relay.run(stop_relay))
        try:
            for k in (40, 41):
                await asyncio.to_thread(story, app, k)
                await asyncio.to_thread(bulk, app, 200, per_save=10)
            nats_server.stop()  # an orderly restart
            await asyncio.to_thread(story, app, 42)
            nats_server.start()
            await asyncio.to_thread(bulk, app, 300, per_save=10)
            nats_server.kill()  # the process dies (its files are written, not synced)
            await asyncio.to_thread(story, app, 43)
            nats_server.start()
            await asyncio.to_thread(story, app, 44)
            expected = len(contract_ids(app))
            assert await wait_for_count(nats_server.url, expected) == expected
            stop_relay.set()
            await asyncio.wait_for(task, timeout=30)
            await assert_exactly_once_in_order(nats_server.url, app)
        finally:
            stop_relay.set()
            if not task.done():
                task.cancel()
            app.close()
    events = [e["event"] for e in logs]
    assert "nats_disconnected" in events and "nats_reconnected" in events


async def test_a_relay_stops_while_nats_is_down(sqlite_store: str,
                                                 nats_server: NatsServer) -> None:
    app = IdentityApplication(sqlite_store)
    nats_server.kill()
    relay = OutboxRelay(app, CONTRACT, nats_server.url, publish_timeout_s=2.0)
    stop_relay = asyncio.Event()
    task = asyncio.create_task(relay.run(stop_relay))
    try:
        await asyncio.sleep(0.3)  # the relay is trying to connect
        assert not task.done()
        stop_relay.set()
        await asyncio.wait_for(task, timeout=10)
    finally:
        if not task.done():
            task.cancel()
        app.close()


async def test_a_lost_stream_tail_is_republished(sqlite_store: str, nats_server: NatsServer,
                                                 tmp_path: Path) -> None:
    app = IdentityApplication(sqlite_store)
    relay = OutboxRelay(app, CONTRACT, nats_server.url, batch_size=40, poll_interval_s=0.05,
                        publish_timeout_s=2.0)
    stop_relay = asyncio.Event()
    task = asyncio.create_task(relay.run(stop_relay))
    try:
        await asyncio.to_thread(story, app, 50)
        await asyncio.to_thread(bulk, app, 200)
        expected = len(contract_ids(app))
        assert await wait_for_count(nats_server.url, expected) == expected

        # 1. The server comes back with an empty data folder: everything is republished.
        nats_server.kill()
        replacement = NatsServer(tmp_path / "fresh-nats", port=nats_server.port).start()
        try:
            with structlog.testing.capture_logs() as logs:
                assert await wait_for_count(replacement.url, expected) == expected
            assert any(e["event"] == "stream_missing" for e in logs)
            stop_relay.set()
            await asyncio.wait_for(task, timeout=30)
            await assert_exactly_once_in_order(replacement.url, app)

            # 2. The stream loses only its tail.
            kept = await lose_the_tail(replacement.url, keep=expected // 3)
            await asyncio.to_thread(story, app, 51)
            with structlog.testing.capture_logs() as logs:
                published = await relay.publish_pending()  # the same relay, reconnecting
            assert published == len(contract_ids(app)) - len(kept)
            assert any(e["event"] == "stream_behind_log" for e in logs)
            await assert_exactly_once_in_order(replacement.url, app)
        finally:
            await relay.close()
            replacement.kill()
    finally:
        stop_relay.set()
        if not task.done():
            task.cancel()
        app.close()


def make_a_hole(dsn: str) -> None:
    """Insert an event in a transaction that rolls back: its notification id is used up."""
    with psycopg.connect(dsn) as conn:
        [(schema, table)] = conn.execute(
            "SELECT table_schema, table_name FROM information_schema.columns "
            "WHERE column_name = 'notification_id' AND table_schema = 'identity'").fetchall()
        conn.execute(sql.SQL("INSERT INTO {}.{} (originator_id, originator_version, topic, "
                             "state) VALUES (%s, 1, 'rolled:Back', '\\x00')").format(
            sql.Identifier(schema), sql.Identifier(table)), (uuid.uuid4(),))
        conn.rollback()


@pytest.mark.postgres
async def test_a_hole_in_the_notification_ids_is_passed_after_the_gap_timeout(
        postgres_dsn: str, nats_server: NatsServer) -> None:
    app = IdentityApplication(postgres_dsn)
    patient = OutboxRelay(app, CONTRACT, nats_server.url, gap_timeout_s=3600,
                          gap_settled_after_s=3600)
    republisher = OutboxRelay(app, CONTRACT, nats_server.url, gap_timeout_s=3600,
                              gap_settled_after_s=0.0)
    try:
        await asyncio.to_thread(story, app, 60)
        before_hole = len(contract_ids(app))
        await asyncio.to_thread(make_a_hole, postgres_dsn)
        await asyncio.to_thread(story, app, 61)
        ids = [n.id for n in app.recorder.select_notifications(start=1, limit=10_000)]
        [hole] = sorted(set(range(1, ids[-1] + 1)) - set(ids))

        # Within the gap timeout the relay waits at the hole.
        assert await patient.publish_pending() == before_hole
        lag = await asyncio.to_thread(patient.lag)
        assert lag.relayed == hole - 1 and lag.behind > 0

        # Once it has waited long enough it moves past the hole, and says so.
        patient.gap_timeout_s = 0.2
        with structlog.testing.capture_logs() as logs:
            for _ in range(100):
                await patient.publish_pending()
                if (await asyncio.to_thread(patient.lag)).behind == 0:
                    break
                await asyncio.sleep(0.05)
        [warning] = [e for e in logs if e["event"] == "notification_gap_skipped"]
        assert warning["missing_from"] == warning["missing_to"] == hole
        assert warning["reason"] == "timeout" and warning["log_level"] == "warning"
        await assert_exactly_once_in_order(nats_server.url, app)

        # Republishing an old log passes a settled hole without waiting.
        nc = await nats.connect(nats_server.url)
        await nc.jetstream().delete_stream(STREAM)
        await nc.close()
        with structlog.testing.capture_logs() as logs:
            assert await republisher.publish_pending() == len(contract_ids(app))
        assert [e["reason"] for e in logs if e["event"] == "notification_gap_skipped"] == [
            "settled"]
        await assert_exactly_once_in_order(nats_server.url, app)
    finally:
        await patient.close()
        await republisher.close()
        app.close()


async def test_a_pass_cut_by_a_nats_restart_starts_again_when_nats_is_back(
        sqlite_store: str, nats_server: NatsServer) -> None:
    """Publishes sent just before the server went down wait for acks it will never send;
    the relay does not wait them out (here a publish timeout longer than the test's
    patience) but starts its pass again from the stream's position on reconnection."""
    app = IdentityApplication(sqlite_store)
    relay = OutboxRelay(app, CONTRACT, nats_server.url, batch_size=500, poll_interval_s=0.05,
                        publish_timeout_s=600.0)
    stop_relay = asyncio.Event()
    task = asyncio.create_task(relay.run(stop_relay))
    try:
        await asyncio.to_thread(story, app, 50)
        assert await wait_for_count(nats_server.url, len(contract_ids(app))) > 0
        await asyncio.to_thread(bulk, app, 3000, per_save=500)
        relay.wake()
        await asyncio.sleep(0.05)  # the relay is publishing the bulk
        nats_server.kill()
        nats_server.start()
        await asyncio.to_thread(story, app, 51)
        expected = len(contract_ids(app))
        assert await wait_for_count(nats_server.url, expected, rounds=300) == expected
        await assert_exactly_once_in_order(nats_server.url, app)
    finally:
        stop_relay.set()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(task, timeout=30)
        app.close()
