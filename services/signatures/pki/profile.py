"""What the platform's certificates say of their subjects, as data.

A :class:`Profile` is a certificate's subject name, the extensions of its role and how long
it lasts unless the issuer says otherwise; :mod:`.ca` adds what depends on the issuer (key
identifiers, where its CRL, OCSP responder and certificate are) and signs.

An official's certificate (:func:`official_profile`) names the official as ETSI EN 319
412-1 names a natural person of an organisation::

    C=VN, ST=<province>, O=<agency name>, organizationIdentifier=GOVVN-<agency code>,
    title=<position>, CN=<full name>

with two URI SANs: ``urn:lienthong:official:<official id>`` and ``VN:GOV:<agency code>``
(the agency as the platform names callers). It signs documents and e-mail
(digitalSignature and nonRepudiation; extendedKeyUsage emailProtection and
documentSigning) under the platform's certificate policy.

The platform's own roles: its CAs (:func:`ca_profile`), its OCSP responder
(:func:`ocsp_responder_profile`) and its time-stamping authority (:func:`tsa_profile`).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
import uuid
from dataclasses import dataclass

from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

from lienthong.errors import InvalidArgument
from lienthong.validation import Violations

#: The platform's certificate policy for officials' signing certificates. A placeholder
#: under a private-enterprise arc until the platform registers an OID of its own.
PLATFORM_POLICY_OID = ObjectIdentifier("1.3.6.1.4.1.55555.1.1")
#: The platform's certificate policy for agencies' seals (an agency's own certificate,
#: naming no person). A placeholder under the same arc.
AGENCY_SEAL_POLICY_OID = ObjectIdentifier("1.3.6.1.4.1.55555.1.2")
#: id-kp-documentSigning (RFC 9336).
DOCUMENT_SIGNING = ObjectIdentifier("1.3.6.1.5.5.7.3.36")

#: The SAN URI naming an official: this prefix and the official's id (a UUID).
OFFICIAL_URI_PREFIX = "urn:lienthong:official:"
#: The SAN URI naming an agency: this prefix and its agency code.
AGENCY_URI_PREFIX = "VN:GOV:"
#: organizationIdentifier of an agency (ETSI EN 319 412-1, 5.1.4: type ``GOV``, country
#: ``VN``, a hyphen), followed by the agency code.
ORGANIZATION_IDENTIFIER_PREFIX = "GOVVN-"

#: Agency codes: groups of upper-case letters and digits separated by dots
#: (``000.00.00.H26``, ``H26.01.05``).
AGENCY_CODE_PATTERN = re.compile(r"^[A-Z0-9]+(?:\.[A-Z0-9]+)*$", re.ASCII)
MAX_AGENCY_CODE = 32
#: Upper bounds of the name attributes (RFC 5280, appendix A.1), in characters.
MAX_COMMON_NAME = 64
MAX_TITLE = 64
MAX_ORGANIZATION_NAME = 64
MAX_STATE_NAME = 128

#: How long an end-entity certificate lasts unless its issuer is given another end.
DEFAULT_VALIDITY = dt.timedelta(days=730)
#: An OCSP responder's certificate is not itself checked for revocation (ocsp-nocheck),
#: so it is short-lived (RFC 6960, 4.2.2.2.1).
OCSP_RESPONDER_VALIDITY = dt.timedelta(days=90)


@dataclass(frozen=True)
class Profile:
    """A certificate's subject, the extensions of its role, and its default lifetime."""

    subject: x509.Name
    extensions: tuple[x509.Extension[x509.ExtensionType], ...]
    validity: dt.timedelta = DEFAULT_VALIDITY

    def __post_init__(self) -> None:
        if not list(self.subject):
            raise InvalidArgument.single("name", "NAME_EMPTY",
                                         "a certificate's subject names at least one attribute")

    @property
    def is_ca(self) -> bool:
        for ext in self.extensions:
            if isinstance(ext.value, x509.BasicConstraints):
                return ext.value.ca
        return False


