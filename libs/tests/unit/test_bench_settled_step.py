"""A benchmark confirms an authenticator with the code of the step before now: it first
waits out a step's last second, so the service, checking a moment later, is still in the
same step and takes the code."""

from __future__ import annotations

import pytest

from lienthong.tools.bench import common


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now
        self.slept: list[float] = []

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock(0.0)
    monkeypatch.setattr(common.time, "time", clock.time)
    monkeypatch.setattr(common.time, "sleep", clock.sleep)
    return clock


def test_well_inside_a_step_it_answers_at_once(clock: Clock) -> None:
    clock.now = 1_000 * 30 + 12.5

    assert common.settled_step() == 1_000
    assert clock.slept == []


def test_in_a_steps_last_second_it_answers_the_next_step(clock: Clock) -> None:
    clock.now = 1_000 * 30 + 29.4

    assert common.settled_step() == 1_001
    assert clock.slept == [pytest.approx(0.61)]
    assert clock.now > 1_001 * 30


def test_the_margin_and_the_step_are_the_callers(clock: Clock) -> None:
    clock.now = 50 * 60 + 55.0

    assert common.settled_step(margin_s=10.0, step_s=60) == 51
