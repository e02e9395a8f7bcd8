"""``lienthong audit``: replay what happened to any unit or dossier, and export the log.

Every command reads a service's AuditService over gRPC, at ``--address`` or
at the local platform's address of ``--service``. Nothing here writes to a
service.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import grpc
import typer
from google.protobuf import timestamp_pb2
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from lienthong import registry
from lienthong.audit.v1 import audit_pb2 as pb
from lienthong.audit.v1 import audit_pb2_grpc as pb_grpc
from lienthong.tools.audit.export import event_record, fetch_history, struct_to_python, write_jsonl
from lienthong.tools.cli.audit_checkpoints import checkpoints
from lienthong.tools.cli.audit_verify import verify
from lienthong.tools.cli.common import (
    DEFAULT_DATA_DIR,
    DataDir,
    Json,
    console,
    fail,
    open_channel,
    platform_address,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

app = typer.Typer(help="Audit: histories, past states, log exports and reports (read-only).",
                  no_args_is_help=True)
app.command("verify")(verify)
app.command("checkpoints")(checkpoints)

TIMEOUT_S = 30.0


#: The registered services, as the choices of --service (the first is the default).
ServiceName = StrEnum("ServiceName", {name: name for name in registry.names()})  # type: ignore[misc]
DEFAULT_SERVICE = next(iter(ServiceName))


Service = Annotated[ServiceName, typer.Option(
    "--service", help="The service whose log to read.")]
Address = Annotated[str, typer.Option(
    "--address", help="host:port of the service (default: the local platform's).")]
AggregateId = Annotated[str, typer.Argument(help="The unit's, dossier's or other aggregate's id.")]


@contextlib.contextmanager
def audit_stub(service: ServiceName, address: str,
               data_dir: Path) -> Iterator[pb_grpc.AuditServiceStub]:
    target = platform_address(address, data_dir, service.value, "--address")
    with open_channel(target, data_dir) as channel:
        try:
            yield pb_grpc.AuditServiceStub(channel)
        except grpc.RpcError as error:
            raise fail(error) from None


def parse_time(text: str, option: str) -> timestamp_pb2.Timestamp | None:
    """ISO 8601; a time without an offset is UTC (add +07:00 for Vietnam's clock)."""
    if not text:
        return None
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        console.print(f"{option}: not an ISO 8601 time: {text!r}")
        raise typer.Exit(2) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    stamp = timestamp_pb2.Timestamp()
    stamp.FromDatetime(moment)
    return stamp


@app.command("history")
def history(aggregate_id: AggregateId, service: Service = DEFAULT_SERVICE,
            address: Address = "", data_dir: DataDir = DEFAULT_DATA_DIR,
            as_json: Json = False) -> None:
    """Every event of one aggregate, oldest first, with who, for whom, why and when."""
    with audit_stub(service, address, data_dir) as stub:
        _, events = fetch_history(stub, aggregate_id)
    if as_json:
        typer.echo(json.dumps([_without_bytes(event_record(e)) for e in events],
                              ensure_ascii=False))
        return
    table = Table(title=f"{events[0].aggregate_type} {aggregate_id}" if events else aggregate_id)
    for column in ("version", "notification", "time (UTC)", "event", "actor", "agency",
                   "request", "reason"):
        table.add_column(column)
    for event in events:
        table.add_row(str(event.version), str(event.notification_id),
                      event.recorded_time.ToDatetime().strftime("%Y-%m-%d %H:%M:%S"),
                      event.event_type, event.metadata.actor, event.metadata.actor_agency_code,
                      event.metadata.request_id, event.metadata.reason)
    Console().print(table)


def _without_bytes(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k != "stored_state"}


@app.command("state")
def state(
    aggregate_id: AggregateId,
    version: Annotated[int, typer.Option(help="The version to rebuild (0: now).")] = 0,
    as_of: Annotated[str, typer.Option(
        "--as-of", help="ISO 8601 moment (without offset: UTC); not with --version.")] = "",
    service: Service = DEFAULT_SERVICE, address: Address = "",
    data_dir: DataDir = DEFAULT_DATA_DIR, as_json: Json = False,
) -> None:
    """An aggregate as it was at a version or at a moment."""
    request = pb.GetAggregateStateRequest(aggregate_id=aggregate_id, version=version)
    if (moment := parse_time(as_of, "--as-of")) is not None:
        request.as_of_time.CopyFrom(moment)
    with audit_stub(service, address, data_dir) as stub:
        reply = stub.GetAggregateState(request, timeout=TIMEOUT_S)
    attributes = struct_to_python(reply.state)
    if as_json:
        typer.echo(json.dumps({
            "aggregate_id": reply.aggregate_id, "aggregate_type": reply.aggregate_type,
            "version": reply.version, "latest_version": reply.latest_version,
            "update_time": reply.update_time.ToDatetime(tzinfo=dt.UTC).isoformat(),
            "state": attributes}, ensure_ascii=False))
        return
    table = Table(title=f"{reply.aggregate_type} {reply.aggregate_id} at version "
                        f"{reply.version} of {reply.latest_version}")
    table.add_column("attribute")
    table.add_column("value")
    for name in sorted(attributes):
        value = attributes[name]
        table.add_row(name, value if isinstance(value, str) else json.dumps(value,
                                                                            ensure_ascii=False))
    Console().print(table)


@app.command("export")
def export(
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="The JSON Lines file (default: stdout).")] = None,
    from_time: Annotated[str, typer.Option(
        "--from", help="Only events recorded at or after this ISO 8601 moment.")] = "",
    to_time: Annotated[str, typer.Option(
        "--to", help="Only events recorded before this ISO 8601 moment.")] = "",
    start_id: Annotated[int, typer.Option(
        "--start-id", help="First notification id (0: the log's start).")] = 0,
    end_id: Annotated[int, typer.Option(
        "--end-id", help="Last notification id (0: the log's end now).")] = 0,
    service: Service = DEFAULT_SERVICE, address: Address = "",
    data_dir: DataDir = DEFAULT_DATA_DIR,
) -> None:
    """A service's whole log, or part of it, as JSON Lines (one event per line)."""
    request = pb.ExportEventsRequest(start_notification_id=start_id, end_notification_id=end_id)
    for field, text, option in (("start_time", from_time, "--from"),
                                ("end_time", to_time, "--to")):
        if (moment := parse_time(text, option)) is not None:
            getattr(request, field).CopyFrom(moment)
    progress = Progress(TextColumn("[bold]export {task.description}"), BarColumn(),
                        MofNCompleteColumn(), TextColumn("{task.fields[written]} events"),
                        TimeRemainingColumn(), console=console, transient=False)
    task = progress.add_task(service.value, total=None, written=0)
    first = max(start_id, 1)
    written = 0

    def advance(message: pb.ExportEventsResponse) -> None:
        nonlocal written
        written += 1
        progress.update(task, total=max(message.end_notification_id - first + 1, 0),
                        completed=message.event.notification_id - first + 1, written=written)

    with contextlib.ExitStack() as stack:
        out = (stack.enter_context(output.open("w", encoding="utf-8")) if output
               else sys.stdout)
        stub = stack.enter_context(audit_stub(service, address, data_dir))
        stack.enter_context(progress)
        write_jsonl(stub.ExportEvents(request), out, advance)
        progress.update(task, completed=progress.tasks[0].total or 0)
    console.print(f"{written} event(s) exported" + (f" to {output}" if output else ""))


