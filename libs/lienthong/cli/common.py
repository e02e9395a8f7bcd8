"""What every ``lienthong`` command shares: the data folder, --json, finding the platform."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from lienthong.platform import RunState

DEFAULT_DATA_DIR = Path(".lienthong")
DataDir = Annotated[Path, typer.Option("--data-dir", envvar="LIENTHONG_DATA_DIR",
                                       help="Where event stores, NATS data and logs live.")]
Json = Annotated[bool, typer.Option("--json", help="JSON on stdout instead of a table.")]
console = Console(stderr=True)


def platform_address(given: str, data_dir: Path, name: str, option: str) -> str:
    """``given`` if set, else the local platform's address of ``name`` (exit 2 if none runs)."""
    if given:
        return given
    state = RunState.load(data_dir.resolve())
    if state is None:
        console.print(f"no {option} given and no platform runs from {data_dir}")
        raise typer.Exit(2)
    return state.address_of(name)
