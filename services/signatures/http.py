"""The signatures service's HTTP face: what relying parties and signing clients reach
without gRPC.

- ``GET /ca/root.cer``, ``/ca/issuing.cer``, ``/ca/tsa.cer``: the authorities' certificates
  (DER), as the certificates' caIssuers point to them;
- ``GET /crl/issuing.crl``, ``/crl/root.crl``: the CRLs (DER, ``SignaturesApplication.crl``);
- ``POST /ocsp`` (``application/ocsp-request``) and ``GET /ocsp/<base64 request>``: RFC
  6960 answers signed by the issuing CA itself;
- ``POST /tsa`` (``application/timestamp-query``): RFC 3161 time stamps;
- ``POST /csc/v1/...``: the Cloud Signature Consortium API v1.0.4.0 (``info``,
  ``credentials/list``, ``credentials/info``, ``credentials/authorize``,
  ``signatures/signHash``), the same operations as gRPC's, so existing signing clients
  work. Errors are the CSC's: HTTP 400 with ``error`` and ``error_description``.

Every body is bounded before it is read (``MAX_BODY``); bytes that do not parse get the
protocol's own refusal (an OCSP ``malformedRequest``, a TSA ``badDataFormat``, a CSC
``invalid_request``).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
from typing import TYPE_CHECKING, Any

import structlog
from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from lienthong.audit import audit_scope
from lienthong.errors import LienthongError

from .application import SIGNATURE_ALGORITHMS
from .pki import ocsp

if TYPE_CHECKING:
    from lienthong.config import Settings

    from .application import SignaturesApplication

log = structlog.get_logger("lienthong.signatures.http")

MAX_BODY = 64 * 1024
CSC_VERSION = "1.0.4.0"
HASH_OIDS = {"2.16.840.1.101.3.4.2.1": "sha256", "2.16.840.1.101.3.4.2.2": "sha384",
             "2.16.840.1.101.3.4.2.3": "sha512"}
#: signAlgo values accepted for a key: the named signature algorithms, and the bare key
#: algorithm (rsaEncryption, ecPublicKey) with hashAlgo saying the hash.
BARE_ALGORITHMS = {"rsa": "1.2.840.113549.1.1.1", "ecdsa": "1.2.840.10045.2.1"}
DER_CERT = "application/pkix-cert"


class CscError(Exception):
    """A refused CSC call: the ``error`` code and its description."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status


