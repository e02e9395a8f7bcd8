"""The dossiers service as the platform's registry knows it (entry point ``dossiers``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lienthong.registry import ServiceSpec, SmokeRead

if TYPE_CHECKING:
    import grpc


def _list_procedures(channel: grpc.Channel, timeout: float) -> int:
    from lienthong.dossiers.v1 import catalog_pb2, catalog_pb2_grpc

    stub = catalog_pb2_grpc.CatalogServiceStub(channel)
    request = catalog_pb2.ListProceduresRequest(page_size=1)
    return len(stub.ListProcedures(request, timeout=timeout).procedures)


def _list_dossiers(channel: grpc.Channel, timeout: float) -> int:
    from lienthong.dossiers.v1 import dossiers_pb2, dossiers_pb2_grpc

    stub = dossiers_pb2_grpc.DossierServiceStub(channel)
    request = dossiers_pb2.ListDossiersRequest(page_size=1)
    return len(stub.ListDossiers(request, timeout=timeout).dossiers)


SMOKE_READS = (
    SmokeRead("lienthong.dossiers.v1.CatalogService/ListProcedures", _list_procedures),
    SmokeRead("lienthong.dossiers.v1.DossierService/ListDossiers", _list_dossiers),
)

SERVICE = ServiceSpec(
    name="dossiers",
    summary="the procedure catalogue and the one-stop shop's dossiers",
    module="lienthong.services.dossiers",
    default_port=50052,
    contract="lienthong.services.dossiers.events:CONTRACT",
    build_app="lienthong.services.dossiers.server:build_app",
    add_to_server="lienthong.services.dossiers.api:add_to_server",
    consumers="lienthong.services.dossiers.server:consumers",
    # Units and their reorganisation come from identity's stream.
    follows=("identity",),
    # Its consumers: identity's units, and the national portal's sync of its own dossiers
    # (each one's NATS permissions, lienthong.natsauth).
    durables=(("identity", "dossiers-identity"), ("dossiers", "portal-sync")),
    smoke_reads="lienthong.services.dossiers.spec:SMOKE_READS",
    cli="lienthong.services.dossiers.cli:app",
    # The national public service portal's synchronisation (LIENTHONG_PORTAL_*).
    chart_settings=("portal",),
    resources=(("dossier", "dossier_id"), ("procedure", "procedure_code"),
               ("procedure_version", "")),
    # Its errors name identity's units (a unit it does not know, a holder that is not one).
    refers_to=(("identity", "unit", "unit_id"), ("identity", "unit", "holder_unit_id")),
    benchmarks="lienthong.services.dossiers.benchmarks:COMMANDS",
    bench_history="lienthong.services.dossiers.benchmarks.history:HISTORY",
)
