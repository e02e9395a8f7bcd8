"""``lienthong bench signatures``: SignHash through gRPC beside raw PKCS#11 signing, and
PAdES B-LT on a large PDF.

The signatures service runs as production runs it (``python -m
lienthong.services.signatures``) on a throw-away PostgreSQL database, without NATS, with
its keys in a SoftHSM2 token it makes in a temporary folder
(``LIENTHONG_SIGNATURES_TOKEN_DIR``). Before it starts, the agency its officials belong
to is saved into its store as its identity consumer would have recorded it (a
:class:`KnownUnit` with an agency code). Then:

1. ``setup``: one credential per measured call (and per PDF sample), issued over gRPC
   with ``--key-algorithm`` keys generated in the service's token, each with an
   authenticator enrolled and confirmed with the code of the previous 30-second step (so
   the code of the current step is still unspent: a credential accepts each code once,
   and only a later one after it);
2. ``sign_hash`` and ``raw``, in turns (``rounds``, a b, b a...): each SignHash round
   first authorizes its credentials, one hash each, with their current one-time code
   (AuthorizeSignature, ``authorize``, not measured with SignHash), then calls SignHash
   once per credential, closed loop over ``connections`` threads. Each raw round signs
   digests with ``connections`` keys of the same type in a SoftHSM2 token of the same
   library, made by this process, with :class:`lienthong.pkcs11.Pkcs11Signer` directly,
   from as many threads, for as long as the SignHash round before it took. Both sides
   go through :mod:`lienthong.pkcs11`, which lets one call at a time into a library;
3. ``pades_blt_10mb``: SignPdf at level B-LT of a PDF of ``--pdf-mb`` MiB (pages that
   are images of random pixels, as incompressible as a scan's), one call at a time,
   each with its own credential and code, after one unmeasured call; the last signed
   PDF is then validated through ValidateSignature (not timed);
4. ``validate_pades_bt``: ValidateSignature of a one-page PDF signed at B-T by two
   officials in turn (what the documents service has validated when an agency seals a
   signed document), ``--validations`` calls one at a time after one unmeasured call;
   beside it, ``raw_validation``: pyHanko's own ``validate_pdf_signature`` of the same
   PDF's two signatures in this process (the platform's root trusted, its CAs'
   certificates and CRLs, read from the service's HTTP face, given; nothing fetched; the
   library speedups the service installs installed here too), as many times.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib.metadata
import io
import os
import random
import shutil
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import grpc

from lienthong.personal import write_master_key_file
from lienthong.ports import free_port
from lienthong.signatures.v1 import signatures_pb2 as pb
from lienthong.signatures.v1 import signatures_pb2_grpc as pb_grpc
from lienthong.signatures.v1 import signing_pb2 as signing_pb
from lienthong.signatures.v1 import signing_pb2_grpc as signing_grpc
from lienthong.signatures.v1 import validation_pb2 as validation_pb
from lienthong.signatures.v1 import validation_pb2_grpc as validation_grpc
from lienthong.tls import client_channel
from lienthong.tools.bench.common import (
    AB_ROUNDS,
    BenchDatabase,
    BenchError,
    CpuMeter,
    LoadExhaustedError,
    LoadResult,
    PhaseProgress,
    ServiceProcess,
    alternate,
    grpc_channel_options,
    machine_info,
    merged,
    one_page_pdf,
    require_postgres,
    run_closed_loop,
    settled_step,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from lienthong.pkcs11 import Pkcs11Signer

SERVICE_MODULE = "lienthong.services.signatures"
#: The agency the officials belong to (a ward of Hà Nội).
UNIT_NAME = "Ủy ban nhân dân phường Thử Nghiệm"
UNIT_AGENCY_CODE = "000.00.01.H01"
#: The service takes requests up to 48 MiB (its spec's max_request_bytes): the channel
#: of the PDF phase sends and receives up to this.
MESSAGE_BYTES = 64 * 1024 * 1024
CHANNEL_OPTIONS = [*grpc_channel_options(),
                   ("grpc.max_send_message_length", MESSAGE_BYTES),
                   ("grpc.max_receive_message_length", MESSAGE_BYTES)]
#: SignHash at least this share of the raw PKCS#11 signatures a second.
TARGET_RATIO = 0.5
#: The shortest raw round, seconds (a SignHash round of few calls may be shorter).
MIN_RAW_ROUND_S = 0.5
#: Signatures of the load checked against their certificates after the rounds.
VERIFIED_SIGNATURES = 5
#: Bytes of random pixels on each page of the PDF (about one scanned page's).
PAGE_IMAGE_BYTES = 1024 * 1024
PAGE_WIDTH_PX = 1024
#: Signatures of the validated document (an official's, then the agency's seal).
BT_SIGNATURES = 2
#: Keys of the service's token beside the credentials' (root, issuing CA, TSA).
AUTHORITY_KEYS = 3
CALL_TIMEOUT_S = 60.0
PDF_TIMEOUT_S = 300.0


@dataclass
class SignaturesBenchConfig:
    postgres_dsn: str
    connections: int = 4
    calls: int = 400
    key_algorithm: str = "rsa-2048"
    rounds: int = AB_ROUNDS
    pdf_samples: int = 5
    pdf_mb: float = 10.0
    validations: int = 30
    grpc_workers: int | None = None
    pool_size: int | None = None
    options: dict[str, str] = field(default_factory=dict)

    @property
    def effective_rounds(self) -> int:
        """``rounds``, fewer when a round would not give each connection a call."""
        return max(1, min(self.rounds, self.calls // self.connections))

    def server_env(self, event_store: str, token_dir: Path, master_key: Path) -> dict[str, str]:
        env = {"LIENTHONG_SERVICE": "signatures", "LIENTHONG_EVENT_STORE": event_store,
               "LIENTHONG_NATS_URL": "", "LIENTHONG_LOG_LEVEL": "warning",
               "LIENTHONG_PII_MASTER_KEY_FILE": str(master_key),
               # A SoftHSM2 token of its own, whatever this process's environment names.
               "LIENTHONG_PKCS11_MODULE": "",
               "LIENTHONG_SIGNATURES_TOKEN_DIR": str(token_dir),
               "SOFTHSM2_CONF": str(token_dir / "softhsm2.conf"),
               "LIENTHONG_HTTP_LISTEN": f"127.0.0.1:{free_port()}"}
        if self.grpc_workers is not None:
            env["LIENTHONG_GRPC_WORKERS"] = str(self.grpc_workers)
        if self.pool_size is not None:
            env["LIENTHONG_POSTGRES_POOL_SIZE"] = str(self.pool_size)
        env.update(self.options)
        return env


# -- pure helpers -------------------------------------------------------------------


def key_algorithm_pb(name: str) -> int:
    """The KeyAlgorithm of a key type's name (``rsa-2048`` -> KEY_ALGORITHM_RSA_2048)."""
    return pb.KeyAlgorithm.Value("KEY_ALGORITHM_" + name.upper().replace("-", "_"))


