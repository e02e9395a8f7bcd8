"""Messages the exchange gave up on, kept where an operator can list and retry them.

An outgoing message is dead-lettered when the axis refused it or stayed unreachable
for every attempt; an incoming one when it could not be read (not edXML, too large).
Each letter keeps its last error, why (the error's reason) and the attempts made.

:class:`InMemoryDeadLetters` keeps them in the process, which is enough until the
exchange is wired to the service's event store: the store will then hold them as
events, behind the same :class:`DeadLetters` protocol.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import datetime as dt

    from lienthong.services.documents.axis.protocol import MessageType


class Direction(enum.StrEnum):
    OUTGOING = "outgoing"
    INCOMING = "incoming"


@dataclass(frozen=True)
class OutgoingMessage:
    """A message to hand to the axis: our id for it, its edXML and its recipients."""

    message_id: str
    sender: str
    recipients: tuple[str, ...]
    edxml: bytes = field(repr=False)
    message_type: MessageType


@dataclass(frozen=True)
class DeadLetter:
    """One message given up on. ``key`` is our message id (outgoing) or the axis's
    document id (incoming); ``details`` hold what the axis said (HTTP status, its
    error code and description)."""

    direction: Direction
    key: str
    reason: str
    error: str
    attempts: int
    first_attempt_at: dt.datetime
    dead_at: dt.datetime
    message: OutgoingMessage | None = None
    raw: bytes | None = field(default=None, repr=False)
    details: dict[str, str] = field(default_factory=dict)


class DeadLetters(Protocol):
    """Where dead letters are kept."""

    def add(self, letter: DeadLetter) -> None:
        """Keeps ``letter``, replacing any of the same direction and key."""

    def list(self, direction: Direction | None = None) -> list[DeadLetter]:
        """The letters kept, oldest first."""

    def take(self, direction: Direction, key: str) -> DeadLetter | None:
        """Removes the letter and returns it (None if none is kept)."""


class InMemoryDeadLetters:
    """Dead letters kept in this process only."""

    def __init__(self) -> None:
        self._letters: dict[tuple[Direction, str], DeadLetter] = {}

    def add(self, letter: DeadLetter) -> None:
        self._letters.pop((letter.direction, letter.key), None)
        self._letters[letter.direction, letter.key] = letter

    def list(self, direction: Direction | None = None) -> list[DeadLetter]:
        return [letter for letter in self._letters.values()
                if direction is None or letter.direction is direction]

    def take(self, direction: Direction, key: str) -> DeadLetter | None:
        return self._letters.pop((direction, key), None)
