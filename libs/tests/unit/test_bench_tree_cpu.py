"""A service's CPU, as the benchmarks meter it, includes the processes it started (the
archive's capture workers do its quality control)."""

from __future__ import annotations

import os
import subprocess
import sys

from lienthong.tools.bench.common import _proc_cpu_s, _tree_cpu_s

BUSY_CHILD = """
import sys, time
while time.process_time() < 0.4:
    pass
print("busy", flush=True)
sys.stdin.readline()
"""


def test_a_process_tree_counts_the_cpu_of_the_children_still_running() -> None:
    child = subprocess.Popen([sys.executable, "-c", BUSY_CHILD], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "busy"
        own, tree = _proc_cpu_s(os.getpid()), _tree_cpu_s(os.getpid())
        childs = _proc_cpu_s(child.pid)
    finally:
        child.communicate("", timeout=30)

    assert childs >= 0.35
    assert tree >= own + childs - 0.02  # this process's ticks went on between the reads


def test_a_process_that_is_not_there_counts_nothing() -> None:
    beyond_linux_pid_max = 2**22 + 7

    assert _tree_cpu_s(beyond_linux_pid_max) == 0.0


def test_a_child_that_ended_takes_nothing_back() -> None:
    before = _tree_cpu_s(os.getpid())
    child = subprocess.Popen([sys.executable, "-c", BUSY_CHILD], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None and child.stdout.readline().strip() == "busy"
    during = _tree_cpu_s(os.getpid())
    child.communicate("", timeout=30)  # ended, and waited for

    after = _tree_cpu_s(os.getpid())

    assert during >= before + 0.35
    assert after >= during - 0.02


BURN_ON_REQUEST = """
import sys, time
print("ready", flush=True)
for line in sys.stdin:
    start = time.process_time()
    while time.process_time() - start < 0.003:
        pass
    print("burnt", flush=True)
"""


def test_a_few_milliseconds_of_cpu_count_though_the_kernel_ticks_every_ten() -> None:
    child = subprocess.Popen([sys.executable, "-c", BURN_ON_REQUEST], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
    assert child.stdin is not None and child.stdout is not None
    try:
        assert child.stdout.readline().strip() == "ready"
        before = _tree_cpu_s(child.pid)
        child.stdin.write("burn\n")
        child.stdin.flush()
        assert child.stdout.readline().strip() == "burnt"
        after = _tree_cpu_s(child.pid)
    finally:
        child.communicate("", timeout=30)

    assert 0.003 <= after - before < 0.5
