"""Pieces every benchmark scenario shares.

* :func:`percentile` and :func:`figures`: the statistics (pure, unit-tested).
* :func:`run_closed_loop`: N threads, each with its own connection, calling an
  operation back to back for a fixed time or a fixed count; latencies and
  errors are collected per thread and merged at the end.
* :class:`BenchDatabase`: a throw-away PostgreSQL database on a given server.
* :class:`BenchTLS`: mutual TLS for a benchmark's service and its load, from a throw-away
  CA; :func:`channel` opens a load client's connection with it (or without).
* :class:`ServiceProcess`: a service started as in production
  (``python -m <module>``) on a free port, waited for until its health says
  SERVING, stopped with SIGTERM.
* :func:`raw_pg_insert`: the baseline, commit-per-insert with raw psycopg.
* :class:`CpuMeter`: where the CPU went during a phase (machine, server, client).
* :func:`machine_info`: cores and versions, so figures say where they come from.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import io
import itertools
import os
import platform
import resource
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import psycopg
from psycopg import sql

from lienthong.natsbin import die_with_parent
from lienthong.pgtemp import ThrowAwayDatabase, unreachable
from lienthong.ports import free_port
from lienthong.tls import TLSFiles, client_channel

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping, Sequence
    from pathlib import Path

    from rich.progress import Progress


class BenchError(RuntimeError):
    """A benchmark cannot run (no database, a service that does not start...)."""


class LoadExhaustedError(Exception):
    """Raised by an operation to end its thread's loop (e.g. a key space is used up)."""


# -- statistics ---------------------------------------------------------------


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100) of sorted values, interpolated between ranks.

    The same definition as numpy's default ("linear"); 0.0 for no values.
    """
    if not sorted_values:
        return 0.0
    if not 0 <= q <= 100:
        msg = f"percentile must be within 0..100, got {q}"
        raise ValueError(msg)
    rank = (len(sorted_values) - 1) * q / 100
    low = int(rank)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (rank - low)


def figures(latencies_s: Sequence[float], elapsed_s: float, errors: int = 0) -> dict[str, Any]:
    """``per_s``, ``p50_ms``, ``p99_ms``, ``count`` (and ``errors``) of one measured phase."""
    ordered = sorted(latencies_s)
    result: dict[str, Any] = {
        "per_s": round(len(ordered) / elapsed_s, 1) if elapsed_s > 0 else 0.0,
        "p50_ms": round(percentile(ordered, 50) * 1000, 3),
        "p99_ms": round(percentile(ordered, 99) * 1000, 3),
        "count": len(ordered),
    }
    if errors:
        result["errors"] = errors
    return result


# -- closed-loop load ---------------------------------------------------------


@dataclass
class LoadResult:
    """What a closed-loop run measured."""

    latencies_s: list[float]
    elapsed_s: float
    errors: int = 0
    first_error: str = ""
    cpu: dict[str, float] = field(default_factory=dict)

    def figures(self) -> dict[str, Any]:
        result = figures(self.latencies_s, self.elapsed_s, self.errors)
        if self.cpu:
            result["cpu"] = dict(self.cpu)
            if result["per_s"]:
                # CPU milliseconds each call cost, per process, from the shares above.
                for name in ("server", "postgres", "client"):
                    if f"{name}_pct" in self.cpu:
                        result["cpu"][f"{name}_ms_per_call"] = round(
                            self.cpu[f"{name}_pct"] * 10 / result["per_s"], 3)
        return result


def merged(results: Sequence[LoadResult]) -> LoadResult:
    """Several runs of one phase as one: their calls and time added, CPU shares weighted by
    each run's time."""
    elapsed = sum(r.elapsed_s for r in results)
    cpu: dict[str, float] = {}
    for key in {k for r in results for k in r.cpu}:
        cpu[key] = round(sum(r.cpu.get(key, 0.0) * r.elapsed_s for r in results) / elapsed, 1) \
            if elapsed else 0.0
    return LoadResult([lat for r in results for lat in r.latencies_s], elapsed,
                      sum(r.errors for r in results),
                      next((r.first_error for r in results if r.first_error), ""), cpu)


#: Rounds of an A/B comparison (each side measured this many times, in turn).
AB_ROUNDS = 6


