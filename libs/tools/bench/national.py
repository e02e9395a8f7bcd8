"""``lienthong bench national``: the whole platform driven by the national model's mix at
rising multiples of its design peak, until an RPC's p99 or an event's wait for its
consumers passes its limit.

Every registered service runs as production runs it (``python -m
lienthong.services.<name>``, in the registry's start order), each on a throw-away
PostgreSQL database, with a nats-server of the run (JetStream, file storage); the
signatures service keeps its keys in a SoftHSM2 token it makes in a temporary folder; a
service that calls another finds it at its address variable. Plaintext gRPC and NATS, no
rate limit.

1. ``setup``: a province and ``--communes`` communes registered through identity with
   agency codes, waited for until every durable consumer of identity's stream has
   acknowledged them; a procedure in the dossiers catalogue; for each issuing commune a
   signer and a clerk with the commune's seal (credentials over gRPC), a one-page report
   signed by both and uploaded to the documents service; 200 distinct scanned pages
   (small: A6 at 200 dpi, colour JPEG).
2. ``ramp``: for each multiple m, a preparation that is not measured (credentials enough
   for a signature of each one-time code a credential gives, dossiers and documents
   waiting for their next step, records and batches for the pages), then every
   operation of :data:`.national_model.MODEL` on a fixed schedule at its design rate x m
   for ``--step-seconds`` (open loop: slot k of an operation is due ``(k + 0.5) / rate``
   after the start and its latency runs from there, so waiting counts; each operation
   has threads of its own; a call gives up after 10 s, a slot taken up over 10 s late is
   not called: both are errors), while the lag of every durable consumer of the
   platform's streams is read every second.
3. Each step is judged by :func:`.national_model.step_failures`; the ramp stops at the
   first that fails.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import hashlib
import heapq
import io
import itertools
import math
import random
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import grpc

from lienthong.archive.v1 import archive_pb2 as archive_pb
from lienthong.archive.v1 import archive_pb2_grpc as archive_grpc
from lienthong.archive.v1 import files_pb2 as archive_files_pb
from lienthong.archive.v1 import files_pb2_grpc as archive_files_grpc
from lienthong.documents.v1 import documents_pb2 as documents_pb
from lienthong.documents.v1 import documents_pb2_grpc as documents_grpc
from lienthong.documents.v1 import files_pb2 as documents_files_pb
from lienthong.documents.v1 import files_pb2_grpc as documents_files_grpc
from lienthong.dossiers.v1 import catalog_pb2 as catalog_pb
from lienthong.dossiers.v1 import catalog_pb2_grpc as catalog_grpc
from lienthong.dossiers.v1 import dossiers_pb2 as dossiers_pb
from lienthong.dossiers.v1 import dossiers_pb2_grpc as dossiers_grpc
from lienthong.events.jetstream import stream_name
from lienthong.identity.v1 import identity_pb2 as identity_pb
from lienthong.identity.v1 import identity_pb2_grpc as identity_grpc
from lienthong.signatures.v1 import signatures_pb2 as signatures_pb
from lienthong.signatures.v1 import signatures_pb2_grpc as signatures_grpc
from lienthong.signatures.v1 import signing_pb2 as signing_pb
from lienthong.signatures.v1 import signing_pb2_grpc as signing_grpc
from lienthong.tls import client_channel
from lienthong.tools.bench.common import (
    OTP_STEP_S,
    BenchError,
    CpuMeter,
    PhaseProgress,
    figures,
    grpc_channel_options,
    machine_info,
    one_page_pdf,
    percentile,
    require_postgres,
    settled_step,
)
from lienthong.tools.bench.national_model import (
    DEFAULT_MULTIPLES,
    MODEL,
    Limits,
    ramp,
    rates_at,
    scheduled_calls,
)
from lienthong.tools.bench.platform import Platform
from lienthong.tools.bench.platform import eventually as _eventually
from lienthong.tools.bench.served import Buckets, scrape, served_figures

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

CALL_TIMEOUT_S = 60.0
#: A call of the measured load gives up after this (far over any limit: it fails the step
#: either way, and a service that stops answering cannot hold the run).
LOAD_CALL_TIMEOUT_S = 10.0
#: A slot whose thread takes it up later than this after it was due is not called: it
#: counts as an error of its operation (the load fell that far behind).
GIVE_UP_AFTER_S = 10.0
LEARN_TIMEOUT_S = 120.0
PROVINCE_AGENCY = "000.00.00.H97"
PROVINCE_CODE = "97"
PROCEDURE_CODE = "1.001193"
#: The communes that issue documents (each with a signer and a seal of its own).
ISSUERS = 2
#: An issued document goes to this many agencies of the platform.
RECIPIENTS = 4
#: Pages a digitization batch (and its paper record) takes; also the distinct pages made.
PAGES_PER_BATCH = 200
#: A one-time code is accepted once, and a later one only from the next 30-second step
#: (OTP_STEP_S): a credential signs once a step. The pool holds this many steps' worth of
#: signatures.
CREDENTIAL_MARGIN = 1.3
#: Work waiting for the status changes and the exchanges at a step's start, in seconds
#: of their rate (they are fed by the step's own submissions and issues after that).
BACKLOG_S = 3.0
#: Connections per service, shared by the load's threads.
CONNECTIONS_PER_SERVICE = 4
#: Time allowed per slot when sizing an operation's threads (Little's law), seconds: far
#: over the limits, so that the load's threads are not what makes a slot wait while the
#: service still keeps up; issuing a document validates two signatures.
THREAD_BUDGET_S = {"document_issued": 4.0}
DEFAULT_THREAD_BUDGET_S = 1.0
MAX_THREADS = 128
#: How often the consumers' lag is read.
LAG_EVERY_S = 1.0


@dataclass
class NationalBenchConfig:
    postgres_dsn: str
    step_seconds: float = 300.0
    multiples: tuple[float, ...] = DEFAULT_MULTIPLES
    p99_ms: float = 50.0
    max_lag_s: float = 1.0
    communes: int = 8


# -- the platform of the run ------------------------------------------------------------


class Clients:
    """A few connections to each service, shared by the load's threads (gRPC stubs are
    thread-safe); each call takes the next."""

    def __init__(self, platform: Platform, connections: int = CONNECTIONS_PER_SERVICE) -> None:
        self._channels: list[grpc.Channel] = []
        self._next = itertools.count()
        self.sets: list[dict[str, Any]] = []
        for _ in range(connections):
            stubs: dict[str, Any] = {}

            def open_(name: str) -> grpc.Channel:
                channel = client_channel(platform.services[name].address, None,
                                         options=grpc_channel_options())
                grpc.channel_ready_future(channel).result(timeout=10)
                self._channels.append(channel)
                return channel

            identity = open_("identity")
            dossiers = open_("dossiers")
            documents = open_("documents")
            signatures = open_("signatures")
            archive = open_("archive")
            stubs["identity"] = identity_grpc.IdentityServiceStub(identity)
            stubs["dossiers"] = dossiers_grpc.DossierServiceStub(dossiers)
            stubs["catalog"] = catalog_grpc.CatalogServiceStub(dossiers)
            stubs["documents"] = documents_grpc.DocumentServiceStub(documents)
            stubs["incoming"] = documents_grpc.IncomingServiceStub(documents)
            stubs["documents_files"] = documents_files_grpc.FileServiceStub(documents)
            stubs["credentials"] = signatures_grpc.CredentialServiceStub(signatures)
            stubs["signing"] = signing_grpc.SigningServiceStub(signatures)
            stubs["archive"] = archive_grpc.ArchiveServiceStub(archive)
            stubs["digitization"] = archive_grpc.DigitizationServiceStub(archive)
            stubs["archive_files"] = archive_files_grpc.FileServiceStub(archive)
            self.sets.append(stubs)

    def take(self) -> dict[str, Any]:
        return self.sets[next(self._next) % len(self.sets)]

    def close(self) -> None:
        for channel in self._channels:
            channel.close()


def eventually(call: Callable[[], Any], what: str) -> Any:
    return _eventually(call, what, timeout_s=LEARN_TIMEOUT_S)


# -- the consumers' lag -------------------------------------------------------------------


async def _consumer_lags(js: Any) -> dict[str, float]:
    """Each durable consumer's lag now (``stream/durable``: seconds): the age of the
    oldest message it has not acknowledged (the one after its ack floor), 0 when it has
    nothing pending or unacknowledged."""
    from nats.js.errors import NotFoundError

    lags: dict[str, float] = {}
    now = time.time()
    for stream in await js.streams_info():
        name = stream.config.name
        for consumer in await js.consumers_info(name):
            durable = consumer.config.durable_name
            if not durable:
                continue
            key = f"{name}/{durable}"
            if not (consumer.num_pending or consumer.num_ack_pending):
                lags[key] = 0.0
                continue
            floor = consumer.ack_floor.stream_seq if consumer.ack_floor else 0
            seq = max(floor + 1, stream.state.first_seq or 1)
            try:
                message = await js.get_msg(name, seq)
            except NotFoundError:
                lags[key] = 0.0
                continue
            stored = message.time.timestamp() if message.time else now
            lags[key] = max(0.0, now - stored)
    return lags


class LagMonitor:
    """Reads every durable consumer's lag every :data:`LAG_EVERY_S`, on an event loop of
    its own thread; :meth:`figures` gives each one's max and p99 over a window."""

    def __init__(self, nats_url: str) -> None:
        self.nats_url = nats_url
        self.samples: dict[str, list[tuple[float, float]]] = collections.defaultdict(list)
        self.errors: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bench-lag", daemon=True)

    def __enter__(self) -> LagMonitor:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        asyncio.run(self._loop())

    async def _loop(self) -> None:
        import nats

        connection = await nats.connect(self.nats_url)
        try:
            js = connection.jetstream(timeout=5)
            while not self._stop.is_set():
                began = time.monotonic()
                try:
                    lags = await _consumer_lags(js)
                except Exception as error:  # a read that failed is reported, not fatal
                    self.errors.append(f"{type(error).__name__}: {error}")
                else:
                    at = time.perf_counter()
                    for key, lag in lags.items():
                        self.samples[key].append((at, lag))
                await asyncio.sleep(max(0.0, LAG_EVERY_S - (time.monotonic() - began)))
        finally:
            await connection.close()

    def figures(self, since: float, until: float) -> dict[str, dict[str, Any]]:
        result = {}
        for key, samples in sorted(self.samples.items()):
            values = sorted(lag for at, lag in samples if since <= at <= until)
            if values:
                result[key] = {"max_s": round(values[-1], 3),
                               "p99_s": round(percentile(values, 99), 3),
                               "samples": len(values)}
        return result


