"""The procedure catalogue: procedures, their versions over time, and every refusal."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest

from lienthong.errors import (
    AlreadyExists,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
)
from lienthong.idempotency import IdempotentApplication
from lienthong.services.dossiers.catalog import CatalogCommands, ProcedureIndex
from lienthong.services.dossiers.domain.procedure import (
    Procedure,
    ProcedureVersion,
    ProcedureVersionSpec,
    RequiredDocument,
)
from lienthong.testing.refusals import refused, violations

REFORM = dt.date(2025, 7, 1)
#: Registering a birth (đăng ký khai sinh): a commune procedure before and after the reform.
BIRTH = "1.001193"
#: First-time land-use right certificate: the district's until 30 June 2025, then the commune's.
LAND = "1.004227"


class App(CatalogCommands, IdempotentApplication):
    """The catalogue alone, in memory, on a fixed day."""

    def __init__(self, today: dt.date = dt.date(2025, 8, 15)) -> None:
        super().__init__("memory:")
        self._today = today
        self._init_catalog()

    def today(self) -> dt.date:
        return self._today


def land_v1(**changes: Any) -> ProcedureVersionSpec:
    spec = ProcedureVersionSpec(
        effective_date=dt.date(2024, 8, 1),
        name="Đăng ký đất đai, tài sản gắn liền với đất, cấp Giấy chứng nhận quyền sử dụng "
             "đất, quyền sở hữu tài sản gắn liền với đất lần đầu",
        sector="Đất đai",
        competent_level="province",
        competent_agency_kind="land registration office",
        processing_working_days=20,
        required_documents=(
            RequiredDocument("Đơn đăng ký, cấp Giấy chứng nhận (Mẫu số 04/ĐK)", 1, True),
            RequiredDocument("Giấy tờ về quyền sử dụng đất", 1, False),
        ),
        fee_vnd=100_000,
        result_document_type="Giấy chứng nhận quyền sử dụng đất",
        boundary_policy="competent_unit_only",
    )
    return dataclasses.replace(spec, **changes)


def land_v2(**changes: Any) -> ProcedureVersionSpec:
    """After the reform: decided by the commune's people's committee, in fewer days."""
    return land_v1(**{"effective_date": REFORM, "competent_level": "commune",
                      "competent_agency_kind": "people's committee",
                      "processing_working_days": 15, **changes})


def birth_v1(**changes: Any) -> ProcedureVersionSpec:
    return land_v1(**{
        "effective_date": dt.date(2020, 1, 1), "name": "Đăng ký khai sinh",
        "sector": "Hộ tịch", "competent_level": "commune",
        "competent_agency_kind": "people's committee", "processing_working_days": 1,
        "required_documents": (RequiredDocument("Tờ khai đăng ký khai sinh", 1, True),),
        "fee_vnd": 0, "result_document_type": "Giấy khai sinh",
        "boundary_policy": "anywhere_in_country", **changes})


@pytest.fixture
def app() -> App:
    return App()


@pytest.fixture
def land(app: App) -> str:
    app.create_procedure(LAND, land_v1())
    app.add_procedure_version(LAND, land_v2())
    return LAND


# -- procedures and their versions ---------------------------------------------------

def test_a_created_procedure_has_its_first_version(app: App) -> None:
    code = app.create_procedure(f" {LAND} ", land_v1(name="  Đăng ký   đất đai "),
                                reason="Quyết định công bố thủ tục hành chính")

    procedure = app.get_procedure(LAND)
    assert code == LAND == procedure.procedure_code
    [first] = procedure.versions
    assert first == ProcedureVersion.numbered(1, land_v1(name="Đăng ký đất đai"))
    assert app.procedure_version(LAND, 1) == first


def test_versions_are_numbered_in_order_and_stored_as_plain_values(app: App,
                                                                   land: str) -> None:
    assert app.add_procedure_version(land, land_v2(effective_date=dt.date(2026, 1, 1),
                                                   fee_vnd=0)) == 3

    events = list(app.events.get(Procedure.create_id(land)))
    assert [type(e).__name__ for e in events] == ["Created", "VersionAdded", "VersionAdded"]
    assert events[1].version["effective_date"] == REFORM
    assert events[1].version["required_documents"][0] == {
        "name": "Đơn đăng ký, cấp Giấy chứng nhận (Mẫu số 04/ĐK)", "copies": 1,
        "original_required": True}
    assert [v.version for v in app.get_procedure(land).versions] == [1, 2, 3]
    assert app.procedure_version(land, 3).fee_vnd == 0


def test_the_version_in_force_changes_on_the_reform_day(app: App, land: str) -> None:
    procedure = app.get_procedure(land)

    before = procedure.version_on(dt.date(2025, 6, 30))
    after = procedure.version_on(REFORM)
    assert (before.version, before.competent_level, before.processing_working_days) == (
        1, "province", 20)
    assert (after.version, after.competent_level, after.competent_agency_kind) == (
        2, "commune", "people's committee")
    assert procedure.version_on(dt.date(2030, 1, 1)) == after


def test_no_version_is_in_force_before_the_first(app: App, land: str) -> None:
    procedure = app.get_procedure(land)

    with pytest.raises(FailedPrecondition) as error:
        procedure.version_on(dt.date(2024, 7, 31))

    assert error.value.reason == "NO_VERSION_IN_FORCE"
    assert error.value.metadata["first_effective_date"] == "2024-08-01"
    assert procedure.version_in_force(dt.date(2024, 7, 31)) is None


def test_a_version_must_take_effect_after_the_latest(app: App, land: str) -> None:
    error = refused(app, FailedPrecondition, "VERSION_NOT_LATER",
                    lambda: app.add_procedure_version(land, land_v2()))

    assert error.metadata["latest_version"] == "2"
    refused(app, FailedPrecondition, "VERSION_NOT_LATER", lambda: app.add_procedure_version(
        land, land_v2(effective_date=dt.date(2025, 1, 1))))


def test_a_code_names_one_procedure_for_ever(app: App, land: str) -> None:
    error = refused(app, AlreadyExists, "PROCEDURE_ALREADY_EXISTS",
                    lambda: app.create_procedure(land, birth_v1()))

    assert error.metadata["procedure_code"] == land


def test_unknown_procedures_and_versions_are_not_found(app: App, land: str) -> None:
    with pytest.raises(NotFound) as error:
        app.get_procedure("2.002154")
    assert (error.value.reason, error.value.resource_id) == ("PROCEDURE_NOT_FOUND", "2.002154")
    refused(app, NotFound, "PROCEDURE_NOT_FOUND",
            lambda: app.add_procedure_version("2.002154", land_v2()))
    for number in (0, 3):
        with pytest.raises(NotFound) as error:
            app.procedure_version(land, number)
        assert error.value.reason == "PROCEDURE_VERSION_NOT_FOUND"


# -- request ids -----------------------------------------------------------------------

def test_a_retried_request_answers_as_the_first_and_writes_nothing(app: App) -> None:
    assert app.create_procedure(LAND, land_v1(), request_id="create-land") == LAND
    assert app.add_procedure_version(LAND, land_v2(), request_id="v2-land") == 2
    written = app.recorder.max_notification_id()

    assert app.create_procedure(LAND, land_v1(), request_id="create-land") == LAND
    assert app.add_procedure_version(LAND, land_v2(), request_id="v2-land") == 2
    assert app.recorder.max_notification_id() == written
    assert len(app.get_procedure(LAND).versions) == 2


def test_a_request_id_cannot_be_reused_for_another_request(app: App) -> None:
    app.create_procedure(LAND, land_v1(), request_id="req-1")

    error = refused(app, InvalidArgument, "REQUEST_ID_REUSED",
                    lambda: app.create_procedure(BIRTH, birth_v1(), request_id="req-1"))
    assert violations(error) == [("request_id", "REQUEST_ID_REUSED")]
    refused(app, InvalidArgument, "REQUEST_ID_REUSED", lambda: app.create_procedure(
        LAND, land_v1(fee_vnd=1), request_id="req-1"))


def test_events_carry_who_asked_and_why(app: App) -> None:
    app.create_procedure(LAND, land_v1(), request_id="create-land", reason="QĐ 1234/QĐ-BNNMT")

    [created] = app.events.get(Procedure.create_id(LAND))
    assert created.metadata["request_id"] == "create-land"
    assert created.metadata["reason"] == "QĐ 1234/QĐ-BNNMT"


# -- every rule of a version -----------------------------------------------------------

@pytest.mark.parametrize("code", ["", "  ", "1004227", "1.00422", "1.0042271", "A.004227",
                                  "1.004227a", "1.004 227", "1.٠٠٤٢٢٧"])
def test_a_procedure_code_is_a_national_code(app: App, code: str) -> None:
    rule = "REQUIRED" if not code.strip() else "PROCEDURE_CODE_FORMAT"

    error = refused(app, InvalidArgument, rule, lambda: app.create_procedure(code, land_v1()))

    assert violations(error) == [("procedure_code", rule)]


@pytest.mark.parametrize(("changes", "field", "rule"), [
    ({"effective_date": None}, "effective_date", "REQUIRED"),
    ({"name": " \t"}, "name", "REQUIRED"),
    ({"name": "x" * 501}, "name", "TOO_LONG"),
    ({"sector": ""}, "sector", "REQUIRED"),
    ({"sector": "x" * 201}, "sector", "TOO_LONG"),
    ({"competent_level": ""}, "competent_level", "REQUIRED"),
    ({"competent_level": "district"}, "competent_level", "ENUM_VALUE"),
    ({"competent_agency_kind": ""}, "competent_agency_kind", "REQUIRED"),
    ({"processing_working_days": 0}, "processing_working_days", "POSITIVE_REQUIRED"),
    ({"processing_working_days": -3}, "processing_working_days", "POSITIVE_REQUIRED"),
    ({"required_documents": (RequiredDocument(""),)}, "required_documents[0].name",
     "REQUIRED"),
    ({"required_documents": (RequiredDocument("Tờ khai"), RequiredDocument("tờ  khai "))},
     "required_documents[1].name", "DUPLICATE_DOCUMENT"),
    ({"required_documents": (RequiredDocument("Tờ khai", copies=-1),)},
     "required_documents[0].copies", "NON_NEGATIVE_REQUIRED"),
    ({"fee_vnd": -1}, "fee_vnd", "NON_NEGATIVE_REQUIRED"),
    ({"result_document_type": ""}, "result_document_type", "REQUIRED"),
    ({"boundary_policy": ""}, "boundary_policy", "REQUIRED"),
    ({"boundary_policy": "anywhere"}, "boundary_policy", "ENUM_VALUE"),
])
def test_each_rule_of_a_version_names_its_field(app: App, land: str, changes: dict[str, Any],
                                                field: str, rule: str) -> None:
    error = refused(app, InvalidArgument, rule,
                    lambda: app.create_procedure(BIRTH, birth_v1(**changes)))
    assert violations(error) == [(f"first_version.{field}", rule)]

    error = refused(app, InvalidArgument, rule, lambda: app.add_procedure_version(
        land, land_v2(**{"effective_date": dt.date(2026, 1, 1), **changes})))
    assert violations(error) == [(f"version.{field}", rule)]


def test_every_broken_rule_of_a_request_is_reported_at_once(app: App) -> None:
    spec = birth_v1(effective_date=None, name="", competent_level="district",
                    processing_working_days=0, fee_vnd=-5, boundary_policy="")

    error = refused(app, InvalidArgument, "PROCEDURE_CODE_FORMAT",
                    lambda: app.create_procedure("1.1", spec))

    assert violations(error) == [
        ("procedure_code", "PROCEDURE_CODE_FORMAT"),
        ("first_version.effective_date", "REQUIRED"),
        ("first_version.name", "REQUIRED"),
        ("first_version.competent_level", "ENUM_VALUE"),
        ("first_version.processing_working_days", "POSITIVE_REQUIRED"),
        ("first_version.fee_vnd", "NON_NEGATIVE_REQUIRED"),
        ("first_version.boundary_policy", "REQUIRED"),
    ]


def test_zero_copies_means_one_and_a_free_procedure_is_allowed(app: App) -> None:
    app.create_procedure(BIRTH, birth_v1(required_documents=(RequiredDocument("Tờ khai", 0),)))

    version = app.procedure_version(BIRTH, 1)
    assert version.required_documents == (RequiredDocument("Tờ khai", 1, False),)
    assert version.fee_vnd == 0


# -- listing ---------------------------------------------------------------------------

def test_list_filters_on_the_version_in_force_today(land: str) -> None:
    before_reform, after_reform = App(dt.date(2025, 6, 30)), App(REFORM)
    for app in (before_reform, after_reform):
        app.create_procedure(BIRTH, birth_v1())
        app.create_procedure(LAND, land_v1())
        app.add_procedure_version(LAND, land_v2())

    def codes(app: App, **filters: str) -> list[str]:
        return [p.procedure_code for p in app.list_procedures(**filters)[0]]

    assert codes(before_reform) == [BIRTH, LAND]
    assert codes(before_reform, competent_level="province") == [LAND]
    assert codes(after_reform, competent_level="province") == []
    assert codes(after_reform, competent_level="commune") == [BIRTH, LAND]
    assert codes(after_reform, sector=" đất  ĐAI") == [LAND]


def test_a_procedure_not_yet_in_force_is_listed_by_its_first_version() -> None:
    app = App(dt.date(2019, 12, 31))
    app.create_procedure(BIRTH, birth_v1())

    [procedure], _ = app.list_procedures(competent_level="commune")
    assert procedure.version_in_force(app.today()) is None


def test_list_pages_in_code_order_with_an_opaque_token(app: App) -> None:
    codes = ["2.002154", "1.004227", "1.001193", "10.000001", "1.000046"]
    for code in codes:
        app.create_procedure(code, birth_v1())

    first, token = app.list_procedures(size=2)
    second, token2 = app.list_procedures(size=2, token=token)
    third, end = app.list_procedures(size=2, token=token2)

    listed = [p.procedure_code for p in first + second + third]
    assert listed == ["1.000046", "1.001193", "1.004227", "2.002154", "10.000001"]
    assert end == ""
    with pytest.raises(InvalidArgument) as error:
        app.list_procedures(size=2, token=token, sector="Hộ tịch")
    assert error.value.reason == "PAGE_TOKEN_MISMATCH"
    with pytest.raises(InvalidArgument) as error:
        app.list_procedures(competent_level="district")
    assert violations(error.value) == [("competent_level", "ENUM_VALUE")]


def test_a_second_index_on_the_same_log_sees_writes_when_it_catches_up(app: App) -> None:
    elsewhere = ProcedureIndex.of(app)  # as another process following the same store
    app.create_procedure(LAND, land_v1(), request_id="create-land")
    app.add_procedure_version(LAND, land_v2())

    assert elsewhere.catch_up() == 2  # the request record is not read, only skipped
    assert elsewhere.position == app.recorder.max_notification_id()
    [procedure] = elsewhere.list(sector="", competent_level="commune", day=REFORM)
    assert procedure.versions == app.get_procedure(LAND).versions
    assert elsewhere.catch_up() == 0


def test_the_index_follows_every_event_of_a_procedure() -> None:
    events = {v for v in vars(Procedure).values()
              if isinstance(v, type) and issubclass(v, Procedure.Event)
              and v is not Procedure.Event}

    assert events == set(ProcedureIndex.follows)
