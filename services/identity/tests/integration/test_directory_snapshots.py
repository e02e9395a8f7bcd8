"""The unit directory starts from its snapshot instead of replaying the whole log.

Every story runs on SQLite and on PostgreSQL. A directory started from a snapshot
must answer exactly as one rebuilt from notification 1 (``Replayed``), whatever
happened since the snapshot, whoever took it, and whatever holes the log had.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
import zlib
from typing import TYPE_CHECKING, Any

import pytest
from eventsourcing.postgres import PostgresApplicationRecorder

from lienthong.errors import NotFound
from lienthong.projection import ENV_EVERY_EVENTS, SNAPSHOT_TABLE
from lienthong.services.identity.application import (
    DivisionTarget,
    IdentityApplication,
    NewUnitSpec,
)
from lienthong.services.identity.projections import UnitDirectory

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from uuid import UUID

REFORM = dt.date(2025, 7, 1)
BEFORE = dt.date(2025, 6, 30)


class Replayed(UnitDirectory):
    """The directory rebuilt from notification 1, ignoring any snapshot."""

    snapshot_format = 0


@pytest.fixture
def open_app(event_store_url: str) -> Iterator[Callable[..., IdentityApplication]]:
    """Open applications (replicas, restarts) on the store; all closed at the end."""
    opened: list[IdentityApplication] = []

    def open_one(**env: str) -> IdentityApplication:
        app = IdentityApplication(event_store_url, env=env)
        opened.append(app)
        return app

    yield open_one
    for app in opened:
        app.close()


def registrations(app: IdentityApplication) -> dict[str, UUID]:
    """Hà Nội and eight of its communes, one renamed, one given its agency code."""
    ids = {"hanoi": app.register_unit(NewUnitSpec(
        "Thành phố Hà Nội", "municipality", administrative_unit_code="01",
        agency_code="000.00.00.H26"), request_id="reg-01")}
    for key, name, code, agency, kind in [
            ("phuc_xa", "Phường Phúc Xá", "00001", "000.00.01.H26", "ward"),
            ("truc_bach", "Phường Trúc Bạch", "00004", "000.00.02.H26", "ward"),
            ("quan_thanh", "Phường Quán Thánh", "00010", "000.00.05.H26", "ward"),
            ("dien_bien", "Phường Điện Biên", "00011", "000.00.06.H26", "ward"),
            ("tay_tuu", "Xã Tây Tựu", "09877", "000.00.20.H26", "commune"),
            ("thuong_cat", "Xã Thượng Cát", "09880", "", "commune"),
            ("dao_nho", "Xã Đảo Nhỏ", "09990", "", "commune"),
            ("ven_bien", "Xã Ven Biển", "09991", "", "commune")]:
        ids[key] = app.register_unit(NewUnitSpec(
            name, kind, administrative_unit_code=code, agency_code=agency,
            parent_id=str(ids["hanoi"])), request_id=f"reg-{code}")
    app.rename_unit(str(ids["phuc_xa"]), "Phường Phúc Xá Mới", effective_date=BEFORE)
    app.assign_agency_code(str(ids["thuong_cat"]), "000.00.21.H26", effective_date=BEFORE)
    return ids


def reform(app: IdentityApplication, ids: dict[str, UUID]) -> None:
    """The 1 July 2025 changes, on units the directory may know from a snapshot."""
    app.rename_unit(str(ids["phuc_xa"]), "Phường Phúc Xá Cũ", effective_date=REFORM)
    app.assign_agency_code(str(ids["thuong_cat"]), "000.00.22.H26", effective_date=REFORM,
                           reason="QĐ 12/2025")
    ids["ba_dinh"], _ = app.merge_units(
        [str(ids["phuc_xa"]), str(ids["truc_bach"])],
        new_successor=NewUnitSpec("Phường Ba Đình", "ward", administrative_unit_code="00004",
                                  agency_code="000.00.03.H26", parent_id=str(ids["hanoi"])),
        effective_date=REFORM, request_id="merge-ba-dinh")
    app.merge_units([str(ids["quan_thanh"])], successor_id=str(ids["dien_bien"]),
                    effective_date=REFORM, request_id="merge-dien-bien")
    app.divide_unit(str(ids["tay_tuu"]), [
        DivisionTarget(unit_id=str(ids["thuong_cat"])),
        DivisionTarget(new_unit=NewUnitSpec("Phường Tây Tựu", "ward",
                                            administrative_unit_code="09877",
                                            parent_id=str(ids["hanoi"])), is_default=True),
    ], effective_date=REFORM, request_id="divide-tay-tuu")
    app.dissolve_unit(str(ids["dao_nho"]), str(ids["ven_bien"]), effective_date=REFORM,
                      request_id="dissolve-dao-nho")


def resolved(directory: UnitDirectory, code: str, day: dt.date) -> Any:
    try:
        return directory.resolve(code, day)
    except NotFound:
        return "not found"


def answers(directory: UnitDirectory) -> dict[str, Any]:
    """What the directory holds and what it answers about the reform."""
    with directory.lock:
        return {
            "units": dict(directory.units), "agency_codes": dict(directory.agency_codes),
            "administrative_codes": dict(directory.administrative_codes),
            "resolved": [resolved(directory, code, day) for code in
                         ("00001", "00004", "00010", "09877", "09990", "000.00.22.H26")
                         for day in (BEFORE, REFORM)],
            "search": [u.unit_id for u in directory.search("phuc xa", include_retired=True,
                                                           level=None)],
        }


def replayed(app: IdentityApplication) -> Replayed:
    directory = Replayed.of(app)
    directory.catch_up()
    return directory


def assert_same_as_a_replay(app: IdentityApplication) -> None:
    full = replayed(app)
    app.directory.catch_up()
    assert app.directory.position == full.position
    assert answers(app.directory) == answers(full)


def test_a_restarted_directory_starts_from_its_snapshot_and_answers_as_a_full_replay(
        open_app: Callable[..., IdentityApplication]) -> None:
    first = open_app()
    ids = registrations(first)
    position = first.directory.save_snapshot()
    assert position == first.recorder.max_notification_id()
    reform(first, ids)
    first.close()

    restarted = open_app()

    # Units restored from the snapshot were renamed, merged, divided after it: each
    # later event applied once, on top of the snapshot.
    assert restarted.directory.started_from == position
    assert_same_as_a_replay(restarted)
    assert restarted.get_unit(ids["phuc_xa"]).renames == [(BEFORE, "Phường Phúc Xá Mới"),
                                                          (REFORM, "Phường Phúc Xá Cũ")]
    assert restarted.resolve_unit("00004", REFORM).named.unit_id == ids["ba_dinh"]


def test_a_second_replica_catches_up_from_the_snapshot_and_follows_the_first(
        open_app: Callable[..., IdentityApplication]) -> None:
    first = open_app()
    ids = registrations(first)
    position = first.directory.save_snapshot()
    first.rename_unit(str(ids["ven_bien"]), "Xã Ven Biển Mới", effective_date=BEFORE)

    second = open_app()

    assert second.directory.started_from == position
    assert second.get_unit(ids["ven_bien"]).display_name == "Xã Ven Biển Mới"
    reform(first, ids)
    time.sleep(second.directory.freshness_s)
    assert second.resolve_unit("09990").default_unit_id == ids["ven_bien"]
    assert_same_as_a_replay(second)
    assert answers(second.directory) == answers(first.directory)


class RawLog:
    """The event table under the application, for taking rows out and putting them back."""

    def __init__(self, app: IdentityApplication) -> None:
        self.recorder = app.recorder
        self.postgres = isinstance(app.recorder, PostgresApplicationRecorder)
        table = app.recorder.events_table_name
        if self.postgres:
            table = f'"{app.recorder.datastore.schema}"."{table}"'
        self.table, self.id = table, ("notification_id" if self.postgres else "rowid")

    def _sql(self, statement: str) -> str:
        return statement.replace("?", "%s") if self.postgres else statement

    def take(self, first: int, last: int) -> list[tuple[Any, ...]]:
        """Delete rows ``first..last``, as if their transaction had not committed yet."""
        where = f"WHERE {self.id} >= ? AND {self.id} <= ?"
        with self.recorder.datastore.transaction(commit=True) as cursor:
            cursor.execute(self._sql(
                f"SELECT {self.id}, originator_id, originator_version, topic, state "
                f"FROM {self.table} {where} ORDER BY {self.id}"), (first, last))
            rows = [tuple(row) if not self.postgres else tuple(row.values())
                    for row in cursor.fetchall()]
            cursor.execute(self._sql(f"DELETE FROM {self.table} {where}"), (first, last))
        assert [row[0] for row in rows] == list(range(first, last + 1))
        return rows

    def put(self, rows: list[tuple[Any, ...]]) -> None:
        """Commit the rows under their own ids: a late transaction."""
        with self.recorder.datastore.transaction(commit=True) as cursor:
            for row in rows:
                cursor.execute(self._sql(
                    f"INSERT INTO {self.table} ({self.id}, originator_id, originator_version, "
                    "topic, state) VALUES (?, ?, ?, ?, ?)"), row)


def test_a_snapshot_taken_while_a_hole_is_open_does_not_lose_the_late_event(
        open_app: Callable[..., IdentityApplication]) -> None:
    first, writer = open_app(), open_app()
    ids = registrations(first)
    before = writer.recorder.max_notification_id()
    late = writer.register_unit(NewUnitSpec(
        "Phường Hồng Hà", "ward", administrative_unit_code="00037", agency_code="000.00.07.H26",
        parent_id=str(ids["hanoi"])), request_id="reg-00037")
    late_rows = (before + 1, writer.recorder.max_notification_id())
    writer.rename_unit(str(ids["ven_bien"]), "Xã Ven Biển Mới", effective_date=BEFORE)
    raw = RawLog(writer)
    # The registration's transaction has its ids but commits after the rename's.
    rows = raw.take(*late_rows)

    first.directory.catch_up()
    assert set(first.directory.waiting) == set(range(late_rows[0], late_rows[1] + 1))
    assert first.get_unit(ids["ven_bien"]).display_name == "Xã Ven Biển Mới"
    position = first.directory.save_snapshot()
    assert position is not None and position > late_rows[1]
    raw.put(rows)

    # The running directory finds the late event at its next catch-up ...
    first.directory.catch_up()
    assert first.get_unit(late).display_name == "Phường Hồng Hà"
    assert not first.directory.waiting
    # ... and so does a process started from the snapshot taken while the hole was open.
    restarted = open_app()
    assert restarted.directory.started_from == position
    assert restarted.get_unit(late).display_name == "Phường Hồng Hà"
    assert restarted.resolve_unit("000.00.07.H26").named.unit_id == late
    assert_same_as_a_replay(restarted)


def test_a_hole_that_never_fills_is_forgotten_after_the_gap_timeout(
        open_app: Callable[..., IdentityApplication]) -> None:
    first = open_app()
    ids = registrations(first)
    top = first.recorder.max_notification_id()
    first.rename_unit(str(ids["ven_bien"]), "Xã Ven Biển Mới", effective_date=BEFORE)
    first.rename_unit(str(ids["dao_nho"]), "Xã Đảo Lớn", effective_date=BEFORE)
    RawLog(first).take(top + 1, top + 1)  # a rolled-back transaction's id

    restarted = open_app()
    assert restarted.directory.waiting.keys() == {top + 1}
    restarted.directory.gap_timeout_s = 0.0
    restarted.directory.catch_up()
    assert not restarted.directory.waiting
    assert restarted.directory.save_snapshot() == restarted.recorder.max_notification_id()
    assert open_app().directory.waiting == {}


def stored_snapshot(app: IdentityApplication) -> tuple[Any, ...]:
    with app.recorder.datastore.transaction(commit=False) as cursor:
        cursor.execute(f"SELECT format, payload FROM {_table(app)}")
        return tuple(tuple(row.values()) if isinstance(row, dict) else tuple(row)
                     for row in cursor.fetchall())


def _table(app: IdentityApplication) -> str:
    if isinstance(app.recorder, PostgresApplicationRecorder):
        return f'"{app.recorder.datastore.schema}".{SNAPSHOT_TABLE}'
    return SNAPSHOT_TABLE


def overwrite_snapshot(app: IdentityApplication, payload: bytes, *, sha256: str) -> None:
    marker = "%s" if isinstance(app.recorder, PostgresApplicationRecorder) else "?"
    with app.recorder.datastore.transaction(commit=True) as cursor:
        cursor.execute(f"UPDATE {_table(app)} SET payload = {marker}, "
                       f"sha256 = {marker}", (payload, sha256))


@pytest.mark.parametrize("damage", ["bytes changed", "state of another layout"])
def test_a_corrupted_snapshot_is_ignored_and_the_log_replayed(
        open_app: Callable[..., IdentityApplication], damage: str) -> None:
    first = open_app()
    ids = registrations(first)
    first.directory.save_snapshot()
    reform(first, ids)
    [(_, payload)] = stored_snapshot(first)
    payload = bytes(payload)
    if damage == "bytes changed":
        damaged = payload[:40] + bytes([payload[40] ^ 0xFF]) + payload[41:]
        overwrite_snapshot(first, damaged, sha256=hashlib.sha256(payload).hexdigest())
    else:  # well-formed, checksummed, but not what format 1 holds
        document = json.loads(zlib.decompress(payload))
        document["state"]["units"] = [["not", "a", "unit"]]
        damaged = zlib.compress(json.dumps(document).encode())
        overwrite_snapshot(first, damaged, sha256=hashlib.sha256(damaged).hexdigest())

    restarted = open_app()

    assert restarted.directory.started_from is None
    assert_same_as_a_replay(restarted)


def test_a_snapshot_of_an_older_format_is_ignored_and_replaced(
        open_app: Callable[..., IdentityApplication], monkeypatch: pytest.MonkeyPatch) -> None:
    first = open_app()
    ids = registrations(first)
    first.directory.save_snapshot()
    reform(first, ids)
    # The next release changes what the directory keeps, and says so.
    monkeypatch.setattr(UnitDirectory, "snapshot_format", 2)

    upgraded = open_app()

    assert upgraded.directory.started_from is None
    assert_same_as_a_replay(upgraded)
    position = upgraded.directory.save_snapshot()
    assert [row[0] for row in stored_snapshot(upgraded)] == [2]
    assert open_app().directory.started_from == position


def test_snapshots_are_taken_in_the_background_every_n_events(
        open_app: Callable[..., IdentityApplication]) -> None:
    first = open_app(**{ENV_EVERY_EVENTS: "10"})
    ids = registrations(first)
    deadline = time.monotonic() + 10
    while not stored_snapshot(first) and time.monotonic() < deadline:
        time.sleep(0.05)
    reform(first, ids)

    restarted = open_app()

    assert restarted.directory.started_from is not None
    assert restarted.directory.started_from >= 10
    assert_same_as_a_replay(restarted)


def test_a_snapshot_ahead_of_the_log_is_ignored(
        open_app: Callable[..., IdentityApplication]) -> None:
    first = open_app()
    registrations(first)
    position = first.directory.save_snapshot()
    assert position is not None
    # The events come back from a backup older than the snapshot.
    RawLog(first).take(position - 3, position)

    restored = open_app()

    assert restored.directory.started_from is None
    assert_same_as_a_replay(restored)
