"""A standing pull request: the next message is delivered the moment the last is acked.

A consumer with one message in flight (``max_ack_pending=1``) that asks for each
message after acknowledging the previous one pays a round trip per message before any
work, and an idle fetch that expires just as a message arrives pays its whole wait.
:class:`StandingPull` keeps one request for a large batch waiting at the server
instead: the server hands it each message as soon as the previous one's ack arrives,
with no request in between. The request is renewed when its batch is used up, when the
server ends it (408 on expiry, 404), when nothing (message or idle heartbeat) was heard
for two heartbeat intervals (a restarted server has forgotten it), and when the
connection was re-established; after a refusal (409: the server shutting down, the
consumer deleted; 503: JetStream not ready) it is asked again a heartbeat interval
later, and ``trouble`` says why for the caller to look into.

Only the request changes: acknowledgement, order and redelivery stay the server's,
as with ``fetch``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from typing import TYPE_CHECKING

import nats.errors
from nats.js.api import DEFAULT_PREFIX, StatusCode

if TYPE_CHECKING:
    from nats.aio.client import Client
    from nats.aio.msg import Msg
    from nats.aio.subscription import Subscription

#: Statuses that end a pull request without an error of the consumer's.
_REQUEST_ENDED = {StatusCode.REQUEST_TIMEOUT.value, StatusCode.NO_MESSAGES.value}


class StandingPull:
    """One durable's messages through a pull request kept waiting at the server."""

    def __init__(self, nc: Client, stream: str, durable: str, *, batch: int = 1000,
                 expires_s: float = 30.0, heartbeat_s: float = 0.5,
                 api_prefix: str = DEFAULT_PREFIX) -> None:
        if batch < 1 or heartbeat_s <= 0 or expires_s <= 2 * heartbeat_s:
            msg = "batch must be positive and expires_s over twice heartbeat_s"
            raise ValueError(msg)
        self._nc = nc
        self._subject = f"{api_prefix}.CONSUMER.MSG.NEXT.{stream}.{durable}"
        self._batch = batch
        self._expires_s = expires_s
        self._heartbeat_s = heartbeat_s
        self._sub: Subscription | None = None
        self._remaining = 0
        self._expires_at = 0.0
        self._heard_at = 0.0  # the last message, heartbeat or status received
        self._asked_at = 0.0  # the last request sent
        self._retry_at = 0.0
        #: The last status that ended a request abnormally (409, 503...), for the caller.
        self.trouble = ""

    async def start(self) -> None:
        self._sub = await self._nc.subscribe(self._nc.new_inbox())
        self._heard_at = time.monotonic()

    def renew(self) -> None:
        """Ask again at the next call (e.g. after a reconnection)."""
        self._remaining = 0

    @property
    def silent_s(self) -> float:
        """How long nothing (message, heartbeat, status) was heard for this durable, however
        often it was asked meanwhile."""
        return time.monotonic() - self._heard_at if self._heard_at else 0.0

    async def next(self, timeout: float) -> Msg | None:
        """The next message, or None when none came within ``timeout`` seconds."""
        assert self._sub is not None, "start() first"
        deadline = time.monotonic() + timeout
        silence = 2 * self._heartbeat_s
        while True:
            now = time.monotonic()
            if now >= deadline:
                return None
            if self._remaining <= 0 or now >= self._expires_at:
                if now < self._retry_at:  # the server refused the last one: not in a loop
                    await asyncio.sleep(min(self._retry_at, deadline) - now)
                    continue
                await self._request()
            try:
                # Messages and heartbeats that came meanwhile are read first.
                msg = await self._sub.next_msg(timeout=max(min(deadline - now, silence),
                                                           0.001))
            except (nats.errors.TimeoutError, TimeoutError):
                if time.monotonic() - max(self._heard_at, self._asked_at) > silence:
                    self._remaining = 0  # forgotten by a restarted server: ask again
                continue
            self._heard_at = time.monotonic()
            status = (msg.headers or {}).get("Status")
            if not status:
                self._remaining -= 1
                self.trouble = ""
                return msg
            if status == StatusCode.CONTROL_MESSAGE.value:
                self.trouble = ""
                continue  # idle heartbeat: the request is alive
            self._remaining = 0
            if status not in _REQUEST_ENDED:
                # 409 (server shutting down, consumer deleted...), 503 (JetStream not
                # ready): asked again after a heartbeat interval; the caller may look
                # into it (``trouble``).
                self.trouble = f"{status} {(msg.headers or {}).get('Description', '')}".strip()
                self._retry_at = self._heard_at + self._heartbeat_s

    async def _request(self) -> None:
        now = time.monotonic()
        self._remaining = self._batch
        self._expires_at = now + self._expires_s
        self._asked_at = now  # the heartbeat clock starts with the request
        request = {"batch": self._batch, "expires": int(self._expires_s * 1e9),
                   "idle_heartbeat": int(self._heartbeat_s * 1e9)}
        assert self._sub is not None
        await self._nc.publish(self._subject, json.dumps(request).encode(),
                               reply=self._sub.subject)

    async def close(self) -> list[Msg]:
        """Stop listening; returns the messages delivered but not taken (to be nak'ed)."""
        if self._sub is None:
            return []
        left: list[Msg] = []
        while True:
            try:
                msg = await self._sub.next_msg(timeout=0.01)
            except (nats.errors.TimeoutError, TimeoutError, nats.errors.Error):
                break
            if not (msg.headers or {}).get("Status"):
                left.append(msg)
        with contextlib.suppress(Exception):  # the connection may be gone already
            await asyncio.wait_for(self._sub.unsubscribe(), 1.0)
        self._sub = None
        return left
