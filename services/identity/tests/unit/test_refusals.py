"""Bad input and the rules of the domain: every refusal names its reason and writes nothing."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING, Any

import pytest

from lienthong.errors import (
    AlreadyExists,
    FailedPrecondition,
    InvalidArgument,
    LienthongError,
    NotFound,
)
from lienthong.services.identity.application import (
    DivisionTarget,
    IdentityApplication,
    NewUnitSpec,
)
from lienthong.testing.refusals import refused, violations

if TYPE_CHECKING:
    from collections.abc import Callable
    from uuid import UUID

REFORM = dt.date(2025, 7, 1)
UNKNOWN = str(uuid.uuid4())


@pytest.fixture
def app() -> IdentityApplication:
    return IdentityApplication()


@pytest.fixture
def province(app: IdentityApplication) -> UUID:
    return app.register_unit(NewUnitSpec("Tỉnh Quảng Nam", "province",
                                         administrative_unit_code="49",
                                         agency_code="000.00.00.H49"))


def commune(app: IdentityApplication, parent: UUID, name: str, code: str,
            agency_code: str = "") -> UUID:
    return app.register_unit(NewUnitSpec(name, "commune", administrative_unit_code=code,
                                         agency_code=agency_code, parent_id=str(parent)))


# -- malformed input -----------------------------------------------------------------

def test_a_malformed_administrative_code_is_refused_naming_the_field(
        app: IdentityApplication, province: UUID) -> None:
    error = refused(app, InvalidArgument, "ADMINISTRATIVE_CODE_FORMAT", lambda: app.register_unit(
        NewUnitSpec("Xã Tam Xuân", "commune", administrative_unit_code="2019",
                    parent_id=str(province))))

    assert violations(error) == [("administrative_unit_code", "ADMINISTRATIVE_CODE_FORMAT")]


@pytest.mark.parametrize(("code", "rule"), [
    ("000.00.12.H4", "AGENCY_CODE_LENGTH"),
    ("000.00.12.h49", "AGENCY_CODE_FORMAT"),
    ("000.00.12.H00", "AGENCY_CODE_LEVEL1_ZERO"),
    ("000.05.00.H49", "AGENCY_CODE_LEVEL_GAP"),
])
def test_a_malformed_agency_code_is_refused_with_the_rule_it_breaks(
        app: IdentityApplication, province: UUID, code: str, rule: str) -> None:
    error = refused(app, InvalidArgument, rule, lambda: app.register_unit(
        NewUnitSpec("Xã Tam Xuân", "commune", administrative_unit_code="20194",
                    agency_code=code, parent_id=str(province))))

    assert violations(error) == [("agency_code", rule)]


def test_every_broken_rule_of_a_request_is_reported_at_once(app: IdentityApplication) -> None:
    error = refused(app, InvalidArgument, "REQUIRED", lambda: app.register_unit(
        NewUnitSpec("  ", "commune", administrative_unit_code="1", agency_code="x",
                    parent_id="not-a-uuid")))

    assert violations(error) == [
        ("display_name", "REQUIRED"),
        ("administrative_unit_code", "ADMINISTRATIVE_CODE_FORMAT"),
        ("agency_code", "AGENCY_CODE_LENGTH"),
        ("parent_unit_id", "UUID_FORMAT"),
    ]


@pytest.mark.parametrize(("spec", "field", "rule"), [
    (NewUnitSpec("Tỉnh X", "kingdom", administrative_unit_code="77"), "kind", "KIND_REQUIRED"),
    (NewUnitSpec("Tỉnh X", "province", level="commune", administrative_unit_code="77"),
     "level", "KIND_LEVEL_MISMATCH"),
    (NewUnitSpec("Tỉnh X", "province"), "administrative_unit_code", "REQUIRED"),
    (NewUnitSpec("Xã X", "commune", administrative_unit_code="77777"),
     "parent_unit_id", "REQUIRED"),
    (NewUnitSpec("Sở Y tế", "agency", administrative_unit_code="77"),
     "administrative_unit_code", "ADMINISTRATIVE_CODE_NOT_ALLOWED"),
    (NewUnitSpec("X" * 201, "province", administrative_unit_code="77"),
     "display_name", "NAME_TOO_LONG"),
])
def test_a_unit_that_cannot_exist_is_refused(app: IdentityApplication, spec: NewUnitSpec,
                                             field: str, rule: str) -> None:
    error = refused(app, InvalidArgument, rule, lambda: app.register_unit(spec))

    assert violations(error) == [(field, rule)]


def test_a_province_has_no_parent(app: IdentityApplication, province: UUID) -> None:
    error = refused(app, InvalidArgument, "PARENT_NOT_ALLOWED", lambda: app.register_unit(
        NewUnitSpec("Tỉnh Khác", "province", administrative_unit_code="50",
                    parent_id=str(province))))

    assert violations(error) == [("parent_unit_id", "PARENT_NOT_ALLOWED")]


def test_a_commune_cannot_sit_under_an_agency(app: IdentityApplication) -> None:
    ministry = app.register_unit(NewUnitSpec("Bộ Nội vụ", "agency", agency_code="000.00.00.G09"))

    error = refused(app, InvalidArgument, "PARENT_LEVEL", lambda: app.register_unit(
        NewUnitSpec("Xã X", "commune", administrative_unit_code="77777",
                    parent_id=str(ministry))))

    assert violations(error) == [("parent_unit_id", "PARENT_LEVEL")]


@pytest.mark.parametrize("command", [
    lambda app: app.rename_unit("not-a-uuid", "Tên mới"),
    lambda app: app.get_unit("42"),
    lambda app: app.unit_history("xyz"),
    lambda app: app.merge_units(["nope"], successor_id=UNKNOWN),
    lambda app: app.dissolve_unit("nope", UNKNOWN),
])
def test_a_malformed_unit_id_is_refused_as_bad_input(
        app: IdentityApplication, command: Callable[[IdentityApplication], Any]) -> None:
    error = refused(app, InvalidArgument, "UUID_FORMAT", lambda: command(app))

    assert all(rule == "UUID_FORMAT" for _, rule in violations(error))


def test_a_merge_needs_exactly_one_kind_of_successor(
        app: IdentityApplication, province: UUID) -> None:
    a = commune(app, province, "Xã A", "20001")
    spec = NewUnitSpec("Xã B", "commune", administrative_unit_code="20002",
                       parent_id=str(province))

    neither = refused(app, InvalidArgument, "SUCCESSOR_REQUIRED",
                      lambda: app.merge_units([str(a)]))
    both = refused(app, InvalidArgument, "SUCCESSOR_REQUIRED",
                   lambda: app.merge_units([str(a)], successor_id=UNKNOWN, new_successor=spec))
    nothing = refused(app, InvalidArgument, "REQUIRED",
                      lambda: app.merge_units([], new_successor=spec))
    twice = refused(app, InvalidArgument, "DUPLICATE_UNIT",
                    lambda: app.merge_units([str(a), str(a)], new_successor=spec))

    assert violations(neither) == [("successor", "SUCCESSOR_REQUIRED")]
    assert violations(both) == [("successor", "SUCCESSOR_REQUIRED")]
    assert violations(nothing) == [("source_unit_ids", "REQUIRED")]
    assert violations(twice) == [("source_unit_ids[1]", "DUPLICATE_UNIT")]


def test_a_division_needs_two_successors_and_exactly_one_default(
        app: IdentityApplication, province: UUID) -> None:
    a = commune(app, province, "Xã A", "20001")
    b = commune(app, province, "Xã B", "20002")
    c = commune(app, province, "Xã C", "20003")

    too_few = refused(app, InvalidArgument, "SUCCESSORS_TOO_FEW", lambda: app.divide_unit(
        str(a), [DivisionTarget(unit_id=str(b), is_default=True)]))
    no_default = refused(app, InvalidArgument, "DEFAULT_SUCCESSOR_COUNT", lambda: app.divide_unit(
        str(a), [DivisionTarget(unit_id=str(b)), DivisionTarget(unit_id=str(c))]))
    two_defaults = refused(app, InvalidArgument, "DEFAULT_SUCCESSOR_COUNT",
                           lambda: app.divide_unit(str(a), [
                               DivisionTarget(unit_id=str(b), is_default=True),
                               DivisionTarget(unit_id=str(c), is_default=True)]))
    empty_target = refused(app, InvalidArgument, "TARGET_REQUIRED", lambda: app.divide_unit(
        str(a), [DivisionTarget(unit_id=str(b), is_default=True), DivisionTarget()]))

    assert violations(too_few) == [("successors", "SUCCESSORS_TOO_FEW")]
    assert violations(no_default) == [("successors", "DEFAULT_SUCCESSOR_COUNT")]
    assert violations(two_defaults) == [("successors", "DEFAULT_SUCCESSOR_COUNT")]
    assert violations(empty_target) == [("successors[1]", "TARGET_REQUIRED")]


def test_a_dissolution_must_name_who_takes_the_records(
        app: IdentityApplication, province: UUID) -> None:
    a = commune(app, province, "Xã A", "20001")

    error = refused(app, InvalidArgument, "REQUIRED", lambda: app.dissolve_unit(str(a), ""))

    assert violations(error) == [("records_successor_unit_id", "REQUIRED")]


def test_a_malformed_code_to_resolve_is_refused(app: IdentityApplication) -> None:
    error = refused(app, InvalidArgument, "CODE_FORMAT", lambda: app.resolve_unit("1234"))

    assert violations(error) == [("code", "CODE_FORMAT")]


# -- unknown ids ---------------------------------------------------------------------

@pytest.mark.parametrize("command", [
    lambda app, unit: app.get_unit(UNKNOWN),
    lambda app, unit: app.unit_history(UNKNOWN),
    lambda app, unit: app.rename_unit(UNKNOWN, "Tên mới"),
    lambda app, unit: app.merge_units([UNKNOWN], successor_id=str(unit)),
    lambda app, unit: app.merge_units([str(unit)], successor_id=UNKNOWN),
    lambda app, unit: app.dissolve_unit(UNKNOWN, str(unit)),
    lambda app, unit: app.dissolve_unit(str(unit), UNKNOWN),
    lambda app, unit: app.divide_unit(UNKNOWN, [DivisionTarget(unit_id=str(unit)),
                                                DivisionTarget(unit_id=str(uuid.uuid4()),
                                                               is_default=True)]),
    lambda app, unit: app.register_unit(NewUnitSpec("Xã X", "commune",
                                                    administrative_unit_code="77777",
                                                    parent_id=UNKNOWN)),
])
def test_an_id_that_names_no_unit_is_not_found(
        app: IdentityApplication, province: UUID,
        command: Callable[[IdentityApplication, UUID], Any]) -> None:
    unit = commune(app, province, "Xã A", "20001")

    error = refused(app, NotFound, "UNIT_NOT_FOUND", lambda: command(app, unit))

    assert error.metadata["resource_type"] == "identity.lienthong.vn/Unit"


def test_a_code_that_names_no_unit_is_not_found(app: IdentityApplication, province: UUID) -> None:
    for code in ("77777", "000.00.99.H49", "79"):
        error = refused(app, NotFound, "CODE_NOT_FOUND", lambda c=code: app.resolve_unit(c))
        assert error.metadata["resource_id"] == code


def test_a_code_resolved_before_its_unit_existed_is_not_found(
        app: IdentityApplication) -> None:
    app.register_unit(NewUnitSpec("Tỉnh Mới", "province", administrative_unit_code="77"),
                      effective_date=REFORM)

    refused(app, NotFound, "CODE_NOT_FOUND", lambda: app.resolve_unit("77", dt.date(2025, 1, 1)))
    assert app.resolve_unit("77", REFORM).named.display_name == "Tỉnh Mới"


def test_the_history_of_an_id_that_is_not_a_unit_is_not_found(
        app: IdentityApplication, province: UUID) -> None:
    # Code registers and request records live in the same store as the units.
    from lienthong.idempotency import request_record_id
    from lienthong.services.identity.domain.registry import administrative_code_register_id

    app.register_unit(NewUnitSpec("Tỉnh X", "province", administrative_unit_code="77"),
                      request_id="req-77")

    for other in (administrative_code_register_id("77"), request_record_id("req-77")):
        refused(app, NotFound, "UNIT_NOT_FOUND", lambda o=other: app.unit_history(str(o)))


# -- rules of the domain -------------------------------------------------------------

@pytest.fixture
def reform(app: IdentityApplication, province: UUID) -> dict[str, UUID]:
    """Xã A merged into Xã B, Xã C dissolved into Xã B; Xã D still active."""
    units = {name: commune(app, province, f"Xã {name}", code, agency)
             for name, code, agency in [("A", "20001", "000.00.01.H49"),
                                        ("B", "20002", "000.00.02.H49"),
                                        ("C", "20003", "000.00.03.H49"),
                                        ("D", "20004", "000.00.04.H49")]}
    app.merge_units([str(units["A"])], successor_id=str(units["B"]), effective_date=REFORM)
    app.dissolve_unit(str(units["C"]), str(units["B"]), effective_date=REFORM)
    return units


@pytest.mark.parametrize("retired", ["A", "C"])
def test_a_retired_unit_takes_part_in_no_further_change(
        app: IdentityApplication, reform: dict[str, UUID], retired: str) -> None:
    gone, d, b = str(reform[retired]), str(reform["D"]), str(reform["B"])

    for command in (
        lambda: app.merge_units([gone], successor_id=d),
        lambda: app.merge_units([d], successor_id=gone),
        lambda: app.rename_unit(gone, "Tên mới"),
        lambda: app.dissolve_unit(gone, d),
        lambda: app.dissolve_unit(d, gone),
        lambda: app.divide_unit(gone, [DivisionTarget(unit_id=d, is_default=True),
                                       DivisionTarget(unit_id=b)]),
        lambda: app.divide_unit(d, [DivisionTarget(unit_id=gone, is_default=True),
                                    DivisionTarget(unit_id=b)]),
        lambda: app.register_unit(NewUnitSpec("Cơ quan", "agency", parent_id=gone)),
    ):
        error = refused(app, FailedPrecondition, "UNIT_RETIRED", command)
        assert error.metadata["unit_id"] == gone


def test_a_unit_is_never_its_own_successor(app: IdentityApplication, province: UUID) -> None:
    a = str(commune(app, province, "Xã A", "20001"))
    b = str(commune(app, province, "Xã B", "20002"))

    for command in (
        lambda: app.merge_units([a, b], successor_id=a),
        lambda: app.divide_unit(a, [DivisionTarget(unit_id=a, is_default=True),
                                    DivisionTarget(unit_id=b)]),
        lambda: app.dissolve_unit(a, a),
    ):
        error = refused(app, FailedPrecondition, "LINEAGE_CYCLE", command)
        assert error.metadata["unit_id"] == a


def test_lineage_links_units_of_compatible_levels(
        app: IdentityApplication, province: UUID) -> None:
    other = app.register_unit(NewUnitSpec("Tỉnh Khác", "province", administrative_unit_code="50"))
    a = str(commune(app, province, "Xã A", "20001"))
    b = str(commune(app, province, "Xã B", "20002"))

    into_province = refused(app, FailedPrecondition, "LEVEL_MISMATCH",
                            lambda: app.merge_units([a], successor_id=str(other)))
    province_into_commune = refused(app, FailedPrecondition, "LEVEL_MISMATCH",
                                    lambda: app.merge_units([str(other)], successor_id=b))
    divided_into_province = refused(app, FailedPrecondition, "LEVEL_MISMATCH",
                                    lambda: app.divide_unit(a, [
                                        DivisionTarget(unit_id=b, is_default=True),
                                        DivisionTarget(unit_id=str(other))]))
    new_province_for_communes = refused(
        app, FailedPrecondition, "LEVEL_MISMATCH", lambda: app.merge_units(
            [a, b], new_successor=NewUnitSpec("Tỉnh Mới", "province",
                                              administrative_unit_code="51")))

    assert into_province.metadata["unit_id"] == a
    assert province_into_commune.metadata["unit_id"] == str(other)
    assert divided_into_province.metadata["unit_id"] == a
    assert new_province_for_communes.metadata["unit_id"] == a


def test_a_retired_units_codes_are_locked_for_ever(
        app: IdentityApplication, province: UUID, reform: dict[str, UUID]) -> None:
    for name, code, agency in [("A", "20001", "000.00.09.H49"), ("C", "20003", "000.00.09.H49"),
                               ("X", "20009", "000.00.01.H49"), ("Y", "20009", "000.00.03.H49")]:
        expected = "AGENCY_CODE_LOCKED" if name in "XY" else "ADMINISTRATIVE_CODE_LOCKED"
        error = refused(app, FailedPrecondition, expected, lambda n=name, c=code, a=agency:
                        commune(app, province, f"Xã {n} Mới", c, a))
        holder = reform["A"] if name in "AX" else reform["C"]
        assert error.metadata["holder_unit_id"] == str(holder)


def test_a_locked_code_is_not_carried_on_by_a_unit_that_did_not_replace_its_holder(
        app: IdentityApplication, province: UUID, reform: dict[str, UUID]) -> None:
    d, b = str(reform["D"]), str(reform["B"])

    refused(app, FailedPrecondition, "ADMINISTRATIVE_CODE_LOCKED", lambda: app.merge_units(
        [d, b], new_successor=NewUnitSpec("Xã Mới", "commune", administrative_unit_code="20001",
                                          parent_id=str(province))))


def test_a_code_in_use_is_not_issued_twice(app: IdentityApplication, province: UUID) -> None:
    holder = commune(app, province, "Xã A", "20001", "000.00.01.H49")

    admin = refused(app, AlreadyExists, "ADMINISTRATIVE_CODE_IN_USE",
                    lambda: commune(app, province, "Xã Khác", "20001"))
    agency = refused(app, AlreadyExists, "AGENCY_CODE_IN_USE",
                     lambda: commune(app, province, "Xã Khác", "20009", "000.00.01.H49"))
    province_agency = refused(app, AlreadyExists, "AGENCY_CODE_IN_USE", lambda: app.register_unit(
        NewUnitSpec("Tỉnh Khác", "province", administrative_unit_code="50",
                    agency_code="000.00.00.H49")))

    assert admin.metadata["holder_unit_id"] == str(holder)
    assert agency.metadata["holder_unit_id"] == str(holder)
    assert province_agency.metadata["holder_unit_id"] == str(province)


def test_a_code_in_use_is_not_taken_by_a_merge_successor_unless_a_source_held_it(
        app: IdentityApplication, province: UUID) -> None:
    a = str(commune(app, province, "Xã A", "20001"))
    b = str(commune(app, province, "Xã B", "20002"))
    commune(app, province, "Xã Hàng Xóm", "20003")

    refused(app, AlreadyExists, "ADMINISTRATIVE_CODE_IN_USE", lambda: app.merge_units(
        [a, b], new_successor=NewUnitSpec("Xã Mới", "commune", administrative_unit_code="20003",
                                          parent_id=str(province))))


def test_an_agency_code_must_be_issued_directly_under_the_parents_code(
        app: IdentityApplication, province: UUID) -> None:
    for code in ("000.05.12.H49",  # two levels below the province
                 "000.00.12.H50",  # under another province
                 "000.00.00.H49"):  # the province's own code (and a level too high)
        error = refused(app, InvalidArgument, "AGENCY_CODE_NOT_UNDER_PARENT",
                        lambda c=code: commune(app, province, "Xã Tam Xuân", "20194", c))
        assert violations(error) == [("agency_code", "AGENCY_CODE_NOT_UNDER_PARENT")]

    # Directly under the parent's code is fine.
    assert commune(app, province, "Xã Tam Xuân", "20194", "000.00.12.H49")


def test_two_new_units_of_one_division_cannot_share_an_agency_code(
        app: IdentityApplication, province: UUID) -> None:
    a = str(commune(app, province, "Xã A", "20001"))

    def new_unit(name: str, code: str) -> NewUnitSpec:
        return NewUnitSpec(name, "commune", administrative_unit_code=code,
                           agency_code="000.00.09.H49", parent_id=str(province))

    written = app.recorder.max_notification_id()

    with pytest.raises((AlreadyExists, InvalidArgument)) as error:
        app.divide_unit(a, [
            DivisionTarget(new_unit=new_unit("Xã A1", "20011"), is_default=True),
            DivisionTarget(new_unit=new_unit("Xã A2", "20012")),
        ])

    assert "AGENCY_CODE" in error.value.reason
    assert error.value.metadata["field"].endswith("agency_code")
    assert app.recorder.max_notification_id() == written


# -- request ids (AIP-155) -----------------------------------------------------------

def test_a_retried_registration_returns_the_first_answer_and_writes_nothing(
        app: IdentityApplication, province: UUID) -> None:
    spec = NewUnitSpec("Xã A", "commune", administrative_unit_code="20001",
                       parent_id=str(province))
    first = app.register_unit(spec, request_id="req-1", effective_date=REFORM)
    written = app.recorder.max_notification_id()

    again = app.register_unit(spec, request_id="req-1", effective_date=REFORM)

    assert again == first
    assert app.recorder.max_notification_id() == written
    assert app.get_unit(first).version == 1


def test_every_command_answers_a_retry_as_it_answered_the_first_time(
        app: IdentityApplication, province: UUID) -> None:
    a, b, c, d, e = (str(commune(app, province, f"Xã {n}", f"2000{i}"))
                     for i, n in enumerate("ABCDE", start=1))
    new = NewUnitSpec("Xã Mới", "commune", administrative_unit_code="20001",
                      parent_id=str(province))
    targets = [DivisionTarget(unit_id=e, is_default=True), DivisionTarget(unit_id=b)]
    commands: list[Callable[[], Any]] = [
        lambda: app.rename_unit(b, "Xã B Mới", request_id="r-rename"),
        lambda: app.merge_units([a], new_successor=new, effective_date=REFORM,
                                request_id="r-merge"),
        lambda: app.divide_unit(d, targets, request_id="r-divide"),
        lambda: app.dissolve_unit(c, b, request_id="r-dissolve"),
    ]
    for command in commands:
        first = command()
        written = app.recorder.max_notification_id()
        assert command() == first
        assert app.recorder.max_notification_id() == written


def test_a_request_id_reused_for_a_different_request_is_refused(
        app: IdentityApplication, province: UUID) -> None:
    app.register_unit(NewUnitSpec("Xã A", "commune", administrative_unit_code="20001",
                                  parent_id=str(province)), request_id="req-1")
    a = app.resolve_unit("20001").named.unit_id

    other_payload = refused(app, InvalidArgument, "REQUEST_ID_REUSED", lambda: app.register_unit(
        NewUnitSpec("Xã B", "commune", administrative_unit_code="20002",
                    parent_id=str(province)), request_id="req-1"))
    other_method = refused(app, InvalidArgument, "REQUEST_ID_REUSED",
                           lambda: app.rename_unit(str(a), "Xã A Mới", request_id="req-1"))

    assert violations(other_payload) == [("request_id", "REQUEST_ID_REUSED")]
    assert violations(other_method) == [("request_id", "REQUEST_ID_REUSED")]
    assert app.get_unit(a).display_name == "Xã A"


def test_an_unprintable_or_overlong_request_id_is_refused(app: IdentityApplication) -> None:
    spec = NewUnitSpec("Tỉnh X", "province", administrative_unit_code="77")

    for request_id in ("x" * 129, "line\nbreak"):
        error = refused(app, InvalidArgument, "REQUEST_ID_FORMAT",
                        lambda r=request_id: app.register_unit(spec, request_id=r))
        assert violations(error) == [("request_id", "REQUEST_ID_FORMAT")]


def test_a_refused_request_can_be_retried_once_the_problem_is_fixed(
        app: IdentityApplication, province: UUID) -> None:
    bad = NewUnitSpec("Xã A", "commune", administrative_unit_code="2001",
                      parent_id=str(province))
    good = NewUnitSpec("Xã A", "commune", administrative_unit_code="20001",
                       parent_id=str(province))
    refused(app, InvalidArgument, "ADMINISTRATIVE_CODE_FORMAT",
            lambda: app.register_unit(bad, request_id="req-1"))

    unit = app.register_unit(good, request_id="req-1")

    assert app.get_unit(unit).administrative_unit_code == "20001"


def test_a_merge_cannot_form_its_successor_under_a_unit_it_retires(
        app: IdentityApplication, province: UUID) -> None:
    districts = [str(app.register_unit(NewUnitSpec(f"Huyện {n}", "rural_district",
                                                   administrative_unit_code=f"70{n}",
                                                   parent_id=str(province))))
                 for n in (1, 2)]

    with pytest.raises(LienthongError) as error:
        app.merge_units(districts, new_successor=NewUnitSpec(
            "Xã Mới", "commune", administrative_unit_code="70001", parent_id=districts[0]))

    assert error.value.reason in ("UNIT_RETIRED", "PARENT_RETIRED", "LINEAGE_CYCLE")