def split(count: int, parts: int) -> list[range]:
    """``range(count)`` cut into ``parts`` consecutive pieces whose sizes differ by one
    at most."""
    return [range(count * part // parts, count * (part + 1) // parts) for part in range(parts)]


def bench_pdf(size_bytes: int, seed: int = 2025) -> bytes:
    """A PDF of at least ``size_bytes`` (a few hundred more): A4 pages, each an
    uncompressed RGB image of random pixels (about :data:`PAGE_IMAGE_BYTES`), written by
    pyHanko's writer."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.writer import PdfFileWriter

    name = generic.pdf_name
    pages = max(1, round(size_bytes / PAGE_IMAGE_BYTES))
    height = max(1, -(-size_bytes // (pages * 3 * PAGE_WIDTH_PX)))
    pixels = random.Random(seed)
    writer = PdfFileWriter(init_page_tree=True)
    for _ in range(pages):
        image = writer.add_object(generic.StreamObject(
            {name("/Type"): name("/XObject"), name("/Subtype"): name("/Image"),
             name("/Width"): generic.NumberObject(PAGE_WIDTH_PX),
             name("/Height"): generic.NumberObject(height),
             name("/ColorSpace"): name("/DeviceRGB"),
             name("/BitsPerComponent"): generic.NumberObject(8)},
            stream_data=pixels.randbytes(3 * PAGE_WIDTH_PX * height)))
        content = writer.add_object(generic.StreamObject(
            stream_data=b"q 595 0 0 842 0 0 cm /Scan Do Q"))
        writer.insert_page(generic.DictionaryObject({
            name("/Type"): name("/Page"),
            name("/MediaBox"): generic.ArrayObject(
                generic.NumberObject(v) for v in (0, 0, 595, 842)),
            name("/Contents"): content,
            name("/Resources"): generic.DictionaryObject({name("/XObject"): (
                generic.DictionaryObject({name("/Scan"): image}))})}))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def code_now(secret: str) -> str:
    """The code the official's authenticator app shows now."""
    from lienthong.services.signatures.domain import otp

    return otp.code_at_step(secret, otp.step_of(dt.datetime.now(dt.UTC)))


# -- the service's side ------------------------------------------------------------


class _Client:
    """One load thread's gRPC connection, with the stubs the scenario calls; messages up
    to :data:`MESSAGE_BYTES` either way."""

    def __init__(self, address: str) -> None:
        self.channel = client_channel(address, None, options=CHANNEL_OPTIONS)
        grpc.channel_ready_future(self.channel).result(timeout=10)
        self.credentials = pb_grpc.CredentialServiceStub(self.channel)
        self.signing = signing_grpc.SigningServiceStub(self.channel)
        self.validation = validation_grpc.ValidationServiceStub(self.channel)

    def close(self) -> None:
        self.channel.close()

    def __enter__(self) -> _Client:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


@dataclass(frozen=True)
class Issued:
    """A credential of the load: its id, its authenticator's secret, its certificate."""

    credential_id: str
    secret: str
    certificate: bytes


def _seed_unit(event_store: str, master_key: Path) -> str:
    """The agency, saved as the identity consumer records a unit it hears of."""
    from lienthong.services.signatures.application import SignaturesApplication
    from lienthong.services.signatures.domain.units import KnownUnit
    from lienthong.services.signatures.keystore import MemoryKeyStore

    app = SignaturesApplication(event_store, key_store=MemoryKeyStore(), pool_size=2,
                                pii_master_key_file=master_key)
    try:
        unit = KnownUnit(id=uuid.uuid4(), display_name=UNIT_NAME, level="commune",
                         agency_code=UNIT_AGENCY_CODE, province_id=None)
        app.save(unit)
    finally:
        app.close()
    return str(unit.id)


def _issue_factory(address: str, run_id: str, unit_id: str, key_algorithm: str,
                   issued: list[Issued | None]) -> Callable[[int], Callable[[int], Any]]:
    """Issue credential ``seq``, enrol its authenticator and confirm it with the code of
    the step before now."""
    algorithm = key_algorithm_pb(key_algorithm)

    def factory(_: int) -> Callable[[int], Any]:
        client = _Client(address)

        class Issue:
            def __call__(self, seq: int) -> None:
                from lienthong.services.signatures.domain import otp

                if seq >= len(issued):
                    raise LoadExhaustedError
                credential = client.credentials.IssueCredential(pb.IssueCredentialRequest(
                    request_id=f"bench-{run_id}-issue-{seq}", unit_id=unit_id,
                    key_algorithm=algorithm,
                    official=pb.Official(official_id=str(uuid.uuid4()),
                                         full_name=f"Nguyễn Văn Thử {seq + 1}",
                                         position="Chủ tịch Ủy ban nhân dân")),
                    timeout=CALL_TIMEOUT_S)
                enrolled = client.credentials.EnrollAuthenticator(
                    pb.EnrollAuthenticatorRequest(credential_id=credential.credential_id),
                    timeout=CALL_TIMEOUT_S)
                secret = enrolled.secret_base32
                client.credentials.ConfirmAuthenticator(pb.ConfirmAuthenticatorRequest(
                    credential_id=credential.credential_id,
                    one_time_code=otp.code_at_step(secret, settled_step() - 1)),
                    timeout=CALL_TIMEOUT_S)
                issued[seq] = Issued(credential.credential_id, secret, credential.certificate)

            def close(self) -> None:
                client.close()

        return Issue()

    return factory


def _authorize_factory(address: str, issued: Sequence[Issued | None], digests: list[bytes],
                       items: range, sads: list[str]) -> Callable[[int], Callable[[int], Any]]:
    """Authorize the digest of credential ``items[seq]`` with its current code."""
    def factory(_: int) -> Callable[[int], Any]:
        client = _Client(address)

        class Authorize:
            def __call__(self, seq: int) -> None:
                index = items[seq]
                credential = issued[index]
                assert credential is not None
                sads[index] = client.signing.AuthorizeSignature(
                    signing_pb.AuthorizeSignatureRequest(
                        credential_id=credential.credential_id,
                        one_time_code=code_now(credential.secret), hashes=[digests[index]],
                        hash_algorithm=signing_pb.HASH_ALGORITHM_SHA256,
                        on_behalf_of="benchmark", description="benchmark"),
                    timeout=CALL_TIMEOUT_S).sad

            def close(self) -> None:
                client.close()

        return Authorize()

    return factory


def _sign_factory(address: str, issued: Sequence[Issued | None], digests: list[bytes],
                  items: range, sads: list[str],
                  signatures: list[bytes]) -> Callable[[int], Callable[[int], Any]]:
    """SignHash of the digest credential ``items[seq]`` was authorized for."""
    def factory(_: int) -> Callable[[int], Any]:
        client = _Client(address)

        class Sign:
            def __call__(self, seq: int) -> None:
                index = items[seq]
                credential = issued[index]
                assert credential is not None
                answer = client.signing.SignHash(signing_pb.SignHashRequest(
                    credential_id=credential.credential_id, sad=sads[index],
                    hashes=[digests[index]], hash_algorithm=signing_pb.HASH_ALGORITHM_SHA256),
                    timeout=CALL_TIMEOUT_S)
                if len(answer.signatures) != 1:
                    msg = f"SignHash answered {len(answer.signatures)} signatures for 1 hash"
                    raise RuntimeError(msg)
                signatures[index] = answer.signatures[0]

            def close(self) -> None:
                client.close()

        return Sign()

    return factory


def _pdf_factory(address: str, issued: Sequence[Issued | None], first: int, pdf: bytes,
                 signed: list[bytes]) -> Callable[[int], Callable[[int], Any]]:
    """SignPdf (B-LT, invisible) of ``pdf`` with credential ``first + seq``."""
    def factory(_: int) -> Callable[[int], Any]:
        client = _Client(address)

        class SignPdf:
            def __call__(self, seq: int) -> None:
                credential = issued[first + seq]
                assert credential is not None
                answer = client.signing.SignPdf(signing_pb.SignPdfRequest(
                    credential_id=credential.credential_id,
                    one_time_code=code_now(credential.secret), pdf=pdf,
                    level=signing_pb.PADES_LEVEL_B_LT, reason="Benchmark",
                    on_behalf_of="benchmark"), timeout=PDF_TIMEOUT_S)
                if len(answer.signed_pdf) <= len(pdf):
                    msg = f"SignPdf answered {len(answer.signed_pdf)} bytes for {len(pdf)}"
                    raise RuntimeError(msg)
                signed.append(answer.signed_pdf)

            def close(self) -> None:
                client.close()

        return SignPdf()

    return factory


def _verify(issued: Issued, digest: bytes, signature: bytes) -> None:
    """The signature checked against the credential's certificate (a SHA-256 digest)."""
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils

    key = x509.load_der_x509_certificate(issued.certificate).public_key()
    prehashed = utils.Prehashed(hashes.SHA256())
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, digest, padding.PKCS1v15(), prehashed)
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, digest, ec.ECDSA(prehashed))
        else:
            msg = f"credential {issued.credential_id}: a {type(key).__name__}"
            raise BenchError(msg)
    except InvalidSignature:
        msg = f"credential {issued.credential_id}: SignHash's signature does not verify"
        raise BenchError(msg) from None


