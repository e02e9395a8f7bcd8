"""``lienthong bench <scenario> --json``: figures beside a baseline of the same run."""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from lienthong.pgtemp import DEFAULT_ADMIN_DSN

app = typer.Typer(help="Benchmarks that print JSON figures.", no_args_is_help=True)
err_console = Console(stderr=True)

Json = Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")]
Seconds = Annotated[float, typer.Option("--seconds", min=0.1,
                                        help="How long each measured phase runs.")]
Count = Annotated[int | None, typer.Option(
    "--count", min=1, help="Calls per measured phase instead of a duration.")]
Connections = Annotated[int, typer.Option(
    "--connections", min=1, help="Client threads, each with its own connection.")]
PostgresDsn = Annotated[str, typer.Option(
    "--postgres-dsn", envvar="LIENTHONG_TEST_POSTGRES_DSN",
    help="Administrative DSN; the bench creates and drops its own database there.")]
Options = Annotated[list[str] | None, typer.Option(
    "--option", help="KEY=VALUE added to the service's environment (repeatable), "
    "e.g. IDENTITYAPPLICATION_POSTGRES_MAX_OVERFLOW=8.")]


def _parse_options(values: list[str] | None) -> dict[str, str]:
    options: dict[str, str] = {}
    for value in values or []:
        key, sep, setting = value.partition("=")
        if not sep or not key:
            err_console.print(f"[red]--option {value!r}: expected KEY=VALUE[/]")
            raise typer.Exit(2)
        options[key] = setting
    return options


def _emit(result: dict[str, Any], as_json: bool, rows: list[tuple[str, str, str]],
          *, fold_names: bool = False) -> None:
    if as_json:
        sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
        sys.stdout.flush()
        return
    table = Table(title=f"lienthong bench {result.get('scenario', '')}")
    table.add_column("group")
    table.add_column("figure", overflow="fold" if fold_names else "ellipsis")
    table.add_column("value", justify="right")
    for group, name, value in rows:
        table.add_row(group, name, value)
    Console().print(table)


def _rows(result: dict[str, Any], groups: list[str]) -> list[tuple[str, str, str]]:
    rows = []
    for group in groups:
        for name, value in result.get(group, {}).items():
            text = (", ".join(f"{k}={v}" for k, v in value.items()) or "-"
                    if isinstance(value, dict) else str(value))
            rows.append((group, name, text))
    return rows


def _flat_rows(result: dict[str, Any], groups: list[str]) -> list[tuple[str, str, str]]:
    """Like :func:`_rows`, nested figures on rows of their own (``breakdown.relay.p99_ms``)."""
    rows: list[tuple[str, str, str]] = []

    def add(group: str, name: str, value: Any) -> None:
        if isinstance(value, dict) and value:
            for key, inner in value.items():
                add(group, f"{name}.{key}" if name else str(key), inner)
        else:
            rows.append((group, name, "-" if value == {} else str(value)))

    for group in groups:
        add(group, "", result.get(group, {}))
    return rows


@app.command("identity")
def identity(
    as_json: Json = False,
    seconds: Seconds = 10.0,
    count: Count = None,
    connections: Connections = 4,
    postgres_dsn: PostgresDsn = DEFAULT_ADMIN_DSN,
    db_functions: Annotated[bool, typer.Option(
        "--db-functions", help="Run the service with POSTGRES_ENABLE_DB_FUNCTIONS=y "
        "(faster inserts without the table lock: notification ids may commit "
        "out of order).")] = False,
    grpc_workers: Annotated[int | None, typer.Option(
        "--grpc-workers", min=1, help="LIENTHONG_GRPC_WORKERS of the service.")] = None,
    pool_size: Annotated[int | None, typer.Option(
        "--pool-size", min=1, help="LIENTHONG_POSTGRES_POOL_SIZE of the service.")] = None,
    payload_bytes: Annotated[int, typer.Option(
        "--payload-bytes", min=1, help="Row size of the raw insert baseline.")] = 300,
    option: Options = None,
) -> None:
    """RegisterUnit and ResolveUnit through gRPC, beside raw PostgreSQL inserts."""
    from lienthong.bench.common import BenchError, PhaseProgress
    from lienthong.bench.identity import IdentityBenchConfig, run_identity_bench

    config = IdentityBenchConfig(
        postgres_dsn=postgres_dsn, connections=connections, seconds=seconds, count=count,
        db_functions=db_functions, grpc_workers=grpc_workers, pool_size=pool_size,
        payload_bytes=payload_bytes, options=_parse_options(option))
    try:
        with PhaseProgress(enabled=True) as progress:
            result = run_identity_bench(config, progress)
    except BenchError as error:
        err_console.print(f"[red]bench identity failed:[/] {error}")
        raise typer.Exit(1) from None
    _emit(result, as_json, _rows(result, ["register", "resolve", "raw", "ratios",
                                          "machine", "config"]))


