"""OpenTelemetry tracing: one trace from a gRPC call through NATS to other services.

* The gRPC interceptor opens a SERVER span per call
  (``lienthong.identity.v1.IdentityService/RegisterUnit``), continuing the
  caller's ``traceparent`` metadata when there is one. Its trace id and span
  id are stamped on the events the call records (audit metadata
  ``trace_id``, ``span_id``).
* The outbox relay opens a PRODUCER span per published event
  (``<subject> publish``), a child of the span that recorded the event, and
  puts that span in the message's ``traceparent`` header. The PRODUCER
  span's id is derived from the event id (:func:`lienthong.events.envelope.
  traceparent_for`), so a republished event carries the same headers as its
  first copy, with or without tracing.
* A consumer opens a CONSUMER span per handled message (``<subject>
  process``), a child of the message's ``traceparent``.

Spans are always made in a service process (so trace ids reach logs and
events); they are exported only when an exporter is configured, with the
standard variables: ``OTEL_EXPORTER_OTLP_ENDPOINT`` (or
``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``) turns on OTLP export (protocol
``grpc``), ``OTEL_TRACES_EXPORTER`` = ``otlp``, ``console`` or ``none``
(comma-separated) chooses explicitly, ``OTEL_SERVICE_NAME`` overrides the
service's name as the resource's ``service.name``, ``OTEL_BSP_*`` tune the
batch processor. See docs/observability.md.
"""

from __future__ import annotations

import contextlib
import functools
import os
from contextvars import ContextVar
from typing import TYPE_CHECKING

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.id_generator import RandomIdGenerator

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

    from opentelemetry.sdk.trace import SpanProcessor
    from opentelemetry.sdk.trace.export import SpanExporter

TRACER_NAME = "lienthong"

#: (trace id, span id) the next span must have; 0: random (see :func:`fixed_ids`).
_fixed: ContextVar[tuple[int, int]] = ContextVar("lienthong_fixed_span_ids", default=(0, 0))
_exporting = False


class ExportConfigError(ValueError):
    """OTEL_* variables asking for an exporter this process cannot provide."""


class _IdGenerator(RandomIdGenerator):
    """Random ids, except where :func:`fixed_ids` says which ids the next span gets."""

    def generate_span_id(self) -> int:
        span_id = _fixed.get()[1]
        return span_id or super().generate_span_id()

    def generate_trace_id(self) -> int:  # asked only for a span without a parent
        trace_id = _fixed.get()[0]
        return trace_id or super().generate_trace_id()


@contextlib.contextmanager
def fixed_ids(trace_id: int, span_id: int) -> Iterator[None]:
    """Spans started inside get this span id (and this trace id if they have no parent).

    Effective with the tracer provider :func:`configure_tracing` installs; another
    provider gives random ids (the caller then reads them from the span).
    """
    token = _fixed.set((trace_id, span_id))
    try:
        yield
    finally:
        _fixed.reset(token)


@functools.cache
def tracer() -> trace.Tracer:
    """Lienthong's tracer (a proxy until a provider is installed; asked once: the SDK's
    ``get_tracer`` costs more than a span)."""
    return trace.get_tracer(TRACER_NAME)


def exporting() -> bool:
    """Whether spans go anywhere (a processor was installed): spans nobody will
    see are not worth making on a hot path such as the relay's."""
    return _exporting


def configure_tracing(service: str, *processors: SpanProcessor) -> TracerProvider:
    """Install the process's tracer provider (once), with the given span processors.

    Spans are always made, so trace ids reach logs and events; where they are
    exported is the processors' business (see :func:`processors_from_env`).
    """
    global _exporting  # noqa: PLW0603 - one provider per process
    current = trace.get_tracer_provider()
    if isinstance(current, TracerProvider):
        provider = current
    else:
        attributes = {} if os.environ.get("OTEL_SERVICE_NAME") else {"service.name": service}
        provider = TracerProvider(resource=Resource.create(attributes),
                                  id_generator=_IdGenerator())
        trace.set_tracer_provider(provider)
    for processor in processors:
        provider.add_span_processor(processor)
        _exporting = True
    return provider


def exporters_from_env(environ: Mapping[str, str] | None = None) -> list[SpanExporter]:
    """The span exporters the standard ``OTEL_*`` variables ask for (none by default).

    ``OTEL_TRACES_EXPORTER`` (comma-separated ``otlp``, ``console``, ``none``)
    defaults to ``otlp`` when an OTLP endpoint is set, else ``none``. OTLP
    speaks gRPC (``OTEL_EXPORTER_OTLP_PROTOCOL`` / ``..._TRACES_PROTOCOL`` =
    ``grpc``); the exporter reads its endpoint, headers, timeout and
    certificates from the environment itself.
    """
    from opentelemetry.sdk.trace.export import ConsoleSpanExporter

    env = os.environ if environ is None else environ
    endpoint = (env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
                or env.get("OTEL_EXPORTER_OTLP_ENDPOINT") or "").strip()
    default = "otlp" if endpoint else "none"
    names = [n.strip().lower() for n in (env.get("OTEL_TRACES_EXPORTER") or default).split(",")
             if n.strip()]
    exporters: list[SpanExporter] = []
    for name in names:
        if name == "none":
            continue
        if name == "console":
            exporters.append(ConsoleSpanExporter())
        elif name == "otlp":
            protocol = (env.get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")
                        or env.get("OTEL_EXPORTER_OTLP_PROTOCOL") or "grpc").strip().lower()
            if protocol != "grpc":
                msg = (f"OTEL_EXPORTER_OTLP_PROTOCOL={protocol!r}: this image exports "
                       "OTLP over gRPC only (protocol 'grpc', usually port 4317)")
                raise ExportConfigError(msg)
            from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import (
                OTLPSpanExporter,
            )

            exporters.append(OTLPSpanExporter())
        else:
            msg = f"OTEL_TRACES_EXPORTER={name!r}: expected otlp, console or none"
            raise ExportConfigError(msg)
    return exporters


def processors_from_env(environ: Mapping[str, str] | None = None) -> list[SpanProcessor]:
    """:func:`exporters_from_env`, each behind its processor: OTLP batched
    (``OTEL_BSP_*`` tune it), the console one span at a time."""
    from opentelemetry.sdk.trace.export import (
        BatchSpanProcessor,
        ConsoleSpanExporter,
        SimpleSpanProcessor,
    )

    return [SimpleSpanProcessor(exporter) if isinstance(exporter, ConsoleSpanExporter)
            else BatchSpanProcessor(exporter) for exporter in exporters_from_env(environ)]


def shutdown_tracing() -> None:
    """Flush what the processors still hold (at the end of a process)."""
    provider = trace.get_tracer_provider()
    if isinstance(provider, TracerProvider):
        provider.shutdown()


def span_ids(span: trace.Span | None = None) -> tuple[str, str]:
    """(trace id, span id) of a span (default: the current one) in hex, or ("", "")."""
    context = (span or trace.get_current_span()).get_span_context()
    if not context.is_valid:
        return "", ""
    return format(context.trace_id, "032x"), format(context.span_id, "016x")
