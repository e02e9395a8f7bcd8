"""An auditor keeps a service's signed checkpoints in a file of their own, from the NATS
stream or from the service, and `audit verify --checkpoints` checks the log against it."""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING

import pytest
from typer.testing import CliRunner

from lienthong.audit import audit_scope
from lienthong.audit.checkpointer import Checkpointer
from lienthong.audit.checkpoints import generate_key_file, parse_checkpoint, public_pem
from lienthong.audit.ledger import Ledger
from lienthong.services.identity.api import add_to_server
from lienthong.services.identity.application import IdentityApplication, NewUnitSpec
from lienthong.testing.grpc_server import ServerThread
from lienthong.tools.audit.verify import read_notes
from lienthong.tools.cli.main import app as cli

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from lienthong.testing.nats import NatsServer


@pytest.fixture
def key(tmp_path: Path) -> Ed25519PrivateKey:
    signing = generate_key_file(tmp_path / "signing.pem")
    (tmp_path / "audit.pub").write_bytes(public_pem(signing.public_key()))
    return signing


@pytest.fixture
def app(tmp_path: Path) -> Iterator[IdentityApplication]:
    application = IdentityApplication(f"sqlite:///{tmp_path / 'identity.db'}")
    yield application
    application.close()


def register(app: IdentityApplication, *codes: str) -> None:
    with audit_scope(actor="can-bo-042"):
        for code in codes:
            app.register_unit(NewUnitSpec(f"Tỉnh {code}", "province",
                                          administrative_unit_code=code),
                              request_id=f"reg-{code}")


def sign_and_publish(app: IdentityApplication, key: Ed25519PrivateKey, nats_url: str) -> None:
    """One pass of the service's checkpointer: extend the tree, sign it, publish what is new."""
    async def one_pass() -> None:
        checkpointer = Checkpointer(app, service="identity", signing_key=key,
                                    nats_url=nats_url, every_events=10**9, every_s=10**9)
        try:
            await checkpointer.run_once()
            checkpointer.checkpoint()
            await checkpointer.publish_pending()
        finally:
            await checkpointer.close()

    asyncio.run(one_pass())


def audit(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["audit", *args])
    return result.exit_code, result.output


def verify(tmp_path: Path, kept: Path) -> dict[str, object]:
    code, output = audit("verify", "--service", "identity", "--event-store",
                         f"sqlite:///{tmp_path / 'identity.db'}", "--public-key",
                         str(tmp_path / "audit.pub"), "--checkpoints", str(kept), "--json")
    assert code == 0, output
    return json.loads(output.splitlines()[-1])


def test_checkpoints_kept_from_the_stream_grow_by_appending_and_verify(
        nats_server: NatsServer, app: IdentityApplication, key: Ed25519PrivateKey,
        tmp_path: Path) -> None:
    kept = tmp_path / "kept" / "identity-checkpoints.txt"
    register(app, "08", "12")
    sign_and_publish(app, key, nats_server.url)
    register(app, "14")
    sign_and_publish(app, key, nats_server.url)

    code, output = audit("checkpoints", "--service", "identity", "--output", str(kept),
                         "--nats-url", nats_server.url)

    assert code == 0, output
    stored = Ledger(app).checkpoints()
    assert read_notes(kept.read_text()) == [cp.note for cp in stored]
    assert len(stored) == 2
    report = verify(tmp_path, kept)
    assert report["latest_tree_size"] == stored[-1].tree_size

    # Later: more events, one more checkpoint; the record grows, its lines stay.
    before = kept.read_text()
    register(app, "15")
    sign_and_publish(app, key, nats_server.url)
    refused, _ = audit("checkpoints", "--service", "identity", "--output", str(kept),
                       "--nats-url", nats_server.url)
    code, output = audit("checkpoints", "--service", "identity", "--output", str(kept),
                         "--nats-url", nats_server.url, "--append")
    again, _ = audit("checkpoints", "--service", "identity", "--output", str(kept),
                     "--nats-url", nats_server.url, "--append")

    assert refused == 2  # an existing record is never overwritten
    assert (code, again) == (0, 0), output
    after = kept.read_text()
    assert after.startswith(before)
    notes = read_notes(after)
    assert [parse_checkpoint(n).tree_size for n in notes] == [
        cp.tree_size for cp in Ledger(app).checkpoints()]
    assert len(notes) == 3  # the second --append added nothing
    assert verify(tmp_path, kept)["latest_tree_size"] == app.recorder.max_notification_id()


def test_checkpoints_kept_from_the_service_match_the_stream(
        nats_server: NatsServer, app: IdentityApplication, key: Ed25519PrivateKey,
        tmp_path: Path) -> None:
    register(app, "08")
    sign_and_publish(app, key, nats_server.url)
    register(app, "12")
    sign_and_publish(app, key, nats_server.url)

    with ServerThread(lambda server: add_to_server(app, server)) as running:
        code, output = audit("checkpoints", "--service", "identity", "--output",
                             str(tmp_path / "from-service.txt"), "--from-service",
                             "--address", running.address)
    streamed, _ = audit("checkpoints", "--service", "identity", "--output",
                        str(tmp_path / "from-stream.txt"), "--nats-url", nats_server.url)

    assert (code, streamed) == (0, 0), output
    assert (tmp_path / "from-service.txt").read_text() == (
        tmp_path / "from-stream.txt").read_text()
    assert len(read_notes((tmp_path / "from-service.txt").read_text())) == 2
    verify(tmp_path, tmp_path / "from-service.txt")


def test_a_kept_file_with_another_note_of_the_same_size_is_a_fork_and_stays(
        nats_server: NatsServer, app: IdentityApplication, key: Ed25519PrivateKey,
        tmp_path: Path) -> None:
    register(app, "08")
    sign_and_publish(app, key, nats_server.url)
    stored = Ledger(app).latest_checkpoint()
    assert stored is not None
    # What the auditor kept for this tree size says something else than what was published.
    forged = stored.note.replace(stored.note.split("\n")[3],
                                 "time 2001-01-01T00:00:00.000000Z")
    kept = tmp_path / "kept.txt"
    kept.write_text(forged)

    code, output = audit("checkpoints", "--service", "identity", "--output", str(kept),
                         "--nats-url", nats_server.url, "--append")

    assert code == 1
    assert "FORK" in output
    assert kept.read_text() == forged