async def _caught_up(nats_url: str, durables: set[tuple[str, str]], stream: str) -> None:
    """Once every expected durable exists and every durable of ``stream`` has acknowledged
    the stream's last message."""
    import nats
    from nats.js.errors import NotFoundError

    connection = await nats.connect(nats_url)
    try:
        js = connection.jetstream(timeout=5)
        deadline = time.monotonic() + LEARN_TIMEOUT_S
        while True:
            try:
                present = {(s.config.name, c.config.durable_name)
                           for s in await js.streams_info()
                           for c in await js.consumers_info(s.config.name)}
                last = (await js.stream_info(stream)).state.last_seq
                floors = [c.ack_floor.stream_seq if c.ack_floor else 0
                          for c in await js.consumers_info(stream) if c.config.durable_name]
                if durables <= present and floors and min(floors) >= last:
                    return
                missing = sorted(f"{s}/{d}" for s, d in durables - present)
            except NotFoundError:
                missing = ["the stream"]
            if time.monotonic() > deadline:
                msg = (f"the consumers of {stream} did not catch up within "
                       f"{LEARN_TIMEOUT_S:.0f} s (missing: {', '.join(missing) or 'none'})")
                raise BenchError(msg)
            await asyncio.sleep(0.2)
    finally:
        await connection.close()


