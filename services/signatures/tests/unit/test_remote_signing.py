"""An official signs remotely: a credential, an authenticator, a one-time code, a signature
activation bound to the hashes, a signature; and everything a rogue caller might try."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import uuid

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, utils
from cryptography.x509.oid import NameOID
from eventsourcing.persistence import IntegrityError

from lienthong.errors import Conflict, FailedPrecondition, InvalidArgument, PermissionDenied
from lienthong.services.signatures.application import ATTEMPTS, SignaturesApplication
from lienthong.services.signatures.domain import otp
from lienthong.services.signatures.domain.units import KnownUnit
from lienthong.services.signatures.keystore import MemoryKeyStore

NOW = dt.datetime(2026, 12, 7, 2, 0, tzinfo=dt.UTC)


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> dt.datetime:
        return self.now

    def tick(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app(clock: Clock) -> SignaturesApplication:
    # Authorities with P-256 keys: quick to make in memory.
    application = SignaturesApplication(key_store=MemoryKeyStore(), clock=clock,
                                        base_url="http://signatures.test",
                                        authority_key_type="ec-p256")
    commune = KnownUnit(id=uuid.uuid4(), display_name="Ủy ban nhân dân xã Tân Phú",
                        level="commune", agency_code="H26.01.05", province_id=None)
    application.save(commune)
    application.commune_id = commune.id  # type: ignore[attr-defined]
    return application


def issue(app: SignaturesApplication, key_algorithm: str = "ec-p256") -> str:
    return app.issue_credential("", official_id=str(uuid.uuid4()), full_name="Nguyễn Văn An",
                                position="Chủ tịch", unit_id=str(app.commune_id),
                                key_algorithm=key_algorithm)["credential_id"]


def enrolled(app: SignaturesApplication, clock: Clock, credential_id: str) -> str:
    """The authenticator's secret, once confirmed with a first code."""
    uri, secret = app.enroll_authenticator(credential_id)
    assert uri.startswith("otpauth://totp/") and f"secret={secret}" in uri
    app.confirm_authenticator(credential_id, code_now(secret, clock))
    clock.tick(otp.STEP_S)
    return secret


def code_now(secret: str, clock: Clock) -> str:
    return otp.code_at_step(secret, otp.step_of(clock()))


def test_an_official_signs_a_hash_with_a_code_from_the_phone(app, clock) -> None:
    credential_id = issue(app)
    secret = enrolled(app, clock, credential_id)
    digest = hashlib.sha256(b"Quyet dinh so 12/QD-UBND").digest()

    activation = app.authorize(credential_id, code_now(secret, clock), [digest], "sha256",
                               on_behalf_of="document 12/QĐ-UBND")
    [signature], algorithm = app.sign_hash(credential_id, activation.sad, [digest], "sha256")

    credential = app.credential(credential_id)
    certificate = x509.load_pem_x509_certificate(credential.certificate_pem.encode())
    certificate.public_key().verify(signature, digest, ec.ECDSA(utils.Prehashed(hashes.SHA256())))
    assert algorithm == "1.2.840.10045.4.3.2"
    subject = certificate.subject
    assert subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "Nguyễn Văn An"
    assert subject.get_attributes_for_oid(NameOID.ORGANIZATION_IDENTIFIER)[0].value \
        == "GOVVN-H26.01.05"
    # The chain: the issuing CA signed it, the root signed the issuing CA.
    authority = app.authority()
    certificate.verify_directly_issued_by(authority.issuing)
    authority.issuing.verify_directly_issued_by(authority.root)
    # Who authorized what, and what was signed, is in the credential's history.
    names = [type(e).__qualname__ for e in app.events.get(uuid.UUID(credential_id))]
    assert names[-2:] == ["Credential.SignatureAuthorized", "Credential.HashesSigned"]


def test_rsa_signatures_verify_as_pkcs1(app, clock) -> None:
    credential_id = issue(app, "rsa-2048")
    secret = enrolled(app, clock, credential_id)
    digest = hashlib.sha256(b"bien ban").digest()
    activation = app.authorize(credential_id, code_now(secret, clock), [digest], "sha256")

    [signature], algorithm = app.sign_hash(credential_id, activation.sad, [digest], "sha256")

    certificate = x509.load_pem_x509_certificate(
        app.credential(credential_id).certificate_pem.encode())
    certificate.public_key().verify(signature, digest, padding.PKCS1v15(),
                                    utils.Prehashed(hashes.SHA256()))
    assert algorithm == "1.2.840.113549.1.1.11"


def test_a_wrong_or_reused_code_is_refused(app, clock) -> None:
    credential_id = issue(app)
    secret = enrolled(app, clock, credential_id)
    digest = hashlib.sha256(b"x").digest()
    code = code_now(secret, clock)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"

    with pytest.raises(PermissionDenied, match="not the code the authenticator shows"):
        app.authorize(credential_id, wrong, [digest], "sha256")
    app.authorize(credential_id, code, [digest], "sha256")
    with pytest.raises(PermissionDenied, match="already used"):
        app.authorize(credential_id, code, [digest], "sha256")
    # A code of an earlier step than the one last used is refused too.
    earlier = otp.code_at_step(secret, otp.step_of(clock()) - 1)
    with pytest.raises(PermissionDenied, match="already used"):
        app.authorize(credential_id, earlier, [digest], "sha256")


