"""The signatures service's HTTP face, checked by clients nobody here wrote: pyHanko's CSC
signer signs a PDF through our CSC API, openssl asks our OCSP responder, verifies our
time stamps and checks certificates against our CRL. Keys in a real SoftHSM2 token."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import io
import json
import subprocess
import threading
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import aiohttp
import pytest
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.writer import PdfFileWriter
from pyhanko.sign import signers
from pyhanko.sign.signers.csc_signer import (
    CSCAuthorizationManager,
    CSCServiceSessionInfo,
    CSCSigner,
    fetch_certs_in_csc_credential,
)
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from lienthong.ports import free_port
from lienthong.services.signatures.application import SignaturesApplication
from lienthong.services.signatures.domain import otp
from lienthong.services.signatures.domain.units import KnownUnit
from lienthong.services.signatures.http import HttpFace
from lienthong.services.signatures.keystore import TokenKeyStore


def minimal_pdf() -> bytes:
    """A one-page PDF written by pyHanko's own writer."""
    writer = PdfFileWriter()
    page = generic.DictionaryObject({
        generic.NameObject("/Type"): generic.NameObject("/Page"),
        generic.NameObject("/MediaBox"): generic.ArrayObject(
            [generic.NumberObject(n) for n in (0, 0, 595, 842)]),
    })
    writer.insert_page(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


class Served:
    """The application, its HTTP face on a free port (a thread of its own), a commune."""

    def __init__(self, app: SignaturesApplication, face: HttpFace, url: str) -> None:
        self.app = app
        self.face = face
        self.url = url
        self.loop = asyncio.new_event_loop()
        self.stop: asyncio.Event | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        ready = threading.Event()
        self._ready = ready
        self.thread.start()
        ready.wait(10)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)

        async def main() -> None:
            self.stop = asyncio.Event()
            task = asyncio.create_task(self.face.run(self.stop))
            while self.face.port is None and not task.done():
                await asyncio.sleep(0.01)
            self._ready.set()
            await task

        self.loop.run_until_complete(main())

    def close(self) -> None:
        if self.stop is not None:
            self.loop.call_soon_threadsafe(self.stop.set)
        self.thread.join(10)
        self.app.close()


@pytest.fixture
def served(softhsm_token, tmp_path: Path):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    app = SignaturesApplication(f"sqlite:///{tmp_path / 'signatures.db'}",
                                key_store=TokenKeyStore(softhsm_token), base_url=url,
                                authority_key_type="ec-p256")
    commune = KnownUnit(id=uuid.uuid4(), display_name="Ủy ban nhân dân phường Ba Đình",
                        level="commune", agency_code="H01.01.01", province_id=None)
    app.save(commune)
    server = Served(app, HttpFace(app, f"127.0.0.1:{port}"), url)
    server.commune = commune.id  # type: ignore[attr-defined]
    try:
        yield server
    finally:
        server.close()


def official(served: Served, key_algorithm: str = "rsa-2048") -> tuple[str, str]:
    """A credential with a confirmed authenticator: its id and the authenticator's secret."""
    app = served.app
    credential_id = app.issue_credential(
        "", official_id=str(uuid.uuid4()), full_name="Trần Thị Bình", position="Chủ tịch",
        unit_id=str(served.commune), key_algorithm=key_algorithm)["credential_id"]
    _, secret = app.enroll_authenticator(credential_id)
    step = otp.step_of(app.clock()) - 1  # a step before now: the next code is then unused
    app.confirm_authenticator(credential_id, otp.code_at_step(secret, step))
    return credential_id, secret


def post(url: str, body: bytes, content_type: str) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=body, headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def csc(served: Served, operation: str, payload: dict) -> tuple[int, dict]:
    status, body = post(f"{served.url}/csc/v1/{operation}", json.dumps(payload).encode(),
                        "application/json")
    return status, json.loads(body)


def write_pem(path: Path, *certificates: x509.Certificate) -> Path:
    path.write_bytes(b"".join(c.public_bytes(serialization.Encoding.PEM)
                              for c in certificates))
    return path


def openssl(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["openssl", *args], capture_output=True, text=True, check=False,
                          timeout=30)


class OneTimeCodeAuthorization(CSCAuthorizationManager):
    """What a signing client does: asks the official's code, authorizes these hashes."""

    def __init__(self, session_info, credential_info, session, code: str) -> None:
        super().__init__(session_info, credential_info)
        self.session = session
        self.code = code

    async def authorize_signature(self, hash_b64s):
        request = self.format_csc_auth_request(hash_b64s=hash_b64s, otp=self.code)
        async with self.session.post(self.csc_session_info.endpoint_url(
                "credentials/authorize"), json=request, raise_for_status=True) as answer:
            return self.parse_csc_auth_response(await answer.json())


def test_pyhanko_signs_a_pdf_through_our_csc_api(served) -> None:
    credential_id, secret = official(served)
    code = otp.code_at_step(secret, otp.step_of(served.app.clock()))

    async def sign() -> bytes:
        async with aiohttp.ClientSession() as session:
            info = CSCServiceSessionInfo(served.url, credential_id)
            credential_info = await fetch_certs_in_csc_credential(session, info)
            signer = CSCSigner(session, OneTimeCodeAuthorization(info, credential_info, session,
                                                                 code))
            out = await signers.async_sign_pdf(
                IncrementalPdfFileWriter(io.BytesIO(minimal_pdf())),
                signers.PdfSignatureMetadata(field_name="Signature1"), signer=signer)
            return out.getvalue()

    signed = asyncio.run(sign())

    authority = served.app.authority()
    [embedded] = PdfFileReader(io.BytesIO(signed)).embedded_signatures
    root = asn1_x509.Certificate.load(authority.root.public_bytes(serialization.Encoding.DER))
    status = validate_pdf_signature(embedded, ValidationContext(trust_roots=[root],
                                                                allow_fetching=False))
    assert status.intact and status.valid and status.trusted, status.pretty_print_details()
    assert status.signing_cert.subject.native["common_name"] == "Trần Thị Bình"
    # The signature is recorded: authorized, then signed, for the hashes pyHanko sent.
    names = [type(e).__qualname__ for e in served.app.events.get(uuid.UUID(credential_id))]
    assert names[-2:] == ["Credential.SignatureAuthorized", "Credential.HashesSigned"]


