"""The gRPC face of the identity application: translation only.

Protobuf in, primitives to the application, views back out as protobuf.
Errors travel as lienthong errors and the interceptor turns them into
statuses.
"""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Any

from google.protobuf import timestamp_pb2

from lienthong.audit.servicer import add_audit_service
from lienthong.errors import InvalidArgument
from lienthong.grpc.convert import date_from_pb, date_to_pb
from lienthong.identity.v1 import identity_pb2 as pb
from lienthong.identity.v1 import identity_pb2_grpc as pb_grpc
from lienthong.validation import parse_uuid

from .application import DivisionOrder, DivisionTarget, IdentityApplication, NewUnitSpec
from .domain.codes import Level
from .domain.unit import Kind
from .projections import UnitFilter

if TYPE_CHECKING:
    import grpc

    from .projections import Change, Resolution, UnitView

LEVELS = {Level.PROVINCE: pb.UNIT_LEVEL_PROVINCE, Level.DISTRICT: pb.UNIT_LEVEL_DISTRICT,
          Level.COMMUNE: pb.UNIT_LEVEL_COMMUNE, Level.AGENCY: pb.UNIT_LEVEL_AGENCY}
LEVELS_BACK = {v: k for k, v in LEVELS.items()}
KINDS = {Kind[pb.UnitKind.Name(v).removeprefix("UNIT_KIND_")]: v
         for v in pb.UnitKind.values() if v != pb.UNIT_KIND_UNSPECIFIED}
KINDS_BACK = {v: k for k, v in KINDS.items()}
STATUSES = {"active": pb.UNIT_STATUS_ACTIVE, "merged": pb.UNIT_STATUS_MERGED,
            "divided": pb.UNIT_STATUS_DIVIDED, "dissolved": pb.UNIT_STATUS_DISSOLVED}
STATUSES_BACK = {v: k for k, v in STATUSES.items()}
CHANGES = {"registered": pb.CHANGE_KIND_REGISTERED, "renamed": pb.CHANGE_KIND_RENAMED,
           "merged": pb.CHANGE_KIND_MERGED, "divided": pb.CHANGE_KIND_DIVIDED,
           "dissolved": pb.CHANGE_KIND_DISSOLVED, "absorbed": pb.CHANGE_KIND_ABSORBED,
           "agency_code_assigned": pb.CHANGE_KIND_AGENCY_CODE_ASSIGNED}






def level_from_pb(value: int, field: str = "level") -> str:
    if value == pb.UNIT_LEVEL_UNSPECIFIED:
        return ""
    if value not in LEVELS_BACK:
        raise InvalidArgument.single(field, "ENUM_VALUE", f"unknown level {value}")
    return LEVELS_BACK[value].value


def kind_from_pb(value: int, field: str = "kind") -> str:
    if value not in KINDS_BACK:
        raise InvalidArgument.single(field, "KIND_REQUIRED",
                                     "must be one of the UnitKind values (not UNSPECIFIED)")
    return KINDS_BACK[value].value


def new_unit_spec(message: pb.NewUnit | pb.RegisterUnitRequest, prefix: str = "") -> NewUnitSpec:
    return NewUnitSpec(
        display_name=message.display_name,
        kind=kind_from_pb(message.kind, f"{prefix}kind"),
        level=level_from_pb(message.level, f"{prefix}level"),
        administrative_unit_code=message.administrative_unit_code,
        agency_code=message.agency_code,
        parent_id=message.parent_unit_id,
    )


def division_targets(request: pb.DivideUnitRequest,
                     prefix: str = "") -> tuple[DivisionTarget, ...]:
    targets = []
    for i, successor in enumerate(request.successors):
        which = successor.WhichOneof("target")
        targets.append(DivisionTarget(
            unit_id=successor.unit_id if which == "unit_id" else "",
            new_unit=new_unit_spec(successor.new_unit, f"{prefix}successors[{i}].new_unit.")
            if which == "new_unit" else None,
            is_default=successor.is_default))
    return tuple(targets)


def unit_to_pb(unit: UnitView) -> pb.Unit:
    return pb.Unit(
        unit_id=str(unit.unit_id), display_name=unit.display_name, level=LEVELS[unit.level],
        kind=KINDS[unit.kind], administrative_unit_code=unit.administrative_unit_code,
        agency_code=unit.agency_code,
        parent_unit_id=str(unit.parent_id) if unit.parent_id else "",
        province_unit_id=str(unit.province_id) if unit.province_id else "",
        status=STATUSES[unit.status], effective_date=date_to_pb(unit.effective_date),
        retired_date=date_to_pb(unit.retired_date),
        successors=[pb.Successor(unit_id=str(s.unit_id), is_default=s.is_default)
                    for s in unit.successors],
        predecessor_unit_ids=[str(p) for p in unit.predecessor_ids],
        version=unit.version,
        agency_code_provisional=unit.agency_code_provisional,
        agency_codes=[pb.AgencyCodeHolding(
            agency_code=h.agency_code, effective_date=date_to_pb(h.since),
            provisional=h.provisional, decision_number=h.decision_number,
            decision_date=date_to_pb(h.decision_date)) for h in unit.agency_codes],
    )


