"""The pure helpers of ``lienthong bench events`` (no timing is asserted)."""

from __future__ import annotations

import pytest

from lienthong.services.identity.benchmarks.events import (
    Applied,
    busy_cycle_times,
    commands_per_second,
    format_applied,
    latency_figures,
    met,
    parse_applied,
    relay_headers,
    retarget_subject,
    windows,
)


def test_commands_per_second_for_published_events() -> None:
    assert commands_per_second(200.0) == 100.0
    assert commands_per_second(90.0, published_per_command=3) == 30.0
    with pytest.raises(ValueError, match="positive"):
        commands_per_second(0)


def test_applied_lines_round_trip_and_skip_partial_ones() -> None:
    one = Applied(12, 7, 1700000000.123456, 1700000000.125)
    two = Applied(13, 8, 1700000000.2, 1700000000.25)
    text = format_applied(one) + format_applied(two) + "14 9 17000"
    parsed = parse_applied(text.splitlines())
    assert parsed == {12: one, 13: two}
    assert parse_applied(["x y z w", ""]) == {}


def test_latency_figures_in_milliseconds_with_the_missing_counted() -> None:
    started = {1: 10.0, 2: 10.0, 3: 10.0}
    ended = {1: 10.010, 2: 10.030}
    figures = latency_figures(started, ended)
    assert figures["count"] == 2
    assert figures["missing"] == 1
    assert figures["p50_ms"] == pytest.approx(20.0)
    assert figures["max_ms"] == pytest.approx(30.0)
    assert latency_figures({}, {})["count"] == 0


def test_busy_cycles_only_count_events_that_were_waiting() -> None:
    stored = {1: 0.0, 2: 0.001, 3: 5.0}
    committed = {1: 0.010, 2: 0.012, 3: 5.002}
    # 2 was stored before 1 committed: one busy cycle; 3 came after an idle gap.
    assert busy_cycle_times(stored, committed) == [pytest.approx(0.002)]


def test_relay_headers_chain_a_batch() -> None:
    base = {"ce-id": "identity-5", "Nats-Msg-Id": "identity-5"}
    first = relay_headers(base, stream="S", last_seq=40, index=0, previous_id=None)
    second = relay_headers(base, stream="S", last_seq=40, index=1, previous_id="identity-4")
    assert first["Nats-Expected-Last-Sequence"] == "40"
    assert "Nats-Expected-Last-Msg-Id" not in first
    assert second["Nats-Expected-Last-Sequence"] == "41"
    assert second["Nats-Expected-Last-Msg-Id"] == "identity-4"
    assert second["Nats-Expected-Stream"] == "S"
    assert base == {"ce-id": "identity-5", "Nats-Msg-Id": "identity-5"}  # not changed


def test_retarget_subject_keeps_its_length_for_names_as_long() -> None:
    subject = "lienthong.identity.unit.registered"
    other = retarget_subject(subject, "identity", "benchraw")
    assert other == "lienthong.benchraw.unit.registered"
    assert len(other) == len(subject)
    with pytest.raises(ValueError, match="not a subject"):
        retarget_subject("lienthong.dossiers.x.y", "identity", "benchraw")


def test_windows_cover_every_index_once() -> None:
    assert [list(w) for w in windows(5, 2)] == [[0, 1], [2, 3], [4]]
    assert list(windows(0, 3)) == []
    with pytest.raises(ValueError, match="at least one"):
        list(windows(3, 0))


def test_met_reads_targets_both_ways() -> None:
    assert met(40.0, 50.0, below=True) is True
    assert met(50.0, 50.0, below=True) is False
    assert met(0.5, 0.5, below=False) is True
    assert met(None, 0.5, below=False) is None


def test_recovery_lasts_until_the_last_late_event_is_applied() -> None:
    from lienthong.services.identity.benchmarks.recovery import applied_counts, recovery_figures

    # Events 1-3 on time; 4 and 5 committed just before and after the fault at t=10 and
    # applied 2.5 s and 1.9 s later; 6 on time again; 7 never applied.
    lines = ["1 1 0 1.004", "2 2 0 2.004", "3 3 0 9.404", "4 4 0 12.400", "5 5 0 12.100",
             "5 5 0 12.300", "6 6 0 12.605", "partial"]
    counts, first = applied_counts(lines)
    assert counts[5] == 2 and first[5] == 12.1
    commits = {1: 1.0, 2: 2.0, 3: 9.4, 4: 9.9, 5: 10.2, 6: 12.6, 7: 12.7}

    figures = recovery_figures(10.0, commits, first, counts)

    assert figures["recovered_s"] == 2.4  # event 4, applied at 12.4
    assert figures["late_events"] == 2
    assert figures["lag_max_ms"] == 2500.0
    assert figures["lost"] == 1 and figures["applied_twice"] == 1
    assert figures["met"] is True


def test_recovery_without_late_events_is_immediate_and_a_slow_one_misses() -> None:
    from lienthong.services.identity.benchmarks.recovery import recovery_figures

    on_time = recovery_figures(5.0, {1: 4.0, 2: 6.0}, {1: 4.01, 2: 6.02}, {1: 1, 2: 1})
    assert on_time["recovered_s"] == 0.0 and on_time["late_events"] == 0
    slow = recovery_figures(5.0, {1: 4.99}, {1: 11.0}, {1: 1})
    assert slow["recovered_s"] == 6.0 and slow["met"] is False
