"""Random and malformed requests to every RPC of every registered service, through a real
socket: none is answered UNKNOWN or INTERNAL, every refusal carries readable details,
nothing is written by a refused call, and the service keeps serving.

The requests are built from the services' own descriptors (hypothesis): every field of
every request message, with values at and past the bounds of its type (the largest
integers, negative nanos, year 10000, long and odd strings, unknown enum numbers), and
bytes that do not parse at all.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from typing import TYPE_CHECKING, Any

import grpc
import pytest
from google.protobuf import descriptor_pool, message_factory
from google.protobuf.descriptor import FieldDescriptor
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lienthong import registry
from lienthong.config import load_settings
from lienthong.grpc.errors import error_details
from lienthong.testing.grpc_server import ServerThread
from lienthong.testing.nats import NatsServer

if TYPE_CHECKING:
    from collections.abc import Iterator

    from google.protobuf.descriptor import Descriptor, MethodDescriptor

CALL_TIMEOUT_S = 10.0
#: Refusals a caller may be given; UNKNOWN, INTERNAL, DATA_LOSS, DEADLINE_EXCEEDED (work
#: without a bound) and UNAVAILABLE (a dead server) are bugs.
REFUSALS = {grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.NOT_FOUND,
            grpc.StatusCode.ALREADY_EXISTS, grpc.StatusCode.FAILED_PRECONDITION,
            grpc.StatusCode.ABORTED, grpc.StatusCode.OUT_OF_RANGE,
            grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.UNAUTHENTICATED,
            grpc.StatusCode.RESOURCE_EXHAUSTED}
#: Examples per RPC (LIENTHONG_FUZZ_EXAMPLES for a longer search than make test's).
EXAMPLES = int(os.environ.get("LIENTHONG_FUZZ_EXAMPLES", "25"))
ODD_STRINGS = ["", " ", "0", "01", "00001", "H01", "000.00.00.H01", "-1", "1" * 13,
               "x" * 1600, "\u0000", "Xã\u0301 Đông", "\ud7ff\ue000", "' OR 1=1 --",
               "00000000-0000-0000-0000-000000000000", "../../etc/passwd"]
INT32 = [0, 1, -1, 2**31 - 1, -(2**31), 9999, 10000, 2_000_000]
INT64 = [*INT32, 2**63 - 1, -(2**63), 253402300800, -62135596801]


def _scalar(field: FieldDescriptor) -> st.SearchStrategy[Any]:
    kind = field.type
    if kind == FieldDescriptor.TYPE_STRING:
        return st.one_of(st.sampled_from(ODD_STRINGS), st.text(max_size=40))
    if kind == FieldDescriptor.TYPE_BYTES:
        return st.binary(max_size=64)
    if kind == FieldDescriptor.TYPE_BOOL:
        return st.booleans()
    if kind in (FieldDescriptor.TYPE_FLOAT, FieldDescriptor.TYPE_DOUBLE):
        return st.floats(width=32 if kind == FieldDescriptor.TYPE_FLOAT else 64)
    if kind == FieldDescriptor.TYPE_ENUM:
        return st.integers(-3, 40)
    if kind in (FieldDescriptor.TYPE_INT32, FieldDescriptor.TYPE_SINT32,
                FieldDescriptor.TYPE_SFIXED32):
        return st.one_of(st.sampled_from(INT32), st.integers(-(2**31), 2**31 - 1))
    if kind in (FieldDescriptor.TYPE_UINT32, FieldDescriptor.TYPE_FIXED32):
        return st.one_of(st.sampled_from([0, 1, 2**32 - 1]), st.integers(0, 2**32 - 1))
    if kind in (FieldDescriptor.TYPE_UINT64, FieldDescriptor.TYPE_FIXED64):
        return st.one_of(st.sampled_from([0, 1, 2**64 - 1]), st.integers(0, 2**64 - 1))
    return st.one_of(st.sampled_from(INT64), st.integers(-(2**63), 2**63 - 1))


def message_values(descriptor: Descriptor, depth: int = 0) -> st.SearchStrategy[dict]:
    """Field values for a message of ``descriptor``: each field set or left out."""
    fields: dict[str, st.SearchStrategy[Any]] = {}
    for field in descriptor.fields:
        if field.type == FieldDescriptor.TYPE_MESSAGE:
            if depth >= 3:
                continue
            inner = field.message_type
            if inner.GetOptions().map_entry:
                key = _scalar(inner.fields_by_name["key"])
                value_field = inner.fields_by_name["value"]
                value = (message_values(value_field.message_type, depth + 1)
                         if value_field.type == FieldDescriptor.TYPE_MESSAGE
                         else _scalar(value_field))
                fields[field.name] = st.dictionaries(key, value, max_size=3)
                continue
            element = message_values(inner, depth + 1)
        else:
            element = _scalar(field)
        is_repeated = field.is_repeated
        fields[field.name] = st.lists(element, max_size=4) if is_repeated else element
    return st.fixed_dictionaries({}, optional=fields)


def build(descriptor: Descriptor, values: dict[str, Any]) -> Any:
    message = message_factory.GetMessageClass(descriptor)()
    _fill(message, values)
    return message


def _fill(message: Any, values: dict[str, Any]) -> None:
    for name, value in values.items():
        field = message.DESCRIPTOR.fields_by_name[name]
        target = getattr(message, name)
        if field.type == FieldDescriptor.TYPE_MESSAGE:
            if field.message_type.GetOptions().map_entry:
                value_field = field.message_type.fields_by_name["value"]
                for key, item in value.items():
                    if value_field.type == FieldDescriptor.TYPE_MESSAGE:
                        _fill(target[key], item)
                    else:
                        target[key] = item
            elif field.is_repeated:
                for item in value:
                    _fill(target.add(), item)
            else:
                _fill(target, value)
                target.SetInParent()
        elif field.is_repeated:
            target.extend(value)
        else:
            setattr(message, name, value)


# -- the services, each served once per module -------------------------------------------

class Served:
    """A service as its process runs it: its servicers, and its file store on NATS."""

    def __init__(self, spec: registry.ServiceSpec, nats_url: str) -> None:
        self.spec = spec
        settings = load_settings(spec.name, event_store="memory:", nats_url=nats_url)
        self.app = spec.load("build_app")(settings)
        self.names: list[str] = []

        def add(server: grpc.aio.Server) -> list[str]:
            self.names = spec.load("add_to_server")(self.app, server)
            return self.names

        self.server = ServerThread(add)
        # Only what the RPCs need beside the servicers: a file store.
        self.files = [runner for runner in (spec.load("background") or (lambda *_: []))(
            self.app, settings) if spec.stores_files and runner.name == "file-store"]

    @contextlib.contextmanager
    def running(self) -> Iterator[ServerThread]:
        with self.server as server:
            stop = asyncio.Event()
            tasks = [asyncio.run_coroutine_threadsafe(runner.run(stop), server.loop)
                     for runner in self.files]
            try:
                yield server
            finally:
                server.loop.call_soon_threadsafe(stop.set)
                for task in tasks:
                    task.result(timeout=CALL_TIMEOUT_S)

    def methods(self) -> list[MethodDescriptor]:
        pool = descriptor_pool.Default()
        return [method for name in self.names if name.startswith("lienthong.")
                for method in pool.FindServiceByName(name).methods]

    def written(self) -> int:
        return self.app.recorder.max_notification_id() or 0


def _call(channel: grpc.Channel, method: MethodDescriptor, request: bytes) -> grpc.RpcError | None:
    path = f"/{method.containing_service.full_name}/{method.name}"
    try:
        if method.server_streaming:
            for _ in channel.unary_stream(path)(request, timeout=CALL_TIMEOUT_S):
                pass
        else:
            channel.unary_unary(path)(request, timeout=CALL_TIMEOUT_S)
    except grpc.RpcError as error:
        return error
    return None


def _check(served: Served, channel: grpc.Channel, method: MethodDescriptor,
           request: bytes) -> None:
    before = served.written()
    error = _call(channel, method, request)
    if error is None:
        return
    where = f"{method.full_name} with {request[:200]!r}"
    assert error.code() in REFUSALS, f"{where}: {error.code()} {error.details()}"
    details = error_details(error)
    assert details["reason"], f"{where}: {error.code()} without a readable ErrorInfo"
    assert served.written() == before, f"{where}: refused, yet wrote events"


def _api_methods(spec: registry.ServiceSpec) -> list[MethodDescriptor]:
    """Every RPC the service serves: its own API's and AuditService's (from the generated
    modules its ``add_to_server`` imports)."""
    spec.load("add_to_server")
    prefixes = (f"lienthong.{spec.name}.", "lienthong.audit.")
    found: dict[str, MethodDescriptor] = {}
    for name, module in list(sys.modules.items()):
        if name.startswith(prefixes) and name.endswith("_pb2"):
            for service in module.DESCRIPTOR.services_by_name.values():
                found.update({m.full_name: m for m in service.methods})
    return [found[name] for name in sorted(found)]


SERVICES = [pytest.param(spec, id=spec.name) for spec in registry.services()]
METHODS = [pytest.param(spec.name, method, id=method.full_name.removeprefix("lienthong."))
           for spec in registry.services() for method in _api_methods(spec)]


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory,
            ) -> Iterator[dict[str, tuple[Served, grpc.Channel]]]:
    """Every registered service, served once for the module; still serving at the end."""
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    running: dict[str, tuple[Served, grpc.Channel]] = {}
    with contextlib.ExitStack() as stack:
        nats_server = NatsServer(tmp_path_factory.mktemp("nats")).start()
        stack.callback(nats_server.kill)
        for spec in registry.services():
            served = Served(spec, nats_server.url)
            server = stack.enter_context(served.running())
            channel = stack.enter_context(grpc.insecure_channel(server.address))
            grpc.channel_ready_future(channel).result(timeout=CALL_TIMEOUT_S)
            running[spec.name] = (served, channel)
        yield running
        for name, (_, channel) in running.items():
            health = health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(), timeout=CALL_TIMEOUT_S)
            assert health.status == health_pb2.HealthCheckResponse.SERVING, name


FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=EXAMPLES <= 25,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.mark.parametrize(("service", "method"), METHODS)
@FUZZ
@given(data=st.data())
def test_random_requests_are_answered_or_refused_with_details(
        servers: dict[str, tuple[Served, grpc.Channel]], service: str,
        method: MethodDescriptor, data: st.DataObject) -> None:
    served, channel = servers[service]
    values = data.draw(message_values(method.input_type), label="fields")
    _check(served, channel, method, build(method.input_type, values).SerializeToString())


@pytest.mark.parametrize(("service", "method"), METHODS)
@settings(max_examples=8, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(garbage=st.one_of(st.binary(min_size=1, max_size=64),
                         st.sampled_from([b"\x08", b"\x0a\x02\xff\xfe", b"\xff" * 8])))
def test_bytes_that_do_not_parse_are_refused(
        servers: dict[str, tuple[Served, grpc.Channel]], service: str,
        method: MethodDescriptor, garbage: bytes) -> None:
    served, channel = servers[service]
    _check(served, channel, method, garbage)


def test_every_rpc_served_is_fuzzed(servers: dict[str, tuple[Served, grpc.Channel]]) -> None:
    """The parameters above cover every method each server registered."""
    fuzzed = {values[1].full_name for values in (p.values for p in METHODS)}
    for served, _ in servers.values():
        assert {m.full_name for m in served.methods()} <= fuzzed
    assert len(fuzzed) >= 10
