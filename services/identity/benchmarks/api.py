"""``lienthong bench identity``: RegisterUnit and ResolveUnit against raw inserts.

The identity service runs as production runs it (``python -m
lienthong.services.identity``) on a throw-away PostgreSQL database. Client
threads, each with its own gRPC connection, then:

1. register communes with distinct codes under one province (``register``);
2. merge a few of them, in chains, so some codes are retired and resolve
   through lineage; then resolve codes, one in four a retired one (``resolve``);
3. the baseline: raw psycopg commit-per-insert of an event-sized row into a
   plain table of the same database, with as many threads (``raw``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psycopg
from google.type import date_pb2
from psycopg import sql

from lienthong.identity.v1 import identity_pb2 as pb
from lienthong.identity.v1 import identity_pb2_grpc as pb_grpc
from lienthong.tools.bench.common import (
    AB_ROUNDS,
    BenchClient,
    BenchDatabase,
    BenchError,
    BenchTLS,
    CpuMeter,
    LoadExhaustedError,
    PhaseProgress,
    ServiceProcess,
    alternate,
    machine_info,
    raw_pg_insert,
    require_postgres,
    run_closed_loop,
    tls_cost,
)

if TYPE_CHECKING:
    from collections.abc import Callable

SERVICE_MODULE = "lienthong.services.identity"
PROVINCE_CODE = "01"
#: Merge chains: [a, b] merged into c, then c into d; a and b resolve in two steps.
MERGE_CHAINS = 10
MAX_COMMUNE_CODES = 99_999  # five digits, 00001..99999
RETIRED_SHARE = 4  # one resolve in RETIRED_SHARE asks for a retired code


@dataclass
class IdentityBenchConfig:
    postgres_dsn: str
    connections: int = 4
    seconds: float = 10.0
    count: int | None = None
    grpc_workers: int | None = None
    pool_size: int | None = None
    payload_bytes: int = 300
    options: dict[str, str] = field(default_factory=dict)
    #: Measure again over mutual TLS and report the cost beside plaintext.
    tls: bool = False

    def server_env(self, event_store: str) -> dict[str, str]:
        env = {"LIENTHONG_SERVICE": "identity", "LIENTHONG_EVENT_STORE": event_store,
               "LIENTHONG_LOG_LEVEL": "warning"}
        if self.grpc_workers is not None:
            env["LIENTHONG_GRPC_WORKERS"] = str(self.grpc_workers)
        if self.pool_size is not None:
            env["LIENTHONG_POSTGRES_POOL_SIZE"] = str(self.pool_size)
        env.update(self.options)
        return env


def _today() -> date_pb2.Date:
    today = dt.datetime.now(dt.UTC).date()
    return date_pb2.Date(year=today.year, month=today.month, day=today.day)


class _Client(BenchClient):
    """One gRPC connection of one load thread, with the stubs the scenario calls."""

    def __init__(self, address: str, tls: BenchTLS | None = None) -> None:
        super().__init__(address, tls)
        self.stub = pb_grpc.IdentityServiceStub(self.channel)


def _register_factory(address: str, run_id: str, province_id: str, registered: dict[str, str],
                      tls: BenchTLS | None, first_code: int = 0,
                      ) -> Callable[[int], Callable[[int], Any]]:
    """Register communes with codes from ``first_code + 1`` on (a round of an A/B comparison
    starts where the previous one ended)."""
    def factory(_: int) -> Callable[[int], Any]:
        client = _Client(address, tls)

        class Register:
            def __call__(self, seq: int) -> None:
                number = first_code + seq + 1
                if number > MAX_COMMUNE_CODES:
                    raise LoadExhaustedError
                code = f"{number:05d}"
                unit = client.stub.RegisterUnit(pb.RegisterUnitRequest(
                    request_id=f"bench-{run_id}-register-{number}",
                    display_name=f"Xã Thử Nghiệm {number}",
                    level=pb.UNIT_LEVEL_COMMUNE, kind=pb.UNIT_KIND_COMMUNE,
                    administrative_unit_code=code, parent_unit_id=province_id,
                ), timeout=30)
                registered[code] = unit.unit_id

            def close(self) -> None:
                client.close()

        return Register()

    return factory


def _resolve_factory(address: str, current: list[str], retired: list[str],
                     tls: BenchTLS | None) -> Callable[[int], Callable[[int], Any]]:
    def factory(_: int) -> Callable[[int], Any]:
        client = _Client(address, tls)

        class Resolve:
            def __call__(self, seq: int) -> None:
                if retired and seq % RETIRED_SHARE == 0:
                    code = retired[(seq // RETIRED_SHARE) % len(retired)]
                else:
                    code = current[seq % len(current)]
                reply = client.stub.ResolveUnit(pb.ResolveUnitRequest(code=code), timeout=30)
                if not reply.default_unit_id:
                    msg = f"{code} resolved to no unit"
                    raise RuntimeError(msg)

            def close(self) -> None:
                client.close()

        return Resolve()

    return factory


def _merge_chains(stub: pb_grpc.IdentityServiceStub, run_id: str,
                  units: list[tuple[str, str]]) -> tuple[list[str], int]:
    """Merge chains of four units; returns the retired codes and the number of merges."""
    retired: list[str] = []
    merges = 0
    today = _today()
    for chain in range(min(MERGE_CHAINS, len(units) // 4)):
        (code_a, a), (code_b, b), (code_c, c), (_, d) = units[4 * chain:4 * chain + 4]
        stub.MergeUnits(pb.MergeUnitsRequest(
            request_id=f"bench-{run_id}-merge-{chain}-1", source_unit_ids=[a, b],
            successor_unit_id=c, effective_date=today, reason="benchmark"), timeout=30)
        stub.MergeUnits(pb.MergeUnitsRequest(
            request_id=f"bench-{run_id}-merge-{chain}-2", source_unit_ids=[c],
            successor_unit_id=d, effective_date=today, reason="benchmark"), timeout=30)
        merges += 2
        retired += [code_a, code_b, code_c]
    return retired, merges


def _events_table(conn: psycopg.Connection[Any]) -> sql.Composed:
    """The service's event table (eventsourcing names it after the application)."""
    row = conn.execute("SELECT table_schema, table_name FROM information_schema.columns "
                       "WHERE table_schema = 'identity' AND column_name = 'notification_id' "
                       "ORDER BY table_name LIMIT 1").fetchone()
    if row is None:
        msg = "the identity service created no event table"
        raise BenchError(msg)
    return sql.SQL("{}.{}").format(sql.Identifier(row[0]), sql.Identifier(row[1]))


