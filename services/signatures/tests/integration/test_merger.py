"""Identity reorganises communes; signatures hears of it through NATS only.

Identity runs with its outbox relay publishing to a real nats-server; signatures (its
own event store, its keys in a real SoftHSM2 token, its gRPC face on a real socket)
runs its identity consumer (``services/signatures/consumers.py``). Credentials are
issued to officials of a commune and a signature is made; then identity merges the
commune into its neighbour, or divides one. Every credential of the retired commune
is revoked (affiliationChanged) after the signatures made before, listed for re-issue
under the successor, and a consumer that re-reads the whole stream changes nothing.
Every wait is bounded.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hashlib
import threading
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import grpc
import pytest
import structlog
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509 import ocsp
from cryptography.x509.oid import NameOID
from eventsourcing.utils import get_topic
from world import Phone, Served, certificate_of, refused, signatures_app, verify

from lienthong.events.relay import OutboxRelay
from lienthong.grpc.errors import error_details
from lienthong.services.identity.application import (
    DivisionTarget,
    IdentityApplication,
    NewUnitSpec,
)
from lienthong.services.identity.events import CONTRACT
from lienthong.services.signatures.application import whole_second_after
from lienthong.services.signatures.consumers import (
    DURABLE,
    IDENTITY_STREAM,
    IdentityConsumer,
    handlers,
)
from lienthong.services.signatures.domain.credential import Credential
from lienthong.services.signatures.domain.units import KnownUnit
from lienthong.services.signatures.http import HttpFace
from lienthong.services.signatures.keystore import TokenKeyStore
from lienthong.signatures.v1 import signatures_pb2 as pb
from lienthong.signatures.v1 import signing_pb2 as signing_pb
from lienthong.vietnam import VIETNAM_TIME

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable
    from pathlib import Path

    from lienthong.pkcs11 import TokenConfig
    from lienthong.services.signatures.application import SignaturesApplication
    from lienthong.signing import KeySigner
    from lienthong.testing.nats import NatsServer

WAIT_S = 15.0
STEP = dt.timedelta(seconds=30)  # the authenticator shows a new code each step
PROVINCE_CODE = "000.00.00.H49"
#: The resolution takes effect tomorrow in Vietnam: it was decided before its day.
EFFECTIVE = (dt.datetime.now(VIETNAM_TIME) + dt.timedelta(days=1)).date()


@dataclass
class World:
    identity: IdentityApplication
    signatures: SignaturesApplication
    served: Served
    nats_url: str
    units: dict[str, uuid.UUID] = field(default_factory=dict)
    runner_task: asyncio.Task[None] | None = None
    runner_stop: asyncio.Event = field(default_factory=asyncio.Event)

    async def start_consumer(self, durable: str = DURABLE) -> None:
        self.runner_stop = asyncio.Event()
        runner = IdentityConsumer(self.signatures, nats_url=self.nats_url,
                                  stream=IDENTITY_STREAM, durable=durable, handlers=handlers,
                                  ack_wait_s=5, fetch_wait_s=0.25)
        self.runner_task = asyncio.create_task(runner.run(self.runner_stop))

    async def stop_consumer(self) -> None:
        self.runner_stop.set()
        if self.runner_task is not None:
            await asyncio.wait_for(self.runner_task, 30)
            self.runner_task = None

    async def eventually(self, condition: Callable[[], Any], what: str) -> None:
        """Wait (bounded) until ``condition()`` holds; fail early if the consumer died."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + WAIT_S
        while not await asyncio.to_thread(condition):
            if self.runner_task is not None and self.runner_task.done():
                self.runner_task.result()
                pytest.fail(f"the consumer stopped before: {what}")
            if loop.time() > deadline:
                pytest.fail(f"never happened within {WAIT_S} s: {what}")
            await asyncio.sleep(0.05)

    def caught_up(self) -> bool:
        """Signatures applied every event identity has published so far."""
        last, start = 0, 1
        while page := self.identity.recorder.select_notifications(start=start, limit=500):
            last = max([n.id for n in page if CONTRACT.route_topic(n.topic)] or [last])
            start = page[-1].id + 1
        return (self.signatures.recorder.max_tracking_id("identity") or 0) >= last

    def knows(self, *keys: str) -> Callable[[], bool]:
        return lambda: all(isinstance(self.signatures.get_or_none(self.units[k]), KnownUnit)
                           for k in keys)

    def register(self, *communes: tuple[str, str, str, int]) -> None:
        """In identity: the province, and communes (key, name, administrative code, n)
        with agency codes 000.00.0<n>.H49 under the province's."""
        identity = self.identity
        if "province" not in self.units:
            self.units["province"] = identity.register_unit(NewUnitSpec(
                "Tỉnh Thử Nghiệm", "province", administrative_unit_code="49",
                agency_code=PROVINCE_CODE), request_id="reg-49")
        for key, name, code, n in communes:
            self.units[key] = identity.register_unit(NewUnitSpec(
                name, "commune", administrative_unit_code=code, agency_code=agency_code(n),
                parent_id=str(self.units["province"])), request_id=f"reg-{code}")

    def credential(self, credential_id: str) -> pb.Credential:
        return self.served.get(credential_id)

    def reissue_list(self, **query: Any) -> list[pb.Credential]:
        return list(self.served.credentials.ListCredentials(pb.ListCredentialsRequest(
            reissue_only=True, **query), timeout=10).credentials)

    def revoked_events(self) -> int:
        """How many Credential.Revoked events signatures recorded."""
        return len(self.signatures.recorder.select_notifications(
            start=1, limit=10_000, topics=[get_topic(Credential.Revoked)]))


