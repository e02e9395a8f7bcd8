"""``lienthong pki``: the platform's transport CA; certificates for services and for the
client systems of other agencies (:mod:`lienthong.tools.pki`)."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from lienthong.tools.cli.common import DEFAULT_DATA_DIR, DataDir, Json, console
from lienthong.tools.pki import CA, KINDS, REASONS, PKIError

app = typer.Typer(help="The transport CA: issue, renew and revoke certificates.",
                  no_args_is_help=True)

Folder = Annotated[Path | None, typer.Option(
    "--dir", help="The CA's folder (default: <data dir>/pki).")]
Days = Annotated[int, typer.Option("--days", min=1, help="Validity in days (at most 825).")]


def _ca(folder: Path | None, data_dir: Path) -> CA:
    return CA(folder or data_dir / "pki")


def _refused(error: PKIError) -> typer.Exit:
    console.print(f"[red]refused:[/] {escape(str(error))}")
    return typer.Exit(2)


def _print(issued: object, as_json: bool) -> None:
    if as_json:
        sys.stdout.write(json.dumps(asdict(issued)) + "\n")  # type: ignore[call-overload]
    else:
        console.print(issued)


@app.command("init")
def init(folder: Folder = None, data_dir: DataDir = DEFAULT_DATA_DIR,
         common_name: Annotated[str, typer.Option("--common-name")] = (
             "Lienthong platform transport CA"),
         days: Days = 3650) -> None:
    """Make the CA: its key, its certificate and an empty revocation list."""
    ca = _ca(folder, data_dir)
    try:
        ca.init(common_name, days)
    except PKIError as error:
        raise _refused(error) from None
    console.print(f"CA made in {ca.folder}: give {ca.cert_path} to every client and server")


@app.command("issue")
def issue(name: Annotated[str, typer.Argument(help="The certificate's name (identity, "
                                                   "mot-cua-bac-ninh, ...).")],
          kind: Annotated[str, typer.Option("--kind", help=f"One of {', '.join(KINDS)}.")],
          caller: Annotated[list[str] | None, typer.Option(
              "--caller", help="VN:GOV:<agency code>[/<subsystem>] (repeatable).")] = None,
          host: Annotated[list[str] | None, typer.Option(
              "--host", help="A DNS name or IP address it answers on (repeatable).")] = None,
          days: Days = 90, folder: Folder = None, data_dir: DataDir = DEFAULT_DATA_DIR,
          as_json: Json = False) -> None:
    """Issue a key and a certificate: a service's (--host) or a client system's (--caller)."""
    try:
        issued = _ca(folder, data_dir).issue(name, kind, callers=caller, hosts=host, days=days)
    except PKIError as error:
        raise _refused(error) from None
    _print(issued, as_json)


@app.command("renew")
def renew(name: str, days: Days = 90, folder: Folder = None,
          data_dir: DataDir = DEFAULT_DATA_DIR, as_json: Json = False) -> None:
    """Issue NAME again with the same names; the old certificate is revoked (superseded)."""
    try:
        issued = _ca(folder, data_dir).renew(name, days)
    except PKIError as error:
        raise _refused(error) from None
    _print(issued, as_json)


@app.command("revoke")
def revoke(name: str,
           reason: Annotated[str, typer.Option(
               "--reason", help=f"One of {', '.join(REASONS)}.")] = "keyCompromise",
           folder: Folder = None, data_dir: DataDir = DEFAULT_DATA_DIR) -> None:
    """Revoke NAME's certificates; the CRL is signed anew (servers read it at once)."""
    try:
        revoked = _ca(folder, data_dir).revoke(name, reason)
    except PKIError as error:
        raise _refused(error) from None
    console.print(f"revoked {len(revoked)} certificate(s) of {name} ({reason})")


@app.command("list")
def list_issued(folder: Folder = None, data_dir: DataDir = DEFAULT_DATA_DIR,
                as_json: Json = False) -> None:
    """Every certificate the CA issued, valid or revoked."""
    entries = _ca(folder, data_dir).index()
    if as_json:
        sys.stdout.write(json.dumps([asdict(e) for e in entries]) + "\n")
        return
    table = Table("name", "kind", "serial", "names", "not after", "revoked")
    for e in entries:
        table.add_row(e.name, e.kind, f"{e.serial:x}"[:12], ", ".join(e.callers + e.hosts),
                      e.not_after[:10], f"{e.revoked_at[:10]} {e.reason}".strip())
    console.print(table)
