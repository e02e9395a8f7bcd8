"""OpenTelemetry tracing: one trace from a gRPC call through NATS to other services.

The gRPC interceptor opens a server span per call (continuing the caller's
``traceparent`` metadata when there is one); its trace id is stamped on the
events the call records, the relay puts it in each CloudEvent's
``traceparent``, and a consumer opens its span as a child of that.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import SpanProcessor

TRACER_NAME = "lienthong"


def tracer() -> trace.Tracer:
    return trace.get_tracer(TRACER_NAME)


def configure_tracing(service: str, *processors: SpanProcessor) -> TracerProvider:
    """Install the process's tracer provider (once), with the given span processors.

    Spans are always made, so trace ids reach logs and events; where they are
    exported is the processors' business (an OTLP exporter in a cluster).
    """
    current = trace.get_tracer_provider()
    if isinstance(current, TracerProvider):
        provider = current
    else:
        provider = TracerProvider(resource=Resource.create({"service.name": service}))
        trace.set_tracer_provider(provider)
    for processor in processors:
        provider.add_span_processor(processor)
    return provider
