"""Errors as ``google.rpc.Status`` with details (AIP-193).

Every error carries an ``ErrorInfo`` (reason UPPER_SNAKE, domain
``lienthong.vn``; ``resource_type`` and ``resource_id`` in its metadata when
it is about a record); bad input adds ``BadRequest`` field violations, a rule
of the domain a ``PreconditionFailure`` naming the record. Nothing else of an
exception (no stack trace, no class name) leaves the server.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from google.protobuf import any_pb2, duration_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from lienthong.errors import (
    AlreadyExists,
    Conflict,
    DataLoss,
    FailedPrecondition,
    InvalidArgument,
    LienthongError,
    NotFound,
    PermissionDenied,
    ResourceExhausted,
    Unauthenticated,
    Unavailable,
)

if TYPE_CHECKING:
    import grpc

ERROR_DOMAIN = "lienthong.vn"

_CODES: list[tuple[type[LienthongError], int]] = [
    (InvalidArgument, code_pb2.INVALID_ARGUMENT),
    (NotFound, code_pb2.NOT_FOUND),
    (AlreadyExists, code_pb2.ALREADY_EXISTS),
    (FailedPrecondition, code_pb2.FAILED_PRECONDITION),
    (Conflict, code_pb2.ABORTED),
    (DataLoss, code_pb2.DATA_LOSS),
    (ResourceExhausted, code_pb2.RESOURCE_EXHAUSTED),
    (Unauthenticated, code_pb2.UNAUTHENTICATED),
    (PermissionDenied, code_pb2.PERMISSION_DENIED),
    (Unavailable, code_pb2.UNAVAILABLE),
]


def _pack(message: object) -> any_pb2.Any:
    packed = any_pb2.Any()
    packed.Pack(message)  # type: ignore[arg-type]
    return packed


#: What an error echoes of a request is bounded (UTF-8 bytes), so that its trailers stay
#: well under a default client's 8 KiB of metadata whatever the request held: the message,
#: each metadata value, each violation's field and description, and the number of field
#: violations (the rest are counted in one more).
MAX_MESSAGE_BYTES = 200
MAX_METADATA_VALUE_BYTES = 100
MAX_METADATA_ENTRIES = 12
MAX_FIELD_BYTES = 64
MAX_DESCRIPTION_BYTES = 160
MAX_FIELD_VIOLATIONS = 8


def bounded(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` UTF-8 bytes (on a character), "…" marking a cut."""
    encoded = text.encode()
    if len(encoded) <= limit:
        return text
    return encoded[:limit - 3].decode(errors="ignore") + "…"


def _field_violations(error: InvalidArgument) -> list[error_details_pb2.BadRequest.FieldViolation]:
    shown = [error_details_pb2.BadRequest.FieldViolation(
        field=bounded(v.field, MAX_FIELD_BYTES), reason=v.rule,
        description=bounded(v.description, MAX_DESCRIPTION_BYTES))
        for v in error.violations[:MAX_FIELD_VIOLATIONS]]
    if (more := len(error.violations) - MAX_FIELD_VIOLATIONS) > 0:
        shown.append(error_details_pb2.BadRequest.FieldViolation(
            field="request", reason="MORE_VIOLATIONS",
            description=f"{more} more violations not shown; correct these first"))
    return shown


def status_for(error: LienthongError) -> grpc.Status:
    """The gRPC status a domain error becomes (what it echoes bounded)."""
    code = next((c for cls, c in _CODES if isinstance(error, cls)), code_pb2.INTERNAL)
    resource = error.resource
    metadata = dict(error.metadata)
    if resource is not None:
        metadata.setdefault("resource_type", resource.type)
        metadata.setdefault("resource_id", resource.id)
    metadata = {key: bounded(str(value), MAX_METADATA_VALUE_BYTES)
                for key, value in list(metadata.items())[:MAX_METADATA_ENTRIES]}
    message = bounded(error.message, MAX_MESSAGE_BYTES)
    details = [_pack(error_details_pb2.ErrorInfo(
        reason=error.reason, domain=ERROR_DOMAIN, metadata=metadata))]
    if isinstance(error, InvalidArgument):
        details.append(_pack(error_details_pb2.BadRequest(
            field_violations=_field_violations(error))))
    if isinstance(error, ResourceExhausted):
        details.append(_pack(error_details_pb2.RetryInfo(
            retry_delay=duration_pb2.Duration(
                seconds=int(error.retry_after_s),
                nanos=int((error.retry_after_s % 1) * 1_000_000_000)))))
    if isinstance(error, FailedPrecondition):
        # The subject names the record the rule protects: a dossier, a unit, a procedure...
        # A refusal that names no record may still name a code (a procedure's, an agency's).
        subject = resource.name if resource is not None else error.metadata.get("code", "")
        details.append(_pack(error_details_pb2.PreconditionFailure(violations=[
            error_details_pb2.PreconditionFailure.Violation(
                type=error.reason, subject=bounded(subject, MAX_DESCRIPTION_BYTES),
                description=message)
        ])))
    return rpc_status.to_status(status_pb2.Status(code=code, message=message,
                                                  details=details))


def internal_status(request_id: str) -> grpc.Status:
    """What a caller sees of a bug: a reference to the log line, nothing more."""
    message = f"internal error; the service log holds request {request_id}"
    return rpc_status.to_status(status_pb2.Status(
        code=code_pb2.INTERNAL, message=message,
        details=[_pack(error_details_pb2.ErrorInfo(
            reason="INTERNAL", domain=ERROR_DOMAIN, metadata={"request_id": request_id}))],
    ))


def deadline_status() -> grpc.Status:
    return rpc_status.to_status(status_pb2.Status(
        code=code_pb2.DEADLINE_EXCEEDED, message="the deadline passed before the call started",
        details=[_pack(error_details_pb2.ErrorInfo(reason="DEADLINE_EXCEEDED",
                                                   domain=ERROR_DOMAIN))],
    ))


def error_details(error: grpc.RpcError) -> dict[str, object]:
    """For clients and tests: the ErrorInfo, field and precondition violations of a failed call.

    ``metadata`` holds ``resource_type`` and ``resource_id`` when the error is
    about a record (``dossiers.lienthong.vn/Dossier`` and the dossier's id); a
    precondition violation is ``(reason, "<resource_type>/<resource_id>")``.
    """
    status = rpc_status.from_call(error)  # type: ignore[arg-type]
    found: dict[str, object] = {"code": error.code(), "reason": "", "metadata": {},
                                "field_violations": [], "precondition_violations": []}
    if status is None:
        return found
    for detail in status.details:
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            found["reason"], found["domain"] = info.reason, info.domain
            found["metadata"] = dict(info.metadata)
        elif detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            found["field_violations"] = [(v.field, v.reason) for v in bad.field_violations]
        elif detail.Is(error_details_pb2.RetryInfo.DESCRIPTOR):
            retry = error_details_pb2.RetryInfo()
            detail.Unpack(retry)
            found["retry_after_s"] = retry.retry_delay.ToTimedelta().total_seconds()
        elif detail.Is(error_details_pb2.PreconditionFailure.DESCRIPTOR):
            failure = error_details_pb2.PreconditionFailure()
            detail.Unpack(failure)
            found["precondition_violations"] = [(v.type, v.subject) for v in failure.violations]
    return found
