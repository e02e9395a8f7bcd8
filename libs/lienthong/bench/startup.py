"""``lienthong bench startup``: a service's start with a long log, without and with snapshots.

For identity, then dossiers, in a throw-away PostgreSQL database:

1. The log is written up to ``events - after_snapshot`` notifications by the
   fast path: the domain's own aggregates (units, code registers and request
   records; units and procedures as dossiers learns them, dossiers through
   their lives and a request record per step), encoded by the application's
   mapper and inserted by its recorder, a batch per transaction, without the
   commands' reads and checks.
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
import os
import statistics
import time
import uuid
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from lienthong.bench.common import (
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
    from lienthong.projection import LogFollower

SERVICES = ("identity", "dossiers")


@dataclass(frozen=True)
class StartupBenchConfig:
    postgres_dsn: str
    events: int = 100_000
    after_snapshot: int = 10_000
    rounds: int = 3
    #: Aggregates saved per transaction while writing the log.
    batch: int = 500


# -- the logs ---------------------------------------------------------------------------

REFORM = dt.date(2025, 7, 1)


def _request(request_id: str, method: str, result: dict[str, Any]) -> Any:
    from lienthong.idempotency import RequestRecord

    return RequestRecord(request_id=request_id, method=method, fingerprint="0" * 64,
                         result=result)


def _identity_batches(batch: int) -> Iterator[list[Any]]:
    """34 provinces, 3,321 communes, then agencies under the provinces; a unit in ten renamed.

    Every unit comes with its code registers and the request record of its
    RegisterUnit, every rename with the record of its RenameUnit.
    """
    from lienthong.services.identity.domain.registry import (
        AdministrativeCodeRegister,
        AgencyCodeClaim,
    )
    from lienthong.services.identity.domain.unit import Unit

    provinces: list[uuid.UUID] = []
    renamed_later: list[Any] = []

    def unit(i: int) -> list[Any]:
        if i < 34:
            level, kind, parent, code = "province", "province", None, f"{i + 1:02d}"
            agency = f"000.00.00.H{i + 1:02d}"
        else:
            parent = provinces[i % 34]
            level, kind = ("commune", "commune") if i < 34 + 3321 else ("agency", "agency")
            code = f"{10_000 + i:05d}" if level == "commune" else ""
            # Unique up to ten million units: the index's digits spread over the code.
            digits = f"{(i // 10_000) % 1000:03d}.{(i // 100) % 100:02d}.{i % 100:02d}"
            agency = f"{digits}.H{i % 34 + 1:02d}"
        u = Unit(id=uuid.uuid4(), display_name=f"Đơn vị số {i}", level=level, kind=kind,
                 administrative_unit_code=code, agency_code=agency, parent_id=parent,
                 province_id=parent, effective_date=REFORM, predecessor_ids=[])
        if i < 34:
            provinces.append(u.id)
        if i % 10 == 5:
            renamed_later.append(u)
        found = [u, AgencyCodeClaim(code=agency, unit_id=u.id),
                 _request(f"reg-{i}", "RegisterUnit", {"unit_id": str(u.id)})]
        if code:
            found.append(AdministrativeCodeRegister(code=code, unit_id=u.id, since=REFORM))
        return found

    i = 0
    while True:
        aggregates: list[Any] = []
        for _ in range(batch):
            aggregates += unit(i)
            i += 1
        for u in renamed_later:
            u.rename(f"{u.display_name} (mới)", REFORM)
            aggregates += [u, _request(f"rename-{u.id}", "RenameUnit", {"unit_id": str(u.id)})]
        renamed_later.clear()
        yield aggregates


def _dossier_batches(batch: int) -> Iterator[list[Any]]:
    """The 34 provinces and 3,321 communes as dossiers learns them, 40 procedures, then
    dossiers: seven in ten returned, one refused, two still open; a request record per step."""
    from lienthong.services.dossiers.domain.dossier import Dossier
    from lienthong.services.dossiers.domain.procedure import (
        Procedure,
        ProcedureVersionSpec,
        RequiredDocument,
    )
    from lienthong.services.dossiers.domain.units import KnownUnit

    provinces = [KnownUnit(id=uuid.uuid4(), display_name=f"Tỉnh số {p}", level="province",
                           kind="province", administrative_unit_code=f"{p + 1:02d}",
                           agency_code=f"000.00.00.H{p + 1:02d}", parent_id=None,
                           province_id=None) for p in range(34)]
    communes = [KnownUnit(id=uuid.uuid4(), display_name=f"Xã số {c}", level="commune",
                          kind="commune", administrative_unit_code=f"{10_000 + c:05d}",
                          agency_code=f"000.{c // 100:02d}.{c % 100:02d}.H{c % 34 + 1:02d}",
                          parent_id=provinces[c % 34].id, province_id=provinces[c % 34].id)
                for c in range(3321)]
    procedures = []
    for p in range(40):
        spec = ProcedureVersionSpec(
            effective_date=REFORM, name=f"Thủ tục số {p}", sector=f"Lĩnh vực {p % 8}",
            competent_level="commune", competent_agency_kind="people's committee",
            processing_working_days=10, fee_vnd=0,
            required_documents=(RequiredDocument("Tờ khai", 1, True),),
            result_document_type="Giấy chứng nhận", boundary_policy="anywhere_in_province")
        procedure = Procedure.create(f"1.{p + 1:06d}", spec)
        if p % 4 == 0:
            procedure.add_version(ProcedureVersionSpec(**{
                **asdict(spec), "effective_date": dt.date(2026, 1, 1),
                "required_documents": spec.required_documents}))
        procedures.append(procedure)
    yield [*provinces, *communes, *procedures]

    at = dt.datetime(2026, 3, 4, 2, 0, tzinfo=dt.UTC)
    due = dt.date(2026, 3, 18)
    steps = {
        "returned": ("receive", "assign", "approve", "return_result"),
        "refused": ("refuse_to_receive",),
        "supplement": ("receive", "assign", "request_supplement"),
        "received": ("receive",),
    }
    lives = ["returned"] * 7 + ["refused", "supplement", "received"]
    n = 0
    while True:
        aggregates: list[Any] = []
        for _ in range(batch):
            unit = communes[n % len(communes)]
            procedure = procedures[n % len(procedures)]
            dossier = Dossier(
                id=uuid.uuid4(), dossier_code=f"{unit.agency_code}-260304-{n:06d}",
                procedure_code=procedure.procedure_code, procedure_version=1, sector="Hộ tịch",
                channel="online", applicant={"full_name": "Nguyễn Văn An",
                                             "personal_identification_number": "001090012345"},
                receiving_unit_id=unit.id, competent_unit_id=unit.id,
                processing_working_days=10, submitted_documents=["Tờ khai"], submitted_at=at)
            records = [_request(f"submit-{n}", "SubmitDossier", {"dossier_id": str(dossier.id)})]
            for step in steps[lives[n % len(lives)]]:
                if step == "receive":
                    dossier.receive(at, due)
                elif step == "assign":
                    dossier.assign("cb.tran")
                elif step == "approve":
                    dossier.approve(["Giấy chứng nhận"], at)
                elif step == "return_result":
                    dossier.return_result(at, lambda _due, _returned: "on_time")
                elif step == "refuse_to_receive":
                    dossier.refuse_to_receive()
                else:
                    dossier.request_supplement(["Bản sao giấy tờ"], at)
                records.append(_request(f"{step}-{n}", step, {"dossier_id": str(dossier.id)}))
            aggregates += [dossier, *records]
            n += 1
        yield aggregates


@dataclass(frozen=True)
class _Service:
    batches: Callable[[int], Iterator[list[Any]]]
    read_models: Callable[[Any], list[LogFollower]]
    #: What the read models hold, for the record.
    sizes: Callable[[Any], dict[str, int]]


SERVICE_SPECS = {
    "identity": _Service(_identity_batches, lambda app: [app.directory],
                         lambda app: {"units": len(app.directory.units)}),
    "dossiers": _Service(_dossier_batches, lambda app: [app.index, app.procedure_index],
                         lambda app: {"dossiers": len(app.index.rows),
                                      "units": len(app.index.units),
                                      "procedures": len(app.procedure_index.procedures)}),
}


def _open(service: str, url: str) -> ServiceApplication:
    """The application as the service's entry point builds it at start."""
    import importlib

    from lienthong.config import load_settings

    server = importlib.import_module(f"lienthong.services.{service}.server")
    app: ServiceApplication = server.build_app(load_settings(service, event_store=url))
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


