"""Fixity hashing beside plain hashing of the same files, in one run.

``--fixity-files`` archival packages, each an E-ARK AIP in a BagIt bag written by the
archive's own packaging (:func:`write_package`, :func:`write_tar`) around a payload of
``--fixity-mb`` MiB of random bytes, are written to a temporary folder as tars and stored
in the archive's Object Store bucket (``archive``) on the run's nats-server, through the
service's own file store (:class:`ServiceFiles`, opened by its ``run`` on an event loop of
this process, as the service's process opens it). Then, taking turns round after round
(``alternate``), over all of them, one file after the other:

* ``fixity``: :meth:`ServiceFiles.rehash`, called from a worker thread as the archive's
  fixity check calls it: the stored package read from JetStream and hashed as it streams;
* ``sha256sum``: ``sha256sum`` (a subprocess) over the tars on the disk;
* ``hashlib``: Python's ``hashlib.sha256`` (OpenSSL) over the tars on the disk, 1 MiB
  reads, in this process: what the machine hashes at best;
* ``check_tar``: the file-by-file check (:func:`check_tar`) of each tar read from the
  disk, every member hashed and compared with the bag's manifests.

Every round's result is checked: each side must find the SHA-256 the store recorded at
ingest, and each package intact. GB are 10^9 bytes.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hashlib
import os
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lienthong.files.limits import DEFAULT_CONTENT_TYPES, DEFAULT_MAX_FILE_BYTES, FileLimits
from lienthong.files.service import ServiceFiles
from lienthong.tools.bench.common import BenchError, LoadResult, alternate

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from lienthong.tools.bench.common import PhaseProgress

MIB = 1024 * 1024
GB = 1e9
#: The fixity check reaches at least this share of ``sha256sum``'s GB/s, in every round.
TARGET_RATIO = 0.8
AGENCY_CODE = "000.00.31.H97"
AGENCY_NAME = "Ủy ban nhân dân xã Thử Nghiệm"
YEAR = 2024
CREATED = dt.datetime(2025, 3, 1, 2, 0, tzinfo=dt.UTC)
TAR_TYPE = "application/x-tar"
SIDES = ("fixity", "sha256sum", "hashlib", "check_tar")


@dataclass(frozen=True)
class StoredPackage:
    """A package tar: on the disk at ``path``, stored as ``name`` with ``sha256``."""

    path: Path
    name: str
    size: int
    sha256: str


class _HashingWriter:
    """A binary file that hashes what is written to it."""

    def __init__(self, out: Any) -> None:
        self.out = out
        self.hash = hashlib.sha256()

    def write(self, data: bytes | memoryview) -> int:
        self.hash.update(data)
        return self.out.write(data)


def _random_payload(path: Path, size: int) -> str:
    hashed = hashlib.sha256()
    with path.open("wb") as out:
        for offset in range(0, size, MIB):
            block = os.urandom(min(MIB, size - offset))
            hashed.update(block)
            out.write(block)
    return hashed.hexdigest()


def write_package_tar(folder: Path, number: int, payload_bytes: int) -> tuple[Path, str]:
    """A record's archival package around ``payload_bytes`` random bytes, as the tar the
    archive stores: its path and SHA-256."""
    from lienthong.services.archive.packaging import (
        PayloadFile,
        PreservationEvent,
        RecordDescription,
        write_package,
        write_tar,
    )

    notation = f"BENCH-{number:02d}"
    file_code = f"{AGENCY_CODE}.{YEAR}.{notation}"
    package_id = f"aip-{file_code}"
    payload = folder / f"{package_id}.payload"
    digest = _random_payload(payload, payload_bytes)
    record = RecordDescription(
        file_code=file_code, title=f"Hồ sơ đo kiểm tra tính toàn vẹn số {number}",
        agency_code=AGENCY_CODE, agency_name=AGENCY_NAME, fonds_code=AGENCY_CODE,
        fonds_name=f"Phông {AGENCY_NAME}", year=YEAR, start_date=dt.date(YEAR, 1, 2),
        end_date=dt.date(YEAR, 12, 30), retention_years=None, page_count=1,
        document_count=1)
    events = [PreservationEvent("event-1", "ingestion", CREATED, "success",
                                "archival package stored", "Lienthong archive")]
    bag = folder / package_id
    written = write_package(
        bag, package_id=package_id, record=record,
        payload=[PayloadFile(f"{file_code}.pdf", payload, payload_bytes, digest,
                             "application/pdf", CREATED)],
        events=events, created=CREATED, creator="Lienthong archive", creator_version="1")
    tar = folder / f"{package_id}.tar"
    with tar.open("wb") as out:
        hashing = _HashingWriter(out)
        write_tar(written, hashing)  # type: ignore[arg-type]
    shutil.rmtree(bag)
    payload.unlink()
    return tar, hashing.hash.hexdigest()


class StoreOnLoop:
    """The archive's file store (:class:`ServiceFiles` of the service ``archive``) opened
    by its ``run`` on an event loop in a thread of this process; its other methods are
    called from the calling thread, as the service's worker threads call them."""

    def __init__(self, nats_url: str, largest: int) -> None:
        limits = FileLimits(max_file_bytes=max(DEFAULT_MAX_FILE_BYTES, largest),
                            content_types=DEFAULT_CONTENT_TYPES | {TAR_TYPE})
        self.files = ServiceFiles("archive", nats_url, limits=limits)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True,
                                        name="archive-file-store")
        self._stop = asyncio.Event()
        self._running: Any = None

    def __enter__(self) -> ServiceFiles:
        self._thread.start()
        self._running = asyncio.run_coroutine_threadsafe(self.files.run(self._stop),
                                                         self._loop)
        deadline = time.monotonic() + 30
        while True:
            try:
                asyncio.run_coroutine_threadsafe(self.files.store(), self._loop).result(30)
                return self.files
            except Exception as error:
                if time.monotonic() > deadline:
                    self.__exit__()
                    msg = f"the archive's file store did not open: {error}"
                    raise BenchError(msg) from None

    def __exit__(self, *_: object) -> None:
        self._loop.call_soon_threadsafe(self._stop.set)
        if self._running is not None:
            # Closing: the figures are taken already.
            with contextlib.suppress(Exception):
                self._running.result(15)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(15)
        if not self._thread.is_alive():
            self._loop.close()


