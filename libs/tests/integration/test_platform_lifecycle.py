"""An operator stops `lienthong up` at any moment, and its processes never outlive it.

Each story starts a real `lienthong up` (nats-server and every service) in a
folder of its own and watches the pids its run file lists.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from lienthong.testing.nats import refuses_plaintext
from lienthong.testing.processes import running

if TYPE_CHECKING:
    from collections.abc import Callable

#: Generous bounds: the machine running the suite may be busy.
STARTUP_TIMEOUT_S = 90
STOP_TIMEOUT_S = 30

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="children die with `up` through PR_SET_PDEATHSIG (Linux)")


def lienthong(*args: str) -> list[str]:
    return [sys.executable, "-m", "lienthong.tools.cli.main", *args]


def start_up(data_dir: Path, *args: str) -> subprocess.Popen[str]:
    """`lienthong up` in ``data_dir``; what it prints goes to ``data_dir/up.log``."""
    data_dir.mkdir(exist_ok=True)
    with (data_dir / "up.log").open("w") as log:
        return subprocess.Popen(
            lienthong("up", "--data-dir", str(data_dir), "--nats-port", "0", "--base-port",
                      "0", *args),
            stdout=log, stderr=subprocess.STDOUT, text=True)


def printed(up: subprocess.Popen[str]) -> str:
    return (Path(up.args[up.args.index("--data-dir") + 1]) / "up.log").read_text()


def run_file(data_dir: Path) -> dict[str, Any] | None:
    try:
        return json.loads((data_dir / "run.json").read_text())
    except (FileNotFoundError, json.JSONDecodeError):  # not yet, or being replaced
        return None


def wait_for(condition: Callable[[], Any], up: subprocess.Popen[str], what: str,
             timeout: float = STARTUP_TIMEOUT_S) -> Any:
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        if up.poll() is not None:
            pytest.fail(f"`up` exited ({up.returncode}) before {what}:\n{printed(up)}")
        if time.monotonic() > deadline:
            pytest.fail(f"not {what} after {timeout} s")
        time.sleep(0.2)
    return value


def children_of(state: dict[str, Any]) -> dict[str, int]:
    return {e["name"]: e["pid"] for e in state["endpoints"]}


def wait_until_gone(pids: dict[str, int], timeout: float = STOP_TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout
    while (alive := {name for name, pid in pids.items() if running(pid)}):
        assert time.monotonic() < deadline, f"still running after {timeout} s: {alive}"
        time.sleep(0.1)


@pytest.fixture
def ups() -> list[subprocess.Popen[str]]:
    """The `up` processes a story starts, killed if the story leaves one running."""
    started: list[subprocess.Popen[str]] = []
    yield started
    for up in started:
        if up.poll() is None:
            up.kill()
            up.wait(timeout=STOP_TIMEOUT_S)


def test_ctrl_c_while_the_seed_loads_stops_the_seed_and_every_process(tmp_path, ups):
    up = start_up(tmp_path, "--seed", "vn-2025")
    ups.append(up)
    # From its first save, the run file says a seed is to come: never ready before it.
    first = wait_for(lambda: run_file(tmp_path), up, "started")
    assert first["seed"]["name"] == "vn-2025"
    assert first["seed"]["state"] in ("pending", "seeding")
    seeding = wait_for(lambda: (s := run_file(tmp_path)) and s["seed"].get("state") == "seeding"
                       and s, up, "seeding")
    pids = children_of(seeding)
    assert set(pids) >= {"nats", "identity", "dossiers"}

    up.send_signal(signal.SIGINT)
    up.wait(timeout=STOP_TIMEOUT_S)
    output = printed(up)

    assert up.returncode == 0, output
    assert "stop requested" in output and "stopped" in output
    assert "ready" not in output  # the seed did not finish
    wait_until_gone(pids)
    assert run_file(tmp_path) is None


def test_sigterm_while_the_services_start_stops_them_all(tmp_path, ups):
    up = start_up(tmp_path)
    ups.append(up)
    # The run file is written once every process is started, before they are healthy.
    pids = children_of(wait_for(lambda: run_file(tmp_path), up, "started"))

    up.send_signal(signal.SIGTERM)
    up.wait(timeout=STOP_TIMEOUT_S)
    output = printed(up)

    assert up.returncode == 0, output
    wait_until_gone(pids)


def test_a_killed_up_leaves_no_process_behind(tmp_path, ups):
    up = start_up(tmp_path)
    ups.append(up)
    state = wait_for(lambda: (s := run_file(tmp_path)) and _healthy(tmp_path) and s, up,
                     "healthy")
    pids = children_of(state)

    os.kill(up.pid, signal.SIGKILL)
    up.wait(timeout=STOP_TIMEOUT_S)

    # The kernel sends each SIGTERM (PR_SET_PDEATHSIG): they stop as they would on Ctrl-C.
    wait_until_gone(pids)


def _healthy(data_dir: Path) -> bool:
    """Whether `lienthong status` says so; one that does not answer in 30 s (a starved
    machine) says nothing yet, and the caller's own deadline decides."""
    try:
        status = subprocess.run(lienthong("status", "--json", "--data-dir", str(data_dir)),
                                capture_output=True, text=True, timeout=30, check=False)
    except subprocess.TimeoutExpired:
        return False
    return status.returncode == 0 and json.loads(status.stdout).get("healthy") is True


