"""The statistics of the benchmarks: percentiles and the figures of a phase."""

from __future__ import annotations

import pytest

from lienthong.tools.bench.common import figures, percentile


def test_percentile_interpolates_between_ranks() -> None:
    values = [float(v) for v in range(1, 101)]  # 1..100
    assert percentile(values, 0) == 1.0
    assert percentile(values, 100) == 100.0
    assert percentile(values, 50) == pytest.approx(50.5)
    assert percentile(values, 99) == pytest.approx(99.01)


def test_percentile_of_one_and_of_no_value() -> None:
    assert percentile([0.25], 99) == 0.25
    assert percentile([], 50) == 0.0


def test_percentile_refuses_out_of_range() -> None:
    with pytest.raises(ValueError, match=r"within 0\.\.100"):
        percentile([1.0], 101)


def test_figures_in_milliseconds_and_per_second() -> None:
    latencies = [0.001] * 98 + [0.010, 0.020]  # seconds, unsorted tail
    result = figures(list(reversed(latencies)), elapsed_s=2.0)
    assert result["count"] == 100
    assert result["per_s"] == 50.0
    assert result["p50_ms"] == pytest.approx(1.0)
    assert result["p99_ms"] == pytest.approx(10.1)
    assert "errors" not in result


def test_figures_report_errors_and_empty_runs() -> None:
    result = figures([], elapsed_s=0.0, errors=3)
    assert result == {"per_s": 0.0, "p50_ms": 0.0, "p99_ms": 0.0, "count": 0, "errors": 3}
