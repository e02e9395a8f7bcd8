"""structlog JSON lines with the service, trace and request ids on each line."""

from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING, Any

import structlog

from lienthong import audit

if TYPE_CHECKING:
    from structlog.typing import EventDict, WrappedLogger


def _add_request_context(_: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
    ctx = audit.current_or_none()
    if ctx is not None:
        if ctx.request_id:
            event_dict.setdefault("request_id", ctx.request_id)
        if ctx.trace_id:
            event_dict.setdefault("trace_id", ctx.trace_id)
    return event_dict


def _add_otel_ids(_: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
    try:
        from opentelemetry import trace
    except ImportError:  # pragma: no cover - opentelemetry is a dependency
        return event_dict
    span_context = trace.get_current_span().get_span_context()
    if span_context.is_valid:
        event_dict.setdefault("trace_id", format(span_context.trace_id, "032x"))
        event_dict.setdefault("span_id", format(span_context.span_id, "016x"))
    return event_dict


class _Stderr:
    """``sys.stderr`` as it is at each write, not as it was at configuration:
    a CLI run in-process (or a test's capture) swaps it and may close its own."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


STDERR = _Stderr()


def configure_logging(service: str, *, level: str = "info", fmt: str = "json") -> None:
    """Send structlog and standard-library logs to stderr as JSON lines."""
    renderer: Any = (
        structlog.processors.JSONRenderer(ensure_ascii=False)
        if fmt == "json"
        else structlog.dev.ConsoleRenderer()
    )
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _add_otel_ids,
        _add_request_context,
    ]
    structlog.configure(
        processors=[
            *shared,
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelNamesMapping()[level.upper()]
        ),
        logger_factory=structlog.PrintLoggerFactory(file=STDERR),
        cache_logger_on_first_use=False,
    )
    structlog.contextvars.bind_contextvars(service=service)
    handler = logging.StreamHandler(STDERR)  # type: ignore[arg-type]
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
            foreign_pre_chain=[*shared, structlog.stdlib.add_logger_name],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
