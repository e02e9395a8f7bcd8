"""The identity service's seeds: the 2025 map, whole or a real sample, with demo codes.

``lienthong up --seed <name>`` finds these through the registry (the
ServiceSpec's ``seeds``) and loads one into the running identity service
through gRPC; the run file and ``lienthong status`` follow its progress.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.console import Console

from lienthong.identity.v1 import identity_pb2 as pb
from lienthong.identity.v1 import identity_pb2_grpc as pb_grpc
from lienthong.registry import Seed
from lienthong.signals import Stopped, never
from lienthong.tls import TLSFiles, client_channel

if TYPE_CHECKING:
    from collections.abc import Callable

    from .importer.demo_codes import DemoCodesReport
    from .importer.vn2025 import ImportReport
    from .importer.vn2025_sources import Vn2025Plan

NO_AGENCY_CODES = (
    "agency codes are not loaded: the official codes of the new communes are published by "
    "each province and are in no package we can install. Load a province's list with "
    "`lienthong identity import-agency-codes FILE`, or start with --seed vn-2025-demo for "
    "provisional codes")
console = Console(stderr=True)


def loaded(address: str) -> dict[str, int]:
    """What the identity service holds now: active units and their agency codes."""
    from .importer.demo_codes import active_units

    counts = {"provinces": 0, "communes": 0, "agency_codes": 0, "provisional_agency_codes": 0}
    with client_channel(address, TLSFiles.client_from_env()) as channel:
        stub = pb_grpc.IdentityServiceStub(channel)
        for level, key in ((pb.UNIT_LEVEL_PROVINCE, "provinces"),
                           (pb.UNIT_LEVEL_COMMUNE, "communes")):
            for unit in active_units(stub, level):
                counts[key] += 1
                counts["agency_codes"] += bool(unit.agency_code)
                counts["provisional_agency_codes"] += unit.agency_code_provisional
    return counts


def seed_plan(name: str) -> Vn2025Plan:
    """The units and lineage seed ``name`` loads: the whole country, or the sample."""
    from .importer.vn2025_sample import SAMPLE_PROVINCES, sample_plan
    from .importer.vn2025_sources import build_plan

    plan = build_plan()
    return sample_plan(plan, SAMPLE_PROVINCES) if name.startswith("vn-2025-sample") else plan


def import_seed(name: str, address: str, *, should_stop: Callable[[], bool] = never,
                tls: TLSFiles | None = None) -> tuple[ImportReport, DemoCodesReport | None]:
    """Load seed ``name`` into the identity service at ``address`` through gRPC (idempotent).

    Its units and lineage, then, for a demo seed, the provisional agency codes. ``tls``:
    the client files (by default those of the environment, ``LIENTHONG_CLIENT_TLS_*``).
    Raises :class:`~lienthong.signals.Stopped` between two commands once
    ``should_stop()`` is true.
    """
    from .importer.demo_codes import issue_demo_codes
    from .importer.vn2025 import import_plan

    with console.status("reading the source packages"):
        plan = seed_plan(name)
    with client_channel(address, tls or TLSFiles.client_from_env()) as channel:
        stub = pb_grpc.IdentityServiceStub(channel)
        report = import_plan(stub, plan, console=console, should_stop=should_stop)
        if report.stopped:
            raise Stopped
        console.print(f"{plan.name}: " + ", ".join(
            f"{what} {n}" for what, n in report.counts().items()))
        for ambiguity in report.ambiguities:
            console.print(f"[yellow]ambiguous[/] {ambiguity.rule} {ambiguity.subject_key}: "
                          f"{ambiguity.detail} -> {ambiguity.resolution}")
        if not name.endswith("-demo"):
            return report, None
        codes = issue_demo_codes(stub, console=console, should_stop=should_stop)
    if codes.stopped:
        raise Stopped
    for unit, reason, message in codes.failures:
        console.print(f"[red]not issued[/] {unit}: {reason} {message}")
    return report, codes


def _loader(name: str) -> Callable[..., dict[str, Any]]:
    def load(address: str, *, should_stop: Callable[[], bool] = never) -> dict[str, Any]:
        report, codes = import_seed(name, address, should_stop=should_stop)
        outcome: dict[str, Any] = {"import_failures": len(report.failures)}
        if codes is not None:
            outcome["provisional_codes"] = codes.as_dict()
        return {**outcome, **loaded(address)}
    return load


def _notice(outcome: dict[str, Any]) -> str:
    if "provisional_codes" not in outcome:
        return NO_AGENCY_CODES
    return (f"{outcome['provisional_agency_codes']} provisional agency codes (level-1 letter Z, "
            "dossier codes TAM-…): demonstration data, not official codes")


SEEDS = {
    name: Seed(summary, _loader(name), _notice) for name, summary in (
        ("vn-2025", "the 2025 two-tier divisions and their lineage, without agency codes"),
        ("vn-2025-demo", "vn-2025, plus provisional agency codes (marked provisional) for "
                         "every province and commune, so every real commune can take a dossier"),
        ("vn-2025-sample", "a real part of vn-2025: a few provinces with every old unit that "
                           "became them and its lineage (loads in a fraction of the time; "
                           "tests)"),
        ("vn-2025-sample-demo", "vn-2025-sample, plus provisional agency codes, as "
                                "vn-2025-demo"),
    )
}
