"""Each service's NATS user, as generated: its own subjects and consumers, nothing of
another's; the configuration maps certificates to users by subject only; a client connects
with TLS or not at all."""

from __future__ import annotations

from pathlib import Path

import pytest

from lienthong.config import Settings
from lienthong.natsauth import (
    Permissions,
    connect_options,
    server_config,
    server_settings,
    service_files,
    service_permissions,
    tools_permissions,
    user,
)
from lienthong.registry import ServiceSpec
from lienthong.tls import TLSFiles
from lienthong.tools.pki import CA

IDENTITY = ServiceSpec(name="identity", summary="", module="m", default_port=1)
DOSSIERS = ServiceSpec(name="dossiers", summary="", module="m", default_port=2,
                       follows=("identity",))
SERVER = TLSFiles(Path("/pki/nats.pem"), Path("/pki/nats.key"), Path("/pki/ca.pem"))


def matches(pattern: str, subject: str) -> bool:
    """NATS subject matching: ``*`` one token, ``>`` one or more at the end."""
    wanted, tokens = pattern.split("."), subject.split(".")
    for index, token in enumerate(wanted):
        if token == ">":
            return len(tokens) > index
        if index >= len(tokens) or token not in ("*", tokens[index]):
            return False
    return len(wanted) == len(tokens)


def may_publish(permissions: Permissions, subject: str) -> bool:
    return any(matches(rule, subject) for rule in permissions.publish)


def may_subscribe(permissions: Permissions, subject: str) -> bool:
    return any(matches(rule, subject) for rule in permissions.subscribe)


def test_the_dossiers_user_consumes_identity_s_stream_but_never_publishes_identity_s_events(
        ) -> None:
    dossiers = service_permissions(DOSSIERS)

    # Its own events and checkpoints, its own stream kept up to date.
    assert may_publish(dossiers, "lienthong.dossiers.dossier.submitted")
    assert may_publish(dossiers, "lienthong.checkpoints.dossiers")
    assert may_publish(dossiers, "$JS.API.STREAM.CREATE.LIENTHONG_DOSSIERS")
    # Its durable on identity's stream: created, fetched from, acknowledged.
    for subject in ("$JS.API.CONSUMER.DURABLE.CREATE.LIENTHONG_IDENTITY.dossiers-identity",
                    "$JS.API.CONSUMER.MSG.NEXT.LIENTHONG_IDENTITY.dossiers-identity",
                    "$JS.ACK.LIENTHONG_IDENTITY.dossiers-identity.1.7.7.1700000000.0",
                    "$JS.API.CONSUMER.MSG.NEXT.LIENTHONG_DLQ.dossiers-identity_replay",
                    "lienthong.dlq.dossiers-identity",
                    "$JS.API.STREAM.MSG.DELETE.LIENTHONG_DLQ"):
        assert may_publish(dossiers, subject), subject
    assert may_subscribe(dossiers, "_INBOX.dossiers.abc.1")

    # Never identity's events or checkpoints, nor another durable, nor identity's stream.
    for subject in ("lienthong.identity.unit.registered",
                    "lienthong.checkpoints.identity",
                    "$JS.API.CONSUMER.DURABLE.CREATE.LIENTHONG_IDENTITY.archive-identity",
                    "$JS.API.CONSUMER.MSG.NEXT.LIENTHONG_IDENTITY.archive-identity",
                    "$JS.ACK.LIENTHONG_IDENTITY.archive-identity.1.7.7.1700000000.0",
                    "$JS.API.CONSUMER.CREATE.LIENTHONG_IDENTITY",
                    "$JS.API.CONSUMER.DELETE.LIENTHONG_IDENTITY.dossiers-identity",
                    "$JS.API.STREAM.CREATE.LIENTHONG_IDENTITY",
                    "$JS.API.STREAM.DELETE.LIENTHONG_IDENTITY",
                    "$JS.API.STREAM.PURGE.LIENTHONG_DOSSIERS",
                    "$JS.API.STREAM.DELETE.LIENTHONG_DOSSIERS",
                    "$JS.API.STREAM.PURGE.LIENTHONG_DLQ",
                    "lienthong.dlq.archive-identity",
                    "lienthong.dlq.replay.dossiers-identity"):
        assert not may_publish(dossiers, subject), subject
    # Nobody else's replies, no plain subscription to any stream's subjects.
    for subject in ("_INBOX.identity.abc.1", "_INBOX.abc", "lienthong.identity.>"):
        assert not may_subscribe(dossiers, subject), subject


def test_a_service_that_follows_nothing_touches_no_dead_letter_and_no_consumer() -> None:
    identity = service_permissions(IDENTITY)
    assert may_publish(identity, "lienthong.identity.unit.registered")
    assert not any("DLQ" in rule or "dlq" in rule or "CONSUMER" in rule or "ACK" in rule
                   for rule in identity.publish)