# -- setup -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Unit:
    unit_id: str
    agency_code: str
    administrative_code: str


@dataclass
class Credential:
    credential_id: str
    totp: Any
    #: The last one-time-code step it used.
    last_step: int


@dataclass
class Issuer:
    """A commune that issues documents: its signer and the files signed by the signer and
    then with its seal, in the documents service's store."""

    unit: Unit
    signer: documents_pb.Signer
    official_file: documents_pb.FileRef
    agency_file: documents_pb.FileRef


@dataclass
class World:
    run: str
    province: Unit
    communes: list[Unit]
    issuers: list[Issuer] = field(default_factory=list)
    pages: list[bytes] = field(default_factory=list)
    setup: dict[str, Any] = field(default_factory=dict)


def commune_agency_code(index: int) -> str:
    """The ``index``-th commune's agency code (of province 97): distinct, never the
    province's."""
    return f"000.00.{31 + index:02d}.H97"


def register_units(stubs: dict[str, Any], run: str, communes: int) -> tuple[Unit, list[Unit]]:
    identity = stubs["identity"]
    province = identity.RegisterUnit(identity_pb.RegisterUnitRequest(
        request_id=f"{run}-province", display_name="Tỉnh Thử Nghiệm",
        kind=identity_pb.UNIT_KIND_PROVINCE, administrative_unit_code=PROVINCE_CODE,
        agency_code=PROVINCE_AGENCY), timeout=CALL_TIMEOUT_S)
    units = []
    for index in range(communes):
        code, agency = f"{PROVINCE_CODE}{index + 1:03d}", commune_agency_code(index)
        commune = identity.RegisterUnit(identity_pb.RegisterUnitRequest(
            request_id=f"{run}-commune-{index}", display_name=f"Xã Thử Nghiệm {index + 1}",
            kind=identity_pb.UNIT_KIND_COMMUNE, administrative_unit_code=code,
            agency_code=agency, parent_unit_id=province.unit_id), timeout=CALL_TIMEOUT_S)
        units.append(Unit(commune.unit_id, agency, code))
    return Unit(province.unit_id, PROVINCE_AGENCY, PROVINCE_CODE), units


def create_procedure(stubs: dict[str, Any], run: str) -> None:
    from google.type import date_pb2

    stubs["catalog"].CreateProcedure(catalog_pb.CreateProcedureRequest(
        request_id=f"{run}-procedure", procedure_code=PROCEDURE_CODE,
        first_version=catalog_pb.ProcedureVersion(
            effective_date=date_pb2.Date(year=2025, month=7, day=1),
            name="Đăng ký khai sinh", sector="Hộ tịch",
            competent_level=catalog_pb.COMPETENT_LEVEL_COMMUNE,
            competent_agency_kind="people's committee", processing_working_days=10,
            required_documents=[catalog_pb.RequiredDocument(
                name="Tờ khai đăng ký khai sinh", copies=1, original_required=True)],
            fee_vnd=8000, result_document_type="Giấy khai sinh",
            boundary_policy=catalog_pb.BOUNDARY_POLICY_ANYWHERE_IN_COUNTRY)),
        timeout=CALL_TIMEOUT_S)


def issue_credential(stubs: dict[str, Any], unit_id: str, request_id: str, name: str, *,
                     agency_seal: bool = False) -> tuple[str, Credential]:
    """A credential (EC P-256) for a new official of the unit, its authenticator confirmed
    with the code of the step before now: (official id, credential)."""
    import pyotp

    official_id = str(uuid.uuid4())
    credentials = stubs["credentials"]
    issued = credentials.IssueCredential(signatures_pb.IssueCredentialRequest(
        request_id=request_id, unit_id=unit_id, agency_seal=agency_seal,
        key_algorithm=signatures_pb.KEY_ALGORITHM_EC_P256,
        official=signatures_pb.Official(official_id=official_id, full_name=name,
                                        position="Chủ tịch")), timeout=CALL_TIMEOUT_S)
    enrolment = credentials.EnrollAuthenticator(signatures_pb.EnrollAuthenticatorRequest(
        credential_id=issued.credential_id), timeout=CALL_TIMEOUT_S)
    totp = pyotp.parse_uri(enrolment.provisioning_uri)
    step = settled_step()
    credentials.ConfirmAuthenticator(signatures_pb.ConfirmAuthenticatorRequest(
        credential_id=issued.credential_id, one_time_code=totp.at((step - 1) * OTP_STEP_S)),
        timeout=CALL_TIMEOUT_S)
    return official_id, Credential(issued.credential_id, totp, step - 1)


def upload(files: Any, name: str, data: bytes, content_type: str, request_id: str,
           module: Any) -> Any:
    """``data`` through a FileService's client stream (one chunk: the files here are
    small); the stored file's reference."""
    def requests() -> Iterator[Any]:
        yield module.UploadFileRequest(begin=module.BeginUpload(
            request_id=request_id, name=name, content_type=content_type, size=len(data)))
        yield module.UploadFileRequest(chunk=module.UploadChunk(offset=0, data=data))
        yield module.UploadFileRequest(finish=module.FinishUpload(
            sha256=hashlib.sha256(data).hexdigest()))

    return files.UploadFile(requests(), timeout=CALL_TIMEOUT_S).file


