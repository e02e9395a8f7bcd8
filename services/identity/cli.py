"""``lienthong identity``: import the 2025 divisions, resolve codes, read histories.

Every command talks to the identity service over gRPC, at ``--address`` or
at the address of the local platform's run file.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path  # noqa: TC003 - typer reads the annotations at run time
from typing import TYPE_CHECKING, Annotated

import grpc
import typer
from google.type import date_pb2
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from lienthong.identity.v1 import identity_pb2 as pb
from lienthong.identity.v1 import identity_pb2_grpc as pb_grpc
from lienthong.tools.cli.common import (
    DEFAULT_DATA_DIR,
    DataDir,
    Json,
    as_dict,
    date_text,
    fail,
    open_channel,
    platform_address,
)

if TYPE_CHECKING:
    from .importer.vn2025 import ImportReport

app = typer.Typer(help="Agencies, administrative units and their lineage.",
                  no_args_is_help=True)
console = Console(stderr=True)

Address = Annotated[str, typer.Option(
    "--address", envvar="LIENTHONG_IDENTITY_ADDRESS",
    help="host:port of the identity service (default: the local platform's).")]


def identity_address(address: str, data_dir: Path) -> str:
    return platform_address(address, data_dir, "identity", "--address")


@app.command("import-vn-2025")
def import_vn_2025(
    sample: Annotated[bool, typer.Option(
        "--sample", help="Only the real sample of a few provinces (the vn-2025-sample seed).")
    ] = False,
    address: Address = "", data_dir: DataDir = DEFAULT_DATA_DIR, as_json: Json = False,
) -> None:
    """Load the 2025 two-tier divisions and their lineage from the old units (idempotent)."""
    import_vn_2025_into(identity_address(address, data_dir), json_output=as_json,
                        sample=sample, data_dir=data_dir)


def import_vn_2025_into(address: str, *, json_output: bool, sample: bool = False,
                        data_dir: Path | None = None) -> ImportReport:
    """Run the import against the identity service at ``address``; print and return its report."""
    from .importer.vn2025 import import_plan
    from .seeds import seed_plan

    with console.status("reading the source packages"):
        plan = seed_plan("vn-2025-sample" if sample else "vn-2025")
    with open_channel(address, data_dir) as channel:
        try:
            report = import_plan(pb_grpc.IdentityServiceStub(channel), plan, console=console)
        except grpc.RpcError as error:
            raise fail(error) from None
    if json_output:
        typer.echo(json.dumps(report.as_dict(), ensure_ascii=False))
        return report
    table = Table(title=f"{plan.name} import")
    table.add_column("what")
    table.add_column("count", justify="right")
    for key, value in report.counts().items():
        table.add_row(key, str(value))
    Console().print(table)
    for ambiguity in report.ambiguities:
        console.print(f"[yellow]ambiguous[/] {ambiguity.rule} {ambiguity.subject_key}: "
                      f"{ambiguity.detail} -> {ambiguity.resolution}")
    return report


@app.command("import-agency-codes")
def import_agency_codes(
    file: Annotated[Path, typer.Argument(
        exists=True, dir_okay=False, readable=True,
        help="CSV: administrative_unit_code and/or unit_name, agency_code, decision_number, "
             "decision_date[, effective_date] (see docs/identity.md).")],
    province: Annotated[str, typer.Option(
        help="Administrative code of the province the list is for: names are looked up "
             "within it.")] = "",
    address: Address = "", data_dir: DataDir = DEFAULT_DATA_DIR, as_json: Json = False,
) -> None:
    """Apply a province's published agency codes, row by row (idempotent).

    Exit 0 when every row was applied or unchanged, 1 when a row was refused,
    2 when the file cannot be read (then nothing is applied).
    """
    from lienthong.vietnam import today_in_vietnam

    from .importer.agency_codes import (
        AgencyCodeFileError,
        apply_rows,
        read_file,
    )

    try:
        rows, refused = read_file(file, today=today_in_vietnam())
    except AgencyCodeFileError as error:
        console.print(f"[red]{error}[/]")
        raise typer.Exit(2) from None
    with open_channel(identity_address(address, data_dir), data_dir) as channel:
        try:
            report = apply_rows(pb_grpc.IdentityServiceStub(channel), rows, refused,
                                province_code=province, console=console)
        except grpc.RpcError as error:
            raise fail(error) from None
    if as_json:
        typer.echo(json.dumps(report.as_dict(), ensure_ascii=False))
    else:
        out = Console()
        out.print(", ".join(f"{n} {what}" for what, n in report.counts().items()))
        table = Table(title=f"agency codes from {file.name}")
        for column in ("line", "unit", "code", "agency code", "outcome", "reason"):
            table.add_column(column)
        for row in report.rows:
            colour = {"applied": "green", "unchanged": "dim", "refused": "red"}[row.outcome]
            # The file's texts are data: a "[...]" in them is not rich markup.
            table.add_row(str(row.line), escape(row.unit_name),
                          escape(row.administrative_unit_code), escape(row.agency_code),
                          f"[{colour}]{row.outcome}[/]",
                          escape(f"{row.reason}: {row.message}") if row.reason else "")
        out.print(table)
    if report.count("refused"):
        raise typer.Exit(1)


@app.command("issue-demo-codes")
def issue_demo_codes(address: Address = "", data_dir: DataDir = DEFAULT_DATA_DIR,
                     as_json: Json = False) -> None:
    """Give every active province and commune without an official agency code a provisional one.

    For demonstrations (what `up --seed vn-2025-demo` does after the import):
    the codes have the level-1 letter Z and are marked provisional everywhere.
    Idempotent.
    """
    from .importer.demo_codes import issue_demo_codes as issue

    with open_channel(identity_address(address, data_dir), data_dir) as channel:
        try:
            report = issue(pb_grpc.IdentityServiceStub(channel), console=console)
        except grpc.RpcError as error:
            raise fail(error) from None
    if as_json:
        typer.echo(json.dumps(report.as_dict(), ensure_ascii=False))
    else:
        Console().print(f"{report.issued} issued, {report.unchanged} unchanged, "
                        f"{report.kept_official} kept their official code, "
                        f"{len(report.failures)} failed")
    if report.failures:
        for unit, reason, message in report.failures:
            console.print(f"[red]not issued[/] {unit}: {reason} {message}")
        raise typer.Exit(1)


@app.command("resolve")
def resolve(
    code: Annotated[str, typer.Argument(help="An agency code or an administrative-unit code.")],
    as_of: Annotated[str, typer.Option(help="YYYY-MM-DD: the day the code was meant.")] = "",
    address: Address = "", data_dir: DataDir = DEFAULT_DATA_DIR, as_json: Json = False,
) -> None:
    """What unit(s) carry this code on today."""
    request = pb.ResolveUnitRequest(code=code)
    if as_of:
        day = dt.date.fromisoformat(as_of)
        request.as_of.CopyFrom(date_pb2.Date(year=day.year, month=day.month, day=day.day))
    with open_channel(identity_address(address, data_dir), data_dir) as channel:
        try:
            reply = pb_grpc.IdentityServiceStub(channel).ResolveUnit(request, timeout=10)
        except grpc.RpcError as error:
            raise fail(error) from None
    if as_json:
        typer.echo(json.dumps(as_dict(reply), ensure_ascii=False))
        return
    out = Console()
    named = reply.named_unit
    out.print(f"[bold]{code}[/] named {named.display_name} ({_status(named)})")
    for change in reply.chain:
        names = ", ".join(s.unit_id[:8] + ("*" if s.is_default else "") for s in change.successors)
        out.print(f"  {date_text(change.effective_date)} "
                  f"{pb.ChangeKind.Name(change.kind)[12:].lower()}"
                  f" {change.display_name}" + (f" -> {names}" if names else ""))
    table = Table(title="carried on today by")
    for column in ("unit", "code", "agency code", "default"):
        table.add_column(column)
    for unit in reply.current_units:
        agency_code = unit.agency_code + (" (provisional)" if unit.agency_code_provisional else "")
        table.add_row(unit.display_name, unit.administrative_unit_code, agency_code,
                      "yes" if unit.unit_id == reply.default_unit_id else "")
    out.print(table)


@app.command("history")
def history(
    unit_id: Annotated[str, typer.Argument(help="The unit's id.")],
    address: Address = "", data_dir: DataDir = DEFAULT_DATA_DIR, as_json: Json = False,
) -> None:
    """Every event of a unit: what, when, who, on whose authority, why."""
    with open_channel(identity_address(address, data_dir), data_dir) as channel:
        try:
            reply = pb_grpc.IdentityServiceStub(channel).GetUnitHistory(
                pb.GetUnitHistoryRequest(unit_id=unit_id), timeout=10)
        except grpc.RpcError as error:
            raise fail(error) from None
    if as_json:
        typer.echo(json.dumps(as_dict(reply), ensure_ascii=False))
        return
    table = Table(title=f"history of {unit_id}")
    for column in ("v", "event", "recorded", "effective", "actor", "agency", "request", "reason"):
        table.add_column(column)
    for entry in reply.entries:
        table.add_row(str(entry.version), entry.event_type,
                      entry.recorded_time.ToDatetime().isoformat(timespec="seconds"),
                      date_text(entry.effective_date), entry.actor, entry.actor_agency_code,
                      entry.request_id, entry.reason)
    Console().print(table)


def _status(unit: pb.Unit) -> str:
    return pb.UnitStatus.Name(unit.status).removeprefix("UNIT_STATUS_").lower()
