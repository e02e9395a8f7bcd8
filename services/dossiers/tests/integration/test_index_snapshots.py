"""The dossier index and the procedure index start from their snapshots.

On SQLite and PostgreSQL: a process started from the snapshots answers exactly as
indexes rebuilt from notification 1, with dossiers, units and procedures that changed
after the snapshot; a second replica on the same database starts from them too.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import TYPE_CHECKING, Any

import pytest
from conftest import BIRTH, Clock, Desk, Units, spec

from lienthong.services.dossiers.application import DossiersApplication
from lienthong.services.dossiers.domain.dossier import Status
from lienthong.services.dossiers.projections import DossierFilter, DossierIndex, ProcedureIndex

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path
    from uuid import UUID


class ReplayedIndex(DossierIndex):
    """The dossier index rebuilt from notification 1, ignoring any snapshot."""

    snapshot_format = 0


class ReplayedProcedures(ProcedureIndex):
    snapshot_format = 0


@pytest.fixture
def open_app(event_store_url: str, clock: Clock,
             pii_master_key_file: Path) -> Iterator[Callable[[], DossiersApplication]]:
    opened: list[DossiersApplication] = []

    def open_one() -> DossiersApplication:
        app = DossiersApplication(event_store_url, clock=clock,
                                  pii_master_key_file=pii_master_key_file)
        opened.append(app)
        return app

    yield open_one
    for app in opened:
        app.close()


def first_weeks(desk: Desk) -> dict[str, UUID]:
    """Dossiers in most statuses, one transferred, one extended."""
    dossiers = {status.name: desk.in_status(status) for status in (
        Status.NEW, Status.RECEIVED, Status.NOT_RECEIVED, Status.PROCESSING,
        Status.SUPPLEMENT_REQUESTED, Status.WITHDRAWN, Status.RESULT_RETURNED)}
    dossiers["transferred"] = desk.in_status(Status.PROCESSING)
    desk.command("transfer", dossiers["transferred"])
    dossiers["extended"] = desk.in_status(Status.PROCESSING, receiving=desk.units.hoan_kiem)
    desk.command("extend", dossiers["extended"])
    return dossiers


def after_the_snapshot(desk: Desk, dossiers: dict[str, UUID]) -> None:
    """Dossiers known from the snapshot move on; a ward is renamed, another merged."""
    app, units = desk.app, desk.units
    desk.clock.at(2026, 4, 20)
    for step in ("receive", "assign", "approve", "return_result"):
        desk.command(step, dossiers["NEW"])
    desk.command("supplement", dossiers["SUPPLEMENT_REQUESTED"])
    desk.command("pause", dossiers["PROCESSING"])
    dossiers["late"] = desk.in_status(Status.RECEIVED, receiving=units.thuan_hoa,
                                      procedure_code=desk.RESIDENCE)
    renamed = app.known_unit(units.hoan_kiem, "unit_id")
    renamed.rename("Phường Hoàn Kiếm Mới")
    app.save(renamed)
    merged = app.known_unit(units.ba_dinh, "unit_id")
    merged.retire("merged", [units.hoan_kiem], units.hoan_kiem, dt.date(2026, 4, 20))
    app.save(merged)
    app.move_stranded_dossiers(units.ba_dinh)
    app.add_procedure_version(BIRTH, spec(effective_date=dt.date(2026, 5, 1),
                                          processing_working_days=5))


def answers(app: DossiersApplication, index: DossierIndex, procedures: ProcedureIndex,
            units: Units) -> dict[str, Any]:
    today = app.today()
    with index.lock:
        return {
            "rows": dict(index.rows), "units": dict(index.units),
            "listed": [r.dossier_id for r in index.list(DossierFilter(), today)],
            "overdue": [r.dossier_id for r in index.list(DossierFilter(overdue_only=True),
                                                         today)],
            "statistics": [index.province_statistics(p, today)
                           for p in (units.hanoi, units.hue)],
            "procedures": {p.procedure_code: (p.id, p.version, p.created_on, p.modified_on,
                                              p.versions)
                           for p in procedures.list(sector="", competent_level="", day=today)},
        }


def assert_same_as_a_replay(app: DossiersApplication, units: Units) -> None:
    index, procedures = ReplayedIndex.of(app), ReplayedProcedures.of(app)
    index.catch_up()
    procedures.catch_up()
    app.index.catch_up()
    app.procedure_index.catch_up()
    assert (app.index.position, app.procedure_index.position) == (index.position,
                                                                   procedures.position)
    assert answers(app, app.index, app.procedure_index, units) == answers(
        app, index, procedures, units)


def test_restarted_indexes_start_from_their_snapshots_and_answer_as_a_full_replay(
        open_app: Callable[[], DossiersApplication], clock: Clock) -> None:
    first = open_app()
    desk = Desk(first, clock)
    dossiers = first_weeks(desk)
    positions = (first.index.save_snapshot(), first.procedure_index.save_snapshot())
    after_the_snapshot(desk, dossiers)
    first.close()

    restarted = open_app()

    assert (restarted.index.started_from, restarted.procedure_index.started_from) == positions
    assert_same_as_a_replay(restarted, desk.units)
    assert restarted.index.units[desk.units.hoan_kiem].display_name == "Phường Hoàn Kiếm Mới"
    assert restarted.index.rows[dossiers["NEW"]].timeliness in ("early", "on_time", "late")
    assert restarted.index.rows[dossiers["RECEIVED"]].holder_unit_id == desk.units.hoan_kiem
    [birth] = [p for p in restarted.list_procedures()[0] if p.procedure_code == BIRTH]
    assert [v.processing_working_days for v in birth.versions] == [10, 5]


def test_a_second_replica_catches_up_from_the_snapshots(
        open_app: Callable[[], DossiersApplication], clock: Clock) -> None:
    first = open_app()
    desk = Desk(first, clock)
    dossiers = first_weeks(desk)
    positions = (first.index.save_snapshot(), first.procedure_index.save_snapshot())
    desk.command("assign", dossiers["RECEIVED"])

    second = open_app()

    assert (second.index.started_from, second.procedure_index.started_from) == positions
    assert second.get_dossier(dossiers["RECEIVED"]).status is Status.PROCESSING
    after_the_snapshot(desk, dossiers)
    time.sleep(second.index.freshness_s)
    [row] = [r for r in second.list_dossiers(DossierFilter(status=Status.RESULT_RETURNED))[0]
             if r.id == dossiers["NEW"]]
    assert row.status is Status.RESULT_RETURNED
    assert_same_as_a_replay(second, desk.units)
    assert answers(second, second.index, second.procedure_index, desk.units) == answers(
        first, first.index, first.procedure_index, desk.units)
