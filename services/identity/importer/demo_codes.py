"""Provisional agency codes for a demonstration of the whole country.

The official agency codes of the communes formed on 1 July 2025 are
published by each province and are in no package we can install, so the
``vn-2025`` seed loads units without codes. ``vn-2025-demo`` also gives every
active province and commune a provisional code, so that every real commune
can take a dossier in a demonstration:

* a province: ``000.00.00.Z<its 2-digit administrative code>``;
* its communes, in administrative-code order: ``000.<n3>.<n2>.Z<province>``,
  numbered 01.01, 02.01, ... 99.01, 01.02, ... (99 to a level-2 group).

The letter Z is issued to no official body, every such code is marked
provisional in every answer and in the unit's history, and dossier codes made
from it begin with ``TAM-``: a demo never passes for real data. A unit that
already has a code, official or provisional, keeps it; a commune formed later
(a merger's new unit) takes the next number its province never used, since a
code a retired unit held is locked for ever. A second run changes nothing.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import grpc
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from lienthong.grpc.errors import error_details
from lienthong.identity.v1 import identity_pb2 as pb

from ..domain.codes import PROVISIONAL_LETTER
from .vn2025 import CALL_TIMEOUT_S, EFFECTIVE

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from rich.console import Console

    from lienthong.identity.v1.identity_pb2_grpc import IdentityServiceStub

REQUEST_PREFIX = "vn-2025-demo/agency-code"
REASON = ("vn-2025-demo: a provisional agency code for demonstrations, not an official one "
          "(the province's published list replaces it)")
#: Communes per level-2 group of provisional codes (two digits, 01..99).
GROUP_SIZE = 99


def province_code(administrative_unit_code: str) -> str:
    return f"000.00.00.{PROVISIONAL_LETTER}{administrative_unit_code}"


def commune_code(province_administrative_code: str, index: int) -> str:
    """The provisional code of a province's ``index``-th commune (from 0)."""
    group, number = divmod(index, GROUP_SIZE)
    return (f"000.{number + 1:02d}.{group + 1:02d}."
            f"{PROVISIONAL_LETTER}{province_administrative_code}")


def units(stub: IdentityServiceStub, level: int, *, active_only: bool) -> Iterator[pb.Unit]:
    token = ""
    status = pb.UNIT_STATUS_ACTIVE if active_only else pb.UNIT_STATUS_UNSPECIFIED
    while True:
        page = stub.ListUnits(pb.ListUnitsRequest(
            level=level, status=status, page_size=1000, page_token=token),
            timeout=CALL_TIMEOUT_S)
        yield from page.units
        token = page.next_page_token
        if not token:
            return


def active_units(stub: IdentityServiceStub, level: int) -> Iterator[pb.Unit]:
    return units(stub, level, active_only=True)


def _index(code: str, province_administrative_code: str) -> int | None:
    """Which commune number a provisional code of the province stands for."""
    level4, level3, level2, level1 = code.split(".")
    if level1 != PROVISIONAL_LETTER + province_administrative_code or level4 != "000":
        return None
    return (int(level2) - 1) * GROUP_SIZE + int(level3) - 1


def plan_codes(provinces: list[pb.Unit], communes: list[pb.Unit]) -> list[tuple[pb.Unit, str]]:
    """Each province, then its communes in code order, with the code each would take.

    ``communes`` holds retired ones too: a number any of them ever held is
    locked, so a commune that has no code yet takes the next number never used
    in its province (the first run numbers them all in code order).
    """
    plan = [(p, province_code(p.administrative_unit_code)) for p in provinces]
    by_province: dict[str, list[pb.Unit]] = {}
    for commune in communes:
        by_province.setdefault(commune.province_unit_id, []).append(commune)
    for province in provinces:
        members = sorted(by_province.get(province.unit_id, []),
                         key=lambda u: u.administrative_unit_code)
        used = {index for unit in members for holding in unit.agency_codes
                if (index := _index(holding.agency_code,
                                    province.administrative_unit_code)) is not None}
        free = (i for i in itertools.count() if i not in used)
        for commune in members:
            if commune.status != pb.UNIT_STATUS_ACTIVE:
                continue
            if commune.agency_code:  # it keeps the code it has, official or provisional
                plan.append((commune, commune.agency_code))
            else:
                plan.append((commune, commune_code(province.administrative_unit_code,
                                                   next(free))))
    return plan


@dataclass
class DemoCodesReport:
    issued: int = 0
    unchanged: int = 0
    kept_official: int = 0
    failures: list[tuple[str, str, str]] = field(default_factory=list)  # (unit, reason, message)
    #: Asked to stop before the last unit; a later run carries on.
    stopped: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {"issued": self.issued, "unchanged": self.unchanged,
                "kept_official": self.kept_official,
                "failures": [{"unit": u, "reason": r, "message": m}
                             for u, r, m in self.failures]}


def issue_demo_codes(stub: IdentityServiceStub, *, console: Console | None = None,
                     should_stop: Callable[[], bool] | None = None) -> DemoCodesReport:
    """Give every active province and commune without an official code a provisional one.

    Stops between two units once ``should_stop()`` is true (the report says ``stopped``).
    """
    provinces = sorted(active_units(stub, pb.UNIT_LEVEL_PROVINCE),
                       key=lambda u: u.administrative_unit_code)
    communes = list(units(stub, pb.UNIT_LEVEL_COMMUNE, active_only=False))
    report = DemoCodesReport()
    progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                        TimeElapsedColumn(), console=console, disable=console is None)
    plan = plan_codes(provinces, communes)
    with progress:
        task = progress.add_task("provisional agency codes", total=len(plan))
        for unit, code in plan:
            if should_stop is not None and should_stop():
                report.stopped = True
                break
            progress.advance(task)
            if unit.agency_code and not unit.agency_code_provisional:
                report.kept_official += 1
                continue
            if unit.agency_code:  # a provisional code it has: kept, never renumbered
                report.unchanged += 1
                continue
            try:
                stub.AssignAgencyCode(pb.AssignAgencyCodeRequest(
                    request_id=f"{REQUEST_PREFIX}/{unit.unit_id}/{code}",
                    unit_id=unit.unit_id, agency_code=code, effective_date=EFFECTIVE,
                    provisional=True, reason=REASON), timeout=CALL_TIMEOUT_S)
            except grpc.RpcError as error:
                if error.code() not in (grpc.StatusCode.INVALID_ARGUMENT,
                                        grpc.StatusCode.FAILED_PRECONDITION,
                                        grpc.StatusCode.ALREADY_EXISTS):
                    raise
                report.failures.append((f"{unit.display_name} ({unit.administrative_unit_code})",
                                        str(error_details(error)["reason"]),
                                        error.details() or ""))
                continue
            report.issued += 1
    return report
