"""The OCSP responder (RFC 6960): a request's bytes in, a signed response's bytes out.

Every certificate a request asks about is answered, from what ``lookup`` says of its
serial; one whose CertID names another issuer (its issuerNameHash or issuerKeyHash is not
the issuer's) is ``unknown``. A request's nonce is echoed. The response names its
responder by key hash and carries the responder's certificate, so a client that trusts
the CA checks it with nothing else.

The request's bytes come from anyone: bytes that do not parse, a request larger than
:data:`MAX_REQUEST_BYTES` or asking about more than :data:`MAX_CERTIFICATES` get a
``malformedRequest`` response, never an exception. A signature on the request is not
required and not checked.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from asn1crypto import core
from asn1crypto import ocsp as asn1_ocsp
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.x509.oid import ExtendedKeyUsageOID

from lienthong.errors import InvalidArgument

from . import der, keys
from .crl import Reason, reason_of

if TYPE_CHECKING:
    from collections.abc import Callable

    from lienthong.signing import KeySigner

#: The largest request answered (octets); ten CertIDs and a nonce take well under 1 KiB.
MAX_REQUEST_BYTES = 4096
#: The most certificates one request may ask about.
MAX_CERTIFICATES = 10
#: The longest nonce echoed (RFC 8954: longer ones are refused as malformed).
MAX_NONCE_BYTES = 128
#: How long a response may be relied on: its nextUpdate is this much after thisUpdate.
RESPONSE_VALIDITY = dt.timedelta(hours=1)
#: The hashes a CertID may use to name its issuer.
CERT_ID_HASHES = frozenset({"sha1", "sha256", "sha384", "sha512"})


@dataclass(frozen=True)
class CertStatus:
    """What the CA says of a certificate: good, revoked (when and why) or unknown."""

    status: Literal["good", "revoked", "unknown"]
    revocation_time: dt.datetime | None = None
    reason: Reason | str = Reason.unspecified

    def __post_init__(self) -> None:
        if self.status not in ("good", "revoked", "unknown"):
            raise InvalidArgument.single("status", "CERT_STATUS_UNKNOWN",
                                         f"must be good, revoked or unknown, got {self.status!r}")
        if (self.status == "revoked") != (self.revocation_time is not None):
            raise InvalidArgument.single("revocation_time", "REVOCATION_TIME",
                                         "a revoked certificate has a revocation time, "
                                         "and only a revoked one")
        if self.revocation_time is not None:
            object.__setattr__(self, "revocation_time",
                               der.utc(self.revocation_time, "revocation_time"))
        object.__setattr__(self, "reason", reason_of(self.reason))

    @classmethod
    def good(cls) -> CertStatus:
        return cls("good")

    @classmethod
    def revoked(cls, revocation_time: dt.datetime,
                reason: Reason | str = Reason.unspecified) -> CertStatus:
        return cls("revoked", revocation_time, reason)

    @classmethod
    def unknown(cls) -> CertStatus:
        return cls("unknown")


@dataclass(frozen=True)
class _Request:
    cert_ids: list[asn1_ocsp.CertId]
    nonce: bytes | None


def malformed_request() -> bytes:
    """The response to a request that cannot be answered as it is."""
    return asn1_ocsp.OCSPResponse({"response_status": "malformed_request"}).dump()


def respond(request_der: bytes, lookup: Callable[[int], CertStatus],
            responder_signer: KeySigner, responder_cert: x509.Certificate,
            issuer_cert: x509.Certificate, now: dt.datetime, *,
            validity: dt.timedelta = RESPONSE_VALIDITY) -> bytes:
    """The DER OCSPResponse to the DER OCSPRequest ``request_der``.

    ``responder_cert`` is the issuer's own certificate or one it issued with the
    OCSPSigning extended key usage; ``responder_signer`` holds its key. A responder that
    is not so is refused (:class:`~lienthong.errors.InvalidArgument`): that is the
    service's configuration, not the request.
    """
    keys.require_key_of(responder_signer, responder_cert, "responder_signer")
    _require_delegated(responder_cert, issuer_cert)
    if validity < dt.timedelta(seconds=1):
        raise InvalidArgument.single("validity", "VALIDITY_NOT_POSITIVE",
                                     "must be longer than a second")
    produced = der.utc(now, "now")
    request = _parse(request_der)
    if request is None:
        return malformed_request()
    name_der = der.subject_of(issuer_cert).dump()
    key_bits = keys.public_key_bits(issuer_cert.public_key())
    responses = [_single(cert_id, _status(cert_id, name_der, key_bits, lookup), produced,
                         produced + validity)
                 for cert_id in request.cert_ids]
    data = asn1_ocsp.ResponseData({
        "responder_id": asn1_ocsp.ResponderId(
            name="by_key", value=keys.key_identifier(responder_cert.public_key())),
        "produced_at": der.generalized_time(produced),
        "responses": responses,
    })
    if request.nonce is not None:
        data["response_extensions"] = [{"extn_id": "nonce", "critical": False,
                                        "extn_value": core.OctetString(request.nonce)}]
    algorithm, signature = keys.sign(responder_signer, data.dump())
    basic = asn1_ocsp.BasicOCSPResponse({
        "tbs_response_data": data, "signature_algorithm": algorithm, "signature": signature,
        "certs": [der.certificate(responder_cert)]})
    return asn1_ocsp.OCSPResponse({
        "response_status": "successful",
        "response_bytes": {"response_type": "basic_ocsp_response", "response": basic},
    }).dump()


def _require_delegated(responder_cert: x509.Certificate, issuer_cert: x509.Certificate) -> None:
    if responder_cert == issuer_cert:
        return
    try:
        usages = responder_cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        responder_cert.verify_directly_issued_by(issuer_cert)
    except (x509.ExtensionNotFound, ValueError, TypeError, InvalidSignature):
        usages = x509.ExtendedKeyUsage([])
    if ExtendedKeyUsageOID.OCSP_SIGNING not in usages:
        raise InvalidArgument.single(
            "responder_cert", "NOT_DELEGATED_RESPONDER",
            "the responder's certificate is neither the issuer's nor one the issuer signed "
            "with the OCSPSigning extended key usage")


def _parse(request_der: bytes) -> _Request | None:
    """The request's CertIDs and nonce; None when it is malformed or too large."""
    if not isinstance(request_der, bytes) or len(request_der) > MAX_REQUEST_BYTES:
        return None
    try:
        request = asn1_ocsp.OCSPRequest.load(request_der, strict=True)
        request.native  # noqa: B018 - parses every part now, so a bad one is found here
        tbs = request["tbs_request"]
        cert_ids = [item["req_cert"] for item in tbs["request_list"]]
        nonce = None
        for extension in tbs["request_extensions"] or []:
            if extension["extn_id"].native == "nonce":
                nonce = extension["extn_value"].parsed.native
            elif extension["critical"].native:
                return None  # a critical extension the responder does not know
    except der.PARSE_ERRORS:
        return None
    if not 0 < len(cert_ids) <= MAX_CERTIFICATES or not all(map(der.is_der, cert_ids)):
        return None  # too many, or a CertID (echoed in the response) not in DER
    if nonce is not None and not 0 < len(nonce) <= MAX_NONCE_BYTES:
        return None
    return _Request(cert_ids, nonce)


