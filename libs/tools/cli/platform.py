"""``lienthong up`` and ``lienthong status``."""

from __future__ import annotations

import json
import os
import signal
import time
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from lienthong.signals import Stopped
from lienthong.tools.cli.common import DEFAULT_DATA_DIR, DataDir
from lienthong.tools.cli.seeds import load_seed, seeds
from lienthong.tools.platform import (
    DEFAULT_BASE_PORT,
    DEFAULT_NATS_PORT,
    Platform,
    RunState,
)

console = Console(stderr=True)


def up(
    data_dir: DataDir = DEFAULT_DATA_DIR,
    host: Annotated[str, typer.Option(help="Address every process listens on.")] = "127.0.0.1",
    nats_port: Annotated[int, typer.Option(help="0 picks a free port.")] = DEFAULT_NATS_PORT,
    base_port: Annotated[int, typer.Option(
        help="First gRPC port; services take consecutive ports. 0 picks free ports.")
    ] = DEFAULT_BASE_PORT,
    seed: Annotated[str, typer.Option(
        help="Seed data a service offers, loaded once started: identity's vn-2025 (units, "
             "no agency codes), vn-2025-demo (also provisional agency codes), "
             "vn-2025-sample and vn-2025-sample-demo (the same for a few provinces); an "
             "unknown name lists every registered seed.")] = "",
    log_level: Annotated[str, typer.Option(help="Services' log level.")] = "info",
    insecure: Annotated[bool, typer.Option(
        "--insecure", help="Plaintext gRPC and NATS: no TLS, no client certificates, callers "
        "unknown, one NATS user for all. Without it a development CA in the data folder gives "
        "NATS, every service and the local tools their certificates.")] = False,
) -> None:
    """Start nats-server and every service on SQLite; stop them all on Ctrl-C.

    Ctrl-C or SIGTERM stops it at any moment (while starting, seeding or
    running) within seconds, exit code 0: the seed stops between two commands,
    then the services and NATS stop in order. Its processes end with it even
    when it is killed (Linux).
    """
    if seed and seed not in (known := seeds()):
        raise typer.BadParameter(
            "one of " + "; ".join(f"{name}: {what.summary}" for name, (_, what) in known.items()),
            param_hint="--seed")
    platform = Platform(data_dir, host=host, nats_port=nats_port, base_port=base_port,
                        log_level=log_level, insecure=insecure)
    if insecure:
        console.print("[bold red]INSECURE: every gRPC port and NATS of this platform take "
                      "plaintext calls from anyone who reaches them; callers are not known "
                      "(--insecure)[/]")
    if seed:
        # In the run file from its first save: a healthy platform is not ready while
        # its seed has still to load.
        platform.state.seed = {"name": seed, "state": "pending"}
    stopping = False

    # Only a flag: the work in hand (a start, a seed's command, the wait below)
    # looks at it between steps, so nothing is cut off halfway.
    def request_stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    def should_stop() -> bool:
        return stopping

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    try:
        with console.status("starting nats-server and the services"):
            state = platform.start(should_stop)
        if (client := state.client_tls()) is not None:
            # The seed, loaded from this process, and every tool started from it connect
            # with the development client certificate.
            os.environ.update(client.client_env())
        _print_endpoints(state)
        if seed:
            load_seed(seed, state, should_stop=should_stop)
        console.print("[bold green]ready[/] — Ctrl-C stops the platform")
        while not stopping:
            if (failed := platform.failed()) is not None:
                console.print(f"[red]{failed} exited; stopping the platform[/]")
                raise typer.Exit(1)
            time.sleep(0.2)
    except Stopped:
        console.print("stop requested")
    finally:
        console.print("stopping…")
        platform.stop()
        console.print("stopped")


def _print_endpoints(state: RunState) -> None:
    table = Table(title="Lienthong is running", show_lines=False)
    table.add_column("service")
    table.add_column("address")
    table.add_column("metrics")
    table.add_column("log")
    for endpoint in state.endpoints:
        table.add_row(endpoint.name, endpoint.address,
                      f"http://{endpoint.metrics}/metrics" if endpoint.metrics else "",
                      endpoint.log)
    console.print(table)


def status(
    data_dir: DataDir = DEFAULT_DATA_DIR,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")] = False,
) -> None:
    """Health of NATS and of each service of the local platform (exit 1 if any is down)."""
    state = RunState.load(data_dir.resolve())
    if state is None:
        if as_json:
            typer.echo(json.dumps({"running": False, "services": []}))
        else:
            console.print(f"no platform is running from {data_dir} (start one: lienthong up)")
        raise typer.Exit(1)
    rows = []
    for endpoint in state.endpoints:
        health = state.health(endpoint)
        rows.append({"name": endpoint.name, "kind": endpoint.kind, "address": endpoint.address,
                     "health": health, "healthy": health == "SERVING", "pid": endpoint.pid,
                     "metrics": endpoint.metrics, **({"url": endpoint.url} if endpoint.url
                                                     else {}),
                     **({"http": endpoint.http} if endpoint.http else {})})
    healthy = all(r["healthy"] for r in rows)
    # Ready: every part healthy and the seed (if one was asked for) loaded.
    ready = healthy and state.seed.get("state", "ready") == "ready"
    if as_json:
        # tls: the CA bundle, client certificate and key any gRPC client connects with,
        # and any NATS client (at NATS's url, as the tools' user); null: plaintext.
        typer.echo(json.dumps({"running": True, "healthy": healthy, "ready": ready,
                               "seed": state.seed or None, "tls": state.tls or None,
                               "services": rows}))
    else:
        table = Table(title=f"Lienthong at {state.data_dir}")
        for column in ("service", "address", "health", "metrics"):
            table.add_column(column)
        for row in rows:
            colour = "green" if row["healthy"] else "red"
            table.add_row(str(row["name"]), str(row["address"]),
                          f"[{colour}]{row['health']}[/]",
                          f"http://{row['metrics']}/metrics" if row["metrics"] else "")
        Console().print(table)
        if state.seed:
            figures = ", ".join(f"{k} {v}" for k, v in state.seed.items()
                                if isinstance(v, int) and not isinstance(v, bool))
            Console().print(f"seed {state.seed['name']}: {state.seed['state']}"
                            + (f" ({figures})" if figures else ""))
    if not healthy:
        raise typer.Exit(1)
