"""The ``lienthong`` command: run the platform, look at it, operate it."""

from __future__ import annotations

import typer

from lienthong.cli import audit, bench, dossiers, events, identity, platform

app = typer.Typer(
    name="lienthong",
    help="Lienthong, the operating platform of Vietnam's two-tier local government.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
app.command("up")(platform.up)
app.command("status")(platform.status)
app.add_typer(identity.app, name="identity")
app.add_typer(dossiers.app, name="dossiers")
app.add_typer(events.app, name="events")
app.add_typer(bench.app, name="bench")
app.add_typer(audit.app, name="audit")

if __name__ == "__main__":
    app()