@app.command("events")
def events(
    as_json: Json = False,
    seconds: Seconds = 10.0,
    rate: Annotated[float, typer.Option(
        "--rate", min=1, help="Published events per second the producer commits "
        "(RegisterUnit of communes: 2 published events each).")] = 200.0,
    backlog: Annotated[int, typer.Option(
        "--backlog", min=100, help="Published events written with the relay stopped, "
        "then drained.")] = 20_000,
    store: Annotated[str, typer.Option(
        "--store", help="Event store of producer and consumer: postgres or sqlite.")
    ] = "postgres",
    producers: Annotated[int, typer.Option(
        "--producers", min=1, help="Threads committing commands on the schedule.")] = 2,
    batch_size: Annotated[int, typer.Option(
        "--batch-size", min=1, help="The relay's batch (and the raw publish window).")] = 500,
    poll_interval: Annotated[float, typer.Option(
        "--poll-interval", min=0.001, help="The relay's poll interval, seconds.")] = 0.25,
    wake_relay: Annotated[bool, typer.Option(
        "--wake-relay/--poll-only", help="Wake the relay after each commit, as production "
        "does; --poll-only leaves it to its 0.25 s poll.")] = True,
    log_level: Annotated[str, typer.Option(
        "--log-level", help="Log level of the relay and the consumer.")] = "warning",
    postgres_dsn: PostgresDsn = DEFAULT_ADMIN_DSN,
    option: Options = None,
) -> None:
    """Producer commit -> consumer commit over NATS, relay drain rate, raw JetStream publish."""
    from lienthong.bench.common import BenchError, PhaseProgress
    from lienthong.bench.events import EventsBenchConfig, run_events_bench

    if store not in ("postgres", "sqlite"):
        err_console.print(f"[red]--store {store!r}: expected postgres or sqlite[/]")
        raise typer.Exit(2)
    config = EventsBenchConfig(
        postgres_dsn=postgres_dsn, store=store, rate=rate, seconds=seconds, backlog=backlog,
        producers=producers, relay_batch_size=batch_size, relay_poll_interval_s=poll_interval,
        wake_relay=wake_relay, log_level=log_level, options=_parse_options(option))
    try:
        with PhaseProgress(enabled=True) as progress:
            result = run_events_bench(config, progress)
    except BenchError as error:
        err_console.print(f"[red]bench events failed:[/] {error}")
        raise typer.Exit(1) from None
    _emit(result, as_json, _flat_rows(result, ["commit_to_applied", "relay", "raw", "ratios",
                                               "targets", "machine", "config"]),
          fold_names=True)


