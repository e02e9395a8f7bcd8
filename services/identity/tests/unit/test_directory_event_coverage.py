"""No event of the identity service is skipped by its read model without a stated reason.

The directory binds its handlers to the event classes (a renamed class breaks the
import) and its class is refused when an event of the aggregates it reads is neither
handled nor ignored with a reason; here, every aggregate the service records must be
one it reads.
"""

from __future__ import annotations

from eventsourcing.domain import Aggregate

import lienthong.services.identity.application  # noqa: F401 - imports every aggregate
from lienthong.idempotency import RequestRecord
from lienthong.projection import recorded_events
from lienthong.services.identity.projections import UnitDirectory

READ_MODELS = (UnitDirectory,)


def service_aggregates(package: str) -> set[type]:
    """Every aggregate class defined in the service (tests aside), and its request records."""
    found: set[type] = {RequestRecord}
    stack = [Aggregate]
    while stack:
        for sub in stack.pop().__subclasses__():
            stack.append(sub)
            if sub.__module__.startswith(package) and ".tests" not in sub.__module__:
                found.add(sub)
    return found


def test_every_aggregate_the_service_records_is_read_by_its_read_model() -> None:
    aggregates = service_aggregates("lienthong.services.identity.")
    assert {a.__name__ for a in aggregates} >= {"Unit", "AgencyCodeClaim",
                                                "AdministrativeCodeRegister", "RequestRecord"}
    read = {a for model in READ_MODELS for a in model.aggregates}
    assert aggregates <= read, f"read by no model: {sorted(a.__name__ for a in aggregates - read)}"


def test_every_event_is_handled_or_ignored_with_the_reason() -> None:
    for aggregate in service_aggregates("lienthong.services.identity."):
        for event_class in recorded_events(aggregate):
            decided = [model for model in READ_MODELS if aggregate in model.aggregates
                       and (event_class in model.follows or model.ignores.get(event_class))]
            assert decided, event_class.__qualname__
    assert set(UnitDirectory.ignores) == {RequestRecord.Accepted}
