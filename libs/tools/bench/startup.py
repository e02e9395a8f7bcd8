"""``lienthong bench startup``: a service's start with a long log, without and with snapshots.

For each registered service that gives a history to start from (its ServiceSpec's
``bench_history``, a :class:`lienthong.registry.BenchHistory`), in a throw-away
PostgreSQL database:

1. The log is written up to ``events - after_snapshot`` notifications by the
   fast path: the service's history, batches of the domain's own aggregates
   encoded by the application's mapper and inserted by its recorder, a batch per
   transaction, without the commands' reads and checks.
2. An application, started as the service starts it, saves the snapshot of
   each of its read models; ``after_snapshot`` more notifications are then
   written (the default, 10,000, is the most a restart replays with the
   default snapshot interval).
3. Measured, ``rounds`` times each, alternating: the application constructed
   as the service does at start (``build_app``: its read models load their
   snapshot, if any, and catch up on the log in the constructor) until every
   read model has reached the end of the log, with no snapshot row
   (``replay_s``: from notification 1) and with the rows of step 2
   (``from_snapshot_s``). The median round is reported, with the others.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import os
import statistics
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lienthong import registry
from lienthong.config import load_settings
from lienthong.personal import write_master_key_file
from lienthong.tools.bench.common import (
    BenchDatabase,
    BenchError,
    PhaseProgress,
    machine_info,
    redact_dsn,
    require_postgres,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from lienthong.eventstore import ServiceApplication


@dataclass(frozen=True)
class StartupBenchConfig:
    postgres_dsn: str
    events: int = 100_000
    after_snapshot: int = 10_000
    rounds: int = 3
    #: Aggregates saved per transaction while writing the log.
    batch: int = 500
    #: The services measured, by name (default: every one :func:`startable`).
    services: tuple[str, ...] = ()


# -- the logs ---------------------------------------------------------------------------

REFORM = dt.date(2025, 7, 1)


def request_record(request_id: str, method: str, result: dict[str, Any]) -> Any:
    """The request record a command leaves (its idempotency key), for a history's steps."""
    from lienthong.idempotency import RequestRecord

    return RequestRecord(request_id=request_id, method=method, fingerprint="0" * 64,
                         result=result)


def startable() -> list[registry.ServiceSpec]:
    """The registered services that give a history to start from, in start order."""
    return [spec for spec in registry.services() if spec.bench_history]


@functools.cache
def _key_folder() -> tempfile.TemporaryDirectory[str]:
    return tempfile.TemporaryDirectory(prefix="lienthong-bench-pii-")


def _open(spec: registry.ServiceSpec, url: str) -> ServiceApplication:
    """The application as the service's entry point builds it at start (a throw-away
    database's personal data sealed under a throw-away master key, unless one is set)."""
    settings = load_settings(spec.name, event_store=url)
    if not settings.pii_master_key_file:
        settings.pii_master_key_file = str(write_master_key_file(
            Path(_key_folder().name) / "pii-master.key"))
    app: ServiceApplication = spec.load("build_app")(settings)
    return app


@contextlib.contextmanager
def _no_background_snapshots() -> Iterator[None]:
    """No snapshot is saved behind the bench's back while it writes and times starts."""
    from lienthong.projection import ENV_EVERY_EVENTS, ENV_EVERY_S

    saved = {key: os.environ.get(key) for key in (ENV_EVERY_EVENTS, ENV_EVERY_S)}
    os.environ.update(dict.fromkeys(saved, "0"))
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


# -- the measurement ---------------------------------------------------------------------

def _write(app: ServiceApplication, batches: Iterator[list[Any]], upto: int,
           update: Callable[[float, float], None], total: int) -> int:
    """Insert batches of events until the log reaches ``upto`` notifications; the last id."""
    last = app.recorder.max_notification_id() or 0
    while last < upto:
        events = [e for aggregate in next(batches) for e in aggregate.collect_events()]
        stored = [app.mapper.to_stored_event(e) for e in events[:upto - last]]
        app.recorder.insert_events(stored)
        last = app.recorder.max_notification_id() or 0
        update(last, total)
    return last


def _snapshot_rows(url: str, schema: str) -> tuple[Any, Any]:
    """Take the snapshot rows out (to replay) and give a function putting them back."""
    import psycopg
    from psycopg import sql

    from lienthong.projection import SNAPSHOT_TABLE

    table = sql.SQL("{}.{}").format(sql.Identifier(schema), sql.Identifier(SNAPSHOT_TABLE))
    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute(sql.SQL("SELECT name, format, position, payload, sha256 FROM {}")
                            .format(table)).fetchall()

    def take() -> None:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(sql.SQL("DELETE FROM {}").format(table))

    def put() -> None:
        with psycopg.connect(url) as conn:
            conn.execute(sql.SQL("DELETE FROM {}").format(table))
            for row in rows:
                conn.execute(sql.SQL("INSERT INTO {} (name, format, position, payload, sha256) "
                                     "VALUES (%s, %s, %s, %s, %s)").format(table), row)
    return take, put


