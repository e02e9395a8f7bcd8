"""The identity read model: a directory of units built from the event log.

Each server process keeps the directory in memory and follows the
application's notification log (its position is the last notification id
applied). Queries catch up first, so a process reads its own writes; other
processes' writes appear at their next query. A process starts from the
directory's latest snapshot in the event store and reads the log on from there
(see :mod:`lienthong.projection`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, ClassVar
from uuid import UUID

from lienthong.errors import NotFound
from lienthong.idempotency import RequestRecord
from lienthong.projection import Interned, LogFollower, handles

from .domain.codes import Level, classify_code
from .domain.registry import AdministrativeCodeRegister, AgencyCodeClaim
from .domain.unit import AgencyCodeHolding, Kind, Successor, Unit, fold

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

#: How stale a read may be with respect to other processes' writes.
FRESHNESS_S = 0.05


@dataclass(frozen=True)
class Change:
    """One step in a unit's lineage, as ResolveUnit reports it."""

    kind: str  # registered, renamed, merged, divided, dissolved, absorbed, agency_code_assigned
    unit_id: UUID
    display_name: str
    successors: tuple[Successor, ...]
    effective_date: dt.date | None
    agency_code: str = ""  # the code a unit took (agency_code_assigned)
    agency_code_provisional: bool = False  # that code is provisional


@dataclass(frozen=True)
class UnitView:
    """A unit as the directory last saw it; an event replaces it, never changes it."""

    unit_id: UUID
    display_name: str
    level: Level
    kind: Kind
    administrative_unit_code: str
    agency_code: str
    parent_id: UUID | None
    province_id: UUID | None
    effective_date: dt.date | None
    predecessor_ids: list[UUID]
    version: int
    status: str = "active"  # active, merged, divided, dissolved
    retired_date: dt.date | None = None
    successors: list[Successor] = field(default_factory=list)
    renames: list[tuple[dt.date | None, str]] = field(default_factory=list)
    folded_name: str = ""
    agency_code_provisional: bool = False
    #: Every agency code the unit has had, oldest first (the last is ``agency_code``).
    agency_codes: list[AgencyCodeHolding] = field(default_factory=list)
    codes_from_registration: int = 0  # 1 when it was registered with a code

    @property
    def is_active(self) -> bool:
        return self.status == "active"


@dataclass(frozen=True)
class Resolution:
    named: UnitView
    current: list[UnitView]
    default_unit_id: UUID
    chain: list[Change]


@dataclass(frozen=True)
class UnitFilter:
    level: Level | None = None
    kind: Kind | None = None
    parent_id: UUID | None = None
    province_id: UUID | None = None
    status: str | None = None

    def matches(self, unit: UnitView) -> bool:
        return (
            (self.level is None or unit.level is self.level)
            and (self.kind is None or unit.kind is self.kind)
            and (self.parent_id is None or unit.parent_id == self.parent_id)
            and (self.province_id is None or unit.province_id == self.province_id)
            and (self.status is None or unit.status == self.status)
        )


LEVEL_ORDER = {Level.PROVINCE: 0, Level.DISTRICT: 1, Level.COMMUNE: 2, Level.AGENCY: 3}


def sort_key(unit: UnitView) -> tuple[Any, ...]:
    return (LEVEL_ORDER[unit.level], unit.administrative_unit_code or "~",
            unit.agency_code, unit.folded_name, str(unit.unit_id))


def _day(day: dt.date | None) -> str | None:
    return day.isoformat() if day is not None else None


def _id(unit_id: UUID | None) -> str | None:
    return str(unit_id) if unit_id is not None else None


def _unit_json(u: UnitView) -> list[Any]:
    """A unit as JSON values, in :func:`_unit_from_json`'s order (snapshot format 1)."""
    return [str(u.unit_id), u.display_name, u.level.value, u.kind.value,
            u.administrative_unit_code, u.agency_code, _id(u.parent_id), _id(u.province_id),
            _day(u.effective_date), [str(p) for p in u.predecessor_ids], u.version, u.status,
            _day(u.retired_date), [[str(s.unit_id), s.is_default] for s in u.successors],
            [[_day(when), name] for when, name in u.renames], u.folded_name,
            u.agency_code_provisional,
            [[h.agency_code, _day(h.since), h.provisional, h.decision_number,
              _day(h.decision_date)] for h in u.agency_codes],
            u.codes_from_registration]


