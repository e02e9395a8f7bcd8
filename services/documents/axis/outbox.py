"""Sending to the axis: idempotent, retried with back-off, dead-lettered at the bound.

The message id is the caller's and travels signed as ``messageid``; the axis keeps one
message per id, so a retry after a lost answer does not deliver it twice. A transient
failure (refused connection, timeout, 408, 429, 5xx, an answer that is not the axis's)
is retried after an exponential delay with full jitter, capped, honouring the axis's
``Retry-After``, up to ``max_attempts``; then the message is dead-lettered. A refusal
(another 4xx, ``status: FAIL``) is dead-lettered at once with the axis's answer. An
operator lists the dead letters and retries one with :meth:`Outbox.retry`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
from dataclasses import dataclass
from typing import TYPE_CHECKING

import structlog

from lienthong.errors import FieldViolation, InvalidArgument
from lienthong.services.documents.axis.deadletters import (
    DeadLetter,
    DeadLetters,
    Direction,
    InMemoryDeadLetters,
    OutgoingMessage,
)
from lienthong.services.documents.axis.errors import AxisError, AxisUnavailable
from lienthong.services.documents.axis.protocol import MessageType
from lienthong.services.documents.edxml import Limits, parse_package, parse_status

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Sequence

    from lienthong.services.documents.axis.client import AxisClient

log = structlog.get_logger("lienthong.documents.axis")

MAX_MESSAGE_ID_CHARS = 128


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry a transient failure.

    The delay before attempt n+1 is uniform in [0, min(max_delay_s, initial_delay_s *
    multiplier**(n-1))] ("full jitter"), and at least the axis's ``Retry-After`` (capped
    too).
    """

    max_attempts: int = 8
    initial_delay_s: float = 1.0
    multiplier: float = 2.0
    max_delay_s: float = 60.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1 or self.initial_delay_s < 0 or self.multiplier < 1 \
                or self.max_delay_s < self.initial_delay_s:
            raise ValueError(f"not a usable retry policy: {self}")

    def ceiling(self, attempt: int) -> float:
        """The longest delay after failed attempt number ``attempt`` (1-based)."""
        return min(self.max_delay_s, self.initial_delay_s * self.multiplier ** (attempt - 1))

    def delay(self, attempt: int, retry_after_s: float | None = None,
              rng: random.Random | None = None) -> float:
        jittered = (rng or random).uniform(0.0, self.ceiling(attempt))
        return min(self.max_delay_s, max(jittered, retry_after_s or 0.0))


@dataclass(frozen=True)
class Sent:
    """The axis has the message: its id there and the attempts it took."""

    message_id: str
    axis_doc_id: str
    attempts: int


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def read_envelope(edxml: bytes, limits: Limits) -> tuple[str, MessageType]:
    """The sender's agency code and the message type of ``edxml`` (a document package or
    a status package); InvalidArgument if it is neither."""
    try:
        return parse_package(edxml, limits=limits).header.sender.organ_id, MessageType.EDOC
    except InvalidArgument as as_package:
        try:
            return parse_status(edxml, limits=limits).sender.organ_id, MessageType.STATUS
        except InvalidArgument:
            raise as_package from None


class Outbox:
    """Sends messages through an :class:`AxisClient`, retrying and dead-lettering."""

    def __init__(self, client: AxisClient, *, policy: RetryPolicy | None = None,
                 dead_letters: DeadLetters | None = None,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                 rng: random.Random | None = None) -> None:
        self.client = client
        self.policy = policy or RetryPolicy()
        self.dead_letters: DeadLetters = dead_letters or InMemoryDeadLetters()
        self._sleep = sleep
        self._rng = rng

    async def send(self, message_id: str, recipients: Sequence[str],
                   edxml: bytes) -> Sent | DeadLetter:
        """Hands ``edxml`` to the axis for ``recipients`` (agency codes), retrying
        transient failures; the axis's id of it, or the dead letter it became.

        The edXML is read first for its sender and type: a package or a status that
        does not parse, an empty or repeated recipient or a bad message id is refused
        with InvalidArgument and nothing is sent.
        """
        message = await self._message(message_id, recipients, edxml)
        return await self._deliver(message, attempts_before=0, first_attempt_at=_now())

    async def retry(self, message_id: str) -> Sent | DeadLetter:
        """Sends a dead-lettered message again, with a fresh round of attempts (an
        operator's decision, once the cause is fixed); the attempts add up."""
        letter = self.dead_letters.take(Direction.OUTGOING, message_id)
        if letter is None or letter.message is None:
            raise InvalidArgument.single("message_id", "NOT_DEAD_LETTERED",
                                         f"no outgoing dead letter {message_id!r}")
        log.info("axis_send_retried_by_operator", message_id=message_id,
                 attempts_before=letter.attempts)
        return await self._deliver(letter.message, attempts_before=letter.attempts,
                                   first_attempt_at=letter.first_attempt_at)

    def dead(self) -> list[DeadLetter]:
        """The outgoing messages given up on, oldest first."""
        return self.dead_letters.list(Direction.OUTGOING)

    async def _message(self, message_id: str, recipients: Sequence[str],
                       edxml: bytes) -> OutgoingMessage:
        problems = []
        if not message_id or len(message_id) > MAX_MESSAGE_ID_CHARS \
                or not message_id.isascii() or not message_id.isprintable():
            problems.append(("message_id", "MESSAGE_ID_FORMAT",
                             f"1 to {MAX_MESSAGE_ID_CHARS} printable ASCII characters"))
        if not recipients:
            problems.append(("recipients", "REQUIRED", "at least one recipient"))
        if len(set(recipients)) != len(recipients):
            problems.append(("recipients", "REPEATED", "each recipient once"))
        if problems:
            raise InvalidArgument([FieldViolation(*problem) for problem in problems])
        sender, message_type = await asyncio.to_thread(
            read_envelope, edxml, self.client.settings.limits)
        return OutgoingMessage(message_id, sender, tuple(recipients), edxml, message_type)

    async def _deliver(self, message: OutgoingMessage, *, attempts_before: int,
                       first_attempt_at: dt.datetime) -> Sent | DeadLetter:
        bound = log.bind(message_id=message.message_id, recipients=list(message.recipients),
                         message_type=str(message.message_type))
        attempt = 0
        while True:
            attempt += 1
            try:
                doc_id = await self.client.send(message.message_id, message.sender,
                                                message.recipients, message.edxml,
                                                message.message_type)
            except AxisError as error:
                if not isinstance(error, AxisUnavailable) or attempt >= self.policy.max_attempts:
                    return self._bury(message, error, attempts_before + attempt,
                                      first_attempt_at)
                delay = self.policy.delay(attempt, error.retry_after_s, self._rng)
                bound.warning("axis_send_retrying", attempt=attempt, delay_s=round(delay, 3),
                              reason=error.reason, error=error.message)
                await self._sleep(delay)
                continue
            bound.info("axis_sent", axis_doc_id=doc_id, attempts=attempt)
            return Sent(message.message_id, doc_id, attempts_before + attempt)

    def _bury(self, message: OutgoingMessage, error: AxisError, attempts: int,
              first_attempt_at: dt.datetime) -> DeadLetter:
        letter = DeadLetter(
            direction=Direction.OUTGOING, key=message.message_id, reason=error.reason,
            error=error.message, attempts=attempts, first_attempt_at=first_attempt_at,
            dead_at=_now(), message=message, details=dict(error.metadata))
        self.dead_letters.add(letter)
        log.error("axis_send_dead_lettered", message_id=message.message_id,
                  attempts=attempts, reason=error.reason, error=error.message)
        return letter
