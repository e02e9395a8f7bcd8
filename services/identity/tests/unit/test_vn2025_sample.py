"""The sample of the 2025 plan: a few real provinces and everything that became them."""

from __future__ import annotations

import pytest

from lienthong.services.identity.importer.vn2025 import plan_commands
from lienthong.services.identity.importer.vn2025_sample import SAMPLE_PROVINCES, sample_plan
from lienthong.services.identity.importer.vn2025_sources import build_plan


@pytest.fixture(scope="module")
def sample():
    return sample_plan(build_plan(), SAMPLE_PROVINCES)


def test_every_key_a_command_needs_is_created_by_a_command_of_the_sample(sample) -> None:
    created: set[str] = set()
    for command in plan_commands(sample):
        missing = [key for key in command.needs if key not in created]
        assert not missing, f"{command.name} needs {missing}, which the sample does not create"
        created.update(command.creates)
    assert created == {u.key for u in sample.old_units + sample.new_units}


def test_the_sample_holds_its_provinces_whole_and_nothing_else(sample) -> None:
    whole = build_plan()
    provinces = {u.administrative_unit_code for u in sample.new_units if u.level == "province"}
    provinces |= {key.removeprefix("old-province:") for key in sample.continuing_provinces}
    assert provinces == set(SAMPLE_PROVINCES)
    in_sample = {u.key for u in sample.new_units} | set(sample.continuing_provinces)
    communes = [u for u in whole.new_units if u.level == "commune" and u.parent_key in in_sample]
    assert {u.key for u in sample.new_units if u.level == "commune"} == {u.key for u in communes}
    # Every old unit of the sample ends in it: merged, divided, dissolved or continuing.
    ended = ({s for m in sample.merges for s in m.source_keys}
             | {d.source_key for d in sample.divisions}
             | {d.source_key for d in sample.dissolutions} | set(sample.continuing_provinces))
    assert {u.key for u in sample.old_units} <= ended


def test_the_sample_holds_each_kind_of_change_the_reform_made(sample) -> None:
    merges = {m.successor_key: set(m.source_keys) for m in sample.merges}
    divided = {d.source_key: d for d in sample.divisions}
    # A province merge, whose successor carries on the code of one of its sources.
    assert merges["province:08"] == {"old-province:02", "old-province:08"}
    # A divided ward, with its default successor.
    assert divided["old-commune:00016"].default_successor_key in divided[
        "old-commune:00016"].successor_keys
    # An island district without communes that became a special zone.
    assert merges["commune:19742"] == {"old-district:471"}
    assert any(u.kind == "special_zone" for u in sample.new_units)
    # A district dissolved into a province that continues.
    assert ("old-district:001", "old-province:01") in {
        (d.source_key, d.records_successor_key) for d in sample.dissolutions}
    # Neighbours divided among each other: one BatchDivideUnits.
    assert any(c.name.startswith("divide-together/") for c in plan_commands(sample))
    # The communes e2e takes dossiers at.
    assert {"commune:09247", "commune:07210"} <= {u.key for u in sample.new_units}


def test_an_unknown_province_is_refused() -> None:
    with pytest.raises(ValueError, match="99"):
        sample_plan(build_plan(), ["01", "99"])
