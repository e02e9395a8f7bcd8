"""What every ``lienthong`` command shares: the data folder, --json, finding the platform,
showing a service's refusal."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from google.protobuf.json_format import MessageToDict
from rich.console import Console
from rich.markup import escape

from lienthong.grpc.errors import error_details
from lienthong.natsauth import connect_options
from lienthong.tls import TLSFiles, client_channel
from lienthong.tools.platform import RunState

if TYPE_CHECKING:
    import grpc
    from google.protobuf.message import Message
    from google.type import date_pb2

DEFAULT_DATA_DIR = Path(".lienthong")
DataDir = Annotated[Path, typer.Option("--data-dir", envvar="LIENTHONG_DATA_DIR",
                                       help="Where event stores, NATS data and logs live.")]
Json = Annotated[bool, typer.Option("--json", help="JSON on stdout instead of a table.")]
console = Console(stderr=True)


def client_tls(data_dir: Path | None = None) -> TLSFiles | None:
    """The files a tool connects with: ``LIENTHONG_CLIENT_TLS_CERT``, ``_KEY`` and ``_CA``
    when set, else the development client certificate of the platform running from
    ``data_dir``, else none (plaintext)."""
    if (files := TLSFiles.client_from_env()) is not None:
        return files
    if data_dir is not None and (state := RunState.load(data_dir.resolve())) is not None:
        return state.client_tls()
    return None


async def connect_nats(url: str, data_dir: Path | None = None, **options: Any) -> Any:
    """A NATS connection with the client files of :func:`client_tls` (mutual TLS: the
    tools' NATS user; none: plaintext); ``options`` as ``nats.connect`` takes them. What
    the server says went wrong (a refused subject...) is printed in a line."""
    import ssl

    import nats

    async def report(error: Exception) -> None:
        if not isinstance(error, ssl.SSLError):  # a TLS connection's close, not a failure
            console.print(f"[yellow]NATS: {escape(str(error) or type(error).__name__)}[/]")

    options.setdefault("error_cb", report)
    return await nats.connect(**connect_options(url, client_tls(data_dir)), **options)


def open_channel(address: str, data_dir: Path | None = None) -> grpc.Channel:
    """A channel to a service, with the client files of :func:`client_tls`."""
    return client_channel(address, client_tls(data_dir))


def platform_address(given: str, data_dir: Path, name: str, option: str) -> str:
    """``given`` if set, else the local platform's address of ``name`` (exit 2 if none runs)."""
    if given:
        return given
    state = RunState.load(data_dir.resolve())
    if state is None:
        console.print(f"no {option} given and no platform runs from {data_dir}")
        raise typer.Exit(2)
    return state.address_of(name)


def as_dict(message: Message) -> dict[str, Any]:
    """A reply as --json prints it: the proto's own field names."""
    return MessageToDict(message, preserving_proto_field_name=True)


def date_text(value: date_pb2.Date) -> str:
    """YYYY-MM-DD, or a dash for an unset date."""
    return f"{value.year:04d}-{value.month:02d}-{value.day:02d}" if value.year else "—"


def fail(error: grpc.RpcError) -> typer.Exit:
    """Print a failed call's status code, reason, message, field violations and metadata;
    the exit (code 1) to raise."""
    details = error_details(error)
    # Escaped: the service's texts are data, and a "[...]" in them is not rich markup.
    reason = str(details.get("reason") or "")
    console.print(f"[red]{error.code().name}[/]{' ' + escape(reason) if reason else ''}: "
                  f"{escape(error.details() or '')}")
    for field, rule in details.get("field_violations", []):  # type: ignore[attr-defined]
        console.print(f"  {escape(field)}: {escape(rule)}")
    # The metadata says what the message may not: a divided unit's successor ids, a status.
    for key, value in details.get("metadata", {}).items():  # type: ignore[attr-defined]
        console.print(f"  {escape(key)} = {escape(value)}")
    return typer.Exit(1)
