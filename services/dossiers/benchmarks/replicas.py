"""Replicas of the dossiers service on one database: the ``replicas`` section of
``lienthong bench dossiers``.

:class:`ReplicaSet` runs the service as production scales it out: ``count`` processes
(``python -m lienthong.services.dossiers``, each on a port of its own, NATS off) on one
PostgreSQL database and schema, after the units the service knows were saved there as
its identity consumer records them (a province and ``desks`` communes, each a desk with
its daily counter); the procedure is then created through the first replica.

:func:`measure_replicas` compares, on a database of its own, SubmitDossier back to back
(closed loop) from ``connections`` client threads:

* ``one``: every thread on the first replica;
* ``two``: the same threads spread over two replicas (thread i on replica i mod 2), each
  submitting at every desk in turn, so the replicas compete for the desks' counters;

in turns (``alternate``), each side ``seconds`` in all, after unmeasured calls on both
replicas. Then it reads every code the section issued from the event store and counts,
per desk and day, the numbers missing from 1..N (``gaps``) and those issued twice
(``duplicates``), beside the successful calls (``submissions``), and the notification
ids that saves which failed used up (``used_up_ids``: a save that lost the race for a
counter, and ran again, uses up one or more).
"""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from typing import TYPE_CHECKING, Any

import psycopg
from eventsourcing.utils import get_topic
from psycopg import sql

from lienthong.tools.bench.common import (
    AB_ROUNDS,
    BenchDatabase,
    CpuMeter,
    LoadResult,
    PhaseProgress,
    ServiceProcess,
    alternate,
    run_closed_loop,
)

