"""Stories of units that get their agency code after they were registered.

The 2025 communes were created by merges and divisions without agency
codes; each province then publishes the codes of its new communes. A unit
is given its code, may have it changed (with a reason), and keeps every code
it has had, so an old code still names it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING, Any

import pytest

from lienthong.errors import (
    AlreadyExists,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
)
from lienthong.services.identity.application import IdentityApplication, NewUnitSpec
from lienthong.testing.refusals import refused, violations

if TYPE_CHECKING:
    from uuid import UUID

REFORM = dt.date(2025, 7, 1)


@pytest.fixture
def app() -> IdentityApplication:
    return IdentityApplication()


@pytest.fixture
def province(app: IdentityApplication) -> UUID:
    """Bắc Ninh as the reorganisation left it: no agency code yet."""
    return app.register_unit(NewUnitSpec("Tỉnh Bắc Ninh", "province",
                                         administrative_unit_code="24"))


def commune(app: IdentityApplication, province: UUID, name: str, code: str) -> UUID:
    return app.register_unit(NewUnitSpec(name, "ward" if name.startswith("Phường") else "commune",
                                         administrative_unit_code=code,
                                         parent_id=str(province)), effective_date=REFORM)


@pytest.fixture
def que_vo(app: IdentityApplication, province: UUID) -> UUID:
    return commune(app, province, "Phường Quế Võ", "09193")


def assign(app: IdentityApplication, unit: UUID, code: str, **kwargs: Any) -> UUID:
    kwargs.setdefault("effective_date", REFORM)
    return app.assign_agency_code(str(unit), code, **kwargs)


# -- giving a code -------------------------------------------------------------------

def test_a_commune_without_a_code_is_given_one_and_is_found_by_it(
        app: IdentityApplication, province: UUID, que_vo: UUID) -> None:
    assign(app, province, "000.00.00.H24", decision_number="1/QĐ-UBND",
           decision_date=dt.date(2025, 6, 30))
    assign(app, que_vo, "000.00.31.H24", decision_number="1/QĐ-UBND",
           decision_date=dt.date(2025, 6, 30))

    unit = app.get_unit(que_vo)
    assert unit.agency_code == "000.00.31.H24"
    assert not unit.agency_code_provisional
    [holding] = unit.agency_codes
    assert (holding.agency_code, holding.since, holding.decision_number) == (
        "000.00.31.H24", REFORM, "1/QĐ-UBND")
    assert app.resolve_unit("000.00.31.H24").named.unit_id == que_vo
    assert [i.event_type for i in app.unit_history(str(que_vo))] == [
        "Registered", "AgencyCodeAssigned"]


def test_a_changed_code_needs_a_reason_and_the_old_code_still_names_the_unit(
        app: IdentityApplication, province: UUID, que_vo: UUID) -> None:
    assign(app, province, "000.00.00.H24")
    assign(app, que_vo, "000.00.31.H24")

    refused(app, InvalidArgument, "REASON_REQUIRED",
            lambda: assign(app, que_vo, "000.00.32.H24", effective_date=dt.date(2025, 9, 1)))
    assign(app, que_vo, "000.00.32.H24", effective_date=dt.date(2025, 9, 1),
           reason="QĐ 88/QĐ-UBND corrects the code")

    unit = app.get_unit(que_vo)
    assert [h.agency_code for h in unit.agency_codes] == ["000.00.31.H24", "000.00.32.H24"]
    old = app.resolve_unit("000.00.31.H24", dt.date(2025, 8, 1))
    assert old.named.unit_id == que_vo
    assert [(c.kind, c.agency_code) for c in old.chain] == [
        ("agency_code_assigned", "000.00.32.H24")]
    last = app.unit_history(str(que_vo))[-1]
    assert last.fields["previous_agency_code"] == "000.00.31.H24"
    assert last.metadata["reason"] == "QĐ 88/QĐ-UBND corrects the code"


def test_giving_a_unit_the_code_it_has_changes_nothing(
        app: IdentityApplication, province: UUID, que_vo: UUID) -> None:
    assign(app, province, "000.00.00.H24")
    assign(app, que_vo, "000.00.31.H24")
    before = app.recorder.max_notification_id()

    assign(app, que_vo, "000.00.31.H24")

    assert app.recorder.max_notification_id() == before
    assert app.get_unit(que_vo).version == 2


def test_a_retry_with_the_same_request_id_is_answered_once(
        app: IdentityApplication, province: UUID, que_vo: UUID) -> None:
    assign(app, province, "000.00.00.H24")
    assign(app, que_vo, "000.00.31.H24", request_id="import-row-7")
    assign(app, que_vo, "000.00.31.H24", request_id="import-row-7")

    assert [i.event_type for i in app.unit_history(str(que_vo))].count("AgencyCodeAssigned") == 1
    error = refused(app, InvalidArgument, "REQUEST_ID_REUSED",
                    lambda: assign(app, que_vo, "000.00.33.H24", request_id="import-row-7",
                                   reason="another"))
    assert violations(error) == [("request_id", "REQUEST_ID_REUSED")]


# -- uniqueness over all time --------------------------------------------------------

def test_a_code_held_by_another_live_unit_is_refused(
        app: IdentityApplication, province: UUID, que_vo: UUID) -> None:
    cao_son = commune(app, province, "Xã Cao Sơn", "07711")
    assign(app, province, "000.00.00.H24")
    assign(app, que_vo, "000.00.31.H24")

    error = refused(app, AlreadyExists, "AGENCY_CODE_IN_USE",
                    lambda: assign(app, cao_son, "000.00.31.H24"))
    assert error.metadata["holder_unit_id"] == str(que_vo)


def test_the_code_a_merged_unit_held_is_locked_for_ever(
        app: IdentityApplication, province: UUID, que_vo: UUID) -> None:
    cao_son = commune(app, province, "Xã Cao Sơn", "07711")
    assign(app, province, "000.00.00.H24")
    assign(app, que_vo, "000.00.31.H24")
    app.merge_units([str(que_vo)], successor_id=str(cao_son), effective_date=dt.date(2026, 1, 1))

    refused(app, FailedPrecondition, "AGENCY_CODE_LOCKED",
            lambda: assign(app, cao_son, "000.00.31.H24"))
    # The merge carries the old code to the successor, as every old code resolves.
    resolved = app.resolve_unit("000.00.31.H24")
    assert [u.unit_id for u in resolved.current] == [cao_son]


def test_a_replaced_code_is_not_issued_to_another_unit(
        app: IdentityApplication, province: UUID, que_vo: UUID) -> None:
    cao_son = commune(app, province, "Xã Cao Sơn", "07711")
    assign(app, province, "000.00.00.H24")
    assign(app, que_vo, "000.00.31.H24")
    assign(app, que_vo, "000.00.32.H24", reason="correction")

    refused(app, AlreadyExists, "AGENCY_CODE_IN_USE",
            lambda: assign(app, cao_son, "000.00.31.H24"))


def test_a_retired_unit_gets_no_code(app: IdentityApplication, province: UUID,
                                     que_vo: UUID) -> None:
    cao_son = commune(app, province, "Xã Cao Sơn", "07711")
    app.merge_units([str(que_vo)], successor_id=str(cao_son), effective_date=dt.date(2026, 1, 1))

    refused(app, FailedPrecondition, "UNIT_RETIRED",
            lambda: assign(app, que_vo, "000.00.31.H24"))


# -- the code fits the unit ----------------------------------------------------------

@pytest.mark.parametrize(("code", "rule"), [
    ("000.00.05.H24", "AGENCY_CODE_PROVINCE_LEVEL"),
    ("000.00.00.Z24", "AGENCY_CODE_PROVISIONAL_LETTER"),
])
def test_a_province_takes_an_official_level_1_code(
        app: IdentityApplication, province: UUID, code: str, rule: str) -> None:
    error = refused(app, InvalidArgument, rule, lambda: assign(app, province, code))
    assert violations(error) == [("agency_code", rule)]


@pytest.mark.parametrize(("code", "rule"), [
    ("000.00.00.H31", "AGENCY_CODE_LEVEL"),
    ("000.00.31.H25", "AGENCY_CODE_OUTSIDE_PROVINCE"),
])
def test_a_communes_code_is_issued_under_its_provinces(
        app: IdentityApplication, province: UUID, que_vo: UUID, code: str, rule: str) -> None:
    assign(app, province, "000.00.00.H24")

    error = refused(app, InvalidArgument, rule, lambda: assign(app, que_vo, code))
    assert violations(error) == [("agency_code", rule)]


def test_a_code_cannot_take_effect_before_the_one_it_replaces(
        app: IdentityApplication, province: UUID, que_vo: UUID) -> None:
    assign(app, province, "000.00.00.H24")
    assign(app, que_vo, "000.00.31.H24", effective_date=dt.date(2025, 9, 1))

    refused(app, FailedPrecondition, "AGENCY_CODE_EFFECTIVE_DATE_ORDER",
            lambda: assign(app, que_vo, "000.00.32.H24", effective_date=dt.date(2025, 8, 1),
                           reason="correction"))


def test_every_broken_rule_of_a_request_is_named_at_once(app: IdentityApplication) -> None:
    error = refused(app, InvalidArgument, "UUID_FORMAT", lambda: app.assign_agency_code(
        "not-a-uuid", "000.00.12.h49", effective_date=dt.date(2015, 12, 31),
        decision_number="x" * 65, decision_date=dt.date(2999, 1, 1), reason="r" * 1001))

    assert sorted(violations(error)) == sorted([
        ("unit_id", "UUID_FORMAT"), ("agency_code", "AGENCY_CODE_FORMAT"),
        ("effective_date", "DATE_OUT_OF_RANGE"), ("decision_date", "DATE_OUT_OF_RANGE"),
        ("decision_number", "TOO_LONG"), ("reason", "TOO_LONG")])


def test_the_code_and_its_effective_date_are_required(app: IdentityApplication,
                                                       que_vo: UUID) -> None:
    error = refused(app, InvalidArgument, "REQUIRED", lambda: app.assign_agency_code(
        str(que_vo), " ", effective_date=None))

    assert violations(error) == [("agency_code", "REQUIRED"), ("effective_date", "REQUIRED")]


def test_an_unknown_unit_is_not_found(app: IdentityApplication) -> None:
    refused(app, NotFound, "UNIT_NOT_FOUND",
            lambda: assign(app, uuid.uuid4(), "000.00.31.H24"))


# -- provisional codes ---------------------------------------------------------------

def test_a_provisional_code_is_marked_and_gives_way_to_the_official_one(
        app: IdentityApplication, province: UUID, que_vo: UUID) -> None:
    assign(app, province, "000.00.00.Z24", provisional=True, reason="demo")
    assign(app, que_vo, "000.01.01.Z24", provisional=True, reason="demo")
    assert app.get_unit(que_vo).agency_code_provisional
    assert app.unit_history(str(que_vo))[-1].fields["provisional"] is True

    # The official codes replace them, the province's first.
    refused(app, FailedPrecondition, "PROVINCE_WITHOUT_AGENCY_CODE",
            lambda: assign(app, que_vo, "000.00.31.H24", reason="QĐ 1/QĐ-UBND"))
    assign(app, province, "000.00.00.H24", reason="QĐ 1/QĐ-UBND publishes the official code")
    assign(app, que_vo, "000.00.31.H24", reason="QĐ 1/QĐ-UBND publishes the official code")

    unit = app.get_unit(que_vo)
    assert (unit.agency_code, unit.agency_code_provisional) == ("000.00.31.H24", False)
    assert [(h.agency_code, h.provisional) for h in unit.agency_codes] == [
        ("000.01.01.Z24", True), ("000.00.31.H24", False)]
    refused(app, FailedPrecondition, "AGENCY_CODE_PROVISIONAL_AFTER_OFFICIAL",
            lambda: assign(app, que_vo, "000.02.01.Z24", provisional=True, reason="demo"))


@pytest.mark.parametrize(("unit", "code"), [
    ("province", "000.00.00.Z25"),  # another province's administrative code
    ("que_vo", "000.01.01.Z31"),
])
def test_a_provisional_code_names_its_province(
        app: IdentityApplication, province: UUID, que_vo: UUID, unit: str, code: str) -> None:
    target = {"province": province, "que_vo": que_vo}[unit]

    error = refused(app, InvalidArgument, "AGENCY_CODE_OUTSIDE_PROVINCE",
                    lambda: assign(app, target, code, provisional=True))
    assert violations(error) == [("agency_code", "AGENCY_CODE_OUTSIDE_PROVINCE")]


def test_a_communes_official_code_waits_for_its_provinces(
        app: IdentityApplication, province: UUID, que_vo: UUID) -> None:
    error = refused(app, FailedPrecondition, "PROVINCE_WITHOUT_AGENCY_CODE",
                    lambda: assign(app, que_vo, "000.00.31.H99"))
    assert error.metadata["province_unit_id"] == str(province)


def test_an_agencys_code_is_issued_under_its_parents(app: IdentityApplication,
                                                     province: UUID) -> None:
    assign(app, province, "000.00.00.H24")
    department = app.register_unit(NewUnitSpec("Sở Nội vụ", "agency", parent_id=str(province)))

    error = refused(app, InvalidArgument, "AGENCY_CODE_NOT_UNDER_PARENT",
                    lambda: assign(app, department, "000.00.05.H99"))
    assert violations(error) == [("agency_code", "AGENCY_CODE_NOT_UNDER_PARENT")]
    assign(app, department, "000.00.05.H24")
    assert app.get_unit(department).agency_code == "000.00.05.H24"


def test_only_provisional_codes_use_the_letter_z(app: IdentityApplication, province: UUID,
                                                 que_vo: UUID) -> None:
    refused(app, InvalidArgument, "AGENCY_CODE_PROVISIONAL_LETTER",
            lambda: assign(app, que_vo, "000.00.31.H24", provisional=True))
    refused(app, InvalidArgument, "AGENCY_CODE_PROVISIONAL_LETTER",
            lambda: assign(app, que_vo, "000.01.01.Z24"))


def test_a_unit_is_not_registered_with_a_provisional_code(app: IdentityApplication,
                                                          province: UUID) -> None:
    error = refused(app, InvalidArgument, "AGENCY_CODE_PROVISIONAL_LETTER",
                    lambda: app.register_unit(NewUnitSpec(
                        "Xã Tam Tiến", "commune", administrative_unit_code="07264",
                        agency_code="000.01.01.Z24", parent_id=str(province))))
    assert violations(error) == [("agency_code", "AGENCY_CODE_PROVISIONAL_LETTER")]
