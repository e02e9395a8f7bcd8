"""The time-stamping authority (RFC 3161): a TimeStampReq's bytes in, a TimeStampResp's
bytes out.

A granted response carries a time-stamp token: CMS SignedData over a TSTInfo (the
request's message imprint, the time, the serial number the caller gives, the TSA's
policy and accuracy, the request's nonce), signed with the attributes contentType,
signingTime, messageDigest and signingCertificateV2 (RFC 5035) naming the TSA's
certificate, which the token carries when the request asks for it (with ``chain``).

The request's bytes come from anyone: a request that is not one, or is larger than
:data:`MAX_REQUEST_BYTES`, is rejected with ``badDataFormat``; an imprint of another hash
than SHA-256/384/512 with ``badAlg``; another policy than the TSA's with
``unacceptedPolicy``; a critical extension with ``unacceptedExtension``. Never an
exception. While the TSA's certificate is not valid, every request is rejected with
``systemFailure``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import TYPE_CHECKING

from asn1crypto import algos, cms, core, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID, ObjectIdentifier

from lienthong.errors import InvalidArgument

from . import der, keys

if TYPE_CHECKING:
    from collections.abc import Sequence

    from lienthong.signing import KeySigner

#: The TSA's policy for its time-stamps. A placeholder under a private-enterprise arc (next
#: to the officials' certificate policy) until the platform registers an OID of its own.
TSA_POLICY_OID = "1.3.6.1.4.1.55555.1.2"
#: The largest request answered (octets); a SHA-512 imprint and a nonce take ~100.
MAX_REQUEST_BYTES = 4096
#: The hashes a message imprint may use, with their digest lengths.
IMPRINT_HASHES = {"sha256": 32, "sha384": 48, "sha512": 64}
DEFAULT_ACCURACY = dt.timedelta(seconds=1)


class _Rejected(Exception):
    """A request the TSA refuses, with the failInfo bit and the text it answers with."""

    def __init__(self, fail_info: str, text: str) -> None:
        super().__init__(text)
        self.fail_info = fail_info
        self.text = text


class TimeStampAuthority:
    """A TSA: its key (any :class:`~lienthong.signing.KeySigner`), its certificate (with
    the critical timeStamping extended key usage) and the CA certificates above it."""

    def __init__(self, signer: KeySigner, certificate: x509.Certificate,
                 chain: Sequence[x509.Certificate] = (), policy_oid: str = TSA_POLICY_OID,
                 accuracy: dt.timedelta | None = DEFAULT_ACCURACY) -> None:
        keys.require_key_of(signer, certificate, "signer")
        _require_time_stamping(certificate)
        try:
            ObjectIdentifier(policy_oid)
        except ValueError:
            raise InvalidArgument.single("policy_oid", "OID_FORMAT",
                                         f"must be a dotted OID, got {policy_oid!r}") from None
        if accuracy is not None and not dt.timedelta(0) < accuracy < dt.timedelta(days=1):
            raise InvalidArgument.single("accuracy", "ACCURACY_RANGE",
                                         "must be more than zero and less than a day")
        self._signer = signer
        self._certificate = der.certificate(certificate)
        self._chain = [der.certificate(cert) for cert in chain]
        self._policy = policy_oid
        self._accuracy = accuracy
        self._valid = (certificate.not_valid_before_utc, certificate.not_valid_after_utc)
        self._signing_certificate = tsp.SigningCertificateV2({"certs": [{
            # hashAlgorithm is SHA-256, the default, so it is not written
            "cert_hash": hashlib.sha256(self._certificate.dump()).digest(),
            "issuer_serial": {
                "issuer": [asn1_x509.GeneralName(name="directory_name",
                                                 value=self._certificate.issuer)],
                "serial_number": self._certificate.serial_number},
        }]})

    @property
    def policy_oid(self) -> str:
        return self._policy

    def respond(self, request_der: bytes, now: dt.datetime, serial: int) -> bytes:
        """The DER TimeStampResp to the DER TimeStampReq ``request_der``: a token of the
        time ``now`` with serial number ``serial`` (unique per token, the caller keeps
        the count), or a rejection saying why."""
        gen_time = _gen_time(now)
        serial = der.serial_number(serial, "serial")
        try:
            request = _parse(request_der, self._policy)
        except _Rejected as rejected:
            return rejection(rejected.fail_info, rejected.text)
        if not self._valid[0] <= gen_time <= self._valid[1]:
            return rejection("system_failure", "the TSA's certificate is not valid now")
        token = self._token(request, gen_time, serial)
        return tsp.TimeStampResp({"status": {"status": "granted"},
                                  "time_stamp_token": token}).dump()

    def _token(self, request: tsp.TimeStampReq, gen_time: dt.datetime,
               serial: int) -> cms.ContentInfo:
        info = tsp.TSTInfo({
            "version": "v1",
            "policy": self._policy,
            "message_imprint": request["message_imprint"],
            "serial_number": serial,
            "gen_time": core.GeneralizedTime(gen_time),
            "tsa": asn1_x509.GeneralName(name="directory_name",
                                         value=self._certificate.subject),
        })
        if self._accuracy is not None:
            info["accuracy"] = _accuracy(self._accuracy)
        if request["nonce"].native is not None:
            info["nonce"] = request["nonce"].native
        content = info.dump()
        digest_name = keys.signature_hash(self._signer.public_key())
        digest_algorithm = algos.DigestAlgorithm({"algorithm": digest_name})
        attributes = cms.CMSAttributes([
            {"type": "content_type", "values": ["tst_info"]},
            {"type": "signing_time", "values": [cms.Time(
                name="utc_time" if gen_time < der.GENERALIZED_TIME_FROM else "general_time",
                value=gen_time.replace(microsecond=0))]},
            {"type": "message_digest", "values": [hashlib.new(digest_name, content).digest()]},
            {"type": "signing_certificate_v2", "values": [self._signing_certificate]},
        ])
        algorithm, signature = keys.sign(self._signer, attributes.dump())
        signer_info = cms.SignerInfo({
            "version": "v1",
            "sid": cms.SignerIdentifier(name="issuer_and_serial_number", value={
                "issuer": self._certificate.issuer,
                "serial_number": self._certificate.serial_number}),
            "digest_algorithm": digest_algorithm,
            "signed_attrs": attributes,
            "signature_algorithm": algorithm,
            "signature": signature,
        })
        signed_data = cms.SignedData({
            "version": "v3",
            "digest_algorithms": [digest_algorithm],
            "encap_content_info": {"content_type": "tst_info",
                                   "content": core.ParsableOctetString(content)},
            "signer_infos": [signer_info],
        })
        if request["cert_req"].native:
            signed_data["certificates"] = [self._certificate, *self._chain]
        return cms.ContentInfo({"content_type": "signed_data", "content": signed_data})


class _Rejection(core.Sequence):
    """A TimeStampResp without its token (``asn1crypto``'s has the token mandatory, where
    RFC 3161 has it OPTIONAL and absent from a rejection)."""

    _fields = [("status", tsp.PKIStatusInfo)]  # noqa: RUF012 - asn1crypto's declaration


def rejection(fail_info: str, text: str) -> bytes:
    """A TimeStampResp refusing a request: status rejection, ``fail_info`` (an
    ``asn1crypto`` PKIFailureInfo bit name, e.g. ``bad_alg``) and why, in words."""
    return _Rejection({"status": {
        "status": "rejection", "status_string": [text], "fail_info": {fail_info}}}).dump()


def _require_time_stamping(certificate: x509.Certificate) -> None:
    try:
        usage = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    except x509.ExtensionNotFound:
        usage = None
    if usage is None or not usage.critical or list(usage.value) != [
            ExtendedKeyUsageOID.TIME_STAMPING]:
        raise InvalidArgument.single(
            "certificate", "NOT_TSA_CERTIFICATE",
            "a TSA's certificate has timeStamping as its one extended key usage, critical")


def _gen_time(now: dt.datetime) -> dt.datetime:
    """The token's time, to the microsecond (GeneralizedTime drops trailing zeros)."""
    der.utc(now, "now")  # refuses a naive time
    return now.astimezone(dt.UTC)


