"""The dead-letter stream: what a consumer gave up on, for an SRE to list and replay.

Layout (one JetStream stream, file storage, no limits: a dead letter is never
discarded by the server, only deleted once it has been handled)::

    stream  LIENTHONG_DLQ   subjects  lienthong.dlq.>
    lienthong.dlq.<durable>          the dead letters of consumer <durable>
    lienthong.dlq.replay.<durable>   copies an SRE asked to re-deliver to <durable>

A durable name never contains a dot, so ``lienthong.dlq.*`` matches the dead
letters and never the replay copies (one token more).

A dead letter is the original message, byte for byte (data and CloudEvents
headers; the ``Nats-*`` headers are dropped), plus ``Lienthong-Dlq-*`` headers
saying which consumer gave up, why, after how many deliveries, and where the
message came from.

Replay (:func:`replay`) copies a dead letter to ``lienthong.dlq.replay.<durable>``
with the header ``Lienthong-Dlq-Seq``. The consumer's runner also reads that
subject (its own durable ``<durable>_replay``); it applies the copy exactly as a
live message, guarded by the same tracking record (multi-row tracking, see
:mod:`lienthong.events.consumer`), then deletes the dead letter, acks the copy
and deletes it. So:

* a dead letter disappears from :func:`list_dead_letters` only once its effect
  is committed (or found already committed);
* replaying twice, or replaying a duplicate dead letter, changes nothing: the
  second copy finds the tracking record and is only acknowledged;
* a replay that fails again (the handler is still broken) is dead-lettered
  anew, with the new error, and the old dead letter is deleted.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import string
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import quote, unquote

from nats.js.errors import BadRequestError, NotFoundError

if TYPE_CHECKING:
    from collections.abc import Mapping

    from nats.js import JetStreamContext
    from nats.js.api import RawStreamMsg

DLQ_STREAM = "LIENTHONG_DLQ"
DEFAULT_PREFIX = "lienthong.dlq"
REPLAY_TOKEN = "replay"

H_REASON = "Lienthong-Dlq-Reason"
H_CONSUMER = "Lienthong-Dlq-Consumer"
H_ERROR = "Lienthong-Dlq-Error"
H_TIME = "Lienthong-Dlq-Time"
H_DELIVERIES = "Lienthong-Dlq-Deliveries"
H_STREAM = "Lienthong-Dlq-Stream"
H_STREAM_SEQ = "Lienthong-Dlq-Stream-Seq"
H_SUBJECT = "Lienthong-Dlq-Subject"
#: On a replay copy: the sequence of the dead letter it re-delivers.
H_DLQ_SEQ = "Lienthong-Dlq-Seq"
DLQ_HEADER_PREFIX = "lienthong-dlq-"

#: Why a consumer gave up on a message.
REASON_MAX_DELIVER = "MAX_DELIVER_EXCEEDED"
REASON_MALFORMED = "MALFORMED_EVENT"
REASON_REPLAY_FAILED = "REPLAY_FAILED"

MAX_ERROR_CHARS = 2000
_HEADER_SAFE = "".join(c for c in string.printable if c not in "%\r\n\t\x0b\x0c")


class DeadLetterNotFoundError(LookupError):
    """No dead letter with that sequence (never was, or already handled)."""


def encode_header_text(text: str) -> str:
    """Free text (an error message, maybe Vietnamese) as one ASCII header value."""
    return quote(" ".join(text.split())[:MAX_ERROR_CHARS], safe=_HEADER_SAFE)


def decode_header_text(value: str) -> str:
    return unquote(value)


def dead_letter_subject(consumer: str, prefix: str = DEFAULT_PREFIX) -> str:
    return f"{prefix}.{consumer}"


def replay_subject(consumer: str, prefix: str = DEFAULT_PREFIX) -> str:
    return f"{prefix}.{REPLAY_TOKEN}.{consumer}"


def transport_free(headers: Mapping[str, Any] | None) -> dict[str, str]:
    """The headers of a message without NATS' own and without earlier DLQ verdicts."""
    return {k: str(v) for k, v in (headers or {}).items()
            if not k.lower().startswith(("nats-", DLQ_HEADER_PREFIX))}


async def ensure_dlq_stream(js: JetStreamContext, *, prefix: str = DEFAULT_PREFIX,
                            stream: str = DLQ_STREAM, replicas: int | None = None) -> None:
    """Create the dead-letter stream, or bring its settings in line (safe to call concurrently).

    Its settings are :func:`lienthong.events.jetstream.dead_letter_stream_config`'s:
    single deletes allowed (a replayed letter is deleted), purge denied.
    ``replicas`` as the services' streams (``LIENTHONG_STREAM_REPLICAS``); None:
    one for a new stream, an existing stream's replica count left as it is.
    """
    from lienthong.events.jetstream import dead_letter_stream_config, ensure

    config = dead_letter_stream_config(replicas=replicas, name=stream, subjects=f"{prefix}.>")
    try:
        await ensure(js, config)
    except BadRequestError:  # another runner created it at the same moment
        await ensure(js, config)


