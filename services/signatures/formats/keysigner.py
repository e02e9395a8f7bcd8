"""A :class:`~lienthong.signing.KeySigner` as pyHanko's signer, and the certificates it signs with.

pyHanko builds every CMS structure (PAdES, CAdES) and asks its :class:`Signer` for
the raw signature of the signed attributes only (``async_sign_raw``):
:class:`KeySignerAdapter` answers that through the KeySigner, so the private key
stays where it is kept (a PKCS#11 token in production). The signing certificate
and its chain are the caller's; the adapter checks that the certificate carries the
KeySigner's public key before anything is signed.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from pyhanko.sign.signers.pdf_cms import Signer
from pyhanko_certvalidator.registry import SimpleCertificateStore

from lienthong.signing import SigningError

if TYPE_CHECKING:
    from collections.abc import Iterable

    from lienthong.signing import KeySigner

#: A certificate as ``cryptography`` or ``asn1crypto`` holds it.
Certificate = x509.Certificate | asn1_x509.Certificate


def as_asn1(certificate: Certificate) -> asn1_x509.Certificate:
    """The certificate as asn1crypto's (pyHanko's) type."""
    if isinstance(certificate, asn1_x509.Certificate):
        return certificate
    if isinstance(certificate, x509.Certificate):
        return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))
    msg = f"not a certificate: {type(certificate).__name__}"
    raise TypeError(msg)


def as_cryptography(certificate: Certificate) -> x509.Certificate:
    """The certificate as ``cryptography``'s type."""
    if isinstance(certificate, x509.Certificate):
        return certificate
    return x509.load_der_x509_certificate(as_asn1(certificate).dump())


def check_key_matches(signer: KeySigner, certificate: Certificate) -> None:
    """Refuse a certificate whose public key is not the KeySigner's."""
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    theirs = as_cryptography(certificate).public_key().public_bytes(
        serialization.Encoding.DER, spki)
    ours = signer.public_key().public_bytes(serialization.Encoding.DER, spki)
    if theirs != ours:
        msg = "the signing certificate does not certify the signing key"
        raise SigningError(msg)


def _signature_size(signer: KeySigner) -> int:
    """The largest signature the key makes (for pyHanko's size estimate of a dry run)."""
    key = signer.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        return (key.key_size + 7) // 8
    if isinstance(key, ec.EllipticCurvePublicKey):
        # Ecdsa-Sig-Value: SEQUENCE of two INTEGERs, each at most one byte longer than n.
        return 2 * ((key.key_size + 7) // 8 + 3) + 4
    return 64


class KeySignerAdapter(Signer):
    """pyHanko's :class:`Signer` whose raw signatures come from a KeySigner.

    RSA signs with PKCS#1 v1.5, ECDSA with its DER ``Ecdsa-Sig-Value``, Ed25519 raw,
    as KeySigner does; the signature mechanism follows from the certificate's key.
    ``chain`` (the issuing CAs, the root optional) goes into the CMS certificates.
    The KeySigner's blocking call runs in a worker thread, off the event loop.
    """

    def __init__(self, signer: KeySigner, certificate: Certificate,
                 chain: Iterable[Certificate] = ()) -> None:
        check_key_matches(signer, certificate)
        super().__init__(
            signing_cert=as_asn1(certificate),
            cert_registry=SimpleCertificateStore.from_certs([as_asn1(c) for c in chain]),
        )
        self._key = signer
        self._dry_run_size = _signature_size(signer)

    async def async_sign_raw(self, data: bytes, digest_algorithm: str,
                             dry_run: bool = False) -> bytes:
        if dry_run:
            return bytes(self._dry_run_size)
        return await asyncio.to_thread(self._key.sign, data, digest_algorithm.lower())
