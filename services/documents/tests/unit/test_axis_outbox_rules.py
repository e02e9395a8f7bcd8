"""The exchange's own rules, without an axis: back-off bounds, configuration from the
environment, dead letters kept and taken, and input refused before anything is sent."""

from __future__ import annotations

import datetime as dt
import random
from typing import TYPE_CHECKING

import pytest

from lienthong.errors import InvalidArgument
from lienthong.services.documents.axis import (
    AxisClient,
    AxisSettings,
    DeadLetter,
    Direction,
    InMemoryDeadLetters,
    Outbox,
    RetryPolicy,
)

if TYPE_CHECKING:
    from pathlib import Path


def test_back_off_grows_exponentially_jittered_and_capped() -> None:
    policy = RetryPolicy(max_attempts=10, initial_delay_s=0.5, multiplier=2.0, max_delay_s=5.0)
    rng = random.Random(7)

    assert [policy.ceiling(n) for n in range(1, 7)] == [0.5, 1.0, 2.0, 4.0, 5.0, 5.0]
    delays = [policy.delay(n, rng=rng) for n in range(1, 50) for _ in range(20)]
    assert all(0.0 <= d <= 5.0 for d in delays)
    assert len({round(d, 6) for d in delays}) > 100
    assert policy.delay(1, retry_after_s=3.0, rng=rng) == 3.0
    assert policy.delay(1, retry_after_s=3600.0, rng=rng) == 5.0


@pytest.mark.parametrize("bad", [
    {"max_attempts": 0}, {"initial_delay_s": -1.0}, {"multiplier": 0.5},
    {"initial_delay_s": 10.0, "max_delay_s": 1.0},
])
def test_an_unusable_retry_policy_is_refused(bad: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="not a usable retry policy"):
        RetryPolicy(**bad)  # type: ignore[arg-type]


def test_settings_come_from_the_environment_and_a_token_file(tmp_path: Path) -> None:
    token = tmp_path / "axis-token"
    token.write_text("  the-secret\n", encoding="utf-8")

    settings = AxisSettings.from_env({
        "LIENTHONG_AXIS_URL": "https://truclienthong.example.vn/edoc",
        "LIENTHONG_AXIS_SYSTEM_ID": "lienthong.h26",
        "LIENTHONG_AXIS_TOKEN_FILE": str(token)}, request_timeout_s=10.0)

    assert (settings.url, settings.system_id, settings.secret) == (
        "https://truclienthong.example.vn/edoc", "lienthong.h26", "the-secret")
    assert settings.request_timeout_s == 10.0
    assert "the-secret" not in repr(settings)
    with pytest.raises(ValueError, match="LIENTHONG_AXIS_TOKEN_FILE not set"):
        AxisSettings.from_env({"LIENTHONG_AXIS_URL": "http://x", "LIENTHONG_AXIS_SYSTEM_ID": "s"})
    with pytest.raises(ValueError, match="must be http"):
        AxisSettings("ftp://axis", "s", "x")


def test_dead_letters_are_listed_oldest_first_and_taken_once() -> None:
    store = InMemoryDeadLetters()
    now = dt.datetime.now(dt.UTC)

    def letter(direction: Direction, key: str, attempts: int = 1) -> DeadLetter:
        return DeadLetter(direction, key, "AXIS_UNAVAILABLE", "down", attempts, now, now)

    store.add(letter(Direction.OUTGOING, "m1"))
    store.add(letter(Direction.INCOMING, "d1"))
    store.add(letter(Direction.OUTGOING, "m2"))
    store.add(letter(Direction.OUTGOING, "m1", attempts=5))

    assert [x.key for x in store.list(Direction.OUTGOING)] == ["m2", "m1"]
    assert [x.key for x in store.list()] == ["d1", "m2", "m1"]
    taken = store.take(Direction.OUTGOING, "m1")
    assert taken is not None
    assert taken.attempts == 5
    assert store.take(Direction.OUTGOING, "m1") is None


async def test_bad_input_is_refused_before_anything_is_sent() -> None:
    async with AxisClient(AxisSettings("http://127.0.0.1:9", "s", "x")) as client:
        outbox = Outbox(client)

        with pytest.raises(InvalidArgument) as refused:
            await outbox.send("", [], b"<edXML/>")
        assert [(v.field, v.rule) for v in refused.value.violations] == [
            ("message_id", "MESSAGE_ID_FORMAT"), ("recipients", "REQUIRED")]

        with pytest.raises(InvalidArgument):
            await outbox.send("m1", ["000.00.00.G12"], b"not edXML")
        with pytest.raises(InvalidArgument, match="no outgoing dead letter"):
            await outbox.retry("never-sent")
        assert outbox.dead() == []
