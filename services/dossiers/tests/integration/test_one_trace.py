"""A call to identity and what dossiers does about it are one trace, across NATS."""

from __future__ import annotations

import asyncio
import uuid

import grpc
from opentelemetry import trace
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from lienthong.events.envelope import traceparent_for
from lienthong.events.relay import OutboxRelay
from lienthong.identity.v1 import identity_pb2 as pb
from lienthong.identity.v1 import identity_pb2_grpc as pb_grpc
from lienthong.services.dossiers.application import DossiersApplication
from lienthong.services.dossiers.consumers import (
    DURABLE,
    IDENTITY_STREAM,
    IdentityConsumer,
    handlers,
)
from lienthong.services.dossiers.domain.units import KnownUnit
from lienthong.services.identity.api import add_to_server
from lienthong.services.identity.application import IdentityApplication
from lienthong.services.identity.events import CONTRACT
from lienthong.telemetry import configure_tracing
from lienthong.testing.grpc_server import ServerThread
from lienthong.testing.logs import json_logs

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER_SPAN = "00f067aa0ba902b7"
SPANS = InMemorySpanExporter()
configure_tracing("lienthong-tests", SimpleSpanProcessor(SPANS))


async def test_a_registration_and_its_effect_in_dossiers_share_the_callers_trace(
        nats_server, tmp_path) -> None:
    with json_logs("lienthong-tests") as logs:  # JSON lines, as a service logs
        identity = IdentityApplication(f"sqlite:///{tmp_path / 'identity.db'}")
        dossiers = DossiersApplication(f"sqlite:///{tmp_path / 'dossiers.db'}")
        relay = OutboxRelay(identity, CONTRACT, nats_server.url, poll_interval_s=0.1)
        identity.add_commit_listener(relay.wake)
        runner = IdentityConsumer(dossiers, nats_url=nats_server.url, stream=IDENTITY_STREAM,
                                  durable=DURABLE, handlers=handlers, fetch_wait_s=0.2)
        stop = asyncio.Event()
        tasks = [asyncio.create_task(relay.run(stop)), asyncio.create_task(runner.run(stop))]
        try:
            with ServerThread(lambda server: add_to_server(identity, server)) as served:
                def register() -> str:
                    with grpc.insecure_channel(served.address) as channel:
                        return pb_grpc.IdentityServiceStub(channel).RegisterUnit(
                            pb.RegisterUnitRequest(
                                request_id=f"trace-{uuid.uuid4()}", display_name="Tỉnh Thử Vết",
                                kind=pb.UNIT_KIND_PROVINCE, administrative_unit_code="97"),
                            metadata=[("traceparent", f"00-{TRACE_ID}-{CALLER_SPAN}-01")],
                            timeout=10).unit_id

                unit_id = uuid.UUID(await asyncio.to_thread(register))
                for _ in range(400):  # at most 20 s for the relay and the consumer
                    if isinstance(dossiers.get_or_none(unit_id), KnownUnit):
                        break
                    await asyncio.sleep(0.05)
        finally:
            stop.set()
            await asyncio.wait_for(asyncio.gather(*tasks), 30)

    learned = next(iter(dossiers.events.get(unit_id)))
    assert learned.metadata["trace_id"] == TRACE_ID
    assert learned.metadata["causation_id"].startswith("identity-")
    spans = {span.name: span for span in SPANS.get_finished_spans()
             if format(span.context.trace_id, "032x") == TRACE_ID}
    server = spans["lienthong.identity.v1.IdentityService/RegisterUnit"]
    publish = spans["lienthong.identity.unit.registered publish"]
    process = spans["lienthong.identity.unit.registered process"]
    assert server.kind is trace.SpanKind.SERVER
    assert format(server.parent.span_id, "016x") == CALLER_SPAN
    # identity's call -> identity's relay publishing its event -> dossiers handling it
    assert publish.kind is trace.SpanKind.PRODUCER
    assert publish.parent.span_id == server.context.span_id
    assert publish.attributes["messaging.system"] == "nats"
    assert publish.attributes["messaging.destination.name"] == \
        "lienthong.identity.unit.registered"
    assert publish.attributes["messaging.message.id"] == learned.metadata["causation_id"]
    # Its id is the one the event's traceparent always had: a republished copy is the same.
    assert f"{publish.context.span_id:016x}" == traceparent_for(
        TRACE_ID, learned.metadata["causation_id"]).split("-")[2]
    assert process.kind is trace.SpanKind.CONSUMER
    assert process.parent.span_id == publish.context.span_id
    assert process.attributes["lienthong.consumer.outcome"] == "applied"
    # ... and what dossiers recorded names the span that recorded it.
    assert learned.metadata["span_id"] == format(process.context.span_id, "016x")

    # The log lines written inside those spans carry their ids.
    [rpc_done] = [line for line in logs.named("rpc done") if line["trace_id"] == TRACE_ID]
    assert rpc_done["span_id"] == f"{server.context.span_id:016x}"
    [applied] = [line for line in logs.named("event_applied")
                 if line["ce_id"] == learned.metadata["causation_id"]]
    assert (applied["trace_id"], applied["span_id"]) == (TRACE_ID,
                                                         f"{process.context.span_id:016x}")
