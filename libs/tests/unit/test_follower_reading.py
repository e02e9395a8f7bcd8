"""A read model reads the log outside its lock: queries are answered while the database is
being read, what was read is applied once and in order, and a catch-up that waited for
another thread's read begun after it asks the database nothing more."""

from __future__ import annotations

import threading
from typing import Any

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from lienthong.projection import LogFollower, handles


class Parcel(Aggregate):
    @event("Registered")
    def __init__(self, number: str) -> None:
        self.number = number


class Numbers(LogFollower):
    aggregates = (Parcel,)

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.numbers: list[str] = []

    @handles(Parcel.Registered)
    def _registered(self, e: Any) -> None:
        self.numbers.append(e.number)


class GatedRecorder:
    """The application's recorder, whose reads of notifications can be held at a gate."""

    def __init__(self, recorder: Any) -> None:
        self._recorder = recorder
        #: Reads of the log: each begins by asking where it ends.
        self.reads = 0
        self.closed = threading.Event()
        self.closed.set()
        self.reading = threading.Event()

    def max_notification_id(self) -> Any:
        self.reads += 1
        return self._recorder.max_notification_id()

    def select_notifications(self, *args: Any, **kwargs: Any) -> Any:
        self.reading.set()
        assert self.closed.wait(5)
        return self._recorder.select_notifications(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._recorder, name)


def follower_of(app: Application) -> tuple[Numbers, GatedRecorder]:
    recorder = GatedRecorder(app.recorder)
    return Numbers(recorder, app.mapper.to_domain_event), recorder


def test_the_lock_is_free_while_the_log_is_read() -> None:
    app = Application(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    numbers, recorder = follower_of(app)
    numbers.catch_up()
    app.save(Parcel("1/1"))
    recorder.closed.clear()
    reader = threading.Thread(target=numbers.catch_up)
    reader.start()
    assert recorder.reading.wait(5)

    assert numbers.lock.acquire(timeout=1), "a query waited for the database"
    numbers.lock.release()
    recorder.closed.set()
    reader.join(5)
    assert numbers.numbers == ["1/1"]


def test_a_catch_up_covered_by_a_later_read_asks_nothing_more() -> None:
    app = Application(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    numbers, recorder = follower_of(app)
    numbers.catch_up()
    app.save(Parcel("1/1"))
    recorder.closed.clear()
    first = threading.Thread(target=numbers.catch_up)
    first.start()
    assert recorder.reading.wait(5)
    # Two commits while the first read is under way: each commit's catch-up waits.
    app.save(Parcel("1/2"))
    app.save(Parcel("1/3"))
    waiting = [threading.Thread(target=numbers.catch_up) for _ in range(2)]
    for thread in waiting:
        thread.start()
    reads_before = recorder.reads

    recorder.closed.set()
    for thread in (first, *waiting):
        thread.join(5)

    # One more read covers both waiting calls: it began after each of them.
    assert recorder.reads == reads_before + 1
    assert numbers.numbers == ["1/1", "1/2", "1/3"]
    assert numbers.catch_up() == 0
