"""The 2025 plan as commands: each unit exists before a command needs it."""

from __future__ import annotations

import collections

import pytest

from lienthong.idempotency import MAX_REQUEST_ID_LENGTH
from lienthong.services.identity.importer.vn2025 import REQUEST_PREFIX, plan_commands
from lienthong.services.identity.importer.vn2025_sources import build_plan


@pytest.fixture(scope="module")
def commands():
    return plan_commands(build_plan())


def test_every_unit_a_command_needs_is_created_by_an_earlier_command(commands) -> None:
    created: set[str] = set()
    for command in commands:
        missing = [key for key in command.needs if key not in created]
        assert not missing, f"{command.name} runs before {missing} exist"
        created.update(command.creates)


def test_every_unit_is_created_exactly_once(commands) -> None:
    plan = build_plan()
    creations = collections.Counter(key for command in commands for key in command.creates)
    assert set(creations.values()) == {1}
    assert set(creations) == {u.key for u in plan.old_units} | {u.key for u in plan.new_units}


def test_a_new_commune_is_created_by_the_command_retiring_its_codes_holder(commands) -> None:
    plan = build_plan()
    merge_of = {m.successor_key: m for m in plan.merges}
    holder_of = {u.administrative_unit_code: u.key for u in plan.old_units
                 if u.level == "commune"}
    for command in commands:
        for key in (k for k in command.creates if k.startswith("commune:")):
            retired_here = {d.source_key for d in command.divisions}
            if command.name == f"merge/{key}":
                retired_here |= set(merge_of[key].source_keys)
            holder = holder_of.get(key.removeprefix("commune:"))
            assert holder is None or holder in retired_here, (command.name, key, holder)


def test_request_ids_are_unique_and_short_enough(commands) -> None:
    names = [command.name for command in commands]
    assert len(names) == len(set(names))
    assert max(len(f"{REQUEST_PREFIX}/{name}") for name in names) <= MAX_REQUEST_ID_LENGTH
