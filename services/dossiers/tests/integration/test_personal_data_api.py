"""Applicants' personal data over gRPC on a real socket, on SQLite and on PostgreSQL: sealed
in the store and on the bus, answered by GetDossier, erased by ErasePersonalData, and the
audit tree still verified after the erasure (``lienthong audit verify``).

The stored bytes are read raw from the database, and the published messages from
JetStream after the outbox relay moved them, as any reader of either would see them.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sqlite3
from typing import TYPE_CHECKING, Any

import grpc
import nats
import psycopg
import pytest
from psycopg import sql
from typer.testing import CliRunner

from lienthong.audit.checkpointer import Checkpointer
from lienthong.audit.checkpoints import generate_key_file, public_pem
from lienthong.dossiers.v1 import dossiers_pb2 as pb
from lienthong.dossiers.v1 import dossiers_pb2_grpc as pb_grpc
from lienthong.dossiers.v1 import events_pb2 as ev
from lienthong.dossiers.v1 import personal_data_pb2 as personal_pb
from lienthong.dossiers.v1 import personal_data_pb2_grpc as personal_grpc
from lienthong.events.relay import OutboxRelay
from lienthong.grpc.errors import error_details
from lienthong.personal import key_table_name
from lienthong.services.dossiers.api import add_to_server
from lienthong.services.dossiers.application import DossiersApplication
from lienthong.services.dossiers.events import CONTRACT
from lienthong.testing.grpc_server import ServerThread
from lienthong.tools.cli.main import app as lienthong_cli

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from lienthong.testing.nats import NatsServer

TIMEOUT = 10.0
DPO = (("x-actor-id", "dpo.le"), ("x-actor-agency-code", "000.00.12.H01"))
AN = {"full_name": "Nguyễn Văn An", "pin": "001090012345", "phone": "0912345678"}
BINH = {"full_name": "Trần Thị Bình", "pin": "079185000001", "phone": "0987654321"}
STREAM = "LIENTHONG_DOSSIERS"


@pytest.fixture
def app(event_store_url: str, clock: Any,
        pii_master_key_file: Path) -> Iterator[DossiersApplication]:
    app = DossiersApplication(event_store_url, clock=clock,
                              pii_master_key_file=pii_master_key_file)
    yield app
    app.close()


class Served:
    """The desk's application served on a socket, with its two stubs."""

    def __init__(self, desk: Any, channel: grpc.Channel, url: str) -> None:
        self.desk, self.app, self.url = desk, desk.app, url
        self.dossiers = pb_grpc.DossierServiceStub(channel)
        self.personal = personal_grpc.PersonalDataServiceStub(channel)

    def submit(self, person: dict[str, str]) -> pb.Dossier:
        return self.dossiers.SubmitDossier(pb.SubmitDossierRequest(
            procedure_code=self.desk.BIRTH, channel=pb.CHANNEL_COUNTER,
            applicant=pb.Applicant(full_name=person["full_name"],
                                   personal_identification_number=person["pin"],
                                   phone=person["phone"], address="Ba Đình, Hà Nội"),
            receiving_unit_id=str(self.desk.units.ba_dinh),
            competent_unit_id=str(self.desk.units.ba_dinh),
            submitted_documents=["Tờ khai đăng ký khai sinh"]), timeout=TIMEOUT)

    def get(self, dossier_id: str) -> pb.Dossier:
        return self.dossiers.GetDossier(pb.GetDossierRequest(dossier_id=dossier_id),
                                        timeout=TIMEOUT)

    def erase(self, pin: str, reason: str = "Đơn yêu cầu xóa dữ liệu số 12/2026",
              request_id: str = "") -> personal_pb.ErasePersonalDataResponse:
        return self.personal.ErasePersonalData(personal_pb.ErasePersonalDataRequest(
            request_id=request_id, personal_identification_number=pin, reason=reason),
            timeout=TIMEOUT, metadata=DPO)

    def raw(self, table: str, order: str = "1") -> bytes:
        """Every row of one of the service's tables, as the database holds it (in ``order``:
        a table's physical order is not the order its rows were written in)."""
        if self.url.startswith("sqlite"):
            with contextlib.closing(sqlite3.connect(self.url.removeprefix("sqlite:///"))) as db:
                rows = db.execute(f"SELECT * FROM {table} ORDER BY {order}").fetchall()
        else:
            with psycopg.connect(self.url) as conn:
                rows = conn.execute(sql.SQL("SELECT * FROM {}.{} ORDER BY {}").format(
                    sql.Identifier("dossiers"), sql.Identifier(table),
                    sql.SQL(order))).fetchall()
        return b"\n".join(bytes(value) if isinstance(value, (bytes, memoryview))
                          else str(value).encode() for row in rows for value in row)

    def stored_events(self) -> bytes:
        return self.raw(self.app.recorder.events_table_name, order="rowid" if self.url.startswith(
            "sqlite") else "notification_id")  # SQLite's notification ids are its row ids

    def key_table(self) -> bytes:
        return self.raw(key_table_name(self.app.recorder.events_table_name))


