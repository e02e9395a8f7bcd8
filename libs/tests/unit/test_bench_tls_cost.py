"""The TLS figures of a benchmark run with ``--tls``: each phase's calls a second over mutual
TLS, and the share lost beside the same run's plaintext, held to the target."""

from __future__ import annotations

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
