"""``lienthong bench documents``: uploads beside a raw Object Store put, the service's peak
memory through a large upload, and issuing and sending documents.

The services run as production runs them (``python -m lienthong.services.<name>``), each
on a throw-away PostgreSQL database, with a nats-server of the run (JetStream, file
storage): identity, signatures (its keys in a SoftHSM2 token it makes in a temporary
folder) and documents, which calls signatures at ``LIENTHONG_SIGNATURES_ADDRESS``.
Plaintext gRPC and NATS. Then:

1. ``setup``: a province and a commune registered through identity, with agency codes;
   documents and signatures learn them from identity's stream. Two officials of the
   commune get credentials, the second the commune's seal; a one-page report is signed
   by the first (the document's signer) and then with the seal (by the clerical
   officer, for the agency); both signed PDFs are uploaded;
2. ``upload`` and ``raw_put``, in turns (``--rounds`` each): the same ``--upload-mb`` MiB
   of random bytes (a file on disk) sent through FileService's client stream in 1 MiB
   chunks, as a client system sends them, and put with nats-py's ``ObjectStore.put`` (from
   memory, its fastest path) into the same bucket on the same server; each object deleted
   after its round;
3. ``memory``: the documents process's resident memory before, and its peak (the
   kernel's ``VmHWM``) after, an upload of ``--memory-mb`` MiB;
4. ``issue_and_send``: ``--documents`` documents over ``--connections`` threads, each
   drafted, submitted and signed by the official (validated by the signatures service),
   then, measured, numbered, signed for the agency (validated too) and sent to the
   province; each step's latency in ``steps``.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import grpc

from lienthong.documents.v1 import documents_pb2 as pb
from lienthong.documents.v1 import documents_pb2_grpc as pb_grpc
from lienthong.documents.v1 import files_pb2 as files_pb
from lienthong.documents.v1 import files_pb2_grpc as files_grpc
from lienthong.files import bucket_for
from lienthong.identity.v1 import identity_pb2 as identity_pb
from lienthong.identity.v1 import identity_pb2_grpc as identity_grpc
from lienthong.signatures.v1 import signatures_pb2 as signatures_pb
from lienthong.signatures.v1 import signatures_pb2_grpc as signatures_grpc
from lienthong.signatures.v1 import signing_pb2 as signing_pb
from lienthong.signatures.v1 import signing_pb2_grpc as signing_grpc
from lienthong.tools.bench.common import (
    BenchError,
    LoadResult,
    PhaseProgress,
    alternate,
    figures,
    machine_info,
    nats_server_version,
    one_page_pdf,
    require_postgres,
    settled_step,
)
from lienthong.tools.bench.platform import Platform
from lienthong.tools.bench.platform import channel as _channel
from lienthong.tools.bench.platform import eventually as _eventually

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

MIB = 1024 * 1024
#: FileService chunks: the largest the service takes.
CHUNK_BYTES = MIB
#: The upload through FileService reaches at least this share of a raw put's MB/s.
TARGET_RATIO = 0.7
PROVINCE_AGENCY, COMMUNE_AGENCY = "000.00.00.H97", "000.00.31.H97"
CALL_TIMEOUT_S = 60.0
UPLOAD_TIMEOUT_S = 900.0
LEARN_TIMEOUT_S = 60.0


@dataclass
class DocumentsBenchConfig:
    postgres_dsn: str
    upload_mb: int = 128
    rounds: int = 4
    memory_mb: int = 1024
    documents: int = 120
    connections: int = 4


# -- the platform of the run -------------------------------------------------------------


def start_platform(stack: contextlib.ExitStack, config: DocumentsBenchConfig, folder: Path,
                   progress: PhaseProgress) -> Platform:
    """nats-server, identity, signatures and documents, each on its own database."""
    largest = max(config.upload_mb, config.memory_mb) * MIB
    return Platform(stack, config.postgres_dsn, folder, progress,
                    prefix="lienthong_bench_documents",
                    services=("identity", "signatures", "documents"),
                    env={"documents": {"LIENTHONG_FILES_MAX_BYTES": str(largest + MIB)}})


def eventually(call: Callable[[], Any], what: str) -> Any:
    return _eventually(call, what, timeout_s=LEARN_TIMEOUT_S)


# -- setup: units, officials, signed PDFs --------------------------------------------------


@dataclass
class Setup:
    commune_id: str
    province_id: str
    signer: pb.Signer
    official_file: pb.FileRef
    agency_file: pb.FileRef


def _official(credentials: Any, unit_id: str, run: str, name: str, *,
              agency_seal: bool = False) -> tuple[str, str, Any]:
    """A credential for a new official of the unit (with ``agency_seal``, the agency's
    seal they hold): (official id, credential id, TOTP)."""
    import pyotp

    official_id = str(uuid.uuid4())
    credential = eventually(lambda: credentials.IssueCredential(
        signatures_pb.IssueCredentialRequest(
            request_id=f"{run}-{name}", unit_id=unit_id, agency_seal=agency_seal,
            key_algorithm=signatures_pb.KEY_ALGORITHM_EC_P256,
            official=signatures_pb.Official(official_id=official_id, full_name=name,
                                            position="Chủ tịch")),
        timeout=CALL_TIMEOUT_S), "signatures learning the commune")
    enrolment = credentials.EnrollAuthenticator(signatures_pb.EnrollAuthenticatorRequest(
        credential_id=credential.credential_id), timeout=CALL_TIMEOUT_S)
    totp = pyotp.parse_uri(enrolment.provisioning_uri)
    step = settled_step(step_s=totp.interval)
    credentials.ConfirmAuthenticator(signatures_pb.ConfirmAuthenticatorRequest(
        credential_id=credential.credential_id,
        one_time_code=totp.at((step - 1) * totp.interval)), timeout=CALL_TIMEOUT_S)
    return official_id, credential.credential_id, totp


def upload(files: Any, name: str, chunks: Callable[[], Iterator[bytes]], size: int,
           sha256: str) -> pb.FileRef:
    """A file sent through FileService's client stream, chunk after chunk."""
    def requests() -> Iterator[files_pb.UploadFileRequest]:
        yield files_pb.UploadFileRequest(begin=files_pb.BeginUpload(
            request_id=f"bench-{uuid.uuid4()}", name=name, content_type="application/pdf",
            size=size))
        offset = 0
        for chunk in chunks():
            yield files_pb.UploadFileRequest(chunk=files_pb.UploadChunk(offset=offset,
                                                                       data=chunk))
            offset += len(chunk)
        yield files_pb.UploadFileRequest(finish=files_pb.FinishUpload(sha256=sha256))

    answer = files.UploadFile(requests(), timeout=UPLOAD_TIMEOUT_S)
    return answer.file


