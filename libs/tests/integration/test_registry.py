"""A service found by its entry point alone is started, listed, smoke-tested, audited and
benchmarked.

The test writes a distribution's metadata (``*.dist-info`` with an
``entry_points.txt``) into a folder on PYTHONPATH, beside nothing but the
throwaway service's module: no file of the platform names it, as for any
service added to the repository.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from lienthong import registry
from lienthong.eventstore import derived_id

THROWAWAY = Path(__file__).parent / "throwaway"
NOTE_ID = str(derived_id("note", "hello"))  # the one note the throwaway service writes


def lienthong(*args: str) -> list[str]:
    return [sys.executable, "-m", "lienthong.tools.cli.main", *args]


@pytest.fixture
def environment(tmp_path: Path) -> dict[str, str]:
    """PYTHONPATH with the throwaway service and its registration."""
    dist_info = tmp_path / "site" / "throwaway_service-0.1.dist-info"
    dist_info.mkdir(parents=True)
    (dist_info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: throwaway-service\nVersion: 0.1\n")
    (dist_info / "entry_points.txt").write_text(
        "[lienthong.services]\nthrowaway = throwaway_service:SERVICE\n")
    path = os.pathsep.join([str(tmp_path / "site"), str(THROWAWAY),
                            os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return {**os.environ, "PYTHONPATH": path}


def run(environment: dict[str, str], *command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(command), capture_output=True, text=True, timeout=120,
                          env=environment, check=False)


@pytest.mark.timeout(240)
def test_a_registered_service_is_started_listed_smoke_tested_audited_and_benchmarked(
        environment: dict[str, str], tmp_path: Path) -> None:
    listed = json.loads(run(environment, sys.executable, "-m", "lienthong.registry").stdout)
    installed = [spec.name for spec in registry.services()]
    assert [s["name"] for s in listed] == [*installed, "throwaway"]

    data = tmp_path / "platform"
    up = subprocess.Popen(lienthong("up", "--data-dir", str(data), "--nats-port", "0",
                                    "--base-port", "0"), env=environment,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 120
        while True:
            status = run(environment, *lienthong("status", "--json", "--data-dir", str(data)))
            report = json.loads(status.stdout or "{}")
            if report.get("ready"):
                break
            assert up.poll() is None, up.stdout.read() if up.stdout else ""
            assert time.monotonic() < deadline, report
            time.sleep(0.5)
        services = {s["name"]: s for s in report["services"]}
        assert services["throwaway"]["health"] == "SERVING"
        address = services["throwaway"]["address"]
        # What it runs beside gRPC runs too, on the HTTP address `up` gave it.
        with urllib.request.urlopen(f"http://{services['throwaway']['http']}/",
                                    timeout=10) as answer:
            assert answer.read() == b"a service registered by its entry point alone"

        # The smoke test connects as any client does: with the files `status` names.
        tls = report["tls"]
        client = {"LIENTHONG_CLIENT_TLS_CERT": tls["cert"], "LIENTHONG_CLIENT_TLS_KEY": tls["key"],
                  "LIENTHONG_CLIENT_TLS_CA": tls["ca"]}
        smoke = run({**environment, **client}, sys.executable, "-m", "lienthong.tools.smoke",
                    "--throwaway", address, "--wait", "30")
        assert smoke.returncode == 0, smoke.stdout + smoke.stderr
        reads = [json.loads(line) for line in smoke.stdout.splitlines()]
        assert {"check": "read", "service": "throwaway",
                "rpc": "lienthong.audit.v1.AuditService/ExportEvents", "items": 1}.items() <= \
            next(r for r in reads if r["check"] == "read").items()

        history = run(environment, *lienthong("audit", "history", NOTE_ID, "--service",
                                              "throwaway", "--data-dir", str(data), "--json"))
        assert history.returncode == 0, history.stderr
        assert "Written" in history.stdout

        bench = run(environment, *lienthong("bench", "notes", "--json", "--reads", "50"))
        assert bench.returncode == 0, bench.stderr
        figures = json.loads(bench.stdout)
        assert (figures["scenario"], figures["read"]["calls"], figures["raw"]["calls"]) == \
            ("notes", 50, 50)
    finally:
        up.send_signal(signal.SIGINT)
        try:
            up.wait(timeout=60)
        except subprocess.TimeoutExpired:
            up.kill()
