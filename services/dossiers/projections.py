"""Read models of dossiers, built from the service's own event log.

:class:`DossierIndex` follows the notification log in memory (a
:class:`~lienthong.projection.LogFollower`, like the catalogue's
:class:`ProcedureIndex`): dossiers per holding unit and status, the overdue list,
and per-unit statistics (received; returned early, on time, late; on-time
rate) that a province can compare across its communes. It also follows
the units dossiers learned from identity (``KnownUnit.Learned``,
``Renamed`` and ``Retired``), to know which province each unit belongs to.
Both start from their latest snapshot in the event store.

Overdue and timeliness use the net processing time: a dossier waiting for
the applicant is never overdue (its clock stands still), and the due date
it is judged by is the one each end of a wait moved later.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, ClassVar
from uuid import UUID

from eventsourcing.utils import get_topic

from lienthong.idempotency import RequestRecord
from lienthong.projection import Interned, LogFollower, handles
from lienthong.vietnam import VIETNAM_TIME

from .domain.dossier import OPEN, WAITING, Dossier, Status
from .domain.numbering import DossierCounter
from .domain.personal_data import PersonalDataErasure
from .domain.procedure import Procedure, ProcedureVersion, normalise_text
from .domain.units import KnownUnit

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping


@dataclass(frozen=True)
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


@dataclass(frozen=True)
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




def _row_json(r: DossierRow) -> list[Any]:
    """A row as JSON values, in :func:`_row_from_json`'s order (snapshot format 1)."""
    return [str(r.dossier_id), r.dossier_code, r.procedure_code, str(r.receiving_unit_id),
            str(r.competent_unit_id), str(r.holder_unit_id), r.submitted_at.isoformat(),
            int(r.status), r.due_date.isoformat() if r.due_date else None, r.timeliness]


def _row_from_json(data: list[Any], ids: Interned) -> DossierRow:
    (dossier_id, code, procedure_code, receiving, competent, holder, submitted_at, status,
     due_date, timeliness) = data
    return DossierRow(UUID(dossier_id), code, procedure_code, ids(receiving), ids(competent),
                      ids(holder), dt.datetime.fromisoformat(submitted_at), Status(status),
                      dt.date.fromisoformat(due_date) if due_date else None, timeliness)


def _unit_json(u: UnitRow) -> list[Any]:
    return [str(u.unit_id), u.display_name, u.level, u.administrative_unit_code,
            str(u.province_id), u.retirement]


def _unit_from_json(data: list[Any], ids: Interned) -> UnitRow:
    unit_id, display_name, level, code, province_id, retirement = data
    return UnitRow(ids(unit_id), display_name, level, code, ids(province_id), retirement)


class DossierIndex(LogFollower):
    """Dossiers, and the units they belong to, as of the last applied notification.

    Its rows are immutable (a change replaces the row), so a snapshot copies
    two dictionaries under the lock and encodes them outside it.
    """

    aggregates = (Dossier, KnownUnit, DossierCounter, RequestRecord, PersonalDataErasure)
    ignores: ClassVar[Mapping[type, str]] = {
        KnownUnit.AgencyCodeAssigned: "statistics group units by province, not by agency code",
        DossierCounter.Opened: "numbering internals: a dossier's code is on Dossier.Submitted",
        DossierCounter.Issued: "numbering internals: a dossier's code is on Dossier.Submitted",
        RequestRecord.Accepted: "AIP-155 retry bookkeeping: what a request changed is on the "
                                "dossiers' own events",
        PersonalDataErasure.Erased: "the index holds no personal data: an erasure changes "
                                    "nothing it lists or counts",
    }
    snapshot_format = 1

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rows: dict[UUID, DossierRow] = {}
        self.units: dict[UUID, UnitRow] = {}

    # -- units, as dossiers learned them from identity ----------------------------

    @handles(KnownUnit.Learned)
    def _unit_learned(self, e: Any) -> None:
        unit_id = e.originator_id
        self.units[unit_id] = UnitRow(unit_id, e.display_name, e.level,
                                      e.administrative_unit_code, e.province_id or unit_id)

    @handles(KnownUnit.Renamed)
    def _unit_renamed(self, e: Any) -> None:
        if (unit := self.units.get(e.originator_id)) is not None:
            self.units[unit.unit_id] = replace(unit, display_name=e.display_name)

    @handles(KnownUnit.Retired)
    def _unit_retired(self, e: Any) -> None:
        if (unit := self.units.get(e.originator_id)) is not None:
            self.units[unit.unit_id] = replace(unit, retirement=e.how)

    # -- dossiers ---------------------------------------------------------------

    @handles(Dossier.Submitted)
    def _submitted(self, e: Any) -> None:
        self.rows[e.originator_id] = DossierRow(
            e.originator_id, e.dossier_code, e.procedure_code, e.receiving_unit_id,
            e.competent_unit_id, e.receiving_unit_id, e.submitted_at)

    def _change(self, e: Any, **changes: Any) -> None:
        """Every later event sets the status it leaves the dossier in."""
        row = self.rows[e.originator_id]
        self.rows[row.dossier_id] = replace(row, status=Status(e.status), **changes)

    @handles(Dossier.RefusedToReceive, Dossier.Assigned, Dossier.SupplementRequested,
             Dossier.FinancialObligationRequired, Dossier.Paused, Dossier.Resumed,
             Dossier.Approved, Dossier.Rejected, Dossier.Withdrawn, Dossier.Stopped)
    def _status_changed(self, e: Any) -> None:
        self._change(e)

    @handles(Dossier.Received, Dossier.Supplemented, Dossier.FinancialObligationFulfilled)
    def _clock_resumed(self, e: Any) -> None:
        # The end of a wait moves the due date; events recorded before clock stops
        # (a fulfilment) carry none.
        self._change(e, due_date=getattr(e, "due_date", None)
                     or self.rows[e.originator_id].due_date)

    @handles(Dossier.Extended)
    def _extended(self, e: Any) -> None:
        self._change(e, due_date=e.new_due_date)

    @handles(Dossier.Transferred)
    def _transferred(self, e: Any) -> None:
        self._change(e, holder_unit_id=e.to_unit_id)

    @handles(Dossier.MovedOnReorganisation)
    def _moved_on_reorganisation(self, e: Any) -> None:
        row = self.rows[e.originator_id]
        self._change(e, **{attribute: e.to_unit_id for attribute in
                           ("holder_unit_id", "competent_unit_id", "receiving_unit_id")
                           if getattr(row, attribute) == e.from_unit_id})

    @handles(Dossier.ResultReturned)
    def _result_returned(self, e: Any) -> None:
        self._change(e, timeliness=e.timeliness)

    # -- snapshot -------------------------------------------------------------

    def _snapshot(self) -> Callable[[], Any]:
        rows, units = list(self.rows.values()), list(self.units.values())
        return lambda: {"rows": [_row_json(r) for r in rows],
                        "units": [_unit_json(u) for u in units]}

    def _restore(self, state: Any) -> None:
        ids = Interned(UUID)
        units = {u.unit_id: u for u in (_unit_from_json(u, ids) for u in state["units"])}
        rows = {r.dossier_id: r for r in (_row_from_json(r, ids) for r in state["rows"])}
        self.rows, self.units = rows, units

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


