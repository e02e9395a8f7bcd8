"""Tampering with a real PostgreSQL event table is caught by ``lienthong audit verify``.

Real events are written through the identity application, the checkpointer
builds the tree and signs checkpoints, then plain SQL changes, deletes,
inserts or reorders events; verify must fail and name the notification id,
and pass on an untouched log, also when run with a role that may only SELECT.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from psycopg import sql
from typer.testing import CliRunner

from lienthong.audit import audit_scope
from lienthong.audit.checkpointer import Checkpointer
from lienthong.audit.checkpoints import generate_key_file, public_pem, sign_checkpoint
from lienthong.audit.leaves import raw_leaf_hash
from lienthong.services.identity.application import IdentityApplication, NewUnitSpec
from lienthong.tools.cli.main import app as cli

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.postgres

EVENTS = "identity.identityapplication_events"
LEAVES = "identity.identityapplication_audit_leaves"
CHECKPOINTS = "identity.identityapplication_audit_checkpoints"


def write_units(app: IdentityApplication, communes: int) -> None:
    with audit_scope(actor="can-bo-042", actor_agency_code="000.00.00.H49",
                     reason="Nghị quyết 1667/NQ-UBTVQH15"):
        province = str(app.register_unit(NewUnitSpec(
            "Tỉnh Quảng Nam", "province", administrative_unit_code="49",
            agency_code="000.00.00.H49"), request_id="reg-province"))
        for i in range(communes):
            app.register_unit(NewUnitSpec(f"Xã {i}", "commune",
                                          administrative_unit_code=f"{20000 + i:05d}",
                                          parent_id=province), request_id=f"reg-{i}")


@pytest.fixture
def audited(postgres_dsn: str, tmp_path: Path) -> dict[str, Any]:
    """A checkpointed identity log of about 50 events, and the public key file."""
    key_file = tmp_path / "signing.pem"
    key = generate_key_file(key_file)
    public = tmp_path / "audit.pub"
    public.write_bytes(public_pem(key.public_key()))
    app = IdentityApplication(postgres_dsn)
    try:
        write_units(app, 24)
        checkpointer = Checkpointer(app, service="identity", signing_key=key, every_events=16,
                                    batch_size=10)
        checkpointer.catch_up()
        checkpointer.checkpoint()
        events = app.recorder.max_notification_id()
    finally:
        app.close()
    return {"dsn": postgres_dsn, "public": public, "key": key, "events": events,
            "key_file": key_file}


def run_verify(dsn: str, public: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    result = CliRunner().invoke(cli, ["audit", "verify", "--service", "identity",
                                      "--event-store", dsn, "--public-key", str(public),
                                      "--json", *extra])
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.stdout)


def execute(dsn: str, *statements: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)  # type: ignore[arg-type]


def test_an_untouched_log_verifies(audited: dict[str, Any]) -> None:
    code, report = run_verify(audited["dsn"], audited["public"])
    assert code == 0
    assert report["ok"] is True
    assert report["events"] == report["leaves"] == audited["events"]
    assert report["latest_tree_size"] == audited["events"]
    assert report["checkpoints"] >= 3


def test_a_changed_event_is_named(audited: dict[str, Any]) -> None:
    execute(audited["dsn"], f"UPDATE {EVENTS} SET state = state || '\\x00'::bytea "
                            "WHERE notification_id = 17")
    code, report = run_verify(audited["dsn"], audited["public"])
    assert code == 1
    assert report["first_failure"]["kind"] == "changed"
    assert report["first_failure"]["notification_id"] == 17


def test_a_deleted_event_is_named(audited: dict[str, Any]) -> None:
    execute(audited["dsn"], f"DELETE FROM {EVENTS} WHERE notification_id = 23")
    code, report = run_verify(audited["dsn"], audited["public"])
    assert code == 1
    assert report["first_failure"]["kind"] == "deleted"
    assert report["first_failure"]["notification_id"] == 23


def test_a_deleted_last_event_is_named(audited: dict[str, Any]) -> None:
    last = audited["events"]
    execute(audited["dsn"], f"DELETE FROM {EVENTS} WHERE notification_id = {last}")
    code, report = run_verify(audited["dsn"], audited["public"])
    assert code == 1
    assert report["first_failure"]["kind"] == "deleted"
    assert report["first_failure"]["notification_id"] == last


def test_an_inserted_event_is_named(audited: dict[str, Any]) -> None:
    # Later events move one id on, and a forged one takes id 30.
    execute(audited["dsn"],
            f"UPDATE {EVENTS} SET notification_id = notification_id + 1000000 "
            "WHERE notification_id >= 30",
            f"UPDATE {EVENTS} SET notification_id = notification_id - 999999 "
            "WHERE notification_id >= 1000000",
            f"INSERT INTO {EVENTS} (originator_id, originator_version, topic, state, "
            f"notification_id) SELECT '{uuid.uuid4()}', 1, topic, state, 30 FROM {EVENTS} "
            "WHERE notification_id = 3")
    code, report = run_verify(audited["dsn"], audited["public"])
    assert code == 1
    assert report["first_failure"]["kind"] == "inserted"
    assert report["first_failure"]["notification_id"] == 30


def test_an_event_inserted_into_a_hole_is_named(postgres_dsn: str, tmp_path: Path) -> None:
    key = Ed25519PrivateKey.generate()
    (tmp_path / "audit.pub").write_bytes(public_pem(key.public_key()))
    app = IdentityApplication(postgres_dsn)
    try:
        write_units(app, 3)
        # A rolled-back transaction uses up an id: a hole in the notification ids.
        with psycopg.connect(postgres_dsn, autocommit=True) as conn:
            row = conn.execute("SELECT nextval(pg_get_serial_sequence(%s, 'notification_id'))",
                               (EVENTS,)).fetchone()
        assert row is not None
        hole = int(row[0])
        with audit_scope(actor="can-bo-042"):
            app.register_unit(NewUnitSpec("Tỉnh Kon Tum", "province",
                                          administrative_unit_code="62"), request_id="reg-62")
        checkpointer = Checkpointer(app, service="identity", signing_key=key, every_events=4,
                                    gap_timeout_s=0.0)
        checkpointer.catch_up()
        checkpointer.checkpoint()
        assert checkpointer.ledger.leaf_index(hole + 1) == hole - 1  # the tree moved past it
    finally:
        app.close()
    assert run_verify(postgres_dsn, tmp_path / "audit.pub")[0] == 0
    execute(postgres_dsn,
            f"INSERT INTO {EVENTS} (originator_id, originator_version, topic, state, "
            f"notification_id) SELECT '{uuid.uuid4()}', 1, topic, state, {hole} FROM {EVENTS} "
            "WHERE notification_id = 3")
    code, report = run_verify(postgres_dsn, tmp_path / "audit.pub")
    assert code == 1
    assert report["first_failure"]["kind"] == "inserted"
    assert report["first_failure"]["notification_id"] == hole


def test_reordered_events_name_the_first(audited: dict[str, Any]) -> None:
    execute(audited["dsn"],
            f"UPDATE {EVENTS} SET notification_id = -1 WHERE notification_id = 40",
            f"UPDATE {EVENTS} SET notification_id = 40 WHERE notification_id = 41",
            f"UPDATE {EVENTS} SET notification_id = 41 WHERE notification_id = -1")
    code, report = run_verify(audited["dsn"], audited["public"])
    assert code == 1
    assert report["first_failure"]["kind"] == "reordered"
    assert report["first_failure"]["notification_id"] == 40


@pytest.mark.parametrize("change", [
    "topic = topic || 'X'",
    "originator_version = originator_version + 1000",
    f"originator_id = '{uuid.uuid4()}'",
], ids=["topic", "originator_version", "originator_id"])
def test_each_stored_field_of_an_event_is_covered(audited: dict[str, Any], change: str) -> None:
    execute(audited["dsn"], f"UPDATE {EVENTS} SET {change} WHERE notification_id = 11")
    code, report = run_verify(audited["dsn"], audited["public"])
    assert code == 1
    assert report["first_failure"]["kind"] == "changed"
    assert report["first_failure"]["notification_id"] == 11


def test_an_event_deleted_with_its_leaf_is_named(audited: dict[str, Any]) -> None:
    execute(audited["dsn"], f"DELETE FROM {EVENTS} WHERE notification_id = 23",
            f"DELETE FROM {LEAVES} WHERE notification_id = 23")
    code, report = run_verify(audited["dsn"], audited["public"])
    assert code == 1
    assert report["first_failure"]["kind"] == "leaf_table"  # a leaf index is missing
    assert report["first_failure"]["notification_id"] == 24  # the first one out of place


def test_an_event_deleted_with_its_leaf_and_the_leaves_renumbered_breaks_the_kept_root(
        audited: dict[str, Any], tmp_path: Path) -> None:
    with psycopg.connect(audited["dsn"]) as conn:
        kept = conn.execute(sql.SQL("SELECT note FROM {} WHERE tree_size >= 23 "
                                    "ORDER BY tree_size LIMIT 1").format(
            sql.SQL(CHECKPOINTS))).fetchone()
    assert kept is not None  # the first checkpoint that covers event 23
    (tmp_path / "kept.txt").write_text(kept[0])
    # The leaf table made to agree with the events: one leaf fewer, no hole in its indexes,
    # and the checkpoints that covered the event removed.
    execute(audited["dsn"], f"DELETE FROM {EVENTS} WHERE notification_id = 23",
            f"DELETE FROM {LEAVES} WHERE notification_id = 23",
            f"UPDATE {LEAVES} SET leaf_index = leaf_index + 1000000 WHERE leaf_index > 22",
            f"UPDATE {LEAVES} SET leaf_index = leaf_index - 1000001 WHERE leaf_index > 1000000",
            f"DELETE FROM {CHECKPOINTS} WHERE tree_size >= 23")
    code, report = run_verify(audited["dsn"], audited["public"])
    assert code == 0  # the database alone cannot tell
    code, report = run_verify(audited["dsn"], audited["public"],
                              "--checkpoints", str(tmp_path / "kept.txt"))
    assert code == 1
    assert report["first_failure"]["kind"] == "root_mismatch"
    assert report["first_failure"]["notification_id"] <= 23


def test_an_event_changed_with_its_leaf_breaks_the_signed_root(audited: dict[str, Any]) -> None:
    # Whoever can write changes an event and puts its new leaf hash in the leaf table.
    with psycopg.connect(audited["dsn"], autocommit=True) as conn:
        conn.execute(f"UPDATE {EVENTS} SET state = state || '\\x00'::bytea "
                     "WHERE notification_id = 20")
        row = conn.execute(f"SELECT notification_id, uuid_send(originator_id), "
                           f"originator_version, topic, state FROM {EVENTS} "
                           "WHERE notification_id = 20").fetchone()
        assert row is not None
        leaf = raw_leaf_hash(row[0], row[1], row[2], row[3].encode(), row[4])
        conn.execute(f"UPDATE {LEAVES} SET leaf_hash = %s WHERE notification_id = 20",
                     (leaf,))
    code, report = run_verify(audited["dsn"], audited["public"])
    assert code == 1
    first = report["first_failure"]
    assert first["kind"] == "root_mismatch"
    assert first["notification_id"] <= 20 <= int(first["detail"].split(" and ")[1].split()[0])


def test_a_forged_checkpoint_fails(audited: dict[str, Any]) -> None:
    with psycopg.connect(audited["dsn"], autocommit=True) as conn:
        row = conn.execute(sql.SQL("SELECT min(tree_size) FROM {}").format(
            sql.SQL(CHECKPOINTS))).fetchone()
        assert row is not None
        size = row[0]
        # A checkpoint of the same size, signed by a key that is not the service's.
        forged = sign_checkpoint("lienthong.vn/identity", size, b"\x07" * 32,
                                 audited_time(), size, Ed25519PrivateKey.generate())
        conn.execute(sql.SQL("UPDATE {} SET note = %s WHERE tree_size = %s").format(
            sql.SQL(CHECKPOINTS)), (forged.note, size))
    code, report = run_verify(audited["dsn"], audited["public"])
    assert code == 1
    assert report["first_failure"]["kind"] == "checkpoint_signature"
    assert report["first_failure"]["tree_size"] == size


def test_a_truncated_log_fails_against_a_kept_checkpoint(audited: dict[str, Any],
                                                         tmp_path: Path) -> None:
    with psycopg.connect(audited["dsn"]) as conn:
        kept = conn.execute(sql.SQL("SELECT note FROM {} ORDER BY tree_size DESC LIMIT 1"
                                    ).format(sql.SQL(CHECKPOINTS))).fetchone()
    assert kept is not None
    (tmp_path / "kept.txt").write_text(kept[0])
    last = audited["events"]
    # Whoever can write removes the last events, their leaves and checkpoints.
    execute(audited["dsn"], f"DELETE FROM {EVENTS} WHERE notification_id > {last - 5}",
            f"DELETE FROM {LEAVES} WHERE notification_id > {last - 5}",
            f"DELETE FROM {CHECKPOINTS} WHERE tree_size > {last - 5}")
    code, report = run_verify(audited["dsn"], audited["public"])
    assert code == 0  # the database alone cannot tell
    assert report["uncheckpointed"] == report["events"] - report["latest_tree_size"] > 0
    code, report = run_verify(audited["dsn"], audited["public"],
                              "--checkpoints", str(tmp_path / "kept.txt"))
    assert code == 1
    assert report["first_failure"]["kind"] == "truncated"
    # The tree size the auditor saw last is enough to tell too.
    code, report = run_verify(audited["dsn"], audited["public"], "--min-tree-size", str(last))
    assert code == 1
    assert report["first_failure"]["kind"] == "checkpoint_missing"


def test_verify_runs_with_a_role_that_may_only_select(audited: dict[str, Any]) -> None:
    role = f"auditor_{uuid.uuid4().hex[:8]}"
    dbname = urlsplit(audited["dsn"]).path.lstrip("/")
    execute(audited["dsn"], f"CREATE ROLE {role} LOGIN PASSWORD 'kiem-toan'",
            f"GRANT CONNECT ON DATABASE {dbname} TO {role}",
            f"GRANT USAGE ON SCHEMA identity TO {role}",
            f"GRANT SELECT ON ALL TABLES IN SCHEMA identity TO {role}")
    parts = urlsplit(audited["dsn"])
    auditor = urlunsplit(parts._replace(netloc=f"{role}:kiem-toan@{parts.hostname}:"
                                               f"{parts.port or 5432}"))
    try:
        with psycopg.connect(auditor) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(f"DELETE FROM {EVENTS}")
        code, report = run_verify(auditor, audited["public"])
        assert code == 0
        assert report["leaves"] == audited["events"]
    finally:
        execute(audited["dsn"], f"DROP OWNED BY {role}", f"DROP ROLE {role}")


def test_a_killed_checkpointer_resumes_without_duplicates(postgres_dsn: str,
                                                          tmp_path: Path) -> None:
    key_file = tmp_path / "signing.pem"
    key = generate_key_file(key_file)
    (tmp_path / "audit.pub").write_bytes(public_pem(key.public_key()))
    app = IdentityApplication(postgres_dsn)
    try:
        write_units(app, 150)
        events = app.recorder.max_notification_id()
    finally:
        app.close()
    command = [sys.executable, "-m", "lienthong.audit.checkpointer",
               "--app", "lienthong.services.identity.application:IdentityApplication",
               "--service", "identity", "--event-store", postgres_dsn,
               "--signing-key", str(key_file), "--every-events", "7", "--batch-size", "1"]
    env = {**os.environ, "LIENTHONG_NATS_URL": "", "LIENTHONG_LOG_LEVEL": "warning"}
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        while leaf_count(postgres_dsn) < 40:
            assert process.poll() is None, "the checkpointer ended on its own"
            time.sleep(0.02)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert leaf_count(postgres_dsn) < events  # killed mid-way
    subprocess.run([*command, "--once"], env=env, check=True, timeout=120,
                   stdout=subprocess.DEVNULL)
    with psycopg.connect(postgres_dsn) as conn:
        row = conn.execute(f"SELECT count(*), count(DISTINCT notification_id), "
                           f"max(leaf_index) FROM {LEAVES}").fetchone()
    assert row == (events, events, events - 1)
    code, report = run_verify(postgres_dsn, tmp_path / "audit.pub")
    assert code == 0
    assert report["latest_tree_size"] == events


def leaf_count(dsn: str) -> int:
    with psycopg.connect(dsn) as conn:
        try:
            row = conn.execute(f"SELECT count(*) FROM {LEAVES}").fetchone()
        except psycopg.errors.UndefinedTable:
            return 0
    return int(row[0]) if row else 0


def audited_time() -> Any:
    import datetime as dt

    return dt.datetime.now(dt.UTC)


def test_the_checkpointer_waits_at_a_fresh_hole_until_it_fills(postgres_dsn: str) -> None:
    key = Ed25519PrivateKey.generate()
    app = IdentityApplication(postgres_dsn)
    try:
        write_units(app, 2)
        # An id taken by a transaction that has not committed yet (or never will).
        with psycopg.connect(postgres_dsn, autocommit=True) as conn:
            row = conn.execute("SELECT nextval(pg_get_serial_sequence(%s, 'notification_id'))",
                               (EVENTS,)).fetchone()
        assert row is not None
        hole = int(row[0])
        with audit_scope(actor="can-bo-042"):
            app.register_unit(NewUnitSpec("Tỉnh Kon Tum", "province",
                                          administrative_unit_code="62"), request_id="reg-62")
        checkpointer = Checkpointer(app, service="identity", signing_key=key, every_events=100,
                                    gap_timeout_s=3600.0)
        checkpointer.catch_up()
        assert checkpointer.ledger.size() == hole - 1  # stopped before the hole
        # The late transaction commits its event at the hole's id.
        execute(postgres_dsn,
                f"INSERT INTO {EVENTS} (originator_id, originator_version, topic, state, "
                f"notification_id) SELECT '{uuid.uuid4()}', 1, topic, state, {hole} "
                f"FROM {EVENTS} WHERE notification_id = 1")
        checkpointer.catch_up()
        checkpointer.checkpoint()
        assert checkpointer.ledger.leaf_index(hole) == hole - 1
        assert checkpointer.ledger.size() == app.recorder.max_notification_id()
    finally:
        app.close()