def agency_code(n: int) -> str:
    return f"000.00.0{n}.H49"


def vietnam_today() -> dt.date:
    return dt.datetime.now(VIETNAM_TIME).date()


class HeldKeyStore(TokenKeyStore):
    """The token, where an official's key can be held back while it is generated: the
    moment an issue has checked its unit and not yet saved its credential."""

    def __init__(self, config: TokenConfig) -> None:
        super().__init__(config)
        self.generating = threading.Event()
        self.go_on = threading.Event()
        self.go_on.set()

    def generate(self, label: str, key_type: str) -> KeySigner:
        if label.startswith("official-"):
            self.generating.set()
            assert self.go_on.wait(WAIT_S), "the held key generation was never let go"
        return super().generate(label, key_type)


@pytest.fixture
async def world(nats_server: NatsServer, softhsm_token, tmp_path: Path,
                ) -> AsyncIterator[World]:
    identity = IdentityApplication(f"sqlite:///{tmp_path / 'identity.db'}")
    signatures = signatures_app(f"sqlite:///{tmp_path / 'signatures.db'}", softhsm_token,
                                key_store=HeldKeyStore(softhsm_token))
    signatures.authority()
    served = Served(signatures).__enter__()
    world = World(identity, signatures, served, nats_server.url)
    relay = OutboxRelay(identity, CONTRACT, nats_server.url, poll_interval_s=0.05)
    identity.add_commit_listener(relay.wake)
    await relay.connect()  # the stream exists before the consumer binds to it
    stop_relay = asyncio.Event()
    relay_task = asyncio.create_task(relay.run(stop_relay))
    await world.start_consumer()
    try:
        yield world
    finally:
        await world.stop_consumer()
        stop_relay.set()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(relay_task, 30)
        served.__exit__(None, None, None)
        signatures.close()
        identity.close()


def ocsp_status(app: SignaturesApplication, credential: pb.Credential) -> ocsp.OCSPResponse:
    """What the OCSP responder of the HTTP face answers a relying party about ``credential``
    (its signature checked with the issuing CA's key)."""
    issuing = x509.load_der_x509_certificate(credential.chain[0])
    request = ocsp.OCSPRequestBuilder().add_certificate(
        certificate_of(credential), issuing, hashes.SHA1()).build()
    answer = HttpFace(app, "127.0.0.1:0").ocsp_answer(
        request.public_bytes(serialization.Encoding.DER))
    response = ocsp.load_der_ocsp_response(answer)
    assert response.response_status == ocsp.OCSPResponseStatus.SUCCESSFUL
    key = issuing.public_key()
    assert isinstance(key, ec.EllipticCurvePublicKey)
    key.verify(response.signature, response.tbs_response_bytes,
               ec.ECDSA(response.signature_hash_algorithm))
    return response


def organization_identifier(credential: pb.Credential) -> str:
    return certificate_of(credential).subject.get_attributes_for_oid(
        NameOID.ORGANIZATION_IDENTIFIER)[0].value


@dataclass(frozen=True)
class Signed:
    """A decision an official signed: when the signing was recorded, and their phone."""

    at: dt.datetime
    phone: Phone


