"""The seed data ``lienthong up --seed`` loads, and what the run file says of it.

While a seed loads, the run file's ``seed`` says ``seeding``; once it is in,
``ready`` with what was loaded (units, agency codes); ``failed`` or
``stopped`` (Ctrl-C, SIGTERM) otherwise. ``lienthong status --json`` reports
it, so scripts wait on that fact instead of a log line.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import grpc
from rich.console import Console

from lienthong.cli.common import fail
from lienthong.identity.v1 import identity_pb2 as pb
from lienthong.identity.v1 import identity_pb2_grpc as pb_grpc
from lienthong.platform import Stopped

if TYPE_CHECKING:
    from collections.abc import Callable

    from lienthong.platform import RunState
    from lienthong.services.identity.importer.demo_codes import DemoCodesReport
    from lienthong.services.identity.importer.vn2025 import ImportReport
    from lienthong.services.identity.importer.vn2025_sources import Vn2025Plan

SEEDS = {
    "vn-2025": "the 2025 two-tier divisions and their lineage, without agency codes",
    "vn-2025-demo": "vn-2025, plus provisional agency codes (marked provisional) for every "
                    "province and commune, so every real commune can take a dossier",
    "vn-2025-sample": "a real part of vn-2025: a few provinces with every old unit that "
                      "became them and its lineage (loads in a fraction of the time; tests)",
    "vn-2025-sample-demo": "vn-2025-sample, plus provisional agency codes, as vn-2025-demo",
}
NO_AGENCY_CODES = (
    "agency codes are not loaded: the official codes of the new communes are published by "
    "each province and are in no package we can install. Load a province's list with "
    "`lienthong identity import-agency-codes FILE`, or start with --seed vn-2025-demo for "
    "provisional codes")
#: How long the services that follow identity may take to apply the seed.
CONSUMED_TIMEOUT_S = 600.0
console = Console(stderr=True)


def _never() -> bool:
    return False


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def loaded(address: str) -> dict[str, int]:
    """What the identity service holds now: active units and their agency codes."""
    from lienthong.services.identity.importer.demo_codes import active_units

    counts = {"provinces": 0, "communes": 0, "agency_codes": 0, "provisional_agency_codes": 0}
    with grpc.insecure_channel(address) as channel:
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
    from lienthong.services.identity.importer.vn2025_sample import SAMPLE_PROVINCES, sample_plan
    from lienthong.services.identity.importer.vn2025_sources import build_plan

    plan = build_plan()
    return sample_plan(plan, SAMPLE_PROVINCES) if name.startswith("vn-2025-sample") else plan


def import_seed(name: str, address: str, *, should_stop: Callable[[], bool] = _never,
                ) -> tuple[ImportReport, DemoCodesReport | None]:
    """Load seed ``name`` into the identity service at ``address`` through gRPC (idempotent).

    Its units and lineage, then, for a demo seed, the provisional agency codes.
    Raises :class:`~lienthong.platform.Stopped` between two commands once
    ``should_stop()`` is true.
    """
    from lienthong.services.identity.importer.demo_codes import issue_demo_codes
    from lienthong.services.identity.importer.vn2025 import import_plan

    with console.status("reading the source packages"):
        plan = seed_plan(name)
    with grpc.insecure_channel(address) as channel:
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


def load_seed(name: str, state: RunState, *,
              should_stop: Callable[[], bool] = _never) -> None:
    """Load a seed into the running platform, keeping the run file's ``seed`` up to date.

    Raises :class:`~lienthong.platform.Stopped` (the seed then says ``stopped``)
    soon after ``should_stop()`` is true.
    """
    state.seed = {"name": name, "state": "seeding", "started_at": _now()}
    state.save()
    address = state.address_of("identity")
    outcome: dict[str, Any] = {}
    try:
        try:
            report, codes = import_seed(name, address, should_stop=should_stop)
            outcome["import_failures"] = len(report.failures)
            if codes is not None:
                outcome["provisional_codes"] = codes.as_dict()
            outcome.update(loaded(address))
        except grpc.RpcError as error:
            raise fail(error) from None
        with console.status("waiting until every service has applied the seed"):
            wait_until_consumed(state, should_stop=should_stop)
    except Stopped:
        state.seed.update(state="stopped", finished_at=_now())
        state.save()
        raise
    except BaseException:
        state.seed.update(state="failed", finished_at=_now())
        state.save()
        raise
    state.seed.update(state="ready", finished_at=_now(), **outcome)
    state.save()
    if not name.endswith("-demo"):
        console.print(f"[yellow]{NO_AGENCY_CODES}[/]", soft_wrap=True)
    else:
        console.print(f"[yellow]{outcome['provisional_agency_codes']} provisional agency codes "
                      "(level-1 letter Z, dossier codes TAM-…): demonstration data, not "
                      "official codes[/]", soft_wrap=True)


def wait_until_consumed(state: RunState, timeout_s: float = CONSUMED_TIMEOUT_S, *,
                        should_stop: Callable[[], bool] = _never) -> None:
    """Until identity's relay published every event and each consumer of it applied them.

    So ``ready`` means a dossier can be submitted at any seeded commune at once.
    Raises :class:`~lienthong.platform.Stopped` once ``should_stop()`` is true.
    """
    from lienthong.cli.events import unpublished
    from lienthong.platform import local_event_store

    store = local_event_store(Path(state.data_dir), "identity")
    url = f"nats://{state.address_of('nats')}"
    deadline = time.monotonic() + timeout_s
    while True:
        published, pending = asyncio.run(_identity_stream_backlog(url))
        _, behind = unpublished(store, "identity", published)
        if behind == 0 and pending == 0:
            return
        if should_stop():
            raise Stopped
        if time.monotonic() > deadline:
            msg = (f"after {timeout_s:.0f} s, {behind} identity events are unpublished and "
                   f"{pending} not yet applied by the services that follow identity")
            raise TimeoutError(msg)
        time.sleep(0.5)


async def _identity_stream_backlog(url: str) -> tuple[int, int]:
    """(last notification id published, messages its consumers have yet to apply)."""
    import nats

    from lienthong.events.jetstream import stream_name
    from lienthong.events.relay import last_relayed

    stream = stream_name("identity")
    nc = await nats.connect(url, connect_timeout=5, max_reconnect_attempts=0)
    try:
        js = nc.jetstream()
        info = await js.stream_info(stream)
        published, _ = await last_relayed(js, info)
        pending = sum(c.num_pending + c.num_ack_pending
                      for c in await js.consumers_info(stream))
        return published, pending
    finally:
        await nc.close()