def _timed_start(spec: registry.ServiceSpec, url: str, end: int,
                 expected_from: list[int | None]) -> float:
    """Seconds from constructing the application to every read model at ``end``."""
    history: registry.BenchHistory = spec.load("bench_history")
    started = time.perf_counter()
    app = _open(spec, url)
    try:
        models = history.read_models(app)
        for model in models:
            model.catch_up()
        elapsed = time.perf_counter() - started
        got = [(m.position, m.started_from) for m in models]
    finally:
        app.close()
    if got != [(end, position) for position in expected_from]:
        msg = f"the read models started from/reached {got}, not {expected_from} / {end}"
        raise BenchError(msg)
    return elapsed


def _measure(spec: registry.ServiceSpec, url: str, config: StartupBenchConfig,
             progress: PhaseProgress) -> dict[str, Any]:
    history: registry.BenchHistory = spec.load("bench_history")
    service = spec.name
    snapshot_at = max(config.events - config.after_snapshot, 1)
    batches = history.batches(config.batch)
    writer = _open(spec, url)
    try:
        # Nothing is committed through the writer: its read models stay at the empty log.
        with progress.phase(f"{service}: write", config.events) as update:
            _write(writer, batches, snapshot_at, update, config.events)
            snapshotter = _open(spec, url)
            try:
                started = time.perf_counter()
                positions = [m.save_snapshot() for m in history.read_models(snapshotter)]
                save_s = time.perf_counter() - started
                sizes = history.sizes(snapshotter)
            finally:
                snapshotter.close()
            end = _write(writer, batches, config.events, update, config.events)
        schema = writer.recorder.datastore.schema  # type: ignore[attr-defined]
    finally:
        writer.close()
    take, put = _snapshot_rows(url, schema)
    payload_bytes = _payload_bytes(url, schema)
    replays: list[float] = []
    from_snapshots: list[float] = []
    with progress.phase(f"{service}: starts", 2 * config.rounds) as update:
        for round_ in range(config.rounds):
            take()
            replays.append(_timed_start(spec, url, end, [None] * len(positions)))
            put()
            from_snapshots.append(_timed_start(spec, url, end, positions))
            update(2 * (round_ + 1), 2 * config.rounds)
    return {
        "events": end,
        "snapshot_position": min(p or 0 for p in positions),
        "replay_s": round(statistics.median(replays), 3),
        "from_snapshot_s": round(statistics.median(from_snapshots), 3),
        "speedup": round(statistics.median(replays) / statistics.median(from_snapshots), 1),
        "runs": {"replay_s": [round(v, 3) for v in replays],
                 "from_snapshot_s": [round(v, 3) for v in from_snapshots]},
        "snapshot": {"save_s": round(save_s, 3), "bytes": payload_bytes, "holds": sizes},
    }


def _payload_bytes(url: str, schema: str) -> int:
    import psycopg
    from psycopg import sql

    from lienthong.projection import SNAPSHOT_TABLE

    with psycopg.connect(url) as conn:
        row = conn.execute(sql.SQL("SELECT coalesce(sum(length(payload)), 0) FROM {}.{}").format(
            sql.Identifier(schema), sql.Identifier(SNAPSHOT_TABLE))).fetchone()
    return int(row[0]) if row else 0


def run_startup_bench(config: StartupBenchConfig, progress: PhaseProgress) -> dict[str, Any]:
    from lienthong.logging import configure_logging

    configure_logging("bench", level="warning")  # JSON figures alone on stdout
    require_postgres(config.postgres_dsn)
    known = {spec.name: spec for spec in startable()}
    if unknown := [name for name in config.services if name not in known]:
        msg = f"no history to start {', '.join(unknown)} from (known: {', '.join(known)})"
        raise BenchError(msg)
    chosen = [known[name] for name in config.services or known]
    if config.after_snapshot >= config.events:
        msg = f"--after-snapshot {config.after_snapshot} must be below --events {config.events}"
        raise BenchError(msg)
    with (_no_background_snapshots(),
          BenchDatabase(config.postgres_dsn, prefix="lienthong_bench_startup") as database):
        result: dict[str, Any] = {
            "scenario": "startup",
            "startup": {spec.name: _measure(spec, database.dsn, config, progress)
                        for spec in chosen},
            "machine": machine_info(database.dsn),
            "config": {**asdict(config), "postgres_dsn": redact_dsn(config.postgres_dsn)},
        }
    return result
