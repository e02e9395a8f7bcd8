"""A dossier submitted at the very moment its unit is merged is not stranded there."""

from __future__ import annotations

import datetime as dt
from typing import Any

from eventsourcing.application import ProcessingEvent
from eventsourcing.persistence import Tracking

from lienthong.events.consumer import ConsumedEvent
from lienthong.idempotency import Command
from lienthong.services.dossiers.application import DossiersApplication
from lienthong.services.dossiers.consumers import IdentityConsumer, handlers


class MergerMidSubmission(DossiersApplication):
    """Commits a merger of ``unit`` between a submission's reads and its save."""

    merging: tuple[Any, Any] | None = None
    sweep_before_the_submission_commits = False

    def save_command(self, command: Command, result: dict[str, Any],
                     *aggregates: Any) -> dict[str, Any]:
        if command.method == "SubmitDossier" and self.merging is not None:
            unit, successor = self.merging
            self.merging = None
            retire_as_the_consumer_does(self, unit, successor)
        return super().save_command(command, result, *aggregates)


def retire_as_the_consumer_does(app: DossiersApplication, unit: Any, successor: Any) -> None:
    """The identity consumer's handler, its transaction with the tracking record."""
    unit_aggregate = app.known_unit(unit, "unit_id")
    processing: ProcessingEvent[Any] = ProcessingEvent(
        tracking=Tracking(application_name="identity", notification_id=999))
    unit_aggregate.retire("merged", [successor], successor, dt.date(2026, 3, 4))
    moved = [app.get_dossier_aggregate(d) for d in app.index.open_dossiers_of(unit)]
    for dossier in moved:
        dossier.move_on_reorganisation(unit, successor, dt.date(2026, 3, 4), app.clock())
    processing.collect_events(unit_aggregate, *moved)
    app._record(processing)
    # What IdentityConsumer.on_committed does once the merger is committed.
    app.move_stranded_dossiers(unit)


def test_the_submission_sweeps_a_dossier_that_landed_on_a_unit_merged_meanwhile(
        tmp_path, clock) -> None:
    from conftest import Desk  # the shared fixtures' helper

    app = MergerMidSubmission(f"sqlite:///{tmp_path / 'd.db'}", clock=clock)
    desk = Desk(app, clock)
    ba_dinh, hoan_kiem = desk.units.ba_dinh, desk.units.hoan_kiem
    app.merging = (ba_dinh, hoan_kiem)

    dossier_id = desk.submit(receiving=ba_dinh)

    dossier = app.get_dossier(dossier_id)
    assert (dossier.holder_unit_id, dossier.receiving_unit_id, dossier.competent_unit_id) == (
        hoan_kiem, hoan_kiem, hoan_kiem)
    assert [h.event_type for h in app.dossier_history(str(dossier_id))] == [
        "Submitted", "MovedOnReorganisation"]
    assert not app.known_unit(ba_dinh, "unit_id").is_active


def test_the_consumer_sweeps_what_its_retirement_could_not_see(tmp_path, clock) -> None:
    from conftest import Desk

    from lienthong.identity.v1 import events_pb2
    from lienthong.services.dossiers.consumers import DURABLE, IDENTITY_STREAM

    app = DossiersApplication(f"sqlite:///{tmp_path / 'd.db'}", clock=clock)
    desk = Desk(app, clock)
    ba_dinh, hoan_kiem = desk.units.ba_dinh, desk.units.hoan_kiem
    dossier_id = desk.submit(receiving=ba_dinh)
    # The retirement's transaction committed without the dossier (its view was stale).
    unit = app.known_unit(ba_dinh, "unit_id")
    unit.retire("merged", [hoan_kiem], hoan_kiem, dt.date(2026, 3, 4))
    app.save(unit)
    runner = IdentityConsumer(app, nats_url="nats://127.0.0.1:1", stream=IDENTITY_STREAM,
                              durable=DURABLE, handlers=handlers)
    merged = events_pb2.UnitMergedInto(unit_id=str(ba_dinh), successor_unit_id=str(hoan_kiem))
    event = ConsumedEvent(
        type="vn.lienthong.identity.v1.UnitMergedInto", id="identity-7",
        source="//lienthong.vn/identity", upstream="identity", notification_id=7,
        subject=str(ba_dinh), time="2026-03-04T02:00:00Z", data=merged.SerializeToString(),
        headers={}, stream=IDENTITY_STREAM, stream_seq=7, num_delivered=1)

    runner.on_committed(event)

    assert app.get_dossier(dossier_id).holder_unit_id == hoan_kiem
    runner.on_committed(event)  # a second sweep finds nothing left to move
    assert [h.event_type for h in app.dossier_history(str(dossier_id))] == [
        "Submitted", "MovedOnReorganisation"]
