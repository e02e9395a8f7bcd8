"""The identity application: one method per use case.

Each command loads the aggregates it touches, calls their past-tense
methods and saves them, with the code registers and the request record, in
one transaction. Queries read the :class:`UnitDirectory` projection.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lienthong.errors import AlreadyExists, FailedPrecondition, InvalidArgument, NotFound
from lienthong.eventstore import HistoryItem, derived_id
from lienthong.idempotency import Command, IdempotentApplication
from lienthong.validation import PageRequest, Violations, parse_uuid
from lienthong.vietnam import today_in_vietnam

from .domain.codes import (
    AgencyCode,
    Level,
    check_agency_code_for_unit,
    check_provisional_letter,
    parse_administrative_code,
)
from .domain.registry import (
    AdministrativeCodeRegister,
    AgencyCodeClaim,
    administrative_code_register_id,
    agency_code_claim_id,
)
from .domain.unit import ALLOWED_PARENT_LEVELS, Kind, Unit, UnitRetiredError, normalise_name
from .projections import Resolution, UnitDirectory, UnitFilter, UnitView

if TYPE_CHECKING:
    from collections.abc import Sequence
    from uuid import UUID

    from lienthong.eventstore import ReadAtOnce


@dataclass(frozen=True)
class NewUnitSpec:
    """A unit to create: registered on its own, or formed by a merge or a division."""

    display_name: str
    kind: str
    level: str = ""
    administrative_unit_code: str = ""
    agency_code: str = ""
    parent_id: str = ""


@dataclass(frozen=True)
class DivisionTarget:
    """One successor of a division: an existing unit id, or a new unit."""

    unit_id: str = ""
    new_unit: NewUnitSpec | None = None
    is_default: bool = False


@dataclass(frozen=True)
class DivisionOrder:
    """One unit to divide and its successors."""

    unit_id: str
    successors: tuple[DivisionTarget, ...]


def _new_unit_key(target: DivisionTarget) -> str:
    assert target.new_unit is not None
    return target.new_unit.administrative_unit_code or target.new_unit.display_name


class UnitHistoryItem(HistoryItem):
    @property
    def effective_date(self) -> dt.date | None:
        """The day the change took effect, for the events that have one."""
        return self.fields.get("effective_date")


#: The levels a unit's successors may have: the abolished district level was
#: taken over by provinces and, for island districts, by special zones.
SUCCESSOR_LEVELS = {
    Level.PROVINCE: frozenset({Level.PROVINCE}),
    Level.DISTRICT: frozenset({Level.DISTRICT, Level.COMMUNE}),
    Level.COMMUNE: frozenset({Level.COMMUNE}),
    Level.AGENCY: frozenset({Level.AGENCY}),
}


#: QCVN 102:2016 is the earliest standard an agency code can follow.
EARLIEST_AGENCY_CODE_DATE = dt.date(2016, 1, 1)
#: How far ahead an agency code may be given (a decision takes effect within a year).
MAX_AGENCY_CODE_LEAD_DAYS = 366
MAX_DECISION_NUMBER_LENGTH = 64
MAX_REASON_LENGTH = 1000


class LineageCycleError(FailedPrecondition):
    reason = "LINEAGE_CYCLE"


class LevelMismatchError(FailedPrecondition):
    reason = "LEVEL_MISMATCH"


def _require_issued_under(code: AgencyCode, parent: Unit, field: str) -> None:
    """A code is issued directly under its parent unit's code, when the parent has one."""
    if not parent.agency_code:
        return
    expected = AgencyCode(parent.agency_code)
    if code.parent != expected:
        raise InvalidArgument.single(
            field, "AGENCY_CODE_NOT_UNDER_PARENT",
            f"{code} is not issued directly under the parent's code {expected} "
            f"(e.g. {expected} -> one more level filled)")


