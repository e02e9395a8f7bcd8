"""Prometheus metrics of a service process, served at ``http://<LIENTHONG_METRICS_LISTEN>/metrics``.

The names and labels are part of the deployment contract (dashboards and
alerts use them); docs/observability.md says what each one means.

==========================================  =========  ======================  ==================
name                                        type       labels                  set by
==========================================  =========  ======================  ==================
``lienthong_rpc_duration_seconds``          histogram  service, method, code   gRPC interceptor
``lienthong_events_appended_total``         counter    service                 each commit
``lienthong_relay_lag_events``              gauge      service                 the relay (at scrape)
``lienthong_consumer_pending_messages``     gauge      service, durable        consumer runner
``lienthong_dead_letters_total``            counter    service, durable        consumer runner
``lienthong_audit_checkpoint_tree_size``    gauge      service                 audit_checkpoint()
``lienthong_audit_checkpoint_age_seconds``  gauge      service                 audit_checkpoint()
==========================================  =========  ======================  ==================

One registry per process (:data:`REGISTRY`), with the process collector
(CPU, memory, open files) beside ours.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import time
from typing import TYPE_CHECKING

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
    start_http_server,
)

if TYPE_CHECKING:
    from collections.abc import Callable

REGISTRY = CollectorRegistry()
ProcessCollector(registry=REGISTRY)
PlatformCollector(registry=REGISTRY)

#: From 1 ms (a read served from memory) to 30 s (a batch of reorganisations).
RPC_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
               10.0, 30.0)

RPC_DURATION = Histogram(
    "lienthong_rpc_duration_seconds",
    "Time to answer a gRPC call, by method (package.Service/Method) and status code name.",
    ["service", "method", "code"], buckets=RPC_BUCKETS, registry=REGISTRY)
EVENTS_APPENDED = Counter(
    "lienthong_events_appended",
    "Events recorded in the service's event store (every commit, all event types).",
    ["service"], registry=REGISTRY)
RELAY_LAG = Gauge(
    "lienthong_relay_lag_events",
    "Notifications recorded but not yet relayed to the service's stream "
    "(last notification id of the log minus the last one the relay is done with).",
    ["service"], registry=REGISTRY)
CONSUMER_PENDING = Gauge(
    "lienthong_consumer_pending_messages",
    "Messages of the upstream stream not yet delivered to this durable consumer "
    "(JetStream num_pending).",
    ["service", "durable"], registry=REGISTRY)
DEAD_LETTERS = Counter(
    "lienthong_dead_letters",
    "Messages this process's consumer gave up on and published to the dead-letter stream.",
    ["service", "durable"], registry=REGISTRY)
AUDIT_TREE_SIZE = Gauge(
    "lienthong_audit_checkpoint_tree_size",
    "Number of events covered by the service's last signed audit checkpoint.",
    ["service"], registry=REGISTRY)
AUDIT_AGE = Gauge(
    "lienthong_audit_checkpoint_age_seconds",
    "Seconds since the service's last signed audit checkpoint (computed at scrape).",
    ["service"], registry=REGISTRY)

_service = os.environ.get("LIENTHONG_SERVICE", "")


def set_service(name: str) -> None:
    """The ``service`` label of what this process measures without knowing its service."""
    global _service  # noqa: PLW0603 - one service per process
    _service = name


def service() -> str:
    return _service or "unknown"


# -- what other modules call ----------------------------------------------------


def rpc_done(method: str, code: str, seconds: float) -> None:
    RPC_DURATION.labels(service(), method, code).observe(seconds)


def events_appended(service_name: str, count: int) -> None:
    if count:
        EVENTS_APPENDED.labels(service_name).inc(count)


def relay_lag(service_name: str, behind: Callable[[], float]) -> None:
    """Read the relay's lag (``behind()``, NaN when unknown) at each scrape."""
    def value() -> float:
        try:
            return float(behind())
        except Exception:  # the log is unreadable right now: unknown, not zero
            return math.nan

    RELAY_LAG.labels(service_name).set_function(value)


def consumer_pending(service_name: str, durable: str, pending: int) -> None:
    CONSUMER_PENDING.labels(service_name, durable).set(pending)


def dead_lettered(service_name: str, durable: str) -> None:
    DEAD_LETTERS.labels(service_name, durable).inc()


def audit_checkpoint(service_name: str, tree_size: int,
                     timestamp: dt.datetime | float) -> None:
    """A signed audit checkpoint covering ``tree_size`` events was made at ``timestamp``
    (an aware datetime, or seconds since the epoch); its age grows until the next one."""
    at = timestamp.timestamp() if isinstance(timestamp, dt.datetime) else float(timestamp)
    AUDIT_TREE_SIZE.labels(service_name).set(tree_size)
    AUDIT_AGE.labels(service_name).set_function(lambda: max(0.0, time.time() - at))


# -- serving ----------------------------------------------------------------------


def serve(listen: str) -> int:
    """Serve ``/metrics`` on ``host:port`` in a daemon thread; returns the port."""
    host, _, port = listen.rpartition(":")
    server, _thread = start_http_server(int(port), addr=host.strip("[]") or "0.0.0.0",
                                        registry=REGISTRY)
    return int(server.server_port)


def exposition() -> str:
    """What a scrape returns, for tests and the CLI."""
    return generate_latest(REGISTRY).decode()
