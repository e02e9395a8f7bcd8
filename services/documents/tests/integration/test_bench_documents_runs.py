"""``lienthong bench documents --json``, small: the three services started as production runs
them, documents drafted, signed, issued and sent, uploads beside raw Object Store puts, all
reported. Marked ``long`` (``make test-long``): the services' start takes most of it."""

from __future__ import annotations

import pytest

from lienthong.testing.bench import bench_figures


@pytest.mark.postgres
@pytest.mark.long
@pytest.mark.timeout(600)
def test_bench_documents_reports_uploads_and_issued_documents(
        postgres_dsn: str, softhsm_token: object) -> None:
    del postgres_dsn, softhsm_token  # the server is up; SoftHSM2 is here
    figures = bench_figures("documents", "--upload-mb", "2", "--rounds", "1", "--memory-mb", "4",
                            "--documents", "3")

    assert set(figures["setup"]["startup_s"]) == {"identity", "signatures", "documents"}
    assert figures["issue_and_send"]["count"] == 3 and "errors" not in figures["issue_and_send"]
    assert len(figures["ratios"]["rounds"]) == 1 and figures["ratios"]["upload_vs_raw_put"] > 0
    assert figures["memory"]["peak_rss_mib"] > 0
