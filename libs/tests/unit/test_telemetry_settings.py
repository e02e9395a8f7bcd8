"""What the OTEL_* variables turn on, and the audit checkpoint gauges."""

from __future__ import annotations

import datetime as dt

import pytest
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SimpleSpanProcessor,
)
from prometheus_client.parser import text_string_to_metric_families

from lienthong import metrics
from lienthong.telemetry import ExportConfigError, exporters_from_env, processors_from_env


def exporters(env: dict[str, str]) -> list[type]:
    return [type(exporter) for exporter in exporters_from_env(env)]


def test_nothing_is_exported_unless_asked():
    assert exporters_from_env({}) == []
    assert exporters_from_env({"OTEL_TRACES_EXPORTER": "none",
                                "OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4317"}) == []


def test_an_otlp_endpoint_turns_on_batched_otlp_export_over_grpc():
    env = {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4317"}
    assert exporters(env) == [OTLPSpanExporter]
    [processor] = processors_from_env(env)
    assert isinstance(processor, BatchSpanProcessor)
    processor.shutdown()
    assert exporters({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://collector:4317",
                      "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}) == [OTLPSpanExporter]


def test_console_and_otlp_together():
    env = {"OTEL_TRACES_EXPORTER": "console, otlp",
           "OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4317"}
    assert exporters(env) == [ConsoleSpanExporter, OTLPSpanExporter]
    console, otlp = processors_from_env(env)
    assert (type(console), type(otlp)) == (SimpleSpanProcessor, BatchSpanProcessor)
    otlp.shutdown()


@pytest.mark.parametrize(("env", "named"), [
    ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318",
      "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf"}, "http/protobuf"),
    ({"OTEL_TRACES_EXPORTER": "zipkin"}, "zipkin"),
])
def test_an_exporter_this_image_lacks_is_refused_at_startup(env, named):
    with pytest.raises(ExportConfigError, match=named):
        processors_from_env(env)


def sample(name: str, service: str) -> float:
    for family in text_string_to_metric_families(metrics.exposition()):
        for found in family.samples:
            if found.name == name and found.labels == {"service": service}:
                return found.value
    msg = f"no {name} for {service}"
    raise AssertionError(msg)


def test_an_audit_checkpoint_sets_its_size_and_its_age_grows_from_its_time():
    made = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=10)
    metrics.audit_checkpoint("auditunit", 1234, made)
    assert sample("lienthong_audit_checkpoint_tree_size", "auditunit") == 1234
    assert sample("lienthong_audit_checkpoint_age_seconds", "auditunit") >= 600
    metrics.audit_checkpoint("auditunit", 1300, dt.datetime.now(dt.UTC).timestamp() + 60)
    assert sample("lienthong_audit_checkpoint_tree_size", "auditunit") == 1300
    assert sample("lienthong_audit_checkpoint_age_seconds", "auditunit") == 0