def _uploaded_bytes(files: Any, name: str, data: bytes) -> pb.FileRef:
    return upload(files, name, lambda: iter([data[i:i + CHUNK_BYTES]
                                             for i in range(0, len(data), CHUNK_BYTES)]),
                  len(data), hashlib.sha256(data).hexdigest())


def set_up(platform: Platform, run: str) -> Setup:
    with _channel(platform["identity"].address) as identity_channel, \
            _channel(platform["signatures"].address) as signatures_channel, \
            _channel(platform["documents"].address) as documents_channel:
        identity = identity_grpc.IdentityServiceStub(identity_channel)
        province = identity.RegisterUnit(identity_pb.RegisterUnitRequest(
            request_id=f"{run}-province", display_name="Tỉnh Thử Nghiệm",
            kind=identity_pb.UNIT_KIND_PROVINCE, administrative_unit_code="97",
            agency_code=PROVINCE_AGENCY), timeout=CALL_TIMEOUT_S)
        commune = identity.RegisterUnit(identity_pb.RegisterUnitRequest(
            request_id=f"{run}-commune", display_name="Xã Thử Nghiệm",
            kind=identity_pb.UNIT_KIND_COMMUNE, administrative_unit_code="97001",
            agency_code=COMMUNE_AGENCY, parent_unit_id=province.unit_id),
            timeout=CALL_TIMEOUT_S)
        credentials = signatures_grpc.CredentialServiceStub(signatures_channel)
        signing = signing_grpc.SigningServiceStub(signatures_channel)
        signer_id, signer_credential, signer_totp = _official(
            credentials, commune.unit_id, run, "Nguyễn Thị Lan")
        _, clerk_credential, clerk_totp = _official(credentials, commune.unit_id, run,
                                                   "Trần Văn Bình", agency_seal=True)
        report = one_page_pdf()
        by_official = signing.SignPdf(signing_pb.SignPdfRequest(
            credential_id=signer_credential, one_time_code=signer_totp.now(), pdf=report,
            level=signing_pb.PADES_LEVEL_B_T), timeout=CALL_TIMEOUT_S).signed_pdf
        by_agency = signing.SignPdf(signing_pb.SignPdfRequest(
            credential_id=clerk_credential, one_time_code=clerk_totp.now(), pdf=by_official,
            level=signing_pb.PADES_LEVEL_B_T), timeout=CALL_TIMEOUT_S).signed_pdf
        files = files_grpc.FileServiceStub(documents_channel)
        documents = pb_grpc.DocumentServiceStub(documents_channel)
        # Documents knows the commune once a draft of it is taken.
        eventually(lambda: documents.ListOutgoingBook(pb.ListOutgoingBookRequest(
            unit_id=commune.unit_id, year=2026), timeout=CALL_TIMEOUT_S),
            "documents learning the commune")
        eventually(lambda: documents.ListOutgoingBook(pb.ListOutgoingBookRequest(
            unit_id=province.unit_id, year=2026), timeout=CALL_TIMEOUT_S),
            "documents learning the province")
        return Setup(commune.unit_id, province.unit_id,
                     pb.Signer(official_id=signer_id, full_name="Nguyễn Thị Lan",
                               position="Chủ tịch", authority=pb.AUTHORITY_PREFIX_TM),
                     _uploaded_bytes(files, "bao-cao-ky.pdf", by_official),
                     _uploaded_bytes(files, "bao-cao-ban-hanh.pdf", by_agency))