def set_up_issuer(stubs: dict[str, Any], run: str, unit: Unit, index: int) -> Issuer:
    signer_name, clerk_name = f"Nguyễn Thị Lan {index}", f"Trần Văn Bình {index}"
    signer_id, signer = eventually(lambda: issue_credential(
        stubs, unit.unit_id, f"{run}-signer-{index}", signer_name),
        "signatures learning the commune")
    _, clerk = issue_credential(stubs, unit.unit_id, f"{run}-clerk-{index}", clerk_name,
                                agency_seal=True)
    signing = stubs["signing"]
    by_official = signing.SignPdf(signing_pb.SignPdfRequest(
        credential_id=signer.credential_id, one_time_code=signer.totp.now(),
        pdf=one_page_pdf(), level=signing_pb.PADES_LEVEL_B_T),
        timeout=CALL_TIMEOUT_S).signed_pdf
    by_agency = signing.SignPdf(signing_pb.SignPdfRequest(
        credential_id=clerk.credential_id, one_time_code=clerk.totp.now(), pdf=by_official,
        level=signing_pb.PADES_LEVEL_B_T), timeout=CALL_TIMEOUT_S).signed_pdf
    files = stubs["documents_files"]
    return Issuer(
        unit, documents_pb.Signer(official_id=signer_id, full_name=signer_name,
                                  position="Chủ tịch", authority=documents_pb.AUTHORITY_PREFIX_TM),
        upload(files, f"bao-cao-ky-{index}.pdf", by_official, "application/pdf",
               f"{run}-official-pdf-{index}", documents_files_pb),
        upload(files, f"bao-cao-ban-hanh-{index}.pdf", by_agency, "application/pdf",
               f"{run}-agency-pdf-{index}", documents_files_pb))


def make_small_pages(count: int) -> list[bytes]:
    """``count`` distinct scanned pages of text that pass quality control: A6 at 200 dpi,
    colour JPEG, each with text of its own."""
    from PIL import Image, ImageDraw

    pages = []
    for index in range(count):
        width, height = 827, 1165  # A6 at 200 dpi
        image = Image.new("RGB", (width, height), (250, 250, 246))
        draw = ImageDraw.Draw(image)
        rng = random.Random(index)
        y = 60
        while y < height - 80:
            x = 50
            while x < width - 80:
                word = rng.randint(20, 90)
                draw.rectangle((x, y, min(x + word, width - 50), y + 14), fill=(30, 30, 40))
                x += word + rng.randint(10, 18)
            y += rng.choice((30, 34, 38, 60))
        out = io.BytesIO()
        image.save(out, "JPEG", quality=85, dpi=(200, 200))
        pages.append(out.getvalue())
    return pages


# -- the load ---------------------------------------------------------------------------------


