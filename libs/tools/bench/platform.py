"""The platform a benchmark runs against: a nats-server of its own and registered services,
each a process as production runs it, on a throw-away PostgreSQL database of its own.

The services start in the registry's order (a service after those it calls), each told
the addresses of the ones it calls that this run started. The signatures service gets
its own SoftHSM2 token folder; a service with an HTTP face a free port.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import grpc

from lienthong import registry
from lienthong.calls import address_variable
from lienthong.events.jetstream import stream_name
from lienthong.natsbin import NatsServer
from lienthong.personal import write_master_key_file
from lienthong.ports import free_port
from lienthong.tls import client_channel
from lienthong.tools.bench.common import BenchDatabase, BenchError, ServiceProcess

if TYPE_CHECKING:
    import contextlib
    from collections.abc import Callable, Collection, Mapping
    from pathlib import Path

    from lienthong.tools.bench.common import PhaseProgress

#: How long a service may take to start (the archive unpacks its OCR data first).
STARTUP_TIMEOUT_S = 180.0


class Platform:
    """nats-server and the named registered services (all of them by default)."""

    def __init__(self, stack: contextlib.ExitStack, postgres_dsn: str, folder: Path,
                 progress: PhaseProgress, *, prefix: str,
                 services: Collection[str] | None = None,
                 env: Mapping[str, Mapping[str, str]] | None = None) -> None:
        self.nats_store = folder / "nats"
        self.nats = NatsServer(self.nats_store).start()
        stack.callback(self.nats.kill)
        master_key = write_master_key_file(folder / "pii-master.key")
        common = {"LIENTHONG_NATS_URL": self.nats.url, "LIENTHONG_LOG_LEVEL": "warning",
                  "LIENTHONG_PII_MASTER_KEY_FILE": str(master_key)}
        self.specs = [spec for spec in registry.services()
                      if services is None or spec.name in services]
        self.services: dict[str, ServiceProcess] = {}
        #: Seconds each service took to start (to answer its health check).
        self.startup_s: dict[str, float] = {}
        #: The port of each service's ``/metrics``.
        self.metrics_ports: dict[str, int] = {}
        for spec in self.specs:
            self.metrics_ports[spec.name] = free_port()
            service_env = {**common, "LIENTHONG_SERVICE": spec.name,
                           "LIENTHONG_METRICS_LISTEN": f"127.0.0.1:{self.metrics_ports[spec.name]}",
                           **{address_variable(called): self.services[called].address
                              for called in spec.calls if called in self.services}}
            if spec.http_port:
                service_env["LIENTHONG_HTTP_LISTEN"] = f"127.0.0.1:{free_port()}"
            if spec.name == "signatures":
                token = folder / "signatures-token"
                service_env.update({"LIENTHONG_PKCS11_MODULE": "",
                                    "LIENTHONG_SIGNATURES_TOKEN_DIR": str(token),
                                    "SOFTHSM2_CONF": str(token / "softhsm2.conf")})
            database = stack.enter_context(BenchDatabase(postgres_dsn,
                                                         prefix=f"{prefix}_{spec.name}"))
            service_env["LIENTHONG_EVENT_STORE"] = database.dsn
            service_env.update((env or {}).get(spec.name, {}))
            with progress.phase(f"starting {spec.name}") as update:
                began = time.perf_counter()
                self.services[spec.name] = stack.enter_context(ServiceProcess(
                    spec.module, service_env, startup_timeout=STARTUP_TIMEOUT_S))
                self.startup_s[spec.name] = round(time.perf_counter() - began, 2)
                update(1, 1)

    def __getitem__(self, service: str) -> ServiceProcess:
        return self.services[service]

    def durables(self, service: str) -> set[tuple[str, str]]:
        """(stream, durable) of every consumer the platform's services declare on
        ``service``'s stream."""
        return {(stream_name(followed), durable) for spec in self.specs
                for followed, durable in spec.consumer_durables() if followed == service}


def channel(address: str) -> grpc.Channel:
    """A plaintext channel to a bench's service, once it is ready."""
    opened = client_channel(address, None)
    grpc.channel_ready_future(opened).result(timeout=10)
    return opened


def failed(what: str, error: grpc.RpcError, service: ServiceProcess | None = None) -> BenchError:
    """A failed call as the bench's error; with the service's log when it failed there."""
    code = error.code()  # type: ignore[attr-defined]
    msg = f"{what}: {code} {error.details()}"  # type: ignore[attr-defined]
    if service is not None and code in (grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN):
        msg += f"\n{service.module}'s log ends:\n{service.log_tail()}"
    return BenchError(msg)


def eventually(call: Callable[[], Any], what: str, *, timeout_s: float,
               service: ServiceProcess | None = None) -> Any:
    """The call's answer once it stops being NOT_FOUND or FAILED_PRECONDITION (a service
    that has not yet learned a unit from identity's stream)."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            return call()
        except grpc.RpcError as error:
            waiting = error.code() in (grpc.StatusCode.NOT_FOUND,  # type: ignore[attr-defined]
                                       grpc.StatusCode.FAILED_PRECONDITION)
            if not waiting or time.monotonic() > deadline:
                raise failed(what, error, service) from None
        time.sleep(0.2)
