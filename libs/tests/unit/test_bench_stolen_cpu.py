"""A benchmark run on a virtual machine whose host ran other guests on its cores says so:
the stolen share is reported beside the machine's busy share, not hidden in it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lienthong.tools.bench import common
from lienthong.tools.bench.common import CpuMeter, _machine_cpu

if TYPE_CHECKING:
    from pathlib import Path

    import pytest


def test_the_machine_line_gives_busy_total_and_stolen_jiffies(tmp_path: Path) -> None:
    stat = tmp_path / "stat"
    #              user nice system idle iowait irq softirq steal guest guest_nice
    stat.write_text("cpu  100 0 50 800 10 0 0 40 0 0\ncpu0 50 0 25 400 5 0 0 20 0 0\n")

    busy, total, stolen = _machine_cpu(str(stat))

    assert (busy, total, stolen) == (190.0, 1000.0, 40.0)


def test_a_kernel_without_the_steal_column_steals_nothing(tmp_path: Path) -> None:
    stat = tmp_path / "stat"
    stat.write_text("cpu  100 0 50 800\n")

    assert _machine_cpu(str(stat)) == (150.0, 950.0, 0.0)


def test_a_machine_without_proc_stat_reports_no_machine_figures(tmp_path: Path) -> None:
    assert _machine_cpu(str(tmp_path / "absent")) == (0.0, 0.0, 0.0)


def test_a_phase_reports_the_share_of_the_cores_its_host_took(
        monkeypatch: pytest.MonkeyPatch) -> None:
    samples = iter([(1_000.0, 10_000.0, 100.0), (1_600.0, 11_000.0, 350.0)])
    monkeypatch.setattr(common, "_machine_cpu", lambda: next(samples))
    meter = CpuMeter()

    meter.start()
    figures = meter.stop(wall_s=1.0)

    assert figures["machine_busy_pct"] == 60.0
    assert figures["machine_stolen_pct"] == 25.0
