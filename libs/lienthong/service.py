"""The composition root of one service process: settings, logs, store, server."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Any

import structlog

from lienthong import heap, metrics
from lienthong.audit.policies import recorder
from lienthong.config import ServiceMismatchError, Settings, load_settings
from lienthong.grpc.admission import RateLimiter
from lienthong.grpc.server import serve_until_signalled, start_server
from lienthong.logging import configure_logging
from lienthong.natsauth import service_files
from lienthong.policy import PolicyFile
from lienthong.telemetry import configure_tracing, processors_from_env, shutdown_tracing
from lienthong.tls import TLSFiles

if TYPE_CHECKING:
    from collections.abc import Callable

    import grpc

    from lienthong.events.consumer import ConsumerRunner
    from lienthong.events.contract import Contract


def run_service(
    service: str,
    build_app: Callable[[Settings], Any],
    add_to_server: Callable[[Any, grpc.aio.Server], list[str]],
    settings: Settings | None = None,
    *,
    contract: Contract | None = None,
    consumers: Callable[[Any, Settings], list[ConsumerRunner]] | None = None,
    background: Callable[[Any, Settings], list[Any]] | None = None,
    max_request_bytes: int = 0,
) -> None:
    """Run the service ``service`` until SIGTERM or SIGINT; logs are JSON lines on stderr.

    The entry point names its service; settings naming another one
    (``LIENTHONG_SERVICE``) stop the process before it starts, with the reason.
    With a contract, the service's outbox relay runs in the same process and
    publishes its events to NATS (``LIENTHONG_NATS_URL``); several replicas
    may run their relays at once. ``consumers`` builds the runners that apply
    other services' events to this one; they run in the same process too, and so
    do the ``background`` runners (each ``name`` and ``async run(stop_event)``).
    """
    try:
        settings = settings or load_settings(service)
    except ServiceMismatchError as error:
        raise SystemExit(f"refusing to start: {error}") from None
    if settings.service != service:
        msg = (f"refusing to start: this process is the {service} service, but its "
               f"settings are the {settings.service} service's")
        raise SystemExit(msg)
    configure_logging(settings.service, level=settings.log_level, fmt=settings.log_format)
    # Spans always (trace ids in logs and events); exported where OTEL_* says.
    configure_tracing(settings.service, *processors_from_env())
    metrics.set_service(settings.service)
    log = structlog.get_logger("lienthong.service")
    log.info("starting", event_store=_redacted(settings.event_store), listen=settings.listen)
    if settings.metrics_listen:
        log.info("metrics_listening", port=metrics.serve(settings.metrics_listen),
                 listen=settings.metrics_listen)
    app = build_app(settings)

    async def main() -> None:
        running = await start_server(settings.listen, lambda s: add_to_server(app, s),
                                     workers=settings.grpc_workers,
                                     limiter=RateLimiter(settings.rate_limit_per_s,
                                                         settings.rate_limit_burst),
                                     tls=TLSFiles.from_paths(settings.tls_cert, settings.tls_key,
                                                             settings.tls_ca, settings.tls_crl),
                                     policy=PolicyFile(Path(settings.policy_file),
                                                       on_adopted=recorder(
                                                           app, settings.policy_file))
                                     if settings.policy_file else None,
                                     health_listen=settings.health_listen,
                                     max_request_bytes=max_request_bytes)
        stop_background = asyncio.Event()
        tasks = []
        if settings.nats_url:
            nats_tls = service_files(settings)  # its own NATS user, over mutual TLS
            if contract is not None:
                from lienthong.events.relay import OutboxRelay

                relay = OutboxRelay(app, contract, settings.nats_url,
                                    gap_timeout_s=settings.relay_gap_timeout_s,
                                    replicas=settings.stream_replicas,
                                    duplicate_window_s=settings.stream_duplicate_window_s,
                                    nats_tls=nats_tls)
                # Publish right after each commit; the poll covers other replicas' commits.
                app.add_commit_listener(relay.wake)
                tasks.append(asyncio.create_task(relay.run(stop_background),
                                                 name="outbox-relay"))
            for runner in (consumers(app, settings) if consumers else []):
                runner.nats_tls = runner.nats_tls or nats_tls
                tasks.append(asyncio.create_task(runner.run(stop_background),
                                                 name=f"consumer-{runner.durable}"))
        elif contract is not None or consumers is not None:
            log.warning("no LIENTHONG_NATS_URL: events are neither published nor consumed")
        # What else the service runs beside the gRPC server (its spec's `background`).
        for runner in (background(app, settings) if background else []):
            tasks.append(asyncio.create_task(runner.run(stop_background), name=str(runner.name)))
        from lienthong.audit.checkpointer import from_settings as audit_checkpointer

        # Signs checkpoints of the event log's audit tree (LIENTHONG_AUDIT_SIGNING_KEY).
        if (checkpointer := audit_checkpointer(app, settings)) is not None:
            app.add_commit_listener(checkpointer.wake)
            tasks.append(asyncio.create_task(checkpointer.run(stop_background),
                                         name="audit-checkpointer"))
        for task in tasks:
            task.add_done_callback(_report_early_end)
        frozen = heap.settle()  # what the service holds once started, kept to its end
        log.info("ready", port=running.port, background=[t.get_name() for t in tasks],
                 frozen_objects=frozen)
        try:
            await serve_until_signalled(running, settings.shutdown_grace_s)
        finally:
            stop_background.set()
            await asyncio.gather(*tasks, return_exceptions=True)
            app.close()

    try:
        asyncio.run(main())
    finally:
        shutdown_tracing()  # the spans still batched are exported before the exit


def _report_early_end(task: asyncio.Task[None]) -> None:
    """A relay or consumer that ends on its own (not at shutdown) must not go unseen."""
    if task.cancelled():
        return
    if (error := task.exception()) is not None:
        structlog.get_logger("lienthong.service").error(
            "background_task_failed", task=task.get_name(),
            error=f"{type(error).__name__}: {error}")


def _redacted(url: str) -> str:
    """An event-store URL without its password, for logs."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        credentials, host = rest.rsplit("@", 1)
        user = credentials.split(":", 1)[0]
        return f"{scheme}://{user}:***@{host}" if ":" in credentials else url
    return url
