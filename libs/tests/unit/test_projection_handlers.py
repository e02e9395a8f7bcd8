"""A read model's handlers are bound to event classes, and none of its aggregates' events
goes unhandled without a stated reason: a follower class that leaves one out is refused
when it is defined, so the service does not even import."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest
from eventsourcing.domain import Aggregate, event

from lienthong.projection import LogFollower, handles, recorded_events


class Parcel(Aggregate):
    """A toy aggregate: created by ``Registered``, then measured or retired."""

    @event("Registered")
    def __init__(self, number: str) -> None:
        self.number = number

    @event("Measured")
    def measure(self, area_m2: int) -> None:
        self.area_m2 = area_m2

    @event("Retired")
    def retire(self) -> None:
        self.retired = True


def test_the_events_of_an_aggregate_are_those_it_records() -> None:
    # The default ``Created`` of an aggregate created by ``Registered`` is never recorded.
    assert set(recorded_events(Parcel)) == {Parcel.Registered, Parcel.Measured, Parcel.Retired}


def test_a_follower_reads_the_classes_it_handles_and_applies_each_to_its_handler() -> None:
    class Areas(LogFollower):
        aggregates = (Parcel,)
        ignores: ClassVar[dict[type, str]] = {Parcel.Retired: "a retired parcel keeps its area"}

        def __init__(self, *args: Any) -> None:
            super().__init__(*args)
            self.areas: dict[Any, int] = {}

        @handles(Parcel.Registered)
        def _registered(self, e: Any) -> None:
            self.areas[e.originator_id] = 0

        @handles(Parcel.Measured)
        def _measured(self, e: Any) -> None:
            self.areas[e.originator_id] = e.area_m2

    assert set(Areas.follows) == {Parcel.Registered, Parcel.Measured}
    parcel = Parcel("12/34")
    parcel.measure(250)
    parcel.retire()
    areas = Areas(None, None)  # type: ignore[arg-type]
    applied = [areas._apply(e) for e in parcel.collect_events()]
    assert applied == [True, True, False]
    assert areas.areas == {parcel.id: 250}


def test_an_event_neither_handled_nor_ignored_refuses_the_class_naming_it() -> None:
    with pytest.raises(TypeError, match=r"neither handled nor ignored: Parcel\.Retired"):
        class Areas(LogFollower):
            aggregates = (Parcel,)

            @handles(Parcel.Registered, Parcel.Measured)
            def _changed(self, e: Any) -> None: ...


def test_an_ignored_event_needs_a_reason() -> None:
    with pytest.raises(TypeError, match=r"ignored without a reason: Parcel\.Retired"):
        class Areas(LogFollower):
            aggregates = (Parcel,)
            ignores: ClassVar[dict[type, str]] = {Parcel.Retired: " "}

            @handles(Parcel.Registered, Parcel.Measured)
            def _changed(self, e: Any) -> None: ...


def test_an_event_both_handled_and_ignored_is_refused() -> None:
    with pytest.raises(TypeError, match=r"both handled and ignored: Parcel\.Measured"):
        class Areas(LogFollower):
            aggregates = (Parcel,)
            ignores: ClassVar[dict[type, str]] = {Parcel.Measured: "no", Parcel.Retired: "no"}

            @handles(Parcel.Registered, Parcel.Measured)
            def _changed(self, e: Any) -> None: ...


class Road(Aggregate):
    @event("Opened")
    def __init__(self) -> None:
        pass


def test_events_of_an_aggregate_not_named_are_refused() -> None:
    with pytest.raises(TypeError, match=r"not events of Parcel: Road\.Opened"):
        class Areas(LogFollower):
            aggregates = (Parcel,)

            @handles(Parcel.Registered, Parcel.Measured, Parcel.Retired, Road.Opened)
            def _changed(self, e: Any) -> None: ...


def test_a_follower_with_handlers_names_the_aggregates_it_reads() -> None:
    with pytest.raises(TypeError, match="name the aggregates it reads"):
        class Areas(LogFollower):
            @handles(Parcel.Registered)
            def _registered(self, e: Any) -> None: ...


def test_two_handlers_of_one_event_in_one_class_are_refused() -> None:
    with pytest.raises(TypeError, match=r"Parcel\.Measured is handled by both _a and _b"):
        class Areas(LogFollower):
            aggregates = (Parcel,)

            @handles(Parcel.Registered, Parcel.Measured, Parcel.Retired)
            def _a(self, e: Any) -> None: ...

            @handles(Parcel.Measured)
            def _b(self, e: Any) -> None: ...


def test_a_subclass_may_replace_a_handler_of_its_base() -> None:
    class Base(LogFollower):
        aggregates = (Parcel,)
        ignores: ClassVar[dict[type, str]] = {Parcel.Retired: "not needed here"}

        def __init__(self, *args: Any) -> None:
            super().__init__(*args)
            self.seen: list[str] = []

        @handles(Parcel.Registered, Parcel.Measured)
        def _changed(self, e: Any) -> None:
            self.seen.append("base")

    class Derived(Base):
        @handles(Parcel.Measured)
        def _measured(self, e: Any) -> None:
            self.seen.append("derived")

    parcel = Parcel("12/35")
    parcel.measure(100)
    derived = Derived(None, None)  # type: ignore[arg-type]
    for e in parcel.collect_events():
        derived._apply(e)
    assert derived.seen == ["base", "derived"]


def test_a_renamed_event_class_breaks_at_import_not_at_run_time() -> None:
    with pytest.raises(AttributeError, match="Registerd"):
        class Areas(LogFollower):
            aggregates = (Parcel,)

            @handles(Parcel.Registerd)  # type: ignore[attr-defined]
            def _registered(self, e: Any) -> None: ...
