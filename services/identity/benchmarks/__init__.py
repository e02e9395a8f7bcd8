"""Identity's benchmarks, registered in its ServiceSpec (``lienthong bench <scenario>``).

* ``identity``: RegisterUnit and ResolveUnit through gRPC beside raw PostgreSQL inserts
  (:mod:`.api`);
* ``events``: producer commit to consumer commit over NATS, the relay's drain rate,
  beside raw JetStream publishes (:mod:`.events`);
* ``audit``: ``lienthong audit verify``'s rate beside the raw read of the log
  (:mod:`.audit`);
* :func:`.history.batches`: the long log ``lienthong bench startup`` starts from.
"""

from __future__ import annotations

from typing import Annotated

import typer

from lienthong.tools.bench.command import (
    DEFAULT_ADMIN_DSN,
    Connections,
    Count,
    GrpcWorkers,
    Json,
    Options,
    PayloadBytes,
    PoolSize,
    PostgresDsn,
    Seconds,
    err_console,
    parse_options,
    run,
)


def identity(
    as_json: Json = False,
    seconds: Seconds = 10.0,
    count: Count = None,
    connections: Connections = 4,
    postgres_dsn: PostgresDsn = DEFAULT_ADMIN_DSN,
    grpc_workers: GrpcWorkers = None,
    pool_size: PoolSize = None,
    payload_bytes: PayloadBytes = 300,
    option: Options = None,
    tls: Annotated[bool, typer.Option(
        "--tls", help="Measure register and resolve again over mutual TLS and report "
        "the cost beside plaintext (figures under tls).")] = False,
) -> None:
    """RegisterUnit and ResolveUnit through gRPC, beside raw PostgreSQL inserts."""
    from .api import IdentityBenchConfig, run_identity_bench

    config = IdentityBenchConfig(
        postgres_dsn=postgres_dsn, connections=connections, seconds=seconds, count=count,
        grpc_workers=grpc_workers, pool_size=pool_size,
        payload_bytes=payload_bytes, options=parse_options(option), tls=tls)
    run("identity", run_identity_bench, config, as_json=as_json,
        groups=["register", "resolve", "raw", "ratios", "tls", "machine", "config"])


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
    recovery_seconds: Annotated[float, typer.Option(
        "--recovery-seconds", min=0, help="Steady load of each recovery phase (consumer "
        "killed, NATS restarted; the fault 3 s in); 0 skips them.")] = 12.0,
    postgres_dsn: PostgresDsn = DEFAULT_ADMIN_DSN,
    option: Options = None,
) -> None:
    """Producer commit -> consumer commit over NATS, recovery after faults, relay drain
    rate, raw JetStream publish."""
    from .events import EventsBenchConfig, run_events_bench

    if store not in ("postgres", "sqlite"):
        err_console.print(f"[red]--store {store!r}: expected postgres or sqlite[/]")
        raise typer.Exit(2)
    config = EventsBenchConfig(
        postgres_dsn=postgres_dsn, store=store, rate=rate, seconds=seconds, backlog=backlog,
        producers=producers, relay_batch_size=batch_size, relay_poll_interval_s=poll_interval,
        wake_relay=wake_relay, log_level=log_level, recovery_seconds=recovery_seconds,
        options=parse_options(option))
    run("events", run_events_bench, config, as_json=as_json,
        groups=["commit_to_applied", "relay", "raw", "ratios", "targets", "machine", "config"])


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
    from .audit import AuditBenchConfig, run_audit_bench

    config = AuditBenchConfig(postgres_dsn=postgres_dsn, events=events,
                              every_events=every_events, rounds=rounds)
    run("audit", run_audit_bench, config, as_json=as_json,
        groups=["verify", "raw", "checkpointer", "ratios", "targets", "machine", "config"])


COMMANDS = {"identity": identity, "events": events, "audit": audit}
