"""Keys made in a PKCS#11 token (SoftHSM2) sign there, found again by their label; their
signatures verify with the public key alone, and the private key never comes out."""

from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

import pkcs11
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, utils

import lienthong.pkcs11
from lienthong.pkcs11 import (
    KeyExists,
    KeyNotFound,
    Token,
    TokenConfig,
    TokenConfigError,
    TokenUnavailable,
    library,
    library_lock,
)
from lienthong.signing import HASHES, KeySigner, SigningError

if TYPE_CHECKING:
    from pathlib import Path

    from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes

DOCUMENT = "Quyết định số 1234/QĐ-UBND về việc cấp giấy phép".encode()


def verify(public_key: PublicKeyTypes, signature: bytes, data: bytes, hash_name: str) -> None:
    """``cryptography`` checks the signature (raises InvalidSignature when it is wrong)."""
    if isinstance(public_key, ed25519.Ed25519PublicKey):
        public_key.verify(signature, data)
    elif isinstance(public_key, ec.EllipticCurvePublicKey):
        public_key.verify(signature, data, ec.ECDSA(HASHES[hash_name]()))
    else:
        public_key.verify(signature, data, padding.PKCS1v15(), HASHES[hash_name]())


def verify_digest(public_key: PublicKeyTypes, signature: bytes, digest: bytes,
                  hash_name: str) -> None:
    prehashed = utils.Prehashed(HASHES[hash_name]())
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        public_key.verify(signature, digest, ec.ECDSA(prehashed))
    else:
        public_key.verify(signature, digest, padding.PKCS1v15(), prehashed)


def spki(public_key: PublicKeyTypes) -> bytes:
    return public_key.public_bytes(serialization.Encoding.DER,
                                   serialization.PublicFormat.SubjectPublicKeyInfo)


@pytest.mark.parametrize("key_type", ["rsa-2048", "rsa-3072", "ec-p256", "ed25519"])
def test_a_key_made_in_the_token_is_found_again_and_its_signatures_verify(
        softhsm_token: TokenConfig, key_type: str) -> None:
    with Token(softhsm_token) as token:
        made = token.generate_key_pair("ky-so-2026", key_type)
        made_public = spki(made.public_key())

    with Token(softhsm_token) as token:  # a new process would do just this
        signer = token.signer("ky-so-2026")
        assert isinstance(signer, KeySigner)
        assert spki(signer.public_key()) == made_public
        public = signer.public_key()
        if key_type == "ed25519":
            verify(public, signer.sign(DOCUMENT), DOCUMENT, "sha256")
            with pytest.raises(SigningError, match="ky-so-2026"):
                signer.sign_digest(hashlib.sha256(DOCUMENT).digest())
            return
        for hash_name in HASHES:
            verify(public, signer.sign(DOCUMENT, hash_name), DOCUMENT, hash_name)
            digest = hashlib.new(hash_name, DOCUMENT).digest()
            signature = signer.sign_digest(digest, hash_name)
            verify_digest(public, signature, digest, hash_name)
            verify(public, signature, DOCUMENT, hash_name)  # the data's signature, too


def test_a_label_in_use_is_refused_and_the_key_under_it_is_kept(
        softhsm_token: TokenConfig) -> None:
    with Token(softhsm_token) as token:
        first = token.generate_key_pair("con-dau-so", "ed25519")
        with pytest.raises(KeyExists, match="con-dau-so"):
            token.generate_key_pair("con-dau-so", "ec-p256")

        assert token.labels() == ["con-dau-so"]
        kept = token.signer("con-dau-so")
        assert spki(kept.public_key()) == spki(first.public_key())
        verify(kept.public_key(), kept.sign(DOCUMENT), DOCUMENT, "sha256")


def test_an_unknown_label_is_refused_naming_it_and_the_token(softhsm_token: TokenConfig) -> None:
    with Token(softhsm_token) as token:
        assert not token.has_key("khoa-khong-co")
        with pytest.raises(KeyNotFound, match="khoa-khong-co") as refused:
            token.signer("khoa-khong-co")
    assert softhsm_token.token in str(refused.value)


@pytest.mark.parametrize(("key_type", "secret"), [
    ("ec-p256", pkcs11.Attribute.VALUE),
    ("rsa-2048", pkcs11.Attribute.PRIVATE_EXPONENT),
], ids=["ec-p256", "rsa-2048"])
def test_the_private_key_cannot_be_extracted(softhsm_token: TokenConfig, key_type: str,
                                             secret: pkcs11.Attribute) -> None:
    with Token(softhsm_token) as token:
        token.generate_key_pair("khoa-ky", key_type)
        # Another reader in the process (logged in, as the process is while a Token is open),
        # taking its turn in the library as every caller does.
        with library_lock(softhsm_token.module):
            reader = library(softhsm_token.module).get_token(token_label=softhsm_token.token)
            with reader.open(rw=True) as session:
                key = session.get_key(pkcs11.ObjectClass.PRIVATE_KEY, label="khoa-ky")
                assert key[pkcs11.Attribute.EXTRACTABLE] is False
                assert key[pkcs11.Attribute.NEVER_EXTRACTABLE] is True
                assert key[pkcs11.Attribute.SENSITIVE] is True
                assert key[pkcs11.Attribute.DECRYPT] is False
                with pytest.raises(pkcs11.exceptions.AttributeSensitive):
                    key[secret]
                with pytest.raises(pkcs11.exceptions.AttributeReadOnly):
                    key[pkcs11.Attribute.EXTRACTABLE] = True


