"""The national load's model: rates at a multiple of the design peak, a step's verdict from
its figures, and the ramp that stops at the first step that fails."""

from __future__ import annotations

from typing import Any

import pytest

from lienthong.tools.bench.national_model import (
    DEFAULT_MULTIPLES,
    MODEL,
    Limits,
    parse_multiples,
    ramp,
    rates_at,
    scheduled_calls,
    step_failures,
)


def test_the_model_holds_the_design_peak_of_docs_benchmarks_section_3() -> None:
    assert {op.name: op.design_peak_per_s for op in MODEL} == {
        "submit_dossier": 14.4, "dossier_status_change": 86.3, "document_issued": 4.0,
        "document_exchanged": 18.5, "signature": 36.8, "scanned_page": 48.6,
        "identity_read": 43.2}
    assert all(op.calls and all("." in call for call in op.calls) for op in MODEL)


def test_rates_at_a_multiple_scale_every_operation() -> None:
    assert rates_at(1) == {op.name: op.design_peak_per_s for op in MODEL}
    ten = rates_at(10)
    assert ten["submit_dossier"] == pytest.approx(144.0)
    assert ten["scanned_page"] == pytest.approx(486.0)
    assert rates_at(0.25)["document_issued"] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="positive"):
        rates_at(0)


def test_a_schedule_holds_rate_times_seconds_slots() -> None:
    assert scheduled_calls(14.4, 10) == 144
    assert scheduled_calls(4.0 * 0.1, 3) == 1
    assert scheduled_calls(0.0, 3) == 0


def test_multiples_are_read_rising_and_positive() -> None:
    assert parse_multiples("0.1,0.2") == (0.1, 0.2)
    assert parse_multiples(",".join(str(m) for m in DEFAULT_MULTIPLES)) == DEFAULT_MULTIPLES
    for wrong in ("", "1,1", "2,1", "0,1", "a"):
        with pytest.raises(ValueError, match="multiples"):
            parse_multiples(wrong)


def a_step(p99: dict[str, float] | None = None, lag: dict[str, float] | None = None,
           errors: dict[str, int] | None = None) -> dict[str, Any]:
    p99 = p99 or {"dossiers.SubmitDossier": 12.0, "identity.ResolveUnit": 3.0}
    errors = errors or {}
    return {"rpcs": {name: {"count": 10, "p99_ms": value, "errors": errors.get(name, 0)}
                     for name, value in p99.items()},
            "operations": {"submit_dossier": {"errors": 0}},
            "event_lag": {name: {"max_s": value} for name, value in
                          (lag or {"LIENTHONG_IDENTITY/archive-identity": 0.2}).items()}}


def test_a_step_within_every_limit_passes() -> None:
    assert step_failures(a_step(), Limits()) == []
    # At the limit is within it.
    assert step_failures(a_step(p99={"x.Y": 50.0}, lag={"S/d": 1.0}), Limits()) == []


def test_a_step_fails_on_a_slow_rpc_worst_first_then_errors_then_lag() -> None:
    step = a_step(p99={"a.Fast": 5.0, "b.Slow": 80.0, "c.Slower": 300.0},
                  lag={"LIENTHONG_DOSSIERS/archive-dossiers": 2.5, "S/ok": 0.1},
                  errors={"a.Fast": 3})
    failures = step_failures(step, Limits(p99_ms=50.0, max_lag_s=1.0))

    assert failures == [
        {"limit": "p99_ms", "rpc": "c.Slower", "value": 300.0, "max": 50.0},
        {"limit": "p99_ms", "rpc": "b.Slow", "value": 80.0, "max": 50.0},
        {"limit": "errors", "rpc": "a.Fast", "value": 3, "max": 0},
        {"limit": "event_lag_s", "consumer": "LIENTHONG_DOSSIERS/archive-dossiers",
         "value": 2.5, "max": 1.0}]


def test_the_limits_are_the_ones_given() -> None:
    step = a_step(p99={"a.B": 30.0}, lag={"S/d": 0.6})
    assert step_failures(step, Limits(p99_ms=50.0, max_lag_s=1.0)) == []
    assert [f["limit"] for f in step_failures(step, Limits(p99_ms=20.0, max_lag_s=0.5))] == [
        "p99_ms", "event_lag_s"]


def test_an_operation_that_failed_outside_its_rpcs_fails_the_step() -> None:
    step = a_step()
    step["operations"]["signature"] = {"errors": 2}
    assert step_failures(step, Limits()) == [
        {"limit": "errors", "operation": "signature", "value": 2, "max": 0}]


def test_the_ramp_stops_at_the_first_failing_step_and_reports_the_one_before() -> None:
    run: list[float] = []

    def run_step(multiple: float) -> dict[str, Any]:
        run.append(multiple)
        return a_step(p99={"dossiers.SubmitDossier": 10.0 * multiple})

    result = ramp([1, 2, 4, 6, 8, 10], run_step, Limits(p99_ms=50.0))

    assert run == [1, 2, 4, 6]
    assert result.sustained_multiple == 4
    assert [s["passed"] for s in result.steps] == [True, True, True, False]
    assert result.first_limit == {"limit": "p99_ms", "rpc": "dossiers.SubmitDossier",
                                  "value": 60.0, "max": 50.0}
    assert result.steps[-1]["failed_limits"] == [result.first_limit]


def test_a_ramp_whose_first_step_fails_sustains_nothing_and_one_that_never_fails_all() -> None:
    failing = ramp([0.25, 0.5], lambda m: a_step(lag={"S/d": 5.0}), Limits())
    assert failing.sustained_multiple == 0
    assert len(failing.steps) == 1
    assert failing.first_limit is not None
    assert failing.first_limit["consumer"] == "S/d"

    passing = ramp([0.25, 0.5], lambda m: a_step(), Limits())
    assert passing.sustained_multiple == 0.5
    assert passing.first_limit is None
    assert len(passing.steps) == 2