def _text(violations: Violations, field: str, value: str, maximum: int,
          *, required: bool = True) -> str:
    """The value trimmed and in Unicode NFC (Vietnamese may come decomposed); a broken rule
    is added to ``violations``."""
    text = unicodedata.normalize("NFC", value.strip()) if isinstance(value, str) else ""
    if not isinstance(value, str):
        violations.add(field, "TEXT_TYPE", f"must be text, got {type(value).__name__}")
    elif required and not text:
        violations.add(field, "REQUIRED", "must not be empty")
    elif len(text) > maximum:
        violations.add(field, "TOO_LONG", f"must be at most {maximum} characters, "
                                          f"got {len(text)}")
    elif any(unicodedata.category(char) == "Cc" for char in text):
        violations.add(field, "CONTROL_CHARACTER", "must not contain control characters")
    return text


def check_agency_code(violations: Violations, value: str, field: str = "agency_code") -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        violations.add(field, "REQUIRED", "must not be empty")
    elif len(text) > MAX_AGENCY_CODE:
        violations.add(field, "AGENCY_CODE_TOO_LONG",
                       f"must be at most {MAX_AGENCY_CODE} characters, got {len(text)}")
    elif not AGENCY_CODE_PATTERN.match(text):
        violations.add(field, "AGENCY_CODE_FORMAT",
                       "must be groups of upper-case letters and digits separated by dots "
                       f"(e.g. 000.00.00.H26 or H26.01.05), got {value!r}")
    return text


@dataclass(frozen=True, kw_only=True)
class OfficialSubject:
    """The official a signing certificate names. Text is kept trimmed and in NFC; every
    broken rule is raised at once as :class:`~lienthong.errors.InvalidArgument`."""

    full_name: str
    position: str
    agency_code: str
    agency_name: str
    official_id: str
    province_name: str = ""

    def __post_init__(self) -> None:
        violations = Violations()
        fields = {
            "full_name": _text(violations, "full_name", self.full_name, MAX_COMMON_NAME),
            "position": _text(violations, "position", self.position, MAX_TITLE),
            "agency_code": check_agency_code(violations, self.agency_code),
            "agency_name": _text(violations, "agency_name", self.agency_name,
                                 MAX_ORGANIZATION_NAME),
            "province_name": _text(violations, "province_name", self.province_name,
                                   MAX_STATE_NAME, required=False),
            "official_id": self.official_id,
        }
        try:
            fields["official_id"] = str(uuid.UUID(str(self.official_id).strip()))
        except ValueError:
            violations.add("official_id", "UUID_FORMAT",
                           f"must be a UUID, got {self.official_id!r}")
        violations.raise_if_any()
        for field, value in fields.items():
            object.__setattr__(self, field, value)

    def _agency(self) -> list[x509.NameAttribute]:
        """Country, province, the agency's name and its organizationIdentifier."""
        attributes = [x509.NameAttribute(NameOID.COUNTRY_NAME, "VN")]
        if self.province_name:
            attributes.append(x509.NameAttribute(NameOID.STATE_OR_PROVINCE_NAME,
                                                 self.province_name))
        return [*attributes,
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, self.agency_name),
                x509.NameAttribute(NameOID.ORGANIZATION_IDENTIFIER,
                                   ORGANIZATION_IDENTIFIER_PREFIX + self.agency_code)]

    @property
    def name(self) -> x509.Name:
        return x509.Name([*self._agency(), x509.NameAttribute(NameOID.TITLE, self.position),
                          x509.NameAttribute(NameOID.COMMON_NAME, self.full_name)])

    @property
    def seal_name(self) -> x509.Name:
        """The agency alone, as its seal's certificate names it: no person, no title."""
        return x509.Name([*self._agency(),
                          x509.NameAttribute(NameOID.COMMON_NAME, self.agency_name)])

    @property
    def official_uri(self) -> str:
        return OFFICIAL_URI_PREFIX + self.official_id

    @property
    def agency_uri(self) -> str:
        return AGENCY_URI_PREFIX + self.agency_code


