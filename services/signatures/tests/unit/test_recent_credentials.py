"""The credentials a process saved last: working copies a command may change without
changing what is kept, as many as the bound allows, and a signing checked on them
without reading the store."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid

import pytest

from lienthong.services.signatures.application import SignaturesApplication
from lienthong.services.signatures.domain import otp
from lienthong.services.signatures.domain.credential import Credential
from lienthong.services.signatures.domain.units import KnownUnit
from lienthong.services.signatures.keystore import MemoryKeyStore
from lienthong.services.signatures.recent import RecentCredentials

NOW = dt.datetime(2026, 12, 7, 2, 0, tzinfo=dt.UTC)
HASH = "ab" * 32


def credential() -> Credential:
    made = Credential(id=uuid.uuid4(), official_id="cb-001", full_name="Lê Văn Cường",
                      position="Chủ tịch", unit_id=uuid.uuid4(), agency_code="H26.01.05",
                      agency_name="Ủy ban nhân dân xã Tân Phú", key_label="k-1",
                      key_algorithm="ec-p256", serial_number="1", certificate_pem="",
                      not_before=NOW, not_after=NOW + dt.timedelta(days=730))
    made.enroll_authenticator({"sealed": "secret"})
    made.confirm_authenticator(10)
    made.authorize("a-1", "cb-001", "d" * 64, "sha256", [HASH], "", "",
                   NOW + dt.timedelta(minutes=5), 11)
    made.collect_events()
    return made


def test_a_working_copy_changed_by_the_ceremony_leaves_its_original_as_it_was() -> None:
    original = credential()

    copy = original.working_copy()
    copy.authorize("a-2", "cb-001", "e" * 64, "sha256", [HASH], "", "",
                   NOW + dt.timedelta(minutes=6), 12)
    copy.record_signing("a-1", "cb-001", "sha256", [HASH], "")
    copy.revoke("1", "key_compromise", NOW, None)

    assert list(original.authorizations) == ["a-1"]
    assert original.last_code_step == 11
    assert original.revoked_at is None
    assert original.version == 4
    assert original.collect_events() == []
    assert [type(e).__qualname__ for e in copy.collect_events()] == [
        "Credential.SignatureAuthorized", "Credential.HashesSigned", "Credential.Revoked"]
    assert copy.version == 7


def test_the_least_recently_used_credential_goes_first_beyond_the_bound() -> None:
    recent = RecentCredentials(size=2)
    first, second, third = credential(), credential(), credential()
    recent.remember(first)
    recent.remember(second)
    assert recent.working_copy(first.id) is not None  # used: the second is now the oldest

    recent.remember(third)

    assert len(recent) == 2
    assert recent.working_copy(second.id) is None
    assert recent.working_copy(first.id) is not None
    recent.forget(first.id)
    assert recent.working_copy(first.id) is None
    with pytest.raises(ValueError, match="at least one"):
        RecentCredentials(size=0)


def test_a_signing_is_checked_without_reading_the_store_only_when_the_copy_allows_it() -> None:
    clock = lambda: NOW  # noqa: E731
    app = SignaturesApplication(key_store=MemoryKeyStore(), clock=clock,
                                authority_key_type="ec-p256")
    commune = KnownUnit(id=uuid.uuid4(), display_name="Ủy ban nhân dân xã Tân Phú",
                        level="commune", agency_code="H26.01.05", province_id=None)
    app.save(commune)
    credential_id = app.issue_credential(
        "", official_id=str(uuid.uuid4()), full_name="Phạm Thị Dung", position="Chủ tịch",
        unit_id=str(commune.id), key_algorithm="ec-p256")["credential_id"]
    _, secret = app.enroll_authenticator(credential_id)
    step = otp.step_of(NOW)
    app.confirm_authenticator(credential_id, otp.code_at_step(secret, step - 1))
    digest = hashlib.sha256(b"quyet dinh").digest()
    sad = app.authorize(credential_id, otp.code_at_step(secret, step), [digest], "sha256").sad

    pending = app.prepare_signing_unread(credential_id, sad, [digest], "sha256")
    assert pending is not None and pending.credential.version == 4
    other = hashlib.sha256(b"another").digest()
    assert app.prepare_signing_unread(credential_id, sad, [other], "sha256") is None
    app.recent.forget(uuid.UUID(credential_id))
    assert app.prepare_signing_unread(credential_id, sad, [digest], "sha256") is None
