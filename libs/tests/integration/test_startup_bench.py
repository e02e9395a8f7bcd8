"""``lienthong bench startup --json`` times a service's start without and with snapshots."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from lienthong.testing.postgres import admin_dsn
from lienthong.tools.cli.main import app as cli


@pytest.mark.postgres
def test_bench_startup_prints_both_starts_of_both_services(postgres_dsn: str) -> None:
    del postgres_dsn  # the server is up; the bench makes its own database there
    result = CliRunner().invoke(cli, ["bench", "startup", "--json", "--events", "6000",
                                      "--after-snapshot", "500", "--rounds", "1",
                                      "--postgres-dsn", admin_dsn()])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert figures["scenario"] == "startup"
    assert figures["machine"]["cores"] >= 1
    for service in ("identity", "dossiers"):
        startup = figures["startup"][service]
        # Each start was checked to reach the end of the log, from the snapshot or not.
        assert (startup["events"], startup["snapshot_position"]) == (6000, 5500)
        assert startup["replay_s"] > 0 and startup["from_snapshot_s"] > 0
        assert startup["snapshot"]["bytes"] > 0
    assert figures["startup"]["dossiers"]["snapshot"]["holds"]["procedures"] == 40
