"""``lienthong audit checkpoints``: keep a service's signed checkpoints outside its database.

An auditor who keeps every checkpoint a service signed can later prove that the
database still holds what those checkpoints commit to, even if the checkpoint
table was rewritten: ``lienthong audit verify --checkpoints FILE`` reads the file
this command writes. By default the notes come from the NATS stream
``LIENTHONG_CHECKPOINTS`` (subject ``lienthong.checkpoints.<service>``), the
copy that no database write can change; ``--from-service`` reads them through
AuditService ``ListCheckpoints`` instead.

The file holds the signed notes verbatim, oldest first, a blank line between
two. ``--append`` keeps the file's lines as they are and adds only the notes it
does not hold yet, so running it on a schedule grows the record. A note of a
tree size the file already holds with another text (a log that shows different
histories to different readers) is reported and not written; the exit status is
then 1. Nothing here checks signatures: ``lienthong audit verify`` does.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path  # noqa: TC003 (typer reads the annotations)
from typing import TYPE_CHECKING, Annotated, Any

import grpc
import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from lienthong.audit.checkpoints import origin_of, parse_checkpoint
from lienthong.grpc.errors import error_details
from lienthong.tools.audit.verify import read_notes
from lienthong.tools.cli.common import (
    DEFAULT_DATA_DIR,
    DataDir,
    connect_nats,
    console,
    open_channel,
    platform_address,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from lienthong.audit.checkpoints import Checkpoint

TIMEOUT_S = 30.0
#: How long to wait for the next message the stream said it holds.
NEXT_MESSAGE_TIMEOUT_S = 10.0


def checkpoints(
    service: Annotated[str, typer.Option("--service", help="The service whose checkpoints "
                                         "to keep (identity, dossiers, ...).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="The file of signed notes.")],
    append: Annotated[bool, typer.Option(
        "--append", help="Keep the file's notes and add the ones it does not hold yet "
        "(without it, an existing file is refused).")] = False,
    from_service: Annotated[bool, typer.Option(
        "--from-service", help="Read them through AuditService ListCheckpoints (the copy in "
        "the service's database) instead of the NATS stream.")] = False,
    nats_url: Annotated[str, typer.Option(
        "--nats-url", envvar="LIENTHONG_NATS_URL",
        help="Default: the local platform's NATS.")] = "",
    address: Annotated[str, typer.Option(
        "--address", help="host:port of the service, with --from-service "
        "(default: the local platform's).")] = "",
    data_dir: DataDir = DEFAULT_DATA_DIR,
) -> None:
    """Every signed checkpoint of a service, oldest first, for `audit verify --checkpoints`."""
    if output.exists() and not append:
        console.print(f"{output} exists: give --append to add the new checkpoints to it")
        raise typer.Exit(2)
    held = _held(output) if append else {}
    progress = Progress(TextColumn(f"[bold]checkpoints of {service}"), BarColumn(),
                        MofNCompleteColumn(), console=console, transient=True)
    with progress:
        task = progress.add_task("read", total=None)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        if from_service:
            notes = _from_service(platform_address(address, data_dir, service, "--address"),
                                  data_dir,
                                  advance)
        else:
            from lienthong.tools.cli.events import nats_url as local_nats_url

            notes = asyncio.run(_from_stream(local_nats_url(nats_url, data_dir), service,
                                             advance, data_dir))
    fresh, forks, malformed = _new_notes(notes, held, service)
    if fresh:
        _append(output, [cp.note for cp in fresh])
    elif not output.exists():
        output.touch()
    where = "the service" if from_service else "the stream"
    console.print(f"{len(notes)} checkpoint(s) of {service} from {where}; {len(fresh)} new "
                  f"written to {output}" + (f", {len(held)} already kept" if held else ""))
    for problem in malformed:
        console.print(f"[yellow]skipped:[/] {problem}")
    for checkpoint in forks:
        console.print(f"[red]FORK:[/] a checkpoint of tree size {checkpoint.tree_size} other "
                      f"than the one kept, not written:\n{checkpoint.note}")
    if forks:
        raise typer.Exit(1)


def _held(path: Path) -> dict[int, str]:
    """Tree size -> note of the notes a kept file holds (none if it does not exist)."""
    if not path.exists():
        return {}
    held: dict[int, str] = {}
    for note in read_notes(path.read_text(encoding="utf-8")):
        try:
            held.setdefault(parse_checkpoint(note).tree_size, note)
        except ValueError:
            continue  # the file's own business; `audit verify` reports it
    return held


def _new_notes(notes: list[str], held: dict[int, str], service: str,
               ) -> tuple[list[Checkpoint], list[Checkpoint], list[str]]:
    """(new checkpoints oldest first, forks of kept ones, problems of unreadable notes)."""
    fresh: dict[int, Checkpoint] = {}
    forks: list[Checkpoint] = []
    malformed: list[str] = []
    origin = origin_of(service)
    for note in notes:
        try:
            checkpoint = parse_checkpoint(note)
        except ValueError as error:
            malformed.append(str(error))
            continue
        if checkpoint.origin != origin:
            malformed.append(f"a checkpoint of {checkpoint.origin!r}, not {origin!r}")
            continue
        kept = held.get(checkpoint.tree_size) or getattr(
            fresh.get(checkpoint.tree_size), "note", None)
        if kept is None:
            fresh[checkpoint.tree_size] = checkpoint
        elif kept != checkpoint.note:
            forks.append(checkpoint)
    return [fresh[size] for size in sorted(fresh)], forks, malformed


def _append(path: Path, notes: list[str]) -> None:
    """Add the notes at the end of the file (a blank line before each); older lines stay."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as out:
        separator = "\n" if out.tell() > 0 else ""
        for note in notes:
            out.write(separator + (note if note.endswith("\n") else note + "\n"))
            separator = "\n"
        out.flush()
        os.fsync(out.fileno())


