"""A key in memory signs as a key in a token does: X.509's and CMS's signatures."""

from __future__ import annotations

import hashlib

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa, utils

from lienthong.signing import KeySigner, SigningError, SoftwareSigner

KEYS = {
    "rsa": lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048),
    "ecdsa": lambda: ec.generate_private_key(ec.SECP256R1()),
}


def verify(signer: SoftwareSigner, signature: bytes, payload: bytes, prehashed: bool) -> None:
    algorithm = utils.Prehashed(hashes.SHA256()) if prehashed else hashes.SHA256()
    public = signer.public_key()
    if signer.key_algorithm == "rsa":
        public.verify(signature, payload, padding.PKCS1v15(), algorithm)
    else:
        public.verify(signature, payload, ec.ECDSA(algorithm))


@pytest.mark.parametrize("kind", KEYS)
def test_data_and_a_digest_computed_elsewhere_sign_alike(kind: str) -> None:
    signer = SoftwareSigner(KEYS[kind]())
    assert isinstance(signer, KeySigner) and signer.key_algorithm == kind

    verify(signer, signer.sign(b"quyet dinh"), b"quyet dinh", prehashed=False)
    digest = hashlib.sha256(b"quyet dinh").digest()
    verify(signer, signer.sign_digest(digest), digest, prehashed=True)


def test_a_digest_of_the_wrong_length_or_hash_is_refused() -> None:
    signer = SoftwareSigner(KEYS["ecdsa"]())
    with pytest.raises(SigningError, match="sha256 digest is 32 bytes, not 20"):
        signer.sign_digest(b"\0" * 20)
    with pytest.raises(SigningError, match="unsupported hash algorithm 'md5'"):
        signer.sign_digest(b"\0" * 16, "md5")


def test_an_ed25519_key_signs_data_only() -> None:
    signer = SoftwareSigner(ed25519.Ed25519PrivateKey.generate())
    signer.public_key().verify(signer.sign(b"checkpoint"), b"checkpoint")
    with pytest.raises(SigningError, match="signs data, not a digest"):
        signer.sign_digest(hashlib.sha256(b"checkpoint").digest())
