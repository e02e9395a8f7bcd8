"""The gRPC face of the procedure catalogue: translation only.

Protobuf in, primitives to the application's catalogue commands, procedures
back out as protobuf. Errors travel as lienthong errors and the interceptor
turns them into statuses.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from lienthong.dossiers.v1 import catalog_pb2 as pb
from lienthong.dossiers.v1 import catalog_pb2_grpc as pb_grpc
from lienthong.errors import InvalidArgument
from lienthong.grpc.convert import date_from_pb, date_to_pb

from .domain.procedure import ProcedureVersionSpec, RequiredDocument

if TYPE_CHECKING:
    import datetime as dt

    import grpc

    from .catalog import CatalogCommands
    from .domain.procedure import Procedure, ProcedureVersion

LEVELS = {"province": pb.COMPETENT_LEVEL_PROVINCE, "commune": pb.COMPETENT_LEVEL_COMMUNE}
LEVELS_BACK = {v: k for k, v in LEVELS.items()}
POLICIES = {
    "anywhere_in_province": pb.BOUNDARY_POLICY_ANYWHERE_IN_PROVINCE,
    "anywhere_in_country": pb.BOUNDARY_POLICY_ANYWHERE_IN_COUNTRY,
    "competent_unit_only": pb.BOUNDARY_POLICY_COMPETENT_UNIT_ONLY,
}
POLICIES_BACK = {v: k for k, v in POLICIES.items()}






def enum_from_pb(value: int, known: dict[int, str], field: str) -> str:
    """An enum value as the application's string; UNSPECIFIED is "" (the
    application refuses it where a value is required, naming the field)."""
    if value == 0:
        return ""
    if value not in known:
        raise InvalidArgument.single(field, "ENUM_VALUE", f"unknown value {value}")
    return known[value]


def version_spec_from_pb(message: pb.ProcedureVersion, prefix: str) -> ProcedureVersionSpec:
    return ProcedureVersionSpec(
        effective_date=date_from_pb(message.effective_date, f"{prefix}effective_date"),
        name=message.name,
        sector=message.sector,
        competent_level=enum_from_pb(message.competent_level, LEVELS_BACK,
                                     f"{prefix}competent_level"),
        competent_agency_kind=message.competent_agency_kind,
        processing_working_days=message.processing_working_days,
        required_documents=tuple(
            RequiredDocument(d.name, d.copies, d.original_required)
            for d in message.required_documents),
        fee_vnd=message.fee_vnd,
        result_document_type=message.result_document_type,
        boundary_policy=enum_from_pb(message.boundary_policy, POLICIES_BACK,
                                     f"{prefix}boundary_policy"),
    )


def version_to_pb(version: ProcedureVersion) -> pb.ProcedureVersion:
    return pb.ProcedureVersion(
        version=version.version,
        effective_date=date_to_pb(version.effective_date),
        name=version.name,
        sector=version.sector,
        competent_level=LEVELS[version.competent_level],
        competent_agency_kind=version.competent_agency_kind,
        processing_working_days=version.processing_working_days,
        required_documents=[
            pb.RequiredDocument(name=d.name, copies=d.copies,
                                original_required=d.original_required)
            for d in version.required_documents],
        fee_vnd=version.fee_vnd,
        result_document_type=version.result_document_type,
        boundary_policy=POLICIES[version.boundary_policy],
    )


def procedure_to_pb(procedure: Procedure, as_of: dt.date) -> pb.Procedure:
    """The procedure with the version in force on ``as_of`` as current (unset before any)."""
    current = procedure.version_in_force(as_of)
    return pb.Procedure(
        procedure_code=procedure.procedure_code,
        versions=[version_to_pb(v) for v in procedure.versions],
        current_version=version_to_pb(current) if current is not None else None,
    )


def _required(request: Any, field: str) -> None:
    if not request.HasField(field):
        raise InvalidArgument.single(field, "REQUIRED", f"give the procedure's {field}")


class CatalogServicer(pb_grpc.CatalogServiceServicer):
    """Runs each call's application method in the thread pool."""

    def __init__(self, app: CatalogCommands) -> None:
        self.app = app

    async def _run(self, func: Any, *args: Any, **kwargs: Any) -> Any:
        return await asyncio.to_thread(func, *args, **kwargs)

    async def _procedure(self, command: Any, *args: Any, as_of: dt.date | None = None,
                         **kwargs: Any) -> pb.Procedure:
        """Run a command (or nothing), then read the procedure, in one trip to the pool."""
        def run() -> pb.Procedure:
            code = command(*args, **kwargs)
            return procedure_to_pb(self.app.get_procedure(code), as_of or self.app.today())
        return await self._run(run)

    async def CreateProcedure(self, request: pb.CreateProcedureRequest,  # noqa: N802
                              context: grpc.aio.ServicerContext) -> pb.Procedure:
        _required(request, "first_version")
        spec = version_spec_from_pb(request.first_version, "first_version.")
        return await self._procedure(
            self.app.create_procedure, request.procedure_code, spec,
            request_id=request.request_id, reason=request.reason)

    async def AddProcedureVersion(self, request: pb.AddProcedureVersionRequest,  # noqa: N802
                                  context: grpc.aio.ServicerContext) -> pb.Procedure:
        _required(request, "version")
        spec = version_spec_from_pb(request.version, "version.")

        def add(code: str, spec: ProcedureVersionSpec, **kwargs: Any) -> str:
            self.app.add_procedure_version(code, spec, **kwargs)
            return code
        return await self._procedure(add, request.procedure_code, spec,
                                     request_id=request.request_id, reason=request.reason)

    async def GetProcedure(self, request: pb.GetProcedureRequest,  # noqa: N802
                           context: grpc.aio.ServicerContext) -> pb.Procedure:
        as_of = date_from_pb(request.as_of, "as_of")
        return await self._procedure(lambda code: code, request.procedure_code, as_of=as_of)

    async def ListProcedures(self, request: pb.ListProceduresRequest,  # noqa: N802
                             context: grpc.aio.ServicerContext) -> pb.ListProceduresResponse:
        level = enum_from_pb(request.competent_level, LEVELS_BACK, "competent_level")

        def run() -> pb.ListProceduresResponse:
            procedures, token = self.app.list_procedures(
                sector=request.sector, competent_level=level, size=request.page_size,
                token=request.page_token)
            today = self.app.today()
            return pb.ListProceduresResponse(
                procedures=[procedure_to_pb(p, today) for p in procedures],
                next_page_token=token)
        return await self._run(run)


def add_catalog_to_server(app: CatalogCommands, server: grpc.aio.Server) -> list[str]:
    pb_grpc.add_CatalogServiceServicer_to_server(CatalogServicer(app), server)
    return [pb.DESCRIPTOR.services_by_name["CatalogService"].full_name]
