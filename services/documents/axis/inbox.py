"""Receiving from the axis (pull): list, get, parse, hand over, then acknowledge.

:meth:`Inbox.fetch_new` lists what the axis holds for this system, by message type,
gets each message and parses it with the edXML library: a status message as a
:class:`~lienthong.services.documents.edxml.Status`, any other as a
:class:`~lienthong.services.documents.edxml.Package`. The handler gets it with the
axis's document id, and the message is acknowledged (``updateStatus`` ``done``) only
once the handler returned. A handler that raises leaves it on the axis, listed again at
the next fetch; so does a crash between get and acknowledgement, or an acknowledgement
that does not reach the axis. The handler therefore sees a message at least once and
must deduplicate on the document id.

A message that does not parse, or is larger than the edXML input limit, is acknowledged
as ``fail`` with the reason and dead-lettered (with its bytes when they were read), so
it is not fetched forever.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import structlog

from lienthong.errors import InvalidArgument
from lienthong.services.documents.axis.deadletters import (
    DeadLetter,
    DeadLetters,
    Direction,
    InMemoryDeadLetters,
)
from lienthong.services.documents.axis.errors import AxisAnswerTooLarge, AxisError
from lienthong.services.documents.axis.protocol import MessageType, ProcessingStatus
from lienthong.services.documents.edxml import Package, Status, parse_package, parse_status

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Sequence

    from lienthong.services.documents.axis.client import AxisClient, ReceivedEntry
    from lienthong.services.documents.edxml import Limits

log = structlog.get_logger("lienthong.documents.axis")


@dataclass(frozen=True)
class Received:
    """A message pulled from the axis. ``doc_id`` is the axis's id of it, the same at
    every redelivery: the key to deduplicate on."""

    doc_id: str
    message_type: str
    sender: str
    recipient: str
    content: Package | Status
    edxml: bytes = field(repr=False)


@dataclass
class FetchReport:
    """What one fetch did with each message it saw, by document id."""

    #: Handled and acknowledged.
    accepted: list[str] = field(default_factory=list)
    #: Handled, but the acknowledgement failed: it will come again.
    unacknowledged: list[str] = field(default_factory=list)
    #: The handler raised: left on the axis.
    refused_by_handler: list[str] = field(default_factory=list)
    #: Could not be got now (the axis unavailable): left on the axis.
    deferred: list[str] = field(default_factory=list)
    #: Unreadable: acknowledged as failed and dead-lettered.
    dead_lettered: list[str] = field(default_factory=list)


def parse_message(message_type: str, edxml: bytes, limits: Limits) -> Package | Status:
    if message_type == MessageType.STATUS:
        return parse_status(edxml, limits=limits)
    return parse_package(edxml, limits=limits)


class Inbox:
    """Pulls messages from the axis for a handler."""

    def __init__(self, client: AxisClient, *, dead_letters: DeadLetters | None = None,
                 message_types: Sequence[MessageType] = (MessageType.EDOC,
                                                         MessageType.STATUS)) -> None:
        self.client = client
        self.dead_letters: DeadLetters = dead_letters or InMemoryDeadLetters()
        self.message_types = tuple(message_types)

    async def fetch_new(self, handler: Callable[[Received], Awaitable[None]]) -> FetchReport:
        """Hands every message waiting on the axis to ``handler``, acknowledging each it
        accepts. Raises AxisError only if a list cannot be had; a failure with one
        message leaves the others to go on."""
        report = FetchReport()
        for message_type in self.message_types:
            for entry in await self.client.list_received(message_type):
                await self._take(entry, handler, report)
        if any((report.accepted, report.refused_by_handler, report.dead_lettered,
                report.deferred, report.unacknowledged)):
            log.info("axis_fetched", accepted=len(report.accepted),
                     refused_by_handler=len(report.refused_by_handler),
                     deferred=len(report.deferred), dead_lettered=len(report.dead_lettered),
                     unacknowledged=len(report.unacknowledged))
        return report

    def dead(self) -> list[DeadLetter]:
        """The incoming messages given up on, oldest first."""
        return self.dead_letters.list(Direction.INCOMING)

    async def _take(self, entry: ReceivedEntry,
                    handler: Callable[[Received], Awaitable[None]],
                    report: FetchReport) -> None:
        bound = log.bind(doc_id=entry.doc_id, message_type=entry.message_type,
                         sender=entry.sender)
        started = dt.datetime.now(dt.UTC)
        try:
            edxml = await self.client.get(entry.doc_id)
        except AxisAnswerTooLarge as error:
            await self._bury(entry, error.reason, error.message, None, started,
                             dict(error.metadata), report)
            return
        except AxisError as error:
            bound.warning("axis_get_deferred", reason=error.reason, error=error.message)
            report.deferred.append(entry.doc_id)
            return
        try:
            content = await asyncio.to_thread(parse_message, entry.message_type, edxml,
                                              self.client.settings.limits)
        except InvalidArgument as error:
            await self._bury(entry, "EDXML_NOT_READABLE", error.message, edxml, started,
                             {"edxml_rule": error.reason}, report)
            return
        received = Received(entry.doc_id, entry.message_type, entry.sender, entry.recipient,
                            content, edxml)
        try:
            await handler(received)
        except Exception as error:
            bound.warning("axis_handler_refused", error=str(error),
                          error_type=type(error).__name__)
            report.refused_by_handler.append(entry.doc_id)
            return
        try:
            await self.client.update_status(entry.doc_id, ProcessingStatus.DONE)
        except AxisError as error:
            bound.warning("axis_ack_failed", reason=error.reason, error=error.message)
            report.unacknowledged.append(entry.doc_id)
            return
        bound.info("axis_received")
        report.accepted.append(entry.doc_id)

    async def _bury(self, entry: ReceivedEntry, reason: str, error: str, raw: bytes | None,
                    started: dt.datetime, details: dict[str, str],
                    report: FetchReport) -> None:
        self.dead_letters.add(DeadLetter(
            direction=Direction.INCOMING, key=entry.doc_id, reason=reason, error=error,
            attempts=1, first_attempt_at=started, dead_at=dt.datetime.now(dt.UTC), raw=raw,
            details={**details, "sender": entry.sender, "message_type": entry.message_type}))
        report.dead_lettered.append(entry.doc_id)
        log.error("axis_receive_dead_lettered", doc_id=entry.doc_id, reason=reason,
                  error=error)
        try:
            await self.client.update_status(entry.doc_id, ProcessingStatus.FAIL,
                                            f"{reason}: {error}")
        except AxisError as ack_error:
            log.warning("axis_ack_failed", doc_id=entry.doc_id, reason=ack_error.reason,
                        error=ack_error.message)
