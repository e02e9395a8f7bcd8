"""The TLS figures of a benchmark run with ``--tls``: each phase's calls a second over mutual
TLS, and the share lost beside the same run's plaintext, held to the target."""

from __future__ import annotations

from typing import Any

import pytest

from lienthong.tools.bench.common import TLS_TARGET_MAX_COST, tls_cost

PLAIN = {"register": 400.0, "resolve": 2000.0}


def test_the_cost_is_the_share_of_calls_a_second_lost_to_tls() -> None:
    figures = tls_cost(PLAIN, {"register": 360.0, "resolve": 1900.0})

    assert figures == {"register_per_s": 360.0, "register_cost": 0.1,
                       "resolve_per_s": 1900.0, "resolve_cost": 0.05,
                       "target_max_cost": TLS_TARGET_MAX_COST, "met": True}


@pytest.mark.parametrize("secured", [{"register": 300.0, "resolve": 1900.0},
                                     {"register": 360.0, "resolve": 1500.0}])
def test_either_phase_beyond_the_target_misses_it(secured: dict[str, float]) -> None:
    assert tls_cost(PLAIN, secured)["met"] is False


def test_a_phase_that_made_no_call_has_no_cost_and_misses_the_target() -> None:
    figures = tls_cost({"register": 0.0}, {"register": 0.0})

    assert figures["register_cost"] is None and figures["met"] is False


def test_an_ab_comparison_takes_turns_and_merges_each_sides_rounds() -> None:
    from lienthong.tools.bench.common import LoadResult, alternate

    order: list[str] = []

    def side(name: str, latency: float, cpu: float) -> Any:
        def one_round(round_: int) -> LoadResult:
            order.append(f"{name}{round_}")
            return LoadResult([latency] * 10, 1.0 + round_, cpu={"server_pct": cpu * round_})
        return one_round

    a, b = alternate(4, side("a", 0.01, 10.0), side("b", 0.02, 20.0))

    assert order == ["a0", "b0", "b1", "a1", "a2", "b2", "b3", "a3"]
    assert (len(a.latencies_s), a.elapsed_s) == (40, 10.0)
    assert a.figures()["per_s"] == 4.0
    # CPU shares weighted by each round's time: (0*1 + 10*2 + 20*3 + 30*4) / 10
    assert a.cpu["server_pct"] == 20.0
    assert b.cpu["server_pct"] == 40.0