def test_a_spent_sad_and_bad_requests_get_csc_errors(served) -> None:
    credential_id, secret = official(served, "ec-p256")
    digest = base64.b64encode(hashlib.sha256(b"to sign").digest()).decode()
    code = otp.code_at_step(secret, otp.step_of(served.app.clock()))

    status, authorized = csc(served, "credentials/authorize", {
        "credentialID": credential_id, "numSignatures": 1, "hash": [digest], "OTP": code})
    assert status == 200 and authorized["expiresIn"] <= 300
    sign = {"credentialID": credential_id, "SAD": authorized["SAD"], "hash": [digest],
            "signAlgo": "1.2.840.10045.4.3.2"}
    assert csc(served, "signatures/signHash", sign)[0] == 200
    status, refused = csc(served, "signatures/signHash", sign)
    assert status == 400 and "not an unused signature activation" in refused["error_description"]
    # The same code twice is refused as an OTP error.
    status, refused = csc(served, "credentials/authorize", {
        "credentialID": credential_id, "hash": [digest], "OTP": code})
    assert (status, refused["error"]) == (400, "invalid_otp")
    # Bytes that are not JSON, a missing parameter, a body over the bound.
    status, body = post(f"{served.url}/csc/v1/credentials/info", b"\xff{", "application/json")
    assert status == 400 and json.loads(body)["error"] == "invalid_request"
    status, refused = csc(served, "credentials/info", {})
    assert status == 400 and "credentialID" in refused["error_description"]
    status, _ = post(f"{served.url}/csc/v1/info", b"{" + b" " * 70_000 + b"}",
                     "application/json")
    assert status == 413


def test_openssl_asks_our_ocsp_responder_and_checks_our_crl(served, tmp_path) -> None:
    credential_id, _ = official(served, "ec-p256")
    authority = served.app.authority()
    certificate = x509.load_pem_x509_certificate(
        served.app.credential(credential_id).certificate_pem.encode())
    official_pem = write_pem(tmp_path / "official.pem", certificate)
    issuing_pem = write_pem(tmp_path / "issuing.pem", authority.issuing)
    root_pem = write_pem(tmp_path / "root.pem", authority.root)
    ask = ("ocsp", "-issuer", str(issuing_pem), "-cert", str(official_pem), "-url",
           f"{served.url}/ocsp", "-CAfile", str(root_pem), "-VAfile", str(issuing_pem))

    def crl_check() -> subprocess.CompletedProcess:
        with urllib.request.urlopen(f"{served.url}/crl/issuing.crl", timeout=10) as answer:
            crl = x509.load_der_x509_crl(answer.read())
        crl_pem = tmp_path / "issuing.crl.pem"
        crl_pem.write_bytes(crl.public_bytes(serialization.Encoding.PEM))
        return openssl("verify", "-crl_check", "-CAfile", str(root_pem), "-untrusted",
                       str(issuing_pem), "-CRLfile", str(crl_pem), str(official_pem))

    before = openssl(*ask)
    assert "Response verify OK" in before.stderr + before.stdout, before.stderr
    assert f"{official_pem}: good" in before.stdout
    assert crl_check().returncode == 0

    served.app.revoke_credential("", credential_id, "key_compromise")

    after = openssl(*ask)
    assert f"{official_pem}: revoked" in after.stdout, after.stdout
    assert "Reason: keyCompromise" in after.stdout
    refused = crl_check()
    assert refused.returncode != 0 and "certificate revoked" in refused.stdout + refused.stderr
    # Bytes that are no OCSP request: malformedRequest (status 1), not an error page.
    status, body = post(f"{served.url}/ocsp", b"not ocsp", "application/ocsp-request")
    assert status == 200 and body == bytes.fromhex("30030a0101")


def test_openssl_verifies_our_time_stamps(served, tmp_path) -> None:
    document = tmp_path / "quyet-dinh.pdf"
    document.write_bytes(minimal_pdf())
    query = tmp_path / "request.tsq"
    assert openssl("ts", "-query", "-data", str(document), "-sha256", "-cert",
                   "-out", str(query)).returncode == 0

    status, reply = post(f"{served.url}/tsa", query.read_bytes(), "application/timestamp-query")

    assert status == 200
    (tmp_path / "reply.tsr").write_bytes(reply)
    authority = served.app.authority()
    root_pem = write_pem(tmp_path / "root.pem", authority.root)
    chain_pem = write_pem(tmp_path / "chain.pem", authority.tsa, authority.issuing)
    verified = openssl("ts", "-verify", "-data", str(document), "-in", str(tmp_path / "reply.tsr"),
                       "-CAfile", str(root_pem), "-untrusted", str(chain_pem))
    assert "Verification: OK" in verified.stdout, verified.stdout + verified.stderr
    # Garbage gets a rejection the client can read.
    status, refused = post(f"{served.url}/tsa", b"\x00garbage", "application/timestamp-query")
    (tmp_path / "refused.tsr").write_bytes(refused)
    shown = openssl("ts", "-reply", "-in", str(tmp_path / "refused.tsr"), "-text")
    assert status == 200 and "Status: Rejected" in shown.stdout