class Calls:
    """Latencies and errors per RPC and per operation, from every load thread."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.rpc_latency: dict[str, list[float]] = collections.defaultdict(list)
        self.rpc_errors: collections.Counter[str] = collections.Counter()
        self.op_latency: dict[str, list[float]] = collections.defaultdict(list)
        self.op_errors: collections.Counter[str] = collections.Counter()
        self.skipped: collections.Counter[str] = collections.Counter()
        self.first_errors: dict[str, str] = {}


class Context:
    """What one operation's slot does its calls with: each call is timed from the end of
    the one before it, the first from the slot (so waiting for a thread counts)."""

    def __init__(self, calls: Calls, stubs: dict[str, Any], due: float,
                 timeout_s: float = CALL_TIMEOUT_S) -> None:
        self.calls, self.stubs, self.mark, self.timeout_s = calls, stubs, due, timeout_s

    def call(self, rpc: str, stub: str, method: str, request: Any) -> Any:
        try:
            answer = getattr(self.stubs[stub], method)(request, timeout=self.timeout_s)
        except grpc.RpcError as error:
            with self.calls.lock:
                self.calls.rpc_errors[rpc] += 1
                self.calls.first_errors.setdefault(
                    rpc, f"{error.code()}: {error.details()}")  # type: ignore[attr-defined]
            raise
        done = time.perf_counter()
        with self.calls.lock:
            self.calls.rpc_latency[rpc].append(done - self.mark)
        self.mark = done
        return answer


class Skipped(Exception):
    """The slot found no work waiting for it (counted apart, not an error)."""


class Load:
    """The operations of the model and the state they share (what waits for its next
    step), on a world set up before."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.run = world.run
        self.seq = itertools.count()
        #: (dossier id, the next of STATUS_STEPS).
        self.dossiers: collections.deque[tuple[str, int]] = collections.deque()
        self.to_send: collections.deque[str] = collections.deque()
        self.to_register: collections.deque[str] = collections.deque()
        self.credentials: collections.deque[Credential] = collections.deque()
        self.credential_lock = threading.Lock()
        self.batches: list[tuple[str, str]] = []  # (record id, batch id)
        self.pages_taken = 0
        self.pages_lock = threading.Lock()
        self.ops: dict[str, Callable[[Context, int], None]] = {
            "submit_dossier": self.submit_dossier,
            "dossier_status_change": self.dossier_status_change,
            "document_issued": self.document_issued,
            "document_exchanged": self.document_exchanged,
            "signature": self.signature,
            "scanned_page": self.scanned_page,
            "identity_read": self.identity_read,
        }
        if set(self.ops) != {op.name for op in MODEL}:
            msg = "every operation of the model has its load, and only those"
            raise BenchError(msg)

    # dossiers

    def submit_dossier(self, ctx: Context, slot: int) -> None:
        seq = next(self.seq)
        commune = self.world.communes[seq % len(self.world.communes)]
        dossier = ctx.call("dossiers.SubmitDossier", "dossiers", "SubmitDossier",
                           dossiers_pb.SubmitDossierRequest(
            request_id=f"{self.run}-submit-{seq}", procedure_code=PROCEDURE_CODE,
            channel=dossiers_pb.CHANNEL_COUNTER,
            applicant=dossiers_pb.Applicant(
                full_name=f"Nguyễn Văn Thử {seq}",
                personal_identification_number=f"001090{seq % 1_000_000:06d}",
                phone="0912345678", address="12 Phố Điện Biên Phủ, Ba Đình, Hà Nội"),
            receiving_unit_id=commune.unit_id, competent_unit_id=commune.unit_id,
            submitted_documents=["Tờ khai đăng ký khai sinh"]))
        self.dossiers.append((dossier.dossier_id, 0))

    STATUS_STEPS = ("ReceiveDossier", "AssignDossier", "RequireFinancialObligation",
                    "FulfilFinancialObligation", "ApproveDossier", "ReturnResult")

    def dossier_status_change(self, ctx: Context, slot: int) -> None:
        try:
            dossier_id, step = self.dossiers.popleft()
        except IndexError:
            raise Skipped from None
        method = self.STATUS_STEPS[step]
        request_id = f"{self.run}-{method}-{dossier_id}"
        requests = {
            "ReceiveDossier": lambda: dossiers_pb.ReceiveDossierRequest(
                request_id=request_id, dossier_id=dossier_id),
            "AssignDossier": lambda: dossiers_pb.AssignDossierRequest(
                request_id=request_id, dossier_id=dossier_id, handler="cb.tran"),
            "RequireFinancialObligation": lambda: dossiers_pb.RequireFinancialObligationRequest(
                request_id=request_id, dossier_id=dossier_id, amount_vnd=8000),
            "FulfilFinancialObligation": lambda: dossiers_pb.FulfilFinancialObligationRequest(
                request_id=request_id, dossier_id=dossier_id),
            "ApproveDossier": lambda: dossiers_pb.ApproveDossierRequest(
                request_id=request_id, dossier_id=dossier_id,
                result_documents=["Giấy khai sinh"]),
            "ReturnResult": lambda: dossiers_pb.ReturnResultRequest(
                request_id=request_id, dossier_id=dossier_id),
        }
        ctx.call(f"dossiers.{method}", "dossiers", method, requests[method]())
        if step + 1 < len(self.STATUS_STEPS):
            self.dossiers.append((dossier_id, step + 1))

    # documents

    def document_issued(self, ctx: Context, slot: int) -> None:
        seq = next(self.seq)
        issuer = self.world.issuers[seq % len(self.world.issuers)]
        others = [u for u in [self.world.province, *self.world.communes]
                  if u.unit_id != issuer.unit.unit_id]
        recipients = [others[(seq + i) % len(others)].agency_code for i in range(RECIPIENTS)]
        draft = documents_pb.Draft(
            document_type="BC", subject=f"Báo cáo số {seq}", issuer_notation="UBND",
            signer=issuer.signer, recipients=recipients, urgency=documents_pb.URGENCY_URGENT)
        document = ctx.call("documents.CreateDraft", "documents", "CreateDraft",
                            documents_pb.CreateDraftRequest(
                                request_id=f"{self.run}-draft-{seq}",
                                unit_id=issuer.unit.unit_id, draft=draft))
        document_id = document.document_id
        ctx.call("documents.SubmitDraft", "documents", "SubmitDraft",
                 documents_pb.SubmitDraftRequest(document_id=document_id))
        ctx.call("documents.RecordOfficialSignature", "documents", "RecordOfficialSignature",
                 documents_pb.RecordOfficialSignatureRequest(
                     document_id=document_id, signed_file=issuer.official_file))
        ctx.call("documents.NumberDocument", "documents", "NumberDocument",
                 documents_pb.NumberDocumentRequest(document_id=document_id))
        ctx.call("documents.RecordAgencySignature", "documents", "RecordAgencySignature",
                 documents_pb.RecordAgencySignatureRequest(
                     document_id=document_id, signed_file=issuer.agency_file))
        self.to_send.append(document_id)

    def document_exchanged(self, ctx: Context, slot: int) -> None:
        if slot % (RECIPIENTS + 1) == 0:
            try:
                document_id = self.to_send.popleft()
            except IndexError:
                raise Skipped from None
            sent = ctx.call("documents.SendDocument", "documents", "SendDocument",
                            documents_pb.SendDocumentRequest(
                                request_id=f"{self.run}-send-{document_id}",
                                document_id=document_id))
            self.to_register.extend(d.incoming_id for d in sent.deliveries if d.incoming_id)
            return
        try:
            incoming_id = self.to_register.popleft()
        except IndexError:
            raise Skipped from None
        ctx.call("documents.RegisterIncoming", "incoming", "RegisterIncoming",
                 documents_pb.RegisterIncomingRequest(
                     request_id=f"{self.run}-register-{incoming_id}", incoming_id=incoming_id))

    # signatures

    def _free_credential(self) -> Credential:
        step = int(time.time()) // OTP_STEP_S
        with self.credential_lock:
            if self.credentials and self.credentials[0].last_step < step:
                credential = self.credentials.popleft()
                credential.last_step = step
                return credential
        msg = "no credential has an unspent one-time code (the pool is too small)"
        raise BenchError(msg)

    def signature(self, ctx: Context, slot: int) -> None:
        credential = self._free_credential()
        try:
            digest = hashlib.sha256(f"{self.run}-{slot}-{uuid.uuid4()}".encode()).digest()
            code = credential.totp.at(credential.last_step * OTP_STEP_S)
            sad = ctx.call("signatures.AuthorizeSignature", "signing", "AuthorizeSignature",
                           signing_pb.AuthorizeSignatureRequest(
                               credential_id=credential.credential_id, one_time_code=code,
                               hashes=[digest], hash_algorithm=signing_pb.HASH_ALGORITHM_SHA256,
                               on_behalf_of="national load", description="national load")).sad
            ctx.call("signatures.SignHash", "signing", "SignHash", signing_pb.SignHashRequest(
                credential_id=credential.credential_id, sad=sad, hashes=[digest],
                hash_algorithm=signing_pb.HASH_ALGORITHM_SHA256))
        finally:
            with self.credential_lock:
                self.credentials.append(credential)

    # archive

    def scanned_page(self, ctx: Context, slot: int) -> None:
        with self.pages_lock:
            number = self.pages_taken
            self.pages_taken += 1
        batch_index, place = divmod(number, PAGES_PER_BATCH)
        if batch_index >= len(self.batches):
            msg = f"page {number}: no batch prepared for it"
            raise BenchError(msg)
        record_id, batch_id = self.batches[batch_index]
        image = upload_page(ctx, f"{self.run}-trang-{number}.jpg",
                            self.world.pages[place], f"{self.run}-upload-{number}")
        ctx.call("archive.CapturePage", "digitization", "CapturePage",
                 archive_pb.CapturePageRequest(
                     request_id=f"{self.run}-capture-{number}", batch_id=batch_id,
                     record_id=record_id, sequence=place + 1, kind=archive_pb.PAGE_KIND_TEXT,
                     image=image))

    # identity

    def identity_read(self, ctx: Context, slot: int) -> None:
        commune = self.world.communes[slot % len(self.world.communes)]
        if slot % 2 == 0:
            ctx.call("identity.ResolveUnit", "identity", "ResolveUnit",
                     identity_pb.ResolveUnitRequest(code=commune.agency_code))
        else:
            ctx.call("identity.GetUnit", "identity", "GetUnit",
                     identity_pb.GetUnitRequest(unit_id=commune.unit_id))