def _last_notification(dsn: str) -> int:
    with psycopg.connect(dsn) as conn:
        row = conn.execute(sql.SQL("SELECT coalesce(max(notification_id), 0) FROM {}").format(
            _events_table(conn))).fetchone()
    return int(row[0]) if row else 0


def _written_since(dsn: str, after: int, commands: int) -> dict[str, Any]:
    """Events written since a notification id, per command, and their mean size."""
    with psycopg.connect(dsn) as conn:
        row = conn.execute(sql.SQL("SELECT count(*), avg(length(state)) FROM {} "
                                   "WHERE notification_id > %s").format(_events_table(conn)),
                           (after,)).fetchone()
    events, avg_bytes = row if row else (0, 0)
    return {"events_per_register": round(int(events) / commands, 2) if commands else 0,
            "event_bytes_avg": round(float(avg_bytes or 0), 1)}


class _Side:
    """One identity service under load (plaintext, or mutual TLS and the access policy), on
    a database of its own: what it registered, and where its codes are."""

    def __init__(self, config: IdentityBenchConfig, dsn: str, progress: PhaseProgress,
                 tls: BenchTLS | None) -> None:
        self.config, self.dsn, self.progress, self.tls = config, dsn, progress, tls
        self.mode = " (TLS)" if tls else ""
        self.run_id = uuid.uuid4().hex[:8]
        self.env = config.server_env(dsn)
        self.registered: dict[str, str] = {}
        self.current: list[str] = []
        self.retired: list[str] = []
        self.merges = 0
        with progress.phase(f"starting identity{self.mode}") as update:
            server = ServiceProcess(SERVICE_MODULE, self.env, tls=tls).__enter__()
            update(1, 1)
        self.server: ServiceProcess | None = server
        self.client = _Client(server.address, tls)
        self.province_id = self.client.stub.RegisterUnit(pb.RegisterUnitRequest(
            request_id=f"bench-{self.run_id}-province", display_name="Tỉnh Thử Nghiệm",
            level=pb.UNIT_LEVEL_PROVINCE, kind=pb.UNIT_KIND_PROVINCE,
            administrative_unit_code=PROVINCE_CODE), timeout=30).unit_id
        self.before = _last_notification(dsn)

    @property
    def running(self) -> ServiceProcess:
        assert self.server is not None, "the service was stopped"
        return self.server

    def _timing(self, rounds: int) -> dict[str, Any]:
        return {"connections": self.config.connections,
                "seconds": self.config.seconds / rounds,
                "count": -(-self.config.count // rounds) if self.config.count else None}

    def register(self, round_: int, rounds: int = 1) -> Any:
        label = f"register{self.mode}" + (f" {round_ + 1}/{rounds}" if rounds > 1 else "")
        with self.progress.phase(label) as update:
            return run_closed_loop(
                _register_factory(self.running.address, self.run_id, self.province_id,
                                  self.registered, self.tls, first_code=len(self.registered)),
                **self._timing(rounds), warmup=5 if round_ == 0 else 0, on_progress=update,
                cpu=CpuMeter(self.running.pid))

    def merge(self) -> dict[str, Any]:
        """Merge chains of units; the events written per register, before them."""
        stats = _written_since(self.dsn, self.before, len(self.registered))
        units = sorted(self.registered.items())
        self.retired, self.merges = _merge_chains(self.client.stub, self.run_id, units)
        retired = set(self.retired)
        self.current = [code for code, _ in units if code not in retired]
        return stats

    def resolve(self, round_: int, rounds: int = 1) -> Any:
        label = f"resolve{self.mode}" + (f" {round_ + 1}/{rounds}" if rounds > 1 else "")
        with self.progress.phase(label) as update:
            return run_closed_loop(
                _resolve_factory(self.running.address, self.current, self.retired, self.tls),
                **self._timing(rounds), warmup=20 if round_ == 0 else 0, on_progress=update,
                cpu=CpuMeter(self.running.pid))

    def close(self) -> None:
        """Stop the service (once; again is harmless)."""
        if self.server is not None:
            self.client.close()
            self.server.__exit__()
            self.server = None


def run_identity_bench(config: IdentityBenchConfig, progress: PhaseProgress) -> dict[str, Any]:
    """Run the scenario and return its JSON figures."""
    require_postgres(config.postgres_dsn)
    machine = machine_info(config.postgres_dsn)
    timing = {"connections": config.connections, "seconds": config.seconds,
              "count": config.count}
    result: dict[str, Any] = {"scenario": "identity"}
    with contextlib.ExitStack() as stack:
        database = stack.enter_context(BenchDatabase(config.postgres_dsn,
                                                     prefix="lienthong_bench_identity"))
        plain = _Side(config, database.dsn, progress, None)
        sides = [plain]
        stack.callback(lambda: [side.close() for side in sides])
        if not config.tls:
            register = plain.register(0)
            stats = plain.merge()
            resolve = plain.resolve(0)
        else:
            # The same phases over mutual TLS and the access policy, on a database of
            # their own, measured in turns with the plaintext ones (AB_ROUNDS each).
            secured_db = stack.enter_context(BenchDatabase(config.postgres_dsn,
                                                           prefix="lienthong_bench_identity"))
            folder = stack.enter_context(tempfile.TemporaryDirectory(
                prefix="lienthong-bench-pki-"))
            secured = _Side(config, secured_db.dsn, progress, BenchTLS.make(Path(folder)))
            sides.append(secured)
            register, register_tls = alternate(
                AB_ROUNDS, lambda r: plain.register(r, AB_ROUNDS),
                lambda r: secured.register(r, AB_ROUNDS))
            stats = plain.merge()
            secured.merge()
            resolve, resolve_tls = alternate(
                AB_ROUNDS, lambda r: plain.resolve(r, AB_ROUNDS),
                lambda r: secured.resolve(r, AB_ROUNDS))
            result["tls"] = tls_cost(
                {"register": register.figures()["per_s"], "resolve": resolve.figures()["per_s"]},
                {"register": register_tls.figures()["per_s"],
                 "resolve": resolve_tls.figures()["per_s"]})
            result["tls"]["rounds"] = AB_ROUNDS
        for side in sides:  # the baseline runs alone
            side.close()
        with progress.phase("raw insert") as update:
            raw = raw_pg_insert(database.dsn, payload_bytes=config.payload_bytes,
                                on_progress=update, **timing)
    current, retired, merges, env = plain.current, plain.retired, plain.merges, plain.env

    register_figures = register.figures()
    register_figures.update(stats)
    if register.first_error:
        register_figures["first_error"] = register.first_error
    resolve_figures = resolve.figures()
    resolve_figures.update({"codes": len(current) + len(retired), "retired_codes": len(retired),
                            "retired_share": round(1 / RETIRED_SHARE, 2), "merges": merges})
    if resolve.first_error:
        resolve_figures["first_error"] = resolve.first_error
    raw_figures = raw.figures()
    result.update({
        "register": register_figures,
        "resolve": resolve_figures,
        "raw": {"pg_insert_per_s": raw_figures["per_s"],
                "pg_insert_p50_ms": raw_figures["p50_ms"],
                "pg_insert_p99_ms": raw_figures["p99_ms"],
                "count": raw_figures["count"], "payload_bytes": config.payload_bytes,
                **({"cpu": raw_figures["cpu"]} if "cpu" in raw_figures else {})},
        "ratios": {"register_vs_raw": round(register_figures["per_s"] / raw_figures["per_s"], 3)
                   if raw_figures["per_s"] else None},
        "machine": machine,
        "config": {
            "connections": config.connections, "seconds": config.seconds,
            "count": config.count, "event_store": "postgres",
            "grpc_workers": int(env.get("LIENTHONG_GRPC_WORKERS", "8")),
            "postgres_pool_size": int(env.get("LIENTHONG_POSTGRES_POOL_SIZE", "8")),
            "options": dict(config.options),
            "tls": config.tls,
        },
    })
    return result
