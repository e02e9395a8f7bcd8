"""A consumer's backlog and its dead letters, as Prometheus scrapes them over HTTP."""

from __future__ import annotations

import asyncio
import threading
import urllib.request

import nats
import pytest
from consumer_process import (
    INCREMENTED,
    UPSTREAM,
    CounterApp,
    ce_id,
    create_stream,
    eventually,
    make_handlers,
    publish,
    running,
)
from prometheus_client.parser import text_string_to_metric_families

from lienthong import metrics
from lienthong.events import dlq
from lienthong.events.consumer import ConsumerRunner, Handlers, tracking_recorded

DURABLE = "counter_observed"


def scrape(port: int) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        text = response.read().decode()
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


async def test_pending_messages_and_dead_letters_are_on_the_metrics_endpoint(
        nats_server, tmp_path):
    port = metrics.serve("127.0.0.1:0")
    labels = (("durable", DURABLE), ("service", "counter"))
    pending = ("lienthong_consumer_pending_messages", labels)
    dead_letters = ("lienthong_dead_letters_total", labels)

    async def until(key, value) -> None:
        """Scrape until the sample has this value (bounded)."""
        for _ in range(600):
            if (await asyncio.to_thread(scrape, port)).get(key) == value:
                return
            await asyncio.sleep(0.05)
        pytest.fail(f"{key} never became {value}")

    app = CounterApp(f"sqlite:///{tmp_path / 'counter.db'}")
    nc = await nats.connect(nats_server.url)
    js = nc.jetstream()
    await create_stream(js)
    for n in range(1, 5):
        await publish(js, n, "a")
    # The first message is held in its handler: the three others wait behind it.
    held = threading.Event()
    applying = make_handlers(broken={ce_id(2)}).get(INCREMENTED)
    handlers = Handlers()

    @handlers.on(INCREMENTED)
    def incremented(app, message, processing):
        if message.notification_id == 1:
            held.wait(60)
        applying(app, message, processing)

    runner = ConsumerRunner(app, nats_url=nats_server.url, stream=f"LIENTHONG_{UPSTREAM.upper()}",
                            durable=DURABLE, handlers=handlers, max_deliver=1,
                            backoff_s=(0.05,), pending_interval_s=0.05)
    try:
        async with running(runner) as task:
            await until(pending, 3)
            held.set()
            await eventually(lambda: tracking_recorded(app.recorder, UPSTREAM, 4),
                             what="notification 4 tracked", task=task)
            [letter] = await dlq.list_dead_letters(js, DURABLE)
            assert letter.ce_id == ce_id(2)
            assert scrape(port)[dead_letters] == 1
            await until(pending, 0)
    finally:
        held.set()
        await nc.close()
        app.close()