# -- the procedure catalogue --------------------------------------------------------------

def sector_key(sector: str) -> str:
    """A sector as filters compare it."""
    return normalise_text(sector).casefold()


def _code_order(procedure: Procedure) -> tuple[int, str]:
    prefix, _, number = procedure.procedure_code.partition(".")
    return int(prefix), number


#: The attributes a snapshot of a procedure carries (snapshot format 1).
_PROCEDURE_ATTRIBUTES = frozenset({"_id", "_version", "_created_on", "_modified_on",
                                   "_pending_events", "procedure_code", "versions"})


def _procedure_json(procedure: Procedure) -> dict[str, Any]:
    if set(vars(procedure)) != _PROCEDURE_ATTRIBUTES:
        # A new attribute would be lost on restore: refuse to snapshot (bump the format).
        msg = f"Procedure has attributes {sorted(vars(procedure))}, not those of format 1"
        raise ValueError(msg)
    return {"id": str(procedure.id), "version": procedure.version,
            "created_on": procedure.created_on.isoformat(),
            "modified_on": procedure.modified_on.isoformat(),
            "procedure_code": procedure.procedure_code,
            "versions": [{**v.as_dict(), "effective_date": v.effective_date.isoformat()}
                         for v in procedure.versions]}


def _procedure_from_json(data: dict[str, Any]) -> Procedure:
    versions = [ProcedureVersion.from_dict(
        {**v, "effective_date": dt.date.fromisoformat(v["effective_date"])})
        for v in data["versions"]]
    snapshot = Procedure.Snapshot(
        originator_id=UUID(data["id"]), originator_version=data["version"],
        timestamp=dt.datetime.fromisoformat(data["modified_on"]), topic=get_topic(Procedure),
        state={"_created_on": dt.datetime.fromisoformat(data["created_on"]),
               "_modified_on": dt.datetime.fromisoformat(data["modified_on"]),
               "procedure_code": data["procedure_code"], "versions": versions})
    return snapshot.mutate(None)


class ProcedureIndex(LogFollower):
    """Every procedure, as of the last applied notification, in code order.

    It holds procedures rebuilt from their events by the aggregate's own
    code; callers must treat them as read-only.
    """

    aggregates = (Procedure,)
    snapshot_format = 1

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.procedures: dict[Any, Procedure] = {}
        self._sorted: list[Procedure] | None = None

    @handles(Procedure.Created, Procedure.VersionAdded)
    def _changed(self, event: Any) -> None:
        self.procedures[event.originator_id] = event.mutate(
            self.procedures.get(event.originator_id))
        self._sorted = None

    def _snapshot(self) -> Callable[[], Any]:
        # A catalogue is small (thousands of procedures): encoded under the lock.
        state = [_procedure_json(p) for p in self.procedures.values()]
        return lambda: state

    def _restore(self, state: Any) -> None:
        procedures = {p.id: p for p in map(_procedure_from_json, state)}
        self.procedures, self._sorted = procedures, None

    def list(self, *, sector: str, competent_level: str, day: dt.date) -> list[Procedure]:
        """Procedures whose version in force on ``day`` (or, before any is, the first)
        matches the filters; an empty filter matches all."""
        wanted_sector = sector_key(sector)
        with self.lock:
            if self._sorted is None:
                self._sorted = sorted(self.procedures.values(), key=_code_order)
            found = []
            for procedure in self._sorted:
                version = procedure.version_in_force(day) or procedure.versions[0]
                if ((not wanted_sector or sector_key(version.sector) == wanted_sector)
                        and (not competent_level or version.competent_level == competent_level)):
                    found.append(procedure)
            return found