def resident_share(paths: list[Path]) -> float | None:
    """The share of the files' bytes in the page cache (util-linux ``fincore``); None
    when it cannot be read."""
    if not paths or shutil.which("fincore") is None:
        return None
    try:
        out = subprocess.run(["fincore", "--bytes", "--raw", "--noheadings",
                              "--output", "RES,SIZE", *map(str, paths)],
                             capture_output=True, text=True, timeout=30, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    resident = size = 0
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 2 and all(p.isdigit() for p in parts):
            resident, size = resident + int(parts[0]), size + int(parts[1])
    return round(resident / size, 3) if size else None


def store_blocks(nats_store: Path) -> list[Path]:
    """The nats-server's message blocks of the archive's Object Store stream."""
    return sorted(nats_store.rglob("OBJ_archive/msgs/*.blk"))


def _sha256sum(paths: list[Path]) -> dict[str, str]:
    done = subprocess.run(["sha256sum", "--", *map(str, paths)], capture_output=True,
                          text=True, check=False)
    if done.returncode != 0:
        msg = f"sha256sum failed ({done.returncode}): {done.stderr.strip()}"
        raise BenchError(msg)
    digests = {}
    for line in done.stdout.splitlines():
        digest, _, name = line.partition("  ")
        digests[name] = digest
    return digests


def _hashlib(path: Path) -> str:
    hashed = hashlib.sha256()
    buffer = memoryview(bytearray(MIB))
    with path.open("rb", buffering=0) as source:
        while count := source.readinto(buffer):
            hashed.update(buffer[:count])
    return hashed.hexdigest()


def _gb_per_s(size: int, seconds: list[float]) -> dict[str, Any]:
    rates = [size / GB / s for s in seconds]
    return {"gb_per_s": round(len(seconds) * size / GB / sum(seconds), 3),
            "rounds_gb_per_s": [round(r, 3) for r in rates],
            "min_gb_per_s": round(min(rates), 3), "max_gb_per_s": round(max(rates), 3)}


def _ratio(side: list[float], raw: list[float]) -> dict[str, Any]:
    """``side``'s GB/s over ``raw``'s, overall and round by round (from their seconds)."""
    rounds = [r / s for s, r in zip(side, raw, strict=True)]
    return {"overall": round(sum(raw) / sum(side), 3),
            "rounds": [round(r, 3) for r in rounds],
            "min": round(min(rounds), 3), "max": round(max(rounds), 3)}


def run_fixity(nats_url: str, nats_store: Path, folder: Path, *, files: int, payload_mb: int,
               rounds: int, progress: PhaseProgress) -> dict[str, Any]:
    """Write and store the packages, then time the four sides in turns; the figures of the
    ``fixity``, ``raw``, ``ratios`` and ``targets`` groups, and what setting up took."""
    folder.mkdir(parents=True, exist_ok=True)
    began = time.perf_counter()
    written: list[tuple[Path, str]] = []
    with progress.phase(f"{files} packages of {payload_mb} MiB", total=files) as update:
        for number in range(1, files + 1):
            written.append(write_package_tar(folder, number, payload_mb * MIB))
            update(number, files)
    write_s = time.perf_counter() - began
    largest = max(path.stat().st_size for path, _ in written)
    with StoreOnLoop(nats_url, largest) as store:
        began = time.perf_counter()
        packages: list[StoredPackage] = []
        with progress.phase("store the packages", total=files) as update:
            for path, digest in written:
                stored = store.keep_path(path.name, TAR_TYPE, path)
                if stored.sha256 != digest:
                    msg = f"{path.name} is stored with SHA-256 {stored.sha256}, not {digest}"
                    raise BenchError(msg)
                packages.append(StoredPackage(path, stored.name, stored.size, stored.sha256))
                update(len(packages), files)
        store_s = time.perf_counter() - began
        total = sum(p.size for p in packages)
        paths = [p.path for p in packages]
        warm_before = {"disk": resident_share(paths),
                       "store": resident_share(store_blocks(nats_store))}

        def timed(side: str, work: Callable[[], None]) -> Callable[[int], LoadResult]:
            def one_round(round_: int) -> LoadResult:
                with progress.phase(f"{side} {round_ + 1}/{rounds}") as update:
                    start = time.perf_counter()
                    work()
                    elapsed = time.perf_counter() - start
                    update(1, 1)
                return LoadResult([elapsed], elapsed)
            return one_round

        def fixity() -> None:
            for package in packages:
                read = store.rehash(package.name)
                if not read.intact or read.sha256 != package.sha256 \
                        or read.size != package.size:
                    msg = (f"rehash of {package.name}: {read.size} bytes, SHA-256 "
                           f"{read.sha256}, intact {read.intact}; stored {package.sha256}")
                    raise BenchError(msg)

        def sha256sum() -> None:
            digests = _sha256sum(paths)
            for package in packages:
                if digests.get(str(package.path)) != package.sha256:
                    msg = f"sha256sum of {package.path.name}: {digests.get(str(package.path))}"
                    raise BenchError(msg)

        def in_process() -> None:
            for package in packages:
                if (digest := _hashlib(package.path)) != package.sha256:
                    raise BenchError(f"hashlib of {package.path.name}: {digest}")

        def tars() -> None:
            from lienthong.services.archive.packaging import check_tar

            for package in packages:
                with package.path.open("rb") as stream:
                    report = check_tar(stream)
                if not report.intact or report.bytes_read != package.size:
                    msg = (f"check_tar of {package.path.name}: {report.outcome}, "
                           f"{report.bytes_read} bytes, {report.problem}")
                    raise BenchError(msg)

        measured = alternate(rounds, timed("fixity", fixity), timed("sha256sum", sha256sum),
                             timed("hashlib", in_process), timed("check_tar", tars))
        warm_after = {"disk": resident_share(paths),
                      "store": resident_share(store_blocks(nats_store))}
    seconds = dict(zip(SIDES, (side.latencies_s for side in measured), strict=True))
    ratio = _ratio(seconds["fixity"], seconds["sha256sum"])
    met = all(r >= TARGET_RATIO for r in ratio["rounds"])
    return {
        "fixity": {**_gb_per_s(total, seconds["fixity"]), "files": files,
                   "bytes_per_round": total, "rounds": rounds,
                   "path": "ServiceFiles.rehash from a worker thread (the store on an event "
                           "loop of the bench's process), one package after the other",
                   "check_tar": {**_gb_per_s(total, seconds["check_tar"]),
                                 "path": "check_tar of each tar read from the disk"},
                   "warm": {"resident_share_before": warm_before,
                            "resident_share_after": warm_after,
                            "note": "written in this run; the page cache is not dropped "
                                    "(it takes root), so both sides read from memory"}},
        "raw": {"sha256sum_gb_per_s": _gb_per_s(total, seconds["sha256sum"])["gb_per_s"],
                "sha256sum": {**_gb_per_s(total, seconds["sha256sum"]),
                              "command": _sha256sum_version()},
                "hashlib_gb_per_s": _gb_per_s(total, seconds["hashlib"])["gb_per_s"],
                "hashlib": {**_gb_per_s(total, seconds["hashlib"]),
                            "implementation": f"hashlib.sha256 ({_openssl_version()})"}},
        "ratios": {"fixity_vs_sha256sum": ratio,
                   "fixity_vs_hashlib": _ratio(seconds["fixity"], seconds["hashlib"]),
                   "check_tar_vs_sha256sum": _ratio(seconds["check_tar"],
                                                    seconds["sha256sum"])},
        "targets": {"fixity_vs_sha256sum": TARGET_RATIO,
                    "fixity_vs_sha256sum_met_every_round": met,
                    "fixity_vs_sha256sum_met_overall": ratio["overall"] >= TARGET_RATIO},
        "setup": {"fixity_write_s": round(write_s, 2), "fixity_store_s": round(store_s, 2),
                  "fixity_store_mb_per_s": round(total / MIB / store_s, 1)},
    }


def _sha256sum_version() -> str:
    try:
        out = subprocess.run(["sha256sum", "--version"], capture_output=True, text=True,
                             timeout=10, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return "sha256sum"
    return out.splitlines()[0] if out else "sha256sum"


def _openssl_version() -> str:
    import ssl

    return ssl.OPENSSL_VERSION
