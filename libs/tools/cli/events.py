"""``lienthong events``: watch, measure and repair the event backbone.

Every command talks to NATS at ``--nats-url`` (or LIENTHONG_NATS_URL, or the
local platform's run file), as the tools' NATS user when it has client certificate files
(``lienthong.tools.cli.common.client_tls``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import urllib.parse
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from lienthong.tools.cli.common import (
    DEFAULT_DATA_DIR,
    DataDir,
    Json,
    connect_nats,
    platform_address,
)
from lienthong.tools.platform import RunState, local_event_store

if TYPE_CHECKING:
    from nats.aio.msg import Msg

app = typer.Typer(help="The event backbone: tail, lag, dead letters.", no_args_is_help=True)
dlq_app = typer.Typer(help="Dead letters: list them, replay them after a fix.",
                      no_args_is_help=True)
app.add_typer(dlq_app, name="dlq")
console = Console(stderr=True)

NatsUrl = Annotated[str, typer.Option("--nats-url", envvar="LIENTHONG_NATS_URL",
                                      help="Default: the local platform's NATS.")]


def nats_url(url: str, data_dir: Path) -> str:
    return url or "nats://" + platform_address("", data_dir, "nats", "--nats-url")


async def _connect(url: str, data_dir: Path) -> Any:
    return await connect_nats(url, data_dir, connect_timeout=5, max_reconnect_attempts=3)


def _ce(headers: dict[str, str] | None, name: str) -> str:
    return urllib.parse.unquote((headers or {}).get(f"ce-{name}", ""))


def describe(msg: Msg) -> dict[str, Any]:
    """One published event, as `events tail` shows it."""
    headers = msg.headers or {}
    return {
        "subject": msg.subject,
        "stream_seq": msg.metadata.sequence.stream if msg.metadata else None,
        "type": _ce(headers, "type"),
        "id": _ce(headers, "id"),
        "aggregate": _ce(headers, "subject"),
        "time": _ce(headers, "time"),
        "notification_id": _ce(headers, "notificationid"),
        "traceparent": headers.get("traceparent", ""),
        "bytes": len(msg.data or b""),
    }


@app.command("tail")
def tail(
    service: Annotated[str, typer.Option(help="Only this service's events.")] = "",
    event_type: Annotated[str, typer.Option(
        "--type", help="Only this ce-type, or its last part (e.g. UnitMergedInto).")] = "",
    aggregate: Annotated[str, typer.Option(help="Only this aggregate's events (its id).")] = "",
    from_start: Annotated[bool, typer.Option(
        "--from-start", help="Replay the stream from its first event, then follow.")] = False,
    limit: Annotated[int, typer.Option(help="Stop after this many events (0: follow).")] = 0,
    url: NatsUrl = "", data_dir: DataDir = DEFAULT_DATA_DIR, as_json: Json = False,
) -> None:
    """Follow published events live (Ctrl-C stops)."""
    from nats.js.api import DeliverPolicy

    server = nats_url(url, data_dir)

    async def follow() -> None:
        from lienthong.events.jetstream import is_service_stream, stream_name

        nc = await _connect(server, data_dir)
        js = nc.jetstream()
        policy = DeliverPolicy.ALL if from_start else DeliverPolicy.NEW
        # One ordered consumer per service stream: a subscription binds to one stream.
        streams = ([stream_name(service)] if service else
                   [i.config.name for i in await js.streams_info()
                    if is_service_stream(i.config.name)])
        queue: asyncio.Queue[Msg] = asyncio.Queue()
        for stream in streams:
            await js.subscribe(f"lienthong.{stream.removeprefix('LIENTHONG_').lower()}.>",
                               stream=stream, ordered_consumer=True, deliver_policy=policy,
                               cb=queue.put)
        shown = 0
        try:
            while True:
                event = describe(await queue.get())
                if aggregate and event["aggregate"] != aggregate:
                    continue
                if event_type and event_type not in (event["type"],
                                                     event["type"].rsplit(".", 1)[-1]):
                    continue
                if as_json:
                    typer.echo(json.dumps(event, ensure_ascii=False))
                else:
                    Console().print(f"{event['time']} [bold]{event['type']}[/] "
                                    f"{event['aggregate']} ({event['id']}, seq "
                                    f"{event['stream_seq']})")
                shown += 1
                if limit and shown >= limit:
                    return
        finally:
            await nc.close()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(follow())


@dlq_app.command("list")
def dlq_list(
    consumer: Annotated[str, typer.Option(help="Only this consumer's dead letters.")] = "",
    url: NatsUrl = "", data_dir: DataDir = DEFAULT_DATA_DIR, as_json: Json = False,
) -> None:
    """Dead letters, oldest first: what failed, where, why."""
    from lienthong.events.dlq import list_dead_letters

    async def fetch() -> list[Any]:
        nc = await _connect(nats_url(url, data_dir), data_dir)
        try:
            return await list_dead_letters(nc.jetstream(), consumer or None)
        finally:
            await nc.close()

    letters = asyncio.run(fetch())
    if as_json:
        typer.echo(json.dumps([letter.as_dict() for letter in letters], ensure_ascii=False))
        return
    table = Table(title=f"{len(letters)} dead letter(s)")
    for column in ("seq", "consumer", "type", "id", "reason", "deliveries", "error"):
        table.add_column(column)
    for letter in letters:
        table.add_row(str(letter.seq), letter.consumer, letter.ce_type, letter.ce_id,
                      letter.reason, str(letter.deliveries), letter.error[:80])
    Console().print(table)


@dlq_app.command("replay")
def dlq_replay(
    seq: Annotated[int, typer.Argument(help="The dead letter's sequence (see dlq list).")] = 0,
    replay_all: Annotated[bool, typer.Option("--all", help="Every dead letter.")] = False,
    consumer: Annotated[str, typer.Option(help="Only this consumer's dead letters.")] = "",
    wait: Annotated[float, typer.Option(
        help="Seconds to wait until each is handled (0: do not wait).")] = 30.0,
    url: NatsUrl = "", data_dir: DataDir = DEFAULT_DATA_DIR, as_json: Json = False,
) -> None:
    """Send dead letters back to their consumer, after the cause was fixed."""
    from lienthong.events.dlq import DeadLetterNotFoundError, list_dead_letters, replay

    if bool(seq) == replay_all:
        raise typer.BadParameter("give a sequence or --all, not both")

    async def run() -> tuple[list[Any], list[Any]]:
        nc = await _connect(nats_url(url, data_dir), data_dir)
        try:
            js = nc.jetstream()
            letters = await replay(js, "all" if replay_all else seq,
                                   consumer=consumer or None, timeout_s=wait or None)
            if not wait:
                return letters, []
            # A replay that failed again was dead-lettered anew (under a new sequence).
            replayed = {(x.consumer, x.ce_id) for x in letters}
            again = [x for x in await list_dead_letters(js, consumer or None)
                     if (x.consumer, x.ce_id) in replayed]
            return letters, again
        finally:
            await nc.close()

    try:
        letters, again = asyncio.run(run())
    except (DeadLetterNotFoundError, TimeoutError) as error:
        console.print(f"[red]{error}[/]")
        raise typer.Exit(1) from None
    if as_json:
        typer.echo(json.dumps({"replayed": [x.seq for x in letters], "waited": bool(wait),
                               "failed_again": [x.as_dict() for x in again]},
                              ensure_ascii=False))
    else:
        done = "handled" if wait else "sent"
        console.print(f"{len(letters)} dead letter(s) {done}: {[x.seq for x in letters]}")
        for letter in again:
            console.print(f"[red]failed again[/], now dead letter {letter.seq}: "
                          f"{letter.reason} {letter.error}")
    if again:
        raise typer.Exit(1)


def unpublished(event_store: str, service: str, after: int) -> tuple[int, int]:
    """(last notification id recorded, how many publishable events follow ``after``).

    Reads the service's event store without creating anything in it, so
    read-only credentials are enough.
    """
    from lienthong import registry
    from lienthong.eventstore import open_recorder

    contract = registry.service(service).load("contract")
    with open_recorder(service, event_store) as recorder:
        recorded = recorder.max_notification_id() or 0
        behind, start = 0, after + 1
        while start <= recorded:
            page = recorder.select_notifications(start=start, limit=1000)
            if not page:
                break
            behind += sum(1 for n in page if contract.route_topic(n.topic) is not None)
            start = page[-1].id + 1
        return recorded, behind


def _local_event_stores(data_dir: Path) -> dict[str, str]:
    state = RunState.load(data_dir.resolve())
    if state is None:
        return {}
    return {e.name: local_event_store(Path(state.data_dir), e.name)
            for e in state.endpoints if e.kind == "grpc"}


@app.command("lag")
def lag(
    event_store: Annotated[list[str] | None, typer.Option(
        "--event-store", help="SERVICE=URL of a service's event store (repeatable); "
                              "default: the local platform's SQLite files.")] = None,
    url: NatsUrl = "", data_dir: DataDir = DEFAULT_DATA_DIR, as_json: Json = False,
) -> None:
    """Per relay: last recorded vs last published; per consumer: pending and redelivered."""
    from lienthong.events.jetstream import is_service_stream
    from lienthong.events.relay import last_relayed

    stores = _local_event_stores(data_dir)
    for item in event_store or []:
        name, _, store_url = item.partition("=")
        if not store_url:
            raise typer.BadParameter("use SERVICE=URL", param_hint="--event-store")
        stores[name] = store_url
    server = nats_url(url, data_dir)

    async def gather() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        nc = await _connect(server, data_dir)
        js = nc.jetstream()
        relays, consumers = [], []
        try:
            for info in await js.streams_info():
                name = info.config.name
                if not name.startswith("LIENTHONG_"):
                    continue
                for consumer in await js.consumers_info(name):
                    consumers.append({
                        "stream": name, "consumer": consumer.name,
                        "pending": consumer.num_pending,
                        "ack_pending": consumer.num_ack_pending,
                        "redelivered": consumer.num_redelivered,
                        "delivered_stream_seq": consumer.delivered.stream_seq
                        if consumer.delivered else 0,
                    })
                if not is_service_stream(name):
                    continue
                published, _ = await last_relayed(js, info)
                relays.append({"service": name.removeprefix("LIENTHONG_").lower(),
                               "stream": name, "stream_messages": info.state.messages,
                               "last_published": published})
        finally:
            await nc.close()
        return relays, consumers

    relays, consumers = asyncio.run(gather())
    for relay in relays:
        store = stores.get(relay["service"])
        if store:
            recorded, behind = unpublished(store, relay["service"], relay["last_published"])
            relay.update(last_recorded=recorded, behind=behind)
    if as_json:
        typer.echo(json.dumps({"relays": relays, "consumers": consumers}))
        return
    out = Console()
    table = Table(title="relays (event store -> stream)")
    for column in ("service", "last recorded", "last published", "behind", "messages"):
        table.add_column(column)
    for relay in relays:
        table.add_row(relay["service"], str(relay.get("last_recorded", "?")),
                      str(relay["last_published"]), str(relay.get("behind", "?")),
                      str(relay["stream_messages"]))
    out.print(table)
    table = Table(title="consumers")
    for column in ("stream", "consumer", "pending", "ack pending", "redelivered"):
        table.add_column(column)
    for consumer in consumers:
        table.add_row(consumer["stream"], consumer["consumer"], str(consumer["pending"]),
                      str(consumer["ack_pending"]), str(consumer["redelivered"]))
    out.print(table)
