"""AIP-155 request ids: a retried command returns its first answer.

The record of a request is an aggregate saved in the same transaction as the
command's own events, so a command is either wholly done and remembered, or
not done at all.
"""

from __future__ import annotations

import functools
import hashlib
import json
import random
import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from eventsourcing.domain import event
from eventsourcing.persistence import IntegrityError

from lienthong.audit import audit_scope, current
from lienthong.errors import (
    AlreadyExists,
    Conflict,
    InvalidArgument,
    LienthongError,
    resource_type,
)
from lienthong.eventstore import AuditedAggregate, ServiceApplication, derived_id

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

from uuid import UUID  # create_id's annotation is read at run time

MAX_REQUEST_ID_LENGTH = 128

T = TypeVar("T")


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


@dataclass(frozen=True)
class Command:
    """One call of a command: its method name, its payload and its request id.

    Given once, to :meth:`IdempotentApplication.run_command`, which hands it
    to the command's ``execute``; :meth:`~IdempotentApplication.save_command`
    records it from there, so the name and payload looked up are the ones saved.
    """

    method: str
    #: What makes two requests the same one (request id excluded).
    payload: Mapping[str, Any]
    request_id: str = ""

    @functools.cached_property
    def fingerprint(self) -> str:
        return fingerprint(self.payload)


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """What a command answered: its stored result and, when this call ran it, what it saved.

    ``changed`` is the state the command saved (e.g. the aggregate, as
    saved), so that the caller answers without reading it back; None when
    the request id was already done and the stored result is all there is.
    """

    result: dict[str, Any]
    changed: T | None = None


class IdempotentApplication(ServiceApplication):
    """A service application whose commands may carry a request id."""

    def previous_result(self, command: Command) -> dict[str, Any] | None:
        """The stored result of the command's request id, or None if it is new.

        Raises InvalidArgument when the id was used for a different request.
        """
        if not command.request_id:
            return None
        validate_request_id(command.request_id)
        record: RequestRecord | None = self.get_or_none(request_record_id(command.request_id))
        if record is None:
            return None
        if record.method != command.method or record.fingerprint != command.fingerprint:
            reused = InvalidArgument.single(
                "request_id", "REQUEST_ID_REUSED",
                f"request id {command.request_id!r} was already used for a different "
                f"{record.method} request",
            )
            # Names the request the id belongs to, the way every error names its record.
            reused.metadata.update(resource_type=resource_type("request"),
                                   resource_id=command.request_id)
            raise reused
        return record.result

    def run_command(self, request_id: str, method: str, payload: Mapping[str, Any],
                    execute: Callable[[Command], dict[str, Any]], *, reason: str = "",
                    attempts: int = 3, ask_first: bool = True) -> dict[str, Any]:
        """Run a command once per request id, retrying when a concurrent command won.

        ``execute(command)`` loads what it needs, changes it and returns
        ``save_command(command, result, *aggregates)``. A retry of a request
        that is done (or that finished while this one ran) gets the first answer.
        See :meth:`run_changing` for ``ask_first``.
        """
        return self.run_changing(request_id, method, payload,
                                 lambda command: Outcome(execute(command)),
                                 reason=reason, attempts=attempts, ask_first=ask_first).result

    def run_changing(self, request_id: str, method: str, payload: Mapping[str, Any],
                     execute: Callable[[Command], Outcome[T]], *, reason: str = "",
                     attempts: int = 3, ask_first: bool = True) -> Outcome[T]:
        """:meth:`run_command` for a command that hands back what it changed.

        ``execute(command)`` returns ``Outcome(save_command(...), changed)``;
        the outcome's ``changed`` is None when the request id was already done
        (the stored result is all there is: read what it names).

        ``ask_first=False`` runs the command before asking whether its request id
        is done, sparing new requests that query. Only for a command whose every
        effect is saved in its own transaction: a request already done then cannot
        be saved again (its request record, or the ids it derives from the request
        id, exist), or is refused by the state it left, and either way its stored
        result is answered.
        """
        command = Command(method, payload, request_id)
        if request_id and not ask_first:  # else previous_result checks it
            validate_request_id(request_id)
        for attempt in range(1, attempts + 1):
            if ((ask_first or attempt > 1)
                    and (done := self.previous_result(command)) is not None):
                return Outcome(done)
            # Every command belongs to a chain: the caller's, or one it starts.
            correlation = current().correlation_id or request_id or str(uuid.uuid4())
            try:
                with audit_scope(request_id=request_id, reason=reason,
                                 correlation_id=correlation):
                    return execute(command)
            except Conflict:
                # Another command saved first: run again on the state it left, after
                # a short random pause so that competitors do not collide again.
                if attempt == attempts:
                    if ask_first or (done := self.previous_result(command)) is None:
                        raise
                    return Outcome(done)
                time.sleep(random.uniform(0, 0.002 * attempt))
            except AlreadyExists:
                # Perhaps the same request, finishing first under another connection.
                if (done := self.previous_result(command)) is not None:
                    return Outcome(done)
                raise
            except LienthongError:
                # Not asked first: perhaps refused only because the request was done.
                if ask_first or (done := self.previous_result(command)) is None:
                    raise
                return Outcome(done)
        raise AssertionError  # unreachable: the last attempt returns or raises

    def save_command(self, command: Command, result: dict[str, Any],
                     *aggregates: Any) -> dict[str, Any]:
        """Save the command's aggregates and its request record in one transaction."""
        objs = list(aggregates)
        if command.request_id:
            objs.append(RequestRecord(
                request_id=command.request_id, method=command.method,
                fingerprint=command.fingerprint, result=result,
            ))
        try:
            self.save(*objs)
        except IntegrityError:
            msg = "another command changed the same records at the same time; retry"
            raise Conflict(msg) from None
        return result