def upload_page(ctx: Context, name: str, data: bytes, request_id: str) -> Any:
    def requests() -> Iterator[Any]:
        module = archive_files_pb
        yield module.UploadFileRequest(begin=module.BeginUpload(
            request_id=request_id, name=name, content_type="image/jpeg", size=len(data)))
        yield module.UploadFileRequest(chunk=module.UploadChunk(offset=0, data=data))
        yield module.UploadFileRequest(finish=module.FinishUpload(
            sha256=hashlib.sha256(data).hexdigest()))

    return ctx.call("archive.UploadFile", "archive_files", "UploadFile", requests()).file


# -- preparing a step ---------------------------------------------------------------------------


def _parallel(count: int, work: Callable[[int], None], what: str, threads: int = 4) -> None:
    if count <= 0:
        return
    try:
        with ThreadPoolExecutor(threads, thread_name_prefix="bench-prepare") as pool:
            for _ in pool.map(work, range(count)):
                pass
    except grpc.RpcError as error:
        msg = (f"preparing the step ({what}) failed: "
               f"{error.code()} {error.details()}")  # type: ignore[attr-defined]
        raise BenchError(msg) from None


def prepare(load: Load, clients: Clients, rates: dict[str, float], seconds: float,
            update: Callable[[float, float], None]) -> dict[str, int]:
    """What the step's load needs before it starts (not measured): credentials, dossiers
    and documents waiting for their next step, records and batches for its pages."""
    world, run = load.world, load.run
    scratch = Calls()
    credentials_needed = math.ceil(rates["signature"] * OTP_STEP_S * CREDENTIAL_MARGIN) + 8
    new_credentials = max(0, credentials_needed - len(load.credentials))
    status_backlog = math.ceil(rates["dossier_status_change"] * BACKLOG_S)
    new_dossiers = max(0, math.ceil((status_backlog - len(load.dossiers)) / 2))
    exchange_backlog = math.ceil(rates["document_exchanged"] * BACKLOG_S)
    new_documents = max(0, math.ceil((exchange_backlog - len(load.to_register)) / RECIPIENTS))
    pages = scheduled_calls(rates["scanned_page"], seconds) + PAGES_PER_BATCH
    needed_batches = math.ceil((load.pages_taken + pages) / PAGES_PER_BATCH)
    new_batches = max(0, needed_batches - len(load.batches))
    total = new_credentials + new_dossiers + new_documents + new_batches
    done = itertools.count(1)

    def tick() -> None:
        update(next(done), total)

    def credential(index: int) -> None:
        stubs = clients.take()
        commune = world.communes[index % len(world.communes)]
        _, issued = issue_credential(stubs, commune.unit_id,
                                     f"{run}-credential-{uuid.uuid4()}",
                                     f"Lê Văn Ký {index}")
        with load.credential_lock:
            load.credentials.append(issued)
        tick()

    def dossier(_: int) -> None:
        ctx = Context(scratch, clients.take(), time.perf_counter())
        load.submit_dossier(ctx, 0)
        tick()

    def document(_: int) -> None:
        ctx = Context(scratch, clients.take(), time.perf_counter())
        load.document_issued(ctx, 0)
        document_id = load.to_send.pop()
        sent = ctx.call("documents.SendDocument", "documents", "SendDocument",
                        documents_pb.SendDocumentRequest(
                            request_id=f"{run}-send-{document_id}", document_id=document_id))
        load.to_register.extend(d.incoming_id for d in sent.deliveries if d.incoming_id)
        tick()

    def batch(_: int) -> None:
        stubs = clients.take()
        index = next(load.seq)
        commune = world.communes[index % len(world.communes)]
        record = stubs["archive"].CatalogueRecord(archive_pb.CatalogueRecordRequest(
            request_id=f"{run}-record-{index}", unit_id=commune.unit_id,
            description=archive_pb.RecordDescription(
                notation=f"DC-{index}", year=2024, title=f"Hồ sơ địa chính số {index}",
                retention_years=0, start_date=_date(2024, 1, 5), end_date=_date(2024, 12, 28),
                page_count=PAGES_PER_BATCH, document_count=PAGES_PER_BATCH // 10,
                language="vi", access=archive_pb.ACCESS_MODE_OPEN, physical_condition="tốt",
                fonds_name=f"Phông Ủy ban nhân dân xã Thử Nghiệm {index}")),
            timeout=CALL_TIMEOUT_S)
        opened = stubs["digitization"].OpenBatch(archive_pb.OpenBatchRequest(
            request_id=f"{run}-batch-{index}", unit_id=commune.unit_id,
            label=f"Hồ sơ địa chính, hộp {index}"), timeout=CALL_TIMEOUT_S)
        with load.credential_lock:
            load.batches.append((record.record_id, opened.batch_id))
        tick()

    _parallel(new_credentials, credential, "credentials")
    _parallel(new_dossiers, dossier, "dossiers")
    _parallel(new_documents, document, "documents")
    _parallel(new_batches, batch, "records and batches")
    if scratch.rpc_errors:
        rpc, first = next(iter(scratch.first_errors.items()))
        msg = f"preparing the step failed: {rpc}: {first}"
        raise BenchError(msg)
    update(total, total)
    return {"credentials": len(load.credentials), "new_credentials": new_credentials,
            "dossiers_waiting": len(load.dossiers), "documents_to_send": len(load.to_send),
            "copies_to_register": len(load.to_register), "batches": len(load.batches)}


