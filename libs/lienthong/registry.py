"""The services of the platform, each described once and found by its entry point.

A service's package exports one :class:`ServiceSpec` and names it under the
packaging entry-point group ``lienthong.services``; everything that lists
services (the local platform, ``lienthong status``, the smoke test, the audit
commands, the CLI's command groups, the e2e fixtures, the chart, Tilt and the
kind script) iterates :func:`services` instead of naming them. The runtime
knows no service: it reads the registry.

``python -m lienthong.registry`` prints the registered services as JSON, for
tools outside Python (the Tiltfile, deploy/kind/e2e.sh).
"""

from __future__ import annotations

import functools
import importlib
import json
import re
from dataclasses import dataclass, field
from importlib import metadata
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    import grpc

ENTRY_POINT_GROUP = "lienthong.services"


@dataclass(frozen=True)
class SmokeRead:
    """A harmless read of a service's public API that a smoke test makes.

    ``call(channel, timeout)`` makes it through the generated stubs and returns
    how many items it read.
    """

    method: str  # full method name, e.g. lienthong.identity.v1.IdentityService/ListUnits
    call: Callable[[grpc.Channel, float], int]


@dataclass(frozen=True)
class Seed:
    """Data a service can be started with (``lienthong up --seed <name>``).

    ``load(address, should_stop=...)`` loads it into the running service at
    ``address`` and returns figures of what is loaded (raising
    :class:`lienthong.signals.Stopped` soon after ``should_stop()``);
    ``notice(figures)`` is the line ``up`` prints once it is in.
    """

    summary: str
    load: Callable[..., dict[str, Any]]
    notice: Callable[[dict[str, Any]], str]


@dataclass(frozen=True)
class BenchHistory:
    """A long history of a service, written fast (``lienthong bench startup``).

    ``batches(size)`` yields, without end, lists of about ``size`` of the service's
    aggregates, new or changed, whose pending events are the next part of its log;
    ``read_models(app)`` are the application's read models, which a start loads;
    ``sizes(app)`` is what they hold, for the record.
    """

    batches: Callable[[int], Iterator[list[Any]]]
    read_models: Callable[[Any], list[Any]]
    sizes: Callable[[Any], dict[str, int]]