def _critical(value: x509.ExtensionType) -> x509.Extension[x509.ExtensionType]:
    return x509.Extension(value.oid, True, value)


def _plain(value: x509.ExtensionType) -> x509.Extension[x509.ExtensionType]:
    return x509.Extension(value.oid, False, value)


def _key_usage(*, digital_signature: bool = False, non_repudiation: bool = False,
               key_cert_sign: bool = False, crl_sign: bool = False) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=digital_signature, content_commitment=non_repudiation,
        key_encipherment=False, data_encipherment=False, key_agreement=False,
        key_cert_sign=key_cert_sign, crl_sign=crl_sign, encipher_only=False,
        decipher_only=False)


def official_profile(subject: OfficialSubject, *, validity: dt.timedelta = DEFAULT_VALIDITY,
                     policy: ObjectIdentifier = PLATFORM_POLICY_OID) -> Profile:
    """An official's signing certificate."""
    return Profile(subject.name, (
        _critical(x509.BasicConstraints(ca=False, path_length=None)),
        _critical(_key_usage(digital_signature=True, non_repudiation=True)),
        _plain(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION,
                                      DOCUMENT_SIGNING])),
        _plain(x509.SubjectAlternativeName([
            x509.UniformResourceIdentifier(subject.official_uri),
            x509.UniformResourceIdentifier(subject.agency_uri)])),
        _plain(x509.CertificatePolicies([x509.PolicyInformation(policy, None)])),
    ), validity)


def agency_seal_profile(subject: OfficialSubject, *,
                        validity: dt.timedelta = DEFAULT_VALIDITY) -> Profile:
    """An agency's seal: its own signing certificate (Decree 30/2020's signature of the
    agency on the documents it issues), naming the agency alone, under the agency seal
    policy; the official who holds it is recorded with the credential, not in it."""
    return Profile(subject.seal_name, (
        _critical(x509.BasicConstraints(ca=False, path_length=None)),
        _critical(_key_usage(digital_signature=True, non_repudiation=True)),
        _plain(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION,
                                      DOCUMENT_SIGNING])),
        _plain(x509.SubjectAlternativeName([
            x509.UniformResourceIdentifier(subject.agency_uri)])),
        _plain(x509.CertificatePolicies([x509.PolicyInformation(AGENCY_SEAL_POLICY_OID,
                                                                None)])),
    ), validity)


def ca_profile(name: x509.Name, *, path_length: int, validity: dt.timedelta) -> Profile:
    """A CA: ``path_length`` 1 for the root (one issuing CA below it), 0 for an issuing CA."""
    return Profile(name, (
        _critical(x509.BasicConstraints(ca=True, path_length=path_length)),
        _critical(_key_usage(key_cert_sign=True, crl_sign=True)),
    ), validity)


def ocsp_responder_profile(name: x509.Name, *,
                           validity: dt.timedelta = OCSP_RESPONDER_VALIDITY) -> Profile:
    """The certificate an OCSP responder signs its responses with, delegated by the CA
    whose certificates it answers for (RFC 6960, 4.2.2.2)."""
    return Profile(name, (
        _critical(x509.BasicConstraints(ca=False, path_length=None)),
        _critical(_key_usage(digital_signature=True)),
        _plain(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.OCSP_SIGNING])),
        _plain(x509.OCSPNoCheck()),
    ), validity)


def tsa_profile(name: x509.Name, *, validity: dt.timedelta = DEFAULT_VALIDITY) -> Profile:
    """A time-stamping authority's certificate: timeStamping is its one extended key
    usage, and critical (RFC 3161, 2.3)."""
    return Profile(name, (
        _critical(x509.BasicConstraints(ca=False, path_length=None)),
        _critical(_key_usage(digital_signature=True, non_repudiation=True)),
        _critical(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING])),
    ), validity)
