"""``lienthong bench dossiers``: SubmitDossier and status changes against raw inserts.

The dossiers service runs as production runs it (``python -m
lienthong.services.dossiers``) on a throw-away PostgreSQL database, without
NATS (``LIENTHONG_NATS_URL`` empty: nothing is published or consumed).
Before it starts, the units it needs are saved into its store as its identity
consumer would have recorded them: :class:`KnownUnit` aggregates saved
through a :class:`DossiersApplication` on the same database and schema (a
province and ``desks`` communes, each with its agency code). A procedure
decided at commune level and received anywhere in the country is then
created through ``CatalogService`` over gRPC. Client threads, each with its
own gRPC connection, then:

1. ``submit``: SubmitDossier on a fixed schedule (open loop, ``rate`` per
   second for ``seconds``), round-robin over the desks, so that each desk's
   daily counter grows as a day's would. Latency runs from the call's slot in
   the schedule (a call that waits for a free connection counts its wait), so
   a server that falls behind shows in p99; ``from_send`` gives the same from
   the moment the call left;
2. ``submit_max``: the same calls back to back (closed loop);
3. ``status_change``: on the dossiers submitted above, ReceiveDossier then
   AssignDossier, back to back; each call is one status change;
4. ``raw``: the baseline, raw psycopg commit-per-insert of an event-sized row
   into a plain table of the same database, with as many threads.
5. ``replicas``: SubmitDossier closed loop on one replica, and on two replicas
   side by side on one database, the same threads spread over both, in turns;
   then the codes issued checked for gaps (:mod:`.replicas`).
"""

from __future__ import annotations

import functools
import itertools
import math
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psycopg
from google.type import date_pb2
from psycopg import sql

