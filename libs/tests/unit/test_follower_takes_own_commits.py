"""After its own commit a read model applies what was recorded without reading the log, when
nothing can lie between: the commit's ids run on from its position and no hole is awaited.
Otherwise it reads the log, and what it read already it does not apply again."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from lienthong.projection import LogFollower, handles


class Parcel(Aggregate):
    @event("Registered")
    def __init__(self, number: str) -> None:
        self.number = number

    @event("Weighed")
    def weigh(self, grams: int) -> None:
        self.grams = grams


class Numbers(LogFollower):
    aggregates = (Parcel,)
    ignores: ClassVar[dict[type, str]] = {Parcel.Weighed: "the model lists numbers only"}

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.numbers: list[str] = []

    @handles(Parcel.Registered)
    def _registered(self, e: Any) -> None:
        self.numbers.append(e.number)


class CountedRecorder:
    """The application's recorder, counting the follower's reads of the log."""

    def __init__(self, recorder: Any) -> None:
        self._recorder = recorder
        self.reads = 0

    def max_notification_id(self) -> Any:
        self.reads += 1
        return self._recorder.max_notification_id()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._recorder, name)


def a_model() -> tuple[Application, Numbers, CountedRecorder]:
    app = Application(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    recorder = CountedRecorder(app.recorder)
    numbers = Numbers(recorder, app.mapper.to_domain_event)
    numbers.catch_up()
    return app, numbers, recorder


def committed(app: Application, *parcels: Parcel) -> list[Any]:
    return [recording.notification for recording in app.save(*parcels)]


def test_a_commit_right_after_the_position_is_applied_without_reading_the_log() -> None:
    app, numbers, recorder = a_model()
    reads = recorder.reads

    parcel = Parcel("1/1")
    parcel.weigh(300)
    taken = numbers.take(committed(app, parcel, Parcel("1/2")))

    assert numbers.numbers == ["1/1", "1/2"]
    assert taken == 2  # the Weighed event is of a class the model does not follow
    assert numbers.position == app.recorder.max_notification_id() == 3
    assert recorder.reads == reads


def test_a_commit_after_another_one_reads_the_log_and_keeps_the_order() -> None:
    app, numbers, recorder = a_model()
    committed(app, Parcel("2/1"))  # another process's commit: nobody hands it over
    reads = recorder.reads

    numbers.take(committed(app, Parcel("2/2")))

    assert numbers.numbers == ["2/1", "2/2"]
    assert recorder.reads == reads + 1


def test_what_was_read_already_is_not_applied_again_and_costs_no_read() -> None:
    app, numbers, recorder = a_model()
    late = committed(app, Parcel("3/1"))
    numbers.catch_up()  # another thread's read saw the commit first
    reads = recorder.reads

    assert numbers.take(late) == 0
    assert numbers.numbers == ["3/1"]
    assert recorder.reads == reads


def test_an_awaited_hole_is_looked_for_in_the_log() -> None:
    app, numbers, recorder = a_model()
    numbers.waiting[99] = 0.0  # a hole below the position, not yet given up
    reads = recorder.reads

    numbers.take(committed(app, Parcel("4/1")))

    assert numbers.numbers == ["4/1"]
    assert recorder.reads == reads + 1


def test_a_model_not_started_reads_the_log_first() -> None:
    app = Application(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    earlier = committed(app, Parcel("5/1"))
    numbers = Numbers(app.recorder, app.mapper.to_domain_event)

    numbers.take(committed(app, Parcel("5/2")))
    numbers.take(earlier)

    assert numbers.numbers == ["5/1", "5/2"]


class Fragile(Numbers):
    """Refuses one number, once: its handler fails half-way through a commit."""

    refuse = "7/2"

    @handles(Parcel.Registered)
    def _registered(self, e: Any) -> None:
        if e.number == self.refuse:
            self.refuse = ""
            msg = "refused once"
            raise RuntimeError(msg)
        self.numbers.append(e.number)


def test_a_handler_failing_half_way_leaves_the_position_after_what_it_applied() -> None:
    app = Application(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    fragile = Fragile(app.recorder, app.mapper.to_domain_event)
    fragile.catch_up()
    recorded = committed(app, Parcel("7/1"), Parcel("7/2"), Parcel("7/3"))

    with pytest.raises(RuntimeError):
        fragile.take(recorded)
    fragile.catch_up()

    assert fragile.numbers == ["7/1", "7/2", "7/3"]  # 7/1 once
