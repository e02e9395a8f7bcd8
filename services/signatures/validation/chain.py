"""The certificate chain of a signature, one report per certificate.

The chain is the validation path pyHanko/certvalidator built (trusted root first,
signer last); without one, the certificates the signature carries are linked by
issuer name for information. Each certificate gets:

* the indication of its own part in the result: the path's trust problem (the
  AdES sub-indication certvalidator's error maps to) is laid on the certificate
  it concerns (the revoked or expired one, the one whose revocation status is
  unknown, else the signer's); the other certificates of a validated path pass;
* its revocation status, looked up with certvalidator's own CRL and OCSP checks
  (``verify_crl``, ``verify_ocsp_response``) against one source at a time (given,
  embedded, fetched; OCSP, CRL) so the report can say which source told what.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from asn1crypto import crl as asn1_crl
from asn1crypto import ocsp as asn1_ocsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.x509.oid import NameOID, ObjectIdentifier
from pyhanko_certvalidator.authority import AuthorityWithCert
from pyhanko_certvalidator.errors import (
    CRLNoMatchesError,
    CRLValidationError,
    OCSPNoMatchesError,
    OCSPValidationError,
    PathError,
    RevokedError,
    ValidationError,
)
from pyhanko_certvalidator.ltv.poe import ValidationObjectType
from pyhanko_certvalidator.revinfo.archival import CRLContainer, OCSPContainer
from pyhanko_certvalidator.revinfo.validate_crl import verify_crl
from pyhanko_certvalidator.revinfo.validate_ocsp import verify_ocsp_response

from lienthong.services.signatures.pki.profile import AGENCY_SEAL_POLICY_OID, OFFICIAL_URI_PREFIX
from lienthong.services.signatures.validation.inputs import digest
from lienthong.services.signatures.validation.report import (
    CertificateReport,
    Indication,
    RevocationOrigin,
    RevocationReport,
    RevocationSource,
    RevocationStatus,
    SubIndication,
    Subject,
)

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Iterable

    from pyhanko_certvalidator import ValidationContext
    from pyhanko_certvalidator.ltv.poe import ValidationObject
    from pyhanko_certvalidator.path import ValidationPath

    from lienthong.services.signatures.validation.inputs import Embedded, ValidationInputs

USER_ID = ObjectIdentifier("0.9.2342.19200300.100.1.1")
#: Names for the attributes RFC 4514 leaves as dotted OIDs, as X.520/RFC 4519 spell them.
ATTRIBUTE_NAMES = {
    NameOID.TITLE: "title",
    NameOID.ORGANIZATION_IDENTIFIER: "organizationIdentifier",
    NameOID.SERIAL_NUMBER: "serialNumber",
    USER_ID: "UID",
}

#: RFC 5280 names of asn1crypto's CRLReason values.
REASONS = {
    "unspecified": "unspecified",
    "key_compromise": "keyCompromise",
    "ca_compromise": "cACompromise",
    "affiliation_changed": "affiliationChanged",
    "superseded": "superseded",
    "cessation_of_operation": "cessationOfOperation",
    "certificate_hold": "certificateHold",
    "remove_from_crl": "removeFromCRL",
    "privilege_withdrawn": "privilegeWithdrawn",
    "aa_compromise": "aACompromise",
}

#: Sub-indications that say something about the certificate chain.
CHAIN_PROBLEMS = frozenset(
    {
        SubIndication.REVOKED,
        SubIndication.REVOKED_NO_POE,
        SubIndication.REVOKED_CA_NO_POE,
        SubIndication.NO_CERTIFICATE_CHAIN_FOUND,
        SubIndication.CERTIFICATE_CHAIN_GENERAL_FAILURE,
        SubIndication.CHAIN_CONSTRAINTS_FAILURE,
        SubIndication.OUT_OF_BOUNDS_NO_POE,
        SubIndication.OUT_OF_BOUNDS_NOT_REVOKED,
        SubIndication.REVOCATION_OUT_OF_BOUNDS_NO_POE,
        SubIndication.EXPIRED,
        SubIndication.NOT_YET_VALID,
        SubIndication.TRY_LATER,
        SubIndication.NO_POE,
        SubIndication.NO_SIGNING_CERTIFICATE_FOUND,
    }
)


def _attribute(name: x509.Name, oid: ObjectIdentifier) -> str | None:
    values = name.get_attributes_for_oid(oid)
    if not values:
        return None
    value = values[0].value
    return value if isinstance(value, str) else value.decode("utf-8", "replace")


def _pyca(cert: asn1_x509.Certificate) -> x509.Certificate:
    return x509.load_der_x509_certificate(cert.dump())


def _official_id(certificate: x509.Certificate) -> str | None:
    """The official a certificate of this platform names in its SAN URI, if any."""
    try:
        names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except x509.ExtensionNotFound:
        return None
    for uri in names.value.get_values_for_type(x509.UniformResourceIdentifier):
        if uri.startswith(OFFICIAL_URI_PREFIX):
            return uri.removeprefix(OFFICIAL_URI_PREFIX)
    return None


def _agency_seal(certificate: x509.Certificate) -> bool:
    """Whether the certificate is an agency's seal of this platform (its policy says so)."""
    try:
        policies = certificate.extensions.get_extension_for_class(x509.CertificatePolicies)
    except x509.ExtensionNotFound:
        return False
    return any(p.policy_identifier == AGENCY_SEAL_POLICY_OID for p in policies.value)


