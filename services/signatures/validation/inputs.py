"""What a validation works with: trust anchors, revocation data, the time, the policy.

:class:`ValidationInputs` gathers what the caller gave (trust roots, CRLs, OCSP
responses, extra certificates, the validation time, the revocation mode, whether
fetching is allowed) and turns it into pyHanko's and certvalidator's settings.
:class:`Embedded` is the validation material a signed object carries itself
(PDF DSS, CMS ``certificates``/``crls``, Adobe's revocation archive attribute);
both end up in pyHanko's local knowledge, and the report tells them apart.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, get_args

from asn1crypto import crl as asn1_crl
from asn1crypto import ocsp as asn1_ocsp
from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509 import ocsp
from pyhanko.sign.validation.policy_decl import (
    CertificateFetchingRule,
    LocalKnowledge,
    RevinfoOnlineFetchingRule,
    RevocationInfoGatheringSpec,
    SignatureValidationSpec,
)
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.context import CertValidationPolicySpec
from pyhanko_certvalidator.ltv.types import ValidationTimingInfo
from pyhanko_certvalidator.policy_decl import CertRevTrustPolicy, RevocationCheckingPolicy
from pyhanko_certvalidator.registry import SimpleTrustManager
from pyhanko_certvalidator.revinfo.archival import CRLContainer, OCSPContainer

if TYPE_CHECKING:
    from collections.abc import Iterable

RevocationMode = Literal["hard-fail", "soft-fail", "require"]
REVOCATION_MODES: tuple[str, ...] = get_args(RevocationMode)

CertificateInput = x509.Certificate | asn1_x509.Certificate | bytes
CrlInput = x509.CertificateRevocationList | asn1_crl.CertificateList | bytes
OcspInput = ocsp.OCSPResponse | asn1_ocsp.OCSPResponse | bytes

#: The signer's certificate must allow signing (either usage is enough).
SIGNER_KEY_USAGE = KeyUsageConstraints(
    key_usage=frozenset({"digital_signature", "non_repudiation"}), match_all_key_usages=False
)


def _der(value: bytes) -> bytes:
    if value.lstrip().startswith(b"-----BEGIN"):
        _, _, der = pem.unarmor(value.strip())
        return der
    return value


# Certificates and CRLs given as bytes or as cryptography objects are parsed once per
# process: the platform's own root, CAs and CRLs come with every validation, and
# asn1crypto keeps what it has parsed and prepared of an object for the next one.
#: How many certificates are kept parsed.
CERTIFICATES_KEPT = 64
#: How many CRLs are kept parsed (a new one replaces its issuer's at each revocation).
CRLS_KEPT = 16


@functools.lru_cache(maxsize=CERTIFICATES_KEPT)
def _certificate(der: bytes) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(der)


@functools.lru_cache(maxsize=CRLS_KEPT)
def _crl(der: bytes) -> asn1_crl.CertificateList:
    return asn1_crl.CertificateList.load(der)


def as_asn1_certificate(value: CertificateInput) -> asn1_x509.Certificate:
    if isinstance(value, asn1_x509.Certificate):
        return value
    if isinstance(value, x509.Certificate):
        return _certificate(value.public_bytes(serialization.Encoding.DER))
    if isinstance(value, bytes):
        return _certificate(_der(value))
    raise TypeError(f"not a certificate: {type(value).__name__}")


def as_asn1_crl(value: CrlInput) -> asn1_crl.CertificateList:
    if isinstance(value, asn1_crl.CertificateList):
        return value
    if isinstance(value, x509.CertificateRevocationList):
        return _crl(value.public_bytes(serialization.Encoding.DER))
    if isinstance(value, bytes):
        return _crl(_der(value))
    raise TypeError(f"not a CRL: {type(value).__name__}")


def as_asn1_ocsp(value: OcspInput) -> asn1_ocsp.OCSPResponse:
    if isinstance(value, asn1_ocsp.OCSPResponse):
        return value
    if isinstance(value, ocsp.OCSPResponse):
        return asn1_ocsp.OCSPResponse.load(value.public_bytes(serialization.Encoding.DER))
    if isinstance(value, bytes):
        return asn1_ocsp.OCSPResponse.load(_der(value))
    raise TypeError(f"not an OCSP response: {type(value).__name__}")


def digest(der: bytes) -> bytes:
    return hashlib.sha256(der).digest()


@dataclass(frozen=True)
class Embedded:
    """Validation material carried by the signed object itself."""

    certs: tuple[asn1_x509.Certificate, ...] = ()
    crls: tuple[asn1_crl.CertificateList, ...] = ()
    ocsps: tuple[asn1_ocsp.OCSPResponse, ...] = ()

    def __add__(self, other: Embedded) -> Embedded:
        return Embedded(
            self.certs + other.certs, self.crls + other.crls, self.ocsps + other.ocsps
        )

    @property
    def has_revocation_data(self) -> bool:
        return bool(self.crls or self.ocsps)


@dataclass(frozen=True)
class ValidationInputs:
    trust_roots: tuple[asn1_x509.Certificate, ...]
    other_certs: tuple[asn1_x509.Certificate, ...]
    crls: tuple[asn1_crl.CertificateList, ...]
    ocsps: tuple[asn1_ocsp.OCSPResponse, ...]
    #: The time the validation is about; equal to the wall clock of the call when
    #: the caller asked for a validation "now" (``point_in_time`` is then false).
    moment: dt.datetime
    point_in_time: bool
    revocation_mode: RevocationMode
    allow_fetching: bool

    @classmethod
    def build(
        cls,
        *,
        trust_roots: Iterable[CertificateInput],
        other_certs: Iterable[CertificateInput],
        crls: Iterable[CrlInput],
        ocsps: Iterable[OcspInput],
        validation_time: dt.datetime | None,
        revocation_mode: str,
        allow_fetching: bool,
    ) -> ValidationInputs:
        if revocation_mode not in REVOCATION_MODES:
            raise ValueError(
                f"revocation_mode must be one of {', '.join(REVOCATION_MODES)}, "
                f"not {revocation_mode!r}"
            )
        if validation_time is not None and validation_time.utcoffset() is None:
            raise ValueError("validation_time must carry a time zone")
        return cls(
            trust_roots=tuple(as_asn1_certificate(c) for c in trust_roots),
            other_certs=tuple(as_asn1_certificate(c) for c in other_certs),
            crls=tuple(as_asn1_crl(c) for c in crls),
            ocsps=tuple(as_asn1_ocsp(o) for o in ocsps),
            moment=(
                dt.datetime.now(dt.UTC).replace(microsecond=0)
                if validation_time is None
                else validation_time
            ),
            point_in_time=validation_time is not None,
            revocation_mode=revocation_mode,  # type: ignore[arg-type]
            allow_fetching=allow_fetching,
        )

    @property
    def fetch_now(self) -> bool:
        """Fetching serves validations "now" only: a past validation uses what it is given."""
        return self.allow_fetching and not self.point_in_time

    def timing_info(self) -> ValidationTimingInfo:
        return ValidationTimingInfo(
            validation_time=self.moment,
            best_signature_time=self.moment,
            point_in_time_validation=self.point_in_time,
        )

    def revocation_policy(self) -> CertRevTrustPolicy:
        return CertRevTrustPolicy(RevocationCheckingPolicy.from_legacy(self.revocation_mode))

    def signature_spec(self, embedded: Embedded) -> SignatureValidationSpec:
        """pyHanko's validation settings: the given and the embedded material as
        local knowledge, online fetching only when allowed."""
        policy = CertValidationPolicySpec(
            trust_manager=SimpleTrustManager.build(trust_roots=list(self.trust_roots)),
            revinfo_policy=self.revocation_policy(),
        )
        gathering = (
            RevocationInfoGatheringSpec(RevinfoOnlineFetchingRule.NO_HISTORICAL_FETCH)
            if self.allow_fetching
            else RevocationInfoGatheringSpec(
                RevinfoOnlineFetchingRule.LOCAL_ONLY,
                certificate_fetching_rule=CertificateFetchingRule.NEVER_FETCH,
            )
        )
        return SignatureValidationSpec(
            cert_validation_policy=policy,
            revinfo_gathering_policy=gathering,
            local_knowledge=LocalKnowledge(
                known_crls=[CRLContainer(c) for c in self.crls + embedded.crls],
                known_ocsps=[
                    container
                    for response in self.ocsps + embedded.ocsps
                    for container in OCSPContainer.load_multi(response)
                ],
                known_certs=list(self.other_certs + embedded.certs),
            ),
            key_usage_settings=SIGNER_KEY_USAGE,
        )

    def validation_context(
        self,
        embedded: Embedded,
        *,
        crls: Iterable[asn1_crl.CertificateList] | None = None,
        ocsps: Iterable[asn1_ocsp.OCSPResponse] | None = None,
        fetch: bool | None = None,
        revocation_mode: RevocationMode | None = None,
    ) -> ValidationContext:
        """A certvalidator context at the validation time; by default with all the
        given and embedded revocation data and the caller's revocation mode."""
        fetching = self.fetch_now if fetch is None else fetch
        mode = revocation_mode or self.revocation_mode
        return ValidationContext(
            trust_roots=list(self.trust_roots),
            other_certs=list(self.other_certs + embedded.certs),
            crls=list(self.crls + embedded.crls if crls is None else crls),
            ocsps=list(self.ocsps + embedded.ocsps if ocsps is None else ocsps),
            moment=self.moment if self.point_in_time else None,
            allow_fetching=fetching,
            revinfo_policy=CertRevTrustPolicy(RevocationCheckingPolicy.from_legacy(mode)),
        )