def sign_a_decision(world: World, credential: pb.Credential) -> Signed:
    """The official enrols their phone and signs a decision, with the codes of two
    successive steps."""
    served, clock = world.served, world.signatures.clock
    credential_id = credential.credential_id
    phone = served.enrol(credential_id, clock)
    decision = hashlib.sha256(f"Quyết định của {credential.agency_name}".encode()).digest()
    authorized = served.authorize(credential_id, phone.code(clock() + STEP), [decision])
    signed = served.sign(credential_id, authorized.sad, [decision])
    verify(credential, signed.signatures[0], decision)
    history = world.signatures.history(uuid.UUID(credential_id), Credential.Issued,
                                       "credential")
    assert history[-1].event_type == "HashesSigned"
    return Signed(history[-1].recorded_at, phone)


# -- a merger ------------------------------------------------------------------------------

@pytest.mark.timeout(90)
async def test_a_merger_revokes_the_commune_s_credentials_after_its_signatures(
        world: World) -> None:
    await asyncio.to_thread(world.register, ("a", "Xã An Hòa", "20101", 1),
                            ("b", "Xã Bình Phú", "20102", 2))
    await world.eventually(world.knows("a", "b"), "signatures knows both communes")
    units, served = world.units, world.served
    an, binh, cuong = (str(uuid.uuid4()) for _ in range(3))

    def before_the_merger() -> dict[str, Any]:
        issued = {"an": served.issue(units["a"], official_id=an, full_name="Nguyễn Văn An"),
                  "an_spare": served.issue(units["a"], official_id=an,
                                           full_name="Nguyễn Văn An"),
                  "binh": served.issue(units["a"], official_id=binh, full_name="Trần Thị Bình"),
                  "cuong": served.issue(units["b"], official_id=cuong, full_name="Lê Văn Cường")}
        assert organization_identifier(issued["an"]) == f"GOVVN-{agency_code(1)}"
        signed = sign_a_decision(world, issued["an"])  # An signs a decision of the commune
        return {"issued": issued, "signed_at": signed.at, "phone": signed.phone,
                "ocsp_good": ocsp_status(world.signatures, issued["an"])}

    before = await asyncio.to_thread(before_the_merger)
    issued = before["issued"]
    assert before["ocsp_good"].certificate_status == ocsp.OCSPCertStatus.GOOD

    await asyncio.to_thread(
        world.identity.merge_units, [str(units["a"])], successor_id=str(units["b"]),
        effective_date=EFFECTIVE, request_id="merge-a-into-b",
        reason="Nghị quyết sắp xếp đơn vị hành chính cấp xã")
    await world.eventually(world.caught_up, "signatures applied every identity event")
    heard_by = whole_second_after(dt.datetime.now(dt.UTC))

    def after_the_merger() -> None:
        # Every credential of A is revoked, after the signature made before (as of when the
        # service heard of the merger, to the second), and listed for re-issue under B;
        # B's own credential is untouched.
        for name in ("an", "an_spare", "binh"):
            credential = world.credential(issued[name].credential_id)
            assert (credential.status, credential.revocation_reason) == (
                pb.CREDENTIAL_STATUS_REVOKED, pb.REVOCATION_REASON_AFFILIATION_CHANGED), name
            assert credential.reissue_unit_id == str(units["b"]), name
            revoked_at = credential.revocation_time.ToDatetime(dt.UTC)
            assert before["signed_at"] < revoked_at <= heard_by, name
            assert revoked_at.microsecond == 0, name
        cuong_now = world.credential(issued["cuong"].credential_id)
        assert (cuong_now.status, cuong_now.reissue_unit_id) == (pb.CREDENTIAL_STATUS_ACTIVE, "")
        listed = world.reissue_list()
        assert [c.credential_id for c in listed] == [
            issued[name].credential_id for name in ("an", "an_spare", "binh")]
        assert {(c.official.official_id, c.reissue_unit_id) for c in listed} == {
            (an, str(units["b"])), (binh, str(units["b"]))}
        assert world.reissue_list(unit_id=str(units["a"])) == listed
        assert world.reissue_list(unit_id=str(units["b"])) == []

        # Relying parties are told: OCSP says revoked, affiliationChanged, when.
        status = ocsp_status(world.signatures, issued["an"])
        assert status.certificate_status == ocsp.OCSPCertStatus.REVOKED
        assert status.revocation_reason == x509.ReasonFlags.affiliation_changed
        assert status.revocation_time_utc == world.credential(
            issued["an"].credential_id).revocation_time.ToDatetime(dt.UTC)
        # A's credential signs nothing more.
        details = refused(served.signing.AuthorizeSignature, signing_pb.AuthorizeSignatureRequest(
            credential_id=issued["an"].credential_id,
            one_time_code=before["phone"].code(world.signatures.clock() + STEP),
            hashes=[hashlib.sha256(b"after the merger").digest()]))
        assert (details["code"], details["reason"]) == (grpc.StatusCode.FAILED_PRECONDITION,
                                                        "CREDENTIAL_REVOKED")

        # Re-issue: not under A any more, under B with B's agency code.
        details = refused(served.credentials.IssueCredential, pb.IssueCredentialRequest(
            unit_id=str(units["a"]), official=issued["an"].official))
        assert (details["code"], details["reason"]) == (grpc.StatusCode.FAILED_PRECONDITION,
                                                        "UNIT_RETIRED")
        assert details["metadata"]["field"] == "unit_id"
        reissued = served.issue(units["b"], official_id=an, full_name="Nguyễn Văn An")
        assert reissued.agency_code == agency_code(2)
        assert organization_identifier(reissued) == f"GOVVN-{agency_code(2)}"
        assert ocsp_status(world.signatures, reissued).certificate_status == \
            ocsp.OCSPCertStatus.GOOD
        # Re-issued: An leaves the list of officials still to be re-issued; Bình stays.
        assert {c.official.official_id for c in world.reissue_list()} == {binh}

    await asyncio.to_thread(after_the_merger)
    assert world.revoked_events() == 3  # A's credentials, each once (the sweep found none)
    await reread_the_whole_stream(world)