def _bt_document(address: str, signers: Sequence[Issued | None]) -> bytes:
    """A one-page PDF signed at PAdES B-T by each of ``signers`` in turn."""
    signed = one_page_pdf()
    with _Client(address) as client:
        for credential in signers:
            assert credential is not None
            signed = client.signing.SignPdf(signing_pb.SignPdfRequest(
                credential_id=credential.credential_id, one_time_code=code_now(credential.secret),
                pdf=signed, level=signing_pb.PADES_LEVEL_B_T, reason="Benchmark",
                on_behalf_of="benchmark"), timeout=CALL_TIMEOUT_S).signed_pdf
    return signed


def _validate_factory(address: str, document: bytes,
                      signatures: int) -> Callable[[int], Callable[[int], Any]]:
    """ValidateSignature of ``document``; a call whose answer is not ``signatures``
    signatures, each TOTAL_PASSED, fails."""
    def factory(_: int) -> Callable[[int], Any]:
        client = _Client(address)

        class Validate:
            def __call__(self, seq: int) -> None:
                answer = client.validation.ValidateSignature(
                    validation_pb.ValidateSignatureRequest(
                        kind=validation_pb.SIGNED_KIND_PDF, signed=document, language="en"),
                    timeout=CALL_TIMEOUT_S)
                indications = [validation_pb.Indication.Name(s.indication)
                               for s in answer.signatures]
                if indications != ["INDICATION_TOTAL_PASSED"] * signatures:
                    msg = f"ValidateSignature answered {indications}"
                    raise BenchError(msg)

            def close(self) -> None:
                client.close()

        return Validate()

    return factory


