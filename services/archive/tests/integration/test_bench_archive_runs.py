"""``lienthong bench archive --json``, small: identity and the archive started as production
runs them, scanned pages uploaded and captured, packages hashed beside sha256sum, all
reported. Marked ``long`` (``make test-long``): the services' start takes most of it."""

from __future__ import annotations

import pytest

from lienthong.testing.bench import bench_figures


@pytest.mark.postgres
@pytest.mark.long
@pytest.mark.timeout(600)
def test_bench_archive_reports_captured_pages_and_fixity(postgres_dsn: str) -> None:
    del postgres_dsn  # the server is up: the bench makes its own databases there
    figures = bench_figures("archive", "--pages", "4", "--fixity-mb", "1", "--fixity-files",
                            "1", "--rounds", "1")

    assert set(figures["setup"]["startup_s"]) == {"identity", "archive"}
    capture = figures["capture"]
    assert capture["batch"]["pages_captured"] == 4 == capture["accepted"] + capture["sent_back"]
    assert capture["page"]["count"] == 4 and "errors" not in capture["page"]