def alternate(rounds: int, *sides: Callable[[int], LoadResult]) -> list[LoadResult]:
    """Measure each side ``rounds`` times, taking turns (a b, b a, a b...), and merge each
    side's runs: on a shared machine whatever else runs then weighs on every side alike,
    which measuring one side after the other does not give. ``side(round)`` runs one
    round's share of the phase."""
    runs: list[list[LoadResult]] = [[] for _ in sides]
    for round_ in range(rounds):
        order = list(range(len(sides)))
        for index in order if round_ % 2 == 0 else order[::-1]:
            runs[index].append(sides[index](round_))
    return [merged(side) for side in runs]


def run_closed_loop(
    worker_factory: Callable[[int], Callable[[int], Any]],
    *,
    connections: int,
    seconds: float | None = None,
    count: int | None = None,
    warmup: int = 0,
    on_progress: Callable[[float, float], None] | None = None,
    cpu: CpuMeter | None = None,
    max_errors: int = 100,
) -> LoadResult:
    """Call an operation back to back from ``connections`` threads.

    ``worker_factory(i)`` runs in thread i (open its connection there) and
    returns the operation the thread calls as ``op(seq)``, ``seq`` being unique
    across threads; an operation with a ``close`` attribute is closed at the end.

    Runs for ``seconds`` or until ``count`` operations were measured in all
    (``count`` wins when both are given). Each thread first runs ``warmup``
    unmeasured operations; the clock starts when every thread is ready.
    ``on_progress(completed, total)`` is called from the calling thread about
    ten times a second. A run stops early after ``max_errors`` failed calls.
    """
    if connections < 1:
        msg = "connections must be at least 1"
        raise ValueError(msg)
    if count is None and seconds is None:
        msg = "give seconds or count"
        raise ValueError(msg)
    seqs = itertools.count()
    measured = itertools.count()
    start_barrier = threading.Barrier(connections + 1)
    per_thread: list[list[float]] = [[] for _ in range(connections)]
    ends: list[float] = [0.0] * connections
    errors: list[str] = []
    setup_errors: list[BaseException] = []
    stop = threading.Event()
    deadline = [float("inf")]
    ops: list[Callable[[int], Any]] = []  # closed after the CPU meter stops

    def worker(index: int) -> None:
        latencies = per_thread[index]
        try:
            op = worker_factory(index)
        except BaseException as error:
            setup_errors.append(error)
            start_barrier.abort()
            return
        ops.append(op)
        try:
            for _ in range(warmup):
                op(next(seqs))
        except BaseException as error:
            setup_errors.append(error)
            start_barrier.abort()
            return
        try:
            start_barrier.wait()
        except threading.BrokenBarrierError:
            return
        clock = time.perf_counter
        try:
            while not stop.is_set():
                if count is not None:
                    if next(measured) >= count:
                        break
                elif clock() >= deadline[0]:
                    break
                seq = next(seqs)
                began = clock()
                try:
                    op(seq)
                except LoadExhaustedError:
                    break
                except Exception as error:
                    errors.append(f"{type(error).__name__}: {error}")
                    if len(errors) >= max_errors:
                        stop.set()
                    continue
                latencies.append(clock() - began)
        finally:
            ends[index] = clock()

    threads = [threading.Thread(target=worker, args=(i,), name=f"bench-{i}", daemon=True)
               for i in range(connections)]
    for thread in threads:
        thread.start()
    try:
        start_barrier.wait()
    except threading.BrokenBarrierError:
        for thread in threads:
            thread.join()
        _close_all(ops)
        error = setup_errors[0] if setup_errors else RuntimeError("worker setup failed")
        msg = f"a load worker could not start: {type(error).__name__}: {error}"
        raise BenchError(msg) from error
    started = time.perf_counter()
    if seconds is not None and count is None:
        deadline[0] = started + seconds
    if cpu is not None:
        cpu.start()
    try:
        while any(t.is_alive() for t in threads):
            if on_progress is not None:
                if count is not None:
                    on_progress(float(sum(len(p) for p in per_thread) + len(errors)),
                                float(count))
                else:
                    on_progress(min(time.perf_counter() - started, seconds or 0.0),
                                float(seconds or 0.0))
            time.sleep(0.05)
    except BaseException:
        stop.set()
        for thread in threads:
            thread.join(timeout=5)
        _close_all(ops)
        raise
    elapsed = max(ends) - started
    # Over the load's own duration, not the polling tail; connections still open.
    cpu_used = cpu.stop(wall_s=elapsed) if cpu is not None else {}
    _close_all(ops)
    if on_progress is not None:
        total = float(count if count is not None else seconds or 0.0)
        on_progress(total, total)
    return LoadResult([x for p in per_thread for x in p], elapsed, len(errors),
                      errors[0] if errors else "", cpu_used)


