"""``lienthong bench audit``: replay-and-verify rate beside the raw read of the same log.

1. A fresh database; the identity application writes a template of real
   events (a province and its communes, with their request records); the
   template's stored rows are then copied in bulk, each copy with a new
   originator id, up to ``events`` rows: real stored bytes, written fast.
2. The checkpointer builds the tree and signs a checkpoint every
   ``every_events`` leaves (its rate is reported too).
3. Measured, ``rounds`` times each, alternating: ``raw``, the notification log
   read with the very cursor and columns verify uses (server-side cursor,
   binary, 10,000-row fetches), rows only counted; ``verify``, the whole of
   ``lienthong audit verify`` (leaf hashes, the comparison with the leaf
   table, roots, signatures and consistency of every checkpoint). The median
   round of each is reported.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import asdict, dataclass
from typing import Any

from lienthong.tools.bench.common import (
    BenchDatabase,
    BenchError,
    PhaseProgress,
    machine_info,
    redact_dsn,
    require_postgres,
)

TARGET_VERIFY_PER_S = 50_000
TARGET_RATIO = 0.5


@dataclass(frozen=True)
class AuditBenchConfig:
    postgres_dsn: str
    events: int = 100_000
    every_events: int = 1000
    template_communes: int = 200
    rounds: int = 3


def _bulk_copy(dsn: str, table: str, template: int, total: int) -> int:
    """Copy the first ``template`` stored rows, new originator ids, until ``total`` rows."""
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as conn:
        while True:
            row = conn.execute(f"SELECT count(*) FROM {table}").fetchone()
            have = int(row[0]) if row else 0
            if have >= total:
                return have
            take = min(total - have, 50_000)
            reps = -(-take // template)
            conn.execute(
                f"INSERT INTO {table} (originator_id, originator_version, topic, state) "
                f"SELECT gen_random_uuid(), e.originator_version, e.topic, e.state "
                f"FROM generate_series(1, %s) AS g(i) CROSS JOIN LATERAL ("
                f"SELECT originator_version, topic, state, notification_id FROM {table} "
                f"WHERE notification_id <= %s ORDER BY notification_id) AS e "
                f"ORDER BY g.i, e.notification_id LIMIT %s",
                (reps, template, take))


def run_audit_bench(config: AuditBenchConfig, progress: PhaseProgress) -> dict[str, Any]:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from lienthong.audit import audit_scope
    from lienthong.audit.checkpointer import Checkpointer
    from lienthong.logging import configure_logging
    from lienthong.services.identity.application import IdentityApplication, NewUnitSpec
    from lienthong.tools.audit.verify import PostgresSource, verify_log

    configure_logging("bench", level="warning")  # JSON figures alone on stdout
    require_postgres(config.postgres_dsn)
    key = Ed25519PrivateKey.generate()
    with BenchDatabase(config.postgres_dsn, prefix="lienthong_bench_audit") as database:
        dsn = database.dsn
        app = IdentityApplication(dsn)
        try:
            with progress.phase("write template", config.template_communes) as update, \
                    audit_scope(actor="bench", actor_agency_code="000.00.00.H49",
                                reason="bench audit"):
                province = str(app.register_unit(NewUnitSpec(
                    "Tỉnh Quảng Nam", "province", administrative_unit_code="49"),
                    request_id="bench-province"))
                for i in range(config.template_communes):
                    app.register_unit(NewUnitSpec(
                        f"Xã {i}", "commune", administrative_unit_code=f"{20000 + i:05d}",
                        parent_id=province), request_id=f"bench-commune-{i}")
                    update(i + 1, config.template_communes)
            template = app.recorder.max_notification_id() or 0
            table = f"identity.{app.recorder.events_table_name}"
            with progress.phase("copy rows", config.events) as update:
                events = _bulk_copy(dsn, table, template, config.events)
                update(events, events)
            checkpointer = Checkpointer(app, service="identity", signing_key=key,
                                        every_events=config.every_events, batch_size=5000)
            with progress.phase("checkpointer", events) as update:
                started = time.perf_counter()
                checkpointer.catch_up()
                checkpointer.checkpoint()
                checkpointer_s = time.perf_counter() - started
                update(events, events)
        finally:
            app.close()

        raw_s: list[float] = []
        verify_s: list[float] = []
        report = None
        with progress.phase("raw read / verify", 2 * config.rounds) as update:
            for round_ in range(config.rounds):
                with PostgresSource(dsn, "identity") as source:
                    started = time.perf_counter()
                    rows = sum(len(batch) for batch in source.event_batches())
                    raw_s.append(time.perf_counter() - started)
                if rows != events:
                    msg = f"raw read saw {rows} rows, {events} were written"
                    raise BenchError(msg)
                update(2 * round_ + 1, 2 * config.rounds)
                with PostgresSource(dsn, "identity") as source:
                    started = time.perf_counter()
                    report = verify_log(source, "identity", key.public_key())
                    verify_s.append(time.perf_counter() - started)
                if not report.ok or report.leaves != events:
                    msg = f"verify failed on an untouched log: {report.first_failure}"
                    raise BenchError(msg)
                update(2 * round_ + 2, 2 * config.rounds)
        machine = machine_info(dsn)
    assert report is not None
    raw_median, verify_median = statistics.median(raw_s), statistics.median(verify_s)
    raw_per_s, verify_per_s = events / raw_median, events / verify_median
    ratio = verify_per_s / raw_per_s
    return {
        "scenario": "audit",
        "verify": {"per_s": round(verify_per_s), "elapsed_s": round(verify_median, 3),
                   "events": events, "checkpoints": report.checkpoints,
                   "rounds_s": [round(s, 3) for s in verify_s]},
        "raw": {"log_read_per_s": round(raw_per_s), "elapsed_s": round(raw_median, 3),
                "rounds_s": [round(s, 3) for s in raw_s]},
        "checkpointer": {"per_s": round(events / checkpointer_s),
                         "elapsed_s": round(checkpointer_s, 3)},
        "ratios": {"verify_to_raw_read": round(ratio, 3)},
        "targets": {"verify_per_s_min": TARGET_VERIFY_PER_S, "ratio_min": TARGET_RATIO,
                    "verify_per_s_met": verify_per_s >= TARGET_VERIFY_PER_S,
                    "ratio_met": ratio >= TARGET_RATIO},
        "machine": machine,
        "config": {**asdict(config), "postgres_dsn": redact_dsn(config.postgres_dsn),
                   "template_events": template},
    }
