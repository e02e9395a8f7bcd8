"""Replay the 1 July 2025 reform into the identity service, over gRPC.

The plan (:mod:`.vn2025_sources`) becomes commands with deterministic
request ids, so a second run is answered from the first run's records and
changes nothing. Each new commune is created by the command that retires
the old unit whose code it carries on (its merge, or that unit's
division); the other commands then name it as an existing successor.
"""

from __future__ import annotations

import graphlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import grpc
from google.type import date_pb2
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from lienthong.grpc.errors import error_details
from lienthong.identity.v1 import identity_pb2 as pb

from .vn2025_sources import EFFECTIVE_DATE, Ambiguity, Division, Merge, UnitSpec, Vn2025Plan

if TYPE_CHECKING:
    from collections.abc import Callable

    from rich.console import Console

    from lienthong.identity.v1.identity_pb2_grpc import IdentityServiceStub

REQUEST_PREFIX = "vn-2025"
REASON = "Nghị quyết 202/2025/QH15 and the 2025 resolutions reorganising communes (vn-2025 import)"
CALL_TIMEOUT_S = 30
KINDS = {name.removeprefix("UNIT_KIND_").lower(): value
         for name, value in pb.UnitKind.items() if value}
EFFECTIVE = date_pb2.Date(year=EFFECTIVE_DATE.year, month=EFFECTIVE_DATE.month,
                          day=EFFECTIVE_DATE.day)


@dataclass
class ImportReport:
    counts_by_command: dict[str, int] = field(default_factory=dict)
    failures: list[tuple[str, str, str]] = field(default_factory=list)  # (command, reason, message)
    skipped: list[str] = field(default_factory=list)
    ambiguities: tuple[Ambiguity, ...] = ()
    unit_ids: dict[str, str] = field(default_factory=dict)
    #: Asked to stop before the last command: the commands not run are not reported.
    stopped: bool = False

    def counts(self) -> dict[str, int]:
        return {**self.counts_by_command, "failed": len(self.failures),
                "skipped": len(self.skipped), "ambiguities": len(self.ambiguities)}

    def as_dict(self) -> dict[str, Any]:
        return {
            "counts": self.counts(),
            "failures": [{"command": c, "reason": r, "message": m} for c, r, m in self.failures],
            "skipped": self.skipped,
            "ambiguities": [vars(a) for a in self.ambiguities],
        }


@dataclass(frozen=True)
class _Command:
    name: str  # also the request id's tail, e.g. "merge/commune:00004"
    verb: str
    creates: tuple[str, ...]  # unit keys this command brings into being
    needs: tuple[str, ...]  # unit keys that must exist before it
    run: Callable[[IdentityServiceStub, dict[str, str]], dict[str, str]]
    divisions: tuple[Division, ...] = ()  # the divisions a divide command carries out


def _new_unit(spec: UnitSpec, ids: dict[str, str]) -> pb.NewUnit:
    return pb.NewUnit(display_name=spec.name, kind=KINDS[spec.kind],
                      administrative_unit_code=spec.administrative_unit_code,
                      parent_unit_id=ids[spec.parent_key] if spec.parent_key else "")


def _register(spec: UnitSpec, effective: bool) -> _Command:
    def run(stub: IdentityServiceStub, ids: dict[str, str]) -> dict[str, str]:
        unit = stub.RegisterUnit(pb.RegisterUnitRequest(
            request_id=f"{REQUEST_PREFIX}/register/{spec.key}", display_name=spec.name,
            kind=KINDS[spec.kind], administrative_unit_code=spec.administrative_unit_code,
            parent_unit_id=ids[spec.parent_key] if spec.parent_key else "",
            effective_date=EFFECTIVE if effective else None, reason=REASON,
        ), timeout=CALL_TIMEOUT_S)
        return {spec.key: unit.unit_id}

    return _Command(f"register/{spec.key}", "registered", (spec.key,),
                    (spec.parent_key,) if spec.parent_key else (), run)


def _merge(merge: Merge, new_spec: UnitSpec | None) -> _Command:
    def run(stub: IdentityServiceStub, ids: dict[str, str]) -> dict[str, str]:
        request = pb.MergeUnitsRequest(
            request_id=f"{REQUEST_PREFIX}/merge/{merge.successor_key}",
            source_unit_ids=[ids[s] for s in merge.source_keys],
            effective_date=EFFECTIVE, reason=REASON)
        if new_spec is not None:
            request.new_successor.CopyFrom(_new_unit(new_spec, ids))
        else:
            request.successor_unit_id = ids[merge.successor_key]
        reply = stub.MergeUnits(request, timeout=CALL_TIMEOUT_S)
        return {merge.successor_key: reply.successor.unit_id}

    needs = list(merge.source_keys)
    if new_spec is None:
        needs.append(merge.successor_key)
    elif new_spec.parent_key:
        needs.append(new_spec.parent_key)
    return _Command(f"merge/{merge.successor_key}", "merged",
                    (merge.successor_key,) if new_spec is not None else (), tuple(needs), run)


