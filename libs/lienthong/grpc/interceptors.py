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
from lienthong.errors import InvalidArgument, LienthongError, Unauthenticated
from lienthong.grpc import limits
from lienthong.grpc.admission import RateLimiter, peer_host, require_deadline
from lienthong.grpc.errors import deadline_status, internal_status, status_for
from lienthong.policy import granted
from lienthong.telemetry import span_ids, tracer
from lienthong.tls import Revocations, authenticate

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable, Callable

    from lienthong.policy import Grant, PolicyFile

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


#: Calls neither traced nor timed: the kubelet's probes and tools' reflection, every few
#: seconds on every pod, would bury the platform's own calls in traces and latency alerts.
UNOBSERVED_PREFIXES = ("/grpc.health.v1.", "/grpc.reflection.")


class _Call:
    """What one call's observation needs: its names, its caller's metadata, its start."""

    def __init__(self, handler_call_details: grpc.HandlerCallDetails) -> None:
        self.method = handler_call_details.method
        self.name = self.method.lstrip("/")  # lienthong.identity.v1.IdentityService/RegisterUnit
        rpc_service, _, rpc_method = self.name.rpartition("/")
        self.attributes = {"rpc.system": "grpc", "rpc.service": rpc_service,
                           "rpc.method": rpc_method}
        self.metadata = {k: v for k, v in (handler_call_details.invocation_metadata or ())
                         if isinstance(v, str)}
        self.code = grpc.StatusCode.OK
        self.started = 0.0
        self.call_id = ""
        self.caller = ""

    def start(self, request: Any) -> trace.Span:
        """The call's SERVER span (not yet current), continuing the caller's trace."""
        self.started = time.perf_counter()
        self.call_id = (getattr(request, "request_id", "") or self.metadata.get(REQUEST_ID_KEY)
                        or str(uuid.uuid4()))
        return tracer().start_span(
            self.name, context=propagate.extract(self.metadata), kind=trace.SpanKind.SERVER,
            attributes=self.attributes, record_exception=False, set_status_on_exception=False)

    def scope(self, span: trace.Span) -> Any:
        trace_id, span_id = span_ids(span)
        return audit_scope(
            actor=self.metadata.get(ACTOR_KEY, ANONYMOUS_ACTOR),
            actor_agency_code=self.metadata.get(ACTOR_AGENCY_KEY, ""),
            caller=self.caller,
            request_id=self.call_id,
            correlation_id=self.metadata.get(CORRELATION_KEY, ""),
            causation_id=self.metadata.get(CAUSATION_KEY, ""),
            trace_id=trace_id or uuid.uuid4().hex,
            span_id=span_id,
        )

    async def fail(self, error: Exception, context: grpc.aio.ServicerContext) -> None:
        """Map an error of the servicer to a status and abort the call with it."""
        if isinstance(error, LienthongError):
            log.info("rpc refused", method=self.method, reason=error.reason,
                     detail=error.message, duration_ms=_ms_since(self.started))
            status = status_for(error)
            self.code = status.code
            await context.abort_with_status(status)
        log.error("rpc failed", method=self.method, exc_info=error)
        self.code = grpc.StatusCode.INTERNAL
        await context.abort_with_status(internal_status(self.call_id))

    def aborted(self, context: grpc.aio.ServicerContext) -> None:
        # An abort by the servicer itself carries its code on the context.
        if self.code is grpc.StatusCode.OK:
            self.code = _code_of(context)

    def finish(self, span: trace.Span) -> None:
        span.set_attribute("rpc.grpc.status_code", self.code.value[0])
        if self.code in SERVER_ERROR_CODES:
            span.set_status(trace.StatusCode.ERROR, self.code.name)
        span.end()
        metrics.rpc_done(self.name, self.code.name, time.perf_counter() - self.started)


def _current(span: trace.Span) -> Any:
    """Make the span current; the status is the call's code, never the exception's."""
    return trace.use_span(span, end_on_exit=False, record_exception=False,
                          set_status_on_exception=False)


