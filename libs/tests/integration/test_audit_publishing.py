"""Checkpoints are stored, published on NATS for outsiders to keep, and signed by the
service process itself when it is given a key; a checkpointer signs no tree that does not
match the checkpoints published before."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from typing import TYPE_CHECKING

import grpc
import httpx
import nats
import pytest
from typer.testing import CliRunner

from lienthong.audit import audit_scope
from lienthong.audit.checkpointer import CHECKPOINT_STREAM, Checkpointer, TreeDiverged
from lienthong.audit.checkpoints import generate_key_file, parse_checkpoint, public_pem
from lienthong.audit.leaves import raw_leaf_hash
from lienthong.audit.ledger import Ledger
from lienthong.identity.v1 import identity_pb2 as pb
from lienthong.identity.v1 import identity_pb2_grpc as pb_grpc
from lienthong.ports import free_port, wait_for_port
from lienthong.services.identity.application import IdentityApplication, NewUnitSpec
from lienthong.testing.logs import json_logs
from lienthong.tools.cli.main import app as cli

if TYPE_CHECKING:
    from pathlib import Path

    from lienthong.testing.nats import NatsServer


def register(app: IdentityApplication, communes: int) -> None:
    with audit_scope(actor="can-bo-042"):
        province = str(app.register_unit(NewUnitSpec("Tỉnh Lai Châu", "province",
                                                     administrative_unit_code="12"),
                                         request_id="reg-province"))
        for i in range(communes):
            app.register_unit(NewUnitSpec(f"Xã {i}", "commune",
                                          administrative_unit_code=f"{3000 + i:05d}",
                                          parent_id=province), request_id=f"reg-{i}")


async def one_pass(checkpointer: Checkpointer, *, sign_now: bool = False) -> None:
    """What a running checkpointer does on each wake-up; ``sign_now``: a checkpoint too."""
    try:
        await checkpointer.run_once()
        if sign_now:
            checkpointer.checkpoint()
            await checkpointer.publish_pending()
    finally:
        await checkpointer.close()


async def published(url: str, subject: str) -> list[nats.aio.msg.Msg]:
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        sub = await js.subscribe(subject, ordered_consumer=True)
        messages = []
        info = await js.stream_info(CHECKPOINT_STREAM)
        for _ in range(info.state.messages):
            messages.append(await sub.next_msg(timeout=5))
        return messages
    finally:
        await nc.close()


async def stream_config(url: str) -> nats.js.api.StreamConfig:
    nc = await nats.connect(url)
    try:
        return (await nc.jetstream().stream_info(CHECKPOINT_STREAM)).config
    finally:
        await nc.close()


def test_checkpoints_are_published_once_each_and_verify(nats_server: NatsServer,
                                                        tmp_path: Path) -> None:
    key = generate_key_file(tmp_path / "signing.pem")
    (tmp_path / "audit.pub").write_bytes(public_pem(key.public_key()))
    store = f"sqlite:///{tmp_path / 'identity.db'}"
    app = IdentityApplication(store)
    try:
        register(app, 10)
        checkpointer = Checkpointer(app, service="identity", signing_key=key,
                                    nats_url=nats_server.url, every_events=8)
        asyncio.run(one_pass(checkpointer))
        with audit_scope(actor="can-bo-042"):
            for code in ("13", "14", "15"):
                app.register_unit(NewUnitSpec(f"Tỉnh {code}", "province",
                                              administrative_unit_code=code),
                                  request_id=f"province-{code}")
        asyncio.run(one_pass(checkpointer, sign_now=True))
        # A second checkpointer (a restart, or another replica) publishes nothing twice.
        again = Checkpointer(app, service="identity", signing_key=key,
                             nats_url=nats_server.url, every_events=8)
        asyncio.run(one_pass(again))
        stored = Ledger(app).checkpoints()
        events = app.recorder.max_notification_id()
    finally:
        app.close()

    config = asyncio.run(stream_config(nats_server.url))
    assert config.deny_delete and config.deny_purge
    messages = asyncio.run(published(nats_server.url, "lienthong.checkpoints.identity"))
    assert [m.headers["Nats-Msg-Id"] for m in messages] == [
        f"identity/{cp.tree_size}" for cp in stored]
    assert [parse_checkpoint(m.data.decode()) for m in messages] == stored
    assert all(cp.verify(key.public_key()) for cp in stored)
    assert stored[-1].tree_size == events
    assert [cp.tree_size for cp in stored[:-1]] == list(range(8, events, 8))

    # What was published is what an auditor keeps, and checks the database against.
    (tmp_path / "kept.txt").write_text("".join(m.data.decode() for m in messages))
    result = CliRunner().invoke(cli, [
        "audit", "verify", "--service", "identity", "--event-store", store,
        "--public-key", str(tmp_path / "audit.pub"), "--checkpoints",
        str(tmp_path / "kept.txt"), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["latest_tree_size"] == events

    with sqlite3.connect(tmp_path / "identity.db") as conn:
        conn.execute("UPDATE stored_events SET state = CAST(state || x'00' AS BLOB) "
                     "WHERE rowid = 5")
    result = CliRunner().invoke(cli, [
        "audit", "verify", "--service", "identity", "--event-store", store,
        "--public-key", str(tmp_path / "audit.pub"), "--json"])
    assert result.exit_code == 1, result.output
    assert json.loads(result.stdout)["first_failure"]["notification_id"] == 5


def test_a_service_given_a_key_signs_and_publishes_checkpoints(nats_server: NatsServer,
                                                               tmp_path: Path) -> None:
    generate_key_file(tmp_path / "signing.pem")
    port, metrics_port = free_port(), free_port()
    env = {**os.environ, "LIENTHONG_LISTEN": f"127.0.0.1:{port}",
           "LIENTHONG_METRICS_LISTEN": f"127.0.0.1:{metrics_port}",
           "LIENTHONG_EVENT_STORE": f"sqlite:///{tmp_path / 'identity.db'}",
           "LIENTHONG_NATS_URL": nats_server.url,
           "LIENTHONG_AUDIT_SIGNING_KEY": str(tmp_path / "signing.pem"),
           "LIENTHONG_AUDIT_CHECKPOINT_EVERY_EVENTS": "2",
           "LIENTHONG_SHUTDOWN_GRACE_S": "5"}
    process = subprocess.Popen([sys.executable, "-m", "lienthong.services.identity"], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_for_port(port)
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            pb_grpc.IdentityServiceStub(channel).RegisterUnit(pb.RegisterUnitRequest(
                request_id="checkpoint-story-1", display_name="Tỉnh Điện Biên",
                kind=pb.UNIT_KIND_PROVINCE, administrative_unit_code="11"), timeout=5)
        messages: list[nats.aio.msg.Msg] = []
        deadline = time.monotonic() + 30
        while not messages and time.monotonic() < deadline:
            try:
                messages = asyncio.run(published(nats_server.url,
                                                 "lienthong.checkpoints.identity"))
            except nats.js.errors.NotFoundError:
                time.sleep(0.2)
        scraped = httpx.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5).text
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
    assert messages, output
    checkpoint = parse_checkpoint(messages[0].data.decode())
    assert checkpoint.origin == "lienthong.vn/identity"
    assert checkpoint.tree_size >= 2
    events = [json.loads(line)["event"] for line in output.splitlines()
              if line.startswith("{")]
    assert "checkpoint_signed" in events and "checkpoint_published" in events
    # SREs see the last checkpoint's size and age on the metrics endpoint.
    sizes = [float(line.rsplit(" ", 1)[1]) for line in scraped.splitlines()
             if line.startswith('lienthong_audit_checkpoint_tree_size{service="identity"}')]
    assert sizes and sizes[0] >= 2
    assert 'lienthong_audit_checkpoint_age_seconds{service="identity"}' in scraped


def test_a_log_signed_across_a_key_rotation_verifies_with_the_old_and_new_keys(
        tmp_path: Path) -> None:
    old_key = generate_key_file(tmp_path / "old.pem")
    new_key = generate_key_file(tmp_path / "new.pem")
    (tmp_path / "old.pub").write_bytes(public_pem(old_key.public_key()))
    (tmp_path / "new.pub").write_bytes(public_pem(new_key.public_key()))
    store = f"sqlite:///{tmp_path / 'identity.db'}"
    app = IdentityApplication(store)
    try:
        register(app, 3)
        asyncio.run(one_pass(Checkpointer(app, service="identity", signing_key=old_key),
                             sign_now=True))
        signed_by_old_key = Ledger(app).latest_checkpoint()
        with audit_scope(actor="can-bo-042"):
            app.register_unit(NewUnitSpec("Tỉnh Sơn La", "province",
                                          administrative_unit_code="14"),
                              request_id="after-rotation")
        # The SRE rotated the signing key; later checkpoints carry the new one.
        asyncio.run(one_pass(Checkpointer(app, service="identity", signing_key=new_key),
                             sign_now=True))
    finally:
        app.close()
    assert signed_by_old_key is not None

    def verify(*keys: str) -> tuple[int, dict[str, object]]:
        options = [arg for key in keys for arg in ("--public-key", str(tmp_path / key))]
        result = CliRunner().invoke(cli, ["audit", "verify", "--service", "identity",
                                          "--event-store", store, *options, "--json"])
        return result.exit_code, json.loads(result.stdout)

    code, report = verify("old.pub", "new.pub")
    assert code == 0, report
    assert report["checkpoints"] == 2
    code, report = verify("new.pub")
    assert code == 1
    assert report["first_failure"]["kind"] == "checkpoint_signature"
    assert report["first_failure"]["tree_size"] == signed_by_old_key.tree_size


def tamper_with_event_and_leaf(db: Path, notification_id: int) -> None:
    """Change an event's stored state and put its new leaf hash in the leaf table."""
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE stored_events SET state = CAST(state || x'00' AS BLOB) "
                     "WHERE rowid = ?", (notification_id,))
        row = conn.execute("SELECT rowid, originator_id, originator_version, topic, state "
                           "FROM stored_events WHERE rowid = ?", (notification_id,)).fetchone()
        leaf = raw_leaf_hash(row[0], bytes.fromhex(row[1]), row[2], row[3].encode(), row[4])
        conn.execute("UPDATE stored_audit_leaves SET leaf_hash = ? WHERE notification_id = ?",
                     (leaf, notification_id))


