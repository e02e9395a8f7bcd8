"""``lienthong bench <scenario> --json``: figures beside a baseline of the same run.

Each registered service names its own scenarios (its ServiceSpec's ``benchmarks``);
``startup`` is the platform's own, run on every service that gives a long history
to start from (``bench_history``).
"""

from __future__ import annotations

from typing import Annotated

import typer

from lienthong import registry
from lienthong.tools.bench.command import DEFAULT_ADMIN_DSN, Json, PostgresDsn, err_console, run

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


def mount_registered(bench: typer.Typer) -> None:
    """Add every registered service's scenarios to ``bench``; two of one name are refused."""
    owners = {"startup": "the platform"}
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
    """Every scenario's name: the registered services' own, then ``startup``."""
    names = [command.name for command in app.registered_commands]
    return [*[n for n in names if n != "startup"], "startup"]


if __name__ == "__main__":  # `make bench` runs each of these
    print(*scenarios(), sep="\n")
