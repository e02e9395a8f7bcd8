"""Quality control at capture runs in worker processes beside the archive service: a page
is judged there as the service itself would judge it; a worker killed costs no capture
(the service judges that page itself and starts the workers again); without workers the
service judges on its own."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import IO

import pytest

from lienthong.services.archive.capture.samples import sample_page, text_lines
from lienthong.services.archive.inspection import (
    PooledInspector,
    QualityInspector,
    processes_from_env,
    usable_cores,
)
from lienthong.testing import processes

A5 = (148.0, 210.0)


class RefusesToInspect:
    """The service's own inspector, made to fail: a page judged now was judged elsewhere."""

    def __init__(self) -> None:
        self.limits = QualityInspector().limits

    def inspect(self, data: bytes, kind: str) -> None:
        raise AssertionError("inspected in the service's own process")


def eventually(check: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "not in time"
        time.sleep(0.05)


@pytest.fixture
def running() -> Iterator[Callable[[PooledInspector], PooledInspector]]:
    """Runs inspectors as the service runs its background runners, until the test ends."""
    stops: list[tuple[asyncio.AbstractEventLoop, asyncio.Event, threading.Thread]] = []

    def run(inspector: PooledInspector) -> PooledInspector:
        loop = asyncio.new_event_loop()
        stop = asyncio.Event()

        async def until_stopped() -> None:
            await inspector.run(stop)

        thread = threading.Thread(target=loop.run_until_complete, args=(until_stopped(),))
        thread.start()
        stops.append((loop, stop, thread))
        return inspector

    yield run
    for loop, stop, thread in stops:
        loop.call_soon_threadsafe(stop.set)
        thread.join(timeout=30)
        loop.close()


@pytest.fixture(scope="module")
def page() -> bytes:
    return sample_page(lines=text_lines(7, 8), size_mm=A5)


def test_a_page_is_judged_in_a_worker_as_the_service_would_judge_it(running, page) -> None:
    inspector = running(PooledInspector(1))
    eventually(lambda: bool(inspector.workers()))
    expected = QualityInspector().inspect(page, "text")
    inspector.local = RefusesToInspect()  # type: ignore[assignment]

    found = inspector.inspect(page, "text")

    assert found == expected
    assert not found.findings and found.fingerprint
    assert os.getpid() not in inspector.workers()


def test_a_killed_worker_costs_no_capture_and_is_started_again(running, page) -> None:
    inspector = running(PooledInspector(1))
    eventually(lambda: bool(inspector.workers()))
    [killed] = inspector.workers()
    expected = QualityInspector().inspect(page, "text")

    os.kill(killed, signal.SIGKILL)
    found = inspector.inspect(page, "text")

    assert found == expected
    eventually(lambda: bool(inspector.workers()) and killed not in inspector.workers())
    inspector.local = RefusesToInspect()  # type: ignore[assignment]
    assert inspector.inspect(page, "text") == expected


SERVICE_WITH_WORKERS = """
import asyncio, faulthandler, sys, time
from lienthong.services.archive import inspection

# Stuck past its own deadline below: its threads' stacks on stderr, and the end (the
# story then fails at once, with them, instead of waiting out the test's timeout).
faulthandler.dump_traceback_later(inspection.START_TIMEOUT_S + 60, exit=True)

async def main():
    inspector = inspection.PooledInspector(2)
    stop = asyncio.Event()
    task = asyncio.create_task(inspector.run(stop))
    # Past the start's own time limit, the service inspects itself: say so and end.
    deadline = time.monotonic() + inspection.START_TIMEOUT_S + 30
    while len(inspector.workers()) < 2:
        if time.monotonic() > deadline or task.done():
            print("no workers", flush=True)
            sys.exit(1)
        await asyncio.sleep(0.05)
    print("workers", *inspector.workers(), flush=True)
    await task

asyncio.run(main())
"""


def workers_line(output: IO[str]) -> str:
    """The service's ``workers <pid> <pid>`` line, past its log lines; the story fails with
    those lines when the service ends, says it has no workers or logs that they could not
    start."""
    seen = []
    for line in iter(output.readline, ""):
        seen.append(line)
        if line.startswith("workers "):
            return line
        if line == "no workers\n" or "capture_workers_unavailable" in line:
            break
    pytest.fail(f"no workers came up: {''.join(seen)}")


def test_the_workers_end_when_the_service_is_killed_outright() -> None:
    service = subprocess.Popen([sys.executable, "-c", SERVICE_WITH_WORKERS],
                               stdout=subprocess.PIPE, text=True)
    try:
        assert service.stdout is not None
        workers = [int(pid) for pid in workers_line(service.stdout).split()[1:]]
        assert len(workers) == 2 and all(processes.running(pid) for pid in workers)
        fork_server = {processes.parent_of(pid) for pid in workers}
    finally:
        service.kill()  # SIGKILL: no shutdown of the pool
        service.wait(timeout=30)

    processes.wait_until_ended([*workers, *fork_server])


def test_without_workers_the_service_judges_on_its_own(running, page) -> None:
    inspector = running(PooledInspector(0))

    found = inspector.inspect(page, "text")

    assert found == QualityInspector().inspect(page, "text")
    assert inspector.workers() == []


@pytest.mark.parametrize("raw", ["-1", "two", "65"])
def test_a_worker_count_out_of_bounds_is_refused_naming_the_setting(raw: str) -> None:
    with pytest.raises(ValueError, match="LIENTHONG_ARCHIVE_CAPTURE_PROCESSES must be"):
        processes_from_env({"LIENTHONG_ARCHIVE_CAPTURE_PROCESSES": raw})


def test_by_default_one_worker_a_core_up_to_four() -> None:
    assert processes_from_env({}) == min(usable_cores(), 4)
    assert processes_from_env({"LIENTHONG_ARCHIVE_CAPTURE_PROCESSES": "0"}) == 0


@pytest.mark.parametrize(("cpu_max", "cores"), [
    ("max 100000\n", None),  # no quota: the CPU affinity's
    ("150000 100000\n", 2),  # a limit of 1.5 cores
    ("50000 100000\n", 1),
    ("unreadable", None),
])
def test_a_containers_cpu_limit_bounds_the_cores(tmp_path, cpu_max: str,
                                                 cores: int | None) -> None:
    quota = tmp_path / "cpu.max"
    quota.write_text(cpu_max)
    affinity = len(os.sched_getaffinity(0))

    assert usable_cores(quota) == (affinity if cores is None else min(cores, affinity))
    assert usable_cores(tmp_path / "absent") == affinity