@pytest.fixture
def served(desk: Any, event_store_url: str) -> Iterator[Served]:
    with ServerThread(lambda server: add_to_server(desk.app, server)) as running, \
            grpc.insecure_channel(running.address) as channel:
        grpc.channel_ready_future(channel).result(timeout=TIMEOUT)
        yield Served(desk, channel, event_store_url)


def in_clear(person: dict[str, str]) -> list[bytes]:
    """The ways a person's name and number could appear in stored or published bytes."""
    found = []
    for value in (person["full_name"], person["pin"], person["phone"]):
        found += [value.encode(), json.dumps(value).encode()]
    return found


async def published(app: DossiersApplication, nats_url: str) -> list[bytes]:
    """Every message the outbox relay publishes for the log so far, read back from JetStream."""
    relay = OutboxRelay(app, CONTRACT, nats_url, poll_interval_s=0.05)
    await relay.connect()
    try:
        await relay.publish_pending()
    finally:
        await relay.close()
    client = await nats.connect(nats_url)
    try:
        jetstream = client.jetstream()
        state = (await jetstream.stream_info(STREAM)).state
        return [(await jetstream.get_msg(STREAM, seq)).data or b""
                for seq in range(state.first_seq, state.last_seq + 1)]
    finally:
        await client.close()


def test_the_store_and_the_bus_hold_no_personal_data_in_clear_and_get_dossier_answers_it(
        nats_server: NatsServer, served: Served) -> None:
    # (nats-server is started first: a process forked while a gRPC server runs may crash.)
    an, binh = served.submit(AN), served.submit(BINH)

    stored = served.stored_events() + served.key_table()
    messages = asyncio.run(published(served.app, nats_server.url))
    for clear in in_clear(AN) + in_clear(BINH):
        assert clear not in stored, clear
        assert all(clear not in data for data in messages), clear

    submitted = [ev.DossierSubmitted.FromString(data) for data in messages
                 if ev.DossierSubmitted.FromString(data).HasField("sealed_applicant")]
    assert [m.dossier_id for m in submitted] == [an.dossier_id, binh.dossier_id]
    assert all(m.applicant == pb.Applicant() for m in submitted)  # the clear fields: empty
    assert submitted[0].sealed_applicant.subject_ref == an.applicant.subject_ref != ""

    answered = served.get(an.dossier_id).applicant
    assert (answered.full_name, answered.personal_identification_number, answered.phone,
            answered.erased) == (AN["full_name"], AN["pin"], AN["phone"], False)


