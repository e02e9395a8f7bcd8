"""An SRE stops any long-running process of the platform with SIGTERM (or Ctrl-C)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from typing import TYPE_CHECKING

import pytest

from lienthong.audit.checkpoints import generate_key_file
from lienthong.services.identity.application import IdentityApplication, NewUnitSpec

if TYPE_CHECKING:
    from pathlib import Path

WAITING = """
import asyncio
from lienthong.signals import stop_on_signal

async def main():
    with stop_on_signal() as stop:
        print("waiting", flush=True)
        await stop.wait()
        print("winding down", flush=True)

asyncio.run(main())
"""


def wait_for_line(process: subprocess.Popen[str], stream: str, wanted: str) -> list[str]:
    """The lines of ``stream`` read until one contains ``wanted``."""
    lines = []
    for line in getattr(process, stream):
        lines.append(line)
        if wanted in line:
            return lines
    pytest.fail(f"the process ended before saying {wanted!r}: {''.join(lines)}")


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_lets_the_process_wind_down_and_exit_cleanly(signum: int) -> None:
    process = subprocess.Popen([sys.executable, "-c", WAITING], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        wait_for_line(process, "stdout", "waiting")
        process.send_signal(signum)
        output, errors = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, errors
    assert output == "winding down\n"


def test_sigterm_stops_a_checkpointer_run_as_its_own_process(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'identity.db'}"
    app = IdentityApplication(store)
    try:
        app.register_unit(NewUnitSpec(display_name="Tỉnh Lai Châu", kind="province",
                                      administrative_unit_code="12"))
    finally:
        app.close()
    generate_key_file(tmp_path / "signing.pem")
    env = {**os.environ, "LIENTHONG_NATS_URL": "", "LIENTHONG_LOG_LEVEL": "info"}
    process = subprocess.Popen(
        [sys.executable, "-m", "lienthong.audit.checkpointer",
         "--app", "lienthong.services.identity.application:IdentityApplication",
         "--service", "identity", "--event-store", store,
         "--signing-key", str(tmp_path / "signing.pem")],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        logged = wait_for_line(process, "stderr", "checkpointer_started")
        process.send_signal(signal.SIGTERM)
        _, rest = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, rest
    events = [json.loads(line)["event"] for line in [*logged, *rest.splitlines()]
              if line.startswith("{")]
    assert events[-1] == "checkpointer_stopped"
