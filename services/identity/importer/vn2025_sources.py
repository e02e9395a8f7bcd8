"""Import plan for the 1 July 2025 reorganisation of Vietnam's administrative units.

Two published packages are read and reconciled into one deterministic plan:

* ``vietnam-provinces`` gives the official 2025 list (34 provinces, 3,321
  communes, with the QĐ 19/2025/QĐ-TTg codes); it is preferred for codes,
  names and kinds of the 2025 units.
* ``vietnamadminunits`` gives the old three-tier units (63 provinces, their
  districts and communes, ``admin_units_legacy``) through its documented
  :func:`vietnamadminunits.database.get_data`, and the lineage old -> new in
  its bundled ``data/converter_2025.json`` (no public API exposes it).

The packages are imported lazily, so importing this module is cheap. Where
the sources disagree, or the data cannot decide something, the plan records
an :class:`Ambiguity` instead of guessing silently.
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
import json
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

__all__ = [
    "EFFECTIVE_DATE",
    "Ambiguity",
    "Dissolution",
    "Division",
    "Merge",
    "UnitSpec",
    "Vn2025Plan",
    "build_plan",
]

EFFECTIVE_DATE = datetime.date(2025, 7, 1)


@dataclass(frozen=True)
class UnitSpec:
    """One administrative unit as the importer should create it."""

    key: str
    name: str
    level: str
    kind: str
    administrative_unit_code: str
    parent_key: str | None


@dataclass(frozen=True)
class Merge:
    """Several old units (possibly one) become one successor."""

    source_keys: tuple[str, ...]
    successor_key: str


@dataclass(frozen=True)
class Division:
    """One old unit is split among several successors."""

    source_key: str
    successor_keys: tuple[str, ...]
    default_successor_key: str


@dataclass(frozen=True)
class Dissolution:
    """An old unit ends; its records go to one unit."""

    source_key: str
    records_successor_key: str


@dataclass(frozen=True)
class Ambiguity:
    """Something the sources could not decide, and what the plan did about it."""

    subject_key: str
    rule: str
    detail: str
    resolution: str


@dataclass(frozen=True)
class Vn2025Plan:
    """Everything needed to import the 2025 reorganisation."""

    old_units: tuple[UnitSpec, ...]
    new_units: tuple[UnitSpec, ...]
    continuing_provinces: tuple[str, ...]
    merges: tuple[Merge, ...]
    divisions: tuple[Division, ...]
    dissolutions: tuple[Dissolution, ...]
    ambiguities: tuple[Ambiguity, ...]
    #: What it covers, as progress bars and reports name it.
    name: str = "vn-2025"


# --- vocabulary -------------------------------------------------------------

_OLD_PROVINCE_PREFIXES = {"Thành phố": "municipality", "Tỉnh": "province"}
_OLD_DISTRICT_KINDS = {
    "Quận": "urban_district",
    "Huyện": "rural_district",
    "Thị xã": "town",
    "Thành phố": "provincial_city",
}
_OLD_COMMUNE_KINDS = {"Phường": "ward", "Xã": "commune", "Thị trấn": "township"}
_NEW_PROVINCE_KINDS = {"thành phố trung ương": "municipality", "tỉnh": "province"}
_NEW_COMMUNE_KINDS = {"phường": "ward", "xã": "commune", "đặc khu": "special_zone"}

# Old-style tone placement ("hoà", "thuỷ") versus the new style ("hòa", "thủy").
_OLD_TONE = {
    "oà": "òa", "oá": "óa", "oả": "ỏa", "oã": "õa", "oạ": "ọa",
    "oè": "òe", "oé": "óe", "oẻ": "ỏe", "oẽ": "õe", "oẹ": "ọe",
    "uỳ": "ùy", "uý": "úy", "uỷ": "ủy", "uỹ": "ũy", "uỵ": "ụy",
}  # fmt: skip
_OLD_TONE_RE = re.compile("|".join(_OLD_TONE))
_DASHES_RE = re.compile(r"\s*[-‐‑‒–—]\s*")


def _clean(name: str) -> str:
    """Return ``name`` in NFC with runs of whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFC", name).split())


def _match_key(name: str) -> str:
    """Return a spelling-insensitive key used only to pair the two sources."""
    text = _clean(name).casefold().replace("’", "'").replace("‘", "'")
    text = _DASHES_RE.sub(" - ", text)
    return _OLD_TONE_RE.sub(lambda m: _OLD_TONE[m.group()], text)