async def _expired(context: grpc.aio.ServicerContext) -> None:
    remaining = context.time_remaining()
    if remaining is not None and remaining <= 0:
        await context.abort_with_status(deadline_status())


class RefusedRequest:
    """What a method receives instead of a request refused before any work: bytes that do
    not parse, or a message beyond the platform's bounds (:mod:`lienthong.grpc.limits`).

    grpcio answers a failed deserialisation with UNKNOWN and the decoder's
    exception text; the caller sent bad input, so it gets INVALID_ARGUMENT
    naming the rule, like any other bad request.
    """

    request_id = ""

    def __init__(self, error: InvalidArgument) -> None:
        self.error = error

    def refusal(self) -> InvalidArgument:
        return self.error


def _tolerant(deserialize: Callable[[bytes], Any]) -> Callable[[bytes], Any]:
    def parse(raw: bytes) -> Any:
        try:
            request = deserialize(raw)
        except Exception as error:  # any decoder failure is the caller's input
            return RefusedRequest(InvalidArgument.single(
                "request", "REQUEST_UNPARSABLE",
                f"the request is not a valid protobuf message of this method ({error})"))
        if broken := limits.violations(request, wire_bytes=len(raw)):
            return RefusedRequest(InvalidArgument(broken))
        return request
    return parse


async def _refuse(refusal: LienthongError) -> AsyncIterator[Any]:
    raise refusal
    yield  # an async generator, as a server-streaming behaviour is


class RequestContextInterceptor(grpc.aio.ServerInterceptor):
    """Opens an audit scope per call, traces, times and logs it, and maps errors to statuses.

    Unary, server-streaming and client-streaming calls alike; health checks and
    reflection pass untouched.
    Before the servicer runs, a call is admitted (:mod:`lienthong.grpc.admission`): a
    command needs a deadline, and each caller keeps within ``limiter``'s rate.
    """

    def __init__(self, limiter: RateLimiter | None = None,
                 revocations: Revocations | None = None,
                 policy: PolicyFile | None = None) -> None:
        self.limiter = limiter or RateLimiter(rate=0, burst=1)
        #: Set on a TLS server: callers are named by their client certificates.
        self.revocations = revocations
        #: Set when the deployment has an access policy: what no rule allows is refused.
        self.policy = policy

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(handler_call_details)
        if handler is None or handler_call_details.method.startswith(UNOBSERVED_PREFIXES):
            return handler
        if handler.request_deserializer is not None:
            handler = handler._replace(
                request_deserializer=_tolerant(handler.request_deserializer))
        if handler.unary_unary:
            return wrap_server_method_handler(
                lambda behaviour: _unary(behaviour, handler_call_details, self), handler)
        if handler.unary_stream:
            return wrap_server_method_handler(
                lambda behaviour: _stream(behaviour, handler_call_details, self), handler)
        if handler.stream_unary:
            return wrap_server_method_handler(
                lambda behaviour: _client_stream(behaviour, handler_call_details, self),
                handler)
        return handler


def _admit(request: Any, context: grpc.aio.ServicerContext,
           interceptor: RequestContextInterceptor, method: str, *,
           command: bool | None = None) -> tuple[str, Grant | None]:
    """Refuse the call before its servicer runs: a caller its certificate does not name
    (or a revoked one), a call the access policy allows no rule for, bad bytes or bounds,
    a command without a deadline, a caller over its rate. The caller's name: its
    certificate's on a TLS server, else its host; and the policy's grant, if a policy is
    in force."""
    caller = peer_host(context.peer())
    if interceptor.revocations is not None:
        certificates = context.auth_context().get("x509_pem_cert") or []
        if not certificates:
            raise Unauthenticated("the call came without a client certificate")
        caller = authenticate(certificates[0], interceptor.revocations)
    grant = None
    if interceptor.policy is not None:
        grant = interceptor.policy.current().grant(caller, method)
    if isinstance(request, RefusedRequest):
        raise request.refusal()
    require_deadline(request, context.time_remaining(), command=command)
    interceptor.limiter.take(caller)
    return caller, grant