def test_durables_a_spec_declares_replace_the_default_name() -> None:
    spec = ServiceSpec(name="dossiers", summary="", module="m", default_port=2,
                       follows=("identity",),
                       durables=(("identity", "dossiers-identity"), ("dossiers", "portal-sync")))
    dossiers = service_permissions(spec)
    assert may_publish(dossiers, "$JS.API.CONSUMER.MSG.NEXT.LIENTHONG_DOSSIERS.portal-sync")
    assert may_publish(dossiers, "lienthong.dlq.portal-sync")
    assert spec.consumer_durables() != DOSSIERS.consumer_durables()
    assert DOSSIERS.consumer_durables() == (("identity", "dossiers-identity"),)


def test_the_tools_read_follow_and_replay_but_publish_no_event() -> None:
    tools = tools_permissions("local-tools")
    assert may_publish(tools, "$JS.API.STREAM.MSG.GET.LIENTHONG_DLQ")
    assert may_publish(tools, "$JS.API.CONSUMER.CREATE.LIENTHONG_IDENTITY")
    assert may_publish(tools, "lienthong.dlq.replay.dossiers-identity")
    assert may_subscribe(tools, "_INBOX.local-tools.x")
    for subject in ("lienthong.identity.unit.registered", "lienthong.dlq.dossiers-identity",
                    "$JS.API.STREAM.DELETE.LIENTHONG_IDENTITY",
                    "$JS.API.STREAM.MSG.DELETE.LIENTHONG_DLQ",
                    "$JS.API.CONSUMER.DELETE.LIENTHONG_IDENTITY.dossiers-identity",
                    "$JS.ACK.LIENTHONG_IDENTITY.dossiers-identity.1.1.1.1.0"):
        assert not may_publish(tools, subject), subject


def test_the_configuration_maps_certificates_to_users_by_subject_with_mutual_tls() -> None:
    settings = server_settings([IDENTITY, DOSSIERS], SERVER, tools=["local-tools"])
    tls = settings["tls"]
    assert tls["verify_and_map"] is True
    assert (tls["cert_file"], tls["ca_file"]) == ("/pki/nats.pem", "/pki/ca.pem")
    users = settings["authorization"]["users"]
    assert [u["user"] for u in users] == [
        "CN=identity,O=Lienthong", "CN=dossiers,O=Lienthong", "CN=local-tools,O=Lienthong"]
    # A certificate's DNS names are looked up first: no user may be named like a host.
    assert all("=" in u["user"] for u in users)
    assert users[1]["permissions"] == service_permissions(DOSSIERS).as_config()


@pytest.mark.parametrize(("tools", "message"), [
    (["a.b"], "cannot name a NATS user"),
    (["Tools"], "cannot name a NATS user"),
    (["*"], "cannot name a NATS user"),
    (["identity"], "would name two users"),
])
def test_a_name_that_cannot_be_a_user_is_refused(tools: list[str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        server_config([IDENTITY], SERVER, tools=tools)


def test_a_client_with_a_certificate_takes_tls_only_and_its_own_inbox(tmp_path: Path) -> None:
    ca = CA(tmp_path)
    ca.init()
    ca.issue("dossiers", "service", hosts=["127.0.0.1"])
    cert, key = ca.paths("dossiers")
    files = TLSFiles(cert, key, ca.cert_path)

    options = connect_options("nats://nats:4222", files)
    assert options["servers"] == ["tls://nats:4222"]  # never a plaintext fallback
    assert options["inbox_prefix"] == "_INBOX.dossiers"
    assert options["tls"].verify_mode.name == "CERT_REQUIRED"
    assert connect_options("nats://nats:4222", None) == {"servers": ["nats://nats:4222"]}
    assert user("dossiers") == "CN=dossiers,O=Lienthong"


def test_a_service_connects_with_its_nats_files_else_its_own_certificate_else_plaintext(
        ) -> None:
    own = {"tls_cert": "/s.pem", "tls_key": "/s.key", "tls_ca": "/ca.pem"}
    assert service_files(Settings(service="identity")) is None
    assert service_files(Settings(service="identity", **own)) == TLSFiles(
        Path("/s.pem"), Path("/s.key"), Path("/ca.pem"))
    assert service_files(Settings(service="identity", nats_tls_cert="/n.pem",
                                  nats_tls_key="/n.key", nats_tls_ca="/nca.pem", **own)
                         ) == TLSFiles(Path("/n.pem"), Path("/n.key"), Path("/nca.pem"))
    with pytest.raises(ValueError, match="all three, or none"):
        service_files(Settings(service="identity", nats_tls_cert="/n.pem"))