# -- uploads beside a raw put ---------------------------------------------------------------


class RandomFile:
    """``size`` random bytes on disk, with the SHA-256 of each of its ``prefixes`` (a
    number of first bytes)."""

    def __init__(self, path: Path, size: int, prefixes: tuple[int, ...]) -> None:
        self.path, self.size = path, size
        hashes = {prefix: hashlib.sha256() for prefix in prefixes}
        with path.open("wb") as out:
            for offset in range(0, size, MIB):
                block = os.urandom(min(MIB, size - offset))
                out.write(block)
                for prefix, hashed in hashes.items():
                    if offset < prefix:
                        hashed.update(block[:prefix - offset])
        self.sha256 = {prefix: hashed.hexdigest() for prefix, hashed in hashes.items()}

    def chunks(self, size: int) -> Iterator[bytes]:
        with self.path.open("rb") as source:
            left = size
            while left > 0 and (chunk := source.read(min(CHUNK_BYTES, left))):
                left -= len(chunk)
                yield chunk


async def _delete(url: str, bucket: str, name: str) -> None:
    import nats

    connection = await nats.connect(url)
    try:
        await (await connection.jetstream().object_store(bucket)).delete(name)
    finally:
        await connection.close()


async def _raw_put(url: str, bucket: str, name: str, source: RandomFile, size: int) -> float:
    """Seconds a raw ``ObjectStore.put`` of the file's first ``size`` bytes took."""
    import nats

    connection = await nats.connect(url)
    try:
        store = await connection.jetstream(timeout=30).object_store(bucket)
        with source.path.open("rb") as file:
            data = file.read(size)  # in memory: the put's fastest path
        began = time.perf_counter()
        await store.put(name, data)
        elapsed = time.perf_counter() - began
        await store.delete(name)
        return elapsed
    finally:
        await connection.close()