def _kind_by_prefix(name: str, kinds: Mapping[str, str], what: str) -> str:
    for prefix, kind in kinds.items():
        if name.startswith(prefix + " "):
            return kind
    raise ValueError(f"unknown {what} type in {name!r}")


def _kind(value: str, kinds: Mapping[str, str], what: str) -> str:
    try:
        return kinds[value]
    except KeyError:
        raise ValueError(f"unknown {what} type {value!r}") from None


# --- raw source records -----------------------------------------------------


@dataclass(frozen=True)
class _NewCommune:
    code: str
    name: str
    kind: str
    province_code: str


@dataclass(frozen=True)
class _VamNew:
    code: str
    name: str
    province_code: str
    province_name: str


def _official_2025() -> tuple[dict[str, UnitSpec], dict[str, _NewCommune]]:
    """Return the 2025 provinces and communes of ``vietnam-provinces``, by code."""
    from vietnam_provinces import Province, Ward

    provinces: dict[str, UnitSpec] = {}
    for p in Province.iter_all():
        code = f"{int(p.code):02d}"
        kind = _kind(p.division_type.value, _NEW_PROVINCE_KINDS, "province")
        name = _clean(p.name)
        if kind == "province" and not name.startswith("Tỉnh "):
            name = f"Tỉnh {name}"  # the package drops the "Tỉnh" prefix
        provinces[code] = UnitSpec(f"province:{code}", name, "province", kind, code, None)
    communes: dict[str, _NewCommune] = {}
    for w in Ward.iter_all():
        code = f"{int(w.code):05d}"
        kind = _kind(w.division_type.value, _NEW_COMMUNE_KINDS, "commune")
        communes[code] = _NewCommune(code, _clean(w.name), kind, f"{int(w.province_code):02d}")
    return provinces, communes


def _vam_tables() -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, Any]]:
    """Return ``vietnamadminunits``' legacy rows, 2025 rows and converter data."""
    from vietnamadminunits.database import get_data

    legacy = get_data(
        fields=[
            "province", "provinceCode", "provinceKey",
            "district", "districtType", "districtCode", "districtKey",
            "ward", "wardType", "wardCode", "wardKey",
        ],
        table="admin_units_legacy",
    )  # fmt: skip
    current = get_data(
        fields=["province", "provinceCode", "provinceKey", "ward", "wardCode", "wardKey"],
        table="admin_units",
    )
    data = resources.files("vietnamadminunits").joinpath("data", "converter_2025.json")
    converter = json.loads(data.read_text(encoding="utf-8"))
    return legacy, current, converter


# --- plan assembly ----------------------------------------------------------


class _Builder:
    """Mutable scratch space for :func:`build_plan`."""

    def __init__(self) -> None:
        self.ambiguities: list[Ambiguity] = []
        self.old: dict[str, UnitSpec] = {}
        self.new: dict[str, UnitSpec] = {}
        self.disputed: set[str] = set()  # new keys whose code the sources dispute

    def flag(self, subject_key: str, rule: str, detail: str, resolution: str) -> None:
        self.ambiguities.append(Ambiguity(subject_key, rule, detail, resolution))

    def add(self, table: dict[str, UnitSpec], unit: UnitSpec, source: str) -> None:
        existing = table.get(unit.key)
        if existing is None:
            table[unit.key] = unit
        elif existing != unit:
            self.flag(
                unit.key,
                "DUPLICATE_CODE",
                f"{source} lists code {unit.administrative_unit_code} twice: "
                f"{existing.name!r} and {unit.name!r}.",
                f"kept the first, {existing.name!r}",
            )