@dataclass(frozen=True)
class ServiceSpec:
    """Everything the platform and its tools need to know of one service.

    The callables are named by dotted paths (``module:attribute``) and loaded
    on use, so reading the registry imports no service's application code.
    """

    name: str
    #: What it owns, in a line (``lienthong status``, the CLI's help).
    summary: str
    #: ``python -m <module>`` runs the service.
    module: str
    #: Its gRPC port by default (the local platform, the chart).
    default_port: int
    #: ``module:attribute`` of its published event :class:`~lienthong.events.contract.Contract`.
    contract: str = ""
    #: ``module:attribute`` of ``build_app(settings) -> Application``.
    build_app: str = ""
    #: ``module:attribute`` of ``add_to_server(app, server) -> [service names]``.
    add_to_server: str = ""
    #: ``module:attribute`` of ``consumers(app, settings) -> [ConsumerRunner]``, if it follows
    #: other services' streams.
    consumers: str = ""
    #: ``module:attribute`` of ``background(app, settings) -> [runner]``: what else the
    #: service runs in its process beside the gRPC server (e.g. an HTTP face); each runner
    #: has a ``name`` and ``async run(stop: asyncio.Event)`` that returns once ``stop`` is set.
    background: str = ""
    #: Its HTTP face's port by default (the chart's ``httpPort``; ``lienthong up`` gives it a
    #: free one, in ``LIENTHONG_HTTP_LISTEN`` and ``LIENTHONG_HTTP_PUBLIC_URL``); 0: none.
    http_port: int = 0
    #: The largest gRPC request it takes, if above the platform's 4 MiB (documents signed
    #: or validated in one call); 0: the platform's.
    max_request_bytes: int = 0
    #: Whether it keeps files in the JetStream Object Store (:mod:`lienthong.files`): its
    #: bucket is named after it, and its NATS user may use that bucket alone.
    stores_files: bool = False
    #: The services whose streams it follows (so they start first).
    follows: tuple[str, ...] = ()
    #: The services it calls over gRPC (:mod:`lienthong.calls`): each one's address in
    #: ``LIENTHONG_<NAME>_ADDRESS``, which the local platform and the chart set, and the
    #: chart's network policies let those calls through (and no other between services).
    calls: tuple[str, ...] = ()
    #: Its durable consumers, as (the service whose stream it reads, durable name); empty:
    #: ``<name>-<followed>`` on each followed service's stream. Its NATS user may use these
    #: and no other (:mod:`lienthong.natsauth`).
    durables: tuple[tuple[str, str], ...] = ()
    #: ``module:attribute`` of the reads the smoke test makes (a sequence of SmokeRead).
    smoke_reads: str = ""
    #: ``module:attribute`` of a typer app mounted as ``lienthong <name> ...``.
    cli: str = ""
    #: Settings only this service takes, as the chart's values (``services.<name>.<key>``).
    chart_settings: tuple[str, ...] = field(default=())
    #: ``module:attribute`` of its seeds: a mapping of seed names to :class:`Seed`.
    seeds: str = ""
    #: The kinds of record it owns, each with the error-metadata key that names one
    #: ("" when none does): errors name them as ``<name>.lienthong.vn/<Kind>``.
    resources: tuple[tuple[str, str], ...] = ()
    #: Records of other services its errors name, as (service, kind, metadata key): typed
    #: as that service's (``identity.lienthong.vn/Unit``) also where that service is not
    #: installed (an image holds its own service alone).
    refers_to: tuple[tuple[str, str, str], ...] = ()
    #: ``module:attribute`` of its benchmarks: scenario names to typer commands, mounted
    #: as ``lienthong bench <scenario>`` (written with :mod:`lienthong.tools.bench.command`).
    benchmarks: str = ""
    #: ``module:attribute`` of its :class:`BenchHistory` (``lienthong bench startup``).
    bench_history: str = ""

    def load(self, attribute: str) -> Any:
        """The object a ``module:attribute`` field names (None when the field is empty)."""
        target = getattr(self, attribute)
        if not target:
            return None
        module, _, name = target.partition(":")
        return functools.reduce(getattr, name.split("."), importlib.import_module(module))

    def consumer_durables(self) -> tuple[tuple[str, str], ...]:
        """(the service whose stream it reads, durable name) of each of its consumers."""
        return self.durables or tuple((followed, f"{self.name}-{followed}")
                                      for followed in self.follows)

    def run(self) -> None:
        """Run this service in this process until SIGTERM or SIGINT (its entry point)."""
        from lienthong.service import run_service

        run_service(self.name, self.load("build_app"), self.load("add_to_server"),
                    contract=self.load("contract"), consumers=self.load("consumers"),
                    background=self.load("background"),
                    max_request_bytes=self.max_request_bytes)

    def as_dict(self) -> dict[str, Any]:
        """What tools outside Python read (``python -m lienthong.registry``)."""
        return {"name": self.name, "summary": self.summary, "module": self.module,
                "default_port": self.default_port,
                "follows": list(self.follows), "calls": list(self.calls),
                "stores_files": self.stores_files, "chart_settings": list(self.chart_settings)}


class RegistryError(RuntimeError):
    """The registered services contradict each other."""


