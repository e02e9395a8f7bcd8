"""A benchmark's services never outlive it, even when it is killed outright (its
cleanup never runs): a service left behind would take its share of the next run's CPU."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from lienthong.testing.processes import running, wait_until_ended

BENCH_WITH_A_SERVICE = """
import sys
from lienthong.tools.bench.common import ServiceProcess

with ServiceProcess("lienthong.services.identity", {}) as service:
    print("serving", service.pid, flush=True)
    sys.stdin.readline()
"""


def test_a_service_ends_with_the_benchmark_killed_outright() -> None:
    bench = subprocess.Popen([sys.executable, "-c", BENCH_WITH_A_SERVICE],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert bench.stdout is not None
    line = bench.stdout.readline()
    assert line.startswith("serving "), line
    service = int(line.split()[1])
    assert running(service)

    os.kill(bench.pid, signal.SIGKILL)
    bench.wait(timeout=30)

    wait_until_ended([service])  # it stops as on Ctrl-C: SIGTERM from the kernel
