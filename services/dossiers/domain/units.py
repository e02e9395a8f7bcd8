"""Administrative units as the dossiers service knows them.

The identity service owns units; dossiers keeps what it needs of them
(name, level, codes, province, whether it is retired and who carries it on)
as its own aggregates, built from identity's published events by the
consumer in :mod:`..consumers`. No service reads another's tables.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from eventsourcing.domain import event

from lienthong.errors import FailedPrecondition
from lienthong.eventstore import AuditedAggregate

if TYPE_CHECKING:
    import datetime as dt
    from uuid import UUID


class UnitRetiredAmbiguouslyError(FailedPrecondition):
    reason = "UNIT_DIVIDED_NO_SINGLE_SUCCESSOR"


class KnownUnit(AuditedAggregate):
    """A unit of the identity service, under the same id."""

    @event("Learned")
    def __init__(self, id: UUID, display_name: str, level: str, kind: str,  # noqa: A002
                 administrative_unit_code: str, agency_code: str, parent_id: UUID | None,
                 province_id: UUID | None) -> None:
        self.display_name = display_name
        self.level = level
        self.kind = kind
        self.administrative_unit_code = administrative_unit_code
        self.agency_code = agency_code
        self.parent_id = parent_id
        self.province_id = province_id
        self.retirement = ""
        self.successor_ids: list[UUID] = []
        self.default_successor_id: UUID | None = None
        self.retired_on: dt.date | None = None
        self.agency_code_provisional = False

    @property
    def is_active(self) -> bool:
        return not self.retirement

    @property
    def province(self) -> UUID:
        """The province a unit belongs to (itself for a province)."""
        return self.province_id or self.id

    @event("Renamed")
    def rename(self, display_name: str) -> None:
        self.display_name = display_name

    @event("AgencyCodeAssigned")
    def assign_agency_code(self, agency_code: str, provisional: bool) -> None:
        """The unit took an agency code, or a new one; new dossier codes begin with it."""
        self.agency_code = agency_code
        self.agency_code_provisional = provisional

    @event("Retired")
    def retire(self, how: str, successor_ids: list[UUID], default_successor_id: UUID,
               effective_date: dt.date | None) -> None:
        self.retirement = how
        self.successor_ids = list(successor_ids)
        self.default_successor_id = default_successor_id
        self.retired_on = effective_date
