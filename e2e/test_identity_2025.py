"""An operator loads the 2025 divisions; other systems ask what old codes are now.

The platform holds the sample seed (a few real provinces with all their
lineage, see ``SAMPLE_PROVINCES``); the whole country's figures are checked
in-process by ``make test-country``.
"""

from __future__ import annotations

import grpc
import pytest
from google.type import date_pb2

from lienthong.grpc.errors import error_details
from lienthong.identity.v1 import identity_pb2 as pb
from lienthong.services.identity.importer.vn2025_sample import SAMPLE_PROVINCES
from lienthong.services.identity.seeds import import_seed

pytestmark = pytest.mark.e2e

BEFORE_THE_REFORM = date_pb2.Date(year=2025, month=6, day=30)


@pytest.fixture(scope="module")
def units_before(identity):
    """Every unit and its version, as the platform's seed left them."""
    return {(u.unit_id, u.version) for u in all_units(identity)}


@pytest.fixture(scope="module")
def imported(platform, seed, units_before):
    """The seed's import and provisional codes run again, through gRPC, on the seeded platform.

    The platform was seeded with the same commands, so this run is answered
    from the first run's request records.
    """
    report, codes = import_seed(seed, platform.identity_address, tls=platform.tls)
    return {**report.as_dict(), "provisional_codes": codes and codes.as_dict()}


def all_units(identity):
    units, token = [], ""
    while True:
        page = identity.ListUnits(pb.ListUnitsRequest(page_size=1000, page_token=token))
        units.extend(page.units)
        token = page.next_page_token
        if not token:
            return units


def count(identity, level, status=pb.UNIT_STATUS_ACTIVE):
    return identity.ListUnits(pb.ListUnitsRequest(level=level, status=status,
                                                  page_size=1)).total_size


def test_the_import_builds_the_two_tier_provinces(imported, identity):
    assert imported["counts"]["failed"] == 0
    assert imported["counts"]["skipped"] == 0
    assert count(identity, pb.UNIT_LEVEL_PROVINCE) == len(SAMPLE_PROVINCES)
    assert count(identity, pb.UNIT_LEVEL_DISTRICT) == 0
    merged = identity.ListUnits(pb.ListUnitsRequest(
        level=pb.UNIT_LEVEL_PROVINCE, status=pb.UNIT_STATUS_MERGED, page_size=100)).units
    assert {"Tỉnh Hà Giang", "Tỉnh Tuyên Quang", "Tỉnh Bắc Giang"} <= {
        u.display_name for u in merged}


def test_an_old_province_code_resolves_to_its_successor(imported, identity):
    ha_giang = identity.ResolveUnit(pb.ResolveUnitRequest(code="02"))
    assert ha_giang.named_unit.display_name == "Tỉnh Hà Giang"
    assert ha_giang.named_unit.status == pb.UNIT_STATUS_MERGED
    assert [u.display_name for u in ha_giang.current_units] == ["Tỉnh Tuyên Quang"]
    assert ha_giang.default_unit_id == ha_giang.current_units[0].unit_id
    assert [c.kind for c in ha_giang.chain] == [pb.CHANGE_KIND_MERGED]


def test_a_carried_on_code_names_the_old_unit_before_the_reform_and_the_new_one_after(
        imported, identity):
    before = identity.ResolveUnit(pb.ResolveUnitRequest(code="08", as_of=BEFORE_THE_REFORM))
    today = identity.ResolveUnit(pb.ResolveUnitRequest(code="08"))
    assert before.named_unit.unit_id != today.named_unit.unit_id
    assert before.named_unit.status == pb.UNIT_STATUS_MERGED
    assert today.named_unit.status == pb.UNIT_STATUS_ACTIVE
    assert [u.unit_id for u in before.current_units] == [today.named_unit.unit_id]


def test_a_divided_commune_resolves_to_all_its_successors_with_the_default_marked(
        imported, identity):
    ngoc_ha = identity.ResolveUnit(pb.ResolveUnitRequest(code="00016",
                                                         as_of=BEFORE_THE_REFORM))
    assert ngoc_ha.named_unit.status == pb.UNIT_STATUS_DIVIDED
    assert len(ngoc_ha.current_units) >= 2
    defaults = [s for s in ngoc_ha.named_unit.successors if s.is_default]
    assert len(defaults) == 1
    assert ngoc_ha.default_unit_id == defaults[0].unit_id


def test_an_old_district_resolves_to_its_province(imported, identity):
    ba_dinh_district = identity.ResolveUnit(pb.ResolveUnitRequest(code="001"))
    assert ba_dinh_district.named_unit.status == pb.UNIT_STATUS_DISSOLVED
    assert [u.display_name for u in ba_dinh_district.current_units] == ["Thành phố Hà Nội"]


def test_names_are_found_without_diacritics(imported, identity):
    found = identity.SearchUnits(pb.SearchUnitsRequest(query="tuyen quang",
                                                       level=pb.UNIT_LEVEL_PROVINCE))
    assert [u.display_name for u in found.units] == ["Tỉnh Tuyên Quang"]


def test_every_event_says_why_it_happened(imported, identity):
    ha_giang = identity.ResolveUnit(pb.ResolveUnitRequest(code="02")).named_unit
    history = identity.GetUnitHistory(pb.GetUnitHistoryRequest(unit_id=ha_giang.unit_id))
    assert [e.event_type for e in history.entries] == ["Registered", "MergedInto"]
    merged = history.entries[-1]
    assert merged.request_id == "vn-2025/merge/province:08"
    assert "vn-2025" in merged.reason
    assert merged.effective_date == date_pb2.Date(year=2025, month=7, day=1)


def test_a_second_import_changes_nothing(imported, units_before, identity):
    assert imported["counts"]["failed"] == 0
    assert imported["provisional_codes"]["issued"] == 0
    assert imported["provisional_codes"]["failures"] == []
    assert {(u.unit_id, u.version) for u in all_units(identity)} == units_before


def test_a_malformed_code_is_refused_with_the_rule_named(platform, identity):
    with pytest.raises(grpc.RpcError) as refused:
        identity.ResolveUnit(pb.ResolveUnitRequest(code="000.00.00.h49"))
    details = error_details(refused.value)
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert details["field_violations"] == [("code", "AGENCY_CODE_FORMAT")]
