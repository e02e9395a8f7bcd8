"""A standing pull request against a real nats-server: one message in flight, in order,
the next one handed over as the previous is acknowledged; it outlives a server restart,
and what it received but nobody took goes back at once."""

from __future__ import annotations

import asyncio

import nats
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from lienthong.events.consumer import ACK_WAIT_S, MAX_ACK_PENDING
from lienthong.events.pull import StandingPull

STREAM = "PULLSTORY"
SUBJECT = "pullstory.events"
DURABLE = "reader"
#: A generous bound for a message to come; nothing is asserted about durations.
PATIENCE_S = 20.0


async def a_stream_with_a_durable(js, ack_wait: float = ACK_WAIT_S) -> None:
    await js.add_stream(name=STREAM, subjects=[SUBJECT])
    await js.add_consumer(STREAM, ConsumerConfig(
        durable_name=DURABLE, deliver_policy=DeliverPolicy.ALL,
        ack_policy=AckPolicy.EXPLICIT, ack_wait=ack_wait,
        max_ack_pending=MAX_ACK_PENDING))


async def test_messages_come_one_at_a_time_in_order(nats_server):
    nc = await nats.connect(nats_server.url)
    js = nc.jetstream()
    await a_stream_with_a_durable(js)
    for n in range(1, 4):
        await js.publish(SUBJECT, f"event {n}".encode())
    pull = StandingPull(nc, STREAM, DURABLE)
    await pull.start()
    try:
        first = await pull.next(PATIENCE_S)
        assert first is not None and first.data == b"event 1"
        # Not acknowledged: the server holds the next one back.
        assert await pull.next(0.5) is None
        await first.ack()
        second = await pull.next(PATIENCE_S)
        assert second is not None and second.data == b"event 2"
        await second.ack()
        third = await pull.next(PATIENCE_S)
        assert third is not None and third.data == b"event 3"
        await third.ack()
        assert await pull.next(0.5) is None
        assert pull.trouble == ""
    finally:
        await pull.close()
        await nc.close()


async def test_the_request_is_renewed_after_the_server_restarts(nats_server):
    nc = await nats.connect(nats_server.url, reconnect_time_wait=0.2,
                            max_reconnect_attempts=-1)
    js = nc.jetstream()
    await a_stream_with_a_durable(js)
    pull = StandingPull(nc, STREAM, DURABLE, heartbeat_s=0.2, expires_s=30)
    await pull.start()
    try:
        await js.publish(SUBJECT, b"before")
        before = await pull.next(PATIENCE_S)
        assert before is not None and before.data == b"before"
        await before.ack_sync()

        nats_server.kill()  # no word to the waiting request: it just goes quiet
        # Asked again and again meanwhile, it has heard nothing: it says so, for its
        # caller to look into.
        assert await pull.next(1.0) is None
        assert pull.silent_s >= 1.0
        nats_server.start()  # it forgot the waiting request, kept the stream
        for _ in range(200):
            try:
                await js.publish(SUBJECT, b"after", timeout=0.5)
                break
            except Exception:  # not reconnected yet
                await asyncio.sleep(0.1)

        # A killed server may not have kept the ack of "before": it comes again first.
        after = await pull.next(PATIENCE_S)
        if after is not None and after.data == b"before":
            await after.ack()
            after = await pull.next(PATIENCE_S)
        assert after is not None, pull.trouble
        assert after.data == b"after"
        await after.ack()
    finally:
        await pull.close()
        await nc.close()


async def test_a_message_received_and_not_taken_goes_back_when_the_pull_closes(nats_server):
    nc = await nats.connect(nats_server.url)
    js = nc.jetstream()
    # An ack wait far beyond the test's patience: only the nak can bring "two" back.
    await a_stream_with_a_durable(js, ack_wait=10 * PATIENCE_S)
    await js.publish(SUBJECT, b"one")
    await js.publish(SUBJECT, b"two")
    leaving = StandingPull(nc, STREAM, DURABLE)
    await leaving.start()
    one = await leaving.next(PATIENCE_S)
    assert one is not None
    await one.ack_sync()  # the server now hands "two" to the standing request
    info = await js.consumer_info(STREAM, DURABLE)
    for _ in range(100):
        if info.num_ack_pending:
            break
        info = await js.consumer_info(STREAM, DURABLE)

    left = await leaving.close()
    assert [m.data for m in left] == [b"two"]
    for message in left:
        await message.nak()  # as the consumer runner does on its way out

    successor = StandingPull(nc, STREAM, DURABLE)
    await successor.start()
    try:
        two = await successor.next(PATIENCE_S)
        assert two is not None and two.data == b"two"
        assert two.metadata.num_delivered == 2
        await two.ack()
    finally:
        await successor.close()
        await nc.close()