def test_a_service_whose_parent_died_stops_itself(tmp_path):
    """Where the kernel does not signal it (no PR_SET_PDEATHSIG), a service of `up` notices."""
    started = tmp_path / "started"
    (tmp_path / "sleeper.py").write_text(
        f"import pathlib, time\npathlib.Path({str(started)!r}).touch()\ntime.sleep(120)\n")
    # A parent that starts the service the way `up` does, without the kernel's
    # signal, waits until it runs, says its pid and exits.
    parent = subprocess.run([sys.executable, "-c", (
        "import os, pathlib, subprocess, sys, time\n"
        "child = subprocess.Popen([sys.executable, '-c', 'from lienthong.tools.platform import "
        "run_child; run_child()', 'sleeper', str(os.getpid())],\n"
        "    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
        f"while not pathlib.Path({str(started)!r}).exists() and child.poll() is None:\n"
        "    time.sleep(0.05)\n"
        "print(child.pid, child.poll())\n")], capture_output=True, text=True,
        timeout=STOP_TIMEOUT_S, check=True, env={**os.environ, "PYTHONPATH": str(tmp_path)})
    pid, exited = parent.stdout.split()
    assert exited == "None", "the service did not start"

    wait_until_gone({"service": int(pid)})


@pytest.mark.timeout(300)
def test_a_seed_without_agency_codes_says_so_and_is_ready_only_once_applied(tmp_path, ups):
    up = start_up(tmp_path, "--seed", "vn-2025-sample")
    ups.append(up)

    ready = wait_for(lambda: (s := run_file(tmp_path)) and s["seed"].get("state") == "ready"
                     and s, up, "the seed is in", timeout=240)
    wait_for(lambda: "ready — Ctrl-C" in printed(up), up, "up prints ready")
    output = printed(up)

    seed = ready["seed"]
    assert (seed["provinces"], seed["agency_codes"], seed["import_failures"]) == (4, 0, 0)
    assert seed["communes"] > 0
    assert "agency codes are not loaded" in output
    assert output.index("agency codes are not loaded") < output.index("ready — Ctrl-C")
    status = json.loads(subprocess.run(lienthong("status", "--json", "--data-dir",
                                                 str(tmp_path)), capture_output=True,
                                       text=True, timeout=60, check=False).stdout)
    assert status["ready"] is True
    # The seed reached dossiers through NATS, which takes mutual TLS only (each service
    # its own user, the seed's wait the tools' user).
    [nats] = [s for s in status["services"] if s["name"] == "nats"]
    assert nats["url"] == f"tls://{nats['address']}"
    assert refuses_plaintext(nats["address"])
    up.send_signal(signal.SIGINT)
    up.wait(timeout=STOP_TIMEOUT_S)
    assert up.returncode == 0