def _close_all(ops: list[Callable[[int], Any]]) -> None:
    for op in ops:
        close = getattr(op, "close", None)
        if close is not None:
            with contextlib.suppress(Exception):
                close()


# -- progress -------------------------------------------------------------------


class PhaseProgress:
    """Rich progress bars on stderr, one per phase; silent when disabled."""

    def __init__(self, enabled: bool = True) -> None:
        self._progress: Progress | None = None
        if enabled:
            from rich.console import Console
            from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

            self._progress = Progress(
                TextColumn("{task.description:<22}"), BarColumn(),
                TextColumn("{task.fields[note]}"), TimeElapsedColumn(),
                console=Console(stderr=True), transient=False)

    def __enter__(self) -> PhaseProgress:
        if self._progress is not None:
            self._progress.start()
        return self

    def __exit__(self, *_: object) -> None:
        if self._progress is not None:
            self._progress.stop()

    @contextlib.contextmanager
    def phase(self, description: str,
              total: float | None = None) -> Iterator[Callable[[float, float], None]]:
        """A bar for one phase; yields ``update(completed, total)``."""
        progress = self._progress
        if progress is None:
            yield lambda _completed, _total: None
            return
        task = progress.add_task(description, total=total, note="")

        def update(completed: float, new_total: float) -> None:
            progress.update(task, completed=completed, total=new_total or None)

        try:
            yield update
        except BaseException:
            progress.update(task, note="failed")
            raise
        current = next((t for t in progress.tasks if t.id == task), None)
        done = current.total if current is not None and current.total else 1.0
        progress.update(task, completed=done, total=done, note="done")

    def note(self, text: str) -> None:
        if self._progress is not None:
            self._progress.console.print(text)


# -- CPU ------------------------------------------------------------------------


def _stat_fields(pid: int) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command name (state first); None if gone."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None


def _cpu_of(fields: list[str]) -> float:
    """User + system CPU seconds from a process's stat fields."""
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _proc_cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process (Linux /proc); 0.0 if unreadable."""
    fields = _stat_fields(pid)
    return 0.0 if fields is None else _cpu_of(fields)


def _clock_cpu_s(pid: int) -> float | None:
    """CPU seconds of a running process, to the nanosecond (its CPU-time clock, Linux's
    ``MAKE_PROCESS_CPUCLOCK(pid, CPUCLOCK_SCHED)``); None where that clock is not there.
    The ticks of /proc/<pid>/stat count whole 10 ms: a dozen calls of a millisecond can
    read as none."""
    try:
        return time.clock_gettime(((~pid) << 3) | 2)
    except (OSError, OverflowError):
        return None


def _tree_cpu_s(pid: int) -> float:
    """CPU seconds of a process and of every process it started (a service's worker
    processes, and theirs): of those running, to the nanosecond where the process's CPU
    clock answers, and of those ended and waited for (their parent's cutime and cstime,
    in ticks), so a process ending between two readings takes nothing back. One read of
    each process's stat."""
    ticks = os.sysconf("SC_CLK_TCK")
    own: dict[int, float] = {}
    waited: dict[int, float] = {}
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (fields := _stat_fields(int(entry))) is not None:
            own[int(entry)] = _cpu_of(fields)
            waited[int(entry)] = (int(fields[13]) + int(fields[14])) / ticks
            children.setdefault(int(fields[1]), []).append(int(entry))
    total, waiting = 0.0, [pid]
    while waiting:
        current = waiting.pop()
        if current in own:
            clock = _clock_cpu_s(current)
            total += (own[current] if clock is None else max(clock, own[current]))
            total += waited[current]
        waiting.extend(children.get(current, ()))
    return total


def _postgres_cpu_s() -> float:
    """CPU seconds of every ``postgres`` process of the machine (all databases)."""
    total = 0.0
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else []:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/comm") as comm:
                if comm.read().strip() != "postgres":
                    continue
        except OSError:
            continue
        total += _proc_cpu_s(int(entry))
    return total


