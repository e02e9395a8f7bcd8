"""Agencies as the archive knows them.

The identity service owns units; the archive keeps what it needs of them (name, agency
code, province, whether the unit was retired and who carries on its records) as its
own aggregates, under the same ids, built from identity's published events by
:mod:`..consumers`.
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
    def __init__(self, id: UUID, display_name: str, agency_code: str,  # noqa: A002
                 province_id: UUID | None) -> None:
        self.display_name = display_name
        self.agency_code = agency_code
        self.province_id = province_id
        self.retirement = ""
        self.records_successor_id: UUID | None = None
        self.retired_on: dt.date | None = None

    @property
    def is_active(self) -> bool:
        return not self.retirement

    @property
    def province(self) -> UUID:
        """Its province's unit id (a province is its own)."""
        return self.province_id or self.id

    @event("Renamed")
    def rename(self, display_name: str) -> None:
        self.display_name = display_name

    @event("AgencyCodeAssigned")
    def assign_agency_code(self, agency_code: str) -> None:
        self.agency_code = agency_code

    @event("Retired")
    def retire(self, how: str, records_successor_id: UUID,
               effective_date: dt.date | None) -> None:
        self.retirement = how
        self.records_successor_id = records_successor_id
        self.retired_on = effective_date
