"""``lienthong bench <scenario> --json``: figures beside a baseline of the same run.

Each registered service names its own scenarios (its ServiceSpec's ``benchmarks``);
``startup`` is the platform's own, run on every service that gives a long history
to start from (``bench_history``); so is ``national``, the whole platform under the
national model's load (long: not among what `make bench` runs).
"""

from __future__ import annotations

from typing import Annotated

import typer

from lienthong import registry
from lienthong.tools.bench.command import DEFAULT_ADMIN_DSN, Json, PostgresDsn, err_console, run
from lienthong.tools.bench.national_model import (
    DEFAULT_MAX_LAG_S,
    DEFAULT_MULTIPLES,
    DEFAULT_P99_MS,
    DEFAULT_STEP_SECONDS,
)

app = typer.Typer(help="Benchmarks that print JSON figures.", no_args_is_help=True)


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
        "--service", help="A registered service with a bench history (repeatable); "
        "default every one.")] = None,
    postgres_dsn: PostgresDsn = DEFAULT_ADMIN_DSN,
) -> None:
    """A service's start on a long log: read models replayed from notification 1, and
    started from their snapshots."""
    from lienthong.tools.bench.startup import StartupBenchConfig, run_startup_bench, startable

    known = [spec.name for spec in startable()]
    chosen = tuple(service or known)
    if unknown := [s for s in chosen if s not in known]:
        err_console.print(f"[red]--service {unknown[0]!r}: expected one of "
                          f"{', '.join(known)}[/]")
        raise typer.Exit(2)
    config = StartupBenchConfig(postgres_dsn=postgres_dsn, events=events,
                                after_snapshot=after_snapshot, rounds=rounds, services=chosen)
    run("startup", run_startup_bench, config, as_json=as_json,
        groups=["startup", "machine", "config"])


@app.command("national")
def national(
    as_json: Json = False,
    step_seconds: Annotated[float, typer.Option(
        "--step-seconds", min=1.0, help="How long each multiple is held (the target: 300, "
        "five minutes).")] = DEFAULT_STEP_SECONDS,
    multiples: Annotated[str, typer.Option(
        "--multiples", help="The multiples of the model's design peak, rising, separated "
        "by commas.")] = ",".join(f"{m:g}" for m in DEFAULT_MULTIPLES),
    p99_ms: Annotated[float, typer.Option(
        "--p99-ms", min=0.1, help="A step fails when any RPC's p99 is over this.")
    ] = DEFAULT_P99_MS,
    max_lag_s: Annotated[float, typer.Option(
        "--max-lag-s", min=0.01, help="A step fails when a consumer's oldest "
        "unacknowledged event was ever older than this.")] = DEFAULT_MAX_LAG_S,
    postgres_dsn: PostgresDsn = DEFAULT_ADMIN_DSN,
) -> None:
    """Every service as in production, driven by the national model's mix at rising
    multiples of its design peak until an RPC's p99 or an event's lag passes its limit;
    the highest multiple sustained. Long (a step is 5 minutes by default): `make bench`
    leaves it out; run it on its own."""
    from lienthong.tools.bench.national import NationalBenchConfig, run_national_bench
    from lienthong.tools.bench.national_model import parse_multiples

    try:
        chosen = parse_multiples(multiples)
    except ValueError as error:
        err_console.print(f"[red]--multiples: {error}[/]")
        raise typer.Exit(2) from None
    config = NationalBenchConfig(postgres_dsn=postgres_dsn, step_seconds=step_seconds,
                                 multiples=chosen, p99_ms=p99_ms, max_lag_s=max_lag_s)
    run("national", run_national_bench, config, as_json=as_json,
        groups=["sustained_multiple", "first_limit", "machine", "config"])


#: Platform-level scenarios too long for `make bench` (run on their own).
LONG_SCENARIOS = ("national",)


def mount_registered(bench: typer.Typer) -> None:
    """Add every registered service's scenarios to ``bench``; two of one name are refused."""
    owners = {"startup": "the platform", "national": "the platform"}
    for spec in registry.services():
        for scenario, command in (spec.load("benchmarks") or {}).items():
            if scenario in owners:
                msg = (f"{spec.name} and {owners[scenario]} both name a benchmark "
                       f"{scenario!r}")
                raise registry.RegistryError(msg)
            owners[scenario] = spec.name
            bench.command(scenario)(command)


mount_registered(app)


def scenarios() -> list[str]:
    """Every scenario `make bench` runs: the registered services' own, then ``startup``
    (not the long ones, :data:`LONG_SCENARIOS`)."""
    names = [command.name for command in app.registered_commands]
    return [*[n for n in names if n not in ("startup", *LONG_SCENARIOS)], "startup"]


if __name__ == "__main__":  # `make bench` runs each of these
    print(*scenarios(), sep="\n")