def _machine_cpu(stat_path: str = "/proc/stat") -> tuple[float, float, float]:
    """(busy, total, stolen) jiffies of the whole machine; zeros where /proc/stat is
    missing. Stolen: time the hypervisor gave this machine's cores to other guests (it
    counts as busy: the machine could not run then)."""
    try:
        with open(stat_path) as stat:
            values = [int(v) for v in stat.readline().split()[1:]]
    except OSError:
        return 0.0, 0.0, 0.0
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    total = sum(values[:8])
    stolen = values[7] if len(values) > 7 else 0
    return float(total - idle), float(total), float(stolen)


class CpuMeter:
    """CPU used during a phase, in percent of one core (the machine: of all cores).

    ``client``: this process; ``server``: the service process with the processes it
    started (the archive's capture workers); ``postgres``: every postgres process of the
    machine (other users of the server count too); ``machine_stolen``: of all cores, the
    time a virtual machine's host ran other guests instead (a run slowed by its host, not
    by the software, shows here).
    """

    def __init__(self, server_pid: int | None = None) -> None:
        self.server_pid = server_pid
        self._began: tuple[float, ...] | None = None

    def _sample(self) -> tuple[float, ...]:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        busy, total, stolen = _machine_cpu()
        server = _tree_cpu_s(self.server_pid) if self.server_pid else 0.0
        return (time.perf_counter(), usage.ru_utime + usage.ru_stime, server,
                _postgres_cpu_s(), busy, total, stolen)

    def start(self) -> None:
        self._began = self._sample()

    def stop(self, wall_s: float | None = None) -> dict[str, float]:
        """Shares since :meth:`start`, over ``wall_s`` seconds if given."""
        if self._began is None:
            return {}
        wall0, client0, server0, pg0, busy0, total0, stolen0 = self._began
        wall1, client1, server1, pg1, busy1, total1, stolen1 = self._sample()
        wall = max(wall_s if wall_s else wall1 - wall0, 1e-9)
        result = {"client_pct": round(100 * (client1 - client0) / wall, 1)}
        if self.server_pid:
            result["server_pct"] = round(100 * (server1 - server0) / wall, 1)
        if pg1 > pg0:
            result["postgres_pct"] = round(100 * (pg1 - pg0) / wall, 1)
        if total1 > total0:
            result["machine_busy_pct"] = round(100 * (busy1 - busy0) / (total1 - total0), 1)
            result["machine_stolen_pct"] = round(100 * (stolen1 - stolen0) / (total1 - total0), 1)
        return result


# -- PostgreSQL -----------------------------------------------------------------

#: A throw-away database on the server the benchmark is given, as the tests make theirs.
BenchDatabase = ThrowAwayDatabase


#: The step of the platform's one-time codes (RFC 6238's default), seconds.
OTP_STEP_S = 30


def settled_step(margin_s: float = 1.0, *, step_s: int = OTP_STEP_S) -> int:
    """The current one-time-code step, after waiting out its last ``margin_s`` seconds: a
    code of the step before it is then still within the service's window when it checks."""
    while True:
        now = time.time()
        left = step_s - now % step_s
        if left > margin_s:
            return int(now) // step_s
        time.sleep(left + 0.01)


def one_page_pdf() -> bytes:
    """A blank A4 page, as a PDF."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.writer import PdfFileWriter

    writer = PdfFileWriter()
    writer.insert_page(generic.DictionaryObject({
        generic.NameObject("/Type"): generic.NameObject("/Page"),
        generic.NameObject("/MediaBox"): generic.ArrayObject(
            [generic.NumberObject(n) for n in (0, 0, 595, 842)])}))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def require_postgres(dsn: str, timeout: float = 3.0) -> None:
    """Raise :class:`BenchError` with the server's answer when it is unreachable."""
    if (reason := unreachable(dsn, timeout)) is not None:
        msg = f"PostgreSQL is unreachable at {redact_dsn(dsn)}: {reason}"
        raise BenchError(msg)


def redact_dsn(dsn: str) -> str:
    if "@" in dsn and "://" in dsn:
        scheme, rest = dsn.split("://", 1)
        credentials, host = rest.rsplit("@", 1)
        user = credentials.split(":", 1)[0]
        return f"{scheme}://{user}{':***' if ':' in credentials else ''}@{host}"
    return dsn