from .api import (
    SERVICE_MODULE,
    WARMUP_PER_CONNECTION,
    Desk,
    DossiersBenchConfig,
    DossiersClient,
    events_table,
    procedure_request,
    seed_units,
    submit_factory,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence


class ReplicaSet:
    """``count`` dossiers services on the database ``dsn``, its desks seeded and the
    procedure created (a context manager: the processes stop at its end)."""

    def __init__(self, config: DossiersBenchConfig, dsn: str, *, count: int = 2,
                 run_id: str = "") -> None:
        if count < 1:
            msg = "at least one replica"
            raise ValueError(msg)
        self.config, self.dsn, self.count = config, dsn, count
        self.run_id = run_id or uuid.uuid4().hex[:8]
        self.desks: list[Desk] = []
        self.servers: list[ServiceProcess] = []

    @property
    def addresses(self) -> list[str]:
        return [server.address for server in self.servers]

    @property
    def pids(self) -> list[int]:
        return [server.pid for server in self.servers]

    def __enter__(self) -> ReplicaSet:
        self.desks = seed_units(self.dsn, self.config.schema, self.config.desks,
                                self.config.pii_master_key_file)
        env = self.config.server_env(self.dsn)
        try:
            for _ in range(self.count):
                self.servers.append(ServiceProcess(SERVICE_MODULE, env).__enter__())
            with DossiersClient(self.addresses[0]) as client:
                client.catalog.CreateProcedure(procedure_request(self.run_id), timeout=30)
        except BaseException:
            self.__exit__()
            raise
        return self

    def log_tails(self) -> str:
        return "\n".join(f"replica {n}:\n{server.log_tail()}"
                         for n, server in enumerate(self.servers, 1))

    def __exit__(self, *_: object) -> None:
        while self.servers:
            self.servers.pop().__exit__()


class ReplicasCpuMeter(CpuMeter):
    """A phase's CPU as :class:`CpuMeter` gives it, ``server`` being every replica's
    together, and each replica's own (``replica_<n>_pct``, percent of one core)."""

    def __init__(self, pids: Sequence[int]) -> None:
        super().__init__(pids[0])
        self.others = [CpuMeter(pid) for pid in pids[1:]]

    def start(self) -> None:
        for meter in self.others:
            meter.start()
        super().start()

    def stop(self, wall_s: float | None = None) -> dict[str, float]:
        used = super().stop(wall_s)
        shares = [used.get("server_pct", 0.0)]
        shares += [meter.stop(wall_s).get("server_pct", 0.0) for meter in self.others]
        for n, share in enumerate(shares, 1):
            used[f"replica_{n}_pct"] = share
        used["server_pct"] = round(sum(shares), 1)
        return used


def spread(factories: Sequence[Callable[[int], Callable[[int], Any]]],
           ) -> Callable[[int], Callable[[int], Any]]:
    """A worker factory that puts thread i on ``factories[i mod their number]``."""
    return lambda index: factories[index % len(factories)](index)


def code_gaps(codes: Iterable[str]) -> dict[str, int]:
    """Per desk and day (a code less its sequence), how many numbers of 1..the highest
    are missing (``gaps``) and how many were issued more than once (``duplicates``)."""
    numbers: dict[str, list[int]] = defaultdict(list)
    for code in codes:
        desk_day, _, number = code.rpartition("-")
        numbers[desk_day].append(int(number))
    gaps = duplicates = 0
    for issued in numbers.values():
        distinct = set(issued)
        duplicates += len(issued) - len(distinct)
        gaps += len(set(range(1, max(distinct) + 1)) - distinct)
    return {"codes": sum(len(issued) for issued in numbers.values()),
            "desk_days": len(numbers), "gaps": gaps, "duplicates": duplicates}


def issued_codes(dsn: str, schema: str) -> list[str]:
    """The code of every dossier in the event store (its ``Submitted`` event)."""
    from lienthong.services.dossiers.domain.dossier import Dossier

    with psycopg.connect(dsn) as conn:
        rows = conn.execute(sql.SQL("SELECT state FROM {} WHERE topic = %s").format(
            events_table(conn, schema)), (get_topic(Dossier.Submitted),)).fetchall()
    return [json.loads(bytes(state))["dossier_code"] for (state,) in rows]


def used_up_ids(dsn: str, schema: str) -> int:
    """Notification ids the event store gave out but holds no event for: each save that
    lost the race for a counter (and ran again) used up at least one."""
    with psycopg.connect(dsn) as conn:
        row = conn.execute(sql.SQL("SELECT coalesce(max(notification_id), 0) - count(*) "
                                   "FROM {}").format(events_table(conn, schema))).fetchone()
    return int(row[0]) if row else 0


def _side_figures(result: LoadResult, submitted: Sequence[Sequence[str]]) -> dict[str, Any]:
    """A side's figures; with several replicas, each one's calls and CPU per call."""
    figures = result.figures()
    if len(submitted) < 2:
        return figures
    cpu = figures.get("cpu", {})
    per_replica = {}
    for n, calls in enumerate(submitted, 1):
        share = cpu.pop(f"replica_{n}_pct", None)
        entry: dict[str, Any] = {
            "calls": len(calls),
            "per_s": round(len(calls) / result.elapsed_s, 1) if result.elapsed_s else 0.0}
        if share is not None:
            entry["server_pct"] = share
            if calls:
                entry["server_ms_per_call"] = round(
                    share * 10 * result.elapsed_s / len(calls), 3)
        per_replica[f"replica_{n}"] = entry
    figures["per_replica"] = per_replica
    return figures


def measure_replicas(config: DossiersBenchConfig, progress: PhaseProgress,
                     rounds: int = AB_ROUNDS) -> dict[str, Any]:
    """The ``replicas`` section: one replica against two side by side, the same client
    threads, on a database of their own; the codes issued checked for gaps."""
    run_id = uuid.uuid4().hex[:8]
    # The ids of the dossiers each replica submitted, measured or not: a code per call.
    warm: list[list[str]] = [[], []]
    one_submitted: list[list[str]] = [[]]
    two_submitted: list[list[str]] = [[], []]
    seconds = config.seconds / rounds
    with BenchDatabase(config.postgres_dsn, prefix="lienthong_bench_dossiers") as database:
        with progress.phase("starting two replicas") as update:
            replicas = ReplicaSet(config, database.dsn, count=2, run_id=run_id).__enter__()
            update(1, 1)
        try:
            desks, addresses = replicas.desks, replicas.addresses

            def both(phase: str, submitted: Sequence[list[str]],
                     ) -> Callable[[int], Callable[[int], Any]]:
                return spread([submit_factory(address, run_id, f"{phase}-{n}", desks,
                                              submitted[n])
                               for n, address in enumerate(addresses)])

            def one(round_: int) -> LoadResult:
                with progress.phase(f"one replica {round_ + 1}/{rounds}") as update:
                    return run_closed_loop(
                        submit_factory(addresses[0], run_id, f"one{round_}", desks,
                                       one_submitted[0]),
                        connections=config.connections, seconds=seconds, on_progress=update,
                        cpu=CpuMeter(replicas.pids[0]))

            def two(round_: int) -> LoadResult:
                with progress.phase(f"two replicas {round_ + 1}/{rounds}") as update:
                    return run_closed_loop(
                        both(f"two{round_}", two_submitted), connections=config.connections,
                        seconds=seconds, on_progress=update,
                        cpu=ReplicasCpuMeter(replicas.pids))

            with progress.phase("warming up both replicas") as update:
                run_closed_loop(both("warm", warm), connections=config.connections,
                                count=config.connections * WARMUP_PER_CONNECTION,
                                on_progress=update)
            single, double = alternate(rounds, one, two)
            with progress.phase("checking the codes") as update:
                codes = code_gaps(issued_codes(database.dsn, config.schema))
                codes["used_up_ids"] = used_up_ids(database.dsn, config.schema)
                update(1, 1)
        except BaseException:
            progress.note(f"[red]server logs:[/]\n{replicas.log_tails()}")
            raise
        finally:
            replicas.__exit__()
    one_figures = _side_figures(single, one_submitted)
    two_figures = _side_figures(double, two_submitted)
    codes["submissions"] = sum(len(ids) for ids in (*warm, *one_submitted, *two_submitted))
    return {
        "one": one_figures,
        "two": two_figures,
        "ratios": {"two_vs_one": round(two_figures["per_s"] / one_figures["per_s"], 3)
                   if one_figures["per_s"] else None},
        "codes": codes,
        "rounds": rounds,
        "connections": config.connections,
        "database": "a database of its own with the same desks and procedure; both "
                    "replicas on it, each submitting at every desk",
    }
