"""NATS over mutual TLS, each service its own user, through a real nats-server configured by
``lienthong.natsauth``: who cannot connect at all, what a service's user may not do, and
the relay, the consumer, the dead-letter path, the checkpointer and the tools working
through their own users; a rotated CA taken at the next reconnect."""

from __future__ import annotations

import asyncio
import json
import shutil
import ssl
from typing import TYPE_CHECKING, Any

import nats
import nats.errors
import pytest
from consumer_process import CounterApp, ce_id, eventually, make_handlers, publish, running
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from typer.testing import CliRunner

from lienthong import registry
from lienthong.audit import audit_scope
from lienthong.audit.checkpointer import Checkpointer
from lienthong.audit.ledger import Ledger
from lienthong.config import Settings
from lienthong.events import dlq
from lienthong.events.consumer import ConsumerRunner, tracking_recorded
from lienthong.events.jetstream import ensure_stream
from lienthong.events.relay import OutboxRelay
from lienthong.natsauth import client_context, connect_options, service_files
from lienthong.services.dossiers.application import DossiersApplication
from lienthong.services.dossiers.server import identity_consumer
from lienthong.services.identity.application import IdentityApplication, NewUnitSpec
from lienthong.services.identity.events import CONTRACT
from lienthong.testing.nats import SecureNats, refuses_plaintext
from lienthong.tls import TLSFiles
from lienthong.tools.cli.main import app as cli
from lienthong.tools.pki import CA

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

#: How long a refused request waits for the answer that never comes.
REFUSED_S = 1.0


@pytest.fixture
def secure(tmp_path: Path) -> Iterator[SecureNats]:
    server = SecureNats(tmp_path, [registry.service("identity"), registry.service("dossiers")])
    server.start()
    try:
        yield server
    finally:
        server.server.kill()