# -- the raw baselines ----------------------------------------------------------------


class PyHankoValidation:
    """pyHanko validating a signed PDF by itself, in this process: each signature with
    ``validate_pdf_signature``, against contexts made afresh for each document (as the
    service makes its own) that trust the platform's root and know its CAs' certificates
    and CRLs, fetched once from the service's HTTP face at ``http_listen``."""

    def __init__(self, http_listen: str) -> None:
        import urllib.request

        from asn1crypto import crl as asn1_crl
        from asn1crypto import x509 as asn1_x509

        from lienthong.services.signatures.validation import speedups

        speedups.install()

        def get(path: str) -> bytes:
            with urllib.request.urlopen(f"http://{http_listen}{path}",
                                        timeout=CALL_TIMEOUT_S) as answer:
                return bytes(answer.read())

        self.root = asn1_x509.Certificate.load(get("/ca/root.cer"))
        self.others = [asn1_x509.Certificate.load(get(f"/ca/{name}.cer"))
                       for name in ("issuing", "tsa")]
        self.crls = [asn1_crl.CertificateList.load(get(f"/crl/{name}.crl"))
                     for name in ("issuing", "root")]

    def _context(self) -> Any:
        from pyhanko_certvalidator import ValidationContext

        return ValidationContext(trust_roots=[self.root], other_certs=self.others,
                                 crls=self.crls, allow_fetching=False,
                                 revocation_mode="hard-fail")

    def factory(self, document: bytes,
                signatures: int) -> Callable[[int], Callable[[int], Any]]:
        from pyhanko.pdf_utils.reader import PdfFileReader
        from pyhanko.sign.validation import validate_pdf_signature

        def make(_: int) -> Callable[[int], Any]:
            def validate(_seq: int) -> None:
                found = PdfFileReader(io.BytesIO(document)).embedded_regular_signatures
                passed = [validate_pdf_signature(signature, self._context(),
                                                 ts_validation_context=self._context()
                                                 ).bottom_line
                          for signature in found]
                if passed != [True] * signatures:
                    msg = f"pyHanko's verdicts: {passed}"
                    raise BenchError(msg)

            return validate

        return make


