"""The identity service as the platform's registry knows it (entry point ``identity``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lienthong.registry import ServiceSpec, SmokeRead

if TYPE_CHECKING:
    import grpc


def _list_units(channel: grpc.Channel, timeout: float) -> int:
    from lienthong.identity.v1 import identity_pb2, identity_pb2_grpc

    stub = identity_pb2_grpc.IdentityServiceStub(channel)
    return len(stub.ListUnits(identity_pb2.ListUnitsRequest(page_size=1), timeout=timeout).units)


SMOKE_READS = (SmokeRead("lienthong.identity.v1.IdentityService/ListUnits", _list_units),)

SERVICE = ServiceSpec(
    name="identity",
    summary="agencies' identification codes, administrative units and their lineage",
    module="lienthong.services.identity",
    default_port=50051,
    contract="lienthong.services.identity.events:CONTRACT",
    build_app="lienthong.services.identity.server:build_app",
    add_to_server="lienthong.services.identity.api:add_to_server",
    smoke_reads="lienthong.services.identity.spec:SMOKE_READS",
    cli="lienthong.services.identity.cli:app",
    seeds="lienthong.services.identity.seeds:SEEDS",
    resources=(("unit", "unit_id"), ("code", "")),
    benchmarks="lienthong.services.identity.benchmarks:COMMANDS",
    bench_history="lienthong.services.identity.benchmarks.history:HISTORY",
)
