"""Poison events: finite redelivery, the dead-letter stream, and its replay.

Real nats-server, real SQLite or PostgreSQL; waits are bounded, nothing is
asserted about durations.
"""

from __future__ import annotations

import nats
import pytest
from consumer_process import (
    INCREMENTED,
    STORES,
    STREAM,
    UPSTREAM,
    CounterApp,
    ce_id,
    create_stream,
    event_store_url,
    eventually,
    make_handlers,
    publish,
    running,
)
from eventsourcing.persistence import Tracking

from lienthong.events import dlq
from lienthong.events.consumer import ConsumerRunner, TrackingApplication, tracking_recorded
from lienthong.eventstore import ServiceApplication


def runner_for(app, url: str, broken: set[str]) -> ConsumerRunner:
    return ConsumerRunner(app, nats_url=url, stream=STREAM, durable="counter",
                          handlers=make_handlers(broken), max_deliver=3,
                          backoff_s=(0.05, 0.1), ack_wait_s=5)


@pytest.mark.parametrize("store", STORES)
async def test_a_poison_event_is_dead_lettered_then_replayed_once(
        store, nats_server, tmp_path, request):
    app = CounterApp(event_store_url(store, tmp_path, request))
    nc = await nats.connect(nats_server.url)
    js = nc.jetstream()
    await create_stream(js)
    for n in range(1, 7):
        await publish(js, n, "a")
    broken = {ce_id(3)}  # the handler cannot apply notification 3
    applied_without_3 = [ce_id(n) for n in (1, 2, 4, 5, 6)]

    async with running(runner_for(app, nats_server.url, broken)) as task:
        # The consumer gives up on 3 after three deliveries and moves on.
        await eventually(lambda: tracking_recorded(app.recorder, UPSTREAM, 6),
                         what="notification 6 tracked", task=task)
        assert app.applied("a") == applied_without_3
        assert not tracking_recorded(app.recorder, UPSTREAM, 3)

        [letter] = await dlq.list_dead_letters(js, "counter")
        assert (letter.consumer, letter.ce_id, letter.ce_type) == ("counter", ce_id(3),
                                                                    INCREMENTED)
        assert letter.reason == dlq.REASON_MAX_DELIVER
        assert letter.deliveries == 3
        assert letter.error == "RuntimeError: cannot apply toyup-3: số liệu không hợp lệ"
        assert (letter.origin_stream, letter.notification_id) == (STREAM, "3")
        assert letter.time
        assert await dlq.list_dead_letters(js) == [letter]
        assert await dlq.list_dead_letters(js, "someone-else") == []

        # Replayed before the fix: it fails again and is dead-lettered anew,
        # with its new verdict and its origin; the old letter is gone.
        await dlq.replay(js, letter.seq, timeout_s=30)
        [again] = await dlq.list_dead_letters(js, "counter")
        assert again.seq != letter.seq
        assert (again.ce_id, again.reason) == (ce_id(3), dlq.REASON_REPLAY_FAILED)
        assert (again.origin_stream, again.origin_seq) == (STREAM, letter.origin_seq)
        assert app.applied("a") == applied_without_3

        # The fix, then the replay: applied once, after the others (the order
        # of this aggregate is broken by the poison path, as documented).
        broken.clear()
        [replayed] = await dlq.replay(js, again.seq, timeout_s=30)
        assert replayed.ce_id == ce_id(3)
        assert app.applied("a") == [*applied_without_3, ce_id(3)]
        assert tracking_recorded(app.recorder, UPSTREAM, 3)
        assert await dlq.list_dead_letters(js) == []

        # Replaying it again: it is no longer a dead letter.
        with pytest.raises(dlq.DeadLetterNotFoundError):
            await dlq.replay(js, again.seq)
        # A duplicate dead letter (as a crash before its deletion leaves one),
        # replayed: found applied, acknowledged, deleted; no effect.
        headers = {k: v for k, v in again.headers.items() if not k.lower().startswith("nats-")}
        await js.publish(dlq.dead_letter_subject("counter"), again.data,
                         headers={**headers, "Nats-Msg-Id": "a-duplicate-letter"})
        assert [x.ce_id for x in await dlq.replay(js, "all", timeout_s=30)] == [ce_id(3)]
        assert await dlq.list_dead_letters(js) == []
        assert app.applied("a") == [*applied_without_3, ce_id(3)]

        # And the consumer carries on.
        await publish(js, 7, "a")
        await eventually(lambda: tracking_recorded(app.recorder, UPSTREAM, 7),
                         what="notification 7 tracked", task=task)
    assert app.applied("a") == [*applied_without_3, ce_id(3), ce_id(7)]
    await nc.close()
    app.close()