async def reread_the_whole_stream(world: World) -> None:
    """A consumer with a new durable reads identity's whole stream again: every message is
    found applied, nothing is recorded, nothing is revoked twice."""
    await world.stop_consumer()
    app = world.signatures
    revoked = world.revoked_events()
    recorded = app.recorder.max_notification_id()
    with structlog.testing.capture_logs() as captured:
        await world.start_consumer(durable="signatures-identity-again")
        await world.eventually(
            lambda: len([e for e in captured if e["event"].startswith("event_")])
            >= published_count(world), "the new durable re-read the stream")
        await world.stop_consumer()
    outcomes = [e["event"] for e in captured if e["event"].startswith("event_")]
    assert set(outcomes) == {"event_already_applied"}
    assert app.recorder.max_notification_id() == recorded
    assert world.revoked_events() == revoked


def published_count(world: World) -> int:
    """How many events identity has published to its stream."""
    count, start = 0, 1
    while page := world.identity.recorder.select_notifications(start=start, limit=500):
        count += len([n for n in page if CONTRACT.route_topic(n.topic)])
        start = page[-1].id + 1
    return count


# -- a division ----------------------------------------------------------------------------

@pytest.mark.timeout(90)
async def test_a_division_lists_the_officials_under_the_default_successor(
        world: World) -> None:
    await asyncio.to_thread(world.register, ("c", "Xã Cẩm Thanh", "20103", 3))
    await world.eventually(world.knows("c"), "signatures knows the commune")
    units, served = world.units, world.served
    officials = {name: str(uuid.uuid4()) for name in ("dung", "giang")}
    issued = await asyncio.to_thread(lambda: {
        name: served.issue(units["c"], official_id=official)
        for name, official in officials.items()})

    def divide() -> None:
        province = str(units["province"])
        new = [NewUnitSpec(name, "commune", administrative_unit_code=code,
                           agency_code=agency_code(n), parent_id=province)
               for name, code, n in (("Xã Cẩm Thanh Đông", "20107", 7),
                                     ("Xã Cẩm Thanh Tây", "20108", 8))]
        units["east"], successors = world.identity.divide_unit(
            str(units["c"]), [DivisionTarget(new_unit=new[0], is_default=True),
                              DivisionTarget(new_unit=new[1])],
            effective_date=EFFECTIVE, request_id="divide-c")
        units["west"] = next(s for s in successors if s != units["east"])

    await asyncio.to_thread(divide)
    await world.eventually(world.caught_up, "signatures applied every identity event")

    def after_the_division() -> None:
        listed = world.reissue_list(unit_id=str(units["c"]))
        assert {c.official.official_id for c in listed} == set(officials.values())
        assert {c.reissue_unit_id for c in listed} == {str(units["east"])}
        assert {(c.status, c.revocation_reason) for c in listed} == {
            (pb.CREDENTIAL_STATUS_REVOKED, pb.REVOCATION_REASON_AFFILIATION_CHANGED)}
        assert sorted(c.credential_id for c in listed) == sorted(
            c.credential_id for c in issued.values())
        details = refused(served.credentials.IssueCredential, pb.IssueCredentialRequest(
            unit_id=str(units["c"]), official=issued["dung"].official))
        assert (details["code"], details["reason"]) == (grpc.StatusCode.FAILED_PRECONDITION,
                                                        "UNIT_RETIRED")
        # The default successor is where they are listed; either successor may issue.
        east = served.issue(units["east"], official_id=officials["dung"])
        west = served.issue(units["west"], official_id=officials["giang"])
        assert (east.agency_code, west.agency_code) == (agency_code(7), agency_code(8))
        assert organization_identifier(east) == f"GOVVN-{agency_code(7)}"

    await asyncio.to_thread(after_the_division)
    assert world.revoked_events() == len(officials)


