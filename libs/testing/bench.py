"""A benchmark command run as an SRE runs it, for the tests that check what it reports."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from lienthong.testing.postgres import admin_dsn


def bench_figures(scenario: str, *options: str, timeout_s: float = 540) -> dict[str, Any]:
    """``lienthong bench <scenario> --json <options>`` in a process of its own, on this
    machine's PostgreSQL server (the bench makes its own databases there): the figures it
    printed last. Fails the test, with the end of its log, if the command failed."""
    done = subprocess.run(
        [sys.executable, "-m", "lienthong.tools.cli.main", "bench", scenario, "--json",
         *options, "--postgres-dsn", admin_dsn()],
        capture_output=True, text=True, timeout=timeout_s, check=False)
    assert done.returncode == 0, done.stderr[-4000:]
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    assert figures["scenario"] == scenario
    return figures
