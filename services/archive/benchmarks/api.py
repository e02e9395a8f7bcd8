"""``lienthong bench archive``: pages through capture and quality control, and the fixity
check's hashing beside ``sha256sum`` of the same files.

The services run as production runs them (``python -m lienthong.services.<name>``), each
on a throw-away PostgreSQL database, with a nats-server of the run (JetStream, file
storage): identity, and the archive, which learns units from identity's stream and keeps
its files in its Object Store bucket ``archive``. Plaintext gRPC and NATS. Then:

1. ``setup``: ``--pages`` scanned pages made (:mod:`.pages`: 300-dpi A4 colour JPEG
   scans of text, each page's text its own); a province and a commune registered
   through identity with agency codes, and the archive waited for until it knows the
   commune; a paper record of ``--pages`` pages catalogued in the commune's fonds and a
   digitization batch opened;
2. ``capture``: every page uploaded through the archive's FileService (1 MiB chunks, its
   SHA-256 given) and captured into the batch (CapturePage: the image read back from the
   store, quality control of resolution, colour depth, skew, blank page and repeats of
   the batch's pages, the page recorded accepted or sent back), over ``--connections``
   client threads; the upload's and the capture's share of each page timed apart, and
   the quality checks alone timed in this process on some of the same pages;
3. ``fixity`` and ``raw``: see :mod:`.fixity`.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hashlib
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import grpc

from lienthong.archive.v1 import archive_pb2 as pb
from lienthong.archive.v1 import archive_pb2_grpc as pb_grpc
from lienthong.archive.v1 import files_pb2 as files_pb
from lienthong.archive.v1 import files_pb2_grpc as files_grpc
from lienthong.identity.v1 import identity_pb2 as identity_pb
from lienthong.identity.v1 import identity_pb2_grpc as identity_grpc
from lienthong.services.archive.consumers import IDENTITY_STREAM
from lienthong.tools.bench.common import (
    BenchError,
    CpuMeter,
    PhaseProgress,
    ServiceProcess,
    machine_info,
    percentile,
    require_postgres,
    run_closed_loop,
)
from lienthong.tools.bench.platform import Platform
from lienthong.tools.bench.platform import channel as _channel
from lienthong.tools.bench.platform import eventually as _eventually
from lienthong.tools.bench.platform import failed as _failed

from .fixity import run_fixity
from .pages import DPI, make_pages, page_specs

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

MIB = 1024 * 1024
#: FileService chunks: the largest the service takes.
CHUNK_BYTES = MIB
PROVINCE_AGENCY, COMMUNE_AGENCY = "000.00.00.H97", "000.00.31.H97"
CALL_TIMEOUT_S = 120.0
LEARN_TIMEOUT_S = 60.0
#: The archive's durable consumer of identity's stream (``archive-<followed service>``).
IDENTITY_DURABLE = "archive-identity"
#: Pages whose quality checks are also timed in this process, at most.
INSPECTED_HERE = 20


@dataclass
class ArchiveBenchConfig:
    postgres_dsn: str
    pages: int = 200
    connections: int = 4
    fixity_mb: int = 256
    fixity_files: int = 4
    rounds: int = 4


# -- the platform of the run -------------------------------------------------------------


def start_platform(stack: contextlib.ExitStack, config: ArchiveBenchConfig, folder: Path,
                   progress: PhaseProgress) -> Platform:
    """nats-server, identity and the archive, each on its own database."""
    return Platform(stack, config.postgres_dsn, folder, progress,
                    prefix="lienthong_bench_archive", services=("identity", "archive"))


def eventually(call: Callable[[], Any], what: str,
               service: ServiceProcess | None = None) -> Any:
    return _eventually(call, what, timeout_s=LEARN_TIMEOUT_S, service=service)


# -- setup: the commune, its record and a batch ---------------------------------------------


@dataclass
class Setup:
    commune_id: str
    record_id: str
    file_code: str
    batch_id: str
    learn_s: float


def set_up(platform: Platform, run: str, pages: int) -> Setup:
    with _channel(platform["identity"].address) as identity_channel, \
            _channel(platform["archive"].address) as archive_channel:
        identity = identity_grpc.IdentityServiceStub(identity_channel)
        try:
            province = identity.RegisterUnit(identity_pb.RegisterUnitRequest(
                request_id=f"{run}-province", display_name="Tỉnh Thử Nghiệm",
                kind=identity_pb.UNIT_KIND_PROVINCE, administrative_unit_code="97",
                agency_code=PROVINCE_AGENCY), timeout=CALL_TIMEOUT_S)
            commune = identity.RegisterUnit(identity_pb.RegisterUnitRequest(
                request_id=f"{run}-commune", display_name="Xã Thử Nghiệm",
                kind=identity_pb.UNIT_KIND_COMMUNE, administrative_unit_code="97001",
                agency_code=COMMUNE_AGENCY, parent_unit_id=province.unit_id),
                timeout=CALL_TIMEOUT_S)
        except grpc.RpcError as error:
            raise _failed("registering the units with identity", error,
                          platform["identity"]) from None
        digitization = pb_grpc.DigitizationServiceStub(archive_channel)
        archive = pb_grpc.ArchiveServiceStub(archive_channel)
        began = time.perf_counter()
        asyncio.run(learned(platform.nats.url, commune.unit_id))
        learn_s = time.perf_counter() - began
        today = dt.date.today()
        try:
            record = eventually(lambda: archive.CatalogueRecord(pb.CatalogueRecordRequest(
                request_id=f"{run}-record", unit_id=commune.unit_id,
                description=pb.RecordDescription(
                    notation="DC-01", year=today.year - 1,
                    title="Hồ sơ địa chính xã Thử Nghiệm năm trước",
                    retention_years=0,
                    start_date=_date(dt.date(today.year - 1, 1, 5)),
                    end_date=_date(dt.date(today.year - 1, 12, 28)),
                    page_count=pages, document_count=max(1, pages // 10), language="vi",
                    access=pb.ACCESS_MODE_OPEN, physical_condition="tốt",
                    fonds_name="Phông Ủy ban nhân dân xã Thử Nghiệm")),
                timeout=CALL_TIMEOUT_S), "cataloguing the record", platform["archive"])
            batch = digitization.OpenBatch(pb.OpenBatchRequest(
                request_id=f"{run}-batch", unit_id=commune.unit_id,
                label="Hồ sơ địa chính, hộp 1"), timeout=CALL_TIMEOUT_S)
        except grpc.RpcError as error:
            raise _failed("cataloguing the record or opening the batch", error,
                          platform["archive"]) from None
        return Setup(commune.unit_id, record.record_id, record.file_code, batch.batch_id,
                     round(learn_s, 2))


async def learned(nats_url: str, unit_id: str) -> None:
    """Once the archive's consumer of identity's stream has acknowledged every message up
    to the last one naming the unit (its handler's transaction committed): the archive
    knows the unit."""
    import nats
    from nats.js.errors import NotFoundError

    connection = await nats.connect(nats_url)
    try:
        js = connection.jetstream()
        deadline = time.monotonic() + LEARN_TIMEOUT_S
        naming, checked = 0, 0
        while True:
            try:
                last = (await js.stream_info(IDENTITY_STREAM)).state.last_seq
                for seq in range(checked + 1, last + 1):
                    if unit_id.encode() in ((await js.get_msg(IDENTITY_STREAM, seq)).data
                                            or b""):
                        naming = seq
                checked = last
                if naming:
                    acked = (await js.consumer_info(IDENTITY_STREAM, IDENTITY_DURABLE)
                             ).ack_floor
                    if acked is not None and acked.stream_seq >= naming:
                        return
            except NotFoundError:
                pass  # the stream or the archive's consumer is not there yet
            if time.monotonic() > deadline:
                msg = (f"the archive did not learn unit {unit_id} from {IDENTITY_STREAM} "
                       f"within {LEARN_TIMEOUT_S:.0f} s (last message naming it: {naming})")
                raise BenchError(msg)
            await asyncio.sleep(0.1)
    finally:
        await connection.close()


def _date(day: dt.date) -> Any:
    from google.type import date_pb2

    return date_pb2.Date(year=day.year, month=day.month, day=day.day)


# -- capture -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Captured:
    upload_s: float
    capture_s: float
    accepted: bool
    rules: tuple[str, ...]


def upload_page(files: files_grpc.FileServiceStub, name: str, data: bytes,
                request_id: str) -> pb.FileRef:
    """A scanned page sent through FileService's client stream, chunk after chunk."""
    def requests() -> Iterator[files_pb.UploadFileRequest]:
        yield files_pb.UploadFileRequest(begin=files_pb.BeginUpload(
            request_id=request_id, name=name, content_type="image/jpeg", size=len(data)))
        for offset in range(0, len(data), CHUNK_BYTES):
            yield files_pb.UploadFileRequest(chunk=files_pb.UploadChunk(
                offset=offset, data=data[offset:offset + CHUNK_BYTES]))
        yield files_pb.UploadFileRequest(finish=files_pb.FinishUpload(
            sha256=hashlib.sha256(data).hexdigest()))

    return files.UploadFile(requests(), timeout=CALL_TIMEOUT_S).file


class PageClient:
    """One client thread's connection: a page uploaded and captured per call."""

    def __init__(self, address: str, setup: Setup, run: str, pages: list[bytes],
                 captured: dict[int, Captured]) -> None:
        self.channel = _channel(address)
        self.files = files_grpc.FileServiceStub(self.channel)
        self.digitization = pb_grpc.DigitizationServiceStub(self.channel)
        self.setup, self.run, self.pages, self.captured = setup, run, pages, captured

    def __call__(self, seq: int) -> None:
        number = seq + 1
        began = time.perf_counter()
        image = upload_page(self.files, f"{self.run}-trang-{number:04d}.jpg", self.pages[seq],
                            f"{self.run}-upload-{number}")
        uploaded = time.perf_counter()
        page = self.digitization.CapturePage(pb.CapturePageRequest(
            request_id=f"{self.run}-capture-{number}", batch_id=self.setup.batch_id,
            record_id=self.setup.record_id, sequence=number, kind=pb.PAGE_KIND_TEXT,
            image=image), timeout=CALL_TIMEOUT_S)
        self.captured[seq] = Captured(uploaded - began, time.perf_counter() - uploaded,
                                      page.accepted, tuple(f.rule for f in page.findings))

    def close(self) -> None:
        self.channel.close()


def _ms(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {"p50_ms": round(percentile(ordered, 50) * 1000, 1),
            "p99_ms": round(percentile(ordered, 99) * 1000, 1)}


def inspect_here(pages: list[bytes]) -> dict[str, Any]:
    """The quality checks alone (the service's inspector, the JPEG decoded and checked), in
    this process, one page at a time, on pages spread over the run's, after one
    unmeasured."""
    from lienthong.services.archive.inspection import QualityInspector

    inspector = QualityInspector()
    step = max(1, len(pages) // INSPECTED_HERE)
    chosen = pages[::step][:INSPECTED_HERE]
    inspector.inspect(chosen[-1], "text")  # unmeasured: the libraries' first use
    timings = []
    for data in chosen:
        began = time.perf_counter()
        inspector.inspect(data, "text")
        timings.append(time.perf_counter() - began)
    return {**_ms(timings), "pages": len(chosen)}


def capture(platform: Platform, setup: Setup, config: ArchiveBenchConfig, run: str,
            pages: list[bytes], progress: PhaseProgress) -> dict[str, Any]:
    captured: dict[int, Captured] = {}
    with progress.phase(f"capture {config.pages} pages", total=config.pages) as update:
        result = run_closed_loop(
            lambda _: PageClient(platform["archive"].address, setup, run, pages, captured),
            connections=config.connections, count=config.pages, on_progress=update,
            cpu=CpuMeter(server_pid=platform["archive"].pid), max_errors=1)
    if result.errors:
        msg = (f"capturing a page failed: {result.first_error}\n"
               f"{platform['archive'].module}'s log ends:\n{platform['archive'].log_tail()}")
        raise BenchError(msg)
    with _channel(platform["archive"].address) as channel:
        batch = pb_grpc.DigitizationServiceStub(channel).GetBatch(
            pb.GetBatchRequest(batch_id=setup.batch_id), timeout=CALL_TIMEOUT_S)
    done = [captured[seq] for seq in sorted(captured)]
    uploads = [c.upload_s for c in done]
    captures = [c.capture_s for c in done]
    sent_back = Counter(rule for c in done for rule in c.rules)
    page = result.figures()
    with progress.phase("quality checks here") as update:
        here = inspect_here(pages)
        update(1, 1)
    return {
        "pages_per_s": page["per_s"],
        "page": page,
        "upload": _ms(uploads),
        "capture_page": _ms(captures),
        "qc_share": round(sum(captures) / (sum(captures) + sum(uploads)), 3),
        "images_mb_per_s": round(sum(len(p) for p in pages) / MIB / result.elapsed_s, 1),
        "accepted": sum(1 for c in done if c.accepted),
        "sent_back": sum(1 for c in done if not c.accepted),
        "findings_by_rule": dict(sent_back),
        "batch": {"pages_captured": batch.pages_captured,
                  "pages_accepted": batch.pages_accepted,
                  "pages_sent_back": batch.pages_sent_back},
        "inspect_in_bench_process": here,
        "elapsed_s": round(result.elapsed_s, 2),
    }


# -- the scenario ---------------------------------------------------------------------------


def run_archive_bench(config: ArchiveBenchConfig, progress: PhaseProgress) -> dict[str, Any]:
    """Run the scenario and return its JSON figures."""
    from lienthong.logging import configure_logging

    configure_logging("bench", level="warning")  # JSON figures alone on stdout
    require_postgres(config.postgres_dsn)
    machine = machine_info(config.postgres_dsn)
    run = f"bench-{uuid.uuid4().hex[:8]}"
    with contextlib.ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(
            prefix="lienthong-bench-archive-")))
        began = time.perf_counter()
        with progress.phase(f"make {config.pages} scanned pages",
                            total=config.pages) as update:
            pages = make_pages(page_specs(config.pages), update)
        pages_s = time.perf_counter() - began
        platform = start_platform(stack, config, folder, progress)
        with progress.phase("units, record, batch") as update:
            setup = set_up(platform, run, config.pages)
            update(1, 1)
        captured = capture(platform, setup, config, run, pages, progress)
        fixity = run_fixity(platform.nats.url, platform.nats_store, folder / "fixity",
                            files=config.fixity_files, payload_mb=config.fixity_mb,
                            rounds=config.rounds, progress=progress)
    sizes = sorted(len(p) for p in pages)
    return {
        "scenario": "archive",
        "capture": captured,
        "fixity": fixity["fixity"],
        "raw": fixity["raw"],
        "ratios": fixity["ratios"],
        "targets": fixity["targets"],
        "setup": {"startup_s": platform.startup_s, "transport": "plaintext gRPC and NATS",
                  "pages_made_s": round(pages_s, 2),
                  "page_bytes": {"mean": round(sum(sizes) / len(sizes)),
                                 "min": sizes[0], "max": sizes[-1]},
                  "page": f"A4 at {DPI} dpi, colour (RGB) JPEG quality 90, text of its own",
                  "record": setup.file_code, "learn_unit_s": setup.learn_s,
                  **fixity["setup"]},
        "machine": machine,
        "config": {"pages": config.pages, "connections": config.connections,
                   "fixity_mb": config.fixity_mb, "fixity_files": config.fixity_files,
                   "rounds": config.rounds, "chunk_bytes": CHUNK_BYTES},
    }
