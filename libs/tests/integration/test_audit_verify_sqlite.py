"""``lienthong audit verify`` on a SQLite log: what it proves, and what it refuses to call
proved (no checkpoint, later checkpoints gone, a row the leaf encoding cannot hold)."""

from __future__ import annotations

import json
import sqlite3
from typing import TYPE_CHECKING, Any

import pytest
from typer.testing import CliRunner

from lienthong.audit import audit_scope
from lienthong.audit.checkpointer import Checkpointer, TreeDiverged
from lienthong.audit.checkpoints import generate_key_file, public_pem
from lienthong.audit.leaves import raw_leaf_hash
from lienthong.audit.ledger import Ledger
from lienthong.services.identity.application import IdentityApplication, NewUnitSpec
from lienthong.tools.cli.main import app as cli

if TYPE_CHECKING:
    from pathlib import Path

EVENTS, LEAVES, CHECKPOINTS = "stored_events", "stored_audit_leaves", "stored_audit_checkpoints"


def write_log(tmp_path: Path, communes: int, *, every_events: int | None,
              sign: bool = True) -> dict[str, Any]:
    """An identity log in SQLite; its tree built, and checkpoints every ``every_events``
    (none: no checkpointer ran); the public key file."""
    key = generate_key_file(tmp_path / "signing.pem")
    (tmp_path / "audit.pub").write_bytes(public_pem(key.public_key()))
    store = f"sqlite:///{tmp_path / 'identity.db'}"
    app = IdentityApplication(store)
    try:
        with audit_scope(actor="can-bo-042"):
            province = str(app.register_unit(NewUnitSpec("Tỉnh Hà Giang", "province",
                                                         administrative_unit_code="02"),
                                             request_id="reg-province"))
            for i in range(communes):
                app.register_unit(NewUnitSpec(f"Xã {i}", "commune",
                                              administrative_unit_code=f"{700 + i:05d}",
                                              parent_id=province), request_id=f"reg-{i}")
        if every_events is not None:
            checkpointer = Checkpointer(app, service="identity", signing_key=key,
                                        every_events=every_events)
            checkpointer.catch_up()
            if sign:
                checkpointer.checkpoint()
        events = app.recorder.max_notification_id()
    finally:
        app.close()
    return {"store": store, "db": tmp_path / "identity.db", "public": tmp_path / "audit.pub",
            "key": key, "events": events}


def run_verify(log: dict[str, Any], *extra: str) -> tuple[int, dict[str, Any]]:
    result = CliRunner().invoke(cli, ["audit", "verify", "--service", "identity",
                                      "--event-store", log["store"], "--public-key",
                                      str(log["public"]), "--json", *extra])
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.stdout)


def execute(log: dict[str, Any], *statements: str) -> None:
    with sqlite3.connect(log["db"]) as conn:
        for statement in statements:
            conn.execute(statement)


def test_a_log_that_no_checkpoint_covers_proves_nothing(tmp_path: Path) -> None:
    # The checkpointer built the tree but signed nothing yet (or its checkpoints were removed).
    log = write_log(tmp_path, 4, every_events=1000, sign=False)
    code, report = run_verify(log)
    assert code == 1
    assert report["first_failure"]["kind"] == "no_checkpoint"
    assert report["leaves"] == report["uncheckpointed"] == log["events"]


def test_a_log_whose_checkpointer_never_ran_proves_nothing(tmp_path: Path) -> None:
    log = write_log(tmp_path, 2, every_events=None)
    code, report = run_verify(log)
    assert code == 1
    assert [f["kind"] for f in report["failures"]] == ["no_checkpoint"]
    assert report["unaudited"] == log["events"]
    assert any("checkpointer never ran" in warning for warning in report["warnings"])


def test_later_checkpoints_removed_fail_against_the_tree_size_the_auditor_saw(
        tmp_path: Path) -> None:
    log = write_log(tmp_path, 12, every_events=5)
    events = log["events"]
    code, report = run_verify(log, "--min-tree-size", str(events))
    assert code == 0, report
    assert report["latest_tree_size"] == events and report["uncheckpointed"] == 0
    # Whoever can write to the database removes the checkpoints after tree size 5.
    execute(log, f"DELETE FROM {CHECKPOINTS} WHERE tree_size > 5")
    code, report = run_verify(log)
    assert code == 0  # the database alone cannot tell: the events are still all proved...
    assert report["uncheckpointed"] == events - 5  # ...but only 5 of them by a checkpoint
    code, report = run_verify(log, "--min-tree-size", str(events))
    assert code == 1
    assert report["first_failure"]["kind"] == "checkpoint_missing"
    assert report["first_failure"]["tree_size"] == 5


@pytest.mark.parametrize("new_id", [
    "originator_id || '00'",                    # a byte appended
    "substr(originator_id, 1, 30)",             # a byte cut off
    "substr(originator_id, 1, 30) || ' 0'",     # 32 characters, 15 bytes
    "'zz' || substr(originator_id, 3)",         # not hex
])
def test_an_originator_id_of_other_than_16_bytes_is_a_changed_event(tmp_path: Path,
                                                                     new_id: str) -> None:
    log = write_log(tmp_path, 6, every_events=4)
    execute(log, f"UPDATE {EVENTS} SET originator_id = {new_id} WHERE rowid = 5")
    code, report = run_verify(log)
    assert code == 1
    assert report["first_failure"]["kind"] == "changed"
    assert report["first_failure"]["notification_id"] == 5


def tamper_with_event_and_leaf(log: dict[str, Any], notification_id: int) -> None:
    """Change an event's stored state and put its new leaf hash in the leaf table."""
    with sqlite3.connect(log["db"]) as conn:
        conn.execute(f"UPDATE {EVENTS} SET state = CAST(state || x'00' AS BLOB) "
                     f"WHERE rowid = {notification_id}")
        row = conn.execute(f"SELECT rowid, originator_id, originator_version, topic, state "
                           f"FROM {EVENTS} WHERE rowid = {notification_id}").fetchone()
        leaf = raw_leaf_hash(row[0], bytes.fromhex(row[1]), row[2], row[3].encode(), row[4])
        conn.execute(f"UPDATE {LEAVES} SET leaf_hash = ? WHERE notification_id = ?",
                     (leaf, notification_id))


def test_the_checkpointer_refuses_a_tree_its_stored_checkpoint_did_not_sign(
        tmp_path: Path) -> None:
    log = write_log(tmp_path, 8, every_events=4)
    tamper_with_event_and_leaf(log, 6)
    app = IdentityApplication(log["store"])
    try:
        before = Ledger(app).checkpoints()
        checkpointer = Checkpointer(app, service="identity", signing_key=log["key"],
                                    every_events=4)
        with pytest.raises(TreeDiverged, match="database checkpoint"):
            checkpointer.catch_up()
        with pytest.raises(TreeDiverged):
            checkpointer.checkpoint()
        assert Ledger(app).checkpoints() == before
    finally:
        app.close()
