"""Serve a gRPC service on a real socket from a background thread, for tests."""

from __future__ import annotations

import asyncio
import threading
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import grpc

from lienthong.grpc.server import ServiceServer, start_server
from lienthong.ports import free_port

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from lienthong.grpc.admission import RateLimiter
    from lienthong.policy import PolicyFile
    from lienthong.tls import TLSFiles


class ServerThread:
    """The same server bootstrap as production, on 127.0.0.1:<free port>."""

    def __init__(self, add_servicers: Callable[[grpc.aio.Server], list[str]],
                 workers: int = 8, limiter: RateLimiter | None = None,
                 tls: TLSFiles | None = None, policy: PolicyFile | None = None,
                 health_listen: str = "", max_request_bytes: int = 0) -> None:
        self.add_servicers = add_servicers
        self.max_request_bytes = max_request_bytes
        self.workers = workers
        self.limiter = limiter
        self.tls = tls
        self.policy = policy
        self.health_listen = health_listen
        self.port = free_port()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.running: ServiceServer | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def __enter__(self) -> ServerThread:
        self.thread.start()
        self.running = self._call(start_server(f"127.0.0.1:{self.port}", self.add_servicers,
                                               workers=self.workers, limiter=self.limiter,
                                               tls=self.tls, policy=self.policy,
                                               health_listen=self.health_listen,
                                               max_request_bytes=self.max_request_bytes))
        return self

    def __exit__(self, *_: object) -> None:
        if self.running is not None:
            self._call(self.running.stop(grace=1.0))
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)

    def _call(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=30)


@contextmanager
def served_channel(add_servicers: Callable[[grpc.aio.Server], list[str]],
                   timeout: float = 10.0) -> Iterator[grpc.Channel]:
    """A channel to the servicers served by a ``ServerThread``, ready before it is yielded."""
    with ServerThread(add_servicers) as running, grpc.insecure_channel(running.address) as chan:
        grpc.channel_ready_future(chan).result(timeout=timeout)
        yield chan
