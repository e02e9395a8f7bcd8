"""Streams as code, against a real nats-server."""

from __future__ import annotations

import nats
import pytest
import structlog
from nats.js import api
from nats.js.errors import APIError, NoStreamResponseError

from lienthong.events import dlq
from lienthong.events.jetstream import (
    DLQ_STREAM,
    Outgoing,
    PublishTimeoutError,
    ensure_dead_letter_stream,
    ensure_stream,
    publish_pipelined,
    stream_name,
)
from lienthong.testing.nats import NatsServer


async def test_service_stream_is_created_once_then_left_alone(nats_server: NatsServer) -> None:
    nc = await nats.connect(nats_server.url)
    js = nc.jetstream()
    try:
        with structlog.testing.capture_logs() as logs:
            created = await ensure_stream(js, "identity")
            again = await ensure_stream(js, "identity")
        assert [entry["event"] for entry in logs] == ["stream_created"]
        assert created.config.name == stream_name("identity") == "LIENTHONG_IDENTITY"
        assert again.created == created.created
        config = again.config
        assert config.subjects == ["lienthong.identity.>"]
        assert config.storage == api.StorageType.FILE
        assert config.retention == api.RetentionPolicy.LIMITS
        assert config.discard == api.DiscardPolicy.OLD
        assert config.deny_delete and config.deny_purge and not config.allow_rollup_hdrs
        assert config.duplicate_window == 120
        assert config.num_replicas == 1
        assert not config.max_age and config.max_msgs == -1 and config.max_bytes == -1

        # The stream keeps what was published: no purge, no deletion of a message.
        ack = await js.publish("lienthong.identity.unit.registered", b"x")
        with pytest.raises(APIError):
            await js.purge_stream("LIENTHONG_IDENTITY")
        with pytest.raises(APIError):
            await js.delete_msg("LIENTHONG_IDENTITY", ack.seq)
    finally:
        await nc.close()


async def test_changed_settings_update_the_stream(nats_server: NatsServer) -> None:
    nc = await nats.connect(nats_server.url)
    js = nc.jetstream()
    try:
        created = await ensure_stream(js, "dossiers")
        await js.publish("lienthong.dossiers.dossier.submitted", b"kept")
        with structlog.testing.capture_logs() as logs:
            updated = await ensure_stream(js, "dossiers", duplicate_window_s=300)
        assert [entry["event"] for entry in logs] == ["stream_updated"]
        assert logs[0]["changes"] == {"duplicate_window": {"from": 120.0, "to": 300.0}}
        assert updated.config.duplicate_window == 300
        assert updated.created == created.created and updated.state.messages == 1

        # Replicas are owned too: asking for 3 is sent to the server, which (a single
        # node, not a cluster) refuses it; a relay that does not know the replica count
        # (replicas=None) leaves it as it is.
        with pytest.raises(APIError, match="replicas > 1 not supported"):
            await ensure_stream(js, "dossiers", replicas=3, duplicate_window_s=300)
        with structlog.testing.capture_logs() as logs:
            await ensure_stream(js, "dossiers", replicas=None, duplicate_window_s=300)
        assert logs == []
    finally:
        await nc.close()


async def test_dead_letter_stream_deletes_one_letter_but_is_never_purged(
        nats_server: NatsServer) -> None:
    nc = await nats.connect(nats_server.url)
    js = nc.jetstream()
    try:
        info = await ensure_dead_letter_stream(js)
        assert (await ensure_dead_letter_stream(js)).created == info.created
        assert info.config.name == DLQ_STREAM
        assert info.config.subjects == ["lienthong.dlq.>"]
        assert not info.config.deny_delete and info.config.deny_purge
        handled = await js.publish("lienthong.dlq.directory", b"handled letter")
        await js.publish("lienthong.dlq.directory", b"pending letter")
        assert await js.delete_msg(DLQ_STREAM, handled.seq)
        with pytest.raises(APIError):
            await js.purge_stream(DLQ_STREAM, subject="lienthong.dlq.directory")
        assert (await js.stream_info(DLQ_STREAM)).state.messages == 1
    finally:
        await nc.close()


async def test_pipelined_publish_reports_each_answer_in_order(nats_server: NatsServer) -> None:
    nc = await nats.connect(nats_server.url)
    js = nc.jetstream()
    try:
        await ensure_stream(js, "identity")
        messages = [Outgoing("lienthong.identity.unit.registered", b"%d" % i,
                             {"Nats-Msg-Id": f"m{i}", "Nats-Expected-Last-Sequence": str(i)})
                    for i in range(5)]
        # The fourth expects the wrong sequence: it and the one after it are refused.
        messages[3].headers["Nats-Expected-Last-Sequence"] = "9"
        results = await publish_pipelined(nc, messages, timeout=10)
        assert [r.seq for r in results[:3]] == [1, 2, 3]  # type: ignore[union-attr]
        assert all(isinstance(r, APIError) and r.err_code == 10071 for r in results[3:])
        again = await publish_pipelined(nc, messages[:1], timeout=10)
        assert isinstance(again[0], APIError)  # expected last sequence 0: not any more

        # Nobody listening on a subject outside every stream: an error, not a hang.
        lost = await publish_pipelined(nc, [Outgoing("nowhere.at.all", b"")], timeout=1)
        assert isinstance(lost[0], NoStreamResponseError | PublishTimeoutError)
    finally:
        await nc.close()


async def test_the_consumers_dead_letter_stream_takes_the_services_replica_count(
        nats_server: NatsServer) -> None:
    nc = await nats.connect(nats_server.url)
    js = nc.jetstream()
    try:
        # A single server cannot hold three replicas: asking for them reaches the server.
        with pytest.raises(APIError, match=r"(?i)replica|insufficient|peer"):
            await dlq.ensure_dlq_stream(js, replicas=3)
        await dlq.ensure_dlq_stream(js, replicas=1)
        assert (await js.stream_info(DLQ_STREAM)).config.num_replicas == 1
    finally:
        await nc.close()
