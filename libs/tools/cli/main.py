"""The ``lienthong`` command: run the platform, look at it, operate it.

Each registered service that names a CLI (its ServiceSpec's ``cli``) adds a
command group under its own name (``lienthong identity ...``).
"""

from __future__ import annotations

import typer

from lienthong import registry
from lienthong.tools.cli import audit, bench, events, pki, platform

app = typer.Typer(
    name="lienthong",
    help="Lienthong, the operating platform of Vietnam's two-tier local government.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
app.command("up")(platform.up)
app.command("status")(platform.status)
for spec in registry.services():
    if spec.cli:
        app.add_typer(spec.load("cli"), name=spec.name, help=f"{spec.name}: {spec.summary}.")
app.add_typer(events.app, name="events")
app.add_typer(bench.app, name="bench")
app.add_typer(audit.app, name="audit")
app.add_typer(pki.app, name="pki")

if __name__ == "__main__":
    app()