class RawToken:
    """A SoftHSM2 token of this process, in ``directory``, with ``keys`` keys of the type
    measured: the baseline signs with them through :mod:`lienthong.pkcs11`, as the service
    does with its own token.

    SoftHSM2 reads ``SOFTHSM2_CONF`` once per process, when the library is first loaded:
    it is set here to the token's folder (and put back on close), before that.
    """

    def __init__(self, directory: Path, key_algorithm: str, keys: int) -> None:
        from lienthong.pkcs11 import Pkcs11Error, Token
        from lienthong.services.signatures.keystore import development_token

        self._saved_conf = os.environ.get("SOFTHSM2_CONF")
        os.environ["SOFTHSM2_CONF"] = str(directory / "softhsm2.conf")
        try:
            self.token = Token(development_token(directory))
        except (OSError, subprocess.CalledProcessError, Pkcs11Error) as error:
            self._restore()
            msg = f"no SoftHSM2 token for the raw baseline: {error}"
            raise BenchError(msg) from error
        try:
            self.signers: list[Pkcs11Signer] = [
                self.token.generate_key_pair(f"bench-raw-{number}", key_algorithm)
                for number in range(keys)]
        except Pkcs11Error as error:
            self.close()
            msg = f"no {key_algorithm} keys for the raw baseline: {error}"
            raise BenchError(msg) from error

    def factory(self) -> Callable[[int], Callable[[int], Any]]:
        signers = self.signers

        def make(index: int) -> Callable[[int], Any]:
            signer = signers[index % len(signers)]

            def sign(_seq: int) -> None:
                signer.sign_digest(os.urandom(32), "sha256")

            return sign

        return make

    def _restore(self) -> None:
        if self._saved_conf is None:
            os.environ.pop("SOFTHSM2_CONF", None)
        else:
            os.environ["SOFTHSM2_CONF"] = self._saved_conf

    def close(self) -> None:
        self.token.close()
        self._restore()


