"""The administrative unit (or agency) and its lineage.

A unit changes only through its past-tense events. A retired unit (merged,
divided or dissolved) never changes again; its codes stay locked to it, and
its successors say where its responsibilities went.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

from eventsourcing.domain import event

from lienthong.errors import FailedPrecondition, FieldViolation, InvalidArgument
from lienthong.eventstore import AuditedAggregate

from .codes import Level

if TYPE_CHECKING:
    import datetime as dt
    from uuid import UUID

MAX_NAME_LENGTH = 200


class Kind(Enum):
    """The legal kind of a unit; each belongs to one level."""

    MUNICIPALITY = "municipality"  # thành phố trực thuộc trung ương
    PROVINCE = "province"  # tỉnh
    URBAN_DISTRICT = "urban_district"  # quận
    RURAL_DISTRICT = "rural_district"  # huyện
    TOWN = "town"  # thị xã
    PROVINCIAL_CITY = "provincial_city"  # thành phố thuộc tỉnh
    WARD = "ward"  # phường
    COMMUNE = "commune"  # xã
    TOWNSHIP = "township"  # thị trấn
    SPECIAL_ZONE = "special_zone"  # đặc khu
    AGENCY = "agency"  # a body that is not a territorial unit

    @property
    def level(self) -> Level:
        return KIND_LEVEL[self]


KIND_LEVEL = {
    Kind.MUNICIPALITY: Level.PROVINCE,
    Kind.PROVINCE: Level.PROVINCE,
    Kind.URBAN_DISTRICT: Level.DISTRICT,
    Kind.RURAL_DISTRICT: Level.DISTRICT,
    Kind.TOWN: Level.DISTRICT,
    Kind.PROVINCIAL_CITY: Level.DISTRICT,
    Kind.WARD: Level.COMMUNE,
    Kind.COMMUNE: Level.COMMUNE,
    Kind.TOWNSHIP: Level.COMMUNE,
    Kind.SPECIAL_ZONE: Level.COMMUNE,
    Kind.AGENCY: Level.AGENCY,
}

#: Which level a unit's parent may have (a district-era commune sat under a district).
ALLOWED_PARENT_LEVELS = {
    Level.PROVINCE: frozenset(),
    Level.DISTRICT: frozenset({Level.PROVINCE}),
    Level.COMMUNE: frozenset({Level.PROVINCE, Level.DISTRICT}),
    Level.AGENCY: frozenset({Level.PROVINCE, Level.DISTRICT, Level.COMMUNE, Level.AGENCY}),
}


class Status(Enum):
    ACTIVE = "active"
    RETIRED = "retired"


class Retirement(Enum):
    MERGED = "merged"
    DIVIDED = "divided"
    DISSOLVED = "dissolved"


class UnitRetiredError(FailedPrecondition):
    """A retired unit takes part in no further change."""

    reason = "UNIT_RETIRED"


@dataclass(frozen=True)
class Successor:
    unit_id: UUID
    is_default: bool


@dataclass(frozen=True)
class AgencyCodeHolding:
    """One agency code a unit has had, from the day it took effect."""

    agency_code: str
    since: dt.date | None
    provisional: bool = False
    decision_number: str = ""
    decision_date: dt.date | None = None


class AgencyCodeOrderError(FailedPrecondition):
    """A unit's agency codes follow one another in time."""

    reason = "AGENCY_CODE_EFFECTIVE_DATE_ORDER"


def fold(text: str) -> str:
    """Lower-case, without Vietnamese diacritics: "Hà Nội" -> "ha noi"."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.lower().split())


def normalise_name(raw: str, field: str = "display_name") -> str:
    """A unit's name in NFC, trimmed; empty or over-long names are refused."""
    name = " ".join(unicodedata.normalize("NFC", raw).split())
    if not name:
        raise InvalidArgument([FieldViolation(field, "REQUIRED", "must not be empty")])
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidArgument([FieldViolation(
            field, "NAME_TOO_LONG", f"must be at most {MAX_NAME_LENGTH} characters")])
    return name