@app.command("dossiers")
def dossiers(
    as_json: Json = False,
    seconds: Seconds = 10.0,
    rate: Annotated[float, typer.Option(
        "--rate", min=1, help="SubmitDossier calls per second of the scheduled phase.")] = 100.0,
    desks: Annotated[int, typer.Option(
        "--desks", min=1, help="Receiving units the submissions go round-robin to "
        "(each has its own daily counter).")] = 10,
    connections: Connections = 4,
    postgres_dsn: PostgresDsn = DEFAULT_ADMIN_DSN,
    grpc_workers: Annotated[int | None, typer.Option(
        "--grpc-workers", min=1, help="LIENTHONG_GRPC_WORKERS of the service.")] = None,
    pool_size: Annotated[int | None, typer.Option(
        "--pool-size", min=1, help="LIENTHONG_POSTGRES_POOL_SIZE of the service.")] = None,
    payload_bytes: Annotated[int, typer.Option(
        "--payload-bytes", min=1, help="Row size of the raw insert baseline.")] = 300,
    option: Options = None,
) -> None:
    """SubmitDossier (scheduled and at most), Receive/Assign, beside raw PostgreSQL inserts."""
    from lienthong.bench.common import BenchError, PhaseProgress
    from lienthong.bench.dossiers import DossiersBenchConfig, run_dossiers_bench

    config = DossiersBenchConfig(
        postgres_dsn=postgres_dsn, connections=connections, rate=rate, seconds=seconds,
        desks=desks, grpc_workers=grpc_workers, pool_size=pool_size,
        payload_bytes=payload_bytes, options=_parse_options(option))
    try:
        with PhaseProgress(enabled=True) as progress:
            result = run_dossiers_bench(config, progress)
    except BenchError as error:
        err_console.print(f"[red]bench dossiers failed:[/] {error}")
        raise typer.Exit(1) from None
    _emit(result, as_json, _flat_rows(result, ["submit", "submit_max", "status_change", "raw",
                                               "ratios", "targets", "machine", "config"]),
          fold_names=True)


@app.command("audit")
def audit(
    as_json: Json = False,
    events: Annotated[int, typer.Option(
        "--events", min=1000, help="Rows in the event log that is verified.")] = 100_000,
    every_events: Annotated[int, typer.Option(
        "--every-events", min=1, help="A checkpoint every this many events.")] = 1000,
    rounds: Annotated[int, typer.Option(
        "--rounds", min=1, help="Measured rounds of each (the median is reported).")] = 3,
    postgres_dsn: PostgresDsn = DEFAULT_ADMIN_DSN,
) -> None:
    """lienthong audit verify's replay-and-verify rate beside the raw notification-log read."""
    from lienthong.bench.audit import AuditBenchConfig, run_audit_bench
    from lienthong.bench.common import BenchError, PhaseProgress

    config = AuditBenchConfig(postgres_dsn=postgres_dsn, events=events,
                              every_events=every_events, rounds=rounds)
    try:
        with PhaseProgress(enabled=True) as progress:
            result = run_audit_bench(config, progress)
    except BenchError as error:
        err_console.print(f"[red]bench audit failed:[/] {error}")
        raise typer.Exit(1) from None
    _emit(result, as_json, _flat_rows(result, ["verify", "raw", "checkpointer", "ratios",
                                               "targets", "machine", "config"]),
          fold_names=True)


@app.command("startup")
def startup(
    as_json: Json = False,
    events: Annotated[int, typer.Option(
        "--events", min=1000, help="Notifications in each service's log.")] = 100_000,
    after_snapshot: Annotated[int, typer.Option(
        "--after-snapshot", min=0, help="Notifications written after the read models' "
        "snapshots (a restart replays them).")] = 10_000,
    rounds: Annotated[int, typer.Option(
        "--rounds", min=1, help="Timed starts of each kind (the median is reported).")] = 3,
    service: Annotated[list[str] | None, typer.Option(
        "--service", help="identity or dossiers (repeatable); default both.")] = None,
    postgres_dsn: PostgresDsn = DEFAULT_ADMIN_DSN,
) -> None:
    """A service's start on a long log: read models replayed from notification 1, and
    started from their snapshots."""
    from lienthong.bench.common import BenchError, PhaseProgress
    from lienthong.bench.startup import SERVICES, StartupBenchConfig, run_startup_bench

    chosen = tuple(service or SERVICES)
    if unknown := [s for s in chosen if s not in SERVICES]:
        err_console.print(f"[red]--service {unknown[0]!r}: expected one of {SERVICES}[/]")
        raise typer.Exit(2)
    config = StartupBenchConfig(postgres_dsn=postgres_dsn, events=events,
                                after_snapshot=after_snapshot, rounds=rounds)
    try:
        with PhaseProgress(enabled=True) as progress:
            result = run_startup_bench(config, progress, chosen)
    except BenchError as error:
        err_console.print(f"[red]bench startup failed:[/] {error}")
        raise typer.Exit(1) from None
    _emit(result, as_json, _flat_rows(result, ["startup", "machine", "config"]),
          fold_names=True)