def test_many_threads_sign_at_once_and_every_signature_verifies(
        softhsm_token: TokenConfig) -> None:
    with Token(softhsm_token, sessions=4) as token:
        signers = [token.generate_key_pair("ed", "ed25519"),
                   token.generate_key_pair("ec", "ec-p256")]
        documents = [f"hồ sơ {i}".encode() for i in range(200)]

        def sign(i: int) -> tuple[int, bytes]:
            return i, signers[i % 2].sign(documents[i])

        with ThreadPoolExecutor(max_workers=16) as pool:
            signed = list(pool.map(sign, range(len(documents))))

    assert len(signed) == len(documents)
    for i, signature in signed:
        verify(signers[i % 2].public_key(), signature, documents[i], "sha256")


def test_a_destroyed_key_signs_no_more(softhsm_token: TokenConfig) -> None:
    with Token(softhsm_token) as token:
        revoked = token.generate_key_pair("thu-hoi", "ec-p256")
        kept = token.generate_key_pair("con-hieu-luc", "ed25519")
        revoked.sign(DOCUMENT)

        assert token.destroy_key("thu-hoi") == 2  # its private and public keys
        assert token.labels() == ["con-hieu-luc"]
        assert not token.has_key("thu-hoi")
        with pytest.raises(SigningError, match="thu-hoi"):
            revoked.sign(DOCUMENT)
        with pytest.raises(KeyNotFound, match="thu-hoi"):
            token.destroy_key("thu-hoi")
        verify(kept.public_key(), kept.sign(DOCUMENT), DOCUMENT, "sha256")


def test_a_signature_longer_than_the_first_buffer_comes_back_whole(
        softhsm_token: TokenConfig, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lienthong.pkcs11, "SIGNATURE_BUFFER_BYTES", 16)
    with Token(softhsm_token) as token:
        signer = token.generate_key_pair("dai", "rsa-3072")
        digest = hashlib.sha256(DOCUMENT).digest()
        signature = signer.sign_digest(digest)

    assert len(signature) == 384
    verify_digest(signer.public_key(), signature, digest, "sha256")


def test_a_signature_the_token_refuses_leaves_the_session_ready_for_the_next(
        softhsm_token: TokenConfig) -> None:
    with Token(softhsm_token, sessions=1) as token:
        signer = token.generate_key_pair("khoa", "rsa-2048")
        # CKM_RSA_PKCS signs at most the modulus less 11 bytes: the token refuses more.
        with pytest.raises(SigningError, match="C_Sign returned"):
            token._sign("khoa", signer.key_id, bytes(300), pkcs11.Mechanism.RSA_PKCS)
        with pytest.raises(SigningError, match="signing with the key 'khoa'"):
            token._sign("khoa", signer.key_id, bytes(32), pkcs11.Mechanism.ECDSA)

        verify(signer.public_key(), signer.sign(DOCUMENT), DOCUMENT, "sha256")


def test_a_wrong_pin_or_an_unknown_token_is_refused(softhsm_token: TokenConfig) -> None:
    wrong_pin = TokenConfig(softhsm_token.module, softhsm_token.token, "00000000")
    with pytest.raises(TokenUnavailable, match="refused the PIN"):
        Token(wrong_pin)
    elsewhere = TokenConfig(softhsm_token.module, "khong-co-token", softhsm_token.pin)
    with pytest.raises(TokenUnavailable, match="khong-co-token"):
        Token(elsewhere)
    assert "00000000" not in repr(wrong_pin)


def test_the_token_is_configured_from_the_environment(tmp_path: Path) -> None:
    module = tmp_path / "libvendor-pkcs11.so"
    module.write_bytes(b"")
    (tmp_path / "pin").write_text("12345678\n")
    env = {"LIENTHONG_PKCS11_MODULE": str(module), "LIENTHONG_PKCS11_TOKEN": "lienthong",
           "LIENTHONG_PKCS11_PIN_FILE": str(tmp_path / "pin")}

    assert TokenConfig.from_env(environ=env) == TokenConfig(str(module), "lienthong",
                                                            "12345678")
    development = {**env, "LIENTHONG_PKCS11_PIN": "1111"}
    del development["LIENTHONG_PKCS11_PIN_FILE"]
    assert TokenConfig.from_env(environ=development).pin == "1111"

    for missing in ("LIENTHONG_PKCS11_MODULE", "LIENTHONG_PKCS11_TOKEN",
                    "LIENTHONG_PKCS11_PIN_FILE"):
        with pytest.raises(TokenConfigError, match=missing):
            TokenConfig.from_env(environ={k: v for k, v in env.items() if k != missing})
    with pytest.raises(TokenConfigError, match="set one"):
        TokenConfig.from_env(environ={**env, "LIENTHONG_PKCS11_PIN": "1111"})
    with pytest.raises(TokenConfigError, match="HSM_PIN_FILE"):
        TokenConfig.from_env("HSM", environ={"HSM_MODULE": str(module), "HSM_TOKEN": "t",
                                             "HSM_PIN_FILE": str(tmp_path / "absent")})
