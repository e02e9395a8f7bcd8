"""The TLS figures of ``lienthong bench identity --tls``: calls a second over mutual TLS,
and the share lost beside the same run's plaintext, held to the target."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from lienthong.services.identity.benchmarks.api import (
    TLS_TARGET_MAX_COST,
    _Measured,
    _tls_cost,
)


@dataclass
class Phase:
    per_s: float

    def figures(self) -> dict[str, float]:
        return {"per_s": self.per_s}


def measured(register: float, resolve: float) -> _Measured:
    return _Measured(Phase(register), Phase(resolve), {}, [], [], 0, {})


def test_the_cost_is_the_share_of_calls_a_second_lost_to_tls() -> None:
    figures = _tls_cost(measured(400.0, 2000.0), measured(360.0, 1900.0))

    assert figures == {"register_per_s": 360.0, "register_cost": 0.1,
                       "resolve_per_s": 1900.0, "resolve_cost": 0.05,
                       "target_max_cost": TLS_TARGET_MAX_COST, "met": True}


@pytest.mark.parametrize(("secured", "met"), [((300.0, 1900.0), False),
                                               ((360.0, 1500.0), False)])
def test_either_phase_beyond_the_target_misses_it(secured: tuple[float, float],
                                                  met: bool) -> None:
    assert _tls_cost(measured(400.0, 2000.0), measured(*secured))["met"] is met


def test_a_phase_that_made_no_call_has_no_cost_and_misses_the_target() -> None:
    figures = _tls_cost(measured(0.0, 2000.0), measured(0.0, 1900.0))

    assert figures["register_cost"] is None and figures["met"] is False