def raw_pg_insert(dsn: str, *, connections: int, seconds: float | None = None,
                  count: int | None = None, payload_bytes: int = 300, warmup: int = 20,
                  on_progress: Callable[[float, float], None] | None = None,
                  table: str = "bench_raw_insert") -> LoadResult:
    """The baseline: one INSERT and one COMMIT per call, one connection per thread."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE TABLE IF NOT EXISTS {} "
                             "(id bigserial PRIMARY KEY, payload bytea NOT NULL)").format(
            sql.Identifier(table)))
    insert = sql.SQL("INSERT INTO {} (payload) VALUES (%s)").format(sql.Identifier(table))
    payload = os.urandom(payload_bytes)

    def factory(_: int) -> Callable[[int], Any]:
        conn = psycopg.connect(dsn, autocommit=True)

        class Insert:
            def __call__(self, _seq: int) -> None:
                conn.execute(insert, (payload,), prepare=True)

            def close(self) -> None:
                conn.close()

        return Insert()

    return run_closed_loop(factory, connections=connections, seconds=seconds, count=count,
                           warmup=warmup, on_progress=on_progress, cpu=CpuMeter())


def postgres_version(dsn: str) -> str:
    with psycopg.connect(dsn, connect_timeout=3) as conn:
        row = conn.execute("SHOW server_version").fetchone()
    return str(row[0]) if row else ""


# -- a service process -------------------------------------------------------------


def bench_policy(rules: int = 40) -> str:
    """An access policy as a province's deployment might write: rules for other agencies'
    systems first, so the load's caller is decided after reading them all, then the rule
    allowing it."""
    lines = ["roles:", '  auditor: ["VN:GOV:000.00.00.G12/*"]', "rules:"]
    for i in range(rules):
        lines += [f"  - name: agency-{i:02d}-reads",
                  f'    callers: ["VN:GOV:???.??.{i:02d}.H26/*"]',
                  '    rpcs: ["*/Get*", "*/List*"]']
    lines += ["  - name: benchmark-load", '    callers: ["VN:GOV:000.00.00.Z00/bench"]',
              '    rpcs: ["*/*"]']
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class BenchTLS:
    """Mutual TLS and an access policy for a benchmark's service: a throw-away CA with a
    certificate for the service (127.0.0.1) and one for the load's clients, and a policy of
    :func:`bench_policy`'s rules, as a deployment has them."""

    server: TLSFiles
    client: TLSFiles
    policy: Path

    @classmethod
    def make(cls, folder: Path) -> BenchTLS:
        from lienthong.tools.pki import CA

        ca = CA(folder)
        ca.init(common_name="Lienthong benchmark CA")
        ca.issue("service", "service", hosts=["127.0.0.1"])
        ca.issue("load", "client", callers=["VN:GOV:000.00.00.Z00/bench"])

        def files(name: str) -> TLSFiles:
            cert, key = ca.paths(name)
            return TLSFiles(cert=cert, key=key, ca=ca.cert_path, crl=ca.crl_path)

        policy = folder / "policy.yaml"
        policy.write_text(bench_policy())
        return cls(files("service"), files("load"), policy)

    def server_env(self) -> dict[str, str]:
        return {"LIENTHONG_TLS_CERT": str(self.server.cert),
                "LIENTHONG_TLS_KEY": str(self.server.key),
                "LIENTHONG_TLS_CA": str(self.server.ca),
                "LIENTHONG_TLS_CRL": str(self.server.crl),
                "LIENTHONG_POLICY_FILE": str(self.policy)}


#: Mutual TLS may cost at most this share of the calls a second.
TLS_TARGET_MAX_COST = 0.15


def tls_cost(plain_per_s: Mapping[str, float], tls_per_s: Mapping[str, float]) -> dict[str, Any]:
    """Each phase's calls a second over mutual TLS, the share lost beside the same run's
    plaintext (``<phase>_cost``), and whether every cost is under the target."""
    figures: dict[str, Any] = {}
    for phase, without in plain_per_s.items():
        figures[f"{phase}_per_s"] = tls_per_s[phase]
        figures[f"{phase}_cost"] = round(1 - tls_per_s[phase] / without, 3) if without else None
    figures["target_max_cost"] = TLS_TARGET_MAX_COST
    figures["met"] = all(figures[f"{phase}_cost"] is not None
                         and figures[f"{phase}_cost"] < TLS_TARGET_MAX_COST
                         for phase in plain_per_s)
    return figures


