"""The national portal's synchronisation, end to end on the production path.

Commands on the dossiers application (SQLite) -> its outbox relay (the
published contract) -> a real nats-server -> the ``portal-sync`` consumer
runner -> HTTP POSTs to a small portal (``ThreadingHTTPServer`` on a free
port) that remembers what it received by idempotency key, and can be down,
answer 503, lose its answers, or refuse a change with 400. Waits are bounded.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import itertools
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

import nats
import pytest

from lienthong.events import dlq
from lienthong.events.relay import OutboxRelay
from lienthong.ports import free_port
from lienthong.services.dossiers.application import DossiersApplication
from lienthong.services.dossiers.domain.applicant import Applicant
from lienthong.services.dossiers.domain.procedure import ProcedureVersionSpec, RequiredDocument
from lienthong.services.dossiers.domain.units import KnownUnit
from lienthong.services.dossiers.events import CONTRACT
from lienthong.services.dossiers.portal import (
    DURABLE,
    SYNCED_EVENTS,
    PortalConfig,
    portal_sync_runner,
)

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable
    from pathlib import Path

BIRTH = "1.001193"
TOKEN = "portal-t0ken"
#: Quick back-off for the test; production waits 1, 2, 5, 10, 30 s.
BACKOFF_S = (0.2, 0.4, 0.8)
START = dt.datetime(2026, 3, 4, 2, 0, tzinfo=dt.UTC)  # Wednesday, 09:00 in Vietnam


# -- the portal ---------------------------------------------------------------------------

@dataclass
class Request:
    key: str
    answer: int
    change: dict[str, Any]
    headers: dict[str, str]
    at: float


@dataclass
class PortalState:
    """What the portal received; shared by every incarnation of its server."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    requests: list[Request] = field(default_factory=list)
    #: The changes applied, once per idempotency key, in the order they were applied.
    applied: dict[str, dict[str, Any]] = field(default_factory=dict)
    answer_503: bool = False
    lose_answers: int = 0  # apply the change, then answer 503 (the answer is "lost")
    reject: Callable[[dict[str, Any]], bool] | None = None

    def answer(self, key: str, change: dict[str, Any]) -> int:
        if self.answer_503:
            return 503
        if self.reject is not None and self.reject(change):
            return 400
        if key in self.applied:
            return 409
        self.applied[key] = change
        if self.lose_answers:
            self.lose_answers -= 1
            return 503
        return 200

    def changes(self) -> list[dict[str, Any]]:
        with self.lock:
            return list(self.applied.values())


