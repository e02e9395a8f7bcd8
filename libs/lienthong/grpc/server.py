"""A grpc.aio server the way every service runs it.

Health (grpc.health.v1) and reflection are registered, the request-context
interceptor is installed, synchronous application code runs in a thread
pool, and SIGTERM or SIGINT drain the server gracefully: health turns
NOT_SERVING, new calls are refused, calls in flight get ``grace`` seconds.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import grpc
import structlog
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_health.v1._async import HealthServicer
from grpc_reflection.v1alpha import reflection

from lienthong.grpc import limits
from lienthong.grpc.interceptors import RequestContextInterceptor
from lienthong.signals import stop_on_signal
from lienthong.tls import Revocations, server_credentials

if TYPE_CHECKING:
    from collections.abc import Callable

    from lienthong.grpc.admission import RateLimiter
    from lienthong.policy import PolicyFile
    from lienthong.tls import TLSFiles

log = structlog.get_logger("lienthong.grpc")

SERVER_OPTIONS = [
    ("grpc.so_reuseport", 0),
    ("grpc.max_receive_message_length", limits.MAX_REQUEST_BYTES),
    ("grpc.keepalive_time_ms", 60_000),
    ("grpc.keepalive_permit_without_calls", 1),
]


@dataclass
class ServiceServer:
    """A started server: its port, its health servicer and a way to stop it."""

    server: grpc.aio.Server
    port: int
    health: HealthServicer
    service_names: list[str]
    executor: ThreadPoolExecutor
    stopped: asyncio.Event = field(default_factory=asyncio.Event)
    #: The plaintext server answering health checks only, and its port (0: none).
    health_server: grpc.aio.Server | None = None
    health_port: int = 0

    async def stop(self, grace: float) -> None:
        await self.health.enter_graceful_shutdown()
        if self.health_server is not None:
            await self.health_server.stop(0)
        await self.server.stop(grace)
        self.executor.shutdown(wait=True, cancel_futures=False)
        self.stopped.set()


async def start_server(
    listen: str,
    add_servicers: Callable[[grpc.aio.Server], list[str]],
    *,
    workers: int = 8,
    limiter: RateLimiter | None = None,
    tls: TLSFiles | None = None,
    policy: PolicyFile | None = None,
    health_listen: str = "",
    max_request_bytes: int = 0,
) -> ServiceServer:
    """Start serving; ``add_servicers`` registers the service and returns its full names.

    ``limiter`` bounds each caller's rate (none: no limit). With ``tls`` the port takes
    mutual TLS only (a client certificate from the CA bundle), and callers are named by
    their certificates; without it, plaintext. With ``policy`` (TLS only) a call no rule
    of the access policy allows is refused. With ``health_listen`` a second, plaintext port
    answers grpc.health.v1 and nothing else: for probes that cannot present a client
    certificate (the kubelet's gRPC probes), revealing no more than SERVING or not.
    ``max_request_bytes`` raises the largest request taken above
    :data:`~lienthong.grpc.limits.MAX_REQUEST_BYTES` (0: that default)."""
    if policy is not None and tls is None:
        msg = "an access policy needs TLS: it names callers by their certificates"
        raise ValueError(msg)
    executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="app")
    asyncio.get_running_loop().set_default_executor(executor)
    revocations = Revocations(tls.crl) if tls is not None else None
    largest = ("grpc.max_receive_message_length",
               max(max_request_bytes, limits.MAX_REQUEST_BYTES))
    options = [largest if key == largest[0] else (key, value) for key, value in SERVER_OPTIONS]
    server = grpc.aio.server(interceptors=[RequestContextInterceptor(limiter, revocations, policy)],
                             options=options)
    names = add_servicers(server)
    health = HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health, server)
    reflection.enable_server_reflection(
        [*names, health_pb2.DESCRIPTOR.services_by_name["Health"].full_name,
         reflection.SERVICE_NAME], server)
    port = (server.add_secure_port(listen, server_credentials(tls)) if tls is not None
            else server.add_insecure_port(listen))
    if port == 0:
        msg = f"cannot listen on {listen}"
        raise OSError(msg)
    await server.start()
    for name in ["", *names]:
        await health.set(name, health_pb2.HealthCheckResponse.SERVING)
    health_server, health_port = None, 0
    if health_listen:
        health_server = grpc.aio.server(options=SERVER_OPTIONS)
        health_pb2_grpc.add_HealthServicer_to_server(health, health_server)
        health_port = health_server.add_insecure_port(health_listen)
        if health_port == 0:
            msg = f"cannot listen on {health_listen}"
            raise OSError(msg)
        await health_server.start()
    log.info("grpc server started", listen=listen, port=port, services=names,
             tls=tls is not None, health_port=health_port or None)
    return ServiceServer(server, port, health, names, executor, health_server=health_server,
                         health_port=health_port)


async def serve_until_signalled(running: ServiceServer, grace: float) -> None:
    """Block until SIGTERM/SIGINT, then drain and stop (a second signal does not cut it short)."""
    with stop_on_signal() as stop:
        await stop.wait()
        log.info("shutting down", grace_s=grace)
        await running.stop(grace)
    log.info("stopped")