@functools.cache
def services() -> tuple[ServiceSpec, ...]:
    """Every registered service, each after the services it follows, then by port.

    A followed service that is not installed is no contradiction here (a service's
    image holds that service alone); :func:`require_whole` is the check of a platform
    that runs them all.
    """
    found: dict[str, ServiceSpec] = {}
    for entry_point in metadata.entry_points(group=ENTRY_POINT_GROUP):
        spec = entry_point.load()
        if not isinstance(spec, ServiceSpec):
            msg = f"entry point {entry_point.value} is not a ServiceSpec"
            raise RegistryError(msg)
        if spec.name != entry_point.name:
            msg = f"entry point {entry_point.name} names a service called {spec.name}"
            raise RegistryError(msg)
        if spec.name in found and found[spec.name] != spec:
            msg = f"two distributions register a service called {spec.name}"
            raise RegistryError(msg)
        found[spec.name] = spec
    return _in_start_order(found)


#: Names a service may not take: the images and chart names the platform's own workloads use
#: beside the services' (``<prefix>/<name>``, ``<release>-<name>``).
RESERVED_NAMES = frozenset({"tools", "nats", "postgresql", "smoke-test"})
#: A service's name: a NATS subject token (``lienthong.<name>.>``), a stream's name
#: (``LIENTHONG_<NAME>``), a certificate's and a Kubernetes object's.
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9-]{0,31}$")
#: A durable consumer's name: a subject token, never with a dot.
DURABLE_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def _in_start_order(found: dict[str, ServiceSpec]) -> tuple[ServiceSpec, ...]:
    ports: dict[int, str] = {}
    for spec in found.values():
        if not NAME_PATTERN.match(spec.name):
            msg = (f"a service cannot be called {spec.name!r}: a lower-case letter, then "
                   "letters, digits and '-', at most 32 (it is a NATS subject token)")
            raise RegistryError(msg)
        if bad := [d for _, d in spec.durables if not DURABLE_PATTERN.match(d)]:
            msg = f"{spec.name}: durable name {bad[0]!r}: letters, digits, '_' and '-' only"
            raise RegistryError(msg)
        if spec.name in RESERVED_NAMES:
            msg = (f"a service cannot be called {spec.name!r}: the platform's own "
                   f"{spec.name} workload has that name")
            raise RegistryError(msg)
        if spec.default_port in ports:
            msg = (f"{spec.name} and {ports[spec.default_port]} both take port "
                   f"{spec.default_port} by default")
            raise RegistryError(msg)
        ports[spec.default_port] = spec.name
    ordered: list[ServiceSpec] = []
    pending = sorted(found.values(), key=lambda s: s.default_port)
    while pending:
        ready = [s for s in pending if all(f in {o.name for o in ordered} or f not in found
                                           for f in s.follows)]
        if not ready:
            msg = "services follow each other in a cycle: " + ", ".join(s.name for s in pending)
            raise RegistryError(msg)
        ordered.append(ready[0])
        pending.remove(ready[0])
    return tuple(ordered)


def require_whole(specs: tuple[ServiceSpec, ...] | None = None) -> None:
    """Refuse a set of services that follows or calls a service none of them is
    (RegistryError)."""
    specs = services() if specs is None else specs
    present = {spec.name for spec in specs}
    for spec in specs:
        if unknown := [f for f in spec.follows if f not in present]:
            msg = f"{spec.name} follows {', '.join(unknown)}, which no package registers"
            raise RegistryError(msg)
        if unknown := [c for c in spec.calls if c not in present]:
            msg = f"{spec.name} calls {', '.join(unknown)}, which no package registers"
            raise RegistryError(msg)


def service(name: str) -> ServiceSpec:
    """One registered service by name (KeyError naming the known ones otherwise)."""
    for spec in services():
        if spec.name == name:
            return spec
    known = ", ".join(s.name for s in services()) or "none"
    msg = f"no service is called {name!r} (registered: {known})"
    raise KeyError(msg)


def names() -> list[str]:
    return [spec.name for spec in services()]


def main() -> None:
    print(json.dumps([spec.as_dict() for spec in services()], indent=2))


if __name__ == "__main__":
    # Run as a module, this file is __main__; the specs import lienthong.registry.
    from lienthong import registry  # noqa: PLW0406

    registry.main()
