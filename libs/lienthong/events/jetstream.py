"""The JetStream streams, as code, and an ordered pipelined publish.

One stream per service, ``LIENTHONG_<SERVICE>`` on ``lienthong.<service>.>``:
file storage, every message kept (no age, count or size limit: the stream
is the service's published history and the relay takes its position from
its last message), no message deletion and no purge (an auditor can trust
that what was published stays), no roll-ups, and a de-duplication window on
``Nats-Msg-Id``. :func:`ensure_stream` creates it, or updates it when the
configuration in code changed, and does nothing when it already matches.

The dead-letter stream ``LIENTHONG_DLQ`` on ``lienthong.dlq.>`` (see
:mod:`lienthong.events.dlq`) is also file-stored and keeps its messages
without limit. A single dead letter may be deleted: the consumer runner
deletes one once its replay is committed (the tracking record proves it was
handled, and the original stays on the service's stream). Purging is denied:
nobody wipes unhandled failures in one go. Both flags are one-way in
nats-server (an update can set DenyDelete/DenyPurge, never clear them), so
they are chosen here once; ``dlq.ensure_dlq_stream`` uses this configuration.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import structlog
from nats.errors import Error as NatsError
from nats.js import api
from nats.js.errors import APIError, NoStreamResponseError, NotFoundError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from nats.aio.client import Client
    from nats.aio.msg import Msg
    from nats.js.client import JetStreamContext

log = structlog.get_logger("lienthong.events.jetstream")

DEFAULT_DUPLICATE_WINDOW_S = 120.0
DLQ_STREAM = "LIENTHONG_DLQ"
DLQ_SUBJECTS = "lienthong.dlq.>"
#: The signed checkpoints of every service's audit tree (lienthong.audit.checkpointer).
CHECKPOINT_STREAM = "LIENTHONG_CHECKPOINTS"
CHECKPOINT_SUBJECTS = "lienthong.checkpoints.>"
#: nats-server's error code for a failed Nats-Expected-Last-Sequence.
WRONG_LAST_SEQUENCE = 10071
#: nats-server's error code for a failed Nats-Expected-Last-Msg-Id.
WRONG_LAST_MSG_ID = 10070

#: The settings ensure_* owns; any difference on the server is updated.
_OWNED = ("subjects", "retention", "storage", "num_replicas", "discard", "duplicate_window",
          "deny_delete", "deny_purge", "allow_rollup_hdrs", "max_age", "max_msgs",
          "max_bytes", "description")


def stream_name(service: str) -> str:
    """``LIENTHONG_IDENTITY`` for ``identity``."""
    return f"LIENTHONG_{service.upper()}"


def is_service_stream(name: str) -> bool:
    """A service's own event stream (what a relay publishes to), not a shared one."""
    return name.startswith("LIENTHONG_") and name not in (DLQ_STREAM, CHECKPOINT_STREAM)


def stream_subjects(service: str) -> list[str]:
    return [f"lienthong.{service}.>"]


def _kept_stream(name: str, subjects: list[str], description: str, *, replicas: int | None,
                 duplicate_window_s: float, deny_delete: bool = True) -> api.StreamConfig:
    """What every stream of ours is: files, nothing expires, nothing purged or rolled up."""
    return api.StreamConfig(
        name=name,
        description=description,
        subjects=subjects,
        retention=api.RetentionPolicy.LIMITS,
        storage=api.StorageType.FILE,
        num_replicas=replicas,
        discard=api.DiscardPolicy.OLD,
        max_age=0,
        max_msgs=-1,
        max_bytes=-1,
        duplicate_window=duplicate_window_s,
        deny_delete=deny_delete,
        deny_purge=True,
        allow_rollup_hdrs=False,
    )


def service_stream_config(service: str, *, replicas: int | None = 1,
                          duplicate_window_s: float = DEFAULT_DUPLICATE_WINDOW_S
                          ) -> api.StreamConfig:
    return _kept_stream(
        stream_name(service), stream_subjects(service),
        f"Published events of the {service} service (its outbox relay writes "
        "here; the service's event store is the source of truth)",
        replicas=replicas, duplicate_window_s=duplicate_window_s)


def checkpoint_stream_config(*, replicas: int | None = 1) -> api.StreamConfig:
    """Every checkpoint kept; no delete, no purge: what was published stays."""
    return _kept_stream(CHECKPOINT_STREAM, [CHECKPOINT_SUBJECTS],
                        "Signed checkpoints of every Lienthong service's audit tree",
                        replicas=replicas, duplicate_window_s=DEFAULT_DUPLICATE_WINDOW_S)


def dead_letter_stream_config(*, replicas: int | None = 1,
                              duplicate_window_s: float = DEFAULT_DUPLICATE_WINDOW_S,
                              name: str = DLQ_STREAM, subjects: str = DLQ_SUBJECTS,
                              ) -> api.StreamConfig:
    """A replayed letter is deleted on its own; the stream is never purged."""
    return _kept_stream(name, [subjects], "Lienthong dead letters and their replay copies",
                        replicas=replicas, duplicate_window_s=duplicate_window_s,
                        deny_delete=False)