def test_erasure_followed_by_verify(served: Served, tmp_path: Path) -> None:
    """An erased person reads as erased everywhere; everything else, the stored events
    included, is as it was, and `lienthong audit verify` still passes."""
    key = generate_key_file(tmp_path / "signing.pem")
    (tmp_path / "audit.pub").write_bytes(public_pem(key.public_key()))
    checkpointer = Checkpointer(served.app, service="dossiers", signing_key=key,
                                every_events=1000)
    an, binh = served.submit(AN), served.submit(BINH)
    an_again = served.submit(AN)
    served.dossiers.ReceiveDossier(pb.ReceiveDossierRequest(dossier_id=an.dossier_id),
                                   timeout=TIMEOUT)
    checkpointer.catch_up()
    checkpointer.checkpoint()
    events_before = served.stored_events()
    history_before = served.dossiers.GetDossierHistory(
        pb.GetDossierHistoryRequest(dossier_id=an.dossier_id), timeout=TIMEOUT)

    erasure = served.erase(AN["pin"], request_id="xoa-1")

    assert erasure.key_destroyed and erasure.subject_ref == an.applicant.subject_ref
    for dossier_id in (an.dossier_id, an_again.dossier_id):
        dossier = served.get(dossier_id)
        assert dossier.applicant == pb.Applicant(erased=True, subject_ref=erasure.subject_ref)
    dossier = served.get(an.dossier_id)
    assert (dossier.dossier_code, dossier.status, dossier.version) == (
        an.dossier_code, pb.DOSSIER_STATUS_RECEIVED, 2)
    assert served.get(binh.dossier_id).applicant == binh.applicant  # someone else: unchanged
    listed = served.dossiers.ListDossiers(pb.ListDossiersRequest(), timeout=TIMEOUT).dossiers
    assert [d.applicant.erased for d in listed] == [True, False, True]
    history = served.dossiers.GetDossierHistory(
        pb.GetDossierHistoryRequest(dossier_id=an.dossier_id), timeout=TIMEOUT)
    assert [(e.version, e.event_type, e.actor) for e in history.entries] == [
        (e.version, e.event_type, e.actor) for e in history_before.entries]
    assert json.loads(history_before.entries[0].payload_json)["applicant"]["full_name"] == \
        AN["full_name"]
    assert json.loads(history.entries[0].payload_json)["applicant"] == {
        "full_name": "", "personal_identification_number": "", "phone": "", "address": "",
        "subject_ref": erasure.subject_ref, "erased": True}
    # The stored events are untouched: the erasure only added its own record.
    events_after = served.stored_events()
    assert events_after.startswith(events_before) and len(events_after) > len(events_before)
    assert erasure.subject_ref.encode() not in served.key_table()  # the key row is gone

    again = served.erase(AN["pin"], reason="Nhắc lại yêu cầu")
    assert (again.key_destroyed, again.subject_ref) == (False, erasure.subject_ref)
    assert served.erase(AN["pin"], request_id="xoa-1") == erasure  # a retry: the first answer

    checkpointer.catch_up()
    checkpointer.checkpoint()
    result = CliRunner().invoke(lienthong_cli, [
        "audit", "verify", "--service", "dossiers", "--event-store", served.url,
        "--public-key", str(tmp_path / "audit.pub"), "--json"])
    report = json.loads(result.stdout)
    assert result.exit_code == 0, report
    assert report["ok"] is True and report["uncheckpointed"] == 0
    assert report["events"] == served.app.recorder.max_notification_id()


@pytest.mark.parametrize(("pin", "reason", "field", "rule"), [
    ("12345", "Đơn yêu cầu", "personal_identification_number", "PIN_FORMAT"),
    ("0010900123456", "Đơn yêu cầu", "personal_identification_number", "PIN_FORMAT"),
    ("001090012345", "", "reason", "REASON_REQUIRED"),
])
def test_a_bad_erasure_request_is_invalid_argument_naming_the_field(
        served: Served, pin: str, reason: str, field: str, rule: str) -> None:
    dossier = served.submit(AN)
    before = served.app.recorder.max_notification_id()
    with pytest.raises(grpc.RpcError) as refused:
        served.erase(pin, reason=reason)
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    details = error_details(refused.value)
    assert details["field_violations"] == [(field, rule)]
    assert served.app.recorder.max_notification_id() == before
    assert served.get(dossier.dossier_id).applicant.full_name == AN["full_name"]