def _add_successors(request: pb.DivideUnitRequest, division: Division,
                    new_specs: dict[str, UnitSpec], ids: dict[str, str]) -> None:
    for key in division.successor_keys:
        target = request.successors.add(is_default=key == division.default_successor_key)
        if key in new_specs:
            target.new_unit.CopyFrom(_new_unit(new_specs[key], ids))
        else:
            target.unit_id = ids[key]


def _division_needs(divisions: list[Division], new_specs: dict[str, UnitSpec]) -> tuple[str, ...]:
    """The sources, the existing successors and the new successors' parents."""
    needs = [d.source_key for d in divisions]
    for division in divisions:
        for key in division.successor_keys:
            spec = new_specs.get(key)
            if spec is None:
                needs.append(key)
            elif spec.parent_key:
                needs.append(spec.parent_key)
    return tuple(dict.fromkeys(needs))


def _divide(division: Division, new_specs: dict[str, UnitSpec]) -> _Command:
    def run(stub: IdentityServiceStub, ids: dict[str, str]) -> dict[str, str]:
        request = pb.DivideUnitRequest(
            request_id=f"{REQUEST_PREFIX}/divide/{division.source_key}",
            unit_id=ids[division.source_key], effective_date=EFFECTIVE, reason=REASON)
        _add_successors(request, division, new_specs, ids)
        reply = stub.DivideUnit(request, timeout=CALL_TIMEOUT_S)
        return {key: unit.unit_id for key, unit in
                zip(division.successor_keys, reply.successors, strict=True)}

    return _Command(f"divide/{division.source_key}", "divided", tuple(new_specs),
                    _division_needs([division], new_specs), run, (division,))


def _divide_together(divisions: list[Division], new_specs: dict[str, UnitSpec]) -> _Command:
    """Neighbours each split among the same new units: one BatchDivideUnits."""
    divisions = sorted(divisions, key=lambda d: d.source_key)
    name = f"divide-together/{divisions[0].source_key}"  # a source is in one group only

    def run(stub: IdentityServiceStub, ids: dict[str, str]) -> dict[str, str]:
        request = pb.BatchDivideUnitsRequest(
            request_id=f"{REQUEST_PREFIX}/{name}", effective_date=EFFECTIVE, reason=REASON)
        for division in divisions:
            _add_successors(request.divisions.add(unit_id=ids[division.source_key]), division,
                            new_specs, ids)
        reply = stub.BatchDivideUnits(request, timeout=CALL_TIMEOUT_S)
        return {key: unit.unit_id
                for division, answer in zip(divisions, reply.divisions, strict=True)
                for key, unit in zip(division.successor_keys, answer.successors, strict=True)}

    return _Command(name, "divided", tuple(new_specs), _division_needs(divisions, new_specs),
                    run, tuple(divisions))


def _dissolve(source_key: str, successor_key: str) -> _Command:
    def run(stub: IdentityServiceStub, ids: dict[str, str]) -> dict[str, str]:
        stub.DissolveUnit(pb.DissolveUnitRequest(
            request_id=f"{REQUEST_PREFIX}/dissolve/{source_key}", unit_id=ids[source_key],
            records_successor_unit_id=ids[successor_key], effective_date=EFFECTIVE,
            reason=REASON), timeout=CALL_TIMEOUT_S)
        return {}

    return _Command(f"dissolve/{source_key}", "dissolved", (), (source_key, successor_key), run)


