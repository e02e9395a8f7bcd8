"""Before nats-server 2.14 a durable cannot be reset: a held delivery waits out its ack wait.

The runner's NATS connection and JetStream context are stand-ins here; the story with
a real server (2.14 or later) is integration/test_held_delivery.py.
"""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest
from nats.aio.client import ServerVersion

from lienthong.events.consumer import ConsumerRunner, Handlers, TrackingApplication


class Downstream(TrackingApplication):
    service_name = "downstream"


class NoReset:
    """A JetStream context whose server has no reset: asking is a mistake."""

    asked = 0

    async def reset_consumer(self, stream: str, durable: str) -> None:
        self.asked += 1
        raise AssertionError("an older server has no $JS.API.CONSUMER.RESET")


def runner_connected_to(version: str) -> ConsumerRunner:
    runner = ConsumerRunner(Downstream("sqlite:///:memory:"), nats_url="nats://127.0.0.1:1",
                            stream="LIENTHONG_UP", durable="down", handlers=Handlers())
    runner._nc = SimpleNamespace(connected_server_version=ServerVersion(version))
    return runner


@pytest.mark.parametrize("version", ["2.11.4", "2.9.10", "not-a-version"])
def test_a_held_delivery_is_left_to_the_ack_wait_where_the_server_cannot_reset(version):
    js = NoReset()
    runner = runner_connected_to(version)

    asyncio.run(runner._take_back_held(js, "LIENTHONG_UP", "down", held=1))

    assert js.asked == 0
