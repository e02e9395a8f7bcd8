"""Read models of dossiers, built from the service's own event log.

:class:`DossierIndex` follows the notification log in memory (a
:class:`~lienthong.projection.LogFollower`, like the catalogue's
procedure index): dossiers per holding unit and status, the overdue list,
and per-unit statistics (received; returned early, on time, late; on-time
rate) that a province can compare across its communes. It also follows
the units dossiers learned from identity (``KnownUnit.Learned`` and
``Retired``), to know which province each unit belongs to.

Overdue and timeliness use the net processing time: a dossier waiting for
the applicant is never overdue (its clock stands still), and the due date
it is judged by is the one each end of a wait moved later.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lienthong.projection import LogFollower
from lienthong.vietnam import VIETNAM_TIME

from .domain.dossier import OPEN, WAITING, Dossier, Status
from .domain.units import KnownUnit

if TYPE_CHECKING:
    import datetime as dt
    from uuid import UUID


@dataclass
class DossierRow:
    dossier_id: UUID
    dossier_code: str
    procedure_code: str
    receiving_unit_id: UUID
    competent_unit_id: UUID
    holder_unit_id: UUID
    submitted_at: dt.datetime
    status: Status = Status.NEW
    due_date: dt.date | None = None
    timeliness: str = ""

    @property
    def is_open(self) -> bool:
        return self.status in OPEN

    def overdue(self, today: dt.date) -> bool:
        """Open, not waiting for the applicant (the clock stands still), past its due date."""
        return (self.is_open and self.status not in WAITING and self.due_date is not None
                and today > self.due_date)


@dataclass
class UnitRow:
    """A unit as dossiers knows it, for grouping statistics by province."""

    unit_id: UUID
    display_name: str
    level: str
    administrative_unit_code: str
    #: The province it belongs to (its own id for a province).
    province_id: UUID
    retirement: str = ""

    @property
    def order(self) -> tuple[int, str, str, str]:
        """The province first, then by administrative-unit code (units without one last)."""
        return (self.level != "province", self.administrative_unit_code or "~",
                self.display_name, str(self.unit_id))


@dataclass
class UnitStatistics:
    unit_id: UUID
    received: int = 0
    open: int = 0
    overdue: int = 0
    early: int = 0
    on_time: int = 0
    late: int = 0

    @property
    def returned(self) -> int:
        return self.early + self.on_time + self.late

    @property
    def on_time_rate(self) -> float | None:
        """Share of returned results that were early or on time (None before any)."""
        return (self.early + self.on_time) / self.returned if self.returned else None


@dataclass(frozen=True)
class DossierFilter:
    holder_unit_id: UUID | None = None
    status: Status | None = None
    overdue_only: bool = False
    procedure_code: str = ""
    submitted_from: dt.date | None = None
    submitted_to: dt.date | None = None

    def matches(self, row: DossierRow, today: dt.date) -> bool:
        day = row.submitted_at.astimezone(VIETNAM_TIME).date()
        return ((self.holder_unit_id is None or row.holder_unit_id == self.holder_unit_id)
                and (self.status is None or row.status is self.status)
                and (not self.overdue_only or row.overdue(today))
                and (not self.procedure_code or row.procedure_code == self.procedure_code)
                and (self.submitted_from is None or day >= self.submitted_from)
                and (self.submitted_to is None or day <= self.submitted_to))




def _event_classes(aggregate: type) -> tuple[type, ...]:
    """Every event class an aggregate declares (new ones are followed without a change here)."""
    base = aggregate.Event  # type: ignore[attr-defined]
    return tuple(v for k, v in sorted(vars(aggregate).items())
                 if isinstance(v, type) and issubclass(v, base) and k not in ("Event", "Created"))


class DossierIndex(LogFollower):
    """Dossiers, and the units they belong to, as of the last applied notification."""

    follows = (*_event_classes(Dossier), KnownUnit.Learned, KnownUnit.Retired)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rows: dict[UUID, DossierRow] = {}
        self.units: dict[UUID, UnitRow] = {}

    def _apply(self, event: Any) -> bool:
        if isinstance(event, KnownUnit.Learned):
            unit_id = event.originator_id
            self.units[unit_id] = UnitRow(
                unit_id, event.display_name, event.level, event.administrative_unit_code,
                event.province_id or unit_id)
            return True
        if isinstance(event, KnownUnit.Retired):
            if (unit := self.units.get(event.originator_id)) is not None:
                unit.retirement = event.how
            return True
        if not isinstance(event, Dossier.Event):
            return False
        name = type(event).__qualname__.split(".")[-1]
        if name == "Submitted":
            self.rows[event.originator_id] = DossierRow(
                event.originator_id, event.dossier_code, event.procedure_code,
                event.receiving_unit_id, event.competent_unit_id, event.receiving_unit_id,
                event.submitted_at)
            return True
        row = self.rows[event.originator_id]
        row.status = Status(event.status)
        if name in ("Received", "Supplemented", "FinancialObligationFulfilled"):
            # The end of a wait moves the due date; events recorded before clock stops
            # (a fulfilment) carry none.
            row.due_date = getattr(event, "due_date", None) or row.due_date
        elif name == "Extended":
            row.due_date = event.new_due_date
        elif name == "Transferred":
            row.holder_unit_id = event.to_unit_id
        elif name == "MovedOnReorganisation":
            for attribute in ("holder_unit_id", "competent_unit_id", "receiving_unit_id"):
                if getattr(row, attribute) == event.from_unit_id:
                    setattr(row, attribute, event.to_unit_id)
        elif name == "ResultReturned":
            row.timeliness = event.timeliness
        return True

    # -- queries ------------------------------------------------------------

    def list(self, dossier_filter: DossierFilter, today: dt.date) -> list[DossierRow]:
        with self.lock:
            rows = [r for r in self.rows.values() if dossier_filter.matches(r, today)]
        return sorted(rows, key=lambda r: (r.submitted_at, r.dossier_code))

    def open_dossiers_of(self, unit_id: UUID) -> list[UUID]:
        """Open dossiers held by, competent at or received by a unit."""
        with self.lock:
            return sorted((r.dossier_id for r in self.rows.values() if r.is_open and unit_id in
                           (r.holder_unit_id, r.competent_unit_id, r.receiving_unit_id)),
                          key=str)

    def province_statistics(self, province_id: UUID, today: dt.date) -> list[UnitStatistics]:
        """The statistics of a province's units: the province first, then by code.

        Every active unit of the province is listed, with zeros if no dossier
        names it; a retired unit only while dossiers still count at it (its
        closed ones: its open ones moved to its successor).
        """
        with self.lock:
            units = sorted((u for u in self.units.values() if u.province_id == province_id),
                           key=lambda u: u.order)
            stats = self._count({u.unit_id for u in units}, today)
            return [stats.get(u.unit_id) or UnitStatistics(u.unit_id) for u in units
                    if not u.retirement or u.unit_id in stats]

    def _count(self, unit_ids: set[UUID], today: dt.date) -> dict[UUID, UnitStatistics]:
        """Per competent unit: received, open, overdue, returned early/on time/late."""
        stats: dict[UUID, UnitStatistics] = {}
        for row in self.rows.values():
            unit = row.competent_unit_id
            if unit not in unit_ids:
                continue
            entry = stats.setdefault(unit, UnitStatistics(unit))
            if row.due_date is not None:  # received (a withdrawal before receipt is not)
                entry.received += 1
            entry.open += row.is_open
            entry.overdue += row.overdue(today)
            if row.timeliness:
                setattr(entry, row.timeliness, getattr(entry, row.timeliness) + 1)
        return stats
