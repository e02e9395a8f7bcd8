"""Checkpoints are stored, published on NATS for outsiders to keep, and signed by the
service process itself when it is given a key."""

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
from typer.testing import CliRunner

from lienthong.audit import audit_scope
from lienthong.audit.checkpointer import CHECKPOINT_STREAM, Checkpointer
from lienthong.audit.checkpoints import generate_key_file, parse_checkpoint, public_pem
from lienthong.audit.ledger import Ledger
from lienthong.cli.main import app as cli
from lienthong.identity.v1 import identity_pb2 as pb
from lienthong.identity.v1 import identity_pb2_grpc as pb_grpc
from lienthong.ports import free_port, wait_for_port
from lienthong.services.identity.application import IdentityApplication, NewUnitSpec

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
