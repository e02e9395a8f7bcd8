"""Tests that a service's read models decide on every event the service records."""

from __future__ import annotations

from typing import Any

from eventsourcing.domain import Aggregate

from lienthong.idempotency import RequestRecord
from lienthong.projection import recorded_events


def service_aggregates(package: str) -> set[type]:
    """Every aggregate class the service records (its tests' and benchmarks' aside, which
    a benchmark's own consumer defines), and its request records.

    Only the classes already imported count: import the service's application first.
    """
    found: set[type] = {RequestRecord}
    stack = [Aggregate]
    while stack:
        for sub in stack.pop().__subclasses__():
            stack.append(sub)
            if sub.__module__.startswith(package) and not {"tests", "benchmarks"} & set(
                    sub.__module__.split(".")):
                found.add(sub)
    return found


def assert_every_event_is_handled_or_ignored(read_models: tuple[Any, ...], package: str) -> None:
    """Each event of each aggregate of ``package`` is followed, or ignored with a reason,
    by a read model that reads its aggregate."""
    for aggregate in service_aggregates(package):
        for event_class in recorded_events(aggregate):
            decided = [model for model in read_models if aggregate in model.aggregates
                       and (event_class in model.follows or model.ignores.get(event_class))]
            assert decided, event_class.__qualname__
