"""The keys the PKI signs with and certifies: which algorithm each signs with, their public
halves in X.509's encoding, and the signature of a ``to be signed`` structure.

Every signature goes through a :class:`~lienthong.signing.KeySigner`, so the private key
may sit in a token: the PKI hands it the DER bytes to sign and checks the signature it
gets back against the signer's public key before anything carries it.

Keys are RSA (2048 bits or more, signing with sha256WithRSAEncryption) or ECDSA on P-256
or P-384 (ecdsa-with-SHA256 or ecdsa-with-SHA384, the hash matching the curve).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from asn1crypto import algos, core
from asn1crypto import keys as asn1_keys
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from lienthong.errors import InvalidArgument
from lienthong.signing import SigningError, hash_of

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes

    from lienthong.signing import KeySigner

#: The smallest RSA modulus the PKI signs with or certifies (bits).
MIN_RSA_BITS = 2048
#: The hash an ECDSA key signs with, by curve.
CURVE_HASHES = {"secp256r1": "sha256", "secp384r1": "sha384"}


def supported_key(public_key: PublicKeyTypes, field: str) -> None:
    """Refuse a key of a type, size or curve the PKI does not take (``field`` names it)."""
    if isinstance(public_key, rsa.RSAPublicKey):
        if public_key.key_size < MIN_RSA_BITS:
            raise InvalidArgument.single(
                field, "KEY_TOO_SMALL",
                f"an RSA key has at least {MIN_RSA_BITS} bits, got {public_key.key_size}")
        return
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        if public_key.curve.name not in CURVE_HASHES:
            raise InvalidArgument.single(
                field, "KEY_CURVE_UNSUPPORTED",
                f"an ECDSA key is on P-256 or P-384, got {public_key.curve.name}")
        return
    raise InvalidArgument.single(field, "KEY_TYPE_UNSUPPORTED",
                                 f"the key is RSA or ECDSA, got {type(public_key).__name__}")


def signature_hash(public_key: PublicKeyTypes) -> str:
    """The hash a key signs with: sha256 for RSA and P-256, sha384 for P-384."""
    if isinstance(public_key, rsa.RSAPublicKey):
        return "sha256"
    if isinstance(public_key, ec.EllipticCurvePublicKey) and public_key.curve.name in CURVE_HASHES:
        return CURVE_HASHES[public_key.curve.name]
    msg = f"the PKI signs with RSA or ECDSA P-256/P-384 keys, not {type(public_key).__name__}"
    raise SigningError(msg)


def signature_algorithm(public_key: PublicKeyTypes) -> algos.SignedDigestAlgorithm:
    """The AlgorithmIdentifier of the signatures a key makes (NULL parameters for RSA,
    none for ECDSA, as RFC 4055 and RFC 5758 have them)."""
    hash_name = signature_hash(public_key)
    if isinstance(public_key, rsa.RSAPublicKey):
        return algos.SignedDigestAlgorithm(
            {"algorithm": f"{hash_name}_rsa", "parameters": core.Null()})
    return algos.SignedDigestAlgorithm({"algorithm": f"{hash_name}_ecdsa"})


def sign(signer: KeySigner, tbs: bytes) -> tuple[algos.SignedDigestAlgorithm, bytes]:
    """Sign the DER of a to-be-signed structure; the signature is checked against the
    signer's public key (a token answering garbage raises :class:`SigningError`)."""
    public_key = signer.public_key()
    supported_key(public_key, "signer")
    hash_name = signature_hash(public_key)
    signature = signer.sign(tbs, hash_name)
    verify(public_key, signature, tbs, hash_name)
    return signature_algorithm(public_key), signature


def verify(public_key: PublicKeyTypes, signature: bytes, data: bytes, hash_name: str) -> None:
    """Raise :class:`SigningError` unless ``signature`` is the key's over ``data``."""
    try:
        if isinstance(public_key, rsa.RSAPublicKey):
            public_key.verify(signature, data, padding.PKCS1v15(), hash_of(hash_name))
        elif isinstance(public_key, ec.EllipticCurvePublicKey):
            public_key.verify(signature, data, ec.ECDSA(hash_of(hash_name)))
        else:
            msg = f"cannot check a signature of a {type(public_key).__name__}"
            raise SigningError(msg)
    except InvalidSignature:
        msg = "the signer returned a signature its own public key does not verify"
        raise SigningError(msg) from None


def public_key_info(public_key: PublicKeyTypes) -> asn1_keys.PublicKeyInfo:
    """The key as a SubjectPublicKeyInfo."""
    return asn1_keys.PublicKeyInfo.load(public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo))


def public_key_bits(public_key: PublicKeyTypes) -> bytes:
    """The subjectPublicKey BIT STRING's bytes: what key identifiers and OCSP hash."""
    return bytes(public_key_info(public_key)["public_key"])


def key_identifier(public_key: PublicKeyTypes) -> bytes:
    """The key's identifier: SHA-1 of its subjectPublicKey (RFC 5280, 4.2.1.2, method 1)."""
    return x509.SubjectKeyIdentifier.from_public_key(public_key).digest


def key_identifier_of(certificate: x509.Certificate) -> bytes:
    """The key identifier a certificate gives itself (its subjectKeyIdentifier), or the
    one :func:`key_identifier` computes when it gives none."""
    try:
        return certificate.extensions.get_extension_for_class(
            x509.SubjectKeyIdentifier).value.digest
    except x509.ExtensionNotFound:
        return key_identifier(certificate.public_key())


def same_key(first: PublicKeyTypes, second: PublicKeyTypes) -> bool:
    return public_key_info(first).dump() == public_key_info(second).dump()


def require_key_of(signer: KeySigner, certificate: x509.Certificate, field: str) -> None:
    """Refuse a signer whose key is not the one ``certificate`` certifies."""
    if not same_key(signer.public_key(), certificate.public_key()):
        raise InvalidArgument.single(
            field, "SIGNER_KEY_MISMATCH",
            "the signer does not hold the key of the certificate of "
            f"{certificate.subject.rfc4514_string()}")