def _date(year: int, month: int, day: int) -> Any:
    from google.type import date_pb2

    return date_pb2.Date(year=year, month=month, day=day)


# -- one step -----------------------------------------------------------------------------------


def thread_counts(rates: dict[str, float]) -> dict[str, int]:
    """Each operation's threads (a pool of its own, so that a service that stops
    answering holds up its own operations only): enough for its slots at its rate
    (Little's law on a budget per slot), at least 2."""
    return {name: max(2, min(MAX_THREADS, math.ceil(
        rate * THREAD_BUDGET_S.get(name, DEFAULT_THREAD_BUDGET_S)) + 2))
        for name, rate in rates.items()}


def schedule(rates: dict[str, float], seconds: float) -> Iterator[tuple[float, str, int]]:
    """Every slot of the step in time order: (due, operation, slot), the k-th slot of an
    operation due ``(k + 0.5) / rate`` after the start."""
    heap: list[tuple[float, str, int, int]] = []
    for name, rate in rates.items():
        total = scheduled_calls(rate, seconds)
        if total:
            heap.append((0.5 / rate, name, 0, total))
    heapq.heapify(heap)
    while heap:
        due, name, slot, total = heapq.heappop(heap)
        yield due, name, slot
        if slot + 1 < total:
            heapq.heappush(heap, ((slot + 1.5) / rates[name], name, slot + 1, total))


@dataclass
class StepMeters:
    services: dict[str, CpuMeter]
    machine: CpuMeter


def run_step(load: Load, clients: Clients, platform: Platform, lag: LagMonitor,
             multiple: float, seconds: float, progress: PhaseProgress, *,
             p99_limit_s: float = 0.05) -> dict[str, Any]:
    rates = rates_at(multiple)
    with progress.phase(f"prepare x{multiple:g}") as update:
        began = time.perf_counter()
        prepared = prepare(load, clients, rates, seconds, update)
        prepare_s = time.perf_counter() - began
    calls = Calls()
    threads = thread_counts(rates)
    meters = StepMeters({name: CpuMeter(server_pid=process.pid)
                         for name, process in platform.services.items()}, CpuMeter())
    with progress.phase(f"load x{multiple:g}", total=seconds) as update:
        pools = {name: ThreadPoolExecutor(count, thread_name_prefix=f"bench-{name}")
                 for name, count in threads.items()}
        served_before = _scrape_all(platform)
        start = time.perf_counter() + 0.05
        for meter in [*meters.services.values(), meters.machine]:
            meter.start()

        def one(name: str, slot: int, due: float) -> None:
            if time.perf_counter() - due > GIVE_UP_AFTER_S:
                with calls.lock:
                    calls.op_errors[name] += 1
                    calls.first_errors.setdefault(
                        name, f"not called: taken up over {GIVE_UP_AFTER_S:g} s after its slot")
                return
            ctx = Context(calls, clients.take(), due, LOAD_CALL_TIMEOUT_S)
            try:
                load.ops[name](ctx, slot)
            except Skipped:
                with calls.lock:
                    calls.skipped[name] += 1
                return
            except Exception as error:  # counted; the schedule goes on
                with calls.lock:
                    calls.op_errors[name] += 1
                    calls.first_errors.setdefault(name, f"{type(error).__name__}: {error}")
                return
            finished = time.perf_counter()
            with calls.lock:
                calls.op_latency[name].append(finished - due)

        last_note = 0.0
        try:
            for offset, name, slot in schedule(rates, seconds):
                due = start + offset
                delay = due - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
                pools[name].submit(one, name, slot, due)
                if due - last_note > 0.5:
                    update(min(due - start, seconds), seconds)
                    last_note = due
            ended_schedule = time.perf_counter()
        except BaseException:
            for pool in pools.values():
                pool.shutdown(wait=False, cancel_futures=True)
            raise
        for pool in pools.values():
            pool.shutdown(wait=True)  # every slot's calls done, failed or given up
        finished = time.perf_counter()
        elapsed = max(finished, start + seconds) - start
        used = {name: meter.stop(wall_s=elapsed) for name, meter in meters.services.items()}
        machine = meters.machine.stop(wall_s=elapsed)
        served = served_figures(served_before, _scrape_all(platform), limit_s=p99_limit_s)
    return step_figures(multiple, rates, seconds, calls, used, machine,
                        lag.figures(start, finished), served=served, threads=threads,
                        drain_s=finished - ended_schedule, prepare_s=prepare_s,
                        prepared=prepared, elapsed=elapsed)


def _scrape_all(platform: Platform) -> Buckets:
    buckets: Buckets = {}
    for port in platform.metrics_ports.values():
        buckets.update(scrape(port))
    return buckets