class Portal:
    """A portal endpoint on a fixed port that can be stopped and started again."""

    def __init__(self) -> None:
        self.port = free_port()
        self.state = PortalState()
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/dossiers/sync"

    def start(self) -> Portal:
        state = self.state

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                change = json.loads(body)
                key = self.headers.get("Idempotency-Key", "")
                with state.lock:
                    status = state.answer(key, change)
                    state.requests.append(Request(key, status, change, dict(self.headers),
                                                  time.monotonic()))
                reply = b"{}" if status != 400 else json.dumps(
                    {"error": "Thiếu mã lĩnh vực hợp lệ"}, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


@pytest.fixture
def portal() -> Any:
    portal = Portal()
    yield portal
    portal.stop()


# -- the dossiers service -----------------------------------------------------------------

class World:
    """A dossiers application with a procedure and two wards, on a fixed clock."""

    def __init__(self, url: str, pii_master_key_file: Path) -> None:
        self.url = url
        self.app = DossiersApplication(self.url, clock=lambda: START,
                                       pii_master_key_file=pii_master_key_file)
        self.app.create_procedure(BIRTH, ProcedureVersionSpec(
            effective_date=dt.date(2025, 7, 1), name="Đăng ký khai sinh", sector="Hộ tịch",
            competent_level="commune", competent_agency_kind="people's committee",
            processing_working_days=10,
            required_documents=(RequiredDocument("Tờ khai đăng ký khai sinh", 1, True),),
            fee_vnd=0, result_document_type="Giấy khai sinh",
            boundary_policy="anywhere_in_country"))
        hanoi = uuid.uuid4()
        self.ba_dinh, self.hoan_kiem = uuid.uuid4(), uuid.uuid4()
        self.app.save(*(KnownUnit(id=unit_id, display_name=name, level="commune", kind="ward",
                                  administrative_unit_code=code, agency_code=agency,
                                  parent_id=hanoi, province_id=hanoi)
                        for unit_id, name, code, agency in (
                            (self.ba_dinh, "Phường Ba Đình", "00004", "000.00.12.H01"),
                            (self.hoan_kiem, "Phường Hoàn Kiếm", "00070", "000.00.13.H01"))))

    async def submit(self, name: str = "Nguyễn Văn An") -> str:
        dossier_id = await asyncio.to_thread(
            self.app.submit_dossier, procedure_code=BIRTH, channel="online",
            applicant=Applicant(name, "001090012345"), receiving_unit_id=str(self.ba_dinh),
            competent_unit_id=str(self.ba_dinh), submitted_documents=["Tờ khai"])
        return str(dossier_id)

    async def run(self, dossier_id: str, *steps: str) -> None:
        app = self.app
        commands: dict[str, Callable[[], Any]] = {
            "receive": lambda: app.receive_dossier(dossier_id),
            "refuse": lambda: app.refuse_to_receive_dossier(dossier_id, reason="Sai thẩm quyền"),
            "assign": lambda: app.assign_dossier(dossier_id, "cb.tran"),
            "request_supplement": lambda: app.request_supplement(dossier_id, ["Giấy chứng sinh"]),
            "supplement": lambda: app.supplement_dossier(dossier_id, ["Giấy chứng sinh"]),
            "require_fee": lambda: app.require_financial_obligation(dossier_id, 50_000),
            "pay": lambda: app.fulfil_financial_obligation(dossier_id),
            "transfer": lambda: app.transfer_dossier(dossier_id, str(self.hoan_kiem), 3),
            "pause": lambda: app.pause_dossier(dossier_id, reason="Chờ ý kiến"),
            "resume": lambda: app.resume_dossier(dossier_id),
            "extend": lambda: app.extend_dossier(dossier_id, dt.date(2026, 6, 1), "Phiếu 01"),
            "approve": lambda: app.approve_dossier(dossier_id, ["Giấy khai sinh"]),
            "reject": lambda: app.reject_dossier(dossier_id, reason="Không đủ điều kiện"),
            "return": lambda: app.return_result(dossier_id),
            "withdraw": lambda: app.withdraw_dossier(dossier_id),
            "stop": lambda: app.stop_dossier(dossier_id, reason="Không bổ sung"),
        }
        for step in steps:
            await asyncio.to_thread(commands[step])

    def expected(self, *dossier_ids: str) -> dict[str, list[tuple[int, int]]]:
        """(version, status) of each change the portal must see, by dossier code."""
        synced = {name.removeprefix("Dossier") for name in SYNCED_EVENTS}
        found = {}
        for dossier_id in dossier_ids:
            code = self.app.get_dossier(dossier_id).dossier_code
            found[code] = [(item.version, item.status_after)
                           for item in self.app.dossier_history(dossier_id)
                           if item.event_type in synced]
        return found


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def world(request: pytest.FixtureRequest, tmp_path: Path, pii_master_key_file: Path) -> Any:
    """On SQLite files, and on PostgreSQL (the tracking records in their own schema)."""
    if request.param == "postgres":
        url = request.getfixturevalue("postgres_dsn")
    else:
        url = f"sqlite:///{tmp_path / 'dossiers.db'}"
    world = World(url, pii_master_key_file)
    yield world
    world.app.close()


def by_dossier(changes: list[dict[str, Any]]) -> dict[str, list[tuple[int, int]]]:
    found: dict[str, list[tuple[int, int]]] = {}
    for change in changes:
        found.setdefault(change["dossier_code"], []).append((change["version"], change["status"]))
    return found


async def eventually(condition: Callable[[], Any], what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"not within {timeout} s: {what}")
        await asyncio.sleep(0.05)


@contextlib.asynccontextmanager
async def running(world: World, nats_url: str, portal: Portal,
                  outage_max_deliver: int = 20) -> AsyncIterator[None]:
    """The dossiers relay and the portal sync, as the service runs them."""
    relay = OutboxRelay(world.app, CONTRACT, nats_url, poll_interval_s=0.1)
    world.app.add_commit_listener(relay.wake)
    runner = portal_sync_runner(world.app, nats_url=nats_url,
                                config=PortalConfig(url=portal.url, token=TOKEN),
                                dossiers_event_store=world.url, backoff_s=BACKOFF_S,
                                outage_max_deliver=outage_max_deliver, fetch_wait_s=0.2)
    stop = asyncio.Event()
    tasks = [asyncio.create_task(relay.run(stop)), asyncio.create_task(runner.run(stop))]
    try:
        yield
    finally:
        stop.set()
        await asyncio.wait_for(asyncio.gather(*tasks), timeout=15)


async def dead_letters(nats_url: str) -> list[dlq.DeadLetter]:
    nc = await nats.connect(nats_url)
    try:
        return await dlq.list_dead_letters(nc.jetstream(), DURABLE)
    finally:
        await nc.close()


# -- the tests ----------------------------------------------------------------------------

async def test_every_status_change_reaches_the_portal_once_in_order(
        world: World, nats_server: Any, portal: Portal) -> None:
    portal.start()
    portal.state.lose_answers = 3  # applied, but the answer never arrives: sent again
    async with running(world, nats_server.url, portal):
        a = await world.submit()
        await world.run(a, "receive", "assign", "request_supplement", "supplement",
                        "require_fee", "pay", "transfer", "pause", "resume", "extend",
                        "approve", "return")
        b, c, d, e = [await world.submit(f"Người nộp {n}") for n in range(4)]
        await world.run(b, "refuse")
        await world.run(c, "receive", "withdraw")
        await world.run(d, "receive", "assign", "stop")
        await world.run(e, "receive", "assign", "reject")
        expected = world.expected(a, b, c, d, e)
        total = sum(len(v) for v in expected.values())
        await eventually(lambda: len(portal.state.applied) >= total, "every change applied")
        await asyncio.sleep(0.5)  # nothing more comes

    changes = portal.state.changes()
    assert by_dossier(changes) == expected  # each change once, in order per dossier
    assert {s for v in expected.values() for _, s in v} == set(range(1, 11))  # codes 1-10
    requests = portal.state.requests
    assert len(requests) == total + 3  # the three lost answers, sent again...
    assert sum(r.answer == 409 for r in requests) == 3  # ...and answered "already received"
    keys = [r.key for r in requests if r.answer == 200]
    assert len(keys) == len(set(keys)) == total - 3
    assert set(portal.state.applied) == {r.key for r in requests}
    for key, change in portal.state.applied.items():
        assert key == change["event_id"] and key.startswith("dossiers-")
    assert all(r.headers["Authorization"] == f"Bearer {TOKEN}" for r in requests)
    assert all(r.headers["Content-Type"].startswith("application/json") for r in requests)

    dossier = world.app.get_dossier(a)
    returned = [x for x in changes if x["dossier_code"] == dossier.dossier_code][-1]
    assert returned == returned | {
        "procedure_code": BIRTH, "sector": "Hộ tịch", "status": 10,
        "applicant": {"full_name": "Nguyễn Văn An",
                      "personal_identification_number": "001090012345"},
        "received_at": dossier.received_at.isoformat(),
        "due_date": dossier.due_date.isoformat(),
        "submitted_documents": ["Tờ khai", "Giấy chứng sinh"],
        "result_documents": ["Giấy khai sinh"], "version": dossier.version,
        "event_type": "DossierResultReturned"}
    first = next(x for x in changes if x["dossier_code"] == dossier.dossier_code)
    assert (first["status"], first["received_at"], first["due_date"]) == (1, None, None)
    assert await dead_letters(nats_server.url) == []

    # A restarted sync finds every change recorded as sent: nothing goes out again.
    async with running(world, nats_server.url, portal):
        await asyncio.sleep(1.5)
    assert len(portal.state.requests) == total + 3


async def test_changes_wait_for_the_portal_to_come_back(
        world: World, nats_server: Any, portal: Portal) -> None:
    async with running(world, nats_server.url, portal):
        a = await world.submit()  # the portal is down: connection refused
        await world.run(a, "receive", "assign")
        await asyncio.sleep(2.0)
        assert portal.state.requests == []

        portal.state.answer_503 = True
        portal.start()  # up, but overloaded
        await world.run(a, "approve")
        await eventually(lambda: len(portal.state.requests) >= 4, "four 503 answers")
        portal.stop()  # down again
        await world.run(a, "return")
        await asyncio.sleep(1.0)
        portal.state.answer_503 = False
        portal.start()
        expected = world.expected(a)
        total = len(expected[world.app.get_dossier(a).dossier_code])
        await eventually(lambda: len(portal.state.applied) >= total, "every change applied")
        await asyncio.sleep(0.5)

    assert by_dossier(portal.state.changes()) == expected
    refused = [r for r in portal.state.requests if r.answer == 503]
    assert len(refused) >= 4
    assert {r.key for r in refused} == {refused[0].key}  # the first change, retried...
    gaps = [b.at - a.at for a, b in itertools.pairwise(refused)]
    assert all(gap >= BACKOFF_S[0] * 0.8 for gap in gaps)  # ...with back-off
    assert await dead_letters(nats_server.url) == []


async def test_a_refused_change_is_dead_lettered_then_replayed(
        world: World, nats_server: Any, portal: Portal) -> None:
    portal.start()
    portal.state.reject = lambda change: (change["status"] == 2
                                          and change["applicant"]["full_name"] == "Trần Thị Lỗi")
    nc = await nats.connect(nats_server.url)
    js = nc.jetstream()
    try:
        async with running(world, nats_server.url, portal):
            poisoned = await world.submit("Trần Thị Lỗi")
            await world.run(poisoned, "receive", "assign")
            other = await world.submit()
            await world.run(other, "receive")
            code = world.app.get_dossier(poisoned).dossier_code
            other_code = world.app.get_dossier(other).dossier_code
            await eventually(lambda: len(portal.state.applied) >= 4, "the others applied")
            [letter] = await dlq.list_dead_letters(js, DURABLE)
            assert letter.reason == dlq.REASON_MAX_DELIVER
            assert letter.ce_type == "vn.lienthong.dossiers.v1.DossierReceived"
            assert letter.ce_subject == poisoned
            assert letter.deliveries == 3
            assert "PortalRejectedError" in letter.error and "400" in letter.error
            assert "Thiếu mã lĩnh vực hợp lệ" in letter.error
            assert by_dossier(portal.state.changes()) == {
                code: [(1, 1), (3, 4)], other_code: [(1, 1), (2, 2)]}
            assert sum(r.answer == 400 for r in portal.state.requests) == 3

            portal.state.reject = None  # the portal is fixed
            await dlq.replay(js, "all", consumer=DURABLE, timeout_s=15)
            await eventually(lambda: len(portal.state.applied) >= 5, "the replayed change")
            assert await dlq.list_dead_letters(js, DURABLE) == []
            # A second replay of the same letter is impossible: it is gone.
            await asyncio.sleep(0.5)
    finally:
        await nc.close()

    changes = portal.state.changes()
    assert by_dossier(changes)[code] == [(1, 1), (3, 4), (2, 2)]  # the replay comes last
    assert changes[-1]["event_id"] == letter.ce_id
    assert len(portal.state.applied) == 5


async def test_a_long_outage_dead_letters_the_change_in_hand_then_replays_it(
        world: World, nats_server: Any, portal: Portal) -> None:
    async with running(world, nats_server.url, portal, outage_max_deliver=4):
        a = await world.submit()  # the portal is down for longer than the sync waits
        code = world.app.get_dossier(a).dossier_code
        for _ in range(200):  # four deliveries with back-off: about two seconds
            if await dead_letters(nats_server.url):
                break
            await asyncio.sleep(0.05)
        [letter] = await dead_letters(nats_server.url)
        assert "PortalUnavailableError" in letter.error

        portal.start()
        nc = await nats.connect(nats_server.url)
        try:
            await dlq.replay(nc.jetstream(), "all", consumer="portal-sync", timeout_s=30)
        finally:
            await nc.close()
        await eventually(lambda: any(c["dossier_code"] == code
                                     for c in portal.state.changes()), "the change delivered")
    assert await dead_letters(nats_server.url) == []


async def test_a_dossier_numbered_from_a_provisional_code_never_reaches_the_portal(
        world: World, nats_server: Any, portal: Portal) -> None:
    demo = uuid.uuid4()
    ward = KnownUnit(id=demo, display_name="Phường Quế Võ", level="commune", kind="ward",
                     administrative_unit_code="09247", agency_code="", parent_id=None,
                     province_id=None)
    ward.assign_agency_code("000.01.01.Z24", provisional=True)
    world.app.save(ward)
    portal.start()
    async with running(world, nats_server.url, portal):
        real = await world.submit()
        demo_dossier = await asyncio.to_thread(
            world.app.submit_dossier, procedure_code=BIRTH, channel="online",
            applicant=Applicant("Trần Thị Bình", "001090012346"), receiving_unit_id=str(demo),
            competent_unit_id=str(demo), submitted_documents=["Tờ khai"])
        await world.run(str(demo_dossier), "receive")
        await world.run(real, "receive")
        expected = world.expected(real)
        await eventually(lambda: len(portal.state.applied) >= 2, "the real dossier's changes")
        await asyncio.sleep(1.0)  # the demo dossier's changes were handled by now too

    assert world.app.get_dossier(demo_dossier).dossier_code.startswith("TAM-000.01.01.Z24-")
    assert by_dossier(portal.state.changes()) == expected
    assert await dead_letters(nats_server.url) == []