def plan_commands(plan: Vn2025Plan) -> list[_Command]:
    """The plan as commands, in an order in which each one's units exist."""
    new_by_key = {u.key: u for u in plan.new_units}
    old_by_code = {u.administrative_unit_code: u.key for u in plan.old_units}
    merge_of = {m.successor_key: m for m in plan.merges}

    def creator(new_key: str) -> str:
        """Which command creates a new unit: the one retiring its code's holder."""
        holder = old_by_code.get(new_by_key[new_key].administrative_unit_code)
        merge = merge_of.get(new_key)
        if holder is not None and merge is not None and holder in merge.source_keys:
            return f"merge/{new_key}"
        for division in divisions_by_source.get(holder or "", []):
            if new_key in division.successor_keys:
                return f"divide/{holder}"
        return f"merge/{new_key}" if merge is not None else f"register/{new_key}"

    divisions_by_source = {d.source_key: [d] for d in plan.divisions}
    created_by = {key: creator(key) for key in new_by_key}
    commands = [_register(u, effective=False) for u in plan.old_units]
    commands += [_register(new_by_key[k], effective=True)
                 for k, c in created_by.items() if c == f"register/{k}"]
    for merge in plan.merges:
        creates = created_by.get(merge.successor_key) == f"merge/{merge.successor_key}"
        commands.append(_merge(merge, new_by_key[merge.successor_key] if creates else None))
    divisions = {f"divide/{d.source_key}": d for d in plan.divisions}
    for name, division in divisions.items():
        commands.append(_divide(division, {k: new_by_key[k] for k in division.successor_keys
                                           if created_by.get(k) == name}))
    commands += [_dissolve(d.source_key, d.records_successor_key) for d in plan.dissolutions]

    # Order: every unit a command needs is created by an earlier command.
    # Divisions that need each other's new units (each unit carries on the
    # code of the other's source) become one BatchDivideUnits: each group of
    # commands that need each other (a strongly connected component) is one.
    maker = {key: c.name for c in commands for key in c.creates}
    needs = {c.name: [maker[k] for k in c.needs if maker[k] != c.name] for c in commands}
    by_name = {c.name: c for c in commands}
    for names in _needing_each_other(needs):
        members = [by_name.pop(name) for name in names]
        if not all(c.divisions for c in members):
            msg = f"only divisions can need each other's new units: {sorted(names)}"
            raise ValueError(msg)
        group = [d for c in members for d in c.divisions]
        creates = {k for c in members for k in c.creates}
        together = _divide_together(group, {k: new_by_key[k] for k in sorted(creates)})
        by_name[together.name] = together
    commands = list(by_name.values())
    maker = {key: c.name for c in commands for key in c.creates}
    sorter: graphlib.TopologicalSorter[str] = graphlib.TopologicalSorter()
    for command in commands:
        sorter.add(command.name, *(maker[k] for k in command.needs if maker[k] != command.name))
    return [by_name[name] for name in sorter.static_order()]


def _needing_each_other(needs: dict[str, list[str]]) -> list[list[str]]:
    """The groups of two or more nodes that reach each other (Tarjan, without recursion)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    for root in needs:
        if root in index:
            continue
        work = [(root, iter(needs[root]))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, edges = work[-1]
            for target in edges:
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(needs[target])))
                    break
                if target in on_stack:
                    low[node] = min(low[node], index[target])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    group = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == node:
                            break
                    if len(group) > 1:
                        groups.append(group)
    return groups


def import_plan(stub: IdentityServiceStub, plan: Vn2025Plan, *,
                console: Console | None = None,
                should_stop: Callable[[], bool] | None = None) -> ImportReport:
    """Run every command of the plan; refusals are reported, not raised.

    Stops between two commands once ``should_stop()`` is true (the report says
    ``stopped``); a later run carries on, as the request ids are the same.
    """
    commands = plan_commands(plan)
    report = ImportReport(ambiguities=plan.ambiguities)
    ids: dict[str, str] = {}
    failed_keys: set[str] = set()
    progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                        TimeElapsedColumn(), console=console, transient=False,
                        disable=console is None)
    with progress:
        task = progress.add_task(f"importing {plan.name}", total=len(commands))
        for command in commands:
            if should_stop is not None and should_stop():
                report.stopped = True
                break
            progress.advance(task)
            if any(k in failed_keys or k not in ids for k in command.needs):
                report.skipped.append(command.name)
                failed_keys.update(command.creates)
                continue
            try:
                ids.update(command.run(stub, ids))
            except grpc.RpcError as error:
                if error.code() not in (grpc.StatusCode.INVALID_ARGUMENT,
                                        grpc.StatusCode.FAILED_PRECONDITION,
                                        grpc.StatusCode.ALREADY_EXISTS,
                                        grpc.StatusCode.NOT_FOUND):
                    raise
                report.failures.append((command.name, str(error_details(error)["reason"]),
                                        error.details() or ""))
                failed_keys.update(command.creates)
                continue
            report.counts_by_command[command.verb] = (
                report.counts_by_command.get(command.verb, 0) + 1)
    report.unit_ids = ids
    return report
