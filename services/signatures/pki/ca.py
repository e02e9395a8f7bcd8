"""Certificates signed by a key that may sit in a token: the root, the issuing CAs below it,
and what an issuing CA certifies (officials, the OCSP responder, the TSA).

Each certificate is assembled with ``asn1crypto``, its TBSCertificate signed by the
issuer's :class:`~lienthong.signing.KeySigner`, and returned as a ``cryptography``
certificate. The issuer adds to the subject's :class:`~.profile.Profile` the key
identifiers and, when given, where its CRL, OCSP responder and own certificate are
(:class:`IssuerUrls`).
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.x509.oid import AuthorityInformationAccessOID

from lienthong.errors import InvalidArgument

from . import der, keys
from .profile import ca_profile

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes

    from lienthong.signing import KeySigner

    from .profile import Profile

ROOT_VALIDITY = dt.timedelta(days=20 * 365)
ISSUING_CA_VALIDITY = dt.timedelta(days=10 * 365)
#: Random serial numbers have this many bits: 16 octets, the top bit clear (positive).
SERIAL_BITS = 127


@dataclass(frozen=True)
class IssuerUrls:
    """Where relying parties find what the issuer publishes; an empty URL is left out."""

    crl: str = ""
    ocsp: str = ""
    ca_issuers: str = ""

    def __post_init__(self) -> None:
        for field in ("crl", "ocsp", "ca_issuers"):
            url = getattr(self, field)
            if url and not (url.isascii() and url.startswith(("http://", "https://"))
                            and not any(char.isspace() for char in url)):
                raise InvalidArgument.single(
                    f"urls.{field}", "URL_FORMAT",
                    f"must be an http:// or https:// URL without spaces, got {url!r}")

    def extensions(self) -> list[x509.Extension[x509.ExtensionType]]:
        found: list[x509.Extension[x509.ExtensionType]] = []
        if self.crl:
            points = x509.CRLDistributionPoints([x509.DistributionPoint(
                [x509.UniformResourceIdentifier(self.crl)], None, None, None)])
            found.append(x509.Extension(points.oid, False, points))
        access = [x509.AccessDescription(method, x509.UniformResourceIdentifier(url))
                  for method, url in ((AuthorityInformationAccessOID.OCSP, self.ocsp),
                                      (AuthorityInformationAccessOID.CA_ISSUERS,
                                       self.ca_issuers)) if url]
        if access:
            info = x509.AuthorityInformationAccess(access)
            found.append(x509.Extension(info.oid, False, info))
        return found


def new_serial() -> int:
    """A random serial number: 16 octets, positive."""
    return secrets.randbits(SERIAL_BITS) or 1


def create_root(signer: KeySigner, name: x509.Name,
                validity: dt.timedelta = ROOT_VALIDITY, *,
                not_before: dt.datetime | None = None,
                serial: int | None = None) -> x509.Certificate:
    """A self-signed root CA (CA:true, path length 1: one issuing CA below it)."""
    public_key = signer.public_key()
    keys.supported_key(public_key, "signer")
    if validity < dt.timedelta(seconds=1):
        raise InvalidArgument.single("validity", "VALIDITY_NOT_POSITIVE",
                                     "must be longer than a second")
    start = der.utc(not_before or dt.datetime.now(dt.UTC), "not_before")
    profile = ca_profile(name, path_length=1, validity=validity)
    return _sign(signer, der.name(name), keys.key_identifier(public_key), profile, public_key,
                 _serial(serial), start, start + validity, IssuerUrls())


def create_issuing_ca(root_signer: KeySigner, root_cert: x509.Certificate,
                      signer: KeySigner, name: x509.Name,
                      validity: dt.timedelta = ISSUING_CA_VALIDITY, *,
                      not_before: dt.datetime | None = None, serial: int | None = None,
                      urls: IssuerUrls | None = None) -> x509.Certificate:
    """An issuing CA below the root (CA:true, path length 0); ``signer`` is its own key,
    ``urls`` where the root publishes its CRL and certificate."""
    return issue_certificate(root_signer, root_cert, signer.public_key(),
                             ca_profile(name, path_length=0, validity=validity),
                             serial=serial, not_before=not_before, urls=urls)


def issue_certificate(issuer_signer: KeySigner, issuer_cert: x509.Certificate,
                      subject_public_key: PublicKeyTypes, profile: Profile,
                      serial: int | None = None, not_before: dt.datetime | None = None,
                      not_after: dt.datetime | None = None,
                      urls: IssuerUrls | None = None) -> x509.Certificate:
    """A certificate of ``profile`` for ``subject_public_key``, signed by the issuer.

    It starts at ``not_before`` (now by default) and ends at ``not_after`` (by default
    the profile's validity later, cut to the issuer's own end); a time outside the
    issuer's validity is refused.
    """
    keys.require_key_of(issuer_signer, issuer_cert, "issuer_signer")
    keys.supported_key(subject_public_key, "subject_public_key")
    _check_issuer(issuer_cert, profile)
    start, end = _validity(issuer_cert, profile, not_before, not_after)
    return _sign(issuer_signer, der.subject_of(issuer_cert), keys.key_identifier_of(issuer_cert),
                 profile, subject_public_key, _serial(serial), start, end, urls or IssuerUrls())


def _serial(serial: int | None) -> int:
    return new_serial() if serial is None else der.serial_number(serial, "serial")


def _check_issuer(issuer_cert: x509.Certificate, profile: Profile) -> None:
    try:
        constraints = issuer_cert.extensions.get_extension_for_class(
            x509.BasicConstraints).value
        usage = issuer_cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        constraints, usage = None, None
    if constraints is None or usage is None or not constraints.ca or not usage.key_cert_sign:
        raise InvalidArgument.single("issuer_cert", "ISSUER_NOT_CA",
                                     "the issuer's certificate is not a CA's that signs "
                                     "certificates (basicConstraints CA, keyCertSign)")
    if profile.is_ca and constraints.path_length == 0:
        raise InvalidArgument.single("issuer_cert", "ISSUER_PATH_LENGTH",
                                     "the issuer's path length is 0: it certifies no CA")


def _validity(issuer_cert: x509.Certificate, profile: Profile, not_before: dt.datetime | None,
              not_after: dt.datetime | None) -> tuple[dt.datetime, dt.datetime]:
    issuer_start = issuer_cert.not_valid_before_utc
    issuer_end = issuer_cert.not_valid_after_utc
    start = der.utc(not_before or dt.datetime.now(dt.UTC), "not_before")
    if not issuer_start <= start < issuer_end:
        raise InvalidArgument.single(
            "not_before", "OUTSIDE_ISSUER_VALIDITY",
            f"must be within the issuer's validity ({issuer_start:%Y-%m-%d %H:%M:%S} to "
            f"{issuer_end:%Y-%m-%d %H:%M:%S} UTC)")
    if not_after is None:
        end = min(start + profile.validity, issuer_end)
        if end <= start:
            raise InvalidArgument.single("validity", "VALIDITY_NOT_POSITIVE",
                                         "must be longer than a second")
        return start, end
    end = der.utc(not_after, "not_after")
    if end <= start:
        raise InvalidArgument.single("not_after", "NOT_AFTER_BEFORE_START",
                                     "must be later than not_before")
    if end > issuer_end:
        raise InvalidArgument.single(
            "not_after", "BEYOND_ISSUER_VALIDITY",
            f"must not be later than the issuer's end ({issuer_end:%Y-%m-%d %H:%M:%S} UTC)")
    return start, end


def _sign(issuer_signer: KeySigner, issuer: asn1_x509.Name, issuer_key_id: bytes,
          profile: Profile, subject_public_key: PublicKeyTypes, serial: int,
          start: dt.datetime, end: dt.datetime, urls: IssuerUrls) -> x509.Certificate:
    identifiers = [x509.SubjectKeyIdentifier.from_public_key(subject_public_key),
                   x509.AuthorityKeyIdentifier(issuer_key_id, None, None)]
    extensions = [*profile.extensions,
                  *(x509.Extension(value.oid, False, value) for value in identifiers),
                  *urls.extensions()]
    algorithm = keys.signature_algorithm(issuer_signer.public_key())
    tbs = asn1_x509.TbsCertificate({
        "version": "v3",
        "serial_number": serial,
        "signature": algorithm,
        "issuer": issuer,
        "validity": {"not_before": der.x509_time(start), "not_after": der.x509_time(end)},
        "subject": der.name(profile.subject),
        "subject_public_key_info": keys.public_key_info(subject_public_key),
        "extensions": der.extensions(extensions, asn1_x509.Extensions),
    })
    algorithm, signature = keys.sign(issuer_signer, tbs.dump())
    certificate = asn1_x509.Certificate({
        "tbs_certificate": tbs, "signature_algorithm": algorithm,
        "signature_value": signature})
    return x509.load_der_x509_certificate(certificate.dump())