def _accuracy(accuracy: dt.timedelta) -> dict[str, int]:
    millis, micros = divmod(accuracy.microseconds, 1000)
    parts = {"seconds": accuracy.seconds, "millis": millis, "micros": micros}
    return {name: value for name, value in parts.items() if value}


def _parse(request_der: bytes, policy: str) -> tsp.TimeStampReq:
    """The request, if it is one the TSA answers; otherwise :class:`_Rejected`."""
    if not isinstance(request_der, bytes) or len(request_der) > MAX_REQUEST_BYTES:
        raise _Rejected("bad_data_format",
                        f"the request is not DER bytes of at most {MAX_REQUEST_BYTES} octets")
    try:
        request = tsp.TimeStampReq.load(request_der, strict=True)
        request.native  # noqa: B018 - parses every part now, so a bad one is found here
        version = request["version"].native
        algorithm = request["message_imprint"]["hash_algorithm"]["algorithm"].native
        parameters = request["message_imprint"]["hash_algorithm"]["parameters"].native
        imprint = request["message_imprint"]["hashed_message"].native
        echoed = der.is_der(request["message_imprint"])  # the token repeats the imprint
        requested_policy = request["req_policy"].native
        critical = [ext["extn_id"].dotted for ext in request["extensions"] or []
                    if ext["critical"].native]
    except der.PARSE_ERRORS:
        raise _Rejected("bad_data_format", "the request is not a DER TimeStampReq") from None
    if version != "v1":
        raise _Rejected("bad_request", f"the request's version is {version}, not 1")
    if algorithm not in IMPRINT_HASHES:
        raise _Rejected("bad_alg", f"the imprint's hash {algorithm} is not one of "
                                   f"{', '.join(IMPRINT_HASHES)}")
    if not echoed or parameters is not None:
        raise _Rejected("bad_data_format", "the message imprint is not in DER, or its hash "
                                           "algorithm has parameters")
    if len(imprint) != IMPRINT_HASHES[algorithm]:
        raise _Rejected("bad_data_format", f"a {algorithm} imprint is "
                                           f"{IMPRINT_HASHES[algorithm]} octets, not "
                                           f"{len(imprint)}")
    if requested_policy is not None and requested_policy != policy:
        raise _Rejected("unaccepted_policy", f"the TSA time-stamps under {policy} only")
    if critical:
        raise _Rejected("unaccepted_extensions",
                        f"the TSA knows no extension {', '.join(critical)}")
    return request
