"""Each version of the access policy a service takes is history: what was allowed, when.

When a service starts with a policy file, and each time it takes a new version of it
(:class:`lienthong.policy.PolicyFile`), it saves a :class:`PolicyAdopted` in its own log,
holding the file's text and digest. An auditor replaying the log knows which rules were
in force for every call after it, and the record is tamper-evident like any event. A
version that cannot be recorded is not taken (the previous one stays in force).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from eventsourcing.domain import event

from lienthong.audit import system_scope
from lienthong.eventstore import AuditedAggregate

if TYPE_CHECKING:
    from collections.abc import Callable

    from lienthong.policy import Policy


class PolicyAdopted(AuditedAggregate):
    """One version of the access policy, taken by the service."""

    @event("Recorded")
    def __init__(self, digest: str, source: str, text: str, rules: list[str],
                 previous_digest: str) -> None:
        self.digest = digest
        self.source = source
        self.text = text
        self.rules = list(rules)
        self.previous_digest = previous_digest


def recorder(app: Any, source: str) -> Callable[[Policy, bytes, str], None]:
    """A PolicyFile's ``on_adopted`` that saves each version in ``app``'s log."""

    def record(policy: Policy, text: bytes, previous: str) -> None:
        reason = "access policy changed" if previous else "access policy at start"
        with system_scope(reason):
            app.save(PolicyAdopted(policy.digest, source, text.decode(),
                                   [rule.name for rule in policy.rules], previous))

    return record
