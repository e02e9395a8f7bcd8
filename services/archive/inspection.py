"""Quality control at capture as the application asks for it (the :class:`PageInspector`
port): :mod:`.capture`'s checks of one page, its measures as the events record them.

:class:`PooledInspector` runs the same checks in worker processes (the service's).

The archive takes JPEG, PNG and TIFF scans: a JPEG 2000 scan, which capture could read,
would not become a PDF/A without re-encoding its image (:mod:`.ocr`), so it is sent back
at capture rather than failing at OCR."""

from __future__ import annotations

import asyncio
import math
import multiprocessing
import os
import select
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import TYPE_CHECKING

import structlog

from .capture.quality import CaptureLimits, PageKind, fingerprint_distance, inspect_page
from .ports import Inspection

if TYPE_CHECKING:
    from collections.abc import Mapping

log = structlog.get_logger("lienthong.archive.inspection")

#: The formats OCR makes a PDF/A of, the scanned image kept as it is.
FORMATS = frozenset({"JPEG", "PNG", "TIFF"})


class QualityInspector:
    def __init__(self, limits: CaptureLimits | None = None) -> None:
        self.limits = limits or CaptureLimits(formats=FORMATS)

    def inspect(self, data: bytes, kind: str) -> Inspection:
        found = inspect_page(data, kind=PageKind(kind), limits=self.limits)
        measures = {
            "format": found.format or "", "width": found.width or 0,
            "height": found.height or 0, "dpi": list(found.dpi or (0.0, 0.0)),
            "bits_per_pixel": found.bits_per_pixel or 0,
            "skew_degrees": round(found.skew_degrees or 0.0, 2),
            "ink_share": round(found.ink_share or 0.0, 4),
            "fingerprint": found.fingerprint or ""}
        findings = tuple({"rule": str(f.rule), "detail": f.detail} for f in found.findings)
        return Inspection(findings, measures, found.fingerprint or "")

    def same_page(self, fingerprint: str, other: str) -> bool:
        if not fingerprint or not other:
            return False
        return fingerprint_distance(fingerprint, other) <= self.limits.duplicate_distance


#: ``LIENTHONG_ARCHIVE_CAPTURE_PROCESSES``: worker processes for quality control (0: in the
#: service's own process); by default one per core the process may use, at most four.
PROCESSES_ENV = "LIENTHONG_ARCHIVE_CAPTURE_PROCESSES"
DEFAULT_MAX_PROCESSES = 4
MAX_PROCESSES = 64
#: How long a worker may take to start (its imports) before the service inspects itself.
START_TIMEOUT_S = 120.0
#: cgroup v2's CPU quota of the process's group ("max" or "<quota> <period>").
CPU_MAX = Path("/sys/fs/cgroup/cpu.max")


def usable_cores(cpu_max: Path = CPU_MAX) -> int:
    """The cores this process may use: its CPU affinity, fewer when its cgroup's quota
    allows less (a container's CPU limit), at least one."""
    cores = len(os.sched_getaffinity(0))
    try:
        quota, period = cpu_max.read_text().split()[:2]
        if quota != "max":
            cores = min(cores, math.ceil(int(quota) / int(period)))
    except (OSError, ValueError):  # no cgroup v2 quota to read
        pass
    return max(1, cores)


def processes_from_env(environ: Mapping[str, str] | None = None) -> int:
    env = os.environ if environ is None else environ
    raw = (env.get(PROCESSES_ENV) or "").strip()
    if not raw:
        return min(usable_cores(), DEFAULT_MAX_PROCESSES)
    try:
        count = int(raw)
    except ValueError:
        count = -1
    if not 0 <= count <= MAX_PROCESSES:
        msg = f"{PROCESSES_ENV} must be a whole number from 0 to {MAX_PROCESSES}, not {raw!r}"
        raise ValueError(msg)
    return count


def _inspect(data: bytes, kind: str, limits: CaptureLimits) -> Inspection:
    return QualityInspector(limits).inspect(data, kind)


