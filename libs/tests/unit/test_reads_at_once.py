"""A command reads the aggregates it needs in one query; what that read did not ask for
is read when needed, what it asked for and did not find has nothing recorded."""

from __future__ import annotations

import uuid
from typing import Any

from eventsourcing.domain import event

from lienthong.eventstore import AuditedAggregate, ServiceApplication


class Desk(AuditedAggregate):
    def __init__(self, name: str) -> None:
        self.name = name
        self.opened = False

    @event("Opened")
    def open(self) -> None:
        self.opened = True


class Desks(ServiceApplication, service="desks"):
    def __init__(self) -> None:
        super().__init__("memory:")
        self.reads: list[uuid.UUID] = []

    def get_or_none(self, aggregate_id: uuid.UUID) -> Any:
        self.reads.append(aggregate_id)
        return super().get_or_none(aggregate_id)


def test_what_a_command_read_at_once_answers_without_reading_again() -> None:
    app = Desks()
    ward, commune = Desk("phường Ba Đình"), Desk("xã Tân Phú")
    ward.open()
    app.save(ward, commune)
    never_recorded = uuid.uuid4()

    loaded = app.get_many([ward.id, never_recorded, ward.id])

    assert set(loaded) == {ward.id} and loaded[ward.id].opened
    assert app.loaded_or_get(ward.id, loaded).name == "phường Ba Đình"
    assert app.loaded_or_get(never_recorded, loaded) is None  # asked for: nothing recorded
    assert app.reads == []
    # The read did not ask for this one (a successor found on the way): read now.
    assert app.loaded_or_get(commune.id, loaded).name == "xã Tân Phú"
    assert app.loaded_or_get(ward.id, None).opened
    assert app.reads == [commune.id, ward.id]


def test_an_empty_read_asks_for_nothing() -> None:
    app = Desks()
    desk = Desk("xã Đông Hải")
    app.save(desk)

    loaded = app.get_many([])

    assert loaded == {} and loaded.asked == frozenset()
    assert app.loaded_or_get(desk.id, loaded).name == "xã Đông Hải"
