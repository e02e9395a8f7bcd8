"""An agency's fonds (phông lưu trữ): the whole of the records it made, named after it
and kept together. It is opened with the agency's first record; when the agency is
merged, divided or dissolved it is closed and passes, whole, to the unit that carries
on its records (a custody transfer, :mod:`.custody`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from eventsourcing.domain import event

from lienthong.eventstore import AuditedAggregate, derived_id

if TYPE_CHECKING:
    from uuid import UUID


def fonds_id(unit_id: UUID) -> UUID:
    """The one fonds of a unit."""
    return derived_id("fonds", str(unit_id))


class Fonds(AuditedAggregate):
    @staticmethod
    def create_id(unit_id: UUID, **_: object) -> UUID:
        return fonds_id(unit_id)

    @event("Opened")
    def __init__(self, unit_id: UUID, agency_code: str, name: str) -> None:
        self.unit_id = unit_id
        self.agency_code = agency_code
        self.name = name
        self.holder_unit_id = unit_id
        self.transfer_ids: list[UUID] = []

    @property
    def closed(self) -> bool:
        return self.holder_unit_id != self.unit_id

    def transfer(self, transfer_id: UUID, to_unit_id: UUID) -> None:
        if transfer_id in self.transfer_ids:
            return
        self._transferred(transfer_id, self.holder_unit_id, to_unit_id)

    @event("Transferred")
    def _transferred(self, transfer_id: UUID, from_unit_id: UUID, to_unit_id: UUID) -> None:
        self.holder_unit_id = to_unit_id
        self.transfer_ids = [*self.transfer_ids, transfer_id]
