"""An operator starts the platform with one command, finds it, and stops it with Ctrl-C."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import pytest

from lienthong.platform import grpc_health, nats_health

pytestmark = pytest.mark.e2e


def lienthong(*args: str) -> list[str]:
    return [sys.executable, "-m", "lienthong.cli.main", *args]


@pytest.mark.local_only("starts a local platform of its own with `lienthong up`")
def test_up_lists_every_endpoint_and_ctrl_c_stops_them_all(tmp_path):
    up = subprocess.Popen(lienthong("up", "--data-dir", str(tmp_path), "--nats-port", "0",
                                    "--base-port", "0"),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            status = subprocess.run(lienthong("status", "--json", "--data-dir", str(tmp_path)),
                                    capture_output=True, text=True, check=False)
            report = json.loads(status.stdout)
            if report.get("healthy"):
                break
            assert up.poll() is None and time.monotonic() < deadline, up.stdout.read()
            time.sleep(0.3)
        assert status.returncode == 0
        by_name = {s["name"]: s for s in report["services"]}
        assert set(by_name) == {"nats", "identity", "dossiers"}
        assert all(s["health"] == "SERVING" for s in by_name.values())

        up.send_signal(signal.SIGINT)
        output, _ = up.communicate(timeout=30)
    finally:
        if up.poll() is None:
            up.kill()
    assert up.returncode == 0, output
    assert "stopped" in output
    assert grpc_health(by_name["identity"]["address"], timeout=1) == "UNREACHABLE"
    assert nats_health(by_name["nats"]["address"], timeout=1) == "UNREACHABLE"
    stopped = subprocess.run(lienthong("status", "--json", "--data-dir", str(tmp_path)),
                             capture_output=True, text=True, check=False)
    assert stopped.returncode == 1
    assert json.loads(stopped.stdout) == {"running": False, "services": []}


@pytest.mark.local_only("starts a local platform of its own with `lienthong up`")
@pytest.mark.timeout(900)  # the seed is the whole country: minutes on a small machine
def test_up_with_the_2025_seed_starts_a_platform_that_knows_the_reform(tmp_path):
    up = subprocess.Popen(lienthong("up", "--data-dir", str(tmp_path), "--nats-port", "0",
                                    "--base-port", "0", "--seed", "vn-2025"),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        seen = []
        deadline = time.monotonic() + 800
        for line in up.stdout:  # "ready" is printed once the seed is loaded
            seen.append(line)
            if "ready" in line or time.monotonic() > deadline:
                break
        assert any("ready" in line for line in seen), "".join(seen[-40:])
        status = json.loads(subprocess.run(
            lienthong("status", "--json", "--data-dir", str(tmp_path)),
            capture_output=True, text=True, check=True).stdout)
        identity = next(s["address"] for s in status["services"] if s["name"] == "identity")
        resolved = subprocess.run(
            lienthong("identity", "resolve", "02", "--json", "--address", identity),
            capture_output=True, text=True, timeout=60, check=True)
        answer = json.loads(resolved.stdout)
        assert answer["named_unit"]["display_name"] == "Tỉnh Hà Giang"
        assert [u["display_name"] for u in answer["current_units"]] == ["Tỉnh Tuyên Quang"]
    finally:
        up.send_signal(signal.SIGINT)
        try:
            up.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            up.kill()
    assert up.returncode == 0
