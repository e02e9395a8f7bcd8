"""A CA's certificate revocation list (RFC 5280, section 5), signed by a key that may sit in
a token.

Each revoked certificate is listed with when and why it was revoked; a reason of
``unspecified`` is left out of the entry, as RFC 5280 (5.3.1) asks. The CRL carries its
number and the CA's key identifier.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from asn1crypto import crl as asn1_crl
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from lienthong.errors import InvalidArgument

from . import der, keys

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Iterable

    from lienthong.signing import KeySigner

Reason = x509.ReasonFlags
#: The reasons a certificate is revoked for (removeFromCRL belongs to delta CRLs only).
REASONS = frozenset(Reason) - {Reason.remove_from_crl}


class Revocation(NamedTuple):
    """A revoked certificate: its serial, when it was revoked and why."""

    serial: int
    revocation_time: dt.datetime
    reason: Reason | str = Reason.unspecified


def reason_of(value: Reason | str, field: str = "reason") -> Reason:
    """A reason from itself or its name (``affiliation_changed``, ``key_compromise``...)."""
    if isinstance(value, Reason) and value in REASONS:
        return value
    if isinstance(value, str) and value in Reason.__members__:
        reason = Reason[value]
        if reason in REASONS:
            return reason
    names = ", ".join(sorted(reason.name for reason in REASONS))
    raise InvalidArgument.single(field, "REVOCATION_REASON_UNKNOWN",
                                 f"must be one of {names}, got {value!r}")


def build_crl(issuer_signer: KeySigner, issuer_cert: x509.Certificate,
              revoked: Iterable[Revocation | tuple[int, dt.datetime, Reason | str]],
              this_update: dt.datetime, next_update: dt.datetime, crl_number: int) -> bytes:
    """The CRL (DER) listing ``revoked``, valid from ``this_update`` to ``next_update``."""
    keys.require_key_of(issuer_signer, issuer_cert, "issuer_signer")
    _require_crl_sign(issuer_cert)
    start = der.utc(this_update, "this_update")
    end = der.utc(next_update, "next_update")
    if end <= start:
        raise InvalidArgument.single("next_update", "NEXT_UPDATE_NOT_LATER",
                                     "must be later than this_update")
    number = der.serial_number(crl_number, "crl_number", minimum=0)
    entries = _entries(revoked)
    issuer_key_id = x509.AuthorityKeyIdentifier(keys.key_identifier_of(issuer_cert), None, None)
    tbs = asn1_crl.TbsCertList({
        "version": "v2",
        "signature": keys.signature_algorithm(issuer_signer.public_key()),
        "issuer": der.subject_of(issuer_cert),
        "this_update": der.x509_time(start),
        "next_update": der.x509_time(end),
        "crl_extensions": der.extensions(
            [x509.Extension(issuer_key_id.oid, False, issuer_key_id),
             x509.Extension(x509.CRLNumber.oid, False, x509.CRLNumber(number))],
            asn1_crl.TBSCertListExtensions),
    })
    if entries:  # an empty list is left out, not written empty (RFC 5280, 5.1.2.6)
        tbs["revoked_certificates"] = entries
    algorithm, signature = keys.sign(issuer_signer, tbs.dump())
    return asn1_crl.CertificateList({"tbs_cert_list": tbs, "signature_algorithm": algorithm,
                                     "signature": signature}).dump()


def crl_pem(crl_der: bytes) -> bytes:
    """A CRL in PEM, as files and web servers publish it."""
    return x509.load_der_x509_crl(crl_der).public_bytes(serialization.Encoding.PEM)


def _require_crl_sign(issuer_cert: x509.Certificate) -> None:
    try:
        usage = issuer_cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        usage = None
    if usage is None or not usage.crl_sign:
        raise InvalidArgument.single("issuer_cert", "ISSUER_NOT_CRL_SIGNER",
                                     "the issuer's certificate has no cRLSign key usage")


def _entries(revoked: Iterable[Revocation | tuple[int, dt.datetime, Reason | str]],
             ) -> list[asn1_crl.RevokedCertificate]:
    entries: dict[int, asn1_crl.RevokedCertificate] = {}
    for index, item in enumerate(revoked):
        serial, when, why = Revocation(*item)
        field = f"revoked[{index}]"
        serial = der.serial_number(serial, f"{field}.serial")
        if serial in entries:
            raise InvalidArgument.single(f"{field}.serial", "SERIAL_DUPLICATE",
                                         f"serial {serial:#x} is listed twice")
        reason = reason_of(why, f"{field}.reason")
        extensions = ([] if reason is Reason.unspecified
                      else [x509.Extension(x509.CRLReason.oid, False, x509.CRLReason(reason))])
        entry = asn1_crl.RevokedCertificate({
            "user_certificate": serial,
            "revocation_date": der.x509_time(der.utc(when, f"{field}.revocation_time"))})
        if extensions:
            entry["crl_entry_extensions"] = der.extensions(extensions,
                                                           asn1_crl.CRLEntryExtensions)
        entries[serial] = entry
    return [entries[serial] for serial in sorted(entries)]