def _timed_start(service: str, url: str, end: int,
                 expected_from: list[int | None]) -> float:
    """Seconds from constructing the application to every read model at ``end``."""
    spec = SERVICE_SPECS[service]
    started = time.perf_counter()
    app = _open(service, url)
    try:
        models = spec.read_models(app)
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


def _measure(service: str, url: str, config: StartupBenchConfig,
             progress: PhaseProgress) -> dict[str, Any]:
    spec = SERVICE_SPECS[service]
    snapshot_at = max(config.events - config.after_snapshot, 1)
    batches = spec.batches(config.batch)
    writer = _open(service, url)
    try:
        # Nothing is committed through the writer: its read models stay at the empty log.
        with progress.phase(f"{service}: write", config.events) as update:
            _write(writer, batches, snapshot_at, update, config.events)
            snapshotter = _open(service, url)
            try:
                started = time.perf_counter()
                positions = [m.save_snapshot() for m in spec.read_models(snapshotter)]
                save_s = time.perf_counter() - started
                sizes = spec.sizes(snapshotter)
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
            replays.append(_timed_start(service, url, end, [None] * len(positions)))
            put()
            from_snapshots.append(_timed_start(service, url, end, positions))
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


def run_startup_bench(config: StartupBenchConfig, progress: PhaseProgress,
                      services: tuple[str, ...] = SERVICES) -> dict[str, Any]:
    from lienthong.logging import configure_logging

    configure_logging("bench", level="warning")  # JSON figures alone on stdout
    require_postgres(config.postgres_dsn)
    if config.after_snapshot >= config.events:
        msg = f"--after-snapshot {config.after_snapshot} must be below --events {config.events}"
        raise BenchError(msg)
    with (_no_background_snapshots(),
          BenchDatabase(config.postgres_dsn, prefix="lienthong_bench_startup") as database):
        result: dict[str, Any] = {
            "scenario": "startup",
            "startup": {service: _measure(service, database.dsn, config, progress)
                        for service in services},
            "machine": machine_info(database.dsn),
            "config": {**asdict(config), "postgres_dsn": redact_dsn(config.postgres_dsn)},
        }
    return result
