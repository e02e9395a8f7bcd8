"""Processes as the stories that kill them see them."""

from __future__ import annotations

import time


def running(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie, dead but not yet reaped, does not)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def parent_of(pid: int) -> int:
    with open(f"/proc/{pid}/stat") as stat:
        return int(stat.read().rsplit(")", 1)[1].split()[1])


def wait_until_ended(pids: list[int], *, timeout: float = 60.0) -> None:
    """Returns once none of ``pids`` runs; fails the story after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while left := [pid for pid in pids if running(pid)]:
        assert time.monotonic() < deadline, f"still running after {timeout} s: {left}"
        time.sleep(0.05)
