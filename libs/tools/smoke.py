"""Smoke test of a deployed platform: health, then one real read on each public API.

``python -m lienthong.tools.smoke --<service> HOST:PORT ...`` (one option per
registered service) is the chart's ``helm test`` hook. For each service it
waits (``--wait`` seconds, the pods may still be starting right after an
install) until grpc.health.v1 answers
SERVING, then makes harmless read calls through the public generated stubs:
first AuditService's ExportEvents of at most the first event, which reads the
event store itself (a broken PostgreSQL fails the hook, named as such), then
the reads its ServiceSpec names (identity's ListUnits, dossiers' ListProcedures
and ListDossiers), answered by the read models. Nothing is written. Every step is one JSON
line on stdout; the last line is the summary. Exit status: 0 when everything
answered, 1 otherwise, 2 on bad usage.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import TYPE_CHECKING, Any

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from lienthong import registry
from lienthong.audit.v1 import audit_pb2, audit_pb2_grpc
from lienthong.registry import SmokeRead
from lienthong.tls import TLSFiles, client_channel

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

RETRYABLE = frozenset({grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED})


def _export_first_event(channel: grpc.Channel, timeout: float) -> int:
    """The event store's log up to its first event: a read that reaches PostgreSQL."""
    stub = audit_pb2_grpc.AuditServiceStub(channel)
    request = audit_pb2.ExportEventsRequest(start_notification_id=1, end_notification_id=1)
    return sum(1 for _ in stub.ExportEvents(request, timeout=timeout))


EVENT_STORE_READ = SmokeRead("lienthong.audit.v1.AuditService/ExportEvents",
                             _export_first_event)


def reads_of(name: str) -> list[SmokeRead]:
    """A service's reads, the event store's first: its failure is then named as such."""
    return [EVENT_STORE_READ, *(registry.service(name).load("smoke_reads") or ())]


class SmokeTest:
    """Runs the checks of the given services, printing one JSON line per step."""

    def __init__(self, targets: dict[str, str], *, wait_s: float, call_timeout_s: float,
                 out: Callable[[str], None] = print) -> None:
        self.targets = targets
        self.wait_s = wait_s
        self.call_timeout_s = call_timeout_s
        self.out = out

    def emit(self, **fields: Any) -> None:
        self.out(json.dumps(fields, ensure_ascii=False, separators=(",", ":")))

    def run(self) -> bool:
        started = time.monotonic()
        deadline = started + self.wait_s
        failed: list[str] = []
        for service, address in self.targets.items():
            with client_channel(address, TLSFiles.client_from_env()) as channel:
                if not self.healthy(service, address, channel, deadline):
                    failed.append(service)
                    continue
                for read in reads_of(service):
                    if not self.read(service, address, channel, read, deadline):
                        failed.append(service)
                        break
        self.emit(check="summary", ok=not failed, services=list(self.targets), failed=failed,
                  elapsed_ms=round((time.monotonic() - started) * 1000))
        return not failed

    def healthy(self, service: str, address: str, channel: grpc.Channel,
                deadline: float) -> bool:
        """Wait until the server's overall health is SERVING, or the deadline passes."""
        stub = health_pb2_grpc.HealthStub(channel)
        started = time.monotonic()
        attempts = 0
        last = ""
        while True:
            attempts += 1
            try:
                response = stub.Check(health_pb2.HealthCheckRequest(service=""),
                                      timeout=self._timeout(deadline))
                status = health_pb2.HealthCheckResponse.ServingStatus.Name(response.status)
                if response.status == health_pb2.HealthCheckResponse.SERVING:
                    self.emit(check="health", service=service, address=address, ok=True,
                              status=status, attempts=attempts,
                              elapsed_ms=round((time.monotonic() - started) * 1000))
                    return True
                last = f"health is {status}"
            except grpc.RpcError as error:
                last = _describe(error)
            if attempts == 1 or attempts % 10 == 0:
                self.emit(check="waiting", service=service, address=address, attempts=attempts,
                          reason=last)
            if time.monotonic() + 1.0 >= deadline:
                self.emit(check="health", service=service, address=address, ok=False,
                          attempts=attempts, error=last,
                          message=f"{service} at {address} is not SERVING after "
                                  f"{self.wait_s:g}s: {last}")
                return False
            time.sleep(1.0)

    def read(self, service: str, address: str, channel: grpc.Channel, read: SmokeRead,
             deadline: float) -> bool:
        """One read call; a transient failure is retried until the deadline."""
        started = time.monotonic()
        while True:
            try:
                items = read.call(channel, self._timeout(deadline))
            except grpc.RpcError as error:
                if error.code() in RETRYABLE and time.monotonic() + 1.0 < deadline:
                    time.sleep(1.0)
                    continue
                self.emit(check="read", service=service, address=address, rpc=read.method,
                          ok=False, error=_describe(error),
                          message=f"{read.method} on {address} failed: {_describe(error)}")
                return False
            self.emit(check="read", service=service, address=address, rpc=read.method, ok=True,
                      items=items, elapsed_ms=round((time.monotonic() - started) * 1000))
            return True

    def _timeout(self, deadline: float) -> float:
        return max(0.5, min(self.call_timeout_s, deadline - time.monotonic()))


def _describe(error: grpc.RpcError) -> str:
    code = error.code() if hasattr(error, "code") else None
    details = error.details() if hasattr(error, "details") else str(error)
    return f"{code.name if code else 'UNKNOWN'}: {details}"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m lienthong.tools.smoke",
        description="Health and one read call on each service; JSON lines on stdout.")
    for spec in registry.services():
        parser.add_argument(f"--{spec.name}", metavar="HOST:PORT",
                            help=f"the {spec.name} service ({spec.summary})")
    parser.add_argument("--wait", type=float, default=60.0, metavar="SECONDS",
                        help="how long the services may take to become healthy (default 60)")
    parser.add_argument("--timeout", type=float, default=5.0, metavar="SECONDS",
                        help="deadline of each call (default 5)")
    args = parser.parse_args(argv)
    if not any(getattr(args, name) for name in registry.names()):
        parser.error("give at least one of " + ", ".join(f"--{n}" for n in registry.names()))
    if args.wait <= 0 or args.timeout <= 0:
        parser.error("--wait and --timeout must be positive")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    targets = {name: getattr(args, name) for name in registry.names() if getattr(args, name)}
    smoke = SmokeTest(targets, wait_s=args.wait, call_timeout_s=args.timeout,
                      out=lambda line: print(line, flush=True))
    return 0 if smoke.run() else 1


if __name__ == "__main__":
    sys.exit(main())