def _status(cert_id: asn1_ocsp.CertId, issuer_name_der: bytes, issuer_key_bits: bytes,
            lookup: Callable[[int], CertStatus]) -> CertStatus:
    algorithm = cert_id["hash_algorithm"]["algorithm"].native
    if algorithm not in CERT_ID_HASHES:
        return CertStatus.unknown()
    if (cert_id["issuer_name_hash"].native != hashlib.new(algorithm, issuer_name_der).digest()
            or cert_id["issuer_key_hash"].native
            != hashlib.new(algorithm, issuer_key_bits).digest()):
        return CertStatus.unknown()
    serial = cert_id["serial_number"].native
    if serial <= 0 or serial.bit_length() > 159:
        return CertStatus.unknown()  # no certificate of the CA has such a serial
    return lookup(serial)


def _single(cert_id: asn1_ocsp.CertId, status: CertStatus, this_update: dt.datetime,
            next_update: dt.datetime) -> asn1_ocsp.SingleResponse:
    if status.status == "revoked" and status.revocation_time is not None:
        info: dict[str, object] = {
            "revocation_time": der.generalized_time(status.revocation_time)}
        if status.reason is not Reason.unspecified:
            info["revocation_reason"] = reason_of(status.reason).name
        cert_status = asn1_ocsp.CertStatus(name="revoked", value=asn1_ocsp.RevokedInfo(info))
    else:
        cert_status = asn1_ocsp.CertStatus(
            name="good" if status.status == "good" else "unknown", value=core.Null())
    return asn1_ocsp.SingleResponse({
        "cert_id": cert_id, "cert_status": cert_status,
        "this_update": der.generalized_time(this_update),
        "next_update": der.generalized_time(next_update)})