def _from_service(address: str, data_dir: Path,
                  advance: Callable[[int, int], None]) -> list[str]:
    from lienthong.audit.v1 import audit_pb2 as pb
    from lienthong.audit.v1 import audit_pb2_grpc as pb_grpc

    notes: list[str] = []
    token = ""
    with open_channel(address, data_dir) as channel:
        stub = pb_grpc.AuditServiceStub(channel)
        try:
            while True:
                page = stub.ListCheckpoints(pb.ListCheckpointsRequest(
                    page_size=1000, page_token=token), timeout=TIMEOUT_S)
                notes.extend(c.note for c in page.checkpoints)
                advance(len(notes), page.total_size)
                token = page.next_page_token
                if not token:
                    return notes
        except grpc.RpcError as error:
            details = error_details(error)
            console.print(f"[red]{error.code().name}[/] {details.get('reason', '')}: "
                          f"{error.details()}")
            raise typer.Exit(1) from None


async def _from_stream(url: str, service: str, advance: Callable[[int, int], None],
                       data_dir: Path | None = None) -> list[str]:
    """Every note on the service's checkpoint subject, in stream order."""
    from nats.errors import Error as NatsError
    from nats.js.api import DeliverPolicy
    from nats.js.errors import NotFoundError

    from lienthong.audit.checkpointer import checkpoint_subject
    from lienthong.events.jetstream import CHECKPOINT_STREAM

    subject = checkpoint_subject(service)
    try:
        nc: Any = await connect_nats(url, data_dir, connect_timeout=5,
                                     max_reconnect_attempts=3, allow_reconnect=False)
    except (OSError, NatsError) as error:
        console.print(f"[red]cannot reach NATS at {url}:[/] {error}")
        raise typer.Exit(2) from None
    try:
        js = nc.jetstream()
        try:
            info = await js.stream_info(CHECKPOINT_STREAM, subjects_filter=subject)
            last = await js.get_last_msg(CHECKPOINT_STREAM, subject)
        except NotFoundError:
            return []  # no stream yet, or nothing published for this service
        total = (info.state.subjects or {}).get(subject, 0)
        sub = await js.subscribe(subject, stream=CHECKPOINT_STREAM, ordered_consumer=True,
                                 deliver_policy=DeliverPolicy.ALL)
        notes: list[str] = []
        while True:
            msg = await sub.next_msg(timeout=NEXT_MESSAGE_TIMEOUT_S)
            notes.append(msg.data.decode())
            advance(len(notes), max(total, len(notes)))
            if msg.metadata.sequence.stream >= last.seq:
                await sub.unsubscribe()
                return notes
    finally:
        await nc.close()