def _unit_from_json(data: list[Any], ids: Interned, days: Interned) -> UnitView:
    (unit_id, display_name, level, kind, administrative_unit_code, agency_code, parent_id,
     province_id, effective_date, predecessor_ids, version, status, retired_date, successors,
     renames, folded_name, provisional, agency_codes, codes_from_registration) = data
    return UnitView(
        unit_id=ids(unit_id), display_name=display_name, level=Level(level), kind=Kind(kind),
        administrative_unit_code=administrative_unit_code, agency_code=agency_code,
        parent_id=ids(parent_id), province_id=ids(province_id),
        effective_date=days(effective_date), predecessor_ids=[ids(p) for p in predecessor_ids],
        version=version, status=status, retired_date=days(retired_date),
        successors=[Successor(ids(s), default) for s, default in successors],
        renames=[(days(when), name) for when, name in renames], folded_name=folded_name,
        agency_code_provisional=provisional,
        agency_codes=[AgencyCodeHolding(code, days(since), prov, number, days(day))
                      for code, since, prov, number, day in agency_codes],
        codes_from_registration=codes_from_registration)


class UnitDirectory(LogFollower):
    """Units by id, by code and by name, as of the last applied notification.

    Writes of this process are applied before they are answered (see the
    application's ``save_command``); writes of other processes appear within
    ``freshness_s`` (``FRESHNESS_S``). It starts from its latest snapshot.
    """

    aggregates = (Unit, AgencyCodeClaim, AdministrativeCodeRegister, RequestRecord)
    ignores: ClassVar[Mapping[type, str]] = {
        RequestRecord.Accepted: "AIP-155 retry bookkeeping: what a request changed is on the "
                                "units' and registers' own events"}
    freshness_s = FRESHNESS_S
    snapshot_format = 1

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.units: dict[UUID, UnitView] = {}
        self.agency_codes: dict[str, UUID] = {}
        self.administrative_codes: dict[str, list[tuple[UUID, dt.date | None]]] = {}
        self._sorted: list[UnitView] | None = None

    def _apply(self, event: Any) -> bool:
        applied = super()._apply(event)
        if applied:
            self._sorted = None
        return applied

    def _change(self, e: Any, **changes: Any) -> None:
        """A unit's event replaces its view (views are immutable: see ``_snapshot``)."""
        unit = self.units[e.originator_id]
        self.units[unit.unit_id] = replace(unit, version=e.originator_version, **changes)

    @handles(Unit.Registered)
    def _registered(self, e: Any) -> None:
        self.units[e.originator_id] = UnitView(
            unit_id=e.originator_id, display_name=e.display_name, level=Level(e.level),
            kind=Kind(e.kind), administrative_unit_code=e.administrative_unit_code,
            agency_code=e.agency_code, parent_id=e.parent_id, province_id=e.province_id,
            effective_date=e.effective_date, predecessor_ids=list(e.predecessor_ids),
            version=e.originator_version, folded_name=fold(e.display_name),
            agency_codes=([AgencyCodeHolding(e.agency_code, e.effective_date)]
                          if e.agency_code else []),
            codes_from_registration=1 if e.agency_code else 0,
        )

    @handles(Unit.Renamed)
    def _renamed(self, e: Any) -> None:
        unit = self.units[e.originator_id]
        self._change(e, display_name=e.display_name, folded_name=fold(e.display_name),
                     renames=[*unit.renames, (e.effective_date, e.display_name)])

    @handles(Unit.AgencyCodeAssigned)
    def _agency_code_assigned(self, e: Any) -> None:
        unit = self.units[e.originator_id]
        holding = AgencyCodeHolding(e.agency_code, e.effective_date, e.provisional,
                                    e.decision_number, e.decision_date)
        self._change(e, agency_code=e.agency_code, agency_code_provisional=e.provisional,
                     agency_codes=[*unit.agency_codes, holding])

    @handles(Unit.Absorbed)
    def _absorbed(self, e: Any) -> None:
        unit = self.units[e.originator_id]
        self._change(e, predecessor_ids=[*unit.predecessor_ids, *e.predecessor_ids])

    def _retire(self, e: Any, status: str, successors: Iterable[Successor]) -> None:
        self._change(e, status=status, retired_date=e.effective_date,
                     successors=list(successors))

    @handles(Unit.MergedInto)
    def _merged_into(self, e: Any) -> None:
        self._retire(e, "merged", [Successor(e.successor_id, True)])

    @handles(Unit.Divided)
    def _divided(self, e: Any) -> None:
        self._retire(e, "divided", [Successor(s, s == e.default_successor_id)
                                    for s in e.successor_ids])

    @handles(Unit.Dissolved)
    def _dissolved(self, e: Any) -> None:
        self._retire(e, "dissolved", [Successor(e.records_successor_id, True)])

    @handles(AgencyCodeClaim.Issued)
    def _agency_code_issued(self, e: Any) -> None:
        self.agency_codes[e.code] = e.unit_id

    @handles(AdministrativeCodeRegister.Issued)
    def _administrative_code_issued(self, e: Any) -> None:
        self.administrative_codes[e.code] = [(e.unit_id, e.since)]

    @handles(AdministrativeCodeRegister.CarriedOn)
    def _administrative_code_carried_on(self, e: Any) -> None:
        self.administrative_codes[e.code] = [*self.administrative_codes[e.code],
                                             (e.unit_id, e.since)]

    # -- snapshot -------------------------------------------------------------

    def _snapshot(self) -> Callable[[], Any]:
        # Views and holder lists are replaced, never changed: copies of the three
        # dictionaries are the state as of now, encoded outside the lock.
        units = list(self.units.values())
        agency_codes, administrative_codes = dict(self.agency_codes), dict(
            self.administrative_codes)
        return lambda: {
            "units": [_unit_json(u) for u in units],
            "agency_codes": {code: str(unit_id) for code, unit_id in agency_codes.items()},
            "administrative_codes": {
                code: [[str(unit_id), _day(since)] for unit_id, since in holders]
                for code, holders in administrative_codes.items()},
        }

    def _restore(self, state: Any) -> None:
        ids, days = Interned(UUID), Interned(dt.date.fromisoformat)
        units = {u.unit_id: u for u in (_unit_from_json(u, ids, days) for u in state["units"])}
        agency_codes = {code: ids(unit_id) for code, unit_id in state["agency_codes"].items()}
        administrative_codes = {
            code: [(ids(unit_id), days(since)) for unit_id, since in holders]
            for code, holders in state["administrative_codes"].items()}
        self.units, self.agency_codes = units, agency_codes
        self.administrative_codes, self._sorted = administrative_codes, None

    # -- queries ------------------------------------------------------------

    def get(self, unit_id: UUID) -> UnitView:
        with self._lock:
            try:
                return self.units[unit_id]
            except KeyError:
                raise NotFound("unit", str(unit_id)) from None

    def list(self, unit_filter: UnitFilter) -> list[UnitView]:
        with self._lock:
            if self._sorted is None:
                self._sorted = sorted(self.units.values(), key=sort_key)
            return [u for u in self._sorted if unit_filter.matches(u)]

    def search(self, query: str, *, include_retired: bool, level: Level | None) -> list[UnitView]:
        """Units whose folded name holds every folded word of the query; best first."""
        words = fold(query).split()
        if not words:
            return []
        phrase = " ".join(words)
        with self._lock:
            hits = [
                u for u in self.units.values()
                if (include_retired or u.is_active)
                and (level is None or u.level is level)
                and all(w in u.folded_name for w in words)
            ]
        def rank(u: UnitView) -> tuple[Any, ...]:
            name_words = u.folded_name.split()
            exact = u.folded_name == phrase or u.folded_name.endswith(" " + phrase)
            whole = all(w in name_words for w in words)
            return (not exact, not whole, not u.is_active, LEVEL_ORDER[u.level],
                    len(u.folded_name), sort_key(u))
        return sorted(hits, key=rank)

    def holder_on(self, code: str, as_of: dt.date) -> UnitView:
        """The unit a code named on a given day."""
        kind, normalised = classify_code(code)
        with self._lock:
            if kind == "agency":
                unit_id = self.agency_codes.get(normalised)
            else:
                unit_id = None
                for holder, since in self.administrative_codes.get(normalised, []):
                    if since is None or since <= as_of:
                        unit_id = holder
            if unit_id is None:
                raise NotFound("code", normalised)
            return self.units[unit_id]

    def resolve(self, code: str, as_of: dt.date) -> Resolution:
        """From a code as meant on ``as_of`` to the units that carry it on today."""
        with self._lock:
            named = self.holder_on(code, as_of)
            current: list[UnitView] = []
            chain: list[Change] = []
            seen = {named.unit_id}
            frontier = [named]
            while frontier:
                unit = frontier.pop(0)
                chain.extend(
                    Change("renamed", unit.unit_id, name, (), when)
                    for when, name in unit.renames if when is None or when > as_of
                )
                chain.extend(
                    Change("agency_code_assigned", unit.unit_id, unit.display_name, (),
                           holding.since, holding.agency_code, holding.provisional)
                    for holding in unit.agency_codes[unit.codes_from_registration:]
                    if holding.since is None or holding.since > as_of
                )
                if unit.is_active:
                    current.append(unit)
                    continue
                chain.append(Change(unit.status, unit.unit_id, unit.display_name,
                                    tuple(unit.successors), unit.retired_date))
                for successor in unit.successors:
                    if successor.unit_id not in seen:
                        seen.add(successor.unit_id)
                        frontier.append(self.units[successor.unit_id])
            default = named
            steps = 0
            while not default.is_active and steps <= len(self.units):
                chosen = next(s for s in default.successors if s.is_default)
                default = self.units[chosen.unit_id]
                steps += 1
            chain.sort(key=lambda c: c.effective_date or dt.date.min)
            return Resolution(named, current, default.unit_id, chain)
