"""Errors every service raises, independent of the transport.

Domain modules subclass these; the gRPC layer maps them to
``google.rpc.Status`` (see :mod:`lienthong.grpc.errors`).
"""

from __future__ import annotations

from dataclasses import dataclass, field


class LienthongError(Exception):
    """Base of the errors a caller may see. ``reason`` is UPPER_SNAKE."""

    reason: str = "INTERNAL"

    def __init__(self, message: str, *, reason: str | None = None,
                 metadata: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        if reason is not None:
            self.reason = reason
        self.metadata: dict[str, str] = dict(metadata or {})


@dataclass(frozen=True)
class FieldViolation:
    """One broken rule on one request field (``field`` uses dotted paths)."""

    field: str
    rule: str
    description: str


@dataclass
class InvalidArgument(LienthongError):
    """The request itself is wrong; nothing was written."""

    violations: list[FieldViolation] = field(default_factory=list)

    def __post_init__(self) -> None:
        first = self.violations[0] if self.violations else None
        message = "; ".join(f"{v.field}: {v.description}" for v in self.violations)
        super().__init__(
            message or "invalid argument",
            reason=first.rule if first else "INVALID_ARGUMENT",
            metadata={"field": first.field} if first else None,
        )

    def __str__(self) -> str:
        return self.message

    @classmethod
    def single(cls, field_path: str, rule: str, description: str) -> InvalidArgument:
        return cls([FieldViolation(field_path, rule, description)])


class NotFound(LienthongError):
    """An id names nothing that exists."""

    reason = "NOT_FOUND"

    def __init__(self, resource_type: str, resource_id: str) -> None:
        super().__init__(
            f"{resource_type} {resource_id!r} was not found",
            reason=f"{resource_type.upper()}_NOT_FOUND",
            metadata={"resource_type": resource_type, "resource_id": resource_id},
        )
        self.resource_type = resource_type
        self.resource_id = resource_id


class FailedPrecondition(LienthongError):
    """A rule of the domain forbids the command in the current state."""

    reason = "FAILED_PRECONDITION"


class AlreadyExists(LienthongError):
    """The thing the command would create exists already."""

    reason = "ALREADY_EXISTS"


class DataLoss(LienthongError):
    """Stored evidence the answer rests on is missing or damaged; an operator must look."""

    reason = "DATA_LOSS"


class Conflict(LienthongError):
    """A concurrent command changed the same aggregate; retrying is safe."""

    reason = "CONCURRENT_MODIFICATION"
