"""The seed data ``lienthong up --seed`` loads, and what the run file says of it.

Seeds belong to the services that hold their data (a ServiceSpec's ``seeds``);
``up`` finds them through the registry. While a seed loads, the run file's
``seed`` says ``seeding``; once every service that follows the seeded one has
applied it, ``ready`` with what was loaded (units, agency codes); ``failed``
or ``stopped`` (Ctrl-C, SIGTERM) otherwise. ``lienthong status --json``
reports it, so scripts wait on that fact instead of a log line.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import grpc
from rich.console import Console

from lienthong import registry
from lienthong.signals import Stopped, never
from lienthong.tools.cli.common import connect_nats, fail

if TYPE_CHECKING:
    from collections.abc import Callable

    from lienthong.registry import Seed
    from lienthong.tools.platform import RunState

#: How long the services that follow the seeded one may take to apply the seed.
CONSUMED_TIMEOUT_S = 600.0
console = Console(stderr=True)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def seeds() -> dict[str, tuple[str, Seed]]:
    """Every registered service's seeds: name -> (the service that holds it, the seed)."""
    found: dict[str, tuple[str, Seed]] = {}
    for spec in registry.services():
        for name, seed in (spec.load("seeds") or {}).items():
            found[name] = (spec.name, seed)
    return found


def load_seed(name: str, state: RunState, *,
              should_stop: Callable[[], bool] = never) -> None:
    """Load a seed into the running platform, keeping the run file's ``seed`` up to date.

    Raises :class:`~lienthong.signals.Stopped` (the seed then says ``stopped``)
    soon after ``should_stop()`` is true.
    """
    service, seed = seeds()[name]
    state.seed = {"name": name, "state": "seeding", "started_at": _now()}
    state.save()
    outcome: dict[str, Any] = {}
    try:
        try:
            outcome = seed.load(state.address_of(service), should_stop=should_stop)
        except grpc.RpcError as error:
            raise fail(error) from None
        with console.status("waiting until every service has applied the seed"):
            wait_until_consumed(state, service, should_stop=should_stop)
    except Stopped:
        state.seed.update(state="stopped", finished_at=_now())
        state.save()
        raise
    except BaseException:
        state.seed.update(state="failed", finished_at=_now())
        state.save()
        raise
    state.seed.update(state="ready", finished_at=_now(), **outcome)
    state.save()
    console.print(f"[yellow]{seed.notice(outcome)}[/]", soft_wrap=True)


def wait_until_consumed(state: RunState, service: str,
                        timeout_s: float = CONSUMED_TIMEOUT_S, *,
                        should_stop: Callable[[], bool] = never) -> None:
    """Until ``service``'s relay published every event and each consumer applied them.

    So ``ready`` means, say, a dossier can be submitted at any seeded commune at once.
    Raises :class:`~lienthong.signals.Stopped` once ``should_stop()`` is true.
    """
    from lienthong.tools.cli.events import unpublished
    from lienthong.tools.platform import local_event_store

    store = local_event_store(Path(state.data_dir), service)
    url = f"nats://{state.address_of('nats')}"
    deadline = time.monotonic() + timeout_s
    while True:
        published, pending = asyncio.run(_stream_backlog(url, service, Path(state.data_dir)))
        _, behind = unpublished(store, service, published)
        if behind == 0 and pending == 0:
            return
        if should_stop():
            raise Stopped
        if time.monotonic() > deadline:
            msg = (f"after {timeout_s:.0f} s, {behind} {service} events are unpublished and "
                   f"{pending} not yet applied by the services that follow {service}")
            raise TimeoutError(msg)
        time.sleep(0.5)


async def _stream_backlog(url: str, service: str, data_dir: Path) -> tuple[int, int]:
    """(last notification id published, messages its consumers have yet to apply)."""
    from lienthong.events.jetstream import stream_name
    from lienthong.events.relay import last_relayed

    stream = stream_name(service)
    nc = await connect_nats(url, data_dir, connect_timeout=5, max_reconnect_attempts=0)
    try:
        js = nc.jetstream()
        info = await js.stream_info(stream)
        published, _ = await last_relayed(js, info)
        pending = sum(c.num_pending + c.num_ack_pending
                      for c in await js.consumers_info(stream))
        return published, pending
    finally:
        await nc.close()