class Client:
    """A connection as one certificate's user, keeping the errors the server sends it."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.nc: Any = None

    async def connect(self, secure: SecureNats, name: str) -> Client:
        async def keep(error: Exception) -> None:
            self.errors.append(str(error))

        self.nc = await nats.connect(**connect_options(secure.url, secure.files(name)),
                                     connect_timeout=2, max_reconnect_attempts=0,
                                     allow_reconnect=False, error_cb=keep)
        return self

    def js(self, timeout: float = 5.0) -> Any:
        return self.nc.jetstream(timeout=timeout)

    async def refused(self, what: str) -> bool:
        """Whether the server said it refused ``what`` (its subject, lower-case)."""
        for _ in range(40):
            if any("permissions violation" in e and what in e for e in self.errors):
                return True
            await asyncio.sleep(0.05)
        return False


async def as_user(secure: SecureNats, name: str) -> Client:
    return await Client().connect(secure, name)


async def test_a_client_without_a_certificate_from_another_ca_or_named_by_no_user_is_refused(
        secure: SecureNats, tmp_path: Path) -> None:
    def attempt(**options: Any) -> Any:
        return nats.connect(connect_timeout=2, max_reconnect_attempts=0, allow_reconnect=False,
                            **options)

    assert refuses_plaintext(f"127.0.0.1:{secure.server.port}")
    # TLS without a client certificate: the handshake fails.
    with pytest.raises(OSError):
        await attempt(servers=[secure.url],
                      tls=ssl.create_default_context(cafile=str(secure.ca.cert_path)))
    # A certificate of another CA, even one called identity.
    foreign = CA(tmp_path / "foreign")
    foreign.init()
    foreign.issue("identity", "service", hosts=["127.0.0.1", "localhost"])
    cert, key = foreign.paths("identity")
    with pytest.raises(OSError):
        await attempt(servers=[secure.url],
                      tls=client_context(TLSFiles(cert, key, secure.ca.cert_path)))
    # A certificate of the platform's CA that no user is named after; the server's own,
    # whose DNS name is localhost: no user.
    secure.ca.issue("mot-cua-xa", "client", callers=["VN:GOV:000.26.05.H26/mot-cua"])
    for name in ("mot-cua-xa", "nats"):
        with pytest.raises(nats.errors.Error, match="Authorization Violation"):
            await attempt(**connect_options(secure.url, secure.files(name)))


async def test_the_identity_user_publishes_its_own_events_and_nothing_of_another_service(
        secure: SecureNats) -> None:
    dossiers = await as_user(secure, "dossiers")
    await ensure_stream(dossiers.js(), "dossiers")
    identity = await as_user(secure, "identity")
    js = identity.js(timeout=REFUSED_S)
    await ensure_stream(identity.js(), "identity")

    ack = await identity.js().publish("lienthong.identity.unit.registered", b"own")
    assert (ack.stream, ack.seq) == ("LIENTHONG_IDENTITY", 1)

    with pytest.raises(nats.errors.TimeoutError):
        await js.publish("lienthong.dossiers.dossier.submitted", b"forged")
    assert await identity.refused('publish to "lienthong.dossiers.dossier.submitted"')
    # No consumer on a stream it does not follow, no deleting another's stream.
    with pytest.raises(nats.errors.TimeoutError):
        await js.add_consumer("LIENTHONG_DOSSIERS", durable_name="identity-dossiers")
    assert await identity.refused("$js.api.consumer.durable.create.lienthong_dossiers")
    with pytest.raises(nats.errors.TimeoutError):
        await js.delete_stream("LIENTHONG_DOSSIERS")
    assert await identity.refused("$js.api.stream.delete.lienthong_dossiers")
    # Nor its own: what was published stays.
    with pytest.raises(nats.errors.TimeoutError):
        await js.purge_stream("LIENTHONG_IDENTITY")
    # Nor listening to another's events or replies.
    for subject in ("lienthong.dossiers.>", "_INBOX.dossiers.>"):
        await identity.nc.subscribe(subject)
        assert await identity.refused(f'subscription to "{subject.lower()}"')

    tools = await as_user(secure, "tools")
    assert (await tools.js().stream_info("LIENTHONG_DOSSIERS")).state.messages == 0
    assert (await tools.js().stream_info("LIENTHONG_IDENTITY")).state.messages == 1
    # The tools read; they publish no event.
    with pytest.raises(nats.errors.TimeoutError):
        await tools.js(timeout=REFUSED_S).publish("lienthong.identity.unit.registered", b"x")
    for client in (identity, dossiers, tools):
        await client.nc.close()


def register(app: IdentityApplication, code: str) -> None:
    with audit_scope(actor="can-bo-042"):
        app.register_unit(NewUnitSpec(f"Tỉnh {code}", "province",
                                      administrative_unit_code=code), request_id=f"p-{code}")


def last_published(app: IdentityApplication) -> int:
    """The notification id of identity's last event the relay publishes."""
    notifications = app.recorder.select_notifications(start=1, limit=1000)
    return max(n.id for n in notifications if CONTRACT.route_topic(n.topic) is not None)


def settings_of(service: str, secure: SecureNats, **values: str) -> Settings:
    """A service's settings with its own certificate as its server's: NATS uses it too."""
    own = secure.files(service)
    return Settings(service=service, nats_url=secure.url, tls_cert=str(own.cert),
                    tls_key=str(own.key), tls_ca=str(own.ca), **values)


async def test_identity_s_relay_and_dossiers_consumer_carry_events_through_their_own_users(
        secure: SecureNats, tmp_path: Path) -> None:
    identity = IdentityApplication(f"sqlite:///{tmp_path / 'identity.db'}")
    dossiers = DossiersApplication(f"sqlite:///{tmp_path / 'dossiers.db'}")
    relay = OutboxRelay(identity, CONTRACT, secure.url,
                        nats_tls=service_files(settings_of("identity", secure)))
    settings = settings_of("dossiers", secure, event_store=f"sqlite:///{tmp_path / 'd.db'}")
    [runner] = identity_consumer(dossiers, settings)
    runner.nats_tls = service_files(settings)  # as the service process sets it
    runner.fetch_wait_s = 0.25
    try:
        register(identity, "12")
        assert await relay.publish_pending() > 0
        async with running(runner) as task:
            applied = last_published(identity)
            await eventually(lambda: dossiers.recorder.max_tracking_id("identity") == applied,
                             what="dossiers applied identity's events", task=task)
            # A second pass takes its position from the stream's last message.
            register(identity, "14")
            assert await relay.publish_pending() > 0
            applied = last_published(identity)
            await eventually(lambda: dossiers.recorder.max_tracking_id("identity") == applied,
                             what="the next ones too", task=task)
    finally:
        await relay.close()
        identity.close()
        dossiers.close()


