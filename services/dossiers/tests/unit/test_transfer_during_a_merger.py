"""A dossier transferred at the very moment its target unit is merged is not stranded there.

Two orderings, each with the merger applied as the identity consumer applies
it (its transaction with the tracking record, then its sweep):

* the merger commits between the transfer's reading of the target (still
  active) and its save: the retirement cannot see the dossier, and its
  sweep runs before the dossier is held there; the transfer's own sweep,
  after its commit, moves it;
* the transfer commits first, but the retirement's transaction was built on
  a view that missed it: the consumer's sweep finds the dossier by its
  holder (its receiving and competent units are elsewhere).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from test_submission_during_a_merger import retire_as_the_consumer_does

from lienthong.events.consumer import ConsumedEvent
from lienthong.idempotency import Command
from lienthong.identity.v1 import events_pb2
from lienthong.services.dossiers.application import DossiersApplication
from lienthong.services.dossiers.consumers import DURABLE, IDENTITY_STREAM, IdentityConsumer
from lienthong.services.dossiers.consumers import handlers as identity_handlers
from lienthong.services.dossiers.domain.dossier import Status
from lienthong.services.dossiers.domain.units import KnownUnit


class MergerMidTransfer(DossiersApplication):
    """Commits a merger of ``unit`` between a transfer's reads and its save."""

    merging: tuple[Any, Any] | None = None

    def save_command(self, command: Command, result: dict[str, Any],
                     *aggregates: Any) -> dict[str, Any]:
        if command.method == "TransferDossier" and self.merging is not None:
            unit, successor = self.merging
            self.merging = None
            retire_as_the_consumer_does(self, unit, successor)
        return super().save_command(command, result, *aggregates)


def new_ward(app: DossiersApplication, hanoi: uuid.UUID) -> uuid.UUID:
    """The ward Hoàn Kiếm is merged into."""
    ward = KnownUnit(id=uuid.uuid4(), display_name="Phường Trung tâm", level="commune",
                     kind="ward", administrative_unit_code="00071", agency_code="000.00.14.H01",
                     parent_id=hanoi, province_id=hanoi)
    app.save(ward)
    return ward.id


def test_the_transfer_sweeps_a_dossier_that_landed_on_a_unit_merged_meanwhile(
        tmp_path: Any, clock: Any) -> None:
    from conftest import Desk  # the shared fixtures' helper

    app = MergerMidTransfer(f"sqlite:///{tmp_path / 'd.db'}", clock=clock)
    desk = Desk(app, clock)
    ba_dinh, hoan_kiem = desk.units.ba_dinh, desk.units.hoan_kiem
    successor = new_ward(app, desk.units.hanoi)
    dossier_id = desk.in_status(Status.PROCESSING, receiving=ba_dinh)
    app.merging = (hoan_kiem, successor)

    desk.command("transfer", dossier_id, to_unit_id=hoan_kiem, deadline_working_days=3)

    assert not app.known_unit(hoan_kiem, "unit_id").is_active
    dossier = app.get_dossier(dossier_id)
    assert (dossier.holder_unit_id, dossier.receiving_unit_id, dossier.competent_unit_id) == (
        successor, ba_dinh, ba_dinh)
    assert [h.unit_id for h in dossier.hops] == [ba_dinh, hoan_kiem, successor]
    assert [h.event_type for h in app.dossier_history(str(dossier_id))][-2:] == [
        "Transferred", "MovedOnReorganisation"]
    assert app.move_stranded_dossiers(hoan_kiem) == [], "nothing is left at the merged unit"


def test_the_consumer_sweeps_a_transferred_dossier_by_its_holder(
        tmp_path: Any, clock: Any) -> None:
    from conftest import Desk

    app = DossiersApplication(f"sqlite:///{tmp_path / 'd.db'}", clock=clock)
    desk = Desk(app, clock)
    ba_dinh, hoan_kiem = desk.units.ba_dinh, desk.units.hoan_kiem
    successor = new_ward(app, desk.units.hanoi)
    dossier_id = desk.in_status(Status.PROCESSING, receiving=ba_dinh)
    desk.command("transfer", dossier_id, to_unit_id=hoan_kiem, deadline_working_days=3)
    # The retirement's transaction committed without the dossier (its view was stale).
    unit = app.known_unit(hoan_kiem, "unit_id")
    unit.retire("merged", [successor], successor, dt.date(2026, 3, 4))
    app.save(unit)
    assert app.get_dossier(dossier_id).holder_unit_id == hoan_kiem
    runner = IdentityConsumer(app, nats_url="nats://127.0.0.1:1", stream=IDENTITY_STREAM,
                              durable=DURABLE, handlers=identity_handlers)
    merged = events_pb2.UnitMergedInto(unit_id=str(hoan_kiem), successor_unit_id=str(successor))
    event = ConsumedEvent(
        type="vn.lienthong.identity.v1.UnitMergedInto", id="identity-7",
        source="//lienthong.vn/identity", upstream="identity", notification_id=7,
        subject=str(hoan_kiem), time="2026-03-04T02:00:00Z", data=merged.SerializeToString(),
        headers={}, stream=IDENTITY_STREAM, stream_seq=7, num_delivered=1)

    runner.on_committed(event)

    dossier = app.get_dossier(dossier_id)
    assert (dossier.holder_unit_id, dossier.receiving_unit_id) == (successor, ba_dinh)
    assert [h.event_type for h in app.dossier_history(str(dossier_id))][-2:] == [
        "Transferred", "MovedOnReorganisation"]
