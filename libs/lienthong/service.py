"""The composition root of one service process: settings, logs, store, server."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import structlog

from lienthong.config import Settings, load_settings
from lienthong.grpc.server import serve_until_signalled, start_server
from lienthong.logging import configure_logging

if TYPE_CHECKING:
    from collections.abc import Callable

    import grpc

    from lienthong.events.contract import Contract


def run_service(
    build_app: Callable[[Settings], Any],
    add_to_server: Callable[[Any, grpc.aio.Server], list[str]],
    settings: Settings | None = None,
    *,
    contract: Contract | None = None,
) -> None:
    """Run a service until SIGTERM or SIGINT; logs are JSON lines on stderr.

    With a contract, the service's outbox relay runs in the same process and
    publishes its events to NATS (``LIENTHONG_NATS_URL``); several replicas
    may run their relays at once.
    """
    settings = settings or load_settings()
    configure_logging(settings.service, level=settings.log_level, fmt=settings.log_format)
    log = structlog.get_logger("lienthong.service")
    log.info("starting", event_store=_redacted(settings.event_store), listen=settings.listen)
    app = build_app(settings)

    async def main() -> None:
        running = await start_server(settings.listen, lambda s: add_to_server(app, s),
                                     workers=settings.grpc_workers)
        stop_relay = asyncio.Event()
        relay_task = None
        if contract is not None and settings.nats_url:
            from lienthong.events.relay import OutboxRelay

            relay = OutboxRelay(app, contract, settings.nats_url)
            relay_task = asyncio.create_task(relay.run(stop_relay), name="outbox-relay")
        if contract is not None and relay_task is None:
            log.warning("no LIENTHONG_NATS_URL: events are stored but not published")
        log.info("ready", port=running.port, relay=relay_task is not None)
        try:
            await serve_until_signalled(running, settings.shutdown_grace_s)
        finally:
            stop_relay.set()
            if relay_task is not None:
                await relay_task
            app.close()

    asyncio.run(main())


def _redacted(url: str) -> str:
    """An event-store URL without its password, for logs."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        credentials, host = rest.rsplit("@", 1)
        user = credentials.split(":", 1)[0]
        return f"{scheme}://{user}:***@{host}" if ":" in credentials else url
    return url
