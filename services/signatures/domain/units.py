"""Agencies as the signatures service knows them.

The identity service owns units; signatures keeps what a certificate needs of
them (name, agency code, province, whether the unit was retired and who carries
it on) as its own aggregates, built from identity's published events by the
consumer in :mod:`..consumers`. No service reads another's tables.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from eventsourcing.domain import event

from lienthong.eventstore import AuditedAggregate

if TYPE_CHECKING:
    import datetime as dt
    from uuid import UUID


class KnownUnit(AuditedAggregate):
    """A unit of the identity service, under the same id."""

    @event("Learned")
    def __init__(self, id: UUID, display_name: str, level: str,  # noqa: A002
                 agency_code: str, province_id: UUID | None) -> None:
        self.display_name = display_name
        self.level = level
        self.agency_code = agency_code
        self.province_id = province_id
        self.retirement = ""
        self.successor_ids: list[UUID] = []
        self.default_successor_id: UUID | None = None
        self.retired_on: dt.date | None = None

    @property
    def is_active(self) -> bool:
        return not self.retirement

    @event("Renamed")
    def rename(self, display_name: str) -> None:
        self.display_name = display_name

    @event("AgencyCodeAssigned")
    def assign_agency_code(self, agency_code: str) -> None:
        self.agency_code = agency_code

    @event("Retired")
    def retire(self, how: str, successor_ids: list[UUID], default_successor_id: UUID,
               effective_date: dt.date | None) -> None:
        self.retirement = how
        self.successor_ids = list(successor_ids)
        self.default_successor_id = default_successor_id
        self.retired_on = effective_date
