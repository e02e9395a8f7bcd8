"""A service process as its observers see it: spans at an OTLP collector, /metrics, logs.

The identity service runs as a real process (``python -m
lienthong.services.identity``) with a real nats-server; its spans go over
OTLP/gRPC to a collector served here (the opentelemetry-proto TraceService),
its metrics are scraped over HTTP.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import grpc
import pytest
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc
from opentelemetry.proto.trace.v1 import trace_pb2
from prometheus_client.parser import text_string_to_metric_families

from lienthong.identity.v1 import identity_pb2 as pb
from lienthong.identity.v1 import identity_pb2_grpc as pb_grpc
from lienthong.ports import free_port, wait_for_port
from lienthong.services.identity.application import IdentityApplication

TRACE_ID = "5a0c1b7e9d2f4c3b8a6e0d1f2c3b4a59"
CALLER_SPAN = "b7ad6b7169203331"
REGISTER = "lienthong.identity.v1.IdentityService/RegisterUnit"


class Collector(trace_service_pb2_grpc.TraceServiceServicer):
    """An OTLP/gRPC trace receiver keeping what it is sent."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: list[trace_service_pb2.ExportTraceServiceRequest] = []

    def Export(self, request, context):  # noqa: N802 - the OTLP service's name
        with self._lock:
            self._requests.append(request)
        return trace_service_pb2.ExportTraceServiceResponse()

    def spans(self) -> list[tuple[str, trace_pb2.Span]]:
        """(the resource's service.name, span) of everything received."""
        with self._lock:
            requests = list(self._requests)
        found = []
        for request in requests:
            for resource_spans in request.resource_spans:
                service = next((a.value.string_value for a in
                                resource_spans.resource.attributes if a.key == "service.name"),
                               "")
                for scope_spans in resource_spans.scope_spans:
                    found.extend((service, span) for span in scope_spans.spans)
        return found


