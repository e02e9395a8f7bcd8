"""Each caller's token bucket: a burst at once, then the rate; the wait it names is exact."""

from __future__ import annotations

import pytest

from lienthong.grpc.admission import MAX_CALLERS, RateLimited, RateLimiter, peer_host


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_caller_gets_its_burst_then_its_rate_and_is_told_when_to_retry() -> None:
    clock = Clock()
    limiter = RateLimiter(rate=2.0, burst=3, clock=clock)
    for _ in range(3):
        limiter.take("10.0.0.1")

    with pytest.raises(RateLimited) as refused:
        limiter.take("10.0.0.1")
    assert refused.value.retry_after_s == pytest.approx(0.5)
    assert refused.value.metadata == {"caller": "10.0.0.1"}

    limiter.take("10.0.0.2")  # another caller has a bucket of its own
    clock.now += 0.5
    limiter.take("10.0.0.1")  # a token has come back


def test_no_rate_lets_every_call_through() -> None:
    limiter = RateLimiter(rate=0, burst=1)
    for _ in range(10_000):
        limiter.take("10.0.0.1")


def test_the_least_recently_seen_callers_are_forgotten_first() -> None:
    clock = Clock()
    limiter = RateLimiter(rate=1.0, burst=1, clock=clock)
    limiter.take("first")
    for n in range(MAX_CALLERS):
        limiter.take(f"caller-{n}")

    limiter.take("first")  # its empty bucket was dropped: a new one is full


@pytest.mark.parametrize(("peer", "host"), [("ipv4:127.0.0.1:50123", "127.0.0.1"),
                                            ("ipv6:[::1]:50123", "::1"),
                                            ("unix:/tmp/socket", "unix:/tmp/socket")])
def test_a_caller_is_named_by_its_host(peer: str, host: str) -> None:
    assert peer_host(peer) == host