@dataclass(frozen=True)
class DeadLetter:
    """One dead letter as an SRE sees it."""

    seq: int
    consumer: str
    ce_type: str
    ce_id: str
    reason: str
    error: str
    time: str
    deliveries: int
    ce_source: str = ""
    ce_subject: str = ""
    notification_id: str = ""
    origin_stream: str = ""
    origin_seq: int = 0
    origin_subject: str = ""
    data: bytes = field(default=b"", repr=False)
    headers: dict[str, str] = field(default_factory=dict, repr=False)

    @classmethod
    def from_raw(cls, raw: RawStreamMsg) -> DeadLetter:
        headers = {k: str(v) for k, v in (raw.headers or {}).items()}
        lower = {k.lower(): v for k, v in headers.items()}

        def h(name: str) -> str:
            return lower.get(name.lower(), "")

        stored_at = raw.time.astimezone(dt.UTC).isoformat() if raw.time else ""
        return cls(
            seq=raw.seq or 0,
            consumer=h(H_CONSUMER) or (raw.subject or "").rsplit(".", 1)[-1],
            ce_type=h("ce-type"),
            ce_id=h("ce-id"),
            reason=h(H_REASON),
            error=decode_header_text(h(H_ERROR)),
            time=h(H_TIME) or stored_at,
            deliveries=int(h(H_DELIVERIES) or 0),
            ce_source=h("ce-source"),
            ce_subject=h("ce-subject"),
            notification_id=h("ce-notificationid"),
            origin_stream=h(H_STREAM),
            origin_seq=int(h(H_STREAM_SEQ) or 0),
            origin_subject=h(H_SUBJECT),
            data=raw.data or b"",
            headers=headers,
        )

    def as_dict(self) -> dict[str, Any]:
        """For JSON output (the data and raw headers left out)."""
        return {k: v for k, v in self.__dict__.items() if k not in ("data", "headers")}


def _is_dead_letter_subject(subject: str, prefix: str) -> bool:
    rest = subject.removeprefix(prefix + ".")
    return rest != subject and "." not in rest


async def list_dead_letters(js: JetStreamContext, consumer: str | None = None, *,
                            prefix: str = DEFAULT_PREFIX,
                            stream: str = DLQ_STREAM) -> list[DeadLetter]:
    """The dead letters of one consumer (or of all), oldest first."""
    subject = dead_letter_subject(consumer, prefix) if consumer else f"{prefix}.*"
    letters: list[DeadLetter] = []
    seq = 1
    while True:
        try:
            raw = await js.get_msg(stream, seq=seq, subject=subject, next=True)
        except NotFoundError:  # no message from seq on (or no stream yet)
            return letters
        letters.append(DeadLetter.from_raw(raw))
        seq = (raw.seq or seq) + 1


async def get_dead_letter(js: JetStreamContext, seq: int, *, prefix: str = DEFAULT_PREFIX,
                          stream: str = DLQ_STREAM) -> DeadLetter:
    try:
        raw = await js.get_msg(stream, seq=seq)
    except NotFoundError:
        msg = f"no dead letter {seq} in {stream} (already replayed, or never was)"
        raise DeadLetterNotFoundError(msg) from None
    if not _is_dead_letter_subject(raw.subject or "", prefix):
        msg = f"message {seq} of {stream} is not a dead letter ({raw.subject})"
        raise DeadLetterNotFoundError(msg)
    return DeadLetter.from_raw(raw)


async def replay(js: JetStreamContext, which: int | Literal["all"], *,
                 consumer: str | None = None, prefix: str = DEFAULT_PREFIX,
                 stream: str = DLQ_STREAM, timeout_s: float | None = None) -> list[DeadLetter]:
    """Re-deliver dead letters to the consumer that gave up on them.

    ``which`` is a dead letter's sequence or ``"all"`` (of ``consumer``, or of
    every consumer). With ``timeout_s``, wait until each one has been handled
    (its dead letter deleted: applied now, or found applied before) or
    dead-lettered anew; raise TimeoutError if that takes longer.
    """
    if which == "all":
        letters = await list_dead_letters(js, consumer, prefix=prefix, stream=stream)
    else:
        letter = await get_dead_letter(js, int(which), prefix=prefix, stream=stream)
        if consumer is not None and letter.consumer != consumer:
            msg = f"dead letter {which} belongs to consumer {letter.consumer!r}, not {consumer!r}"
            raise DeadLetterNotFoundError(msg)
        letters = [letter]
    for letter in letters:
        # The CloudEvent and the verdict travel on (the runner keeps the origin
        # if the replay fails again); NATS' own headers do not.
        headers = {k: v for k, v in letter.headers.items() if not k.lower().startswith("nats-")}
        headers[H_DLQ_SEQ] = str(letter.seq)
        # A second replay of the same dead letter inside the duplicate window
        # is dropped by the server; outside it, tracking makes it harmless.
        headers["Nats-Msg-Id"] = f"replay:{stream}:{letter.seq}"
        await js.publish(replay_subject(letter.consumer, prefix), letter.data,
                         headers=headers, stream=stream)
    if timeout_s is not None:
        await wait_until_handled(js, [x.seq for x in letters], timeout_s=timeout_s,
                                 stream=stream)
    return letters


async def wait_until_handled(js: JetStreamContext, seqs: list[int], *, timeout_s: float,
                             stream: str = DLQ_STREAM) -> None:
    """Wait until the given dead letters are gone from the stream."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    waiting = list(seqs)
    while waiting:
        try:
            await js.get_msg(stream, seq=waiting[0])
        except NotFoundError:
            waiting.pop(0)
            continue
        if loop.time() > deadline:
            msg = f"dead letters {waiting} of {stream} not handled after {timeout_s} s"
            raise TimeoutError(msg)
        await asyncio.sleep(0.05)
