"""Stories about the 1 July 2025 import plan built from the two data packages."""

from __future__ import annotations

import re
from collections import Counter

import pytest

try:
    from lienthong.services.identity.importer import vn2025_sources as sources
except ImportError:  # running from a checkout with PYTHONPATH=<repo root>
    from services.identity.importer import vn2025_sources as sources


@pytest.fixture(scope="module")
def plan() -> sources.Vn2025Plan:
    return sources.build_plan()


@pytest.fixture(scope="module")
def units(plan: sources.Vn2025Plan) -> dict[str, sources.UnitSpec]:
    return {u.key: u for u in plan.old_units + plan.new_units}


def _levels(specs: tuple[sources.UnitSpec, ...]) -> Counter[str]:
    return Counter(u.level for u in specs)


def test_the_reform_takes_effect_on_1_july_2025() -> None:
    assert sources.EFFECTIVE_DATE.isoformat() == "2025-07-01"


def test_vietnam_has_34_provinces_in_2025(plan: sources.Vn2025Plan) -> None:
    new_provinces = [u for u in plan.new_units if u.level == "province"]
    codes = {u.administrative_unit_code for u in new_provinces}
    codes |= {key.removeprefix("old-province:") for key in plan.continuing_provinces}
    assert len(new_provinces) + len(plan.continuing_provinces) == 34
    assert len(codes) == 34


def test_vietnam_has_3321_communes_in_2025(plan: sources.Vn2025Plan) -> None:
    communes = [u for u in plan.new_units if u.level == "commune"]
    assert len(communes) == 3321
    assert len({u.administrative_unit_code for u in communes}) == 3321
    assert all(re.fullmatch(r"\d{5}", u.administrative_unit_code) for u in communes)
    assert {u.kind for u in communes} == {"ward", "commune", "special_zone"}


def test_the_old_three_tiers_are_all_there(plan: sources.Vn2025Plan) -> None:
    # vietnamadminunits 1.0.4, table admin_units_legacy: 10,040 rows = 10,035
    # communes + 5 island districts without communes (Bạch Long Vĩ 318, Cồn Cỏ
    # 471, Hoàng Sa 498, Lý Sơn 536, Côn Đảo 755); they sit in 696 districts of
    # 63 provinces (the situation just before 1 July 2025).
    assert _levels(plan.old_units) == {"province": 63, "district": 696, "commune": 10035}
    widths = {"province": 2, "district": 3, "commune": 5}
    for unit in plan.old_units:
        assert len(unit.administrative_unit_code) == widths[unit.level], unit


def test_parents_come_before_children(plan: sources.Vn2025Plan) -> None:
    for specs in (plan.old_units, plan.new_units):
        seen: set[str] = set(plan.continuing_provinces)
        for unit in specs:
            assert unit.parent_key is None or unit.parent_key in seen, unit
            seen.add(unit.key)


def test_every_old_commune_is_a_source_exactly_once(plan: sources.Vn2025Plan) -> None:
    uses = Counter(s for m in plan.merges for s in m.source_keys)
    uses.update(d.source_key for d in plan.divisions)
    old_communes = {u.key for u in plan.old_units if u.level == "commune"}
    assert {k for k in uses if k.startswith("old-commune:")} == old_communes
    assert all(uses[k] == 1 for k in old_communes)


def test_every_old_district_ends_exactly_once(plan: sources.Vn2025Plan) -> None:
    ends = Counter(d.source_key for d in plan.dissolutions)
    ends.update(s for m in plan.merges for s in m.source_keys if s.startswith("old-district:"))
    districts = {u.key for u in plan.old_units if u.level == "district"}
    assert set(ends) == districts
    assert all(n == 1 for n in ends.values())


def test_records_of_a_dissolved_district_go_to_a_2025_province(
    plan: sources.Vn2025Plan,
) -> None:
    for d in plan.dissolutions:
        target = d.records_successor_key
        assert target.startswith("province:") or target in plan.continuing_provinces


def test_every_new_commune_has_a_predecessor(plan: sources.Vn2025Plan) -> None:
    succeeded = {m.successor_key for m in plan.merges}
    succeeded |= {s for d in plan.divisions for s in d.successor_keys}
    for unit in plan.new_units:
        if unit.level == "commune":
            assert unit.key in succeeded, unit


def test_every_merged_province_has_predecessors(plan: sources.Vn2025Plan) -> None:
    merged = {m.successor_key for m in plan.merges}
    for unit in plan.new_units:
        if unit.level == "province":
            assert unit.key in merged, unit


