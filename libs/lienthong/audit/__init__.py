"""Who did it, on whose authority, why, and caused by what.

The gRPC interceptors (or a consumer, or the CLI) open an :func:`audit_scope`;
every event triggered inside it carries the scope as its ``metadata``.
"""

from __future__ import annotations

import contextlib
import dataclasses
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator

SYSTEM_ACTOR = "system"


@dataclass(frozen=True)
class AuditContext:
    """The audit metadata stamped on each event (time is the event's own)."""

    actor: str = SYSTEM_ACTOR
    actor_agency_code: str = ""
    #: The calling system its certificate names (``VN:GOV:<agency code>[/<subsystem>]``);
    #: ``actor`` is the official it vouches for.
    caller: str = ""
    request_id: str = ""
    correlation_id: str = ""
    causation_id: str = ""
    trace_id: str = ""
    #: The span that recorded the event: the relay's publish span is its child.
    span_id: str = ""
    reason: str = ""

    def as_metadata(self) -> dict[str, str]:
        return dataclasses.asdict(self)


_DEFAULT = AuditContext()
_current: ContextVar[AuditContext] = ContextVar("lienthong_audit", default=_DEFAULT)


def current_or_none() -> AuditContext | None:
    """The audit context if a command is running, for log lines."""
    ctx = _current.get()
    return None if ctx is _DEFAULT else ctx


def current() -> AuditContext:
    """The audit context of the running command.

    A command with no caller-supplied correlation id starts its own chain: its
    request id is the correlation id.
    """
    ctx = _current.get()
    if not ctx.correlation_id and ctx.request_id:
        return dataclasses.replace(ctx, correlation_id=ctx.request_id)
    return ctx


@contextlib.contextmanager
def audit_scope(**changes: str) -> Iterator[AuditContext]:
    """Run a block with some audit fields replaced (empty values are ignored)."""
    ctx = dataclasses.replace(_current.get(), **{k: v for k, v in changes.items() if v})
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)


@contextlib.contextmanager
def system_scope(reason: str) -> Iterator[AuditContext]:
    """Run a block as the platform itself (no call's caller or actor), saying why."""
    token = _current.set(AuditContext(reason=reason))
    try:
        yield _current.get()
    finally:
        _current.reset(token)
