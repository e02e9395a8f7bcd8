"""Agencies as the documents service knows them: the issuer of an outgoing document,
the holder of an incoming book. The identity service owns units; this service keeps
what numbering and exchange need of them, under the same id."""

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
    def __init__(self, id: UUID, display_name: str, agency_code: str) -> None:  # noqa: A002
        self.display_name = display_name
        self.agency_code = agency_code
        self.retirement = ""
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
    def retire(self, how: str, default_successor_id: UUID,
               effective_date: dt.date | None) -> None:
        self.retirement = how
        self.default_successor_id = default_successor_id
        self.retired_on = effective_date