def subject_of(cert: asn1_x509.Certificate) -> Subject:
    certificate = _pyca(cert)
    name = certificate.subject
    return Subject(
        rfc4514=name.rfc4514_string(ATTRIBUTE_NAMES),
        common_name=_attribute(name, NameOID.COMMON_NAME),
        title=_attribute(name, NameOID.TITLE),
        organization=_attribute(name, NameOID.ORGANIZATION_NAME),
        organization_identifier=_attribute(name, NameOID.ORGANIZATION_IDENTIFIER),
        user_id=_attribute(name, USER_ID),
        official_id=_official_id(certificate),
        agency_seal=_agency_seal(certificate),
    )


def display_name(cert: asn1_x509.Certificate) -> str:
    subject = subject_of(cert)
    return subject.common_name or subject.rfc4514


@dataclass(frozen=True)
class RevinfoSet:
    """Revocation data of one kind from one origin."""

    source: RevocationSource
    origin: RevocationOrigin
    crls: tuple[asn1_crl.CertificateList, ...] = ()
    ocsps: tuple[asn1_ocsp.OCSPResponse, ...] = ()


def revinfo_sets(
    inputs: ValidationInputs,
    embedded: Embedded,
    validation_objects: Iterable[ValidationObject] = (),
) -> list[RevinfoSet]:
    """The revocation data by origin: given, embedded, then what the validator fetched
    (what its validation objects hold beyond the first two)."""
    known = {digest(c.dump()) for c in inputs.crls + embedded.crls} | {
        digest(o.dump()) for o in inputs.ocsps + embedded.ocsps
    }
    fetched_crls: dict[bytes, asn1_crl.CertificateList] = {}
    fetched_ocsps: dict[bytes, asn1_ocsp.OCSPResponse] = {}
    for vo in validation_objects:
        if vo.object_type is ValidationObjectType.CRL and isinstance(vo.value, CRLContainer):
            key = digest(vo.value.crl_data.dump())
            if key not in known:
                fetched_crls[key] = vo.value.crl_data
        elif vo.object_type is ValidationObjectType.OCSP_RESPONSE and isinstance(
            vo.value, OCSPContainer
        ):
            key = digest(vo.value.ocsp_response_data.dump())
            if key not in known:
                fetched_ocsps[key] = vo.value.ocsp_response_data
    groups = [
        (RevocationOrigin.GIVEN, inputs.crls, inputs.ocsps),
        (RevocationOrigin.EMBEDDED, embedded.crls, embedded.ocsps),
        (RevocationOrigin.FETCHED, tuple(fetched_crls.values()), tuple(fetched_ocsps.values())),
    ]
    sets = []
    for origin, crls, ocsps in groups:
        if ocsps:
            sets.append(RevinfoSet(RevocationSource.OCSP, origin, ocsps=ocsps))
        if crls:
            sets.append(RevinfoSet(RevocationSource.CRL, origin, crls=crls))
    return sets