# -- the run -----------------------------------------------------------------------------


def _softhsm_version() -> str:
    util = shutil.which("softhsm2-util")
    if util is None:
        return ""
    try:
        out = subprocess.run([util, "--version"], capture_output=True, text=True, timeout=10,
                             check=False)
    except (OSError, subprocess.SubprocessError):
        return ""
    return out.stdout.strip()


def _version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return ""


def _with_error(figures: dict[str, Any], result: LoadResult) -> dict[str, Any]:
    if result.first_error:
        figures["first_error"] = result.first_error
    return figures


def _require_clean(result: LoadResult, what: str) -> None:
    if result.errors:
        msg = f"{what} failed: {result.first_error}"
        raise BenchError(msg)


def run_signatures_bench(config: SignaturesBenchConfig,
                         progress: PhaseProgress) -> dict[str, Any]:
    """Run the scenario and return its JSON figures."""
    require_postgres(config.postgres_dsn)
    machine = machine_info(config.postgres_dsn)
    machine.update({"softhsm": _softhsm_version(), "python_pkcs11": _version("python-pkcs11"),
                    "pyhanko": _version("pyHanko")})
    run_id = uuid.uuid4().hex[:8]
    rounds = config.effective_rounds
    chunks = split(config.calls, rounds)
    pdf_first = config.calls
    # One credential per SignHash call, per PDF sample, for the unmeasured PDF call, and
    # for each signature of the validated document.
    bt_first = pdf_first + config.pdf_samples + 1
    issued: list[Issued | None] = [None] * (bt_first + BT_SIGNATURES)
    digests = [os.urandom(32) for _ in range(config.calls)]
    sads = [""] * config.calls
    signatures = [b""] * config.calls
    signed_pdfs: list[bytes] = []
    authorizations: list[LoadResult] = []
    with contextlib.ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(
            prefix="lienthong-bench-signatures-")))
        database = stack.enter_context(BenchDatabase(config.postgres_dsn,
                                                     prefix="lienthong_bench_signatures"))
        master_key = write_master_key_file(folder / "pii-master.key")
        with progress.phase(f"raw token ({config.key_algorithm})") as update:
            raw = RawToken(folder / "raw-token", config.key_algorithm, config.connections)
            stack.callback(raw.close)
            update(1, 1)
        with progress.phase(f"PDF of {config.pdf_mb:g} MiB") as update:
            pdf = bench_pdf(int(config.pdf_mb * 1024 * 1024))
            update(1, 1)
        with progress.phase("seeding the agency") as update:
            unit_id = _seed_unit(database.dsn, master_key)
            update(1, 1)
        env = config.server_env(database.dsn, folder / "service-token", master_key)
        with progress.phase("starting signatures") as update:
            started = time.perf_counter()
            server = stack.enter_context(ServiceProcess(SERVICE_MODULE, env,
                                                        startup_timeout=180.0))
            startup_s = time.perf_counter() - started
            update(1, 1)
        try:
            with progress.phase(f"issuing {len(issued)} credentials "
                                f"({config.key_algorithm})") as update:
                issuing = run_closed_loop(
                    _issue_factory(server.address, run_id, unit_id, config.key_algorithm,
                                   issued),
                    connections=config.connections, count=len(issued), on_progress=update,
                    cpu=CpuMeter(server.pid), max_errors=1)
            _require_clean(issuing, "issuing a credential")

            sign_elapsed = [MIN_RAW_ROUND_S]

            def label(phase: str, round_: int) -> str:
                return phase + (f" {round_ + 1}/{rounds}" if rounds > 1 else "")

            def sign_round(round_: int) -> LoadResult:
                items = chunks[round_]
                with progress.phase(label("authorize", round_)) as update:
                    authorized = run_closed_loop(
                        _authorize_factory(server.address, issued, digests, items, sads),
                        connections=config.connections, count=len(items), on_progress=update,
                        cpu=CpuMeter(server.pid), max_errors=1)
                _require_clean(authorized, "AuthorizeSignature")
                authorizations.append(authorized)
                with progress.phase(label("sign hash", round_)) as update:
                    result = run_closed_loop(
                        _sign_factory(server.address, issued, digests, items, sads,
                                      signatures),
                        connections=config.connections, count=len(items), on_progress=update,
                        cpu=CpuMeter(server.pid))
                sign_elapsed[0] = result.elapsed_s
                return result

            def raw_round(round_: int) -> LoadResult:
                with progress.phase(label("raw PKCS#11 sign", round_)) as update:
                    return run_closed_loop(
                        raw.factory(), connections=config.connections,
                        seconds=max(MIN_RAW_ROUND_S, sign_elapsed[0]), on_progress=update,
                        cpu=CpuMeter())

            sign_hash, raw_sign = alternate(rounds, sign_round, raw_round)
            if not sign_hash.latencies_s:
                msg = f"no SignHash call succeeded: {sign_hash.first_error}"
                raise BenchError(msg)
            signed_ones = [i for i in range(config.calls) if signatures[i]]
            for index in signed_ones[:VERIFIED_SIGNATURES]:
                credential = issued[index]
                assert credential is not None
                _verify(credential, digests[index], signatures[index])

            with progress.phase(f"PAdES B-LT, {len(pdf) / 1048576:.1f} MiB") as update:
                pades = run_closed_loop(
                    _pdf_factory(server.address, issued, pdf_first, pdf, signed_pdfs),
                    connections=1, count=config.pdf_samples, warmup=1, on_progress=update,
                    cpu=CpuMeter(server.pid), max_errors=1)
            _require_clean(pades, "SignPdf")
            with progress.phase("validating the last signed PDF") as update, \
                    _Client(server.address) as client:
                report = client.validation.ValidateSignature(
                    validation_pb.ValidateSignatureRequest(
                        kind=validation_pb.SIGNED_KIND_PDF, signed=signed_pdfs[-1],
                        language="en"), timeout=PDF_TIMEOUT_S)
                indications = [validation_pb.Indication.Name(s.indication)
                               .removeprefix("INDICATION_") for s in report.signatures]
                update(1, 1)
            with progress.phase(f"PAdES B-T, signed {BT_SIGNATURES} times") as update:
                document = _bt_document(server.address, issued[bt_first:])
                update(1, 1)
            with progress.phase("validate B-T") as update:
                validation = run_closed_loop(
                    _validate_factory(server.address, document, BT_SIGNATURES),
                    connections=1, count=config.validations, warmup=1, on_progress=update,
                    cpu=CpuMeter(server.pid), max_errors=1)
            _require_clean(validation, "ValidateSignature")
            with progress.phase("pyHanko validates B-T") as update:
                pyhanko = run_closed_loop(
                    PyHankoValidation(env["LIENTHONG_HTTP_LISTEN"]).factory(
                        document, BT_SIGNATURES),
                    connections=1, count=config.validations, warmup=1, on_progress=update,
                    cpu=CpuMeter(), max_errors=1)
            _require_clean(pyhanko, "pyHanko's validation")
        except BaseException:
            progress.note(f"[red]server log:[/]\n{server.log_tail()}")
            raise
        grpc_workers = int(server.env.get("LIENTHONG_GRPC_WORKERS", "8"))
        pool_size = int(server.env.get("LIENTHONG_POSTGRES_POOL_SIZE", "8"))

    sign_figures = _with_error(sign_hash.figures(), sign_hash)
    sign_figures.update({"key_algorithm": config.key_algorithm, "hashes_per_call": 1,
                         "verified": min(VERIFIED_SIGNATURES, len(signed_ones))})
    raw_figures = raw_sign.figures()
    ratio = (round(sign_figures["per_s"] / raw_figures["per_s"], 3)
             if raw_figures["per_s"] else None)
    authorize_figures = merged(authorizations).figures()
    pades_figures = pades.figures()
    pades_figures.update({
        "max_ms": round(max(pades.latencies_s) * 1000, 3),
        "level": "B-LT", "pdf_bytes": len(pdf),
        "signed_bytes": max(len(s) for s in signed_pdfs[1:] or signed_pdfs),
        "validation": indications, "warmup": 1})
    validation_figures = validation.figures()
    validation_figures.update({"level": "B-T", "signatures": BT_SIGNATURES,
                               "pdf_bytes": len(document), "warmup": 1})
    pyhanko_figures = pyhanko.figures()
    validate_ratio = (round(validation_figures["per_s"] / pyhanko_figures["per_s"], 3)
                      if pyhanko_figures["per_s"] else None)
    return {
        "scenario": "signatures",
        "sign_hash": sign_figures,
        "raw": {"pkcs11_sign_per_s": raw_figures["per_s"],
                "pkcs11_sign_p50_ms": raw_figures["p50_ms"],
                "pkcs11_sign_p99_ms": raw_figures["p99_ms"],
                "count": raw_figures["count"], "keys": config.connections,
                "key_algorithm": config.key_algorithm,
                **({"cpu": raw_figures["cpu"]} if "cpu" in raw_figures else {})},
        "raw_validation": {
            "pyhanko_per_s": pyhanko_figures["per_s"], "pyhanko_p50_ms": pyhanko_figures["p50_ms"],
            "pyhanko_p99_ms": pyhanko_figures["p99_ms"], "count": pyhanko_figures["count"],
            **({"cpu": pyhanko_figures["cpu"]} if "cpu" in pyhanko_figures else {})},
        "validate_pades_bt": validation_figures,
        "ratios": {"sign_hash_vs_raw": ratio, "validate_vs_pyhanko": validate_ratio},
        "targets": {"sign_hash_vs_raw_min": TARGET_RATIO,
                    "met": ratio is not None and ratio >= TARGET_RATIO},
        "authorize": authorize_figures,
        "pades_blt_10mb": pades_figures,
        "setup": {"credentials": len(issued),
                  # A key's first signature in a token session finds it among them all.
                  "service_token_keys": len(issued) + AUTHORITY_KEYS,
                  "issue_per_s": issuing.figures()["per_s"],
                  "issue_s": round(issuing.elapsed_s, 1),
                  "service_start_s": round(startup_s, 1)},
        "machine": machine,
        "config": {"connections": config.connections, "calls": config.calls,
                   "rounds": rounds, "key_algorithm": config.key_algorithm,
                   "hash_algorithm": "sha256", "pdf_samples": config.pdf_samples,
                   "pdf_mb": config.pdf_mb, "validations": config.validations,
                   "grpc_workers": grpc_workers,
                   "postgres_pool_size": pool_size, "options": dict(config.options)},
    }
