"""``lienthong bench signatures --json`` prints SignHash beside raw PKCS#11 signing of the
same run, and the latency of a PAdES B-LT signature.

It runs in a process of its own: SoftHSM2 reads its configuration once per process, and
the benchmark makes a token of its own for the raw baseline.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from lienthong.testing.postgres import admin_dsn


@pytest.fixture
def softhsm() -> None:
    from lienthong.pkcs11 import softhsm_module
    from lienthong.testing.softhsm import softhsm_required

    if softhsm_module() is None:
        message = "no SoftHSM2 library here"
        if softhsm_required():
            pytest.fail(message)
        pytest.skip(message)


@pytest.mark.postgres
def test_bench_signatures_prints_sign_hash_raw_and_pades_figures(
        postgres_dsn: str, softhsm: None) -> None:
    del postgres_dsn  # the server is up; the bench makes its own database there
    done = subprocess.run(
        [sys.executable, "-m", "lienthong.tools.cli.main", "bench", "signatures", "--json",
         "--calls", "12", "--connections", "2", "--rounds", "2", "--key-algorithm", "ec-p256",
         "--pdf-samples", "1", "--pdf-mb", "1", "--validations", "3",
         "--postgres-dsn", admin_dsn()],
        capture_output=True, text=True, timeout=240, check=False)
    assert done.returncode == 0, done.stderr[-4000:]
    figures = json.loads(done.stdout.strip().splitlines()[-1])

    assert figures["scenario"] == "signatures"
    sign_hash, raw = figures["sign_hash"], figures["raw"]
    assert sign_hash["count"] == 12 and "errors" not in sign_hash
    assert sign_hash["per_s"] > 0 and sign_hash["p99_ms"] >= sign_hash["p50_ms"] > 0
    assert sign_hash["verified"] == 5 and sign_hash["key_algorithm"] == "ec-p256"
    # The service's CPU is read from its CPU clock, not in 10 ms ticks: 12 short calls count.
    assert sign_hash["cpu"]["server_ms_per_call"] > 0
    assert raw["pkcs11_sign_per_s"] > 0 and raw["key_algorithm"] == "ec-p256"
    assert figures["ratios"]["sign_hash_vs_raw"] == pytest.approx(
        sign_hash["per_s"] / raw["pkcs11_sign_per_s"], abs=0.002)
    assert figures["targets"]["met"] == (figures["ratios"]["sign_hash_vs_raw"] >= 0.5)
    assert figures["authorize"]["count"] == 12

    pades = figures["pades_blt_10mb"]
    assert pades["count"] == 1 and pades["level"] == "B-LT"
    assert pades["max_ms"] >= pades["p50_ms"] > 0
    assert pades["pdf_bytes"] >= 1024 * 1024
    assert pades["signed_bytes"] > pades["pdf_bytes"]
    assert pades["validation"] == ["TOTAL_PASSED"]
    assert figures["setup"]["credentials"] == 12 + 1 + 1 + 2

    # Both signatures of the B-T document pass in every call, through the service and
    # through pyHanko alone (a call with any other verdict would have failed the bench).
    validation, pyhanko = figures["validate_pades_bt"], figures["raw_validation"]
    assert validation["count"] == 3 and validation["signatures"] == 2
    assert validation["level"] == "B-T" and "errors" not in validation
    assert validation["p99_ms"] >= validation["p50_ms"] > 0
    assert pyhanko["count"] == 3 and pyhanko["pyhanko_per_s"] > 0
    assert figures["ratios"]["validate_vs_pyhanko"] == pytest.approx(
        validation["per_s"] / pyhanko["pyhanko_per_s"], abs=0.002)
    assert figures["config"]["rounds"] == 2
