"""``lienthong bench <scenario> --json``: figures beside a baseline of the same run."""

from __future__ import annotations

import typer

app = typer.Typer(help="Benchmarks that print JSON figures.", no_args_is_help=True)