def _source_contexts(
    inputs: ValidationInputs, embedded: Embedded, sets: list[RevinfoSet]
) -> list[tuple[RevinfoSet, ValidationContext]]:
    """One certvalidator context per source, shared by the chain's certificates (a CRL's
    issuer found for one is known for the next). Soft-fail: a context only answers
    "what does this source say about this certificate"; the path's own verdict was
    given by the validation proper."""
    return [
        (
            revinfo,
            inputs.validation_context(
                embedded,
                crls=revinfo.crls,
                ocsps=revinfo.ocsps,
                fetch=False,
                revocation_mode="soft-fail",
            ),
        )
        for revinfo in sets
    ]


async def _revocation(
    cert: asn1_x509.Certificate,
    path: ValidationPath,
    sources: list[tuple[RevinfoSet, ValidationContext]],
) -> RevocationReport:
    good: RevocationReport | None = None
    for revinfo, context in sources:
        try:
            if revinfo.source is RevocationSource.OCSP:
                await verify_ocsp_response(cert, path, context)
            else:
                await verify_crl(cert, path, context)
        except RevokedError as revoked:
            reason = getattr(revoked.reason, "native", None) or "unspecified"
            return RevocationReport(
                status=RevocationStatus.REVOKED,
                source=revinfo.source,
                origin=revinfo.origin,
                revocation_time=revoked.revocation_dt,
                reason=REASONS.get(reason, "unspecified"),
            )
        except (CRLNoMatchesError, OCSPNoMatchesError):
            continue  # this source says nothing about the certificate
        except (
            CRLValidationError,
            OCSPValidationError,
            ValidationError,
            PathError,
            ValueError,
            TypeError,
            LookupError,
        ):
            continue  # this source's answer is unusable (stale, unverifiable, damaged)
        else:
            good = good or RevocationReport(
                status=RevocationStatus.GOOD, source=revinfo.source, origin=revinfo.origin
            )
    return good or RevocationReport(status=RevocationStatus.UNKNOWN)


def _linked_by_name(
    signer: asn1_x509.Certificate, pool: Iterable[asn1_x509.Certificate]
) -> list[asn1_x509.Certificate]:
    by_subject: dict[bytes, asn1_x509.Certificate] = {}
    for cert in pool:
        by_subject.setdefault(cert.subject.dump(), cert)
    chain = [signer]
    seen = {signer.dump()}
    current = signer
    while current.issuer.dump() != current.subject.dump():
        issuer = by_subject.get(current.issuer.dump())
        if issuer is None or issuer.dump() in seen:
            break
        chain.append(issuer)
        seen.add(issuer.dump())
        current = issuer
    return list(reversed(chain))


def _certificate(
    cert: asn1_x509.Certificate,
    *,
    indication: Indication,
    sub_indication: SubIndication | None,
    revocation: RevocationReport,
    is_trust_anchor: bool,
) -> CertificateReport:
    pyca = _pyca(cert)
    return CertificateReport(
        subject=subject_of(cert),
        issuer=pyca.issuer.rfc4514_string(ATTRIBUTE_NAMES),
        serial_number=format(pyca.serial_number, "X"),
        not_before=pyca.not_valid_before_utc,
        not_after=pyca.not_valid_after_utc,
        sha256=cert.sha256.hex(),
        indication=indication,
        sub_indication=sub_indication,
        revocation=revocation,
        is_trust_anchor=is_trust_anchor,
    )