def _old_units(b: _Builder, legacy: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """Fill ``b.old``; return vietnamadminunits' lineage key -> old unit key."""
    lineage_keys: dict[str, str] = {}
    src = "vietnamadminunits admin_units_legacy"
    for r in legacy:
        pcode, dcode, wcode = r["provinceCode"], r["districtCode"], r["wardCode"]
        pkey, dkey = f"old-province:{pcode}", f"old-district:{dcode}"
        pname, dname = _clean(r["province"]), _clean(r["district"])
        pkind = _kind_by_prefix(pname, _OLD_PROVINCE_PREFIXES, "province")
        dkind = _kind(r["districtType"], _OLD_DISTRICT_KINDS, "district")
        b.add(b.old, UnitSpec(pkey, pname, "province", pkind, pcode, None), src)
        b.add(b.old, UnitSpec(dkey, dname, "district", dkind, dcode, pkey), src)
        prefix = f"{r['provinceKey']}_{r['districtKey']}_"
        if wcode is None:  # a district without communes (island districts)
            lineage_keys[prefix] = dkey
            continue
        wkey = f"old-commune:{wcode}"
        wkind = _kind(r["wardType"], _OLD_COMMUNE_KINDS, "commune")
        b.add(b.old, UnitSpec(wkey, _clean(r["ward"]), "commune", wkind, wcode, dkey), src)
        lineage_keys[prefix + r["wardKey"]] = wkey
    return lineage_keys


def _pair_communes(
    b: _Builder,
    official: Mapping[str, _NewCommune],
    vam_rows: Iterable[Mapping[str, Any]],
) -> tuple[dict[tuple[str, str], str], dict[str, _NewCommune]]:
    """Pair vietnamadminunits' 2025 communes with the official ones.

    Pairs by province and spelling-insensitive name and flags code and
    spelling differences. Where the codes differ, vietnamadminunits' code is
    used: vietnam-provinces 2025.10.1 carries the draft list, and its
    disputed codes collide with codes of unrelated old communes, while
    vietnamadminunits' codes agree with the statistics office's list
    (Công văn 1027/CTK-CSCL, 25 June 2025). Returns (provinceKey, wardKey)
    -> commune code, and the 2025 communes by the code kept.
    """
    recode: dict[str, str] = {}
    by_name: dict[tuple[str, str], str] = {}
    for c in (official[code] for code in sorted(official)):
        key = (c.province_code, _match_key(c.name))
        if key in by_name:
            b.flag(
                f"commune:{c.code}",
                "DUPLICATE_NAME",
                f"vietnam-provinces has two communes named {c.name!r} in province "
                f"{c.province_code}: {by_name[key]} and {c.code}.",
                "lineage from vietnamadminunits is paired with the lower code",
            )
            continue
        by_name[key] = c.code
    pairs: dict[tuple[str, str], str] = {}
    paired: set[str] = set()
    for r in sorted(vam_rows, key=lambda row: str(row["wardCode"])):
        vam = _VamNew(r["wardCode"], _clean(r["ward"]), r["provinceCode"], _clean(r["province"]))
        code = by_name.get((vam.province_code, _match_key(vam.name)))
        if code is None:
            b.flag(
                f"commune:{vam.code}",
                "UNIT_MISSING_IN_SOURCE",
                f"vietnamadminunits lists {vam.name!r} ({vam.code}) in {vam.province_name}, "
                "which vietnam-provinces does not have.",
                "left out of the plan; its old communes stay without successor",
            )
            continue
        ours = official[code]
        if code in paired:
            b.flag(
                f"commune:{code}",
                "DUPLICATE_NAME",
                f"vietnamadminunits has more than one 2025 commune matching {ours.name!r} "
                f"({code}), among them {vam.name!r} ({vam.code}).",
                f"the lineage of every match goes to commune:{code}",
            )
        pairs[(r["provinceKey"], r["wardKey"])] = vam.code
        paired.add(code)
        if vam.code != code:
            recode[code] = vam.code
            b.disputed.add(f"commune:{vam.code}")
            b.flag(
                f"commune:{vam.code}",
                "CODE_MISMATCH_BETWEEN_SOURCES",
                f"{ours.name} ({vam.province_name}) has code {code} in vietnam-provinces "
                f"but {vam.code} in vietnamadminunits.",
                f"used the vietnamadminunits code {vam.code} (the official list's)",
            )
        if vam.name != ours.name:
            b.flag(
                f"commune:{vam.code}",
                "NAME_MISMATCH_BETWEEN_SOURCES",
                f"commune:{vam.code} is spelled {ours.name!r} in vietnam-provinces "
                f"but {vam.name!r} in vietnamadminunits.",
                f"kept the vietnam-provinces spelling {ours.name!r}",
            )
    for code in sorted(set(official) - paired):
        b.flag(
            f"commune:{code}",
            "UNIT_MISSING_IN_SOURCE",
            f"vietnamadminunits has no 2025 commune matching {official[code].name!r} ({code}).",
            "kept as a 2025 unit without known predecessors",
        )
    recoded: dict[str, _NewCommune] = {}
    for code, commune in official.items():
        kept = recode.get(code, code)
        recoded[kept] = dataclasses.replace(commune, code=kept)
    if len(recoded) != len(official):
        msg = "re-coding the disputed communes made two communes share a code"
        raise ValueError(msg)
    return pairs, recoded


def _provinces(
    b: _Builder,
    official: Mapping[str, UnitSpec],
    vam_rows: Iterable[Mapping[str, Any]],
    legacy_codes: Mapping[str, str],
    groups: Mapping[str, list[str]],
) -> tuple[dict[str, str], list[str], list[Merge]]:
    """Decide which provinces continue and which merge.

    Returns 2025 province code -> parent key for its communes, the keys of the
    continuing provinces, and the province merges.
    """
    vam_by_code: dict[str, tuple[str, str]] = {}
    for r in vam_rows:
        vam_by_code.setdefault(r["provinceCode"], (r["provinceKey"], _clean(r["province"])))
    parent: dict[str, str] = {}
    continuing: list[str] = []
    merges: list[Merge] = []
    for code in sorted(official):
        unit = official[code]
        vam = vam_by_code.get(code)
        if vam is None:
            b.flag(
                unit.key,
                "UNIT_MISSING_IN_SOURCE",
                f"vietnamadminunits has no 2025 province with code {code} ({unit.name}).",
                "created as a new province without predecessors",
            )
            b.add(b.new, unit, "vietnam-provinces")
            parent[code] = unit.key
            continue
        vam_key, vam_name = vam
        if _match_key(vam_name) != _match_key(unit.name):
            b.flag(
                unit.key,
                "NAME_MISMATCH_BETWEEN_SOURCES",
                f"province {code} is {unit.name!r} in vietnam-provinces "
                f"but {vam_name!r} in vietnamadminunits.",
                f"kept the vietnam-provinces name {unit.name!r}",
            )
        sources = sorted(
            f"old-province:{legacy_codes[k]}"
            for k in set(groups.get(vam_key, []))
            if k in legacy_codes
        )
        for k in sorted(set(groups.get(vam_key, [])) - set(legacy_codes)):
            b.flag(
                unit.key,
                "UNIT_MISSING_IN_SOURCE",
                f"the vietnamadminunits lineage of {unit.name} names old province {k!r}, "
                "which its own legacy table does not have.",
                "ignored",
            )
        if sources == [f"old-province:{code}"]:
            old = b.old[sources[0]]
            if _match_key(old.name) != _match_key(unit.name):
                b.flag(
                    old.key,
                    "NAME_MISMATCH_BETWEEN_SOURCES",
                    f"{old.key} continues as province {code} but is named {old.name!r} "
                    f"in vietnamadminunits and {unit.name!r} in vietnam-provinces.",
                    "treated as continuing; the old name is kept on the unit",
                )
            continuing.append(old.key)
            parent[code] = old.key
            continue
        b.add(b.new, unit, "vietnam-provinces")
        parent[code] = unit.key
        if sources:
            merges.append(Merge(tuple(sources), unit.key))
        else:
            b.flag(
                unit.key,
                "NEW_UNIT_WITHOUT_PREDECESSOR",
                f"vietnamadminunits names no old province for {unit.name} ({code}).",
                "created as a new province without predecessors",
            )
    return parent, continuing, merges


def _choose_default(
    b: _Builder,
    source_key: str,
    successors: list[str],
    flagged: str | None,
) -> str:
    """Pick the successor that receives an old commune's records."""
    old = b.old[source_key]
    carriers = [
        k for k in successors if b.new[k].administrative_unit_code == old.administrative_unit_code
    ]
    if carriers:
        chosen = carriers[0]
        if flagged is not None and flagged != chosen:
            disputed = (
                f" The two packages disagree on the code of {chosen}."
                if chosen in b.disputed
                else ""
            )
            b.flag(
                source_key,
                "DEFAULT_SUCCESSOR_CONFLICT",
                f"{old.name} ({old.administrative_unit_code}) was split; {chosen} carries its "
                f"code but vietnamadminunits marks {flagged} ({b.new[flagged].name}) as default."
                + disputed,
                f"default successor = {chosen} (carries the old code)",
            )
        return chosen
    if flagged is not None:
        return flagged
    chosen = successors[0]
    b.flag(
        source_key,
        "NO_DEFAULT_SUCCESSOR",
        f"{old.name} ({old.administrative_unit_code}) was split among {', '.join(successors)}; "
        "none carries its code and the source marks none as default.",
        f"default successor = {chosen} (lowest code)",
    )
    return chosen


def _communes(
    b: _Builder,
    official: Mapping[str, _NewCommune],
    parent: Mapping[str, str],
    pairs: Mapping[tuple[str, str], str],
    lineage_keys: Mapping[str, str],
    converter: Mapping[str, Any],
) -> tuple[list[Merge], list[Division]]:
    """Add the 2025 communes and their lineage."""
    for code in sorted(official):
        c = official[code]
        b.add(
            b.new,
            UnitSpec(f"commune:{code}", c.name, "commune", c.kind, code, parent[c.province_code]),
            "vietnam-provinces",
        )

    def new_key(province_key: str, ward_key: str) -> str | None:
        code = pairs.get((province_key, ward_key))
        return None if code is None else f"commune:{code}"

    def old_key(lineage_key: str) -> str | None:
        key = lineage_keys.get(lineage_key)
        if key is None:
            b.flag(
                lineage_key,
                "UNIT_MISSING_IN_SOURCE",
                f"the vietnamadminunits lineage names old unit {lineage_key!r}, "
                "which its own legacy table does not have.",
                "ignored",
            )
        return key

    targets: dict[str, set[str]] = defaultdict(set)  # old key -> new keys
    marked: dict[str, str] = {}  # old key -> successor the source marks as default
    entries: Counter[str] = Counter()
    for province_key, wards in converter["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for ward_key, olds in wards.items():
            successor = new_key(province_key, ward_key)
            for lineage_key in olds:
                source = old_key(lineage_key)
                if source is not None and successor is not None:
                    targets[source].add(successor)
                    entries[source] += 1
    for province_key, splits in converter["DICT_PROVINCE_WARD_DIVIDED"].items():
        for lineage_key, parts in splits.items():
            source = old_key(lineage_key)
            if source is None:
                continue
            entries[source] += 1
            for part in parts:
                successor = new_key(province_key, part["newWardKey"])
                if successor is None:
                    continue
                targets[source].add(successor)
                if part.get("isDefaultNewWard"):
                    marked[source] = successor
    for source, n in sorted(entries.items()):
        if n > 1:
            b.flag(
                source,
                "DUPLICATE_LINEAGE",
                f"vietnamadminunits lists {b.old[source].name} ({source}) {n} times "
                f"in its lineage.",
                f"all its successors are joined: {', '.join(sorted(targets[source]))}",
            )
    sources_of: dict[str, list[str]] = defaultdict(list)
    divisions: list[Division] = []
    for source in sorted(targets):
        successors = sorted(targets[source])
        if len(successors) == 1:
            sources_of[successors[0]].append(source)
            continue
        default = _choose_default(b, source, successors, marked.get(source))
        divisions.append(Division(source, tuple(successors), default))
    merges = [Merge(tuple(sources_of[k]), k) for k in sorted(sources_of)]
    return merges, divisions


def _districts(
    b: _Builder,
    merges: list[Merge],
    divisions: list[Division],
) -> list[Dissolution]:
    """Dissolve every old district into the 2025 province holding its communes."""
    default_of: dict[str, str] = {}
    for m in merges:
        for s in m.source_keys:
            default_of[s] = m.successor_key
    for d in divisions:
        default_of[d.source_key] = d.default_successor_key
    provinces: dict[str, Counter[str]] = defaultdict(Counter)
    touched: dict[str, set[str]] = defaultdict(set)
    for unit in b.old.values():
        if unit.level != "commune" or unit.key not in default_of or unit.parent_key is None:
            continue
        provinces[unit.parent_key][str(b.new[default_of[unit.key]].parent_key)] += 1
    for d in divisions:
        district = b.old[d.source_key].parent_key
        for s in d.successor_keys:
            touched[str(district)].add(str(b.new[s].parent_key))
    merged_districts = {s for m in merges for s in m.source_keys if s.startswith("old-district:")}
    dissolutions: list[Dissolution] = []
    for unit in sorted(b.old.values(), key=lambda u: u.key):
        if unit.level != "district" or unit.key in merged_districts:
            continue
        counts = provinces.get(unit.key)
        if not counts:
            b.flag(
                unit.key,
                "OLD_UNIT_WITHOUT_SUCCESSOR",
                f"{unit.name} ({unit.key}) has no commune with a known 2025 successor.",
                "no dissolution planned",
            )
            continue
        ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        chosen = ranked[0][0]
        spread = set(counts) | touched.get(unit.key, set())
        if len(spread) > 1:
            b.flag(
                unit.key,
                "DISTRICT_SPLIT_ACROSS_PROVINCES",
                f"the territory of {unit.name} ({unit.key}) went to {', '.join(sorted(spread))}.",
                f"records go to {chosen} (holds most of its communes)",
            )
        dissolutions.append(Dissolution(unit.key, chosen))
    return dissolutions


def _island_districts(b: _Builder, merges: list[Merge]) -> None:
    """Flag old districts that became a commune-level special zone directly."""
    for m in merges:
        for s in m.source_keys:
            if s.startswith("old-district:"):
                b.flag(
                    s,
                    "DISTRICT_SUCCEEDED_BY_COMMUNE_LEVEL_UNIT",
                    f"{b.old[s].name} had no communes; it became {b.new[m.successor_key].name} "
                    f"({m.successor_key}).",
                    f"modelled as Merge {s} -> {m.successor_key} instead of a Dissolution",
                )


def _completeness(b: _Builder, merges: list[Merge], divisions: list[Division]) -> None:
    """Flag old communes without successor and new communes without predecessor."""
    sources = {s for m in merges for s in m.source_keys} | {d.source_key for d in divisions}
    successors = {m.successor_key for m in merges} | {
        s for d in divisions for s in d.successor_keys
    }
    for unit in b.old.values():
        if unit.level == "commune" and unit.key not in sources:
            b.flag(
                unit.key,
                "OLD_UNIT_WITHOUT_SUCCESSOR",
                f"{unit.name} ({unit.key}) has no 2025 successor in vietnamadminunits.",
                "left without successor; its records need a manual decision",
            )
    for unit in b.new.values():
        if unit.level == "commune" and unit.key not in successors:
            b.flag(
                unit.key,
                "NEW_UNIT_WITHOUT_PREDECESSOR",
                f"{unit.name} ({unit.key}) has no predecessor in vietnamadminunits.",
                "created without predecessors",
            )


_LEVEL_ORDER = {"province": 0, "district": 1, "commune": 2}


def _ordered(units: Iterable[UnitSpec]) -> tuple[UnitSpec, ...]:
    return tuple(sorted(units, key=lambda u: (_LEVEL_ORDER[u.level], u.administrative_unit_code)))


@functools.cache
def build_plan() -> Vn2025Plan:
    """Build (once) the deterministic import plan for 1 July 2025."""
    b = _Builder()
    official_provinces, official_communes = _official_2025()
    legacy, current, converter = _vam_tables()

    lineage_keys = _old_units(b, legacy)
    legacy_codes = {r["provinceKey"]: r["provinceCode"] for r in legacy}
    parent, continuing, province_merges = _provinces(
        b, official_provinces, current, legacy_codes, converter["DICT_PROVINCE"]
    )
    pairs, official_communes = _pair_communes(b, official_communes, current)
    commune_merges, divisions = _communes(
        b, official_communes, parent, pairs, lineage_keys, converter
    )
    _island_districts(b, commune_merges)
    dissolutions = _districts(b, commune_merges, divisions)
    _completeness(b, commune_merges, divisions)

    merges = sorted(province_merges, key=lambda m: m.successor_key) + sorted(
        commune_merges, key=lambda m: m.successor_key
    )
    return Vn2025Plan(
        old_units=_ordered(b.old.values()),
        new_units=_ordered(b.new.values()),
        continuing_provinces=tuple(sorted(continuing)),
        merges=tuple(merges),
        divisions=tuple(sorted(divisions, key=lambda d: d.source_key)),
        dissolutions=tuple(sorted(dissolutions, key=lambda d: d.source_key)),
        ambiguities=tuple(
            sorted(set(b.ambiguities), key=lambda a: (a.rule, a.subject_key, a.detail))
        ),
    )
