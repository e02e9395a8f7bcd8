"""Documents signed in the service: PDF (PAdES), any file (detached CAdES), XML (XMLDSig).

The official gives a one-time code with the document; the service computes what is to
be signed, authorizes exactly that hash with the code (``SignatureAuthorized``, as a
CSC client would) and signs it with the official's key in the token
(``HashesSigned``): one code, one signature. Time stamps come from the platform's own
TSA, in process; the revocation data a B-LT or B-LTA signature embeds are the
platform's own CRLs of the moment.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from asn1crypto import crl as asn1_crl
from asn1crypto import tsp
from cryptography import x509
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko_certvalidator import ValidationContext

from lienthong.errors import FailedPrecondition, InvalidArgument
from lienthong.signing import check_digest, hash_of

from .formats import cades, pades, xmldsig
from .formats.appearance import AgencySignature, AppearanceError, OfficialSignature
from .formats.keysigner import as_asn1
from .formats.xmldsig import XmlRefused
from .validation import validate

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes

    from .application import SignaturesApplication
    from .domain.credential import Credential
    from .validation.report import ValidationReport

#: The largest document signed in one call (the gRPC limit of the service is above it).
MAX_DOCUMENT_BYTES = 40 * 1024 * 1024
MAX_IMAGE_BYTES = 1024 * 1024
LEVELS = pades.LEVELS


class ActivatedSigner:
    """The official's key, usable for one signature with the code they gave.

    It is a :class:`~lienthong.signing.KeySigner`: the format's library hands it the data
    (or digest) to sign; it authorizes that one hash with the code, then signs it.
    """

    def __init__(self, app: SignaturesApplication, credential: Credential, code: str,
                 on_behalf_of: str, description: str) -> None:
        self.app = app
        self.credential = credential
        self.code = code
        self.on_behalf_of = on_behalf_of
        self.description = description
        self.certificate = x509.load_pem_x509_certificate(credential.certificate_pem.encode())
        self.key_algorithm = "rsa" if credential.key_algorithm.startswith("rsa") else "ecdsa"
        self.signed = False

    def public_key(self) -> PublicKeyTypes:
        return self.certificate.public_key()

    def sign(self, data: bytes, hash_algorithm: str = "sha256") -> bytes:
        hash_of(hash_algorithm)
        return self.sign_digest(hashlib.new(hash_algorithm, data).digest(), hash_algorithm)

    def sign_digest(self, digest: bytes, hash_algorithm: str = "sha256") -> bytes:
        check_digest(digest, hash_algorithm)
        if self.signed:
            msg = "one_time_code: a code signs one signature"
            raise FailedPrecondition(msg, reason="ONE_SIGNATURE_PER_CODE")
        self.signed = True
        credential_id = str(self.credential.id)
        activation = self.app.authorize(credential_id, self.code, [digest], hash_algorithm,
                                        self.on_behalf_of, self.description)
        [signature], _ = self.app.sign_hash(credential_id, activation.sad, [digest],
                                            hash_algorithm)
        return signature


class PlatformTimeStamper(TimeStamper):
    """pyHanko's time-stamp client, answered by the platform's TSA in this process."""

    def __init__(self, app: SignaturesApplication) -> None:
        super().__init__()
        self.app = app

    async def async_request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        return tsp.TimeStampResp.load(self.app.timestamp(req.dump()))


def validation_context(app: SignaturesApplication) -> ValidationContext:
    """What a B-LT signature embeds: the chain and the CAs' CRLs of now."""
    authority = app.authority()
    return ValidationContext(
        trust_roots=[as_asn1(authority.root)], other_certs=[as_asn1(authority.issuing)],
        crls=[asn1_crl.CertificateList.load(app.crl(name)) for name in ("issuing", "root")],
        allow_fetching=False)


@dataclass(frozen=True)
class Placement:
    """Where and how a PDF signature shows (Decree 30/2020): none, the official's
    (an image in a box), or the agency's (top right of page 1, no image)."""

    kind: str = ""  # "", "official" or "agency"
    image: bytes = b""
    page: int = 1
    box: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)
    notation: str = ""


def _bounded(field: str, data: bytes, maximum: int = MAX_DOCUMENT_BYTES) -> bytes:
    if not data:
        raise InvalidArgument.single(field, "REQUIRED", "must not be empty")
    if len(data) > maximum:
        raise InvalidArgument.single(field, "TOO_LARGE",
                                     f"must be at most {maximum} bytes, got {len(data)}")
    return data


def _signer(app: SignaturesApplication, credential_id: str, code: str, on_behalf_of: str,
            description: str) -> ActivatedSigner:
    credential = app.credential(credential_id)
    credential.require_usable(app.clock())
    return ActivatedSigner(app, credential, code, on_behalf_of, description)


def _appearance(signer: ActivatedSigner, placement: Placement) -> Any:
    credential = signer.credential
    if placement.kind == "official":
        if not placement.image:
            raise InvalidArgument.single("official.signature_image", "REQUIRED",
                                         "the official's signature is shown with their image")
        _bounded("official.signature_image", placement.image, MAX_IMAGE_BYTES)
        return OfficialSignature(name=credential.full_name, position=credential.position,
                                 image=placement.image, box=placement.box,
                                 page_number=placement.page)
    if placement.kind == "agency":
        if not placement.notation or len(placement.notation) > 100:
            raise InvalidArgument.single("agency.notation", "NOTATION",
                                         "the document's number/notation, 1 to 100 characters")
        return AgencySignature(agency=credential.agency_name, notation=placement.notation)
    return None


