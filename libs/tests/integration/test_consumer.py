"""The consumer runner against a real nats-server and a real event store.

Each test is a small story with a toy downstream application (``Counter``,
see consumer_process.py) fed by upstream CloudEvents published as the relay
publishes them. Waits are bounded; nothing is asserted about durations.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import nats
import pytest
from consumer_process import (
    CRASH_EXIT_CODE,
    STORES,
    STREAM,
    TRACE_ID,
    UNKNOWN,
    UPSTREAM,
    CounterApp,
    ce_id,
    counter_id,
    create_stream,
    event_store_url,
    eventually,
    make_handlers,
    publish,
    running,
)

from lienthong.events.consumer import ConsumerRunner, tracking_recorded

HERE = Path(__file__).parent
async def consumer_ack_floor(js, durable: str = "counter") -> int:
    return (await js.consumer_info(STREAM, durable)).ack_floor.stream_seq


async def acked_up_to(js, seq: int) -> bool:
    return await consumer_ack_floor(js) >= seq


@pytest.mark.parametrize("store", STORES)
async def test_events_are_applied_once_each_in_order(store, nats_server, tmp_path, request):
    app = CounterApp(event_store_url(store, tmp_path, request))
    nc = await nats.connect(nats_server.url)
    js = nc.jetstream()
    await create_stream(js)
    expected: dict[str, list[str]] = {"a": [], "b": [], "c": []}
    for n in range(1, 31):  # three aggregates, interleaved irregularly
        key = "abcacbbca"[n % 9]
        await publish(js, n, key)
        expected[key].append(ce_id(n))
    await publish(js, 31, "a", ce_type=UNKNOWN)  # nobody here handles it

    runner = ConsumerRunner(app, nats_url=nats_server.url, stream=STREAM, durable="counter",
                            handlers=make_handlers(), ack_wait_s=5)
    async with running(runner) as task:
        for n in range(32, 41):  # and more while it runs
            await publish(js, n, "b")
            expected["b"].append(ce_id(n))
        await eventually(lambda: tracking_recorded(app.recorder, UPSTREAM, 40),
                         what="notification 40 tracked", task=task)

    for key, ids in expected.items():
        assert app.applied(key) == ids
    # The unknown type moved the position on, with no effect.
    assert tracking_recorded(app.recorder, UPSTREAM, 31)
    assert app.recorder.max_tracking_id(UPSTREAM) == 40
    notifications = app.recorder.select_notifications(start=1, limit=1000)
    assert len(notifications) == 3 + 39  # three counters created, 39 events applied
    # Who caused it: the upstream event, on the trace that carried it.
    last = list(app.events.get(counter_id("b")))[-1]
    assert last.metadata["causation_id"] == ce_id(40)
    assert last.metadata["trace_id"] == TRACE_ID
    info = await js.consumer_info(STREAM, "counter")
    assert (info.num_pending, info.num_ack_pending) == (0, 0)
    await nc.close()
    app.close()


async def test_a_redelivered_message_changes_nothing(nats_server, tmp_path):
    app = CounterApp(f"sqlite:///{tmp_path / 'counter.db'}")
    nc = await nats.connect(nats_server.url)
    js = nc.jetstream()
    await create_stream(js)
    for n in (1, 2, 3):
        await publish(js, n, "a")
    # The same upstream event published again under another message id (a
    # relay that lost its position): the stream holds it twice.
    again = await publish(js, 2, "a", msg_id="toyup-2-republished")
    assert not again.duplicate
    last = await publish(js, 4, "a")

    runner = ConsumerRunner(app, nats_url=nats_server.url, stream=STREAM, durable="counter",
                            handlers=make_handlers(), ack_wait_s=5)
    async with running(runner) as task:
        await eventually(lambda: tracking_recorded(app.recorder, UPSTREAM, 4),
                         what="notification 4 tracked", task=task)
    assert await consumer_ack_floor(js) == last.seq
    assert app.applied("a") == [ce_id(1), ce_id(2), ce_id(3), ce_id(4)]

    # Once more, to a runner started afresh on the same durable.
    late = await publish(js, 3, "a", msg_id="toyup-3-republished")
    async with running(runner) as task:
        await eventually(lambda: acked_up_to(js, late.seq),
                         what="the late copy acknowledged", task=task)
    assert app.applied("a") == [ce_id(1), ce_id(2), ce_id(3), ce_id(4)]
    await nc.close()
    app.close()


@pytest.mark.parametrize("store", STORES)
async def test_a_consumer_killed_between_commit_and_ack_applies_each_event_once(
        store, nats_server, tmp_path, request):
    url = event_store_url(store, tmp_path, request)
    nc = await nats.connect(nats_server.url)
    js = nc.jetstream()
    await create_stream(js)
    for n in range(1, 9):
        await publish(js, n, "ab"[n % 2])
    # An ack wait of an hour: the successor gets the held message only by taking it back.
    env = {**os.environ, "LT_NATS_URL": nats_server.url, "LT_EVENT_STORE": url,
           "LT_ACK_WAIT": "3600"}

    # First life: dies right after committing notification 5, before acking it.
    first_log = tmp_path / "first.log"
    with first_log.open("wb") as log:
        first = subprocess.Popen(
            [sys.executable, str(HERE / "consumer_process.py")], stderr=log,
            env={**env, "LT_CRASH_AFTER_COMMIT": ce_id(5)})
        returncode = await asyncio.to_thread(first.wait, 60)
    assert returncode == CRASH_EXIT_CODE, first_log.read_text()
    app = CounterApp(url)
    assert tracking_recorded(app.recorder, UPSTREAM, 5)
    assert not tracking_recorded(app.recorder, UPSTREAM, 6)
    assert await consumer_ack_floor(js) == 4  # 5 is committed but was never acked

    # Second life: takes 5 back from the dead holder, finds it applied, carries on.
    second_log = tmp_path / "second.log"
    with second_log.open("wb") as log:
        second = subprocess.Popen([sys.executable, str(HERE / "consumer_process.py")],
                                  stderr=log, env=env)
        try:
            await eventually(lambda: tracking_recorded(app.recorder, UPSTREAM, 8)
                             or second.poll() is not None,
                             what="notification 8 tracked by the restarted consumer")
        finally:
            second.send_signal(signal.SIGTERM)
            returncode = await asyncio.to_thread(second.wait, 30)
    assert returncode == 0, second_log.read_text()

    assert app.applied("b") == [ce_id(1), ce_id(3), ce_id(5), ce_id(7)]
    assert app.applied("a") == [ce_id(2), ce_id(4), ce_id(6), ce_id(8)]
    lines = [json.loads(line) for line in second_log.read_text().splitlines()
             if line.startswith("{")]
    taken_back = [x for x in lines if x["event"] == "held_delivery_taken_back"]
    assert [(x["durable"], x["held"]) for x in taken_back] == [("counter", 1)]
    redelivered = [x for x in lines if x.get("ce_id") == ce_id(5)]
    assert [x["event"] for x in redelivered] == ["event_already_applied"]
    assert redelivered[0]["delivered"] == 1  # the reset counts deliveries afresh
    assert await consumer_ack_floor(js) == 8
    await nc.close()
    app.close()


async def test_a_consumer_carries_on_after_nats_lost_its_data(nats_server, tmp_path, request):
    import shutil

    app = CounterApp(event_store_url("sqlite", tmp_path, request))
    nc = await nats.connect(nats_server.url, reconnect_time_wait=0.2)
    js = nc.jetstream()
    await create_stream(js)
    for n in range(1, 4):
        await publish(js, n, "a")
    runner = ConsumerRunner(app, nats_url=nats_server.url, stream=STREAM, durable="counter",
                            handlers=make_handlers(), ack_wait_s=5, fetch_wait_s=0.2)
    async with running(runner) as task:
        await eventually(lambda: tracking_recorded(app.recorder, UPSTREAM, 3),
                         what="notification 3 tracked", task=task)

        # The server comes back with nothing: no stream, no durable, no position.
        nats_server.kill()
        shutil.rmtree(nats_server.store_dir)
        nats_server.start()
        for _ in range(100):  # the test's own connection reconnects too
            try:
                await create_stream(js)
                break
            except Exception:  # not reconnected yet
                await asyncio.sleep(0.1)
        # The upstream relay republishes its whole log, then carries on.
        for n in range(1, 6):
            await publish(js, n, "a")
        await eventually(lambda: tracking_recorded(app.recorder, UPSTREAM, 5),
                         what="notification 5 tracked after NATS lost its data", task=task)

    assert app.applied("a") == [ce_id(n) for n in range(1, 6)]
    await nc.close()
