"""A runner that starts while the durable's one delivery is held takes it back at once.

The holder may be dead (killed before its ack: see test_consumer.py) or alive, another
replica still at work on the message. This story is about the live holder: the message
is then handled twice, and it must still be applied once, in order.
"""

from __future__ import annotations

import asyncio
import threading
from collections import Counter

import nats
import pytest
from consumer_process import (
    INCREMENTED,
    STREAM,
    UPSTREAM,
    CounterApp,
    ce_id,
    create_stream,
    eventually,
    make_handlers,
    publish,
    running,
)

from lienthong.events.consumer import ConsumerRunner, Handlers, tracking_recorded

#: Long enough that nothing in this story is redelivered for its ack wait.
AN_HOUR_S = 3600


def counted_handlers(calls: Counter[str], *, held_id: str = "",
                     entered: threading.Event | None = None,
                     release: threading.Event | None = None) -> Handlers:
    """The counter's handlers, counting their calls per ce-id; ``held_id`` waits for
    ``release``."""
    apply = make_handlers().get(INCREMENTED)
    assert apply is not None
    handlers = Handlers()

    @handlers.on(INCREMENTED)
    def incremented(app, message, processing) -> None:
        calls[message.id] += 1
        if message.id == held_id and entered and release:
            entered.set()
            release.wait(60)
        apply(app, message, processing)

    return handlers


@pytest.mark.postgres
async def test_a_replica_starting_beside_a_busy_one_applies_each_event_once_in_order(
        nats_server, postgres_dsn):
    nc = await nats.connect(nats_server.url)
    js = nc.jetstream()
    await create_stream(js)
    for n in range(1, 6):
        await publish(js, n, "a")
    first_app, second_app = CounterApp(postgres_dsn), CounterApp(postgres_dsn)
    entered, release = threading.Event(), threading.Event()
    calls: Counter[str] = Counter()
    first = ConsumerRunner(first_app, nats_url=nats_server.url, stream=STREAM,
                           durable="counter", ack_wait_s=AN_HOUR_S,
                           handlers=counted_handlers(calls, held_id=ce_id(1),
                                                     entered=entered, release=release))
    second = ConsumerRunner(second_app, nats_url=nats_server.url, stream=STREAM,
                            durable="counter", handlers=counted_handlers(calls),
                            ack_wait_s=AN_HOUR_S)

    async with running(first) as first_task:
        assert await asyncio.to_thread(entered.wait, 30), "the first replica never got 1"
        async with running(second) as second_task:
            # The second replica's standing request is up: it reset the durable first.
            await eventually(lambda: waiting_requests(js, at_least=2),
                             what="both replicas pulling", task=second_task)
            release.set()  # the first replica's handler carries on with 1
            await eventually(lambda: tracking_recorded(first_app.recorder, UPSTREAM, 5),
                             what="notification 5 tracked", task=first_task)

    # 1 was taken back while held, so handled twice (by whichever replica it went to),
    # and applied once; the others once each.
    assert calls == {ce_id(1): 2, **{ce_id(n): 1 for n in range(2, 6)}}
    assert first_app.applied("a") == [ce_id(n) for n in range(1, 6)]
    info = await js.consumer_info(STREAM, "counter")
    assert (info.ack_floor.stream_seq, info.num_ack_pending) == (5, 0)
    await nc.close()
    first_app.close()
    second_app.close()


async def waiting_requests(js, *, at_least: int) -> bool:
    return (await js.consumer_info(STREAM, "counter")).num_waiting >= at_least
