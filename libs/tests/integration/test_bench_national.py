"""``lienthong bench national --json`` starts the whole platform, drives every operation of
the national model at each multiple and reports each step's figures and the highest
multiple sustained.

It runs in a process of its own (the signatures service makes a SoftHSM2 token), with two
short steps; it takes a minute or two (the services' start and a credential per signature
a step may need).
"""

from __future__ import annotations

import pytest

from lienthong.testing.bench import bench_figures
from lienthong.tools.bench.national_model import MODEL


@pytest.mark.postgres
@pytest.mark.long
@pytest.mark.timeout(600)
def test_bench_national_drives_every_operation_and_reports_each_step(
        postgres_dsn: str, softhsm_token: object) -> None:
    # The server is up (the bench makes its own databases there); SoftHSM2 is here (the
    # signatures service makes its own token).
    del postgres_dsn, softhsm_token
    figures = bench_figures("national", "--step-seconds", "3", "--multiples", "0.1,0.2",
                            # Limits no shared machine breaks: both steps are run and reported.
                            "--p99-ms", "60000", "--max-lag-s", "600")

    assert figures["sustained_multiple"] == 0.2
    assert figures["first_limit"] is None
    assert set(figures["model"]["design_peak_per_s"]) == {op.name for op in MODEL}
    assert [step["multiple"] for step in figures["steps"]] == [0.1, 0.2]
    for step in figures["steps"]:
        assert step["passed"] and step["failed_limits"] == []
        for op in MODEL:
            done_op = step["operations"][op.name]
            assert done_op["scheduled"] >= 1, op.name
            assert done_op["errors"] == 0, (op.name, done_op.get("first_error"))
            # Every slot is counted: called, or skipped for want of waiting work.
            assert done_op["count"] + done_op["skipped"] == done_op["scheduled"], op.name
            assert done_op["count"] >= 1, op.name
            assert done_op["p99_ms"] >= done_op["p50_ms"] > 0
        for name, rpc in step["rpcs"].items():
            assert name.split(".", 1)[0] in step["cpu"]["services"]
            assert rpc["count"] >= 1 and rpc["errors"] == 0, (name, rpc.get("first_error"))
            # The service timed each of these calls itself (its histogram, read around the
            # step), and at least as many: other services call some of its RPCs too.
            served = rpc["served"]
            assert served["count"] >= rpc["count"], name
            assert 0 <= served["over_limit"] <= served["count"], name
        called = {rpc.split(".", 1)[0] for rpc in step["rpcs"]}
        assert called == {"identity", "dossiers", "documents", "signatures", "archive"}
        for service in called:
            assert step["cpu"]["services"][service]["calls"] >= 1
        assert step["cpu"]["machine_busy_pct"] > 0
        # The host's share is counted in the busy share, never beyond it.
        assert 0 <= step["cpu"]["machine_stolen_pct"] <= step["cpu"]["machine_busy_pct"]
        # Every service that follows another has a durable consumer whose lag was read.
        lagged = {key.split("/", 1)[1] for key in step["event_lag"]}
        assert {"dossiers-identity", "documents-identity", "signatures-identity",
                "archive-identity", "archive-dossiers", "archive-documents"} <= lagged
        assert all(lag["samples"] >= 1 and lag["max_s"] >= lag["p99_s"] >= 0
                   for lag in step["event_lag"].values())
    # Each operation's first call names the RPCs its model line says it makes.
    first = figures["steps"][0]["rpcs"]
    assert {"dossiers.SubmitDossier", "documents.CreateDraft", "documents.RecordAgencySignature",
            "signatures.AuthorizeSignature", "signatures.SignHash", "archive.UploadFile",
            "archive.CapturePage", "identity.ResolveUnit", "identity.GetUnit"} <= set(first)