async def test_a_message_that_is_not_a_trackable_cloudevent_is_dead_lettered_at_once(
        nats_server, tmp_path):
    app = CounterApp(f"sqlite:///{tmp_path / 'counter.db'}")
    nc = await nats.connect(nats_server.url)
    js = nc.jetstream()
    await create_stream(js)
    await publish(js, 1, "a")
    await js.publish("lienthong.toyup.counter.Incremented", b"?",
                     headers={"ce-id": "toyup-x", "ce-type": INCREMENTED,
                              "ce-source": "//lienthong.vn/toyup"})
    await publish(js, 2, "a")
    async with running(runner_for(app, nats_server.url, set())) as task:
        await eventually(lambda: tracking_recorded(app.recorder, UPSTREAM, 2),
                         what="notification 2 tracked", task=task)
    [letter] = await dlq.list_dead_letters(js, "counter")
    assert (letter.ce_id, letter.reason, letter.deliveries) == ("toyup-x",
                                                                 dlq.REASON_MALFORMED, 1)
    assert "ce-notificationid" in letter.error
    assert app.applied("a") == [ce_id(1), ce_id(2)]
    await nc.close()
    app.close()


def test_tracking_that_could_drop_a_replayed_event_is_refused(tmp_path):
    class SingleRow(ServiceApplication):  # a process recorder, default single-row tracking
        def construct_recorder(self):
            return self.factory.process_recorder()

    def runner(app):
        return ConsumerRunner(app, nats_url="nats://127.0.0.1:1", stream=STREAM,
                              durable="counter", handlers=make_handlers())

    with pytest.raises(TypeError, match="no tracking records"):
        runner(ServiceApplication(f"sqlite:///{tmp_path / 'plain.db'}"))
    with pytest.raises(ValueError, match="SINGLE_ROW_TRACKING=n"):
        runner(SingleRow(f"sqlite:///{tmp_path / 'single.db'}"))
    with pytest.raises(TypeError, match="high-water mark"):
        runner(TrackingApplication("memory:"))

    # Why the runner asks tracking_recorded and not has_tracking_id: with
    # multi-row tracking an older position can still be recorded after a newer
    # one, but has_tracking_id compares with the maximum.
    app = CounterApp(f"sqlite:///{tmp_path / 'multi.db'}")
    app.recorder.insert_tracking(Tracking(UPSTREAM, 12))
    assert app.recorder.has_tracking_id(UPSTREAM, 11)
    assert not tracking_recorded(app.recorder, UPSTREAM, 11)
    app.recorder.insert_tracking(Tracking(UPSTREAM, 11))
    assert tracking_recorded(app.recorder, UPSTREAM, 11)


async def test_the_cli_says_when_a_replay_failed_again_and_when_it_was_applied(
        nats_server, tmp_path, request):
    import asyncio
    import json
    import subprocess
    import sys

    app = CounterApp(event_store_url("sqlite", tmp_path, request))
    nc = await nats.connect(nats_server.url)
    js = nc.jetstream()
    await create_stream(js)
    await publish(js, 1, "a")
    broken = {ce_id(1)}

    def replay_all() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "lienthong.tools.cli.main", "events", "dlq", "replay", "--all",
             "--wait", "30", "--json", "--nats-url", nats_server.url],
            capture_output=True, text=True, timeout=60, check=False)

    async with running(runner_for(app, nats_server.url, broken)):
        for _ in range(300):  # at most 15 s for three deliveries and the dead letter
            if await dlq.list_dead_letters(js, "counter"):
                break
            await asyncio.sleep(0.05)
        assert [x.ce_id for x in await dlq.list_dead_letters(js, "counter")] == [ce_id(1)]

        failed = await asyncio.to_thread(replay_all)
        assert failed.returncode == 1, failed.stderr
        assert [x["ce_id"] for x in json.loads(failed.stdout)["failed_again"]] == [ce_id(1)]

        broken.clear()
        applied = await asyncio.to_thread(replay_all)
        assert applied.returncode == 0, applied.stderr
        assert json.loads(applied.stdout)["failed_again"] == []
        assert app.applied("a") == [ce_id(1)]
    await nc.close()