class IdentityApplication(IdempotentApplication, service="identity"):
    """Registers units and their codes, records their lineage, resolves old codes."""

    def __init__(self, event_store: str = "memory:", **kwargs: Any) -> None:
        super().__init__(event_store, **kwargs)
        self.directory = self.follow(UnitDirectory.of(self))

    # -- commands -----------------------------------------------------------

    def register_unit(self, spec: NewUnitSpec, *, effective_date: dt.date | None = None,
                      request_id: str = "", reason: str = "") -> UUID:
        payload = {"spec": spec, "effective_date": effective_date}

        def execute(command: Command) -> dict[str, Any]:
            unit, registers = self._form_unit(spec, effective_date, request_id, 0,
                                              predecessors=[])
            return self.save_command(command, {"unit_id": str(unit.id)}, unit, *registers)

        # Not looked up first: a retry of a registration that is done cannot save again
        # (the unit's id derives from the request id) and is answered from its record.
        done = self.run_command(request_id, "RegisterUnit", payload, execute, reason=reason,
                                ask_first=False)
        return uuid.UUID(done["unit_id"])

    def rename_unit(self, unit_id: str, display_name: str, *,
                    effective_date: dt.date | None = None, request_id: str = "",
                    reason: str = "") -> UUID:
        payload = {"unit_id": unit_id, "display_name": display_name,
                   "effective_date": effective_date}
        violations = Violations()
        uid = violations.check(lambda: parse_uuid(unit_id, "unit_id"))
        name = violations.check(lambda: normalise_name(display_name))
        violations.raise_if_any()
        assert uid is not None and name is not None

        def execute(command: Command) -> dict[str, Any]:
            unit = self._get_unit(uid, "unit_id")
            unit.rename(name, effective_date)
            return self.save_command(command, {"unit_id": str(uid)}, unit)

        self.run_command(request_id, "RenameUnit", payload, execute, reason=reason)
        return uid

    def merge_units(self, source_ids: Sequence[str], *, successor_id: str = "",
                    new_successor: NewUnitSpec | None = None,
                    effective_date: dt.date | None = None, request_id: str = "",
                    reason: str = "") -> tuple[UUID, list[UUID]]:
        """Merge active units into one successor; returns (successor, sources)."""
        payload = {"sources": list(source_ids), "successor_id": successor_id,
                   "new_successor": new_successor, "effective_date": effective_date}
        violations = Violations()
        sources_ids = self._parse_id_list(source_ids, "source_unit_ids", violations)
        if bool(successor_id) == (new_successor is not None):
            violations.add("successor", "SUCCESSOR_REQUIRED",
                           "give exactly one of successor_unit_id or new_successor")
        existing_id = (violations.check(lambda: parse_uuid(successor_id, "successor_unit_id"))
                       if successor_id else None)
        violations.raise_if_any()
        if existing_id is not None and existing_id in sources_ids:
            msg = "a unit cannot be merged into itself"
            raise LineageCycleError(msg, metadata={"unit_id": str(existing_id)})

        def execute(command: Command) -> dict[str, Any]:
            sources = [self._get_active(s, f"source_unit_ids[{i}]")
                       for i, s in enumerate(sources_ids)]
            if existing_id is not None:
                successor = self._get_active(existing_id, "successor_unit_id")
                successor.absorb(sources_ids, effective_date)
                registers: list[Any] = []
            else:
                assert new_successor is not None
                successor, registers = self._form_unit(
                    new_successor, effective_date, request_id, 0, predecessors=sources,
                    field="new_successor.")
            self._require_successor_level(sources, successor)
            for source in sources:
                source.merge_into(successor.id, effective_date)
            result = {"successor_id": str(successor.id),
                      "source_ids": [str(s) for s in sources_ids]}
            return self.save_command(command, result, successor, *sources, *registers)

        done = self.run_command(request_id, "MergeUnits", payload, execute, reason=reason)
        return uuid.UUID(done["successor_id"]), [uuid.UUID(s) for s in done["source_ids"]]

    def divide_unit(self, unit_id: str, successors: Sequence[DivisionTarget], *,
                    effective_date: dt.date | None = None, request_id: str = "",
                    reason: str = "") -> tuple[UUID, list[UUID]]:
        """Divide a unit among successors; returns (default successor, all successors)."""
        return self._divide([DivisionOrder(unit_id, tuple(successors))], "DivideUnit",
                            effective_date, request_id, reason)[0]

    def divide_units(self, orders: Sequence[DivisionOrder], *,
                     effective_date: dt.date | None = None, request_id: str = "",
                     reason: str = "") -> list[tuple[UUID, list[UUID]]]:
        """Divide several units at once, in one transaction.

        When neighbouring units are each split among the same new units, a
        new unit may carry on the code of one source while another source's
        share also goes to it; a new unit given identically in several
        orders is one unit.
        """
        if not orders:
            raise InvalidArgument.single("divisions", "REQUIRED", "give at least one division")
        return self._divide(orders, "BatchDivideUnits", effective_date, request_id, reason)

    def _divide(self, orders: Sequence[DivisionOrder], method: str,
                effective_date: dt.date | None, request_id: str,
                reason: str) -> list[tuple[UUID, list[UUID]]]:
        payload = {"orders": list(orders), "effective_date": effective_date}
        violations = Violations()
        batch = method == "BatchDivideUnits"
        source_ids: list[UUID] = []
        existing: dict[tuple[int, int], UUID] = {}
        new_specs: dict[str, NewUnitSpec] = {}  # administrative code (or name) -> spec
        agency_codes: dict[str, NewUnitSpec] = {}
        for n, order in enumerate(orders):
            prefix = f"divisions[{n}]." if batch else ""
            source_id = violations.check(
                lambda o=order, p=prefix: parse_uuid(o.unit_id, f"{p}unit_id"))
            if source_id is not None:
                if source_id in source_ids:
                    violations.add(f"{prefix}unit_id", "DUPLICATE_UNIT",
                                   "names a unit already divided in this request")
                source_ids.append(source_id)
            successors = order.successors
            if len(successors) < 2:
                violations.add(f"{prefix}successors", "SUCCESSORS_TOO_FEW",
                               "a division has at least two successors")
            if sum(t.is_default for t in successors) != 1:
                violations.add(f"{prefix}successors", "DEFAULT_SUCCESSOR_COUNT",
                               "exactly one successor must be marked is_default")
            for i, target in enumerate(successors):
                field = f"{prefix}successors[{i}]"
                if bool(target.unit_id) == (target.new_unit is not None):
                    violations.add(field, "TARGET_REQUIRED",
                                   "give exactly one of unit_id or new_unit")
                elif target.unit_id:
                    parsed = violations.check(
                        lambda t=target, f=field: parse_uuid(t.unit_id, f"{f}.unit_id"))
                    if parsed is not None:
                        if parsed in [v for (m, _), v in existing.items() if m == n]:
                            violations.add(f"{field}.unit_id", "DUPLICATE_UNIT",
                                           "names a unit already listed")
                        existing[(n, i)] = parsed
                else:
                    assert target.new_unit is not None
                    agency = target.new_unit.agency_code
                    claimed = agency_codes.setdefault(agency, target.new_unit) if agency else None
                    if claimed is not None and claimed != target.new_unit:
                        violations.add(f"{field}.new_unit.agency_code", "DUPLICATE_AGENCY_CODE",
                                       f"{agency} is given to another new unit of this request")
                    key = target.new_unit.administrative_unit_code or target.new_unit.display_name
                    if new_specs.setdefault(key, target.new_unit) != target.new_unit:
                        violations.add(f"{field}.new_unit", "NEW_UNIT_CONFLICT",
                                       f"differs from another new unit with code {key!r}")
        violations.raise_if_any()
        if cycle := set(source_ids) & set(existing.values()):
            msg = "a unit cannot be one of its own successors"
            raise LineageCycleError(msg, metadata={"unit_id": str(min(cycle))})

        def execute(command: Command) -> dict[str, Any]:
            prefixes = [f"divisions[{n}]." if batch else "" for n in range(len(orders))]
            sources = [self._get_active(sid, f"{prefixes[n]}unit_id")
                       for n, sid in enumerate(source_ids)]
            # Who receives a share of whom: the successors' predecessors.
            shares: dict[Any, list[Unit]] = {}
            fields: dict[Any, str] = {}
            for n, order in enumerate(orders):
                for i, target in enumerate(order.successors):
                    ref = existing.get((n, i)) or _new_unit_key(target)
                    shares.setdefault(ref, []).append(sources[n])
                    fields.setdefault(ref, f"{prefixes[n]}successors[{i}]")
            formed: dict[Any, Unit] = {}
            registers: list[Any] = []
            for index, (ref, predecessors) in enumerate(shares.items()):
                if isinstance(ref, uuid.UUID):
                    unit = self._get_active(ref, f"{fields[ref]}.unit_id")
                    unit.absorb([p.id for p in predecessors], effective_date)
                else:
                    unit, more = self._form_unit(
                        new_specs[ref], effective_date, request_id, index,
                        predecessors=predecessors, field=f"{fields[ref]}.new_unit.")
                    registers.extend(more)
                self._require_successor_level(predecessors, unit)
                formed[ref] = unit
            results: list[tuple[UUID, list[UUID]]] = []
            for n, order in enumerate(orders):
                units = [formed[existing.get((n, i)) or _new_unit_key(t)]
                         for i, t in enumerate(order.successors)]
                default = next(u for u, t in zip(units, order.successors, strict=True)
                               if t.is_default)
                sources[n].divide([u.id for u in units], default.id, effective_date)
                results.append((default.id, [u.id for u in units]))
            result = {"divisions": [[str(d), [str(s) for s in ss]] for d, ss in results]}
            return self.save_command(command, result, *sources, *formed.values(), *registers)

        done = self.run_command(request_id, method, payload, execute, reason=reason)
        return [(uuid.UUID(d), [uuid.UUID(s) for s in ss]) for d, ss in done["divisions"]]

    def assign_agency_code(self, unit_id: str, agency_code: str, *,
                           effective_date: dt.date | None, provisional: bool = False,
                           decision_number: str = "", decision_date: dt.date | None = None,
                           request_id: str = "", reason: str = "") -> UUID:
        """Give an existing unit its agency code, or change it (with a reason).

        The code must be free for ever: held by no other unit, live or
        retired. A code the unit already has, as given, changes nothing.
        """
        payload = {"unit_id": unit_id, "agency_code": agency_code,
                   "effective_date": effective_date, "provisional": provisional,
                   "decision_number": decision_number, "decision_date": decision_date}
        violations = Violations()
        uid = violations.check(lambda: parse_uuid(unit_id, "unit_id"))
        code = None
        if not agency_code.strip():
            violations.add("agency_code", "REQUIRED", "give the code to assign")
        else:
            code = violations.check(lambda: AgencyCode.parse(agency_code, "agency_code"))
            if code is not None:
                violations.check(lambda: check_provisional_letter(code, provisional=provisional))
        today = today_in_vietnam()
        latest = today + dt.timedelta(days=MAX_AGENCY_CODE_LEAD_DAYS)
        if effective_date is None:
            violations.add("effective_date", "REQUIRED", "give the day the code takes effect")
        elif not EARLIEST_AGENCY_CODE_DATE <= effective_date <= latest:
            violations.add("effective_date", "DATE_OUT_OF_RANGE",
                           f"must be between {EARLIEST_AGENCY_CODE_DATE} (QCVN 102:2016) and "
                           f"{latest} (a year ahead)")
        if decision_date is not None and not EARLIEST_AGENCY_CODE_DATE <= decision_date <= today:
            violations.add("decision_date", "DATE_OUT_OF_RANGE",
                           f"must be between {EARLIEST_AGENCY_CODE_DATE} and today ({today})")
        if len(decision_number) > MAX_DECISION_NUMBER_LENGTH:
            violations.add("decision_number", "TOO_LONG",
                           f"must be at most {MAX_DECISION_NUMBER_LENGTH} characters")
        if len(reason) > MAX_REASON_LENGTH:
            violations.add("reason", "TOO_LONG", f"must be at most {MAX_REASON_LENGTH} characters")
        violations.raise_if_any()
        assert uid is not None and code is not None and effective_date is not None

        def execute(command: Command) -> dict[str, Any]:
            unit = self._get_active(uid, "unit_id")
            if unit.agency_code and unit.agency_code != code.value and not reason.strip():
                raise InvalidArgument.single(
                    "reason", "REASON_REQUIRED",
                    f"{unit.display_name} already has the agency code {unit.agency_code}; "
                    "say why it changes (the decision, a correction)")
            if provisional and unit.agency_code and not unit.agency_code_provisional:
                msg = (f"{unit.display_name} has the official code {unit.agency_code}; a "
                       "provisional code never replaces an official one")
                raise FailedPrecondition(msg, reason="AGENCY_CODE_PROVISIONAL_AFTER_OFFICIAL",
                                         metadata={"unit_id": str(unit.id),
                                                   "field": "provisional"})
            province = (self._get_unit(unit.province_id, "unit_id")
                        if unit.province_id else None)
            official_province_code = (province.agency_code if province is not None
                                      and not province.agency_code_provisional else "")
            if (unit.level in (Level.COMMUNE, Level.DISTRICT) and not provisional
                    and not official_province_code):
                where = province.display_name if province is not None else "its province"
                msg = (f"{where} has no official agency code yet; a {unit.level.value}'s code "
                       "is issued under its province's, so give the province its code first")
                raise FailedPrecondition(msg, reason="PROVINCE_WITHOUT_AGENCY_CODE", metadata={
                    "unit_id": str(unit.id), "field": "agency_code",
                    "province_unit_id": str(unit.province_id or "")})
            check_agency_code_for_unit(
                code, level=unit.level, provisional=provisional,
                administrative_unit_code=unit.administrative_unit_code,
                province_code=official_province_code,
                province_administrative_code=province.administrative_unit_code
                if province is not None else "")
            self._require_under_parent(unit, code, provisional)
            registers: list[Any] = []
            claim: AgencyCodeClaim | None = self.get_or_none(agency_code_claim_id(code.value))
            if claim is None:
                registers.append(AgencyCodeClaim(code=code.value, unit_id=unit.id))
            elif claim.unit_id != unit.id:
                self._refuse_held_code(code.value, self._get_unit(claim.unit_id, "agency_code"),
                                       "agency_code", "AGENCY_CODE")
            changed = unit.assign_agency_code(
                code.value, effective_date, provisional=provisional,
                decision_number=decision_number.strip(), decision_date=decision_date)
            return self.save_command(command, {"unit_id": str(unit.id), "changed": changed},
                                     *([unit] if changed else []), *registers)

        self.run_command(request_id, "AssignAgencyCode", payload, execute, reason=reason)
        return uid

    def _require_under_parent(self, unit: Unit, code: AgencyCode, provisional: bool) -> None:
        """An agency's code is issued directly under its parent's, as at registration."""
        if unit.level is not Level.AGENCY or unit.parent_id is None:
            return
        parent = self._get_unit(unit.parent_id, "unit_id")
        if parent.agency_code_provisional == provisional:
            _require_issued_under(code, parent, "agency_code")

    def dissolve_unit(self, unit_id: str, records_successor_id: str, *,
                      effective_date: dt.date | None = None, request_id: str = "",
                      reason: str = "") -> UUID:
        payload = {"unit_id": unit_id, "records_successor_id": records_successor_id,
                   "effective_date": effective_date}
        violations = Violations()
        uid = violations.check(lambda: parse_uuid(unit_id, "unit_id"))
        if not records_successor_id:
            violations.add("records_successor_unit_id", "REQUIRED",
                           "a dissolved unit's records must go to a named unit")
            successor_id = None
        else:
            successor_id = violations.check(
                lambda: parse_uuid(records_successor_id, "records_successor_unit_id"))
        violations.raise_if_any()
        assert uid is not None and successor_id is not None
        if uid == successor_id:
            msg = "a unit cannot take over its own records"
            raise LineageCycleError(msg, metadata={"unit_id": str(uid)})
        def execute(command: Command) -> dict[str, Any]:
            unit = self._get_active(uid, "unit_id")
            successor = self._get_active(successor_id, "records_successor_unit_id")
            unit.dissolve(successor.id, effective_date)
            successor.absorb([unit.id], effective_date)
            return self.save_command(command, {"unit_id": str(uid)}, unit, successor)

        self.run_command(request_id, "DissolveUnit", payload, execute, reason=reason)
        return uid

    # -- queries ------------------------------------------------------------

    def get_unit(self, unit_id: str | UUID) -> UnitView:
        uid = unit_id if isinstance(unit_id, uuid.UUID) else parse_uuid(unit_id, "unit_id")
        self.directory.refresh()
        return self.directory.get(uid)

    def list_units(self, unit_filter: UnitFilter, *, size: int = 0,
                   token: str = "") -> tuple[list[UnitView], str, int]:
        """One page of units in code order, the next page's token and the total."""
        request = PageRequest.of(size, token, {"filter": unit_filter})
        self.directory.refresh()
        units = self.directory.list(unit_filter)
        return (*request.cut(units), len(units))

    def search_units(self, text: str, *, include_retired: bool = False,
                     level: Level | None = None, size: int = 0,
                     token: str = "") -> tuple[list[UnitView], str]:
        if not text.strip():
            raise InvalidArgument.single("query", "REQUIRED", "must contain a word to look for")
        request = PageRequest.of(size, token, {"q": text, "r": include_retired, "l": level})
        self.directory.refresh()
        return request.cut(self.directory.search(text, include_retired=include_retired,
                                                 level=level))

    def resolve_unit(self, code: str, as_of: dt.date | None = None) -> Resolution:
        self.directory.refresh()
        return self.directory.resolve(code, as_of or today_in_vietnam())

    def unit_history(self, unit_id: str) -> list[UnitHistoryItem]:
        return self.history(parse_uuid(unit_id, "unit_id"), Unit.Registered, "unit",
                            UnitHistoryItem)

    # -- helpers ------------------------------------------------------------

    def _get_unit(self, unit_id: UUID, field: str,
                  loaded: ReadAtOnce | None = None) -> Unit:
        unit = self.loaded_or_get(unit_id, loaded)
        if not isinstance(unit, Unit):
            raise NotFound("unit", str(unit_id))
        return unit

    def _get_active(self, unit_id: UUID, field: str,
                    loaded: ReadAtOnce | None = None) -> Unit:
        unit = self._get_unit(unit_id, field, loaded)
        if not unit.is_active:
            msg = (f"{field}: unit {unit.id} ({unit.display_name}) was "
                   f"{unit.retirement.value if unit.retirement else 'retired'}"
                   f"{f' on {unit.retired_date}' if unit.retired_date else ''} and takes part "
                   "in no further change")
            raise UnitRetiredError(msg, metadata={"unit_id": str(unit.id), "field": field})
        return unit

    @staticmethod
    def _parse_id_list(values: Sequence[str], field: str, violations: Violations) -> list[UUID]:
        if not values:
            violations.add(field, "REQUIRED", "name at least one unit")
        parsed: list[UUID] = []
        for i, value in enumerate(values):
            uid = violations.check(lambda v=value, i=i: parse_uuid(v, f"{field}[{i}]"))
            if uid is None:
                continue
            if uid in parsed:
                violations.add(f"{field}[{i}]", "DUPLICATE_UNIT", "names a unit already listed")
            parsed.append(uid)
        return parsed

    @staticmethod
    def _require_successor_level(predecessors: Sequence[Unit], successor: Unit) -> None:
        for predecessor in predecessors:
            if successor.level not in SUCCESSOR_LEVELS[predecessor.level]:
                msg = (f"{predecessor.display_name} is a {predecessor.level.value} and cannot "
                       f"be succeeded by {successor.display_name}, a {successor.level.value}")
                raise LevelMismatchError(msg, metadata={"unit_id": str(predecessor.id)})

    def _form_unit(self, spec: NewUnitSpec, effective_date: dt.date | None, request_id: str,
                   index: int, *, predecessors: Sequence[Unit],
                   field: str = "") -> tuple[Unit, list[Any]]:
        """Validate a new unit, claim its codes, and create it (unsaved)."""
        violations = Violations()
        name = violations.check(lambda: normalise_name(spec.display_name, f"{field}display_name"))
        kind = level = None
        try:
            kind = Kind(spec.kind)
        except ValueError:
            violations.add(f"{field}kind", "KIND_REQUIRED",
                           f"must be one of {', '.join(k.value for k in Kind)}")
        if kind is not None:
            level = kind.level
            if spec.level and spec.level != level.value:
                violations.add(f"{field}level", "KIND_LEVEL_MISMATCH",
                               f"a {kind.value} is at level {level.value}, not {spec.level}")
        admin_code = ""
        if level is not None and level is not Level.AGENCY:
            if not spec.administrative_unit_code:
                violations.add(f"{field}administrative_unit_code", "REQUIRED",
                               f"a {level.value} has an administrative-unit code")
            else:
                admin_code = violations.check(lambda: parse_administrative_code(
                    spec.administrative_unit_code, level,
                    f"{field}administrative_unit_code")) or ""
        elif level is Level.AGENCY and spec.administrative_unit_code:
            violations.add(f"{field}administrative_unit_code", "ADMINISTRATIVE_CODE_NOT_ALLOWED",
                           "an agency has no administrative-unit code")
        agency_code = (violations.check(lambda: AgencyCode.parse(spec.agency_code,
                                                                 f"{field}agency_code"))
                       if spec.agency_code else None)
        if agency_code is not None and agency_code.is_provisional:
            violations.add(f"{field}agency_code", "AGENCY_CODE_PROVISIONAL_LETTER",
                           "codes with the level-1 letter Z are provisional; register the unit "
                           "without one, then AssignAgencyCode with provisional set")
        parent_id = (violations.check(lambda: parse_uuid(spec.parent_id, f"{field}parent_unit_id"))
                     if spec.parent_id else None)
        if level is not None:
            allowed = ALLOWED_PARENT_LEVELS[level]
            if not allowed and spec.parent_id:
                violations.add(f"{field}parent_unit_id", "PARENT_NOT_ALLOWED",
                               f"a {level.value} has no parent unit")
            if level in (Level.DISTRICT, Level.COMMUNE) and not spec.parent_id:
                violations.add(f"{field}parent_unit_id", "REQUIRED",
                               f"a {level.value} belongs to a parent unit")
        violations.raise_if_any()
        assert name is not None and kind is not None and level is not None

        # The parent and the codes' registers in one read.
        loaded = self.get_many([i for i in (
            parent_id, agency_code_claim_id(agency_code.value) if agency_code else None,
            administrative_code_register_id(admin_code) if admin_code else None) if i])
        parent = (self._get_active(parent_id, f"{field}parent_unit_id", loaded)
                  if parent_id else None)
        if parent is not None and any(p.id == parent.id for p in predecessors):
            msg = (f"{field}parent_unit_id: {parent.display_name} is retired by this same "
                   "command and cannot be the parent of its successor")
            raise UnitRetiredError(msg, metadata={"unit_id": str(parent.id),
                                                  "field": f"{field}parent_unit_id"})
        if parent is not None:
            if parent.level not in ALLOWED_PARENT_LEVELS[level]:
                raise InvalidArgument.single(
                    f"{field}parent_unit_id", "PARENT_LEVEL",
                    f"a {level.value} cannot sit under a {parent.level.value}")
            if agency_code is not None:
                _require_issued_under(agency_code, parent, f"{field}agency_code")
        province_id = None
        if parent is not None:
            province_id = parent.id if parent.level is Level.PROVINCE else parent.province_id

        unit_id = derived_id("unit", request_id, str(index)) if request_id else uuid.uuid4()
        registers: list[Any] = []
        if agency_code is not None:
            registers.append(self._claim_agency_code(agency_code.value, unit_id,
                                                     f"{field}agency_code", loaded))
        if admin_code:
            registers.append(self._claim_administrative_code(
                admin_code, unit_id, effective_date, predecessors,
                f"{field}administrative_unit_code", loaded))
        unit = Unit(
            display_name=name, level=level.value, kind=kind.value,
            administrative_unit_code=admin_code,
            agency_code=agency_code.value if agency_code else "",
            parent_id=parent.id if parent else None, province_id=province_id,
            effective_date=effective_date, predecessor_ids=[p.id for p in predecessors],
            id=unit_id,
        )
        return unit, registers

    def _claim_agency_code(self, code: str, unit_id: UUID, field: str,
                           loaded: ReadAtOnce | None = None) -> AgencyCodeClaim:
        claim_id = agency_code_claim_id(code)
        claim: AgencyCodeClaim | None = self.loaded_or_get(claim_id, loaded)
        if claim is not None:
            holder = self._get_unit(claim.unit_id, field)
            self._refuse_held_code(code, holder, field, "AGENCY_CODE")
        return AgencyCodeClaim(code=code, unit_id=unit_id)

    def _claim_administrative_code(self, code: str, unit_id: UUID, since: dt.date | None,
                                   predecessors: Sequence[Unit], field: str,
                                   loaded: ReadAtOnce | None = None,
                                   ) -> AdministrativeCodeRegister:
        register_id = administrative_code_register_id(code)
        register: AdministrativeCodeRegister | None = self.loaded_or_get(register_id, loaded)
        if register is None:
            return AdministrativeCodeRegister(code=code, unit_id=unit_id, since=since)
        holder_id = register.holder_id
        if any(p.id == holder_id for p in predecessors):
            # The new unit carries on the code of a unit it replaces.
            register.carry_on(unit_id, holder_id, since)
            return register
        self._refuse_held_code(code, self._get_unit(holder_id, field), field,
                               "ADMINISTRATIVE_CODE")
        raise AssertionError  # unreachable: _refuse_held_code always raises

    @staticmethod
    def _refuse_held_code(code: str, holder: Unit, field: str, what: str) -> None:
        metadata = {"code": code, "holder_unit_id": str(holder.id), "field": field}
        if holder.is_active:
            msg = f"{field}: {code} is held by {holder.display_name} ({holder.id})"
            raise AlreadyExists(msg, reason=f"{what}_IN_USE", metadata=metadata)
        msg = (f"{field}: {code} belonged to {holder.display_name}, which was "
               f"{holder.retirement.value if holder.retirement else 'retired'}; a retired "
               "code is locked and never issued again (only a successor named in the same "
               "merge or division may carry it on)")
        raise FailedPrecondition(msg, reason=f"{what}_LOCKED", metadata=metadata)
