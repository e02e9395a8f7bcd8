"""Two replicas of the signatures service on one PostgreSQL database. Each keeps the
credentials it saved last and checks a signing on that copy; what the other replica
did since never makes it refuse what the stored credential allows, nor allow what the
stored credential refuses."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import uuid
from typing import TYPE_CHECKING

import pytest

from lienthong.errors import FailedPrecondition, PermissionDenied
from lienthong.personal import write_master_key_file
from lienthong.services.signatures.application import SignaturesApplication
from lienthong.services.signatures.domain import otp
from lienthong.services.signatures.domain.units import KnownUnit
from lienthong.services.signatures.keystore import MemoryKeyStore

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

pytestmark = pytest.mark.postgres


class Clock:
    """Both replicas' clock: a step of one-time codes further at each reading, so every
    code an official types is a new one."""

    def __init__(self) -> None:
        self.now = dt.datetime.now(dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def next_code_step(self) -> None:
        self.now += dt.timedelta(seconds=otp.STEP_S)


class Official:
    """One credential, its authenticator's secret, and the shared clock."""

    def __init__(self, replica: SignaturesApplication, clock: Clock, unit_id: uuid.UUID) -> None:
        self.clock = clock
        self.credential_id = replica.issue_credential(
            "", official_id=str(uuid.uuid4()), full_name="Trần Thị Bình",
            position="Phó Chủ tịch", unit_id=str(unit_id),
            key_algorithm="ec-p256")["credential_id"]
        _, self.secret = replica.enroll_authenticator(self.credential_id)
        replica.confirm_authenticator(self.credential_id, self.code())

    def code(self) -> str:
        self.clock.next_code_step()
        return otp.code_at_step(self.secret, otp.step_of(self.clock()))

    def authorize(self, replica: SignaturesApplication, digest: bytes) -> str:
        return replica.authorize(self.credential_id, self.code(), [digest], "sha256").sad


@pytest.fixture
def replicas(postgres_dsn: str, tmp_path: Path) -> Iterator[tuple[SignaturesApplication, ...]]:
    master_key = write_master_key_file(tmp_path / "pii-master.key")
    keys = MemoryKeyStore()  # one token, as both replicas' HSM
    clock = Clock()
    first = SignaturesApplication(postgres_dsn, key_store=keys, clock=clock,
                                  authority_key_type="ec-p256",
                                  pii_master_key_file=master_key)
    second = SignaturesApplication(postgres_dsn, key_store=keys, clock=clock,
                                   authority_key_type="ec-p256",
                                   pii_master_key_file=master_key)
    try:
        yield first, second
    finally:
        first.close()
        second.close()


@pytest.fixture
def official(replicas: tuple[SignaturesApplication, ...]) -> Official:
    first, _ = replicas
    commune = KnownUnit(id=uuid.uuid4(), display_name="Ủy ban nhân dân xã Hòa Bình",
                        level="commune", agency_code="H40.12.03", province_id=None)
    first.save(commune)
    return Official(first, first.clock, commune.id)  # type: ignore[arg-type]


def signings(replica: SignaturesApplication, credential_id: str) -> list[str]:
    """The authorizations spent, as the credential's history records them."""
    return [event.authorization_id for event in replica.events.get(uuid.UUID(credential_id))
            if type(event).__qualname__ == "Credential.HashesSigned"]


def digest_of(text: str) -> bytes:
    return hashlib.sha256(text.encode()).digest()


def test_a_sad_the_other_replica_issued_signs_here(replicas, official) -> None:
    first, second = replicas
    earlier = digest_of("giấy mời họp")
    second.sign_hash(official.credential_id, official.authorize(second, earlier), [earlier],
                     "sha256")
    # The second replica now keeps the credential as it saved it; the first moves it on.
    digest = digest_of("quyết định 15/QĐ-UBND")
    sad = official.authorize(first, digest)

    [signature], _ = asyncio.run(
        second.sign_hash_async(official.credential_id, sad, [digest], "sha256"))

    assert signature
    assert len(signings(first, official.credential_id)) == 2


def test_a_sad_spent_on_the_other_replica_is_refused_here(replicas, official) -> None:
    first, second = replicas
    digest = digest_of("tờ trình 7/TTr-UBND")
    sad = official.authorize(second, digest)  # the second keeps it unspent
    first.sign_hash(official.credential_id, sad, [digest], "sha256")

    with pytest.raises(PermissionDenied, match="sad: not an unused signature activation"):
        asyncio.run(second.sign_hash_async(official.credential_id, sad, [digest], "sha256"))
    with pytest.raises(PermissionDenied, match="sad"):
        second.sign_hash(official.credential_id, sad, [digest], "sha256")
    assert len(signings(second, official.credential_id)) == 1


def test_a_credential_revoked_on_the_other_replica_signs_nothing_here(
        replicas, official) -> None:
    first, second = replicas
    digest = digest_of("công văn 210/UBND-VP")
    sad = official.authorize(second, digest)  # the second keeps it active
    first.revoke_credential("", official.credential_id, "key_compromise")

    with pytest.raises(FailedPrecondition, match="was revoked"):
        asyncio.run(second.sign_hash_async(official.credential_id, sad, [digest], "sha256"))
    assert signings(first, official.credential_id) == []


def test_a_code_spent_on_the_other_replica_is_refused_here(replicas, official) -> None:
    first, second = replicas
    digest = digest_of("báo cáo")
    official.authorize(second, digest)  # the second keeps the credential at this step
    code = official.code()
    first.authorize(official.credential_id, code, [digest], "sha256")

    with pytest.raises(PermissionDenied, match="already used"):
        second.authorize(official.credential_id, code, [digest], "sha256")