async def run_until_logged(checkpointer: Checkpointer, logs: object, event: str,
                           times: int) -> None:
    """Run the checkpointer's loop until ``event`` was logged ``times`` times."""
    stop = asyncio.Event()
    task = asyncio.create_task(checkpointer.run(stop))
    try:
        while len(logs.named(event)) < times:  # type: ignore[attr-defined]
            assert not task.done(), "the checkpointer stopped on its own"
            await asyncio.sleep(0.05)
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)


def test_a_restarted_checkpointer_refuses_a_tree_the_published_checkpoint_did_not_sign(
        nats_server: NatsServer, tmp_path: Path) -> None:
    key = generate_key_file(tmp_path / "signing.pem")
    (tmp_path / "audit.pub").write_bytes(public_pem(key.public_key()))
    store = f"sqlite:///{tmp_path / 'identity.db'}"
    app = IdentityApplication(store)
    try:
        register(app, 10)
        asyncio.run(one_pass(Checkpointer(app, service="identity", signing_key=key,
                                          nats_url=nats_server.url, every_events=4),
                             sign_now=True))
        messages = asyncio.run(published(nats_server.url, "lienthong.checkpoints.identity"))
        latest = parse_checkpoint(messages[-1].data.decode())
        # Whoever can write to the database changes event 6 and its leaf, and removes the
        # checkpoints that cover it: what is left in the database agrees with itself.
        tamper_with_event_and_leaf(tmp_path / "identity.db", 6)
        with sqlite3.connect(tmp_path / "identity.db") as conn:
            conn.execute("DELETE FROM stored_audit_checkpoints WHERE tree_size >= 6")
        with json_logs("identity") as logs:
            again = Checkpointer(app, service="identity", signing_key=key,
                                 nats_url=nats_server.url, every_events=4, poll_interval_s=0.05)
            asyncio.run(run_until_logged(again, logs, "audit_tree_diverged", 2))
            with pytest.raises(TreeDiverged):
                again.checkpoint()
        sizes = [cp.tree_size for cp in Ledger(app).checkpoints()]
    finally:
        app.close()
    assert sizes == [4]  # nothing new was signed
    diverged = logs.named("audit_tree_diverged")[0]
    assert diverged["level"] == "error"
    assert diverged["checkpoint"] == "published"
    assert diverged["checkpoint_tree_size"] == latest.tree_size
    assert diverged["checkpoint_root_hash"] == latest.root_hash.hex()
    assert diverged["stored_root_hash"] != latest.root_hash.hex()

    def verify(*extra: str) -> tuple[int, dict[str, object]]:
        result = CliRunner().invoke(cli, [
            "audit", "verify", "--service", "identity", "--event-store", store,
            "--public-key", str(tmp_path / "audit.pub"), "--json", *extra])
        return result.exit_code, json.loads(result.stdout)

    assert verify()[0] == 0  # the database alone cannot tell
    (tmp_path / "kept.txt").write_text("".join(m.data.decode() for m in messages))
    code, report = verify("--checkpoints", str(tmp_path / "kept.txt"))
    assert code == 1
    assert report["first_failure"]["kind"] == "root_mismatch"  # type: ignore[index]
    code, report = verify("--min-tree-size", str(latest.tree_size))
    assert code == 1
    assert report["first_failure"]["kind"] == "checkpoint_missing"  # type: ignore[index]