def step_figures(multiple: float, rates: dict[str, float], seconds: float, calls: Calls,
                 used: dict[str, dict[str, float]], machine: dict[str, float],
                 event_lag: dict[str, Any], *, served: dict[str, Any] | None = None,
                 threads: dict[str, int], drain_s: float,
                 prepare_s: float,
                 prepared: dict[str, int], elapsed: float) -> dict[str, Any]:
    operations = {}
    for op in MODEL:
        rate = rates[op.name]
        done = figures(calls.op_latency.get(op.name, []), elapsed, calls.op_errors[op.name])
        operations[op.name] = {"rate_target_per_s": round(rate, 2),
                               "scheduled": scheduled_calls(rate, seconds), **done,
                               "errors": calls.op_errors[op.name],
                               "skipped": calls.skipped[op.name]}
        if op.name in calls.first_errors:
            operations[op.name]["first_error"] = calls.first_errors[op.name]
    rpcs = {}
    for name in sorted(set(calls.rpc_latency) | set(calls.rpc_errors)):
        rpcs[name] = {**figures(calls.rpc_latency.get(name, []), elapsed),
                      "errors": calls.rpc_errors[name]}
        if name in calls.first_errors:
            rpcs[name]["first_error"] = calls.first_errors[name]
        if served is not None and name in served:
            rpcs[name]["served"] = served[name]  # the service's own timing of its handler
    calls_of: collections.Counter[str] = collections.Counter()
    for name, figs in rpcs.items():
        calls_of[name.split(".", 1)[0]] += figs["count"] + figs["errors"]
    services = {}
    for name, shares in used.items():
        pct = shares.get("server_pct", 0.0)
        services[name] = {"cpu_pct": pct, "calls": calls_of[name],
                          "cpu_ms_per_call": round(pct * 10 * elapsed / calls_of[name], 3)
                          if calls_of[name] else None}
    return {
        "multiple": multiple,
        "seconds": round(elapsed, 2),
        "operations": operations,
        "rpcs": rpcs,
        "event_lag": event_lag,
        "cpu": {"services": services, "postgres_pct": machine.get("postgres_pct", 0.0),
                "machine_busy_pct": machine.get("machine_busy_pct", 0.0),
                "machine_stolen_pct": machine.get("machine_stolen_pct", 0.0),
                "load_client_pct": machine.get("client_pct", 0.0)},
        "load": {"threads": threads, "drain_s": round(drain_s, 2),
                 "prepare_s": round(prepare_s, 2), "prepared": prepared},
    }


# -- the scenario ---------------------------------------------------------------------------------


def set_up(platform: Platform, clients: Clients, run: str, communes: int,
           progress: PhaseProgress) -> World:
    stubs = clients.take()
    with progress.phase("units and consumers") as update:
        province, units = register_units(stubs, run, communes)
        began = time.perf_counter()
        asyncio.run(_caught_up(platform.nats.url, platform.durables("identity"),
                               stream_name("identity")))
        learn_s = time.perf_counter() - began
        update(1, 1)
    world = World(run, province, units)
    world_setup = {"learn_units_s": round(learn_s, 2)}
    with progress.phase("procedure, issuers") as update:
        eventually(lambda: create_procedure(stubs, run), "creating the procedure")
        for index in range(ISSUERS):
            world.issuers.append(set_up_issuer(stubs, run, units[index], index))
        for unit in [province, *units]:
            eventually(lambda unit=unit: stubs["documents"].ListOutgoingBook(
                documents_pb.ListOutgoingBookRequest(unit_id=unit.unit_id, year=2026),
                timeout=CALL_TIMEOUT_S), "documents learning the units")
        update(1, 1)
    with progress.phase(f"{PAGES_PER_BATCH} scanned pages") as update:
        world.pages = make_small_pages(PAGES_PER_BATCH)
        update(1, 1)
    world.setup = world_setup
    return world


def run_national_bench(config: NationalBenchConfig, progress: PhaseProgress) -> dict[str, Any]:
    """Run the scenario and return its JSON figures."""
    from lienthong.logging import configure_logging

    configure_logging("bench", level="warning")  # JSON figures alone on stdout
    require_postgres(config.postgres_dsn)
    machine = machine_info(config.postgres_dsn)
    run = f"bench-{uuid.uuid4().hex[:8]}"
    limits = Limits(p99_ms=config.p99_ms, max_lag_s=config.max_lag_s)
    with contextlib.ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(
            prefix="lienthong-bench-national-")))
        platform = Platform(stack, config.postgres_dsn, folder, progress,
                            prefix="lienthong_bench_national")
        clients = Clients(platform)
        stack.callback(clients.close)
        world = set_up(platform, clients, run, config.communes, progress)
        load = Load(world)
        lag = stack.enter_context(LagMonitor(platform.nats.url))
        result = ramp(config.multiples,
                      lambda m: run_step(load, clients, platform, lag, m, config.step_seconds,
                                         progress, p99_limit_s=config.p99_ms / 1000), limits)
        for step in result.steps:
            verdict = "passed" if step["passed"] else "failed: " + _limit_text(
                step["failed_limits"][0])
            progress.note(f"x{step['multiple']:g}: {verdict}")
        logs = {name: process.log_tail(2000) for name, process in platform.services.items()
                if any(step["rpcs"].get(r, {}).get("errors") for step in result.steps
                       for r in step["rpcs"] if r.startswith(f"{name}."))}
    return {
        "scenario": "national",
        "sustained_multiple": result.sustained_multiple,
        "first_limit": result.first_limit,
        "first_limit_text": _limit_text(result.first_limit) if result.first_limit else "",
        "limits": {"p99_ms": config.p99_ms, "max_lag_s": config.max_lag_s,
                   "step_seconds": config.step_seconds},
        "model": {"source": "docs/benchmarks.md, 'The whole country's load (a model)', "
                            "section 3, design peak",
                  "design_peak_per_s": {op.name: op.design_peak_per_s for op in MODEL},
                  "operations": {op.name: {"what": op.what, "calls": list(op.calls)}
                                 for op in MODEL}},
        "steps": result.steps,
        "setup": {"startup_s": platform.startup_s, **world.setup,
                  "communes": config.communes, "issuers": ISSUERS, "recipients": RECIPIENTS,
                  "page_bytes": round(sum(map(len, world.pages)) / len(world.pages)),
                  "page": "A6 at 200 dpi, colour JPEG, text of its own",
                  "transport": "plaintext gRPC and NATS", "lag_read_errors": lag.errors[:5],
                  "service_logs_on_error": logs},
        "machine": machine,
        "config": {"step_seconds": config.step_seconds, "multiples": list(config.multiples),
                   "p99_ms": config.p99_ms, "max_lag_s": config.max_lag_s,
                   "communes": config.communes, "services": list(platform.services)},
    }


def _limit_text(limit: dict[str, Any]) -> str:
    what = limit.get("rpc") or limit.get("consumer") or limit.get("operation")
    return f"{limit['limit']} of {what}: {limit['value']} (max {limit['max']})"
