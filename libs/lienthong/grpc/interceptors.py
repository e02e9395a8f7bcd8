"""Server interceptors: caller metadata into the audit context, errors into statuses."""

from __future__ import annotations

import time
import uuid
from typing import TYPE_CHECKING, Any

import grpc
import structlog
from grpc.experimental import wrap_server_method_handler
from opentelemetry import propagate, trace

from lienthong.audit import audit_scope
from lienthong.errors import LienthongError
from lienthong.grpc.errors import deadline_status, internal_status, status_for
from lienthong.telemetry import tracer

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

log = structlog.get_logger("lienthong.grpc")

#: Call metadata a caller sends to say who acts, and on whose authority.
ACTOR_KEY = "x-actor-id"
ACTOR_AGENCY_KEY = "x-actor-agency-code"
REQUEST_ID_KEY = "x-request-id"
CORRELATION_KEY = "x-correlation-id"
CAUSATION_KEY = "x-causation-id"
#: The actor recorded for a call that did not say who acts.
ANONYMOUS_ACTOR = "anonymous"


def _trace_id() -> str:
    """The OpenTelemetry trace of the call, or a fresh W3C trace id to follow it by."""
    ctx = trace.get_current_span().get_span_context()
    return format(ctx.trace_id, "032x") if ctx.is_valid else uuid.uuid4().hex


class RequestContextInterceptor(grpc.aio.ServerInterceptor):
    """Opens an audit scope per call, logs it, and maps errors to rich statuses."""

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(handler_call_details)
        if handler is None or not handler.unary_unary:
            return handler
        method = handler_call_details.method
        metadata = {k: v for k, v in (handler_call_details.invocation_metadata or ())
                    if isinstance(v, str)}

        def wrap(behaviour: Callable[[Any, grpc.aio.ServicerContext], Awaitable[Any]]) -> Any:
            async def call(request: Any, context: grpc.aio.ServicerContext) -> Any:
                remaining = context.time_remaining()
                if remaining is not None and remaining <= 0:
                    await context.abort_with_status(deadline_status())
                parent = propagate.extract(metadata)
                with tracer().start_as_current_span(
                        method, context=parent, kind=trace.SpanKind.SERVER,
                        attributes={"rpc.system": "grpc", "rpc.method": method}):
                    call_id = (getattr(request, "request_id", "") or metadata.get(REQUEST_ID_KEY)
                               or str(uuid.uuid4()))
                    started = time.perf_counter()
                    with audit_scope(
                        actor=metadata.get(ACTOR_KEY, ANONYMOUS_ACTOR),
                        actor_agency_code=metadata.get(ACTOR_AGENCY_KEY, ""),
                        request_id=call_id,
                        correlation_id=metadata.get(CORRELATION_KEY, ""),
                        causation_id=metadata.get(CAUSATION_KEY, ""),
                        trace_id=_trace_id(),
                    ):
                        try:
                            response = await behaviour(request, context)
                        except LienthongError as error:
                            log.info("rpc refused", method=method, reason=error.reason,
                                     detail=error.message,
                                     duration_ms=round((time.perf_counter() - started) * 1e3, 3))
                            await context.abort_with_status(status_for(error))
                        except grpc.aio.AbortError:
                            raise
                        except Exception:
                            log.exception("rpc failed", method=method)
                            await context.abort_with_status(internal_status(call_id))
                        log.debug("rpc done", method=method,
                                  duration_ms=round((time.perf_counter() - started) * 1e3, 3))
                        return response

            return call

        return wrap_server_method_handler(wrap, handler)