# -- a merger entered late, and one that races an issue ------------------------------------

ISSUED_DURING_RETIREMENT = (
    "issue_credential checks the unit, generates the key, then saves the credential alone: "
    "a retirement applied (and swept) meanwhile never sees it, and it stays active")


@pytest.mark.parametrize("days_ago", [0, 7], ids=["on-its-day", "a-week-late"])
@pytest.mark.timeout(60)
async def test_a_merger_entered_on_or_after_its_day_revokes_after_the_signatures_made(
        world: World, days_ago: int) -> None:
    await asyncio.to_thread(world.register, ("a", "Xã An Hòa", "20101", 1),
                            ("b", "Xã Bình Phú", "20102", 2))
    await world.eventually(world.knows("a", "b"), "signatures knows both communes")
    units = world.units
    credential = await asyncio.to_thread(world.served.issue, units["a"])
    signed = await asyncio.to_thread(sign_a_decision, world, credential)
    told_good = await asyncio.to_thread(ocsp_status, world.signatures, credential)
    assert told_good.certificate_status == ocsp.OCSPCertStatus.GOOD

    await asyncio.to_thread(
        world.identity.merge_units, [str(units["a"])], successor_id=str(units["b"]),
        effective_date=vietnam_today() - dt.timedelta(days=days_ago),
        request_id="merge-a-into-b")
    await world.eventually(world.caught_up, "signatures applied every identity event")

    revoked = await asyncio.to_thread(world.credential, credential.credential_id)
    assert revoked.status == pb.CREDENTIAL_STATUS_REVOKED
    revoked_at = revoked.revocation_time.ToDatetime(dt.UTC)
    # Not back-dated to the merger's day: the signature was made, and OCSP said good,
    # before the service heard of the merger.
    assert revoked_at > signed.at
    assert revoked_at > told_good.produced_at_utc



@pytest.mark.timeout(60)
async def test_a_credential_issued_while_its_commune_merges_is_revoked_too(
        world: World) -> None:
    await asyncio.to_thread(world.register, ("a", "Xã An Hòa", "20101", 1),
                            ("b", "Xã Bình Phú", "20102", 2))
    await world.eventually(world.knows("a", "b"), "signatures knows both communes")
    units, served = world.units, world.served
    key_store = world.signatures.key_store
    assert isinstance(key_store, HeldKeyStore)
    key_store.go_on.clear()

    def issue() -> pb.Credential | dict[str, Any]:
        try:
            return served.issue(units["a"])
        except grpc.RpcError as error:
            return error_details(error)

    with structlog.testing.capture_logs() as logs:
        issuing = asyncio.create_task(asyncio.to_thread(issue))
        # The issue found A active and generates its key while identity merges A into B
        # and signatures applies the merger, sweep included.
        assert await asyncio.to_thread(key_store.generating.wait, WAIT_S)
        await asyncio.to_thread(
            world.identity.merge_units, [str(units["a"])], successor_id=str(units["b"]),
            effective_date=EFFECTIVE, request_id="merge-a-into-b")
        await world.eventually(lambda: any(
            e["event"] == "event_applied" and e.get("ce_type", "").endswith(".UnitMergedInto")
            for e in logs), "signatures applied the merger")
    key_store.go_on.set()
    outcome = await asyncio.wait_for(issuing, WAIT_S)

    if isinstance(outcome, dict):  # refused: the unit retired under it
        assert outcome["reason"] == "UNIT_RETIRED"
        return
    # Issued: then revoked like A's other credentials, listed for re-issue under B.
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 3.0
    credential = await asyncio.to_thread(world.credential, outcome.credential_id)
    while credential.status == pb.CREDENTIAL_STATUS_ACTIVE and loop.time() < deadline:
        await asyncio.sleep(0.1)
        credential = await asyncio.to_thread(world.credential, outcome.credential_id)
    assert (credential.status, credential.revocation_reason, credential.reissue_unit_id) == (
        pb.CREDENTIAL_STATUS_REVOKED, pb.REVOCATION_REASON_AFFILIATION_CHANGED,
        str(units["b"]))