def test_a_signature_activation_signs_its_own_hashes_once_and_only_in_time(app, clock) -> None:
    credential_id = issue(app)
    secret = enrolled(app, clock, credential_id)
    authorized = hashlib.sha256(b"authorized").digest()
    other = hashlib.sha256(b"other").digest()
    activation = app.authorize(credential_id, code_now(secret, clock), [authorized], "sha256")

    with pytest.raises(PermissionDenied, match="other hashes"):
        app.sign_hash(credential_id, activation.sad, [other], "sha256")
    with pytest.raises(PermissionDenied, match="authorized for sha256, not sha384"):
        app.sign_hash(credential_id, activation.sad, [hashlib.sha384(b"x").digest()], "sha384")
    app.sign_hash(credential_id, activation.sad, [authorized], "sha256")
    with pytest.raises(PermissionDenied, match="not an unused signature activation"):
        app.sign_hash(credential_id, activation.sad, [authorized], "sha256")

    clock.tick(otp.STEP_S)
    late = app.authorize(credential_id, code_now(secret, clock), [authorized], "sha256")
    clock.tick(5 * 60)
    with pytest.raises(PermissionDenied, match="expired"):
        app.sign_hash(credential_id, late.sad, [authorized], "sha256")
    # Another credential's SAD, and bytes that are no SAD at all.
    with pytest.raises(PermissionDenied, match="not a signature activation issued here"):
        app.sign_hash(credential_id, "not-a-sad", [authorized], "sha256")


def test_no_authorization_without_a_confirmed_authenticator(app, clock) -> None:
    credential_id = issue(app)
    with pytest.raises(FailedPrecondition, match="not confirmed"):
        app.authorize(credential_id, "123456", [hashlib.sha256(b"x").digest()], "sha256")


def test_bad_hashes_are_named(app, clock) -> None:
    credential_id = issue(app)
    secret = enrolled(app, clock, credential_id)
    with pytest.raises(InvalidArgument) as refused:
        app.authorize(credential_id, code_now(secret, clock), [b"short"], "sha256")
    assert "hashes[0]" in str(refused.value.violations)
    with pytest.raises(InvalidArgument, match="1 to 100"):
        app.authorize(credential_id, code_now(secret, clock), [], "sha256")
    with pytest.raises(InvalidArgument, match="hash_algorithm"):
        app.authorize(credential_id, code_now(secret, clock), [b"x" * 16], "md5")


def test_a_revoked_credential_signs_nothing_more(app, clock) -> None:
    credential_id = issue(app)
    secret = enrolled(app, clock, credential_id)
    digest = hashlib.sha256(b"x").digest()
    activation = app.authorize(credential_id, code_now(secret, clock), [digest], "sha256")

    app.revoke_credential("", credential_id, "key_compromise")

    with pytest.raises(FailedPrecondition, match="revoked"):
        app.sign_hash(credential_id, activation.sad, [digest], "sha256")
    serial = int(app.credential(credential_id).serial_number, 16)
    revocation = app.revocation_of(serial)
    # Dated to the whole second after (CRLs and OCSP say seconds, never earlier than it was).
    assert revocation.reason == "key_compromise" and revocation.revoked_at == clock()
    clock.tick(0.25)
    other = issue(app)
    app.revoke_credential("", other, "superseded")
    later = app.revocation_of(int(app.credential(other).serial_number, 16)).revoked_at
    assert later == clock().replace(microsecond=0) + dt.timedelta(seconds=1)
    assert app.revocation_of(12345) is False


def test_a_credential_saved_by_others_at_every_attempt_gives_no_signature(
        app, clock, monkeypatch) -> None:
    credential_id = issue(app)
    secret = enrolled(app, clock, credential_id)
    digest = hashlib.sha256(b"to trinh").digest()
    activation = app.authorize(credential_id, code_now(secret, clock), [digest], "sha256")
    attempts = []

    def lost_the_race(pending) -> None:
        attempts.append(pending.authorization_id)
        raise IntegrityError("another command saved this version first")

    monkeypatch.setattr(app, "record_signing", lost_the_race)

    with pytest.raises(Conflict, match="many requests at once"):
        asyncio.run(app.sign_hash_async(credential_id, activation.sad, [digest], "sha256"))
    assert attempts == [activation.authorization_id] * ATTEMPTS
    monkeypatch.undo()
    # Nothing was spent: the activation still signs, once, through the same pipeline.
    [signature], _ = asyncio.run(
        app.sign_hash_async(credential_id, activation.sad, [digest], "sha256"))
    assert signature
    with pytest.raises(PermissionDenied):
        asyncio.run(app.sign_hash_async(credential_id, activation.sad, [digest], "sha256"))