PublicKeys = Annotated[list[Path] | None, typer.Option(
    "--public-key", help="The checkpoint signer's Ed25519 public key (PEM, or a signed-note "
    "verifier key); repeat it for every key used over time. Without it the proofs are "
    "checked against the root the service sends, and the page says the signature was not "
    "checked.")]


@app.command("report")
def report(
    aggregate_id: AggregateId,
    output: Annotated[Path, typer.Option("--output", "-o", help="The HTML file to write.")],
    public_key: PublicKeys = None,
    service: Service = DEFAULT_SERVICE, address: Address = "",
    data_dir: DataDir = DEFAULT_DATA_DIR,
) -> None:
    """One aggregate's timeline as a self-contained HTML page, proofs checked."""
    from lienthong.audit.checkpoints import load_public_key
    from lienthong.tools.audit.report import collect, render

    try:
        keys = [load_public_key(path) for path in public_key or ()]
    except (ValueError, OSError) as error:
        console.print(f"[red]cannot load the key:[/] {error}")
        raise typer.Exit(2) from None
    with audit_stub(service, address, data_dir) as stub, console.status("reading the history"):
        timeline = collect(stub, aggregate_id, service.value, keys)
    output.write_text(render(timeline), encoding="utf-8")
    verified = sum(p.status == "verified" for p in timeline.proofs.values())
    failed = sum(p.status == "failed" for p in timeline.proofs.values())
    if timeline.signature == "failed":
        console.print(f"[red]checkpoint signature FAILED:[/] {timeline.signature_detail}")
    elif timeline.checkpoint is not None and not keys:
        console.print("[yellow]warning:[/] no --public-key: the proofs are checked against the "
                      "root the service sent; its signature was not checked")
    signed = " against the signed checkpoint" if timeline.signature == "verified" else ""
    console.print(f"{len(timeline.events)} event(s), {verified} inclusion proof(s) verified"
                  f"{signed}" + (f", [red]{failed} FAILED[/]" if failed else "") + f": {output}")
    if failed:
        raise typer.Exit(1)
