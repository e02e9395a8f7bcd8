"""Validation reports shaped after ETSI TS 119 102-2.

A :class:`ValidationReport` holds one :class:`SignatureReport` per signature found
(the ``SignatureValidationReport`` elements of TS 119 102-2): its identifier and
format, the claimed signing time and the time-stamps, the signer, the validation
process applied (``Basic``, ``LTVM`` or ``LTA``), the ETSI EN 319 102-1 main
indication and sub-indication, the certificate chain from the trusted root down
to the signer (one :class:`CertificateReport` each, with its revocation status and
where that came from) and the messages explaining the result.

``simple(language)`` and ``detailed(language)`` render the report as plain dicts
(JSON-able) in Vietnamese (``"vi"``) or English (``"en"``); the detailed one keeps
the element names of TS 119 102-2 (in camelCase) and its URIs.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from lienthong.services.signatures.validation.messages import LANGUAGES, Message

if TYPE_CHECKING:
    from lienthong.services.signatures.validation.messages import Language

Kind = Literal["pdf", "cms", "xml"]
Process = Literal["Basic", "LTVM", "LTA"]


class Indication(enum.StrEnum):
    """ETSI EN 319 102-1 main status indication."""

    TOTAL_PASSED = "TOTAL_PASSED"
    TOTAL_FAILED = "TOTAL_FAILED"
    INDETERMINATE = "INDETERMINATE"

    @property
    def uri(self) -> str:
        return "urn:etsi:019102:mainindication:" + self.value.lower().replace("_", "-")


class SubIndication(enum.StrEnum):
    """ETSI EN 319 102-1 sub-indications (``GENERIC`` when none applies)."""

    FORMAT_FAILURE = "FORMAT_FAILURE"
    HASH_FAILURE = "HASH_FAILURE"
    SIG_CRYPTO_FAILURE = "SIG_CRYPTO_FAILURE"
    REVOKED = "REVOKED"
    NOT_YET_VALID = "NOT_YET_VALID"
    SIG_CONSTRAINTS_FAILURE = "SIG_CONSTRAINTS_FAILURE"
    CHAIN_CONSTRAINTS_FAILURE = "CHAIN_CONSTRAINTS_FAILURE"
    CERTIFICATE_CHAIN_GENERAL_FAILURE = "CERTIFICATE_CHAIN_GENERAL_FAILURE"
    CRYPTO_CONSTRAINTS_FAILURE = "CRYPTO_CONSTRAINTS_FAILURE"
    EXPIRED = "EXPIRED"
    POLICY_PROCESSING_ERROR = "POLICY_PROCESSING_ERROR"
    SIGNATURE_POLICY_NOT_AVAILABLE = "SIGNATURE_POLICY_NOT_AVAILABLE"
    TIMESTAMP_ORDER_FAILURE = "TIMESTAMP_ORDER_FAILURE"
    NO_SIGNING_CERTIFICATE_FOUND = "NO_SIGNING_CERTIFICATE_FOUND"
    NO_CERTIFICATE_CHAIN_FOUND = "NO_CERTIFICATE_CHAIN_FOUND"
    REVOKED_NO_POE = "REVOKED_NO_POE"
    REVOKED_CA_NO_POE = "REVOKED_CA_NO_POE"
    OUT_OF_BOUNDS_NO_POE = "OUT_OF_BOUNDS_NO_POE"
    REVOCATION_OUT_OF_BOUNDS_NO_POE = "REVOCATION_OUT_OF_BOUNDS_NO_POE"
    OUT_OF_BOUNDS_NOT_REVOKED = "OUT_OF_BOUNDS_NOT_REVOKED"
    CRYPTO_CONSTRAINTS_FAILURE_NO_POE = "CRYPTO_CONSTRAINTS_FAILURE_NO_POE"
    NO_POE = "NO_POE"
    TRY_LATER = "TRY_LATER"
    SIGNED_DATA_NOT_FOUND = "SIGNED_DATA_NOT_FOUND"
    GENERIC = "GENERIC"

    @property
    def uri(self) -> str:
        return "urn:etsi:019102:subindication:" + self.value


class RevocationStatus(enum.StrEnum):
    GOOD = "GOOD"
    REVOKED = "REVOKED"
    UNKNOWN = "UNKNOWN"
    #: Trust anchors are not checked for revocation.
    NOT_CHECKED = "NOT_CHECKED"


class RevocationSource(enum.StrEnum):
    CRL = "CRL"
    OCSP = "OCSP"


class RevocationOrigin(enum.StrEnum):
    #: Carried by the signed object (PDF DSS, CMS ``crls``, Adobe revocation archive).
    EMBEDDED = "embedded"
    #: Supplied by the caller of :func:`validate`.
    GIVEN = "given"
    #: Fetched online during validation (only when fetching is allowed).
    FETCHED = "fetched"


def _check_language(language: str) -> None:
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, not {language!r}")


def _iso(moment: dt.datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(dt.UTC).isoformat()


@dataclass(frozen=True)
class RevocationReport:
    status: RevocationStatus
    source: RevocationSource | None = None
    origin: RevocationOrigin | None = None
    revocation_time: dt.datetime | None = None
    #: RFC 5280 ``CRLReason`` name (``keyCompromise``...), when revoked.
    reason: str | None = None

    def source_message(self) -> Message | None:
        if self.source is None or self.origin is None:
            return None
        return Message(f"source.{self.source.value}.{self.origin.value}")

    def as_dict(self, language: Language) -> dict[str, Any]:
        source = self.source_message()
        return {
            "status": self.status.value,
            "statusText": Message(f"revocation.{self.status.value}").text(language),
            "source": None if self.source is None else self.source.value,
            "origin": None if self.origin is None else self.origin.value,
            "sourceText": None if source is None else source.text(language),
            "revocationTime": _iso(self.revocation_time),
            "revocationReason": self.reason,
            "revocationReasonText": (
                None if self.reason is None else Message(f"reason.{self.reason}").text(language)
            ),
        }


@dataclass(frozen=True)
class Subject:
    """The parts of a certificate subject a reader looks for."""

    rfc4514: str
    common_name: str | None = None
    title: str | None = None
    organization: str | None = None
    #: ETSI EN 319 412-1 organizationIdentifier (2.5.4.97), e.g. ``NTRVN-0101234567``.
    organization_identifier: str | None = None
    #: The ``UID`` attribute Vietnamese CAs fill with ``CMND:``/``CCCD:``/``MST:`` numbers.
    user_id: str | None = None
    #: The official an official's certificate of this platform names (SAN URI).
    official_id: str | None = None
    #: An agency's seal of this platform (its agency seal policy): no person signed.
    agency_seal: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "subject": self.rfc4514,
            "commonName": self.common_name,
            "title": self.title,
            "organization": self.organization,
            "organizationIdentifier": self.organization_identifier,
            "userId": self.user_id,
            "officialId": self.official_id,
            "agencySeal": self.agency_seal,
        }


@dataclass(frozen=True)
class CertificateReport:
    subject: Subject
    issuer: str
    serial_number: str
    not_before: dt.datetime
    not_after: dt.datetime
    sha256: str
    indication: Indication
    sub_indication: SubIndication | None
    revocation: RevocationReport
    is_trust_anchor: bool = False

    def as_dict(self, language: Language) -> dict[str, Any]:
        return {
            **self.subject.as_dict(),
            "issuer": self.issuer,
            "serialNumber": self.serial_number,
            "notBefore": _iso(self.not_before),
            "notAfter": _iso(self.not_after),
            "sha256": self.sha256,
            "trustAnchor": self.is_trust_anchor,
            "indication": self.indication.value,
            "subIndication": None if self.sub_indication is None else self.sub_indication.value,
            "statusText": _status_text(self.indication, self.sub_indication, language),
            "revocation": self.revocation.as_dict(language),
        }


TimestampKind = Literal["signature", "content", "document"]


@dataclass(frozen=True)
class TimestampReport:
    kind: TimestampKind
    time: dt.datetime
    tsa: str | None = None
    #: ``None`` when the time-stamp was not validated on its own.
    indication: Indication | None = None
    sub_indication: SubIndication | None = None

    def as_dict(self, language: Language) -> dict[str, Any]:
        return {
            "type": self.kind,
            "time": _iso(self.time),
            "tsa": self.tsa,
            "indication": None if self.indication is None else self.indication.value,
            "subIndication": None if self.sub_indication is None else self.sub_indication.value,
            "statusText": (
                None
                if self.indication is None
                else _status_text(self.indication, self.sub_indication, language)
            ),
        }


def _status_text(
    indication: Indication, sub_indication: SubIndication | None, language: Language
) -> str:
    main = Message(f"indication.{indication.value}").text(language)
    if sub_indication is None:
        return main
    return f"{main}: {Message(f'subindication.{sub_indication.value}').text(language)}"


@dataclass(frozen=True)
class SignatureReport:
    """The validation of one signature (TS 119 102-2 ``SignatureValidationReport``)."""

    #: The PDF signature field name, or the signature's index (CMS signer, XML ``Id``).
    id: str
    #: ``PAdES-B-B`` ... ``PAdES-B-LTA``, ``PDF-PKCS7``, ``CAdES-B-B``/``-B-T``, ``CMS``,
    #: ``XAdES-B-B``/``-B-T``, ``XMLDSig``; ``unknown`` when the input could not be read.
    format: str
    indication: Indication
    sub_indication: SubIndication | None
    validation_process: Process = "Basic"
    validation_time: dt.datetime | None = None
    #: The time the signer claims (CMS ``signingTime``, PDF ``/M``, XAdES ``SigningTime``).
    signing_time: dt.datetime | None = None
    #: The earliest time the signature is proven to have existed (with-time and LTA processes).
    best_signature_time: dt.datetime | None = None
    timestamps: tuple[TimestampReport, ...] = ()
    signer: Subject | None = None
    #: From the trusted root (first) down to the signer's certificate (last).
    certificate_chain: tuple[CertificateReport, ...] = ()
    messages: tuple[Message, ...] = ()
    #: The validator's own explanation (English, technical), when it gave one.
    technical_detail: str | None = None

    @property
    def timestamp_times(self) -> tuple[dt.datetime, ...]:
        return tuple(ts.time for ts in self.timestamps)

    def status_text(self, language: Language) -> str:
        return _status_text(self.indication, self.sub_indication, language)

    def simple(self, language: Language) -> dict[str, Any]:
        signer = self.signer
        return {
            "id": self.id,
            "format": self.format,
            "indication": self.indication.value,
            "subIndication": None if self.sub_indication is None else self.sub_indication.value,
            "statusText": self.status_text(language),
            "signer": None if signer is None else signer.common_name or signer.rfc4514,
            "signerTitle": None if signer is None else signer.title,
            "organizationIdentifier": None if signer is None else signer.organization_identifier,
            "signingTime": _iso(self.signing_time),
            "bestSignatureTime": _iso(self.best_signature_time),
            "timestamps": [_iso(ts.time) for ts in self.timestamps],
            "messages": [message.text(language) for message in self.messages],
        }

    def detailed(self, language: Language) -> dict[str, Any]:
        return {
            "signatureIdentifier": {"id": self.id, "format": self.format},
            "validationTimeInfo": {
                "validationTime": _iso(self.validation_time),
                "bestSignatureTime": _iso(self.best_signature_time),
            },
            "signatureAttributes": {
                "signingTime": _iso(self.signing_time),
                "timestamps": [ts.as_dict(language) for ts in self.timestamps],
            },
            "signerInformation": None if self.signer is None else self.signer.as_dict(),
            "signatureValidationProcess": {
                "signatureValidationProcessID": (
                    f"urn:etsi:019102:validationprocess:{self.validation_process}"
                ),
                "text": Message(f"process.{self.validation_process}").text(language),
            },
            "signatureValidationStatus": {
                "mainIndication": self.indication.uri,
                "indication": self.indication.value,
                "subIndication": (
                    [] if self.sub_indication is None else [self.sub_indication.uri]
                ),
                "text": self.status_text(language),
                "certificateChain": [
                    cert.as_dict(language) for cert in self.certificate_chain
                ],
                "messages": [message.as_dict(language) for message in self.messages],
                "technicalDetail": self.technical_detail,
            },
        }


@dataclass(frozen=True)
class ValidationReport:
    """The validation of every signature of one signed object."""

    kind: Kind
    validation_time: dt.datetime
    signatures: tuple[SignatureReport, ...] = ()
    #: Statements about the object as a whole (no signature found...).
    messages: tuple[Message, ...] = field(default=())

    def simple(self, language: Language) -> dict[str, Any]:
        _check_language(language)
        return {
            "language": language,
            "kind": self.kind,
            "validationTime": _iso(self.validation_time),
            "signaturesCount": len(self.signatures),
            "validSignaturesCount": sum(
                1 for s in self.signatures if s.indication is Indication.TOTAL_PASSED
            ),
            "signatures": [signature.simple(language) for signature in self.signatures],
            "messages": [message.text(language) for message in self.messages],
        }

    def detailed(self, language: Language) -> dict[str, Any]:
        _check_language(language)
        return {
            "language": language,
            "kind": self.kind,
            "validationTime": _iso(self.validation_time),
            "signatureValidationReport": [
                signature.detailed(language) for signature in self.signatures
            ],
            "messages": [message.as_dict(language) for message in self.messages],
        }
