"""``lienthong bench documents --json``, small: the three services started as production runs
them, documents drafted, signed, issued and sent, uploads beside raw Object Store puts, all
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
def test_bench_documents_reports_uploads_and_issued_documents(
        postgres_dsn: str, softhsm_token: object) -> None:
    del postgres_dsn, softhsm_token  # the server is up; SoftHSM2 is here
    done = subprocess.run(
        [sys.executable, "-m", "lienthong.tools.cli.main", "bench", "documents", "--json",
         "--upload-mb", "2", "--rounds", "1", "--memory-mb", "4", "--documents", "3",
         "--postgres-dsn", admin_dsn()],
        capture_output=True, text=True, timeout=540, check=False)
    assert done.returncode == 0, done.stderr[-4000:]
    figures = json.loads(done.stdout.strip().splitlines()[-1])

    assert figures["scenario"] == "documents"
    assert set(figures["setup"]["startup_s"]) == {"identity", "signatures", "documents"}
    assert figures["issue_and_send"]["count"] == 3 and "errors" not in figures["issue_and_send"]
    assert len(figures["ratios"]["rounds"]) == 1 and figures["ratios"]["upload_vs_raw_put"] > 0
    assert figures["memory"]["peak_rss_mib"] > 0