class HttpFace:
    """The aiohttp application and its listener, run beside the gRPC server."""

    name = "http"

    def __init__(self, app: SignaturesApplication, listen: str) -> None:
        self.app = app
        self.listen = listen
        self.port: int | None = None

    # -- the application ----------------------------------------------------------

    def web_app(self) -> web.Application:
        application = web.Application(client_max_size=MAX_BODY)
        application.add_routes([
            web.get("/ca/{name}.cer", self.ca_certificate),
            web.get("/crl/{name}.crl", self.crl),
            web.post("/ocsp", self.ocsp_post),
            web.get("/ocsp/{request}", self.ocsp_get),
            web.post("/tsa", self.timestamp),
            web.post("/csc/v1/{operation:.+}", self.csc),
        ])
        return application

    async def run(self, stop: asyncio.Event) -> None:
        host, _, port = self.listen.rpartition(":")
        runner = web.AppRunner(self.web_app(), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, host or "0.0.0.0", int(port))
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        log.info("http_listening", listen=self.listen, port=self.port)
        try:
            await stop.wait()
        finally:
            await runner.cleanup()

    # -- certificates and CRLs ----------------------------------------------------

    async def ca_certificate(self, request: web.Request) -> web.Response:
        authority = await asyncio.to_thread(self.app.authority)
        found = {"root": authority.root, "issuing": authority.issuing,
                 "tsa": authority.tsa}.get(request.match_info["name"])
        if found is None:
            raise web.HTTPNotFound(text="no such certificate")
        return web.Response(body=found.public_bytes(serialization.Encoding.DER),
                            content_type=DER_CERT)

    async def crl(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if name not in ("issuing", "root"):
            raise web.HTTPNotFound(text="no such CRL")
        body = await asyncio.to_thread(self.app.crl, name)
        return web.Response(body=body, content_type="application/pkix-crl")

    # -- OCSP ---------------------------------------------------------------------

    async def ocsp_post(self, request: web.Request) -> web.Response:
        body = await request.read()
        return await self._ocsp(body)

    async def ocsp_get(self, request: web.Request) -> web.Response:
        try:
            body = base64.b64decode(request.match_info["request"], validate=False)
        except (binascii.Error, ValueError):
            body = b""
        return await self._ocsp(body)

    async def _ocsp(self, body: bytes) -> web.Response:
        answer = await asyncio.to_thread(self.ocsp_answer, body)
        return web.Response(body=answer, content_type="application/ocsp-response")

    def ocsp_answer(self, body: bytes) -> bytes:
        authority = self.app.authority()

        def lookup(serial: int) -> ocsp.CertStatus:
            found = self.app.revocation_of(serial)
            if found is False:
                return ocsp.CertStatus.unknown()
            if found is None:
                return ocsp.CertStatus.good()
            return ocsp.CertStatus.revoked(found.revoked_at, found.reason)

        return ocsp.respond(body, lookup, authority.issuing_signer, authority.issuing,
                            authority.issuing, self.app.clock())

    # -- time stamps ----------------------------------------------------------------

    async def timestamp(self, request: web.Request) -> web.Response:
        body = await request.read()
        answer = await asyncio.to_thread(self.timestamp_answer, body)
        return web.Response(body=answer, content_type="application/timestamp-reply")

    def timestamp_answer(self, body: bytes) -> bytes:
        return self.app.timestamp(body)

    # -- the CSC API -------------------------------------------------------------------

    async def csc(self, request: web.Request) -> web.Response:
        operation = request.match_info["operation"]
        handler = CSC_OPERATIONS.get(operation)
        if handler is None:
            return csc_error(CscError("invalid_request", f"no CSC operation {operation!r}",
                                      404))
        try:
            payload = await request.json() if request.can_read_body else {}
        except ValueError:
            return csc_error(CscError("invalid_request", "the body is not JSON"))
        if not isinstance(payload, dict):
            return csc_error(CscError("invalid_request", "the body is not a JSON object"))
        try:
            with audit_scope(caller=f"http:{request.remote or ''}"):
                answer = await asyncio.to_thread(handler, self.app, payload)
        except CscError as error:
            return csc_error(error)
        except LienthongError as error:
            return csc_error(CscError(csc_code(error), str(error)))
        return web.json_response(answer)


def csc_error(error: CscError) -> web.Response:
    return web.json_response({"error": error.error, "error_description": error.description},
                             status=error.status)


def csc_code(error: LienthongError) -> str:
    reason = getattr(error, "reason", "")
    return {"ONE_TIME_CODE_REFUSED": "invalid_otp", "SIGNATURE_ACTIVATION_REFUSED":
            "invalid_request", "NOT_FOUND": "invalid_request",
            "CREDENTIAL_REVOKED": "invalid_request"}.get(reason, "invalid_request")


def _text(payload: dict[str, Any], name: str, *, required: bool = True,
          maximum: int = 500) -> str:
    value = payload.get(name, "")
    if not isinstance(value, str) or (required and not value):
        raise CscError("invalid_request", f"Missing (or invalid type) string parameter {name}")
    if len(value) > maximum:
        raise CscError("invalid_request", f"{name}: at most {maximum} characters")
    return value


def _hashes(payload: dict[str, Any]) -> list[bytes]:
    values = payload.get("hash")
    if not isinstance(values, list) or not values or len(values) > 100:
        raise CscError("invalid_request", "hash: a list of 1 to 100 base64 hashes")
    decoded = []
    for number, value in enumerate(values):
        try:
            decoded.append(base64.b64decode(value, validate=True))
        except (binascii.Error, ValueError, TypeError):
            raise CscError("invalid_request", f"hash[{number}]: not base64") from None
    return decoded


def csc_info(app: SignaturesApplication, payload: dict[str, Any]) -> dict[str, Any]:
    return {"specs": CSC_VERSION, "name": "Lienthong", "logo": "", "region": "VN",
            "lang": "vi-VN", "description": "Ký số từ xa cho cán bộ, công chức",
            "authType": ["external"], "methods": sorted(CSC_OPERATIONS)}


def credentials_list(app: SignaturesApplication, payload: dict[str, Any]) -> dict[str, Any]:
    user = _text(payload, "userID", maximum=64)
    size = payload.get("maxResults", 10)
    if not isinstance(size, int) or not 1 <= size <= 100:
        raise CscError("invalid_request", "maxResults: 1 to 100")
    found, token = app.list_credentials(official_id=user, size=size,
                                        token=_text(payload, "pageToken", required=False))
    answer: dict[str, Any] = {"credentialIDs": [str(c.id) for c in found]}
    if token:
        answer["nextPageToken"] = token
    return answer


def credentials_info(app: SignaturesApplication, payload: dict[str, Any]) -> dict[str, Any]:
    credential = app.credential(_text(payload, "credentialID", maximum=64), "credentialID")
    authority = app.authority()
    signer_algorithm = "rsa" if credential.key_algorithm.startswith("rsa") else "ecdsa"
    parsed = x509.load_pem_x509_certificate(credential.certificate_pem.encode())
    wanted = payload.get("certificates", "single")
    chain = {"none": [], "single": [parsed],
             "chain": [parsed, *authority.chain]}.get(wanted)
    if chain is None:
        raise CscError("invalid_request", "certificates: none, single or chain")
    status = credential.status(app.clock())
    return {
        "description": f"{credential.full_name}, {credential.position}",
        "key": {"status": "enabled" if status == "active" else "disabled",
                "algo": [oid for (kind, _), oid in SIGNATURE_ALGORITHMS.items()
                         if kind == signer_algorithm] + [BARE_ALGORITHMS[signer_algorithm]],
                "len": parsed.public_key().key_size},  # type: ignore[union-attr]
        "cert": {"status": {"active": "valid"}.get(status, status),
                 "certificates": [base64.b64encode(c.public_bytes(
                     serialization.Encoding.DER)).decode() for c in chain],
                 "issuerDN": parsed.issuer.rfc4514_string(),
                 "serialNumber": credential.serial_number,
                 "subjectDN": parsed.subject.rfc4514_string(),
                 "validFrom": parsed.not_valid_before_utc.strftime("%Y%m%d%H%M%SZ"),
                 "validTo": parsed.not_valid_after_utc.strftime("%Y%m%d%H%M%SZ")},
        "authMode": "explicit", "SCAL": "2",
        "OTP": {"presence": "true", "type": "offline", "format": "N",
                "label": "Mã xác thực", "description": "Mã 6 chữ số của ứng dụng xác thực",
                "ID": credential.official_id, "provider": "TOTP (RFC 6238)"},
        "multisign": 100, "lang": "vi-VN",
    }


def credentials_authorize(app: SignaturesApplication,
                          payload: dict[str, Any]) -> dict[str, Any]:
    credential_id = _text(payload, "credentialID", maximum=64)
    hashes = _hashes(payload)
    count = payload.get("numSignatures", len(hashes))
    if count != len(hashes):
        raise CscError("invalid_request", "numSignatures: must equal the number of hashes")
    algorithm = {32: "sha256", 48: "sha384", 64: "sha512"}.get(len(hashes[0]), "")
    if not algorithm:
        raise CscError("invalid_request", "hash: not a SHA-256, SHA-384 or SHA-512 hash")
    activation = app.authorize(credential_id, _text(payload, "OTP", maximum=16), hashes,
                               algorithm, _text(payload, "clientData", required=False,
                                                maximum=200),
                               _text(payload, "description", required=False))
    expires = int((activation.expires_at - app.clock()).total_seconds())
    return {"SAD": activation.sad, "expiresIn": expires}


def signatures_sign_hash(app: SignaturesApplication,
                         payload: dict[str, Any]) -> dict[str, Any]:
    credential_id = _text(payload, "credentialID", maximum=64)
    hashes = _hashes(payload)
    sign_algo = _text(payload, "signAlgo", maximum=64)
    hash_algo = _text(payload, "hashAlgo", required=False, maximum=64)
    named = {oid: hash_name for (_, hash_name), oid in SIGNATURE_ALGORITHMS.items()}
    if sign_algo in named:
        algorithm = named[sign_algo]
        if hash_algo and HASH_OIDS.get(hash_algo) != algorithm:
            raise CscError("invalid_request", "hashAlgo: does not match signAlgo")
    elif sign_algo in BARE_ALGORITHMS.values():
        if hash_algo not in HASH_OIDS:
            raise CscError("invalid_request", "hashAlgo: SHA-256, SHA-384 or SHA-512 OID")
        algorithm = HASH_OIDS[hash_algo]
    else:
        raise CscError("invalid_request", f"signAlgo: {sign_algo} is not supported")
    if "signAlgoParams" in payload:
        raise CscError("invalid_request", "signAlgoParams: RSASSA-PSS is not supported")
    signatures, oid = app.sign_hash(credential_id, _text(payload, "SAD", maximum=128),
                                    hashes, algorithm)
    if sign_algo in named and oid != sign_algo:
        raise CscError("invalid_request", f"signAlgo: this credential signs with {oid}")
    return {"signatures": [base64.b64encode(s).decode() for s in signatures]}


CSC_OPERATIONS = {
    "info": csc_info,
    "credentials/list": credentials_list,
    "credentials/info": credentials_info,
    "credentials/authorize": credentials_authorize,
    "signatures/signHash": signatures_sign_hash,
}


def background(app: SignaturesApplication, settings: Settings) -> list[HttpFace]:
    """The HTTP face, on ``LIENTHONG_HTTP_LISTEN`` (default 0.0.0.0:8090)."""
    import os

    return [HttpFace(app, os.environ.get("LIENTHONG_HTTP_LISTEN", "0.0.0.0:8090"))]
