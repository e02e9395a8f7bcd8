"""From ``cryptography``'s objects to ``asn1crypto``'s, and the times of X.509, CRLs, OCSP
and time-stamps.

``cryptography`` encodes names and extension values (it needs no private key for that);
``asn1crypto`` assembles the structures a :class:`~lienthong.signing.KeySigner` signs.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, TypeVar

from asn1crypto import core
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization

from lienthong.errors import InvalidArgument

if TYPE_CHECKING:
    from collections.abc import Iterable

    from cryptography import x509

E = TypeVar("E", bound=core.SequenceOf)

#: What ``asn1crypto`` raises on bytes that are not the structure they should be (among
#: them AttributeError: some universal types it reads, such as REAL, have no value).
PARSE_ERRORS = (ValueError, TypeError, KeyError, IndexError, OverflowError, AttributeError)

#: The first instant X.509 writes as GeneralizedTime instead of UTCTime (RFC 5280, 4.1.2.5).
GENERALIZED_TIME_FROM = dt.datetime(2050, 1, 1, tzinfo=dt.UTC)


def is_der(value: core.Asn1Value) -> bool:
    """Whether ``value`` was read from its DER encoding. ``asn1crypto`` reads BER and some
    broken encodings leniently, and a part of a request that is echoed must not pass a
    broken encoding on."""
    encoded = value.dump()
    return type(value).load(encoded).dump(force=True) == encoded


def utc(value: dt.datetime, field: str) -> dt.datetime:
    """An aware time in UTC, to the second; a naive time is refused (its zone is unknown)."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidArgument.single(field, "TIME_NAIVE",
                                     "must be a time with its zone (e.g. UTC), not a naive one")
    return value.astimezone(dt.UTC).replace(microsecond=0)


def x509_time(value: dt.datetime) -> asn1_x509.Time:
    """A certificate's or CRL's time: UTCTime before 2050, GeneralizedTime from then on."""
    if value >= GENERALIZED_TIME_FROM:
        return asn1_x509.Time(name="general_time", value=value)
    return asn1_x509.Time(name="utc_time", value=value)


def generalized_time(value: dt.datetime) -> core.GeneralizedTime:
    return core.GeneralizedTime(value)


def certificate(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def name(value: x509.Name) -> asn1_x509.Name:
    return asn1_x509.Name.load(value.public_bytes())


def subject_of(cert: x509.Certificate) -> asn1_x509.Name:
    """A certificate's subject exactly as it is encoded in the certificate."""
    return asn1_x509.Name.load(certificate(cert)["tbs_certificate"]["subject"].dump())


def extension(ext: x509.Extension[x509.ExtensionType]) -> dict[str, object]:
    """An extension as the value of any of ``asn1crypto``'s Extension classes (those of
    certificates, CRLs and their entries, OCSP), its value encoded by ``cryptography``."""
    return {"extn_id": ext.oid.dotted_string, "critical": ext.critical,
            "extn_value": core.ParsableOctetString(ext.value.public_bytes())}


def extensions(exts: Iterable[x509.Extension[x509.ExtensionType]], container: type[E]) -> E:
    """The extensions as ``container``, the list of extensions of the structure they go in
    (``asn1crypto.x509.Extensions`` in a certificate)."""
    return container([extension(ext) for ext in exts])


def serial_number(value: int, field: str, *, minimum: int = 1) -> int:
    """A serial or CRL number: an integer from ``minimum`` (positive by default) that fits
    in 20 octets (RFC 5280, 4.1.2.2 and 5.2.3)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise InvalidArgument.single(field, "SERIAL_OUT_OF_RANGE",
                                     f"must be an integer from {minimum}, got {value!r}")
    if value.bit_length() > 159:
        raise InvalidArgument.single(field, "SERIAL_TOO_LONG",
                                     "must fit in 20 octets (at most 159 bits)")
    return value