async def test_a_dead_letter_and_its_replay_pass_through_the_consumer_s_and_the_tools_users(
        secure: SecureNats, tmp_path: Path) -> None:
    identity = await as_user(secure, "identity")
    await ensure_stream(identity.js(), "identity")
    for n in (1, 2, 3):
        await publish(identity.js(), n, "a", service="identity")
    broken = {ce_id(2, "identity")}
    app = CounterApp(f"sqlite:///{tmp_path / 'counter.db'}")
    runner = ConsumerRunner(app, nats_url=secure.url, stream="LIENTHONG_IDENTITY",
                            durable="dossiers-identity", handlers=make_handlers(broken),
                            max_deliver=2, backoff_s=(0.05,), ack_wait_s=5, fetch_wait_s=0.25,
                            nats_tls=secure.files("dossiers"))
    tools_env = secure.files("tools").client_env()
    try:
        async with running(runner) as task:
            await eventually(lambda: tracking_recorded(app.recorder, "identity", 3),
                             what="3 applied past the poison 2", task=task)
            listed = await asyncio.to_thread(CliRunner().invoke, cli, [
                "events", "dlq", "list", "--json", "--nats-url", secure.url], env=tools_env)
            assert listed.exit_code == 0, listed.output
            [letter] = json.loads(listed.stdout)
            assert (letter["consumer"], letter["ce_id"]) == ("dossiers-identity",
                                                             ce_id(2, "identity"))
            broken.clear()
            replayed = await asyncio.to_thread(CliRunner().invoke, cli, [
                "events", "dlq", "replay", str(letter["seq"]), "--wait", "30", "--json",
                "--nats-url", secure.url], env=tools_env)
            assert replayed.exit_code == 0, replayed.output
            assert tracking_recorded(app.recorder, "identity", 2)
        tools = await as_user(secure, "tools")
        assert await dlq.list_dead_letters(tools.js()) == []
        await tools.nc.close()
    finally:
        await identity.nc.close()
        app.close()


async def test_the_checkpointer_publishes_as_its_service_and_the_tools_read_what_it_did(
        secure: SecureNats, tmp_path: Path) -> None:
    app = IdentityApplication(f"sqlite:///{tmp_path / 'identity.db'}")
    checkpointer = Checkpointer(app, service="identity", signing_key=Ed25519PrivateKey.generate(),
                                nats_url=secure.url, every_events=1,
                                nats_tls=service_files(settings_of("identity", secure)))
    try:
        register(app, "12")
        await checkpointer.run_once()  # checks the stream, signs, publishes
        signed = len(Ledger(app).checkpoints())
    finally:
        await checkpointer.close()
        app.close()
    kept = tmp_path / "checkpoints.txt"
    result = await asyncio.to_thread(CliRunner().invoke, cli, [
        "audit", "checkpoints", "--service", "identity", "-o", str(kept),
        "--nats-url", secure.url], env=secure.files("tools").client_env())
    assert result.exit_code == 0, result.output
    assert signed > 0
    assert kept.read_text().count("lienthong.vn/identity\n") == signed


async def test_a_relay_reconnects_with_the_files_of_a_new_ca_once_nats_serves_it(
        secure: SecureNats, tmp_path: Path) -> None:
    app = IdentityApplication()
    relay = OutboxRelay(app, CONTRACT, secure.url, nats_tls=secure.files("identity"))
    try:
        register(app, "12")
        first = await relay.publish_pending()
        # A new CA takes over: every file is replaced in place, and NATS restarts with it.
        renewed = SecureNats(tmp_path / "renewed", [registry.service("identity")])
        for name in ("nats", "identity", "tools"):
            for old, new in zip((secure.files(name).cert, secure.files(name).key),
                                (renewed.files(name).cert, renewed.files(name).key),
                                strict=True):
                shutil.copyfile(new, old)
        shutil.copyfile(renewed.ca.cert_path, secure.ca.cert_path)
        secure.server.restart()
        await eventually(lambda: relay.nc.stats["reconnects"] == 1 and relay.nc.is_connected,
                         what="the relay reconnected with the new CA's files", timeout=20)
        register(app, "14")
        assert await relay.publish_pending() > 0
    finally:
        await relay.close()
    tools = await as_user(secure, "tools")
    info = await tools.js().stream_info("LIENTHONG_IDENTITY")
    assert info.state.messages > first
    await tools.nc.close()