@pytest.fixture
def collector():
    server = grpc.server(ThreadPoolExecutor(max_workers=2))
    receiver = Collector()
    trace_service_pb2_grpc.add_TraceServiceServicer_to_server(receiver, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    receiver.endpoint = f"http://127.0.0.1:{port}"
    yield receiver
    server.stop(None)


def start_identity(tmp_path, port: int, **env: str) -> subprocess.Popen[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "lienthong.services.identity"],
        env={**clean, "LIENTHONG_LISTEN": f"127.0.0.1:{port}",
             "LIENTHONG_EVENT_STORE": f"sqlite:///{tmp_path / 'identity.db'}",
             "LIENTHONG_SHUTDOWN_GRACE_S": "5", "LIENTHONG_LOG_FORMAT": "json", **env},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    wait_for_port(port)
    return process


def stop(process: subprocess.Popen[str]) -> list[dict]:
    """SIGTERM; the process's JSON log lines."""
    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def register(stub, request_id: str, code: str, *, traceparent: str | None = None):
    return stub.RegisterUnit(
        pb.RegisterUnitRequest(request_id=request_id, display_name=f"Tỉnh Quan Sát {code}",
                               kind=pb.UNIT_KIND_PROVINCE, administrative_unit_code=code),
        metadata=[("traceparent", traceparent)] if traceparent else None, timeout=10)


def eventually(condition, what: str, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        if time.monotonic() > deadline:
            pytest.fail(f"never happened: {what}")
        time.sleep(0.05)
    return value


def hex_id(raw: bytes) -> str:
    return raw.hex()


def test_the_spans_of_a_call_and_of_its_events_reach_the_otlp_collector(
        tmp_path, nats_server, collector):
    port = free_port()
    process = start_identity(
        tmp_path, port, LIENTHONG_NATS_URL=nats_server.url,
        OTEL_EXPORTER_OTLP_ENDPOINT=collector.endpoint, OTEL_SERVICE_NAME="identity-observed",
        OTEL_BSP_SCHEDULE_DELAY="100")
    try:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = pb_grpc.IdentityServiceStub(channel)
            register(stub, "otlp-1", "71", traceparent=f"00-{TRACE_ID}-{CALLER_SPAN}-01")
            with pytest.raises(grpc.RpcError) as refused:  # the request id reused
                register(stub, "otlp-1", "72")
            assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT

        def published() -> list[trace_pb2.Span]:
            return [span for _, span in collector.spans()
                    if span.kind == trace_pb2.Span.SPAN_KIND_PRODUCER
                    and hex_id(span.trace_id) == TRACE_ID]

        eventually(published, "the relay's publish spans exported")
    finally:
        lines = stop(process)

    spans = collector.spans()
    assert {service for service, _ in spans} == {"identity-observed"}
    calls = [span for _, span in spans if span.name == REGISTER]
    [call] = [span for span in calls if hex_id(span.trace_id) == TRACE_ID]
    assert call.kind == trace_pb2.Span.SPAN_KIND_SERVER
    assert hex_id(call.parent_span_id) == CALLER_SPAN
    # The unit's events, published as children of the call that recorded them.
    publishes = [span for _, span in spans if span.kind == trace_pb2.Span.SPAN_KIND_PRODUCER
                 and hex_id(span.trace_id) == TRACE_ID]
    assert {span.name for span in publishes} >= {"lienthong.identity.unit.registered publish"}
    assert {span.parent_span_id for span in publishes} == {call.span_id}
    # The refused call: its span and its log line name each other.
    [refusal] = [span for span in calls if hex_id(span.trace_id) != TRACE_ID]
    codes = {a.key: a.value.int_value for a in refusal.attributes}
    assert codes["rpc.grpc.status_code"] == grpc.StatusCode.INVALID_ARGUMENT.value[0]
    [logged] = [line for line in lines if line["event"] == "rpc refused"]
    assert (logged["trace_id"], logged["span_id"]) == (hex_id(refusal.trace_id),
                                                       hex_id(refusal.span_id))


def scrape(address: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """{(sample name, sorted labels): value} of a /metrics page, read over HTTP."""
    with urllib.request.urlopen(f"http://{address}/metrics", timeout=5) as response:
        text = response.read().decode()
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


def test_metrics_count_calls_and_events_and_show_the_relay_catching_up(tmp_path, nats_server):
    port, metrics_port = free_port(), free_port()
    address = f"127.0.0.1:{metrics_port}"
    process = start_identity(tmp_path, port, LIENTHONG_NATS_URL=nats_server.url,
                             LIENTHONG_METRICS_LISTEN=address)
    lag = ("lienthong_relay_lag_events", (("service", "identity"),))
    appended = ("lienthong_events_appended_total", (("service", "identity"),))

    def calls(code: str) -> float:
        return scrape(address).get(("lienthong_rpc_duration_seconds_count", (
            ("code", code), ("method", REGISTER), ("service", "identity"))), 0.0)

    try:
        wait_for_port(metrics_port)
        nats_server.stop()  # the relay cannot publish for a while
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = pb_grpc.IdentityServiceStub(channel)
            for n, code in enumerate(("81", "82", "83")):
                register(stub, f"metrics-{n}", code)
            with pytest.raises(grpc.RpcError):
                register(stub, "metrics-0", "84")
        recorded = IdentityApplication(f"sqlite:///{tmp_path / 'identity.db'}")
        try:
            in_log = recorded.recorder.max_notification_id()
        finally:
            recorded.close()
        assert (calls("OK"), calls("INVALID_ARGUMENT")) == (3, 1)
        before = scrape(address)
        assert before[appended] == in_log  # every event recorded, request records too
        assert before[lag] == in_log  # nothing relayed yet

        nats_server.start()
        eventually(lambda: scrape(address)[lag] == 0, "the relay caught up")
    finally:
        stop(process)
