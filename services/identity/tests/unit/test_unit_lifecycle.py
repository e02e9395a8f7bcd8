"""Small stories of units from registration to retirement, on the in-memory store."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pytest

from lienthong.audit import audit_scope
from lienthong.errors import InvalidArgument
from lienthong.services.identity.application import (
    DivisionTarget,
    IdentityApplication,
    NewUnitSpec,
)
from lienthong.services.identity.domain.codes import Level
from lienthong.services.identity.domain.unit import Kind
from lienthong.services.identity.projections import UnitFilter

if TYPE_CHECKING:
    from uuid import UUID

REFORM = dt.date(2025, 7, 1)
BEFORE = dt.date(2025, 6, 30)


@pytest.fixture
def app() -> IdentityApplication:
    return IdentityApplication()


@pytest.fixture
def hanoi(app: IdentityApplication) -> UUID:
    return app.register_unit(NewUnitSpec(
        "Thành phố Hà Nội", "municipality", administrative_unit_code="01",
        agency_code="000.00.00.H26"))


def ward(app: IdentityApplication, parent: UUID, name: str, code: str, agency_code: str = "",
         kind: str = "ward") -> UUID:
    return app.register_unit(NewUnitSpec(name, kind, administrative_unit_code=code,
                                         agency_code=agency_code, parent_id=str(parent)))


def names(units: list) -> list[str]:
    return [u.display_name for u in units]


# -- registering and renaming --------------------------------------------------------

def test_a_province_and_a_commune_are_registered_with_their_codes(
        app: IdentityApplication) -> None:
    province = app.register_unit(NewUnitSpec(
        "Tỉnh Quảng Nam", "province", level="province", administrative_unit_code="49",
        agency_code="000.00.00.H49"), effective_date=dt.date(1997, 1, 1))
    commune = app.register_unit(NewUnitSpec(
        "Xã Tam Xuân", "commune", administrative_unit_code="20194",
        agency_code="000.00.12.H49", parent_id=str(province)))

    p = app.get_unit(province)
    assert (p.display_name, p.level, p.kind) == ("Tỉnh Quảng Nam", Level.PROVINCE, Kind.PROVINCE)
    assert (p.administrative_unit_code, p.agency_code) == ("49", "000.00.00.H49")
    assert (p.parent_id, p.province_id, p.status) == (None, None, "active")
    assert p.effective_date == dt.date(1997, 1, 1)
    assert p.version == 1
    c = app.get_unit(str(commune))
    assert (c.level, c.kind, c.parent_id, c.province_id) == (
        Level.COMMUNE, Kind.COMMUNE, province, province)
    assert (c.administrative_unit_code, c.agency_code) == ("20194", "000.00.12.H49")
    assert app.resolve_unit("20194").named.unit_id == commune
    assert app.resolve_unit("000.00.12.H49").named.unit_id == commune


def test_a_name_is_stored_trimmed_and_in_nfc(app: IdentityApplication, hanoi: UUID) -> None:
    decomposed = "Phu\u031bo\u031b\u0300ng  Ba   Đình "  # "Phường" written in NFD, loose spaces
    unit = ward(app, hanoi, decomposed, "00004")

    assert app.get_unit(unit).display_name == "Phường Ba Đình"


def test_a_renamed_unit_keeps_its_codes_and_the_old_name_stays_in_the_chain(
        app: IdentityApplication, hanoi: UUID) -> None:
    unit = ward(app, hanoi, "Phường Phúc Xá", "00001", "000.00.01.H26")

    app.rename_unit(str(unit), "Phường Phúc Xá Mới", effective_date=REFORM)

    view = app.get_unit(unit)
    assert view.display_name == "Phường Phúc Xá Mới"
    assert view.administrative_unit_code == "00001"
    assert view.version == 2
    meant_before = app.resolve_unit("00001", BEFORE)
    assert meant_before.named.unit_id == unit
    assert [(c.kind, c.display_name, c.effective_date) for c in meant_before.chain] == [
        ("renamed", "Phường Phúc Xá Mới", REFORM)]
    assert app.resolve_unit("00001", REFORM).chain == []


def test_renaming_a_unit_to_its_own_name_records_nothing(
        app: IdentityApplication, hanoi: UUID) -> None:
    unit = ward(app, hanoi, "Phường Phúc Xá", "00001")
    before = app.recorder.max_notification_id()

    app.rename_unit(str(unit), " Phường  Phúc Xá ")

    assert app.get_unit(unit).version == 1
    assert [h.event_type for h in app.unit_history(str(unit))] == ["Registered"]
    assert app.recorder.max_notification_id() == before


# -- merging -------------------------------------------------------------------------

def test_two_wards_merge_into_a_new_ward_that_carries_on_one_of_their_codes(
        app: IdentityApplication, hanoi: UUID) -> None:
    phuc_xa = ward(app, hanoi, "Phường Phúc Xá", "00001", "000.00.01.H26")
    truc_bach = ward(app, hanoi, "Phường Trúc Bạch", "00004", "000.00.02.H26")

    successor, sources = app.merge_units(
        [str(phuc_xa), str(truc_bach)],
        new_successor=NewUnitSpec("Phường Ba Đình", "ward", administrative_unit_code="00004",
                                  agency_code="000.00.03.H26", parent_id=str(hanoi)),
        effective_date=REFORM)

    assert sources == [phuc_xa, truc_bach]
    new = app.get_unit(successor)
    assert (new.display_name, new.administrative_unit_code, new.status) == (
        "Phường Ba Đình", "00004", "active")
    assert set(new.predecessor_ids) == {phuc_xa, truc_bach}
    assert new.effective_date == REFORM
    for source in sources:
        old = app.get_unit(source)
        assert (old.status, old.retired_date) == ("merged", REFORM)
        assert [(s.unit_id, s.is_default) for s in old.successors] == [(successor, True)]
    # The old units keep the codes they held, for the record.
    assert app.get_unit(truc_bach).administrative_unit_code == "00004"


def test_a_code_carried_on_names_the_old_unit_before_the_effective_date_and_the_new_one_after(
        app: IdentityApplication, hanoi: UUID) -> None:
    phuc_xa = ward(app, hanoi, "Phường Phúc Xá", "00001")
    truc_bach = ward(app, hanoi, "Phường Trúc Bạch", "00004")
    successor, _ = app.merge_units(
        [str(phuc_xa), str(truc_bach)],
        new_successor=NewUnitSpec("Phường Ba Đình", "ward", administrative_unit_code="00004",
                                  parent_id=str(hanoi)),
        effective_date=REFORM)

    meant_before = app.resolve_unit("00004", BEFORE)
    assert meant_before.named.unit_id == truc_bach
    assert [u.unit_id for u in meant_before.current] == [successor]
    assert meant_before.default_unit_id == successor
    assert [(c.kind, c.unit_id, c.effective_date) for c in meant_before.chain] == [
        ("merged", truc_bach, REFORM)]

    for as_of in (REFORM, dt.date(2026, 1, 1), None):
        meant_after = app.resolve_unit("00004", as_of)
        assert meant_after.named.unit_id == successor
        assert [u.unit_id for u in meant_after.current] == [successor]
        assert meant_after.chain == []

    # The code nobody carried on still leads to the successor, whatever the day.
    for as_of in (BEFORE, None):
        resolved = app.resolve_unit("00001", as_of)
        assert resolved.named.unit_id == phuc_xa
        assert resolved.default_unit_id == successor


def test_a_ward_merged_into_an_existing_ward_leaves_that_ward_its_own_codes(
        app: IdentityApplication, hanoi: UUID) -> None:
    absorbed = ward(app, hanoi, "Phường Quán Thánh", "00010", "000.00.05.H26")
    keeper = ward(app, hanoi, "Phường Điện Biên", "00011", "000.00.06.H26")

    successor, sources = app.merge_units([str(absorbed)], successor_id=str(keeper),
                                         effective_date=REFORM)

    assert (successor, sources) == (keeper, [absorbed])
    kept = app.get_unit(keeper)
    assert (kept.display_name, kept.administrative_unit_code, kept.agency_code) == (
        "Phường Điện Biên", "00011", "000.00.06.H26")
    assert kept.predecessor_ids == [absorbed]
    assert kept.version == 2
    assert app.get_unit(absorbed).status == "merged"
    for code in ("00010", "000.00.05.H26"):
        resolved = app.resolve_unit(code)
        assert resolved.named.unit_id == absorbed
        assert resolved.default_unit_id == keeper
        assert [(c.kind, c.unit_id) for c in resolved.chain] == [("merged", absorbed)]


def test_an_old_agency_code_always_names_the_old_unit_and_leads_to_its_successor(
        app: IdentityApplication, hanoi: UUID) -> None:
    old = ward(app, hanoi, "Phường Phúc Xá", "00001", "000.00.01.H26")
    other = ward(app, hanoi, "Phường Trúc Bạch", "00004", "000.00.02.H26")
    successor, _ = app.merge_units(
        [str(old), str(other)],
        new_successor=NewUnitSpec("Phường Ba Đình", "ward", administrative_unit_code="00004",
                                  agency_code="000.00.03.H26", parent_id=str(hanoi)),
        effective_date=REFORM)

    for as_of in (BEFORE, REFORM, None):
        resolved = app.resolve_unit("000.00.01.H26", as_of)
        assert resolved.named.unit_id == old
        assert [u.unit_id for u in resolved.current] == [successor]
        assert resolved.default_unit_id == successor
        assert [c.kind for c in resolved.chain] == ["merged"]
    assert app.resolve_unit("000.00.03.H26").named.unit_id == successor


# -- dividing and dissolving ---------------------------------------------------------

def test_a_divided_commune_resolves_to_all_its_successors_with_the_default_marked(
        app: IdentityApplication, hanoi: UUID) -> None:
    divided = ward(app, hanoi, "Xã Tây Tựu", "09877", "000.00.20.H26", kind="commune")
    existing = ward(app, hanoi, "Xã Thượng Cát", "09880", kind="commune")

    default, successors = app.divide_unit(str(divided), [
        DivisionTarget(unit_id=str(existing)),
        DivisionTarget(new_unit=NewUnitSpec("Phường Tây Tựu", "ward",
                                            administrative_unit_code="09877",
                                            parent_id=str(hanoi)), is_default=True),
    ], effective_date=REFORM)

    assert successors[0] == existing
    assert default == successors[1]
    source = app.get_unit(divided)
    assert (source.status, source.retired_date) == ("divided", REFORM)
    assert [(s.unit_id, s.is_default) for s in source.successors] == [
        (existing, False), (default, True)]
    assert app.get_unit(existing).predecessor_ids == [divided]
    assert app.get_unit(default).predecessor_ids == [divided]

    resolved = app.resolve_unit("000.00.20.H26")
    assert resolved.named.unit_id == divided
    assert {u.unit_id for u in resolved.current} == {existing, default}
    assert resolved.default_unit_id == default
    [change] = resolved.chain
    assert change.kind == "divided"
    assert {(s.unit_id, s.is_default) for s in change.successors} == {
        (existing, False), (default, True)}
    # The divided commune's code went on with the default successor from the reform.
    assert app.resolve_unit("09877", BEFORE).named.unit_id == divided
    assert app.resolve_unit("09877", REFORM).named.unit_id == default


def test_a_dissolved_unit_hands_its_records_to_the_unit_named(
        app: IdentityApplication, hanoi: UUID) -> None:
    dissolved = ward(app, hanoi, "Xã Đảo Nhỏ", "09990", "000.00.30.H26", kind="commune")
    heir = ward(app, hanoi, "Xã Ven Biển", "09991", kind="commune")

    assert app.dissolve_unit(str(dissolved), str(heir), effective_date=REFORM) == dissolved

    gone = app.get_unit(dissolved)
    assert (gone.status, gone.retired_date) == ("dissolved", REFORM)
    assert [(s.unit_id, s.is_default) for s in gone.successors] == [(heir, True)]
    assert app.get_unit(heir).predecessor_ids == [dissolved]
    resolved = app.resolve_unit("09990")
    assert resolved.default_unit_id == heir
    assert [(c.kind, c.unit_id) for c in resolved.chain] == [("dissolved", dissolved)]


def test_the_chain_follows_several_changes_oldest_first_and_the_default_successors(
        app: IdentityApplication, hanoi: UUID) -> None:
    first = ward(app, hanoi, "Phường Một", "00100")
    second = ward(app, hanoi, "Phường Hai", "00101")
    merged, _ = app.merge_units(
        [str(first), str(second)],
        new_successor=NewUnitSpec("Phường Hợp Nhất", "ward", administrative_unit_code="00102",
                                  parent_id=str(hanoi)),
        effective_date=REFORM)
    later = dt.date(2026, 3, 1)
    default, successors = app.divide_unit(str(merged), [
        DivisionTarget(new_unit=NewUnitSpec("Phường Bắc", "ward", administrative_unit_code="00103",
                                            parent_id=str(hanoi))),
        DivisionTarget(new_unit=NewUnitSpec("Phường Nam", "ward", administrative_unit_code="00104",
                                            parent_id=str(hanoi)), is_default=True),
    ], effective_date=later)

    resolved = app.resolve_unit("00100", BEFORE)

    assert resolved.named.unit_id == first
    assert [(c.kind, c.unit_id, c.effective_date) for c in resolved.chain] == [
        ("merged", first, REFORM), ("divided", merged, later)]
    assert {u.unit_id for u in resolved.current} == set(successors)
    assert resolved.default_unit_id == default
    assert app.get_unit(default).display_name == "Phường Nam"


# -- history -------------------------------------------------------------------------

def test_the_history_says_who_did_what_on_whose_authority_and_why(
        app: IdentityApplication, hanoi: UUID) -> None:
    with audit_scope(actor="can-bo-042", actor_agency_code="000.00.00.H26",
                     correlation_id="ho-so-7"):
        unit = app.register_unit(
            NewUnitSpec("Phường Phúc Xá", "ward", administrative_unit_code="00001",
                        parent_id=str(hanoi)),
            request_id="req-register-1", reason="Nghị quyết 1656/NQ-UBTVQH15")
    with audit_scope(actor="can-bo-007", actor_agency_code="000.00.00.H26"):
        app.rename_unit(str(unit), "Phường Phúc Xá Mới", effective_date=REFORM,
                        request_id="req-rename-1", reason="sửa tên")

    registered, renamed = app.unit_history(str(unit))

    assert (registered.version, registered.event_type) == (1, "Registered")
    assert registered.metadata["actor"] == "can-bo-042"
    assert registered.metadata["actor_agency_code"] == "000.00.00.H26"
    assert registered.metadata["request_id"] == "req-register-1"
    assert registered.metadata["correlation_id"] == "ho-so-7"
    assert registered.metadata["reason"] == "Nghị quyết 1656/NQ-UBTVQH15"
    assert registered.payload["display_name"] == "Phường Phúc Xá"
    assert registered.payload["administrative_unit_code"] == "00001"
    assert registered.recorded_at.tzinfo is not None
    assert (renamed.version, renamed.event_type, renamed.effective_date) == (
        2, "Renamed", REFORM)
    assert renamed.metadata["actor"] == "can-bo-007"
    assert renamed.metadata["request_id"] == "req-rename-1"
    # With no correlation given, a command's own request id starts the chain.
    assert renamed.metadata["correlation_id"] == "req-rename-1"
    assert renamed.metadata["reason"] == "sửa tên"
    assert renamed.payload["display_name"] == "Phường Phúc Xá Mới"
    assert renamed.recorded_at >= registered.recorded_at


def test_a_command_outside_any_scope_is_recorded_as_done_by_the_system(
        app: IdentityApplication) -> None:
    unit = app.register_unit(NewUnitSpec("Tỉnh Lào Cai", "province",
                                         administrative_unit_code="15"))

    [registered] = app.unit_history(str(unit))

    assert registered.metadata["actor"] == "system"
    assert registered.metadata["correlation_id"]


# -- searching and listing -----------------------------------------------------------

@pytest.fixture
def country(app: IdentityApplication) -> dict[str, UUID]:
    units = {
        "hanoi": app.register_unit(NewUnitSpec("Thành phố Hà Nội", "municipality",
                                               administrative_unit_code="01")),
        "danang": app.register_unit(NewUnitSpec("Thành phố Đà Nẵng", "municipality",
                                                administrative_unit_code="48")),
        "hagiang": app.register_unit(NewUnitSpec("Tỉnh Hà Giang", "province",
                                                 administrative_unit_code="02")),
    }
    for i, name in enumerate(["Phường Hoàn Kiếm", "Phường Ba Đình", "Xã Sóc Sơn",
                              "Phường Cửa Nam", "Xã Đông Anh"]):
        kind = "ward" if name.startswith("Phường") else "commune"
        units[name] = ward(app, units["hanoi"], name, f"{i + 1:05d}", kind=kind)
    units["Phường Hải Châu"] = ward(app, units["danang"], "Phường Hải Châu", "20194")
    return units


def test_search_ignores_diacritics_and_case(
        app: IdentityApplication, country: dict[str, UUID]) -> None:
    hits, _ = app.search_units("ha noi")
    assert hits[0].unit_id == country["hanoi"]

    hits, _ = app.search_units("DA NANG")
    assert [u.unit_id for u in hits] == [country["danang"]]

    hits, _ = app.search_units("đông anh")
    assert names(hits) == ["Xã Đông Anh"]

    hits, _ = app.search_units("Hà")
    assert {"Thành phố Hà Nội", "Tỉnh Hà Giang"} <= set(names(hits))


def test_search_filters_by_level_and_hides_retired_units_unless_asked(
        app: IdentityApplication, country: dict[str, UUID]) -> None:
    app.merge_units([str(country["Phường Cửa Nam"])],
                    successor_id=str(country["Phường Hoàn Kiếm"]), effective_date=REFORM)

    assert app.search_units("cua nam")[0] == []
    hits, _ = app.search_units("cua nam", include_retired=True)
    assert [(u.display_name, u.status) for u in hits] == [("Phường Cửa Nam", "merged")]
    hits, _ = app.search_units("phuong", level=Level.PROVINCE)
    assert hits == []
    hits, _ = app.search_units("phuong", level=Level.COMMUNE)
    assert set(names(hits)) == {"Phường Hoàn Kiếm", "Phường Ba Đình", "Phường Hải Châu"}


def test_a_search_for_nothing_is_refused(app: IdentityApplication) -> None:
    with pytest.raises(InvalidArgument) as error:
        app.search_units("   ")

    assert [(v.field, v.rule) for v in error.value.violations] == [("query", "REQUIRED")]


def test_search_pages_through_every_hit_once(
        app: IdentityApplication, country: dict[str, UUID]) -> None:
    seen: list[str] = []
    token = ""
    while True:
        page, token = app.search_units("phuong", size=2, token=token)
        assert len(page) <= 2
        seen.extend(names(page))
        if not token:
            break

    assert sorted(seen) == sorted(["Phường Hoàn Kiếm", "Phường Ba Đình", "Phường Cửa Nam",
                                   "Phường Hải Châu"])


def test_list_filters_by_level_kind_parent_province_and_status(
        app: IdentityApplication, country: dict[str, UUID]) -> None:
    app.merge_units([str(country["Xã Sóc Sơn"])], successor_id=str(country["Xã Đông Anh"]),
                    effective_date=REFORM)

    provinces, _, total = app.list_units(UnitFilter(level=Level.PROVINCE))
    assert [u.administrative_unit_code for u in provinces] == ["01", "02", "48"]
    assert total == 3
    wards, _, _ = app.list_units(UnitFilter(kind=Kind.WARD))
    assert len(wards) == 4
    in_danang, _, _ = app.list_units(UnitFilter(parent_id=country["danang"]))
    assert names(in_danang) == ["Phường Hải Châu"]
    in_hanoi, _, _ = app.list_units(UnitFilter(province_id=country["hanoi"]))
    assert len(in_hanoi) == 5
    retired, _, _ = app.list_units(UnitFilter(status="merged"))
    assert names(retired) == ["Xã Sóc Sơn"]
    active_communes, _, total = app.list_units(
        UnitFilter(level=Level.COMMUNE, kind=Kind.COMMUNE, status="active"))
    assert (names(active_communes), total) == (["Xã Đông Anh"], 1)


def test_list_pages_in_code_order_with_a_token_for_the_next_page(
        app: IdentityApplication, country: dict[str, UUID]) -> None:
    communes = UnitFilter(level=Level.COMMUNE)

    first, token, total = app.list_units(communes, size=4)
    assert total == 6
    assert [u.administrative_unit_code for u in first] == ["00001", "00002", "00003", "00004"]
    assert token
    second, last_token, total = app.list_units(communes, size=4, token=token)
    assert [u.administrative_unit_code for u in second] == ["00005", "20194"]
    assert (last_token, total) == ("", 6)


def test_a_page_size_of_zero_means_the_default_and_a_negative_one_is_refused(
        app: IdentityApplication, country: dict[str, UUID]) -> None:
    everything, token, total = app.list_units(UnitFilter(), size=0)
    assert (len(everything), token, total) == (9, "", 9)

    with pytest.raises(InvalidArgument) as error:
        app.list_units(UnitFilter(), size=-1)
    assert [(v.field, v.rule) for v in error.value.violations] == [
        ("page_size", "PAGE_SIZE_NEGATIVE")]


def test_a_page_token_used_with_different_filters_is_refused(
        app: IdentityApplication, country: dict[str, UUID]) -> None:
    _, token, _ = app.list_units(UnitFilter(level=Level.COMMUNE), size=2)

    with pytest.raises(InvalidArgument) as error:
        app.list_units(UnitFilter(level=Level.PROVINCE), size=2, token=token)
    assert [(v.field, v.rule) for v in error.value.violations] == [
        ("page_token", "PAGE_TOKEN_MISMATCH")]

    _, search_token = app.search_units("phuong", size=1)
    with pytest.raises(InvalidArgument) as error:
        app.search_units("phuong", size=1, token=search_token, include_retired=True)
    assert error.value.reason == "PAGE_TOKEN_MISMATCH"
    with pytest.raises(InvalidArgument) as error:
        app.list_units(UnitFilter(level=Level.COMMUNE), token=search_token)
    assert error.value.reason == "PAGE_TOKEN_MISMATCH"


def test_a_page_token_the_service_never_issued_is_refused(
        app: IdentityApplication, country: dict[str, UUID]) -> None:
    for forged in ("not-a-token", "e30", "!!!"):
        with pytest.raises(InvalidArgument) as error:
            app.list_units(UnitFilter(), token=forged)
        assert error.value.reason == "PAGE_TOKEN_INVALID", forged