def _unary(behaviour: Callable[[Any, grpc.aio.ServicerContext], Awaitable[Any]],
           details: grpc.HandlerCallDetails, interceptor: RequestContextInterceptor) -> Any:
    async def call(request: Any, context: grpc.aio.ServicerContext) -> Any:
        await _expired(context)
        rpc = _Call(details)
        span = rpc.start(request)
        try:
            with _current(span), rpc.scope(span):
                try:
                    rpc.caller, grant = _admit(request, context, interceptor, rpc.method)
                    with audit_scope(caller=rpc.caller), granted(grant):
                        response = await behaviour(request, context)
                except grpc.aio.AbortError:
                    raise
                except Exception as error:
                    await rpc.fail(error, context)
                log.debug("rpc done", method=rpc.method, duration_ms=_ms_since(rpc.started))
                return response
        except grpc.aio.AbortError:
            rpc.aborted(context)
            raise
        except asyncio.CancelledError:
            rpc.code = grpc.StatusCode.CANCELLED
            raise
        finally:
            rpc.finish(span)

    return call


async def _accepted(requests: AsyncIterator[Any]) -> AsyncIterator[Any]:
    """A client stream's messages; one that did not parse, or breaks a bound, ends the
    call with its refusal."""
    async for request in requests:
        if isinstance(request, RefusedRequest):
            raise request.refusal()
        yield request


def _client_stream(behaviour: Callable[[Any, grpc.aio.ServicerContext], Awaitable[Any]],
                   details: grpc.HandlerCallDetails,
                   interceptor: RequestContextInterceptor) -> Any:
    """A client-streaming call (an upload), admitted as a command: it needs a deadline."""
    async def call(requests: AsyncIterator[Any], context: grpc.aio.ServicerContext) -> Any:
        await _expired(context)
        rpc = _Call(details)
        span = rpc.start(None)
        try:
            with _current(span), rpc.scope(span):
                try:
                    rpc.caller, grant = _admit(None, context, interceptor, rpc.method,
                                               command=True)
                    with audit_scope(caller=rpc.caller), granted(grant):
                        response = await behaviour(_accepted(requests), context)
                except grpc.aio.AbortError:
                    raise
                except Exception as error:
                    await rpc.fail(error, context)
                log.debug("rpc done", method=rpc.method, duration_ms=_ms_since(rpc.started))
                return response
        except grpc.aio.AbortError:
            rpc.aborted(context)
            raise
        except asyncio.CancelledError:
            rpc.code = grpc.StatusCode.CANCELLED
            raise
        finally:
            rpc.finish(span)

    return call


def _stream(behaviour: Callable[[Any, grpc.aio.ServicerContext], AsyncIterator[Any]],
            details: grpc.HandlerCallDetails, interceptor: RequestContextInterceptor) -> Any:
    async def call(request: Any, context: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
        await _expired(context)
        rpc = _Call(details)
        span = rpc.start(request)
        try:
            rpc.caller, grant = _admit(request, context, interceptor, rpc.method)
            responses = behaviour(request, context).__aiter__()
        except LienthongError as refusal:
            grant = None
            responses = _refuse(refusal).__aiter__()
        sent = 0
        try:
            while True:
                # The span and audit scope are current while the servicer runs, never
                # across a yield: the caller's reads decide when the stream resumes.
                with _current(span), rpc.scope(span), granted(grant):
                    try:
                        response = await responses.__anext__()
                    except StopAsyncIteration:
                        break
                    except grpc.aio.AbortError:
                        raise
                    except Exception as error:
                        await rpc.fail(error, context)
                sent += 1
                yield response
            span.set_attribute("rpc.grpc.messages_sent", sent)
            log.debug("rpc done", method=rpc.method, messages=sent,
                      duration_ms=_ms_since(rpc.started))
        except grpc.aio.AbortError:
            rpc.aborted(context)
            raise
        except (asyncio.CancelledError, GeneratorExit):
            rpc.code = grpc.StatusCode.CANCELLED
            raise
        finally:
            rpc.finish(span)
            aclose = getattr(responses, "aclose", None)
            if aclose is not None:
                await aclose()

    return call
