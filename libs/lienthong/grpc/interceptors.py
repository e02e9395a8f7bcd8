"""Server interceptors: caller metadata into the audit context, errors into statuses.

Each call is a SERVER span (``<package.Service>/<Method>``, continuing the
caller's ``traceparent``) and one observation of
``lienthong_rpc_duration_seconds{method, code}``.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import TYPE_CHECKING, Any

import grpc
import structlog
from grpc.experimental import wrap_server_method_handler
from opentelemetry import propagate, trace

from lienthong import metrics
from lienthong.audit import audit_scope
from lienthong.errors import LienthongError
from lienthong.grpc.errors import deadline_status, internal_status, status_for
from lienthong.telemetry import span_ids, tracer

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


#: Codes that say the server failed (the others are the caller's doing), as OTel's
#: gRPC conventions mark a SERVER span as an error.
SERVER_ERROR_CODES = frozenset({
    grpc.StatusCode.UNKNOWN, grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.UNIMPLEMENTED,
    grpc.StatusCode.INTERNAL, grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DATA_LOSS,
})
_CODES = {code.value[0]: code for code in grpc.StatusCode}


def _ms_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1e3, 3)


def _code_of(context: grpc.aio.ServicerContext) -> grpc.StatusCode:
    code = context.code()
    if isinstance(code, grpc.StatusCode):
        return code
    return _CODES.get(code, grpc.StatusCode.UNKNOWN) if isinstance(code, int) \
        else grpc.StatusCode.UNKNOWN


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
        name = method.lstrip("/")  # lienthong.identity.v1.IdentityService/RegisterUnit
        rpc_service, _, rpc_method = name.rpartition("/")
        attributes = {"rpc.system": "grpc", "rpc.service": rpc_service, "rpc.method": rpc_method}
        metadata = {k: v for k, v in (handler_call_details.invocation_metadata or ())
                    if isinstance(v, str)}

        def wrap(behaviour: Callable[[Any, grpc.aio.ServicerContext], Awaitable[Any]]) -> Any:
            async def call(request: Any, context: grpc.aio.ServicerContext) -> Any:
                remaining = context.time_remaining()
                if remaining is not None and remaining <= 0:
                    await context.abort_with_status(deadline_status())
                parent = propagate.extract(metadata)
                started = time.perf_counter()
                code = grpc.StatusCode.OK
                with tracer().start_as_current_span(
                        name, context=parent, kind=trace.SpanKind.SERVER,
                        attributes=attributes, record_exception=False,
                        set_status_on_exception=False) as span:
                    trace_id, span_id = span_ids(span)
                    call_id = (getattr(request, "request_id", "") or metadata.get(REQUEST_ID_KEY)
                               or str(uuid.uuid4()))
                    try:
                        with audit_scope(
                            actor=metadata.get(ACTOR_KEY, ANONYMOUS_ACTOR),
                            actor_agency_code=metadata.get(ACTOR_AGENCY_KEY, ""),
                            request_id=call_id,
                            correlation_id=metadata.get(CORRELATION_KEY, ""),
                            causation_id=metadata.get(CAUSATION_KEY, ""),
                            trace_id=trace_id or uuid.uuid4().hex,
                            span_id=span_id,
                        ):
                            try:
                                response = await behaviour(request, context)
                            except LienthongError as error:
                                log.info("rpc refused", method=method, reason=error.reason,
                                         detail=error.message,
                                         duration_ms=_ms_since(started))
                                status = status_for(error)
                                code = status.code
                                await context.abort_with_status(status)
                            except grpc.aio.AbortError:
                                raise
                            except Exception:
                                log.exception("rpc failed", method=method)
                                code = grpc.StatusCode.INTERNAL
                                await context.abort_with_status(internal_status(call_id))
                            log.debug("rpc done", method=method, duration_ms=_ms_since(started))
                            return response
                    except grpc.aio.AbortError:
                        # An abort by the servicer itself carries its code on the context.
                        if code is grpc.StatusCode.OK:
                            code = _code_of(context)
                        raise
                    except asyncio.CancelledError:
                        code = grpc.StatusCode.CANCELLED
                        raise
                    finally:
                        span.set_attribute("rpc.grpc.status_code", code.value[0])
                        if code in SERVER_ERROR_CODES:
                            span.set_status(trace.StatusCode.ERROR, code.name)
                        metrics.rpc_done(name, code.name, time.perf_counter() - started)

            return call

        return wrap_server_method_handler(wrap, handler)