class Unit(AuditedAggregate):
    """An administrative unit or agency, from registration to retirement."""

    @event("Registered")
    def __init__(
        self,
        id: UUID,  # noqa: A002 - derived from the request id, so retries name the same unit
        display_name: str,
        level: str,
        kind: str,
        administrative_unit_code: str,
        agency_code: str,
        parent_id: UUID | None,
        province_id: UUID | None,
        effective_date: dt.date | None,
        predecessor_ids: list[UUID],
    ) -> None:
        self.display_name = display_name
        self.level = Level(level)
        self.kind = Kind(kind)
        self.administrative_unit_code = administrative_unit_code
        self.agency_code = agency_code
        self.parent_id = parent_id
        self.province_id = province_id
        self.effective_date = effective_date
        self.predecessor_ids = list(predecessor_ids)
        self.status = Status.ACTIVE
        self.retirement: Retirement | None = None
        self.retired_date: dt.date | None = None
        self.successors: list[Successor] = []
        self.agency_code_provisional = False
        self.agency_codes: list[AgencyCodeHolding] = (
            [AgencyCodeHolding(agency_code, effective_date)] if agency_code else [])

    @property
    def is_active(self) -> bool:
        return self.status is Status.ACTIVE

    def _require_active(self) -> None:
        if not self.is_active:
            how = self.retirement.value if self.retirement else "retired"
            msg = (f"unit {self.id} ({self.display_name}) was {how} on {self.retired_date}; "
                   "a retired unit cannot change")
            raise UnitRetiredError(msg, metadata={"unit_id": str(self.id)})

    def rename(self, display_name: str, effective_date: dt.date | None) -> None:
        self._require_active()
        if display_name != self.display_name:
            self._renamed(display_name, effective_date)

    @event("Renamed")
    def _renamed(self, display_name: str, effective_date: dt.date | None) -> None:
        self.display_name = display_name

    def assign_agency_code(self, agency_code: str, effective_date: dt.date, *,
                           provisional: bool, decision_number: str,
                           decision_date: dt.date | None) -> bool:
        """Give the unit an agency code (or a new one); False when it already has it as given.

        The previous code stays the unit's for ever (its claim is never
        released), so an old code still resolves to this unit.
        """
        self._require_active()
        if agency_code == self.agency_code and provisional == self.agency_code_provisional:
            return False
        current = self.agency_codes[-1] if self.agency_codes else None
        floor = max((d for d in (self.effective_date, current and current.since) if d),
                    default=None)
        if floor is not None and effective_date < floor:
            msg = (f"effective_date: {effective_date} is before {floor}, the day the unit's "
                   "current agency code (or the unit itself) took effect")
            raise AgencyCodeOrderError(msg, metadata={"unit_id": str(self.id),
                                                      "field": "effective_date"})
        self._agency_code_assigned(agency_code, self.agency_code, effective_date, provisional,
                                   decision_number, decision_date)
        return True

    @event("AgencyCodeAssigned")
    def _agency_code_assigned(self, agency_code: str, previous_agency_code: str,
                              effective_date: dt.date, provisional: bool,
                              decision_number: str, decision_date: dt.date | None) -> None:
        self.agency_code = agency_code
        self.agency_code_provisional = provisional
        self.agency_codes.append(AgencyCodeHolding(agency_code, effective_date, provisional,
                                                   decision_number, decision_date))

    def absorb(self, predecessor_ids: list[UUID], effective_date: dt.date | None) -> None:
        """Take in units that were merged or divided into this existing one."""
        self._require_active()
        self._absorbed(predecessor_ids, effective_date)

    @event("Absorbed")
    def _absorbed(self, predecessor_ids: list[UUID], effective_date: dt.date | None) -> None:
        self.predecessor_ids.extend(predecessor_ids)

    def merge_into(self, successor_id: UUID, effective_date: dt.date | None) -> None:
        self._require_active()
        self._merged_into(successor_id, effective_date)

    @event("MergedInto")
    def _merged_into(self, successor_id: UUID, effective_date: dt.date | None) -> None:
        self._retire(Retirement.MERGED, effective_date, [Successor(successor_id, True)])

    def divide(self, successor_ids: list[UUID], default_successor_id: UUID,
               effective_date: dt.date | None) -> None:
        self._require_active()
        self._divided(successor_ids, default_successor_id, effective_date)

    @event("Divided")
    def _divided(self, successor_ids: list[UUID], default_successor_id: UUID,
                 effective_date: dt.date | None) -> None:
        self._retire(Retirement.DIVIDED, effective_date,
                     [Successor(s, s == default_successor_id) for s in successor_ids])

    def dissolve(self, records_successor_id: UUID, effective_date: dt.date | None) -> None:
        self._require_active()
        self._dissolved(records_successor_id, effective_date)

    @event("Dissolved")
    def _dissolved(self, records_successor_id: UUID, effective_date: dt.date | None) -> None:
        self._retire(Retirement.DISSOLVED, effective_date, [Successor(records_successor_id, True)])

    def _retire(self, how: Retirement, effective_date: dt.date | None,
                successors: list[Successor]) -> None:
        self.status = Status.RETIRED
        self.retirement = how
        self.retired_date = effective_date
        self.successors = successors
