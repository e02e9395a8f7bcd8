"""Errors every service raises, independent of the transport.

Domain modules subclass these; the gRPC layer maps them to
``google.rpc.Status`` (see :mod:`lienthong.grpc.errors`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lienthong import registry

#: The records of the platform itself an error may name, by kind; a service's
#: own kinds are declared by its ServiceSpec (``resources``).
PLATFORM_RESOURCES = ("request", "aggregate", "event", "checkpoint")


def _title(kind: str) -> str:
    return "".join(part.capitalize() for part in kind.split("_"))


def resource_type(kind: str) -> str:
    """The full type (AIP-123) of a kind of record: ``dossier`` ->
    ``dossiers.lienthong.vn/Dossier``, the service being the one that declares it."""
    if kind in PLATFORM_RESOURCES:
        return f"lienthong.vn/{_title(kind)}"
    for spec in registry.services():
        if any(kind == owned for owned, _ in spec.resources):
            return f"{spec.name}.lienthong.vn/{_title(kind)}"
    for spec in registry.services():
        for owner, named, _ in spec.refers_to:
            if kind == named:
                return f"{owner}.lienthong.vn/{_title(kind)}"
    return kind


def resource_keys() -> list[tuple[str, str]]:
    """Metadata keys that name the record an error is about, with its kind.

    When an error names several, the first is the one it is about: the services'
    own records first (those of services that follow others before those they
    follow), then the records they name of others, the platform's records last.
    """
    services = list(reversed(registry.services()))
    owned = [(key, kind) for spec in services for kind, key in spec.resources if key]
    # A record of another service an error names comes after every service's own: a
    # dossier refused for its unit's sake is about the dossier, whichever service else
    # names units too.
    referred = [(key, kind) for spec in services for _, kind, key in spec.refers_to
                if key and (key, kind) not in owned]
    return [*owned, *referred, ("notification_id", "event")]


@dataclass(frozen=True)
class Resource:
    """The record an error is about: its type and its id."""

    type: str
    id: str

    @property
    def name(self) -> str:
        """Type and id in one string (``dossiers.lienthong.vn/Dossier/<id>``)."""
        return f"{self.type}/{self.id}"


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

    @property
    def resource(self) -> Resource | None:
        """The record the error is about, as its metadata names it (None if it names none)."""
        if self.metadata.get("resource_type") and self.metadata.get("resource_id"):
            return Resource(self.metadata["resource_type"], self.metadata["resource_id"])
        for key, kind in resource_keys():
            if value := self.metadata.get(key):
                return Resource(resource_type(kind), value)
        return None


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

    def __init__(self, kind: str, resource_id: str) -> None:
        super().__init__(
            f"{kind} {resource_id!r} was not found",
            reason=f"{kind.upper()}_NOT_FOUND",
            metadata={"resource_type": resource_type(kind), "resource_id": resource_id},
        )
        self.kind = kind
        self.resource_type = resource_type(kind)
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


class Unauthenticated(LienthongError):
    """The caller is not known: its certificate is revoked or names no caller."""

    reason = "UNAUTHENTICATED"


class PermissionDenied(LienthongError):
    """The caller is known, and no rule allows it this call."""

    reason = "PERMISSION_DENIED"


class ResourceExhausted(LienthongError):
    """The caller asks for more than it is given now; it may retry after ``retry_after_s``."""

    reason = "RESOURCE_EXHAUSTED"

    def __init__(self, message: str, *, retry_after_s: float, reason: str | None = None,
                 metadata: dict[str, str] | None = None) -> None:
        super().__init__(message, reason=reason, metadata=metadata)
        self.retry_after_s = retry_after_s


class Unavailable(LienthongError):
    """A system this one depends on cannot be reached now; retrying later is safe."""

    reason = "UNAVAILABLE"


class Conflict(LienthongError):
    """A concurrent command changed the same aggregate; retrying is safe."""

    reason = "CONCURRENT_MODIFICATION"
