"""``lienthong bench archive --json``, small: identity and the archive started as production
runs them, scanned pages uploaded and captured, packages hashed beside sha256sum, all
reported. Marked ``long`` (``make test-long``): the services' start takes most of it."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from lienthong.testing.postgres import admin_dsn


@pytest.mark.postgres
@pytest.mark.long
@pytest.mark.timeout(600)
def test_bench_archive_reports_captured_pages_and_fixity(postgres_dsn: str) -> None:
    del postgres_dsn  # the server is up: the bench makes its own databases there
    done = subprocess.run(
        [sys.executable, "-m", "lienthong.tools.cli.main", "bench", "archive", "--json",
         "--pages", "4", "--fixity-mb", "1", "--fixity-files", "1", "--rounds", "1",
         "--postgres-dsn", admin_dsn()],
        capture_output=True, text=True, timeout=540, check=False)
    assert done.returncode == 0, done.stderr[-4000:]
    figures = json.loads(done.stdout.strip().splitlines()[-1])

    assert figures["scenario"] == "archive"
    assert set(figures["setup"]["startup_s"]) == {"identity", "archive"}
    capture = figures["capture"]
    assert capture["batch"]["pages_captured"] == 4 == capture["accepted"] + capture["sent_back"]
    assert capture["page"]["count"] == 4 and "errors" not in capture["page"]