def sign_pdf(app: SignaturesApplication, credential_id: str, code: str, pdf: bytes, *,
             level: str = "B-LT", placement: Placement | None = None, reason: str = "",
             location: str = "", on_behalf_of: str = "") -> bytes:
    """The PDF signed by the official at ``level`` (PAdES B-B, B-T, B-LT or B-LTA)."""
    _bounded("pdf", pdf)
    if level not in LEVELS:
        raise InvalidArgument.single("level", "PADES_LEVEL", f"one of {', '.join(LEVELS)}")
    signer = _signer(app, credential_id, code, on_behalf_of, f"PAdES {level} signature")
    appearance = _appearance(signer, placement or Placement())
    authority = app.authority()
    field_name = f"Signature-{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S%f}"
    try:
        return pades.sign_pdf(
            pdf, signer, signer.certificate, authority.chain, level,  # type: ignore[arg-type]
            field_name, timestamper=None if level == "B-B" else PlatformTimeStamper(app),
            validation_context=validation_context(app) if level in ("B-LT", "B-LTA")
            else None, appearance=appearance, reason=reason or None,
            location=location or None)
    except (AppearanceError, pades.PadesError) as error:
        raise InvalidArgument.single("appearance" if isinstance(error, AppearanceError)
                                     else "pdf", "PDF_SIGNING", str(error)) from None
    except PdfError as error:  # a PDF pyHanko cannot read or update
        raise InvalidArgument.single("pdf", "PDF_UNREADABLE",
                                     f"not a PDF that can be signed: {error}") from None


def sign_detached(app: SignaturesApplication, credential_id: str, code: str, content: bytes,
                  *, timestamp: bool = True, on_behalf_of: str = "") -> bytes:
    """A detached CAdES signature (DER CMS) of any file: B-T with the platform's time
    stamp, B-B without."""
    _bounded("content", content)
    signer = _signer(app, credential_id, code, on_behalf_of, "CAdES detached signature")
    return cades.sign_detached(content, signer, signer.certificate,  # type: ignore[arg-type]
                               app.authority().chain,
                               PlatformTimeStamper(app) if timestamp else None)


def sign_xml(app: SignaturesApplication, credential_id: str, code: str, xml: bytes, *,
             on_behalf_of: str = "") -> bytes:
    """An enveloped XML signature (edXML packages and any XML document)."""
    _bounded("xml", xml)
    try:
        xmldsig.parse_xml(xml, max_bytes=MAX_DOCUMENT_BYTES)
    except XmlRefused as error:
        raise InvalidArgument.single("xml", "XML_REFUSED", str(error)) from None
    signer = _signer(app, credential_id, code, on_behalf_of, "XML signature")
    return xmldsig.sign_xml(xml, signer, signer.certificate,  # type: ignore[arg-type]
                            app.authority().chain, max_bytes=MAX_DOCUMENT_BYTES)


MAX_EXTRA_ROOTS = 10


def validate_document(app: SignaturesApplication, kind: str, signed: bytes, *,
                      detached_content: bytes = b"", when: dt.datetime | None = None,
                      additional_roots: list[bytes] | None = None,
                      last_signature_only: bool = False) -> ValidationReport:
    """Every signature of ``signed`` (``last_signature_only``: of a PDF, the one signed
    last) validated against the platform's root (and the roots given), with the
    platform's CRLs of now, at ``when`` (None: now)."""
    _bounded("signed", signed)
    if last_signature_only and kind != "pdf":
        raise InvalidArgument.single("last_signature_only", "PDF_ONLY",
                                     f"only a PDF's signatures are in signing order, "
                                     f"not those of kind {kind}")
    if len(detached_content) > MAX_DOCUMENT_BYTES:
        raise InvalidArgument.single("detached_content", "TOO_LARGE",
                                     f"must be at most {MAX_DOCUMENT_BYTES} bytes")
    roots = list(additional_roots or [])
    if len(roots) > MAX_EXTRA_ROOTS:
        raise InvalidArgument.single("additional_trust_roots", "TOO_MANY",
                                     f"at most {MAX_EXTRA_ROOTS} roots")
    parsed = []
    for number, root in enumerate(roots):
        try:
            parsed.append(x509.load_der_x509_certificate(root))
        except ValueError:
            raise InvalidArgument.single(f"additional_trust_roots[{number}]", "CERTIFICATE",
                                         "not a DER certificate") from None
    authority = app.authority()
    return validate(kind, signed, trust_roots=[authority.root, *parsed],  # type: ignore[arg-type]
                    detached_content=detached_content or None, validation_time=when,
                    crls=[app.crl("issuing"), app.crl("root")],
                    other_certs=[authority.issuing, authority.tsa],
                    max_bytes=MAX_DOCUMENT_BYTES, last_signature_only=last_signature_only)
