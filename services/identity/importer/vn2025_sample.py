"""A small, real part of the 2025 plan: a few provinces with all that feeds into them.

The whole country is ~15,000 commands (~56,000 events) and takes minutes
through gRPC; the sample keeps each kind of change the reform made, on real
units, at a fraction of the cost. It is the plan restricted to some 2025
provinces, their communes, every old unit whose territory went into them (and
its ancestors), and the merges, divisions and dissolutions of those units; so
every command of the sample finds the units it needs.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable

    from .vn2025_sources import Vn2025Plan

#: The 2025 provinces of the ``vn-2025-sample`` seeds, and why each is in.
SAMPLE_PROVINCES: dict[str, str] = {
    "01": "Hà Nội continues as a province; its old ward 00016 Phường Ngọc Hà is divided, "
          "neighbouring wards are divided among each other (BatchDivideUnits), and its old "
          "district 001 Ba Đình is dissolved into it",
    "08": "Tuyên Quang: Hà Giang (02) merged into it, and the new province carries on "
          "the code 08 of the old Tuyên Quang (a code carried on by a successor)",
    "24": "Bắc Ninh: Bắc Giang merged into it; e2e takes dossiers at Phường Quế Võ (09247) "
          "and Phường Bắc Giang (07210)",
    "44": "Quảng Trị: Quảng Bình merged into it, and the island district Cồn Cỏ (471), "
          "which had no communes, became the special zone Cồn Cỏ (19742); e2e refuses a "
          "Bắc Ninh dossier handed in at its Phường Đồng Hới (18880)",
}


def sample_plan(plan: Vn2025Plan, province_codes: Iterable[str]) -> Vn2025Plan:
    """The part of ``plan`` that builds the 2025 provinces ``province_codes`` (e.g. "01").

    Raises ValueError when the part is not closed: an old unit of it that also
    fed a province outside it, or an unknown province code.
    """
    codes = set(province_codes)
    provinces = {u.key for u in plan.new_units if u.level == "province"
                 and u.administrative_unit_code in codes}
    provinces |= {k for k in plan.continuing_provinces if k.split(":")[1] in codes}
    found = {k.split(":")[1] for k in provinces}
    if found != codes:
        msg = f"no 2025 province with code {', '.join(sorted(codes - found))}"
        raise ValueError(msg)
    new = provinces | {u.key for u in plan.new_units if u.parent_key in provinces}
    merges = tuple(m for m in plan.merges if m.successor_key in new)
    divisions = tuple(d for d in plan.divisions if set(d.successor_keys) & new)
    parent_of = {u.key: u.parent_key for u in plan.old_units + plan.new_units}
    old: set[str] = set()
    for source in [s for m in merges for s in m.source_keys] + [d.source_key for d in divisions]:
        key: str | None = source
        while key is not None and key not in old:
            old.add(key)
            key = parent_of[key]
    old |= provinces & set(plan.continuing_provinces)
    dissolutions = tuple(d for d in plan.dissolutions if d.source_key in old)

    outside = sorted({k for d in divisions for k in d.successor_keys if k not in new}
                     | {d.records_successor_key for d in dissolutions
                        if d.records_successor_key not in new | old})
    # An old unit of the sample that ends nowhere in it would stay active: its
    # territory went (also) to a province outside the sample.
    ended = ({s for m in merges for s in m.source_keys} | {d.source_key for d in divisions}
             | {d.source_key for d in dissolutions} | set(plan.continuing_provinces))
    outside += sorted(old - ended)
    if outside:
        msg = f"provinces {sorted(codes)} are not closed: {', '.join(outside[:10])}"
        raise ValueError(msg)
    keep = old | new
    return dataclasses.replace(
        plan,
        old_units=tuple(u for u in plan.old_units if u.key in old),
        new_units=tuple(u for u in plan.new_units if u.key in new),
        continuing_provinces=tuple(k for k in plan.continuing_provinces if k in provinces),
        merges=merges,
        divisions=divisions,
        dissolutions=dissolutions,
        ambiguities=tuple(a for a in plan.ambiguities if a.subject_key in keep),
        name=f"{plan.name} sample ({', '.join(sorted(codes))})",
    )
