"""A private key that signs without showing itself: the one interface of every signing key.

A :class:`KeySigner` is a key held somewhere (a PKCS#11 token, :mod:`lienthong.pkcs11`;
or, for unit tests and tools, a key in memory, :class:`SoftwareSigner`) that signs
data or a digest already computed and tells its public key. Signatures are those of
X.509 and CMS: RSA PKCS#1 v1.5, ECDSA as a DER ``Ecdsa-Sig-Value``, Ed25519 raw.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa, utils

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.types import (
        PrivateKeyTypes,
        PublicKeyTypes,
    )

#: Hash algorithms a signer accepts, by the names X.509 and CMS tools use.
HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "sha256": hashes.SHA256, "sha384": hashes.SHA384, "sha512": hashes.SHA512}


class SigningError(RuntimeError):
    """The key could not sign (its store refused, or it cannot sign this way)."""


@runtime_checkable
class KeySigner(Protocol):
    """A private key that signs; its secret never leaves where it is kept."""

    @property
    def key_algorithm(self) -> str:
        """``rsa``, ``ecdsa`` or ``ed25519``."""
        ...

    def public_key(self) -> PublicKeyTypes:
        """The public half (a ``cryptography`` public key)."""
        ...

    def sign(self, data: bytes, hash_algorithm: str = "sha256") -> bytes:
        """The signature of ``data`` hashed with ``hash_algorithm`` (ignored by Ed25519)."""
        ...

    def sign_digest(self, digest: bytes, hash_algorithm: str = "sha256") -> bytes:
        """The signature of a digest computed elsewhere (not for Ed25519)."""
        ...


def key_algorithm_of(public_key: PublicKeyTypes) -> str:
    if isinstance(public_key, rsa.RSAPublicKey):
        return "rsa"
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        return "ecdsa"
    if isinstance(public_key, ed25519.Ed25519PublicKey):
        return "ed25519"
    msg = f"unsupported key type {type(public_key).__name__}"
    raise SigningError(msg)


def hash_of(name: str) -> hashes.HashAlgorithm:
    try:
        return HASHES[name]()
    except KeyError:
        msg = f"unsupported hash algorithm {name!r} (one of {', '.join(HASHES)})"
        raise SigningError(msg) from None


def check_digest(digest: bytes, hash_algorithm: str) -> None:
    expected = hashlib.new(hash_algorithm).digest_size if hash_algorithm in HASHES else None
    if expected is None:
        hash_of(hash_algorithm)
    if len(digest) != expected:
        msg = f"a {hash_algorithm} digest is {expected} bytes, not {len(digest)}"
        raise SigningError(msg)


class SoftwareSigner:
    """A :class:`KeySigner` over a key in memory (unit tests, local tools)."""

    def __init__(self, private_key: PrivateKeyTypes) -> None:
        self._key = private_key
        self.key_algorithm = key_algorithm_of(private_key.public_key())

    def public_key(self) -> PublicKeyTypes:
        return self._key.public_key()

    def sign(self, data: bytes, hash_algorithm: str = "sha256") -> bytes:
        if self.key_algorithm == "ed25519":
            return self._key.sign(data)  # type: ignore[call-arg]
        return self._sign(data, hash_of(hash_algorithm))

    def sign_digest(self, digest: bytes, hash_algorithm: str = "sha256") -> bytes:
        if self.key_algorithm == "ed25519":
            msg = "an Ed25519 key signs data, not a digest"
            raise SigningError(msg)
        check_digest(digest, hash_algorithm)
        return self._sign(digest, utils.Prehashed(hash_of(hash_algorithm)))

    def _sign(self, payload: bytes, algorithm: hashes.HashAlgorithm | utils.Prehashed) -> bytes:
        if self.key_algorithm == "rsa":
            return self._key.sign(payload, padding.PKCS1v15(), algorithm)  # type: ignore[call-arg]
        return self._key.sign(payload, ec.ECDSA(algorithm))  # type: ignore[call-arg]
