"""`make bench`'s last word: each figure's spread over the runs of its scenario."""

from __future__ import annotations

import json

from lienthong.tools.bench.spread import main, read_results, spread


def a_run(p99: float, met: bool, applied: int) -> dict:
    return {"scenario": "events",
            "commit_to_applied": {"p99_ms": p99, "count": applied,
                                  "recovery": {"consumer_killed": {"met": met}}},
            "targets": {"commit_to_applied_p99_under_50ms": p99 < 50},
            "machine": {"cores": 2}, "config": {"rate": 200.0}}


def test_every_figure_gets_its_runs_and_spread_and_every_target_how_often_it_held() -> None:
    report = spread([a_run(12.0, True, 2000), a_run(61.5, True, 2000),
                     a_run(20.0, False, 1990), {"scenario": "dossiers", "submit": {"p99_ms": 9}}])

    events = report["events"]
    assert events["runs"] == 3
    assert events["commit_to_applied.p99_ms"] == {"runs": [12.0, 61.5, 20.0], "min": 12.0,
                                                  "median": 20.0, "max": 61.5}
    assert events["targets.commit_to_applied_p99_under_50ms"] == {"held": "2/3",
                                                                  "always": False}
    assert events["commit_to_applied.recovery.consumer_killed.met"]["held"] == "2/3"
    assert "machine.cores" not in events and "config.rate" not in events
    assert report["dossiers"]["submit.p99_ms"]["median"] == 9


def test_lines_that_are_not_results_are_skipped(tmp_path, capsys) -> None:
    results = tmp_path / "results.jsonl"
    results.write_text("\n".join([json.dumps(a_run(10.0, True, 5)), "progress: done",
                                  "{not json", json.dumps(a_run(30.0, True, 5))]) + "\n")
    assert len(read_results(results.read_text().splitlines())) == 2

    assert main([str(results)]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["spread"] == "events" and printed["runs"] == 2


def test_no_results_is_an_error(tmp_path, capsys) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text("bench events failed\n")
    assert main([str(empty)]) == 1
    assert "no benchmark results" in capsys.readouterr().err
