"""The identity read model: a directory of units built from the event log.

Each server process keeps the directory in memory and follows the
application's notification log (its position is the last notification id
applied). Queries catch up first, so a process reads its own writes; other
processes' writes appear at their next query.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lienthong.errors import NotFound
from lienthong.projection import LogFollower

from .domain.codes import Level, classify_code
from .domain.registry import AdministrativeCodeRegister, AgencyCodeClaim
from .domain.unit import AgencyCodeHolding, Kind, Successor, Unit

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from uuid import UUID

    from eventsourcing.persistence import ApplicationRecorder, Notification

#: How stale a read may be with respect to other processes' writes.
FRESHNESS_S = 0.05


def fold(text: str) -> str:
    """Lower-case, without Vietnamese diacritics: "Hà Nội" -> "ha noi"."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.lower().split())


@dataclass(frozen=True)
class Change:
    """One step in a unit's lineage, as ResolveUnit reports it."""

    kind: str  # registered, renamed, merged, divided, dissolved, absorbed, agency_code_assigned
    unit_id: UUID
    display_name: str
    successors: tuple[Successor, ...]
    effective_date: dt.date | None
    agency_code: str = ""  # the code a unit took (agency_code_assigned)


@dataclass
class UnitView:
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


class UnitDirectory(LogFollower):
    """Units by id, by code and by name, as of the last applied notification.

    Writes of this process are applied before they are answered (see the
    application's ``save_command``); writes of other processes appear within
    ``freshness_s`` (``FRESHNESS_S``).
    """

    follows = (Unit.Registered, Unit.Renamed, Unit.AgencyCodeAssigned, Unit.Absorbed,
               Unit.MergedInto, Unit.Divided, Unit.Dissolved, AgencyCodeClaim.Issued,
               AdministrativeCodeRegister.Issued, AdministrativeCodeRegister.CarriedOn)
    freshness_s = FRESHNESS_S

    def __init__(self, recorder: ApplicationRecorder,
                 to_event: Callable[[Notification], Any]) -> None:
        super().__init__(recorder, to_event)
        self.units: dict[UUID, UnitView] = {}
        self.agency_codes: dict[str, UUID] = {}
        self.administrative_codes: dict[str, list[tuple[UUID, dt.date | None]]] = {}
        self._sorted: list[UnitView] | None = None

    def _apply(self, event: Any) -> bool:
        applied = super()._apply(event)
        if applied:
            self._sorted = None
        unit = self.units.get(event.originator_id)
        if unit is not None:
            unit.version = event.originator_version
        return applied

    def _on_Unit_Registered(self, e: Any) -> None:  # noqa: N802
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

    def _on_Unit_Renamed(self, e: Any) -> None:  # noqa: N802
        unit = self.units[e.originator_id]
        unit.renames.append((e.effective_date, e.display_name))
        unit.display_name = e.display_name
        unit.folded_name = fold(e.display_name)

    def _on_Unit_AgencyCodeAssigned(self, e: Any) -> None:  # noqa: N802
        unit = self.units[e.originator_id]
        unit.agency_code = e.agency_code
        unit.agency_code_provisional = e.provisional
        unit.agency_codes.append(AgencyCodeHolding(
            e.agency_code, e.effective_date, e.provisional, e.decision_number, e.decision_date))

    def _on_Unit_Absorbed(self, e: Any) -> None:  # noqa: N802
        self.units[e.originator_id].predecessor_ids.extend(e.predecessor_ids)

    def _retire(self, e: Any, status: str, successors: Iterable[Successor]) -> None:
        unit = self.units[e.originator_id]
        unit.status = status
        unit.retired_date = e.effective_date
        unit.successors = list(successors)

    def _on_Unit_MergedInto(self, e: Any) -> None:  # noqa: N802
        self._retire(e, "merged", [Successor(e.successor_id, True)])

    def _on_Unit_Divided(self, e: Any) -> None:  # noqa: N802
        self._retire(e, "divided", [Successor(s, s == e.default_successor_id)
                                    for s in e.successor_ids])

    def _on_Unit_Dissolved(self, e: Any) -> None:  # noqa: N802
        self._retire(e, "dissolved", [Successor(e.records_successor_id, True)])

    def _on_AgencyCodeClaim_Issued(self, e: Any) -> None:  # noqa: N802
        self.agency_codes[e.code] = e.unit_id

    def _on_AdministrativeCodeRegister_Issued(self, e: Any) -> None:  # noqa: N802
        self.administrative_codes[e.code] = [(e.unit_id, e.since)]

    def _on_AdministrativeCodeRegister_CarriedOn(self, e: Any) -> None:  # noqa: N802
        self.administrative_codes[e.code].append((e.unit_id, e.since))

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
                           holding.since, holding.agency_code)
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