def _differences(actual: api.StreamConfig, wanted: api.StreamConfig) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for name in _OWNED:
        have, want = getattr(actual, name), getattr(wanted, name)
        if name in ("duplicate_window", "max_age"):
            have, want = float(have or 0), float(want or 0)
        if have != want:
            changes[name] = {"from": _plain(have), "to": _plain(want)}
    return changes


def _plain(value: Any) -> Any:
    return value.value if hasattr(value, "value") else value


async def ensure(js: JetStreamContext, config: api.StreamConfig) -> api.StreamInfo:
    """Create the stream, or update the settings it owns; a no-op when they match.

    ``config.num_replicas`` None: create with one replica, and leave an
    existing stream's replica count as it is (a relay that is not told the
    cluster's replica count must not shrink the stream).
    """
    assert config.name is not None
    try:
        info = await js.stream_info(config.name)
    except NotFoundError:
        if config.num_replicas is None:
            config = dataclasses.replace(config, num_replicas=1)
        info = await js.add_stream(config)
        log.info("stream_created", stream=config.name, subjects=config.subjects,
                 replicas=config.num_replicas, duplicate_window_s=config.duplicate_window)
        return info
    if config.num_replicas is None:
        config = dataclasses.replace(config, num_replicas=info.config.num_replicas)
    changes = _differences(info.config, config)
    if not changes:
        return info
    # Keep what the server chose for the settings we do not own (placement...).
    merged = dataclasses.replace(info.config, **{name: getattr(config, name) for name in _OWNED})
    info = await js.update_stream(merged)
    log.info("stream_updated", stream=config.name, changes=changes)
    return info


async def ensure_stream(js: JetStreamContext, service: str, *, replicas: int | None = 1,
                        duplicate_window_s: float = DEFAULT_DUPLICATE_WINDOW_S
                        ) -> api.StreamInfo:
    """The stream of a service's published events, as :func:`service_stream_config` says."""
    return await ensure(js, service_stream_config(service, replicas=replicas,
                                                  duplicate_window_s=duplicate_window_s))


async def ensure_dead_letter_stream(js: JetStreamContext, *, replicas: int | None = 1,
                                    duplicate_window_s: float = DEFAULT_DUPLICATE_WINDOW_S
                                    ) -> api.StreamInfo:
    """``LIENTHONG_DLQ``: single deletes allowed, purge denied (see the module's docstring)."""
    return await ensure(js, dead_letter_stream_config(replicas=replicas,
                                                      duplicate_window_s=duplicate_window_s))


@dataclass(frozen=True)
class Outgoing:
    """One message of a pipelined publish."""

    subject: str
    payload: bytes
    headers: dict[str, str] = field(default_factory=dict)


class PublishTimeoutError(TimeoutError):
    """No acknowledgement came back in time (the message may or may not be stored)."""


async def publish_pipelined(nc: Client, messages: Sequence[Outgoing], *,
                            timeout: float) -> list[api.PubAck | Exception]:
    """Publish to JetStream in order without waiting between messages.

    One result per message, in order: its PubAck, or the error the server
    answered (an :class:`APIError`), or :class:`PublishTimeoutError`.

    Why not ``js.publish_async``: in nats-py 2.16 an error answer (such as a
    wrong expected last sequence) raises inside the reply handler, so the
    future is never resolved and the caller waits for ever.
    """
    # One slot per message and one future for them all (a future per message
    # costs more than the rest of an acknowledgement's handling).
    results: list[api.PubAck | Exception | None] = [None] * len(messages)
    pending = len(messages)
    done = asyncio.get_running_loop().create_future()
    inbox = nc.new_inbox()

    def answer(msg: Msg) -> api.PubAck | Exception:
        if msg.headers and msg.headers.get(api.Header.STATUS) == "503":
            return NoStreamResponseError()
        try:
            response = json.loads(msg.data)
        except ValueError as error:
            return APIError(description=f"unreadable JetStream reply: {error}")
        if "error" in response:
            try:
                APIError.from_error(response["error"])  # raises the matching subclass
            except APIError as error:
                return error
        try:
            return api.PubAck(stream=response["stream"], seq=response["seq"],
                              domain=response.get("domain"),
                              duplicate=response.get("duplicate"))
        except KeyError as error:
            return APIError(description=f"JetStream reply without {error}")

    async def on_reply(msg: Msg) -> None:
        nonlocal pending
        try:
            index = int(msg.subject.rsplit(".", 1)[1])
        except ValueError:
            return
        if not 0 <= index < len(results) or results[index] is not None:
            return
        results[index] = answer(msg)
        pending -= 1
        if not pending and not done.done():
            done.set_result(None)

    subscription = await nc.subscribe(f"{inbox}.*", cb=on_reply)
    try:
        for index, message in enumerate(messages):
            await nc.publish(message.subject, message.payload, reply=f"{inbox}.{index}",
                             headers=message.headers)
        if messages:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(done), timeout)
    finally:
        with contextlib.suppress(NatsError):  # a closed connection drops the subscription anyway
            await subscription.unsubscribe()
    timed_out = PublishTimeoutError(f"no JetStream acknowledgement in {timeout} s")
    return [timed_out if result is None else result for result in results]