def test_no_first_checkpoint_is_signed_before_the_published_ones_were_checked(
        nats_server: NatsServer, tmp_path: Path) -> None:
    key = generate_key_file(tmp_path / "signing.pem")
    app = IdentityApplication(f"sqlite:///{tmp_path / 'identity.db'}")
    unreachable = f"nats://127.0.0.1:{free_port()}"
    try:
        register(app, 6)
        with json_logs("identity") as logs:
            checkpointer = Checkpointer(app, service="identity", signing_key=key,
                                        nats_url=unreachable, every_events=4,
                                        check_timeout_s=0.5)
            asyncio.run(one_pass(checkpointer, sign_now=True))
        assert Ledger(app).checkpoints() == []  # NATS is down: nothing to check against
        assert logs.named("checkpointer_cannot_check_published")
        assert logs.named("checkpoint_withheld")
        assert Ledger(app).size() == app.recorder.max_notification_id()  # leaves still kept

        checkpointer.nats_url = nats_server.url  # NATS is back
        asyncio.run(one_pass(checkpointer, sign_now=True))
        signed = Ledger(app).checkpoints()
        assert signed and signed[-1].tree_size == app.recorder.max_notification_id()

        # Checked once in this process: while NATS is down again, it goes on signing.
        checkpointer.nats_url = unreachable
        with audit_scope(actor="can-bo-042"):
            app.register_unit(NewUnitSpec("Tỉnh Yên Bái", "province",
                                          administrative_unit_code="15"), request_id="reg-15")
        checkpointer.catch_up()
        assert checkpointer.checkpoint() is not None
        assert Ledger(app).latest_checkpoint().tree_size == app.recorder.max_notification_id()
    finally:
        app.close()