def _culprits(
    problem: SubIndication,
    certs: list[asn1_x509.Certificate],
    revocations: list[RevocationReport],
    anchor_index: int | None,
    moment: dt.datetime,
) -> set[int]:
    """The positions of the certificates a chain problem is about (the signer's last)."""
    signer = len(certs) - 1
    checked = [i for i in range(len(certs)) if i != anchor_index]
    if problem in (SubIndication.REVOKED, SubIndication.REVOKED_NO_POE):
        return {signer}
    if problem is SubIndication.REVOKED_CA_NO_POE:
        revoked = {
            i for i in checked if i != signer and revocations[i].status is RevocationStatus.REVOKED
        }
        return revoked | {signer}
    if problem in (
        SubIndication.OUT_OF_BOUNDS_NO_POE,
        SubIndication.OUT_OF_BOUNDS_NOT_REVOKED,
        SubIndication.EXPIRED,
        SubIndication.NOT_YET_VALID,
    ):
        out = set()
        for i in checked:
            pyca = _pyca(certs[i])
            if not pyca.not_valid_before_utc <= moment <= pyca.not_valid_after_utc:
                out.add(i)
        return out or {signer}
    if problem in (SubIndication.TRY_LATER, SubIndication.CERTIFICATE_CHAIN_GENERAL_FAILURE):
        unknown = {i for i in checked if revocations[i].status is RevocationStatus.UNKNOWN}
        return unknown or {signer}
    return {signer}


async def certificate_chain(
    signer: asn1_x509.Certificate | None,
    path: ValidationPath | None,
    *,
    problem: SubIndication | None,
    problem_indication: Indication,
    inputs: ValidationInputs,
    embedded: Embedded,
    validation_objects: Iterable[ValidationObject] = (),
) -> tuple[CertificateReport, ...]:
    """Reports on the chain, root first. ``problem`` is the chain's trust problem
    (``None`` when the path validated), ``problem_indication`` the indication it
    comes with in the signature's result."""
    if path is not None and path.leaf is not None:
        certs = [
            c for c in path.iter_certs(include_root=True) if isinstance(c, asn1_x509.Certificate)
        ]
        authority = path.trust_anchor.authority
        anchor_index = 0 if isinstance(authority, AuthorityWithCert) else None
        sources = _source_contexts(
            inputs, embedded, revinfo_sets(inputs, embedded, validation_objects)
        )
        revocations = [
            RevocationReport(status=RevocationStatus.NOT_CHECKED)
            if i == anchor_index
            else await _revocation(cert, path, sources)
            for i, cert in enumerate(certs)
        ]
        culprits = (
            set()
            if problem is None
            else _culprits(problem, certs, revocations, anchor_index, inputs.moment)
        )
        return tuple(
            _certificate(
                cert,
                indication=(problem_indication if i in culprits else Indication.TOTAL_PASSED),
                sub_indication=problem if i in culprits else None,
                revocation=revocations[i],
                is_trust_anchor=i == anchor_index,
            )
            for i, cert in enumerate(certs)
        )
    if signer is None:
        return ()
    # No validated path: show how the carried certificates link up; none of them is
    # vouched for (GENERIC when the chain was not even looked at, e.g. a broken signature).
    pool = [*embedded.certs, *inputs.other_certs, *inputs.trust_roots]
    anchors = {c.dump() for c in inputs.trust_roots}
    return tuple(
        _certificate(
            cert,
            indication=Indication.INDETERMINATE,
            sub_indication=problem or SubIndication.GENERIC,
            revocation=RevocationReport(status=RevocationStatus.UNKNOWN),
            is_trust_anchor=cert.dump() in anchors,
        )
        for cert in _linked_by_name(signer, pool)
    )