from lienthong.dossiers.v1 import catalog_pb2 as catalog_pb
from lienthong.dossiers.v1 import catalog_pb2_grpc as catalog_grpc
from lienthong.dossiers.v1 import dossiers_pb2 as pb
from lienthong.dossiers.v1 import dossiers_pb2_grpc as pb_grpc
from lienthong.personal import write_master_key_file
from lienthong.tools.bench.common import (
    AB_ROUNDS,
    BenchClient,
    BenchDatabase,
    BenchError,
    BenchTLS,
    CpuMeter,
    LoadExhaustedError,
    LoadResult,
    PhaseProgress,
    ServiceProcess,
    alternate,
    figures,
    machine_info,
    raw_pg_insert,
    require_postgres,
    run_closed_loop,
    tls_cost,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence

SERVICE_MODULE = "lienthong.services.dossiers"
DEFAULT_SCHEMA = "dossiers"
#: Registering a birth: decided by the commune, received anywhere in the country.
PROCEDURE_CODE = "1.001193"
PROVINCE_AGENCY_CODE = "000.00.00.H01"
PROVINCE_ADMINISTRATIVE_CODE = "01"
#: Unmeasured submissions per connection before the scheduled phase.
WARMUP_PER_CONNECTION = 5
#: The target: p99 of SubmitDossier under this at 100 submissions/s.
TARGET_P99_MS = 20.0
TARGET_RATE = 100.0
#: A scheduled call that leaves later than this after its slot counts as late.
LATE_AFTER_S = 0.001


@dataclass
class DossiersBenchConfig:
    postgres_dsn: str
    connections: int = 4
    rate: float = 100.0
    seconds: float = 10.0
    desks: int = 10
    grpc_workers: int | None = None
    pool_size: int | None = None
    payload_bytes: int = 300
    options: dict[str, str] = field(default_factory=dict)
    #: Measure submit (at most) and status change again over mutual TLS, and report the
    #: cost beside plaintext.
    tls: bool = False

    @property
    def schema(self) -> str:
        return self.options.get("LIENTHONG_POSTGRES_SCHEMA") or DEFAULT_SCHEMA

    @property
    def pii_master_key_file(self) -> str:
        return self.options.get("LIENTHONG_PII_MASTER_KEY_FILE") or str(bench_master_key())

    def server_env(self, event_store: str) -> dict[str, str]:
        env = {"LIENTHONG_SERVICE": "dossiers", "LIENTHONG_EVENT_STORE": event_store,
               "LIENTHONG_NATS_URL": "", "LIENTHONG_LOG_LEVEL": "warning",
               "LIENTHONG_PII_MASTER_KEY_FILE": self.pii_master_key_file}
        if self.grpc_workers is not None:
            env["LIENTHONG_GRPC_WORKERS"] = str(self.grpc_workers)
        if self.pool_size is not None:
            env["LIENTHONG_POSTGRES_POOL_SIZE"] = str(self.pool_size)
        env.update(self.options)
        return env


# -- pure helpers (unit-tested) ------------------------------------------------------


def desk_agency_code(index: int) -> str:
    """The agency code of the ``index``-th desk (a commune of Hà Nội, H01): distinct
    for every index, never the province's own ``000.00.00.H01``."""
    if index < 0:
        msg = "a desk index is not negative"
        raise ValueError(msg)
    group, number = divmod(index, 90)
    if group > 99:
        msg = f"at most 9000 desks, not {index + 1}"
        raise ValueError(msg)
    return f"000.{group:02d}.{10 + number:02d}.H01"


def applicant_pin(seq: int) -> str:
    """A valid personal identification number: born in Hà Nội (001), a man born in
    the 20th century (0), in 1990 (90), then six digits from ``seq``."""
    return f"001090{seq % 1_000_000:06d}"


def scheduled_calls(rate: float, seconds: float) -> int:
    """How many calls a schedule of ``rate`` per second holds in ``seconds``."""
    if rate <= 0 or seconds <= 0:
        msg = "the rate and the duration must be positive"
        raise ValueError(msg)
    return math.floor(rate * seconds)


def per_desk(submissions: int, desks: int) -> int:
    """The most submissions one desk receives when they go round-robin."""
    if desks < 1:
        msg = "at least one desk"
        raise ValueError(msg)
    return -(-submissions // desks)


# -- an open-loop (scheduled) load ---------------------------------------------------


@dataclass
class ScheduledResult:
    """What a scheduled run measured (seconds)."""

    from_slot_s: list[float]
    from_send_s: list[float]
    elapsed_s: float
    scheduled: int
    late: int = 0
    errors: int = 0
    first_error: str = ""
    cpu: dict[str, float] = field(default_factory=dict)

    def figures(self, rate: float) -> dict[str, Any]:
        result = figures(self.from_slot_s, self.elapsed_s, self.errors)
        send = figures(self.from_send_s, self.elapsed_s)
        result.update({
            "rate_target_per_s": rate, "scheduled": self.scheduled,
            "late_starts": self.late,
            "from_send": {"p50_ms": send["p50_ms"], "p99_ms": send["p99_ms"]},
            "max_ms": round(max(self.from_slot_s, default=0.0) * 1000, 3),
        })
        if self.cpu:
            result["cpu"] = dict(self.cpu)
            if result["per_s"]:
                for name in ("server", "postgres", "client"):
                    if f"{name}_pct" in self.cpu:
                        result["cpu"][f"{name}_ms_per_call"] = round(
                            self.cpu[f"{name}_pct"] * 10 / result["per_s"], 3)
        if self.first_error:
            result["first_error"] = self.first_error
        return result


def run_scheduled(worker_factory: Callable[[int], Callable[[int], Any]], *, connections: int,
                  rate: float, seconds: float, warmup: int = 0,
                  on_progress: Callable[[float, float], None] | None = None,
                  cpu: CpuMeter | None = None) -> ScheduledResult:
    """Call an operation on a fixed schedule: call k is due ``k / rate`` after the start.

    ``connections`` threads (``worker_factory(i)`` runs in thread i and returns
    ``op(seq)``, closed at the end if it has ``close``) take the next due call
    each; a thread late for its slot calls at once. Each thread first makes
    ``warmup`` unmeasured calls (their ``seq`` follow the scheduled ones).
    """
    total = scheduled_calls(rate, seconds)
    slots = itertools.count()
    warm_seqs = itertools.count(total)
    ready = threading.Barrier(connections + 1)
    go = threading.Event()
    start = [0.0]
    from_slot: list[list[float]] = [[] for _ in range(connections)]
    from_send: list[list[float]] = [[] for _ in range(connections)]
    late = [0] * connections
    ends = [0.0] * connections
    errors: list[str] = []
    setup_errors: list[BaseException] = []
    ops: list[Any] = []

    def worker(index: int) -> None:
        try:
            op = worker_factory(index)
            ops.append(op)
            for _ in range(warmup):
                op(next(warm_seqs))
        except BaseException as error:
            setup_errors.append(error)
            ready.abort()
            return
        try:
            ready.wait()
        except threading.BrokenBarrierError:
            return
        go.wait()
        clock = time.perf_counter
        while (slot := next(slots)) < total:
            due = start[0] + slot / rate
            delay = due - clock()
            if delay > 0:
                time.sleep(delay)
            sent = clock()
            if sent - due > LATE_AFTER_S:
                late[index] += 1
            try:
                op(slot)
            except Exception as error:  # counted; the schedule goes on
                errors.append(f"{type(error).__name__}: {error}")
                continue
            done = clock()
            from_slot[index].append(done - due)
            from_send[index].append(done - sent)
            ends[index] = max(ends[index], done)

    threads = [threading.Thread(target=worker, args=(i,), name=f"bench-sched-{i}", daemon=True)
               for i in range(connections)]
    for thread in threads:
        thread.start()
    try:
        try:
            ready.wait()
        except threading.BrokenBarrierError:
            for thread in threads:
                thread.join()
            error = setup_errors[0] if setup_errors else RuntimeError("worker setup failed")
            msg = f"a load worker could not start: {type(error).__name__}: {error}"
            raise BenchError(msg) from error
        start[0] = time.perf_counter() + 0.01
        if cpu is not None:
            cpu.start()
        go.set()
        while any(t.is_alive() for t in threads):
            if on_progress is not None:
                on_progress(min(max(time.perf_counter() - start[0], 0.0), seconds), seconds)
            time.sleep(0.05)
        elapsed = max(*ends, start[0] + total / rate) - start[0]
        used = cpu.stop(wall_s=elapsed) if cpu is not None else {}
    finally:
        for op in ops:
            close = getattr(op, "close", None)
            if close is not None:
                close()
    if on_progress is not None:
        on_progress(seconds, seconds)
    return ScheduledResult([x for p in from_slot for x in p], [x for p in from_send for x in p],
                           elapsed, total, sum(late), len(errors),
                           errors[0] if errors else "", used)


# -- the world: units, a procedure ---------------------------------------------------


@dataclass(frozen=True)
class Desk:
    unit_id: str
    agency_code: str


@functools.cache
def _bench_key_folder() -> tempfile.TemporaryDirectory[str]:
    return tempfile.TemporaryDirectory(prefix="lienthong-bench-pii-")


def bench_master_key() -> Path:
    """The master key of personal data for the benchmarks' throw-away databases: one per
    process, removed at its exit."""
    return write_master_key_file(Path(_bench_key_folder().name) / "pii-master.key")


def seed_units(event_store: str, schema: str, desks: int,
               pii_master_key_file: str) -> list[Desk]:
    """A province and ``desks`` communes, saved as the identity consumer records them."""
    from lienthong.services.dossiers.application import DossiersApplication
    from lienthong.services.dossiers.domain.units import KnownUnit

    app = DossiersApplication(event_store, schema=schema, pool_size=2,
                              pii_master_key_file=pii_master_key_file)
    try:
        province = uuid.uuid4()
        units = [KnownUnit(id=province, display_name="Thành phố Hà Nội", level="province",
                           kind="municipality",
                           administrative_unit_code=PROVINCE_ADMINISTRATIVE_CODE,
                           agency_code=PROVINCE_AGENCY_CODE, parent_id=None, province_id=None)]
        units += [KnownUnit(id=uuid.uuid4(), display_name=f"Phường Thử Nghiệm {i + 1}",
                            level="commune", kind="ward",
                            administrative_unit_code=f"{i + 1:05d}",
                            agency_code=desk_agency_code(i), parent_id=province,
                            province_id=province)
                  for i in range(desks)]
        app.save(*units)
    finally:
        app.close()
    return [Desk(str(unit.id), unit.agency_code) for unit in units[1:]]


def procedure_request(run_id: str) -> catalog_pb.CreateProcedureRequest:
    return catalog_pb.CreateProcedureRequest(
        request_id=f"bench-{run_id}-procedure", procedure_code=PROCEDURE_CODE,
        first_version=catalog_pb.ProcedureVersion(
            effective_date=date_pb2.Date(year=2025, month=7, day=1),
            name="Đăng ký khai sinh", sector="Hộ tịch",
            competent_level=catalog_pb.COMPETENT_LEVEL_COMMUNE,
            competent_agency_kind="people's committee", processing_working_days=10,
            required_documents=[catalog_pb.RequiredDocument(
                name="Tờ khai đăng ký khai sinh", copies=1, original_required=True)],
            fee_vnd=0, result_document_type="Giấy khai sinh",
            boundary_policy=catalog_pb.BOUNDARY_POLICY_ANYWHERE_IN_COUNTRY))


class DossiersClient(BenchClient):
    """One gRPC connection of one load thread, with the stubs the scenario calls."""

    def __init__(self, address: str, tls: BenchTLS | None = None) -> None:
        super().__init__(address, tls)
        self.stub = pb_grpc.DossierServiceStub(self.channel)
        self.catalog = catalog_grpc.CatalogServiceStub(self.channel)


# -- the operations ------------------------------------------------------------------


def submit_request(request_id: str, desk: Desk, seq: int) -> pb.SubmitDossierRequest:
    """A birth registration handed in at ``desk``'s counter, decided by the same commune."""
    return pb.SubmitDossierRequest(
        request_id=request_id, procedure_code=PROCEDURE_CODE, channel=pb.CHANNEL_COUNTER,
        applicant=pb.Applicant(
            full_name=f"Nguyễn Văn Thử {seq}", personal_identification_number=applicant_pin(seq),
            phone="0912345678", address="12 Phố Điện Biên Phủ, Ba Đình, Hà Nội"),
        receiving_unit_id=desk.unit_id, competent_unit_id=desk.unit_id,
        submitted_documents=["Tờ khai đăng ký khai sinh"])


def submit_factory(address: str, run_id: str, phase: str, desks: Sequence[Desk],
                   submitted: list[str], tls: BenchTLS | None = None,
                   ) -> Callable[[int], Callable[[int], Any]]:
    """Each thread submits at the desks in turn (``seq`` modulo their number) and keeps
    the ids of the dossiers in ``submitted``."""
    def factory(_: int) -> Callable[[int], Any]:
        client = DossiersClient(address, tls)

        class Submit:
            def __call__(self, seq: int) -> None:
                reply = client.stub.SubmitDossier(submit_request(
                    f"bench-{run_id}-{phase}-{seq}", desks[seq % len(desks)], seq), timeout=30)
                submitted.append(reply.dossier_id)

            def close(self) -> None:
                client.close()

        return Submit()

    return factory


def _status_factory(address: str, run_id: str, dossiers: Sequence[str],
                    by_kind: dict[str, list[float]], tls: BenchTLS | None = None,
                    taken: Iterator[int] | None = None,
                    ) -> Callable[[int], Callable[[int], Any]]:
    """Each thread takes the next dossier, receives it, assigns it, takes the next...
    (``taken``: where the previous round of an A/B comparison stopped)."""
    taken = taken if taken is not None else itertools.count()

    def factory(_: int) -> Callable[[int], Any]:
        client = DossiersClient(address, tls)

        class Change:
            def __init__(self) -> None:
                self.dossier = ""

            def __call__(self, seq: int) -> None:
                clock = time.perf_counter
                if not self.dossier:
                    index = next(taken)
                    if index >= len(dossiers):
                        raise LoadExhaustedError
                    dossier = dossiers[index]
                    began = clock()
                    client.stub.ReceiveDossier(pb.ReceiveDossierRequest(
                        request_id=f"bench-{run_id}-receive-{index}", dossier_id=dossier),
                        timeout=30)
                    by_kind["receive"].append(clock() - began)
                    self.dossier = dossier
                else:
                    began = clock()
                    client.stub.AssignDossier(pb.AssignDossierRequest(
                        request_id=f"bench-{run_id}-assign-{self.dossier}",
                        dossier_id=self.dossier,
                        handler="cb.tran"), timeout=30)
                    by_kind["assign"].append(clock() - began)
                    self.dossier = ""

            def close(self) -> None:
                client.close()

        return Change()

    return factory


# -- what the store holds ------------------------------------------------------------


def events_table(conn: psycopg.Connection[Any], schema: str) -> sql.Composed:
    row = conn.execute("SELECT table_schema, table_name FROM information_schema.columns "
                       "WHERE table_schema = %s AND column_name = 'notification_id' "
                       "ORDER BY table_name LIMIT 1", (schema,)).fetchone()
    if row is None:
        msg = "the dossiers service created no event table"
        raise BenchError(msg)
    return sql.SQL("{}.{}").format(sql.Identifier(row[0]), sql.Identifier(row[1]))


def _last_notification(dsn: str, schema: str) -> int:
    with psycopg.connect(dsn) as conn:
        row = conn.execute(sql.SQL("SELECT coalesce(max(notification_id), 0) FROM {}").format(
            events_table(conn, schema))).fetchone()
    return int(row[0]) if row else 0


def _written_since(dsn: str, schema: str, after: int, until: int,
                   commands: int) -> dict[str, Any]:
    """Events written between two notification ids, per command, and their mean size."""
    with psycopg.connect(dsn) as conn:
        row = conn.execute(sql.SQL("SELECT count(*), avg(length(state)) FROM {} "
                                   "WHERE notification_id > %s AND notification_id <= %s"
                                   ).format(events_table(conn, schema)),
                           (after, until)).fetchone()
    events, avg_bytes = row if row else (0, 0)
    return {"events_per_call": round(int(events) / commands, 2) if commands else 0,
            "event_bytes_avg": round(float(avg_bytes or 0), 1)}


def _kind_figures(latencies: Sequence[float]) -> dict[str, Any]:
    result = figures(latencies, 1.0)
    return {"p50_ms": result["p50_ms"], "p99_ms": result["p99_ms"], "count": result["count"]}


# -- the scenario ----------------------------------------------------------------------


class _Side:
    """One dossiers service under load, on a database of its own with the same desks, for
    the submit-max and status-change phases: plaintext, or mutual TLS and the access policy."""

    def __init__(self, config: DossiersBenchConfig, dsn: str, desks: Sequence[Desk],
                 progress: PhaseProgress, tls: BenchTLS | None,
                 server: ServiceProcess | None = None, run_id: str = "") -> None:
        self.config, self.desks, self.progress, self.tls = config, desks, progress, tls
        self.mode = " (TLS)" if tls else ""
        self.run_id = run_id or uuid.uuid4().hex[:8]
        self.submitted: list[str] = []
        self.by_kind: dict[str, list[float]] = {"receive": [], "assign": []}
        self.taken = itertools.count()
        self.own_server = server is None
        if server is None:
            with progress.phase(f"starting dossiers{self.mode}") as update:
                server = ServiceProcess(SERVICE_MODULE, config.server_env(dsn),
                                        tls=tls).__enter__()
                update(1, 1)
            with DossiersClient(server.address, tls) as client:
                client.catalog.CreateProcedure(procedure_request(self.run_id), timeout=30)
        self.server = server

    def _label(self, phase: str, round_: int, rounds: int) -> str:
        return f"{phase}{self.mode}" + (f" {round_ + 1}/{rounds}" if rounds > 1 else "")

    def submit_max(self, round_: int = 0, rounds: int = 1) -> LoadResult:
        with self.progress.phase(self._label("submit max", round_, rounds)) as update:
            return run_closed_loop(
                submit_factory(self.server.address, self.run_id, f"max{round_}", self.desks,
                               self.submitted, self.tls),
                connections=self.config.connections, seconds=self.config.seconds / rounds,
                warmup=0, on_progress=update, cpu=CpuMeter(self.server.pid))

    def status_change(self, round_: int = 0, rounds: int = 1) -> LoadResult:
        with self.progress.phase(self._label("status change", round_, rounds)) as update:
            return run_closed_loop(
                _status_factory(self.server.address, self.run_id, list(self.submitted),
                                self.by_kind, self.tls, self.taken),
                connections=self.config.connections, seconds=self.config.seconds / rounds,
                warmup=0, on_progress=update, cpu=CpuMeter(self.server.pid))

    def close(self) -> None:
        if self.own_server:
            self.server.__exit__()


def _ab(config: DossiersBenchConfig, progress: PhaseProgress,
        plain: _Side) -> tuple[LoadResult, LoadResult, LoadResult, LoadResult]:
    """Submit max, then status changes, in turns (AB_ROUNDS each) on ``plain`` and on a
    service serving mutual TLS and the access policy: plaintext's two, then TLS's two."""
    with BenchDatabase(config.postgres_dsn, prefix="lienthong_bench_dossiers") as database, \
            tempfile.TemporaryDirectory(prefix="lienthong-bench-pki-") as folder:
        desks = seed_units(database.dsn, config.schema, config.desks,
                           config.pii_master_key_file)
        secured = _Side(config, database.dsn, desks, progress, BenchTLS.make(Path(folder)))
        try:
            maxed, maxed_tls = alternate(AB_ROUNDS, lambda r: plain.submit_max(r, AB_ROUNDS),
                                         lambda r: secured.submit_max(r, AB_ROUNDS))
            status, status_tls = alternate(
                AB_ROUNDS, lambda r: plain.status_change(r, AB_ROUNDS),
                lambda r: secured.status_change(r, AB_ROUNDS))
        finally:
            secured.close()
    return maxed, status, maxed_tls, status_tls


def run_dossiers_bench(config: DossiersBenchConfig, progress: PhaseProgress) -> dict[str, Any]:
    """Run the scenario and return its JSON figures."""
    if config.desks < 1:
        msg = "at least one desk"
        raise BenchError(msg)
    require_postgres(config.postgres_dsn)
    machine = machine_info(config.postgres_dsn)
    run_id = uuid.uuid4().hex[:8]
    schema = config.schema
    env: dict[str, str] = {}
    submitted: list[str] = []
    secured: dict[str, Any] | None = None
    with BenchDatabase(config.postgres_dsn, prefix="lienthong_bench_dossiers") as database:
        with progress.phase("seeding units") as update:
            desks = seed_units(database.dsn, schema, config.desks,
                               config.pii_master_key_file)
            update(1, 1)
        env = config.server_env(database.dsn)
        with progress.phase("starting dossiers") as update:
            server = ServiceProcess(SERVICE_MODULE, env).__enter__()
            update(1, 1)
        try:
            with DossiersClient(server.address) as client:
                client.catalog.CreateProcedure(procedure_request(run_id), timeout=30)
            with progress.phase(f"submit @ {config.rate:g}/s") as update:
                before = _last_notification(database.dsn, schema)
                steady = run_scheduled(
                    submit_factory(server.address, run_id, "submit", desks, submitted),
                    connections=config.connections, rate=config.rate, seconds=config.seconds,
                    warmup=WARMUP_PER_CONNECTION, on_progress=update, cpu=CpuMeter(server.pid))
                after = _last_notification(database.dsn, schema)
            # The warm-up calls wrote too: count the scheduled ones only per call.
            calls = len(steady.from_slot_s) + config.connections * WARMUP_PER_CONNECTION
            steady_store = _written_since(database.dsn, schema, before, after, calls)
            steady_count = len(submitted)
            plain = _Side(config, database.dsn, desks, progress, None, server, run_id)
            plain.submitted = submitted
            if not config.tls:
                maxed = plain.submit_max()
                status = plain.status_change()
            else:
                # The same phases over mutual TLS and the access policy, on a database of
                # their own with the same desks, measured in turns with the plaintext ones.
                maxed, status, maxed_tls, status_tls = _ab(config, progress, plain)
                secured = tls_cost(
                    {"submit_max": maxed.figures()["per_s"],
                     "status_change": status.figures()["per_s"]},
                    {"submit_max": maxed_tls.figures()["per_s"],
                     "status_change": status_tls.figures()["per_s"]})
                secured["rounds"] = AB_ROUNDS
            by_kind = plain.by_kind
            dossiers = list(submitted)
        except BaseException:
            progress.note(f"[red]server log:[/]\n{server.log_tail()}")
            raise
        finally:
            server.__exit__()
        with progress.phase("raw insert") as update:
            raw = raw_pg_insert(database.dsn, connections=config.connections,
                                seconds=config.seconds, payload_bytes=config.payload_bytes,
                                on_progress=update)
    # Imported here: the section's module builds on this one's helpers.
    from .replicas import measure_replicas

    replicas = measure_replicas(config, progress)

    submit = steady.figures(config.rate)
    submit.update(steady_store)
    submit["per_desk"] = per_desk(steady_count, config.desks)
    submit_max = maxed.figures()
    submit_max["per_desk_at_end"] = per_desk(len(submitted), config.desks)
    if maxed.first_error:
        submit_max["first_error"] = maxed.first_error
    status_change = status.figures()
    status_change.update({"receive": _kind_figures(by_kind["receive"]),
                          "assign": _kind_figures(by_kind["assign"]),
                          "dossiers_available": len(dossiers)})
    if status.first_error:
        status_change["first_error"] = status.first_error
    raw_figures = raw.figures()
    at_target_rate = config.rate == TARGET_RATE
    on_schedule = steady.scheduled and len(steady.from_slot_s) >= 0.99 * steady.scheduled
    return {
        "scenario": "dossiers",
        "submit": submit,
        "submit_max": submit_max,
        "status_change": status_change,
        "raw": {"pg_insert_per_s": raw_figures["per_s"],
                "pg_insert_p50_ms": raw_figures["p50_ms"],
                "pg_insert_p99_ms": raw_figures["p99_ms"],
                "count": raw_figures["count"], "payload_bytes": config.payload_bytes,
                **({"cpu": raw_figures["cpu"]} if "cpu" in raw_figures else {})},
        "ratios": {
            "submit_max_vs_raw": round(submit_max["per_s"] / raw_figures["per_s"], 3)
            if raw_figures["per_s"] else None,
            "status_change_vs_raw": round(status_change["per_s"] / raw_figures["per_s"], 3)
            if raw_figures["per_s"] else None},
        "targets": {
            "submit_p99_under_20ms_at_100_per_s":
                (submit["p99_ms"] < TARGET_P99_MS and bool(on_schedule))
                if at_target_rate and submit["count"] else None},
        "replicas": replicas,
        **({"tls": secured} if secured is not None else {}),
        "machine": machine,
        "config": {
            "tls": config.tls,
            "connections": config.connections, "rate": config.rate,
            "seconds": config.seconds, "desks": config.desks, "event_store": "postgres",
            "schema": schema, "nats": "none (LIENTHONG_NATS_URL empty)",
            "units": "a province and one commune per desk, saved as KnownUnit aggregates "
                     "through a DossiersApplication on the service's database and schema "
                     "before the server started (as its identity consumer records them)",
            "procedure": f"{PROCEDURE_CODE} created through CatalogService (commune level, "
                         "anywhere in the country); receiving unit = competent unit",
            "submit_latency": "from the call's slot in the schedule (open loop); from_send: "
                              "from the call leaving the client",
            "warmup_per_connection": WARMUP_PER_CONNECTION,
            "status_change": "ReceiveDossier then AssignDossier per dossier, each call "
                             "one status change, closed loop",
            "grpc_workers": int(env.get("LIENTHONG_GRPC_WORKERS", "8")),
            "postgres_pool_size": int(env.get("LIENTHONG_POSTGRES_POOL_SIZE", "8")),
            "options": dict(config.options),
        },
    }
