"""The two-tier reorganisation as events: identity -> NATS -> dossiers.

Identity runs with its outbox relay publishing to a real nats-server;
dossiers (its own event store) runs the identity consumer of
``services/dossiers/consumers.py``. A province and its communes are
registered in identity, dossiers are submitted at the communes, then
identity merges, divides and dissolves communes. Dossiers hears of it only
through the stream: open dossiers move to the successor, closed ones stay,
new submissions follow the lineage, and a consumer that re-reads the whole
stream changes nothing. Every wait is bounded.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import grpc
import nats
import pytest
import structlog

from lienthong.dossiers.v1 import dossiers_pb2 as pb
from lienthong.dossiers.v1 import dossiers_pb2_grpc as pb_grpc
from lienthong.errors import FailedPrecondition
from lienthong.events.relay import OutboxRelay
from lienthong.grpc.errors import error_details
from lienthong.services.dossiers.api import add_to_server
from lienthong.services.dossiers.application import DossiersApplication
from lienthong.services.dossiers.consumers import (
    DURABLE,
    IDENTITY_STREAM,
    IdentityConsumer,
    handlers,
)
from lienthong.services.dossiers.domain.applicant import Applicant
from lienthong.services.dossiers.domain.dossier import Status
from lienthong.services.dossiers.domain.procedure import ProcedureVersionSpec, RequiredDocument
from lienthong.services.dossiers.domain.units import KnownUnit
from lienthong.services.identity.application import (
    DivisionTarget,
    IdentityApplication,
    NewUnitSpec,
)
from lienthong.services.identity.events import CONTRACT
from lienthong.testing.grpc_server import ServerThread

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable
    from pathlib import Path

    from lienthong.testing.nats import NatsServer

STORES = [pytest.param("sqlite"), pytest.param("postgres", marks=pytest.mark.postgres)]
WAIT_S = 20.0
TIMEOUT = 10.0
PROCEDURE = "1.004194"  # confirming residence: decided by the commune
REFORM_DAY = dt.date(2026, 3, 16)
#: Wednesday 4 March 2026, 09:00 in Vietnam.
START = dt.datetime(2026, 3, 4, 2, 0, tzinfo=dt.UTC)
APPLICANT = Applicant("Nguyễn Văn An", "001090012345", "0912345678", "Thôn 1")


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> dt.datetime:
        return self.now


@dataclass
class World:
    identity: IdentityApplication
    dossiers: DossiersApplication
    clock: Clock
    nats_url: str
    units: dict[str, uuid.UUID] = field(default_factory=dict)
    runner_task: asyncio.Task[None] | None = None
    runner_stop: asyncio.Event = field(default_factory=asyncio.Event)

    async def start_consumer(self) -> None:
        self.runner_stop = asyncio.Event()
        runner = IdentityConsumer(self.dossiers, nats_url=self.nats_url, stream=IDENTITY_STREAM,
                                durable=DURABLE, handlers=handlers, ack_wait_s=5,
                                fetch_wait_s=0.25)
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
        """Dossiers applied every event identity has published so far."""
        last = 0
        start = 1
        while page := self.identity.recorder.select_notifications(start=start, limit=500):
            last = max([n.id for n in page if CONTRACT.route_topic(n.topic)] or [last])
            start = page[-1].id + 1
        return (self.dossiers.recorder.max_tracking_id("identity") or 0) >= last

    def submit(self, unit: str, request_id: str) -> uuid.UUID:
        unit_id = str(self.units[unit])
        return self.dossiers.submit_dossier(
            procedure_code=PROCEDURE, channel="counter", applicant=APPLICANT,
            receiving_unit_id=unit_id, competent_unit_id=unit_id,
            submitted_documents=["Tờ khai"], request_id=request_id)

    def bring(self, dossier_id: uuid.UUID, *steps: str) -> None:
        d = str(dossier_id)
        for step in steps:
            {"receive": lambda: self.dossiers.receive_dossier(d),
             "assign": lambda: self.dossiers.assign_dossier(d, "cb.tran"),
             "approve": lambda: self.dossiers.approve_dossier(d, ["Giấy xác nhận"]),
             "return": lambda: self.dossiers.return_result(d)}[step]()


@pytest.fixture(params=STORES)
async def world(request: pytest.FixtureRequest, nats_server: NatsServer,
                tmp_path: Path, pii_master_key_file: Path) -> AsyncIterator[World]:
    if request.param == "sqlite":
        identity_store = f"sqlite:///{tmp_path / 'identity.db'}"
        dossiers_store = f"sqlite:///{tmp_path / 'dossiers.db'}"
    else:  # one database, a schema per service
        identity_store = dossiers_store = request.getfixturevalue("postgres_dsn")
    clock = Clock()
    world = World(IdentityApplication(identity_store),
                  DossiersApplication(dossiers_store, clock=clock,
                                      pii_master_key_file=pii_master_key_file),
                  clock, nats_server.url)
    relay = OutboxRelay(world.identity, CONTRACT, nats_server.url, poll_interval_s=0.05)
    world.identity.add_commit_listener(relay.wake)
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
        world.dossiers.close()
        world.identity.close()


def register(world: World) -> None:
    """In identity: a province and five communes, each with its agency code."""
    identity = world.identity
    province = identity.register_unit(NewUnitSpec(
        "Tỉnh Thử Nghiệm", "province", administrative_unit_code="49",
        agency_code="000.00.00.H49"), request_id="reg-49")
    world.units["province"] = province
    for key, name, code, n in (("a", "Xã An Hòa", "20101", 1), ("b", "Xã Bình Phú", "20102", 2),
                               ("c", "Xã Cẩm Thanh", "20103", 3),
                               ("d", "Xã Duy Hải", "20104", 4),
                               ("e", "Xã Điện Ngọc", "20105", 5)):
        world.units[key] = identity.register_unit(NewUnitSpec(
            name, "commune", administrative_unit_code=code, agency_code=f"000.00.0{n}.H49",
            parent_id=str(province)), request_id=f"reg-{code}")


def reorganise(world: World) -> None:
    """In identity: A and B merged into a new M; C divided (C1 default, C2); E into D."""
    identity, units = world.identity, world.units
    units["m"], _ = identity.merge_units(
        [str(units["a"]), str(units["b"])], new_successor=NewUnitSpec(
            "Xã An Bình", "commune", administrative_unit_code="20101",  # carries A's code on
            agency_code="000.00.06.H49", parent_id=str(units["province"])),
        effective_date=REFORM_DAY, request_id="merge-a-b", reason="Nghị quyết sáp nhập")
    new = [NewUnitSpec(name, "commune", administrative_unit_code=code,
                       agency_code=f"000.00.0{n}.H49", parent_id=str(units["province"]))
           for name, code, n in (("Xã Cẩm Thanh Đông", "20107", 7),
                                 ("Xã Cẩm Thanh Tây", "20108", 8))]
    units["c1"], successors = identity.divide_unit(
        str(units["c"]), [DivisionTarget(new_unit=new[0], is_default=True),
                          DivisionTarget(new_unit=new[1])],
        effective_date=REFORM_DAY, request_id="divide-c")
    units["c2"] = next(s for s in successors if s != units["c1"])
    identity.dissolve_unit(str(units["e"]), str(units["d"]), effective_date=REFORM_DAY,
                           request_id="dissolve-e")


def residence_procedure() -> ProcedureVersionSpec:
    return ProcedureVersionSpec(
        effective_date=dt.date(2025, 7, 1), name="Xác nhận thông tin về cư trú",
        sector="Đăng ký, quản lý cư trú", competent_level="commune",
        competent_agency_kind="people's committee", processing_working_days=5,
        required_documents=(RequiredDocument("Tờ khai thay đổi thông tin cư trú"),),
        fee_vnd=0, result_document_type="Giấy xác nhận", boundary_policy="anywhere_in_province")


def history_types(world: World, dossier_id: uuid.UUID) -> list[str]:
    return [item.event_type for item in world.dossiers.dossier_history(str(dossier_id))]


@pytest.mark.timeout(120)
async def test_open_dossiers_follow_the_reorganisation_through_nats(world: World) -> None:
    await asyncio.to_thread(register, world)
    await world.eventually(lambda: isinstance(world.dossiers.get_or_none(world.units["e"]),
                                              KnownUnit), "dossiers knows the last commune")
    dossiers, units = world.dossiers, world.units
    dossiers.create_procedure(PROCEDURE, residence_procedure())
    submitted = {name: world.submit(unit, f"submit-{name}") for name, unit in (
        ("a_new", "a"), ("a_processing", "a"), ("a_returned", "a"), ("b_received", "b"),
        ("c_received", "c"), ("d_late", "d"), ("e_new", "e"))}
    world.bring(submitted["a_processing"], "receive", "assign")
    world.bring(submitted["a_returned"], "receive", "assign", "approve", "return")
    world.bring(submitted["b_received"], "receive")
    world.bring(submitted["c_received"], "receive")
    world.bring(submitted["d_late"], "receive", "assign", "approve")
    world.clock.now = START + dt.timedelta(days=40)  # every appointment date has passed
    world.bring(submitted["d_late"], "return")
    before = {name: dossiers.get_dossier(d) for name, d in submitted.items()}
    assert before["a_returned"].timeliness == "early"
    assert before["d_late"].timeliness == "late"

    await asyncio.to_thread(reorganise, world)
    await world.eventually(world.caught_up, "dossiers applied every published identity event")

    # Open dossiers moved: the merged communes' to M, the divided one's to its
    # default successor, the dissolved one's to the unit that took its records.
    expected_holder = {"a_new": "m", "a_processing": "m", "b_received": "m",
                       "c_received": "c1", "e_new": "d"}
    for name, holder in expected_holder.items():
        dossier = dossiers.get_dossier(submitted[name])
        old = before[name].holder_unit_id
        assert dossier.holder_unit_id == units[holder], name
        assert dossier.competent_unit_id == dossier.receiving_unit_id == units[holder], name
        assert dossier.status is before[name].status, name
        assert dossier.version == before[name].version + 1, name
        [moved] = [item for item in dossiers.dossier_history(str(submitted[name]))
                   if item.event_type == "MovedOnReorganisation"]
        assert moved.payload["from_unit_id"] == str(old)
        assert moved.payload["to_unit_id"] == str(units[holder])
        assert moved.payload["effective_date"] == REFORM_DAY.isoformat()
        assert moved.metadata["causation_id"].startswith("identity-")  # which event did it
    # Processing continues at the successor, with what remained of the time.
    assert dossiers.get_dossier(submitted["a_processing"]).hops[-1].unit_id == units["m"]
    # Closed dossiers stay where they were decided.
    for name in ("a_returned", "d_late"):
        dossier = dossiers.get_dossier(submitted[name])
        assert dossier.version == before[name].version, name
        assert dossier.holder_unit_id == before[name].holder_unit_id, name
        assert "MovedOnReorganisation" not in history_types(world, submitted[name])
    for key, how in (("a", "merged"), ("b", "merged"), ("c", "divided"), ("e", "dissolved")):
        assert dossiers.known_unit(units[key], "unit_id").retirement == how

    # A dossier addressed to the merged commune goes to its successor...
    late_comer = world.submit("a", "submit-after-merger")
    dossier = dossiers.get_dossier(late_comer)
    assert dossier.receiving_unit_id == dossier.competent_unit_id == units["m"]
    assert dossier.dossier_code.startswith("000.00.06.H49-")  # numbered by M's desk
    # ...one addressed to the divided commune is refused: the citizen must choose.
    with pytest.raises(FailedPrecondition) as refused:
        world.submit("c", "submit-after-division")
    assert refused.value.reason == "UNIT_DIVIDED_NO_SINGLE_SUCCESSOR"

    await asyncio.to_thread(compare_the_province_s_units, world, submitted)
    await restart_consumer_from_the_start(world, [*submitted.values(), late_comer])


def compare_the_province_s_units(world: World, submitted: dict[str, uuid.UUID]) -> None:
    """ListUnitStatistics over gRPC: the province first, then its units by code."""
    units = world.units
    with ServerThread(lambda server: add_to_server(world.dossiers, server)) as server, \
            grpc.insecure_channel(server.address) as channel:
        stub = pb_grpc.DossierServiceStub(channel)
        province = str(units["province"])
        first = stub.ListUnitStatistics(pb.ListUnitStatisticsRequest(
            province_unit_id=province, page_size=4), timeout=TIMEOUT)
        second = stub.ListUnitStatistics(pb.ListUnitStatisticsRequest(
            province_unit_id=province, page_size=4, page_token=first.next_page_token),
            timeout=TIMEOUT)
        assert (first.total_size, second.total_size, second.next_page_token) == (6, 6, "")
        stats = {s.unit_id: s for s in [*first.unit_statistics, *second.unit_statistics]}
        # M carries A's code on and sorts before it by name; B, C and E count nothing
        # any more (their open dossiers moved) and are left out; C2 is listed with zeros.
        assert list(stats) == [str(units[k]) for k in ("province", "m", "a", "d", "c1", "c2")]

        def row(key: str) -> tuple[Any, ...]:
            s = stats[str(units[key])]
            rate = s.on_time_rate if s.HasField("on_time_rate") else None
            return (s.received, s.open, s.overdue, s.returned_early, s.returned_on_time,
                    s.returned_late, rate)

        assert row("province") == (0, 0, 0, 0, 0, 0, None)
        # a_new and the late comer (new), a_processing and b_received (overdue).
        assert row("m") == (2, 4, 2, 0, 0, 0, None)
        assert row("a") == (1, 0, 0, 1, 0, 0, 1.0)
        assert row("d") == (1, 1, 0, 0, 0, 1, 0.0)  # e_new (new) and d_late
        assert row("c1") == (1, 1, 1, 0, 0, 0, None)
        assert row("c2") == (0, 0, 0, 0, 0, 0, None)

        for request, code, reason in (
                (pb.ListUnitStatisticsRequest(), grpc.StatusCode.INVALID_ARGUMENT, ""),
                (pb.ListUnitStatisticsRequest(province_unit_id=str(units["m"])),
                 grpc.StatusCode.FAILED_PRECONDITION, "NOT_A_PROVINCE"),
                (pb.ListUnitStatisticsRequest(province_unit_id=str(uuid.uuid4())),
                 grpc.StatusCode.NOT_FOUND, "UNIT_NOT_FOUND"),
                (pb.ListUnitStatisticsRequest(province_unit_id=str(units["d"]),
                                              page_token=first.next_page_token),
                 grpc.StatusCode.INVALID_ARGUMENT, "")):
            with pytest.raises(grpc.RpcError) as error:
                stub.ListUnitStatistics(request, timeout=TIMEOUT)
            details = error_details(error.value)
            assert error.value.code() == code, request
            if reason:
                assert details["reason"] == reason
            else:
                assert details["field_violations"][0][0] in ("province_unit_id", "page_token")


async def restart_consumer_from_the_start(world: World, dossier_ids: list[uuid.UUID]) -> None:
    """A new runner whose durable was deleted re-reads identity's whole stream: no effect."""
    await world.stop_consumer()
    dossiers = world.dossiers
    aggregates = [*dossier_ids, *world.units.values()]
    versions = {a: dossiers.get_or_none(a).version for a in aggregates}
    recorded = dossiers.recorder.max_notification_id()
    nc = await nats.connect(world.nats_url)
    try:
        js = nc.jetstream()
        await js.delete_consumer(IDENTITY_STREAM, DURABLE)
        last = (await js.stream_info(IDENTITY_STREAM)).state.last_seq
        logs = contextlib.ExitStack()
        captured = logs.enter_context(structlog.testing.capture_logs())
        await world.start_consumer()

        async def acked_everything() -> bool:
            with contextlib.suppress(Exception):
                info = await js.consumer_info(IDENTITY_STREAM, DURABLE)
                return info.ack_floor.stream_seq >= last
            return False

        deadline = asyncio.get_running_loop().time() + WAIT_S
        while not await acked_everything():
            assert world.runner_task is not None and not world.runner_task.done()
            assert asyncio.get_running_loop().time() < deadline, "the stream was not re-read"
            await asyncio.sleep(0.05)
        await world.stop_consumer()
        logs.close()
    finally:
        await nc.close()
    # Every message was delivered again, and each was found applied.
    outcomes = [e["event"] for e in captured if e["event"].startswith("event_")]
    assert outcomes == ["event_already_applied"] * last
    assert dossiers.recorder.max_notification_id() == recorded
    assert {a: dossiers.get_or_none(a).version for a in aggregates} == versions
    assert dossiers.get_dossier(dossier_ids[0]).status is Status.NEW