def _status(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM of a process, in KiB."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0])
    return values


# -- issue and send -------------------------------------------------------------------------

STEPS = ("create_draft", "submit", "official_signature", "number", "agency_signature", "send")
ISSUE_AND_SEND = ("number", "agency_signature", "send")


def _one_document(stubs: Any, setup: Setup, run: str, seq: int) -> dict[str, float]:
    documents: pb_grpc.DocumentServiceStub = stubs
    timings: dict[str, float] = {}

    def timed(step: str, call: Callable[[], Any]) -> Any:
        began = time.perf_counter()
        answer = call()
        timings[step] = time.perf_counter() - began
        return answer

    draft = pb.Draft(document_type="BC", subject=f"Báo cáo số {seq}", issuer_notation="UBND",
                     signer=setup.signer, recipients=[PROVINCE_AGENCY],
                     urgency=pb.URGENCY_URGENT)
    document_id = timed("create_draft", lambda: documents.CreateDraft(pb.CreateDraftRequest(
        request_id=f"{run}-draft-{seq}", unit_id=setup.commune_id, draft=draft),
        timeout=CALL_TIMEOUT_S)).document_id
    timed("submit", lambda: documents.SubmitDraft(pb.SubmitDraftRequest(
        document_id=document_id), timeout=CALL_TIMEOUT_S))
    timed("official_signature", lambda: documents.RecordOfficialSignature(
        pb.RecordOfficialSignatureRequest(document_id=document_id,
                                          signed_file=setup.official_file),
        timeout=CALL_TIMEOUT_S))
    timed("number", lambda: documents.NumberDocument(pb.NumberDocumentRequest(
        document_id=document_id), timeout=CALL_TIMEOUT_S))
    timed("agency_signature", lambda: documents.RecordAgencySignature(
        pb.RecordAgencySignatureRequest(document_id=document_id,
                                        signed_file=setup.agency_file),
        timeout=CALL_TIMEOUT_S))
    sent = timed("send", lambda: documents.SendDocument(pb.SendDocumentRequest(
        document_id=document_id), timeout=CALL_TIMEOUT_S))
    if sent.state != pb.DOCUMENT_STATE_SENT:
        msg = f"document {document_id} is {pb.DocumentState.Name(sent.state)} after sending"
        raise BenchError(msg)
    return timings


def issue_and_send(platform: Platform, setup: Setup, config: DocumentsBenchConfig, run: str,
                   update: Callable[[float, float], None]) -> tuple[list[dict[str, float]], float]:
    """Every document's step timings, and the seconds the whole phase took."""
    timings: list[dict[str, float]] = []
    errors: list[str] = []
    lock = threading.Lock()
    sequence = iter(range(config.documents))

    def worker() -> None:
        with _channel(platform["documents"].address) as channel:
            stub = pb_grpc.DocumentServiceStub(channel)
            while not errors:
                with lock:
                    seq = next(sequence, None)
                if seq is None:
                    return
                try:
                    done = _one_document(stub, setup, run, seq)
                except (grpc.RpcError, BenchError) as error:
                    errors.append(str(error))
                    return
                with lock:
                    timings.append(done)
                    update(len(timings), config.documents)

    began = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(config.connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise BenchError(f"issuing and sending failed: {errors[0]}")
    return timings, time.perf_counter() - began


# -- the scenario ---------------------------------------------------------------------------


def _mb_per_s(size: int, seconds: list[float]) -> dict[str, Any]:
    rates = [size / MIB / s for s in seconds]
    return {"mb_per_s": round(len(seconds) * size / MIB / sum(seconds), 1),
            "rounds_mb_per_s": [round(r, 1) for r in rates],
            "min_mb_per_s": round(min(rates), 1), "max_mb_per_s": round(max(rates), 1),
            "mib": size // MIB, "rounds": len(seconds)}


def run_documents_bench(config: DocumentsBenchConfig, progress: PhaseProgress) -> dict[str, Any]:
    """Run the scenario and return its JSON figures."""
    require_postgres(config.postgres_dsn)
    machine = machine_info(config.postgres_dsn)
    machine["nats_server"] = nats_server_version()
    run = f"bench-{uuid.uuid4().hex[:8]}"
    bucket = bucket_for("documents")
    upload_size, memory_size = config.upload_mb * MIB, config.memory_mb * MIB
    with contextlib.ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(
            prefix="lienthong-bench-documents-")))
        platform = start_platform(stack, config, folder, progress)
        with progress.phase("units, officials, signed PDFs") as update:
            setup = set_up(platform, run)
            update(1, 1)
        with progress.phase(f"{max(config.upload_mb, config.memory_mb)} MiB of random bytes"
                            ) as update:
            source = RandomFile(folder / "random.bin", max(upload_size, memory_size),
                                (upload_size, memory_size))
            update(1, 1)
        documents_channel = stack.enter_context(_channel(platform["documents"].address))
        files = files_grpc.FileServiceStub(documents_channel)

        def through_service(round_: int) -> LoadResult:
            name = f"{run}-upload-{round_}"
            with progress.phase(f"upload {round_ + 1}/{config.rounds}") as update:
                began = time.perf_counter()
                stored = upload(files, name, lambda: source.chunks(upload_size), upload_size,
                                source.sha256[upload_size])
                elapsed = time.perf_counter() - began
                update(1, 1)
            if stored.sha256 != source.sha256[upload_size]:
                msg = f"the stored upload's SHA-256 is {stored.sha256}"
                raise BenchError(msg)
            asyncio.run(_delete(platform.nats.url, bucket, name))
            return LoadResult([elapsed], elapsed)

        def raw(round_: int) -> LoadResult:
            with progress.phase(f"raw put {round_ + 1}/{config.rounds}") as update:
                elapsed = asyncio.run(_raw_put(platform.nats.url, bucket,
                                               f"{run}-raw-{round_}", source, upload_size))
                update(1, 1)
            return LoadResult([elapsed], elapsed)

        service_side, raw_side = alternate(config.rounds, through_service, raw)
        upload_figures = _mb_per_s(upload_size, service_side.latencies_s)
        raw_figures = _mb_per_s(upload_size, raw_side.latencies_s)
        pairs = [s / r for s, r in zip(raw_side.latencies_s, service_side.latencies_s,
                                       strict=True)]
        ratio = upload_figures["mb_per_s"] / raw_figures["mb_per_s"]

        before = _status(platform["documents"].pid)
        with progress.phase(f"upload of {config.memory_mb} MiB") as update:
            upload(files, f"{run}-large", lambda: source.chunks(memory_size), memory_size,
                   source.sha256[memory_size])
            update(1, 1)
        after = _status(platform["documents"].pid)

        with progress.phase(f"issue and send {config.documents}") as update:
            timings, elapsed = issue_and_send(platform, setup, config, run, update)
    whole = [sum(t[s] for s in ISSUE_AND_SEND) for t in timings]
    return {
        "scenario": "documents",
        "upload": upload_figures,
        "raw_put": raw_figures,
        "ratios": {"upload_vs_raw_put": round(ratio, 3),
                   "rounds": [round(p, 3) for p in pairs],
                   "min": round(min(pairs), 3), "max": round(max(pairs), 3)},
        "memory": {"upload_mib": config.memory_mb,
                   "rss_before_mib": round(before["VmRSS"] / 1024, 1),
                   "rss_after_mib": round(after["VmRSS"] / 1024, 1),
                   "peak_rss_mib": round(after["VmHWM"] / 1024, 1),
                   "peak_before_mib": round(before["VmHWM"] / 1024, 1)},
        "issue_and_send": figures(whole, elapsed),
        "steps": {step: figures([t[step] for t in timings], elapsed) for step in STEPS},
        "targets": {"upload_vs_raw_put": TARGET_RATIO,
                    "upload_vs_raw_put_met": ratio >= TARGET_RATIO},
        "setup": {"startup_s": platform.startup_s, "transport": "plaintext gRPC and NATS",
                  "signatures_validated_by": "the signatures service (ValidateSignature)"},
        "machine": machine,
        "config": {"upload_mb": config.upload_mb, "rounds": config.rounds,
                   "memory_mb": config.memory_mb, "documents": config.documents,
                   "connections": config.connections, "chunk_bytes": CHUNK_BYTES},
    }
