"""What every ``lienthong bench <scenario>`` command shares: its options and its output.

A service registers its benchmarks (its ServiceSpec's ``benchmarks``: scenario names
to typer command functions) and writes each command with these option types, then
hands its runner to :func:`run`: progress bars on stderr, one JSON object (``--json``)
or a table on stdout, exit status 1 with the reason when the scenario fails.
"""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from lienthong.pgtemp import DEFAULT_ADMIN_DSN

if TYPE_CHECKING:
    from collections.abc import Callable

    from lienthong.tools.bench.common import PhaseProgress

err_console = Console(stderr=True)

__all__ = ["DEFAULT_ADMIN_DSN", "Connections", "Count", "GrpcWorkers", "Json", "Options",
           "PayloadBytes", "PoolSize", "PostgresDsn", "Seconds", "parse_options", "run"]

Json = Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")]
Seconds = Annotated[float, typer.Option("--seconds", min=0.1,
                                        help="How long each measured phase runs.")]
Count = Annotated[int | None, typer.Option(
    "--count", min=1, help="Calls per measured phase instead of a duration.")]
Connections = Annotated[int, typer.Option(
    "--connections", min=1, help="Client threads, each with its own connection.")]
PostgresDsn = Annotated[str, typer.Option(
    "--postgres-dsn", envvar="LIENTHONG_BENCH_POSTGRES_DSN",
    help="Administrative DSN; the bench creates and drops its own database there.")]
GrpcWorkers = Annotated[int | None, typer.Option(
    "--grpc-workers", min=1, help="LIENTHONG_GRPC_WORKERS of the service.")]
PoolSize = Annotated[int | None, typer.Option(
    "--pool-size", min=1, help="LIENTHONG_POSTGRES_POOL_SIZE of the service.")]
PayloadBytes = Annotated[int, typer.Option(
    "--payload-bytes", min=1, help="Row size of the raw insert baseline.")]
Options = Annotated[list[str] | None, typer.Option(
    "--option", help="KEY=VALUE added to the service's environment (repeatable), "
    "e.g. IDENTITYAPPLICATION_POSTGRES_MAX_OVERFLOW=8.")]


def parse_options(values: list[str] | None) -> dict[str, str]:
    """``--option KEY=VALUE`` values as a mapping; exit status 2 naming a malformed one."""
    options: dict[str, str] = {}
    for value in values or []:
        key, sep, setting = value.partition("=")
        if not sep or not key:
            err_console.print(f"[red]--option {value!r}: expected KEY=VALUE[/]")
            raise typer.Exit(2)
        options[key] = setting
    return options


def run(scenario: str, runner: Callable[[Any, PhaseProgress], dict[str, Any]], config: Any,
        *, as_json: bool, groups: list[str]) -> None:
    """Run ``runner(config, progress)`` and print its figures (``groups`` in the table)."""
    from lienthong.tools.bench.common import BenchError, PhaseProgress

    try:
        with PhaseProgress(enabled=True) as progress:
            result = runner(config, progress)
    except BenchError as error:
        err_console.print(f"[red]bench {scenario} failed:[/] {error}")
        raise typer.Exit(1) from None
    if as_json:
        sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
        sys.stdout.flush()
        return
    table = Table(title=f"lienthong bench {result.get('scenario', scenario)}")
    table.add_column("group")
    table.add_column("figure", overflow="fold")
    table.add_column("value", justify="right")
    for row in rows(result, groups):
        table.add_row(*row)
    Console().print(table)


def rows(result: dict[str, Any], groups: list[str]) -> list[tuple[str, str, str]]:
    """The figures of ``groups``, nested ones on rows of their own (``relay.p99_ms``)."""
    found: list[tuple[str, str, str]] = []

    def add(group: str, name: str, value: Any) -> None:
        if isinstance(value, dict) and value:
            for key, inner in value.items():
                add(group, f"{name}.{key}" if name else str(key), inner)
        else:
            found.append((group, name, "-" if value == {} else str(value)))

    for group in groups:
        add(group, "", result.get(group, {}))
    return found