def _started() -> int:
    return os.getpid()


def _end_with(service_pid: int) -> None:
    """A worker's start: it ends when the service does, however the service ended. A
    worker waits for pages on pipes it holds both ends of, so a service killed outright
    would leave it (and the fork server) waiting forever. The service's process
    descriptor (Linux's pidfd) becomes readable when the service has ended."""
    service = os.pidfd_open(service_pid)

    def watch() -> None:
        select.select([service], [], [])
        os._exit(0)

    threading.Thread(target=watch, name="end-with-the-service", daemon=True).start()


class PooledInspector:
    """The same checks as :class:`QualityInspector`, in worker processes: decoding a scan
    and measuring it (17 ms of a core for an A6 page at 200 dpi, 35 for an A4 at 300) then
    holds neither the service's interpreter lock nor its other threads (the consumers, the
    relay, the archival worker), and captures use as many cores as there are workers.

    A background runner of the service: the workers start once the service is up (forked
    from a server process that has imported the checks once) and stop with it, also when
    it is killed outright. The service's own process inspects while there are none:
    before they are up, with ``processes`` 0, and for a call whose worker died, while the
    pool is started again."""

    name = "capture-workers"

    def __init__(self, processes: int, limits: CaptureLimits | None = None) -> None:
        self.local = QualityInspector(limits)
        self.processes = processes
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()
        self._stopped = False

    async def run(self, stop: asyncio.Event) -> None:
        if self.processes > 0:
            await asyncio.to_thread(self._restart, None)
        try:
            await stop.wait()
        finally:
            with self._lock:
                self._stopped = True
                pool, self._pool = self._pool, None
            if pool is not None:
                pool.shutdown(wait=False, cancel_futures=True)

    def _start(self) -> ProcessPoolExecutor:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([__name__])
        pool = ProcessPoolExecutor(self.processes, mp_context=context,
                                   initializer=_end_with, initargs=(os.getpid(),))
        try:
            for started in [pool.submit(_started) for _ in range(self.processes)]:
                started.result(timeout=START_TIMEOUT_S)
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        return pool

    def _restart(self, broken: ProcessPoolExecutor | None) -> None:
        """A pool in place of ``broken`` (None: the first), unless one was put already."""
        with self._lock:
            if self._stopped or self._pool is not broken:
                return
            if broken is not None:
                broken.shutdown(wait=False, cancel_futures=True)
                self._pool = None
            try:
                self._pool = self._start()
            except Exception:  # the service inspects itself, and says so
                log.exception("capture_workers_unavailable", processes=self.processes)
                return
        log.info("capture_workers_started", processes=self.processes)

    def workers(self) -> list[int]:
        """The process ids of the workers now (none: the service inspects itself)."""
        pool = self._pool
        processes = getattr(pool, "_processes", None) or {}
        return sorted(processes)

    def inspect(self, data: bytes, kind: str) -> Inspection:
        pool = self._pool
        if pool is None:
            return self.local.inspect(data, kind)
        try:
            checked = pool.submit(_inspect, data, kind, self.local.limits)
        except BrokenProcessPool:  # a worker died before this call
            return self._instead_of_broken(pool, data, kind)
        except RuntimeError:  # the pool shut down meanwhile (the service stopping)
            return self.local.inspect(data, kind)
        try:
            return checked.result()
        except BrokenProcessPool:  # a worker died during it
            return self._instead_of_broken(pool, data, kind)

    def _instead_of_broken(self, pool: ProcessPoolExecutor, data: bytes,
                           kind: str) -> Inspection:
        """The page inspected here, while a thread starts the workers again."""
        log.warning("capture_worker_died", processes=self.processes)
        threading.Thread(target=self._restart, args=(pool,), daemon=True,
                         name="capture-workers-restart").start()
        return self.local.inspect(data, kind)

    def same_page(self, fingerprint: str, other: str) -> bool:
        return self.local.same_page(fingerprint, other)
