"""``lienthong bench audit --json`` prints its figures beside the raw read of the same run."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from lienthong.testing.postgres import admin_dsn
from lienthong.tools.cli.main import app as cli


@pytest.mark.postgres
def test_bench_audit_prints_verify_and_raw_read_figures(postgres_dsn: str) -> None:
    del postgres_dsn  # the server is up; the bench makes its own database there
    result = CliRunner().invoke(cli, ["bench", "audit", "--json", "--events", "3000",
                                      "--every-events", "500", "--rounds", "1",
                                      "--postgres-dsn", admin_dsn()])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert figures["scenario"] == "audit"
    assert figures["verify"]["events"] == 3000
    assert figures["verify"]["checkpoints"] == 6
    assert figures["verify"]["per_s"] > 0 and figures["raw"]["log_read_per_s"] > 0
    assert figures["ratios"]["verify_to_raw_read"] == pytest.approx(
        figures["verify"]["per_s"] / figures["raw"]["log_read_per_s"], rel=0.01)
    assert set(figures["targets"]) >= {"verify_per_s_met", "ratio_met"}
