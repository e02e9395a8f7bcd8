"""``lienthong audit verify``: recompute a service's audit tree from its database.

Reads the event table, the leaf table and the checkpoints straight from the
database (read-only: SELECT on the service's tables is enough) and checks
them against the auditor's public key; see :mod:`lienthong.tools.audit.verify`.
Exit status 0: everything holds; 1: something does not (the first event that
differs is named; or no valid checkpoint proves the log; or the largest one
covers fewer events than ``--min-tree-size``); 2: it could not run.

Checkpoints stored in the database are only as good as the database: the
proof holds against the checkpoints the auditor kept (``--checkpoints``) and
the tree size they last saw (``--min-tree-size``).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from lienthong.audit.checkpoints import load_private_key, load_public_key
from lienthong.tools.audit.verify import VerifyReport, open_source, read_notes, verify_log
from lienthong.tools.cli.common import DEFAULT_DATA_DIR, DataDir, Json, console
from lienthong.tools.platform import AUDIT_SIGNING_KEY_FILE, local_event_store


def verify(
    service: Annotated[str, typer.Option("--service", help="The service whose log to verify.")],
    event_store: Annotated[str, typer.Option(
        "--event-store", help="postgresql://user@host/db[?schema=S] (the schema defaults to "
        "the service's name) or sqlite:///file.db; default: the local platform's store.")] = "",
    public_key: Annotated[list[Path] | None, typer.Option(
        "--public-key", help="The checkpoint signers' Ed25519 public key (PEM, or a signed-note "
        "verifier key); repeat it for every key used over time (after a rotation, the old and "
        "the new). Without it, the key is derived from the configured private key: "
        "that proves nothing to a third party.")] = None,
    checkpoints: Annotated[Path | None, typer.Option(
        "--checkpoints", help="A file of signed checkpoints you kept (e.g. from the "
        "LIENTHONG_CHECKPOINTS stream); each must be consistent with the log.")] = None,
    min_tree_size: Annotated[int, typer.Option(
        "--min-tree-size", min=0, help="The tree size of the latest checkpoint you saw before "
        "(e.g. at the last audit): fail (checkpoint_missing) when the largest valid checkpoint "
        "covers fewer events, i.e. later checkpoints were removed.")] = 0,
    events_table: Annotated[str, typer.Option(
        "--events-table", help="The event table, if the schema holds several.")] = "",
    data_dir: DataDir = DEFAULT_DATA_DIR,
    as_json: Json = False,
) -> None:
    """Recompute the audit tree from the database; report the first event that differs."""
    store = event_store or _local_store(data_dir, service)
    key = _public_key(public_key, data_dir)
    kept = read_notes(checkpoints.read_text()) if checkpoints else []
    try:
        source = open_source(store, service, events_table=events_table)
    except (LookupError, ValueError, OSError) as error:
        console.print(f"[red]cannot read the log:[/] {error}")
        raise typer.Exit(2) from None
    except Exception as error:  # a database that refuses the connection
        console.print(f"[red]cannot read the log:[/] {type(error).__name__}: {error}")
        raise typer.Exit(2) from None
    with source:
        if as_json:
            report = verify_log(source, service, key, extra_checkpoints=kept,
                                min_tree_size=min_tree_size)
        else:
            total = source.max_notification_id()
            with Progress(TextColumn(f"verifying {service}"), BarColumn(), MofNCompleteColumn(),
                          TimeRemainingColumn(), console=console, transient=True) as progress:
                task = progress.add_task("verify", total=total or None)
                report = verify_log(source, service, key, extra_checkpoints=kept,
                                    min_tree_size=min_tree_size,
                                    progress=lambda n: progress.advance(task, n))
    _print(report, as_json)
    if not report.ok:
        raise typer.Exit(1)


def _local_store(data_dir: Path, service: str) -> str:
    path = data_dir.resolve() / f"{service}.db"
    if not path.exists():
        console.print(f"no --event-store given and no {path} (the local platform's store)")
        raise typer.Exit(2)
    return local_event_store(data_dir.resolve(), service)


def _public_key(given: list[Path] | None, data_dir: Path) -> object:
    try:
        if given:
            return [load_public_key(path) for path in given]
        private = os.environ.get("LIENTHONG_AUDIT_SIGNING_KEY") or str(
            data_dir.resolve() / AUDIT_SIGNING_KEY_FILE)
        if not Path(private).exists():
            console.print("no --public-key given and no signing key to derive it from")
            raise typer.Exit(2)
        console.print(f"[yellow]warning:[/] no --public-key: checking against the key derived "
                      f"from {private}; an auditor must bring the public key they trust")
        return load_private_key(private).public_key()
    except (ValueError, OSError) as error:
        console.print(f"[red]cannot load the key:[/] {error}")
        raise typer.Exit(2) from None


def _print(report: VerifyReport, as_json: bool) -> None:
    if as_json:
        sys.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False) + "\n")
        return
    for warning in report.warnings:
        console.print(f"[yellow]warning:[/] {warning}")
    counts = (f"{report.events} events, {report.leaves} in the tree, {report.unaudited} not yet, "
              f"{report.uncheckpointed} after the latest checkpoint, "
              f"{report.checkpoints} checkpoints, {report.per_s:,.0f} events/s")
    if report.ok:
        latest = (f"latest checkpoint: tree size {report.latest_tree_size}, root "
                  f"{report.latest_root_hash}" if report.latest_tree_size else "no checkpoint")
        console.print(f"[green]OK[/] {report.origin}: {counts}; {latest}")
        return
    first = report.first_failure
    assert first is not None
    where = f" at notification id {first.notification_id}" if first.notification_id else ""
    console.print(f"[red]FAILED[/] {report.origin}: {first.kind}{where}: {first.detail}")
    for other in report.failures[1:]:
        console.print(f"  also {other.kind}: {other.detail}")
    console.print(counts)