def channel(address: str, tls: BenchTLS | None) -> Any:
    """A load client's channel to a benchmark's service (mutual TLS with ``tls``)."""
    return client_channel(address, tls.client if tls else None,
                          options=grpc_channel_options())


class BenchClient:
    """One load thread's gRPC connection to a benchmark's service, ready before use (mutual
    TLS with ``tls``). A scenario's client adds the stubs it calls."""

    def __init__(self, address: str, tls: BenchTLS | None = None) -> None:
        import grpc

        self.channel = channel(address, tls)
        grpc.channel_ready_future(self.channel).result(timeout=10)

    def close(self) -> None:
        self.channel.close()

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


class ServiceProcess:
    """``python -m <module>`` on 127.0.0.1:<free port>, as production runs it."""

    def __init__(self, module: str, env: Mapping[str, str], *,
                 startup_timeout: float = 60.0, grace: float = 15.0,
                 tls: BenchTLS | None = None) -> None:
        self.module = module
        self.tls = tls
        self.port = free_port()
        self.env = {**os.environ, "LIENTHONG_LISTEN": self.address,
                    "LIENTHONG_LOG_LEVEL": "warning",
                    # A benchmark measures capacity: no caller is held to a rate.
                    "LIENTHONG_RATE_LIMIT_PER_S": "0",
                    **(tls.server_env() if tls is not None else {}), **env}
        self.startup_timeout = startup_timeout
        self.grace = grace
        self.process: subprocess.Popen[bytes] | None = None
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in __exit__

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def __enter__(self) -> ServiceProcess:
        # It dies with the benchmark, also one killed outright (whose cleanup never runs):
        # a service left behind would take its share of the next run's CPU.
        self.process = subprocess.Popen(
            [sys.executable, "-m", self.module], env=self.env, stdout=self._log,
            stderr=subprocess.STDOUT, start_new_session=True,
            preexec_fn=die_with_parent())  # noqa: PLW1509 - only a system call in the child
        try:
            self._wait_serving()
        except BaseException:
            self.__exit__()
            raise
        return self

    def _wait_serving(self) -> None:
        import grpc
        from grpc_health.v1 import health_pb2, health_pb2_grpc

        assert self.process is not None
        deadline = time.monotonic() + self.startup_timeout
        with client_channel(self.address, self.tls.client if self.tls else None) as channel:
            stub = health_pb2_grpc.HealthStub(channel)
            while True:
                if self.process.poll() is not None:
                    msg = (f"{self.module} exited with code {self.process.returncode}:\n"
                           f"{self.log_tail()}")
                    raise BenchError(msg)
                try:
                    reply = stub.Check(health_pb2.HealthCheckRequest(service=""), timeout=1.0)
                    if reply.status == health_pb2.HealthCheckResponse.SERVING:
                        return
                except grpc.RpcError:
                    pass
                if time.monotonic() > deadline:
                    msg = (f"{self.module} is not SERVING after {self.startup_timeout}s:\n"
                           f"{self.log_tail()}")
                    raise BenchError(msg)
                time.sleep(0.1)

    def log_tail(self, size: int = 4000) -> str:
        self._log.flush()
        self._log.seek(0, os.SEEK_END)
        end = self._log.tell()
        self._log.seek(max(0, end - size))
        return self._log.read().decode(errors="replace")

    def __exit__(self, *_: object) -> None:
        process = self.process
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=self.grace)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self._log.close()


def grpc_channel_options() -> list[tuple[str, Any]]:
    """Channel options that give each client thread its own TCP connection."""
    return [("grpc.use_local_subchannel_pool", 1)]


# -- where the figures come from -------------------------------------------------


def _version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return ""


def nats_server_version() -> str:
    from lienthong.natsbin import nats_server_path

    try:
        out = subprocess.run([nats_server_path(), "--version"], capture_output=True,
                             text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return ""
    text = (out.stdout or out.stderr).strip()
    return text.rsplit(" ", 1)[-1].lstrip("v") if text else ""


def machine_info(dsn: str) -> dict[str, Any]:
    return {
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
        "postgresql": postgres_version(dsn),
        "nats_server": nats_server_version(),
        "grpcio": _version("grpcio"),
        "eventsourcing": _version("eventsourcing"),
        "psycopg": _version("psycopg"),
    }