def test_every_key_referenced_exists(
    plan: sources.Vn2025Plan, units: dict[str, sources.UnitSpec]
) -> None:
    old = {u.key for u in plan.old_units}
    new = {u.key for u in plan.new_units}
    assert set(plan.continuing_provinces) <= old
    assert {u.parent_key for u in plan.old_units} - {None} <= old
    assert {u.parent_key for u in plan.new_units} - {None} <= new | set(plan.continuing_provinces)
    for m in plan.merges:
        assert set(m.source_keys) <= old and m.successor_key in new, m
    for d in plan.divisions:
        assert d.source_key in old and set(d.successor_keys) <= new, d
        assert d.default_successor_key in d.successor_keys, d
    for d in plan.dissolutions:
        assert d.source_key in old and d.records_successor_key in units, d
    for a in plan.ambiguities:
        if a.rule != "UNIT_MISSING_IN_SOURCE":
            assert a.subject_key in units, a


def test_keys_are_unique_and_follow_the_naming_scheme(plan: sources.Vn2025Plan) -> None:
    keys = [u.key for u in plan.old_units + plan.new_units]
    assert len(keys) == len(set(keys))
    for u in plan.old_units:
        assert u.key == f"old-{u.level}:{u.administrative_unit_code}", u
    for u in plan.new_units:
        assert u.key == f"{u.level}:{u.administrative_unit_code}", u


def test_a_divided_commune_defaults_to_the_successor_carrying_its_code(
    plan: sources.Vn2025Plan, units: dict[str, sources.UnitSpec]
) -> None:
    for d in plan.divisions:
        old_code = units[d.source_key].administrative_unit_code
        carriers = [s for s in d.successor_keys if units[s].administrative_unit_code == old_code]
        if carriers:
            assert d.default_successor_key == carriers[0], d
        assert len(d.successor_keys) >= 2
        assert list(d.successor_keys) == sorted(d.successor_keys)


def test_ha_noi_continues_and_keeps_its_communes(
    plan: sources.Vn2025Plan, units: dict[str, sources.UnitSpec]
) -> None:
    assert "old-province:01" in plan.continuing_provinces
    assert "province:01" not in units
    ba_dinh = units["commune:00004"]
    assert (ba_dinh.name, ba_dinh.kind, ba_dinh.parent_key) == (
        "Phường Ba Đình",
        "ward",
        "old-province:01",
    )
    # Trúc Bạch (00004) and Quán Thánh (00013) went wholly into Phường Ba Đình.
    merge = next(m for m in plan.merges if m.successor_key == "commune:00004")
    assert {"old-commune:00004", "old-commune:00013"} <= set(merge.source_keys)
    assert units["old-province:01"].kind == "municipality"


def test_ha_giang_and_tuyen_quang_become_the_new_tuyen_quang(
    plan: sources.Vn2025Plan, units: dict[str, sources.UnitSpec]
) -> None:
    merge = next(m for m in plan.merges if m.successor_key == "province:08")
    assert merge.source_keys == ("old-province:02", "old-province:08")
    assert units["old-province:02"].name == "Tỉnh Hà Giang"
    assert units["province:08"].name == "Tỉnh Tuyên Quang"
    assert "old-province:08" not in plan.continuing_provinces
    # The old city of Hà Giang is dissolved into the new province.
    assert sources.Dissolution("old-district:024", "province:08") in plan.dissolutions


def test_a_split_ward_in_ha_noi(plan: sources.Vn2025Plan) -> None:
    # Old Phường Ngọc Hà (00016) was shared between the new Ba Đình and Ngọc Hà.
    division = next(d for d in plan.divisions if d.source_key == "old-commune:00016")
    assert division.successor_keys == ("commune:00004", "commune:00008")


def test_an_island_district_becomes_a_special_zone(
    plan: sources.Vn2025Plan, units: dict[str, sources.UnitSpec]
) -> None:
    merge = next(m for m in plan.merges if "old-district:755" in m.source_keys)
    zone = units[merge.successor_key]
    assert (zone.name, zone.kind) == ("Đặc khu Côn Đảo", "special_zone")
    assert any(
        a.subject_key == "old-district:755" and a.rule == "DISTRICT_SUCCEEDED_BY_COMMUNE_LEVEL_UNIT"
        for a in plan.ambiguities
    )


def test_ambiguities_are_well_formed(plan: sources.Vn2025Plan) -> None:
    for a in plan.ambiguities:
        assert re.fullmatch(r"[A-Z]+(_[A-Z]+)*", a.rule), a
        assert a.detail and a.resolution, a


def test_the_plan_is_deterministic(plan: sources.Vn2025Plan) -> None:
    assert sources.build_plan() is plan  # cached
    assert sources.build_plan.__wrapped__() == plan  # rebuilt from scratch