def change_to_pb(change: Change) -> pb.LineageChange:
    return pb.LineageChange(
        kind=CHANGES[change.kind], unit_id=str(change.unit_id),
        display_name=change.display_name,
        successors=[pb.Successor(unit_id=str(s.unit_id), is_default=s.is_default)
                    for s in change.successors],
        effective_date=date_to_pb(change.effective_date),
        agency_code=change.agency_code,
        agency_code_provisional=change.agency_code_provisional,
    )


def resolution_to_pb(resolution: Resolution) -> pb.ResolveUnitResponse:
    return pb.ResolveUnitResponse(
        named_unit=unit_to_pb(resolution.named),
        current_units=[unit_to_pb(u) for u in resolution.current],
        default_unit_id=str(resolution.default_unit_id),
        chain=[change_to_pb(c) for c in resolution.chain],
    )


class IdentityServicer(pb_grpc.IdentityServiceServicer):
    """Runs each call's application method in the thread pool."""

    def __init__(self, app: IdentityApplication) -> None:
        self.app = app

    async def _run(self, func: Any, *args: Any, **kwargs: Any) -> Any:
        return await asyncio.to_thread(func, *args, **kwargs)

    async def _unit(self, unit_id: Any) -> pb.Unit:
        return unit_to_pb(await self._run(self.app.get_unit, unit_id))

    async def _command_then_unit(self, command: Any, *args: Any, **kwargs: Any) -> pb.Unit:
        """Run a command and read its unit back in one trip to the thread pool."""
        def run() -> Any:
            return self.app.get_unit(command(*args, **kwargs))
        return unit_to_pb(await self._run(run))

    async def RegisterUnit(self, request: pb.RegisterUnitRequest,  # noqa: N802
                           context: grpc.aio.ServicerContext) -> pb.Unit:
        return await self._command_then_unit(
            self.app.register_unit, new_unit_spec(request),
            effective_date=date_from_pb(request.effective_date, "effective_date"),
            request_id=request.request_id, reason=request.reason)

    async def GetUnit(self, request: pb.GetUnitRequest,  # noqa: N802
                      context: grpc.aio.ServicerContext) -> pb.Unit:
        return await self._unit(request.unit_id)

    async def ListUnits(self, request: pb.ListUnitsRequest,  # noqa: N802
                        context: grpc.aio.ServicerContext) -> pb.ListUnitsResponse:
        level = level_from_pb(request.level)
        for name, value, known in (("kind", request.kind, KINDS_BACK),
                                   ("status", request.status, STATUSES_BACK)):
            if value and value not in known:
                raise InvalidArgument.single(name, "ENUM_VALUE", f"unknown {name} {value}")
        unit_filter = UnitFilter(
            level=Level(level) if level else None,
            kind=KINDS_BACK.get(request.kind),
            parent_id=parse_uuid(request.parent_unit_id, "parent_unit_id")
            if request.parent_unit_id else None,
            province_id=parse_uuid(request.province_unit_id, "province_unit_id")
            if request.province_unit_id else None,
            status=STATUSES_BACK.get(request.status),
        )
        units, token, total = await self._run(self.app.list_units, unit_filter,
                                              size=request.page_size, token=request.page_token)
        return pb.ListUnitsResponse(units=[unit_to_pb(u) for u in units],
                                    next_page_token=token, total_size=total)

    async def SearchUnits(self, request: pb.SearchUnitsRequest,  # noqa: N802
                          context: grpc.aio.ServicerContext) -> pb.SearchUnitsResponse:
        level = level_from_pb(request.level)
        units, token = await self._run(
            self.app.search_units, request.query, include_retired=request.include_retired,
            level=Level(level) if level else None, size=request.page_size,
            token=request.page_token)
        return pb.SearchUnitsResponse(units=[unit_to_pb(u) for u in units],
                                      next_page_token=token)

    async def RenameUnit(self, request: pb.RenameUnitRequest,  # noqa: N802
                         context: grpc.aio.ServicerContext) -> pb.Unit:
        return await self._command_then_unit(
            self.app.rename_unit, request.unit_id, request.display_name,
            effective_date=date_from_pb(request.effective_date, "effective_date"),
            request_id=request.request_id, reason=request.reason)

    async def MergeUnits(self, request: pb.MergeUnitsRequest,  # noqa: N802
                         context: grpc.aio.ServicerContext) -> pb.MergeUnitsResponse:
        which = request.WhichOneof("successor")
        successor_id, source_ids = await self._run(
            self.app.merge_units, list(request.source_unit_ids),
            successor_id=request.successor_unit_id if which == "successor_unit_id" else "",
            new_successor=new_unit_spec(request.new_successor, "new_successor.")
            if which == "new_successor" else None,
            effective_date=date_from_pb(request.effective_date, "effective_date"),
            request_id=request.request_id, reason=request.reason)
        return pb.MergeUnitsResponse(successor=await self._unit(successor_id),
                                     sources=[await self._unit(s) for s in source_ids])

    async def DivideUnit(self, request: pb.DivideUnitRequest,  # noqa: N802
                         context: grpc.aio.ServicerContext) -> pb.DivideUnitResponse:
        _, successor_ids = await self._run(
            self.app.divide_unit, request.unit_id, division_targets(request),
            effective_date=date_from_pb(request.effective_date, "effective_date"),
            request_id=request.request_id, reason=request.reason)
        return pb.DivideUnitResponse(source=await self._unit(request.unit_id),
                                     successors=[await self._unit(s) for s in successor_ids])

    async def BatchDivideUnits(self, request: pb.BatchDivideUnitsRequest,  # noqa: N802
                               context: grpc.aio.ServicerContext) -> pb.BatchDivideUnitsResponse:
        orders = []
        for n, division in enumerate(request.divisions):
            for name in ("request_id", "reason"):
                if getattr(division, name):
                    raise InvalidArgument.single(f"divisions[{n}].{name}", "SET_ON_BATCH",
                                                 f"give {name} once, on the batch")
            if division.HasField("effective_date"):
                raise InvalidArgument.single(f"divisions[{n}].effective_date", "SET_ON_BATCH",
                                             "give effective_date once, on the batch")
            orders.append(DivisionOrder(division.unit_id,
                                        division_targets(division, f"divisions[{n}].")))
        results = await self._run(
            self.app.divide_units, orders,
            effective_date=date_from_pb(request.effective_date, "effective_date"),
            request_id=request.request_id, reason=request.reason)
        return pb.BatchDivideUnitsResponse(divisions=[
            pb.DivideUnitResponse(source=await self._unit(order.unit_id),
                                  successors=[await self._unit(s) for s in successor_ids])
            for order, (_, successor_ids) in zip(orders, results, strict=True)
        ])

    async def AssignAgencyCode(self, request: pb.AssignAgencyCodeRequest,  # noqa: N802
                               context: grpc.aio.ServicerContext) -> pb.Unit:
        return await self._command_then_unit(
            self.app.assign_agency_code, request.unit_id, request.agency_code,
            effective_date=date_from_pb(request.effective_date, "effective_date"),
            provisional=request.provisional, decision_number=request.decision_number,
            decision_date=date_from_pb(request.decision_date, "decision_date"),
            request_id=request.request_id, reason=request.reason)

    async def DissolveUnit(self, request: pb.DissolveUnitRequest,  # noqa: N802
                           context: grpc.aio.ServicerContext) -> pb.Unit:
        return await self._command_then_unit(
            self.app.dissolve_unit, request.unit_id, request.records_successor_unit_id,
            effective_date=date_from_pb(request.effective_date, "effective_date"),
            request_id=request.request_id, reason=request.reason)

    async def ResolveUnit(self, request: pb.ResolveUnitRequest,  # noqa: N802
                          context: grpc.aio.ServicerContext) -> pb.ResolveUnitResponse:
        as_of = date_from_pb(request.as_of, "as_of")
        return resolution_to_pb(await self._run(self.app.resolve_unit, request.code, as_of))

    async def GetUnitHistory(self, request: pb.GetUnitHistoryRequest,  # noqa: N802
                             context: grpc.aio.ServicerContext) -> pb.GetUnitHistoryResponse:
        items = await self._run(self.app.unit_history, request.unit_id)
        entries = []
        for item in items:
            recorded = timestamp_pb2.Timestamp()
            recorded.FromDatetime(item.recorded_at)
            entries.append(pb.HistoryEntry(
                version=item.version, event_type=item.event_type, recorded_time=recorded,
                effective_date=date_to_pb(item.effective_date),
                actor=item.metadata.get("actor", ""),
                actor_agency_code=item.metadata.get("actor_agency_code", ""),
                request_id=item.metadata.get("request_id", ""),
                correlation_id=item.metadata.get("correlation_id", ""),
                causation_id=item.metadata.get("causation_id", ""),
                trace_id=item.metadata.get("trace_id", ""),
                reason=item.metadata.get("reason", ""),
                payload_json=json.dumps(item.payload, ensure_ascii=False, sort_keys=True),
            ))
        return pb.GetUnitHistoryResponse(entries=entries)


def add_to_server(app: IdentityApplication, server: grpc.aio.Server) -> list[str]:
    pb_grpc.add_IdentityServiceServicer_to_server(IdentityServicer(app), server)
    return [pb.DESCRIPTOR.services_by_name["IdentityService"].full_name,
            *add_audit_service(app, server)]
