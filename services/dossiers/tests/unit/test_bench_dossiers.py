"""The pure helpers of ``lienthong bench dossiers`` and its scheduled load."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, NoReturn

import pytest

from lienthong.services.dossiers.benchmarks.api import (
    PROVINCE_AGENCY_CODE,
    applicant_pin,
    desk_agency_code,
    per_desk,
    run_scheduled,
    scheduled_calls,
)
from lienthong.services.dossiers.domain.applicant import check_pin
from lienthong.tools.bench.common import BenchError
from lienthong.validation import Violations

if TYPE_CHECKING:
    from collections.abc import Callable


def test_desk_agency_codes_are_distinct_and_not_the_province() -> None:
    codes = [desk_agency_code(i) for i in range(500)]
    assert len(set(codes)) == 500
    assert PROVINCE_AGENCY_CODE not in codes
    assert codes[0] == "000.00.10.H01"
    assert codes[90] == "000.01.10.H01"
    with pytest.raises(ValueError, match="negative"):
        desk_agency_code(-1)


def test_applicant_pins_are_valid() -> None:
    for seq in (0, 1, 999_999, 1_000_000, 123_456_789):
        violations = Violations()
        check_pin(applicant_pin(seq), "pin", violations)
        violations.raise_if_any()
    assert applicant_pin(7) == "001090000007"


def test_scheduled_calls_and_per_desk() -> None:
    assert scheduled_calls(100, 10) == 1000
    assert scheduled_calls(3, 0.5) == 1
    assert per_desk(1000, 10) == 100
    assert per_desk(1001, 10) == 101
    with pytest.raises(ValueError, match="positive"):
        scheduled_calls(0, 1)
    with pytest.raises(ValueError, match="desk"):
        per_desk(1, 0)


def test_run_scheduled_keeps_the_schedule_and_counts_errors() -> None:
    seen: list[int] = []
    lock = threading.Lock()

    def factory(_: int) -> Callable[[int], None]:
        def op(seq: int) -> None:
            with lock:
                seen.append(seq)
            if seq == 3:
                raise RuntimeError("boom")
        return op

    result = run_scheduled(factory, connections=2, rate=200, seconds=0.1, warmup=1)
    assert result.scheduled == 20
    assert sorted(seen) == list(range(22))  # 20 scheduled, then one warm-up per thread
    assert result.errors == 1
    assert result.first_error == "RuntimeError: boom"
    assert len(result.from_slot_s) == 19
    assert all(s >= d for s, d in zip(result.from_slot_s, result.from_send_s, strict=True))
    assert result.elapsed_s >= 0.1 - 1e-9  # 20 slots at 200/s, to float precision
    figures = result.figures(200)
    assert figures["count"] == 19
    assert figures["per_s"] <= 200


def test_run_scheduled_reports_a_worker_that_cannot_start() -> None:
    def factory(_: int) -> NoReturn:
        raise OSError("no connection")

    with pytest.raises(BenchError, match="no connection"):
        run_scheduled(factory, connections=2, rate=10, seconds=0.1)


def test_code_gaps_counts_missing_and_repeated_numbers_per_desk_and_day() -> None:
    from lienthong.services.dossiers.benchmarks.replicas import code_gaps

    codes = ["000.01.01.H49-261207-0001", "000.01.01.H49-261207-0002",
             "000.01.01.H49-261207-0004", "000.01.01.H49-261207-0004",
             "000.01.02.H49-261207-0001", "000.01.01.H49-261208-0001"]
    assert code_gaps(codes) == {"codes": 6, "desk_days": 3, "gaps": 1, "duplicates": 1}
    assert code_gaps(["000.01.02.H49-261207-0001", "000.01.02.H49-261207-0002"])["gaps"] == 0
