"""What a call must meet before its servicer runs, besides its request's bounds.

- **A deadline on every command.** A request with a ``request_id`` field is a command (it
  may write); one sent without a deadline is refused, INVALID_ARGUMENT
  ``DEADLINE_REQUIRED``: a command the caller has given up on must not go on writing.
- **A rate per caller.** Each caller has a token bucket (``rate`` calls a second, ``burst``
  at once); a call beyond it is RESOURCE_EXHAUSTED ``RATE_LIMITED`` with a ``RetryInfo``
  saying when a call will be taken again. The caller is the peer's host until callers
  are authenticated by their certificates. At most ``MAX_CALLERS`` buckets are kept (the
  least recently seen go first).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from lienthong.errors import InvalidArgument, ResourceExhausted

MAX_CALLERS = 10_000


class RateLimited(ResourceExhausted):
    """Too many calls from one caller: retry after ``retry_after_s``."""

    reason = "RATE_LIMITED"

    def __init__(self, caller: str, retry_after_s: float) -> None:
        super().__init__(f"too many calls from {caller}; retry in {retry_after_s:.2f} s",
                         retry_after_s=retry_after_s, metadata={"caller": caller})


def is_command(request: Any) -> bool:
    """A request that may write: it carries a request id (AIP-155)."""
    descriptor = getattr(request, "DESCRIPTOR", None)
    return descriptor is not None and "request_id" in descriptor.fields_by_name


def require_deadline(request: Any, time_remaining: float | None, *,
                     command: bool | None = None) -> None:
    """A command (``command``, else a request with a request id) needs a deadline."""
    if command is None:
        command = is_command(request)
    if time_remaining is None and command:
        raise InvalidArgument.single(
            "deadline", "DEADLINE_REQUIRED",
            "a command must be sent with a deadline (grpc-timeout): the time after which "
            "the caller no longer waits for it")


@dataclass
class _Bucket:
    tokens: float
    at: float


class RateLimiter:
    """Token buckets, one per caller; ``rate`` 0 lets every call through."""

    def __init__(self, rate: float, burst: int, clock: Any = time.monotonic) -> None:
        self.rate = rate
        self.burst = max(burst, 1)
        self.clock = clock
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, caller: str) -> None:
        """Take a token for one call of ``caller``; RateLimited when there is none."""
        if self.rate <= 0:
            return
        now = self.clock()
        with self._lock:
            bucket = self._buckets.pop(caller, None) or _Bucket(float(self.burst), now)
            bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.at) * self.rate)
            bucket.at = now
            self._buckets[caller] = bucket
            while len(self._buckets) > MAX_CALLERS:
                self._buckets.popitem(last=False)
            if bucket.tokens >= 1:
                bucket.tokens -= 1
                return
            wait = (1 - bucket.tokens) / self.rate
        raise RateLimited(caller, wait)


def peer_host(peer: str) -> str:
    """The host of a gRPC peer string (``ipv4:127.0.0.1:5000``, ``ipv6:[::1]:5000``)."""
    kind, _, address = peer.partition(":")
    if kind == "ipv6":
        return address.rpartition("]")[0].lstrip("[") or address
    if kind == "ipv4":
        return address.rpartition(":")[0]
    return peer
