"""AIP-155 request ids: a retried command returns its first answer.

The record of a request is an aggregate saved in the same transaction as the
command's own events, so a command is either wholly done and remembered, or
not done at all.
"""

from __future__ import annotations

import hashlib
import json
import random
import time
import uuid
from typing import TYPE_CHECKING, Any

from eventsourcing.domain import event
from eventsourcing.persistence import IntegrityError

from lienthong.audit import audit_scope, current
from lienthong.errors import AlreadyExists, Conflict, InvalidArgument
from lienthong.eventstore import AuditedAggregate, ServiceApplication, derived_id

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

from uuid import UUID  # create_id's annotation is read at run time

MAX_REQUEST_ID_LENGTH = 128


class RequestRecord(AuditedAggregate):
    """What one request id did: the method, a fingerprint of its payload, its result."""

    @staticmethod
    def create_id(request_id: str) -> UUID:
        return request_record_id(request_id)

    @event("Accepted")
    def __init__(self, request_id: str, method: str, fingerprint: str,
                 result: dict[str, Any]) -> None:
        self.request_id = request_id
        self.method = method
        self.fingerprint = fingerprint
        self.result = result


def fingerprint(payload: Mapping[str, Any]) -> str:
    """A digest of a request's meaning (its fields, request id excluded)."""
    canonical = json.dumps(payload, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def request_record_id(request_id: str) -> UUID:
    return derived_id("request", request_id)


def validate_request_id(request_id: str) -> None:
    if len(request_id) > MAX_REQUEST_ID_LENGTH or not request_id.isprintable():
        raise InvalidArgument.single(
            "request_id", "REQUEST_ID_FORMAT",
            f"must be at most {MAX_REQUEST_ID_LENGTH} printable characters",
        )


class IdempotentApplication(ServiceApplication):
    """A service application whose commands may carry a request id."""

    def previous_result(self, request_id: str, method: str,
                        payload: Mapping[str, Any]) -> dict[str, Any] | None:
        """The stored result of this request id, or None if it is new.

        Raises InvalidArgument when the id was used for a different request.
        """
        if not request_id:
            return None
        validate_request_id(request_id)
        record_id = request_record_id(request_id)
        record: RequestRecord | None = self.get_or_none(record_id)
        if record is None:
            return None
        if record.method != method or record.fingerprint != fingerprint(payload):
            raise InvalidArgument.single(
                "request_id", "REQUEST_ID_REUSED",
                f"request id {request_id!r} was already used for a different "
                f"{record.method} request",
            )
        return record.result

    def run_command(self, request_id: str, method: str, payload: Mapping[str, Any],
                    execute: Callable[[], dict[str, Any]], *, reason: str = "",
                    attempts: int = 3) -> dict[str, Any]:
        """Run a command once per request id, retrying when a concurrent command won.

        ``execute`` loads what it needs, changes it and returns
        :meth:`save_command`'s result. A retry of a request that is done (or
        that finished while this one ran) gets the first answer.
        """
        for attempt in range(1, attempts + 1):
            if (done := self.previous_result(request_id, method, payload)) is not None:
                return done
            # Every command belongs to a chain: the caller's, or one it starts.
            correlation = current().correlation_id or request_id or str(uuid.uuid4())
            try:
                with audit_scope(request_id=request_id, reason=reason,
                                 correlation_id=correlation):
                    return execute()
            except Conflict:
                # Another command saved first: run again on the state it left, after
                # a short random pause so that competitors do not collide again.
                if attempt == attempts:
                    raise
                time.sleep(random.uniform(0, 0.002 * attempt))
            except AlreadyExists:
                # Perhaps the same request, finishing first under another connection.
                if (done := self.previous_result(request_id, method, payload)) is not None:
                    return done
                raise
        raise AssertionError  # unreachable: the last attempt returns or raises

    def save_command(self, request_id: str, method: str, payload: Mapping[str, Any],
                     result: dict[str, Any], *aggregates: Any) -> dict[str, Any]:
        """Save the command's aggregates and its request record in one transaction."""
        objs = list(aggregates)
        if request_id:
            objs.append(RequestRecord(
                request_id=request_id, method=method, fingerprint=fingerprint(payload),
                result=result,
            ))
        try:
            self.save(*objs)
        except IntegrityError:
            msg = "another command changed the same records at the same time; retry"
            raise Conflict(msg) from None
        return result
