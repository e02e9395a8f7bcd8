"""Which calls a service traces and times, seen through real gRPC on a real socket.

Every call of the platform's own APIs, unary or server-streaming (AuditService's
ExportEvents), is one SERVER span and one sample of lienthong_rpc_duration_seconds;
the kubelet's health probes and reflection are neither, so they cannot drown the
platform's calls in traces and latency alerts.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from opentelemetry import trace
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from lienthong.audit.v1 import audit_pb2, audit_pb2_grpc
from lienthong.identity.v1 import identity_pb2 as pb
from lienthong.identity.v1 import identity_pb2_grpc as pb_grpc
from lienthong.metrics import REGISTRY
from lienthong.services.identity.api import add_to_server
from lienthong.services.identity.application import IdentityApplication
from lienthong.telemetry import configure_tracing
from lienthong.testing.grpc_server import ServerThread

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from opentelemetry.sdk.trace import ReadableSpan

SPANS = InMemorySpanExporter()
configure_tracing("lienthong-tests", SimpleSpanProcessor(SPANS))
EXPORT = "lienthong.audit.v1.AuditService/ExportEvents"
HEALTH = "grpc.health.v1.Health/Check"
TRACE_ID = "0af7651916cd43dd8448eb211c80319c"
CALLER_SPAN = "b9c7c989f97918e1"


def samples(method: str, code: str = "") -> float:
    """How many calls of ``method`` (with ``code``, or any) the latency histogram holds."""
    total = 0.0
    for family in REGISTRY.collect():
        if family.name != "lienthong_rpc_duration_seconds":
            continue
        for sample in family.samples:
            if (sample.name.endswith("_count") and sample.labels["method"] == method
                    and (not code or sample.labels["code"] == code)):
                total += sample.value
    return total


def settled(condition: Callable[[], bool]) -> None:
    """Wait (at most 10 s) until the server side of a finished call has recorded it."""
    for _ in range(200):
        if condition():
            return
        time.sleep(0.05)
    pytest.fail("the server never recorded the call")


def spans_named(name: str) -> list[ReadableSpan]:
    return [span for span in SPANS.get_finished_spans() if span.name == name]


@pytest.fixture
def channel(tmp_path) -> Iterator[grpc.Channel]:
    app = IdentityApplication(f"sqlite:///{tmp_path / 'identity.db'}")
    try:
        with ServerThread(lambda server: add_to_server(app, server)) as served, \
                grpc.insecure_channel(served.address) as chan:
            pb_grpc.IdentityServiceStub(chan).RegisterUnit(pb.RegisterUnitRequest(
                request_id="observed-unit", display_name="Tỉnh Quan Sát",
                kind=pb.UNIT_KIND_PROVINCE, administrative_unit_code="96"), timeout=10)
            yield chan
    finally:
        app.close()


def test_a_streaming_export_is_one_server_span_and_one_latency_sample(channel) -> None:
    before, spans_before = samples(EXPORT, "OK"), len(spans_named(EXPORT))

    stream = audit_pb2_grpc.AuditServiceStub(channel).ExportEvents(
        audit_pb2.ExportEventsRequest(start_notification_id=1), timeout=10,
        metadata=[("traceparent", f"00-{TRACE_ID}-{CALLER_SPAN}-01")])
    exported = list(stream)

    assert [m.event.event_type for m in exported][:1] == ["Registered"]
    assert samples(EXPORT, "OK") == before + 1
    [span] = spans_named(EXPORT)[spans_before:]
    assert span.kind is trace.SpanKind.SERVER
    assert format(span.context.trace_id, "032x") == TRACE_ID  # the caller's trace
    assert format(span.parent.span_id, "016x") == CALLER_SPAN
    assert span.attributes["rpc.grpc.status_code"] == grpc.StatusCode.OK.value[0]
    assert span.attributes["rpc.grpc.messages_sent"] == len(exported)


def test_a_refused_stream_is_measured_with_its_status_code(channel) -> None:
    before, spans_before = samples(EXPORT, "INVALID_ARGUMENT"), len(spans_named(EXPORT))

    with pytest.raises(grpc.RpcError) as refused:
        list(audit_pb2_grpc.AuditServiceStub(channel).ExportEvents(
            audit_pb2.ExportEventsRequest(start_notification_id=5, end_notification_id=2),
            timeout=10))

    assert refused.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    # An aborted call's status goes out before its handler has unwound: wait for it.
    settled(lambda: samples(EXPORT, "INVALID_ARGUMENT") == before + 1)
    [span] = spans_named(EXPORT)[spans_before:]
    assert span.attributes["rpc.grpc.status_code"] == grpc.StatusCode.INVALID_ARGUMENT.value[0]
    assert span.status.is_ok  # the caller's mistake, not the server's


def test_health_checks_are_neither_traced_nor_timed(channel) -> None:
    spans_before = len(SPANS.get_finished_spans())

    for _ in range(3):  # as the kubelet's probes keep asking
        answer = health_pb2_grpc.HealthStub(channel).Check(
            health_pb2.HealthCheckRequest(service=""), timeout=10)
        assert answer.status == health_pb2.HealthCheckResponse.SERVING

    assert samples(HEALTH) == 0
    assert spans_named(HEALTH) == []
    assert len(SPANS.get_finished_spans()) == spans_before
