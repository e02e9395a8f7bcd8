"""The gRPC face of the dossiers application: translation only."""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Any

from lienthong.audit.servicer import add_audit_service
from lienthong.dossiers.v1 import dossiers_pb2 as pb
from lienthong.dossiers.v1 import dossiers_pb2_grpc as pb_grpc
from lienthong.errors import InvalidArgument
from lienthong.grpc.convert import date_from_pb, date_to_pb, timestamp_to_pb
from lienthong.validation import parse_uuid

from .application import DossierAnswer
from .catalog_api import add_catalog_to_server
from .domain.applicant import Applicant
from .domain.dossier import Dossier, Status
from .personal_data_api import add_personal_data_to_server, applicant_to_pb
from .projections import DossierFilter, UnitStatistics

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Callable

    import grpc

    from .application import DossiersApplication
    from .personal_data import ApplicantView

CHANNELS = {pb.CHANNEL_COUNTER: "counter", pb.CHANNEL_ONLINE: "online",
            pb.CHANNEL_POSTAL: "postal", pb.CHANNEL_NATIONAL_PORTAL: "national_portal"}
CHANNELS_BACK = {v: k for k, v in CHANNELS.items()}
OUTCOMES = {"approved": pb.OUTCOME_APPROVED, "rejected": pb.OUTCOME_REJECTED}
TIMELINESS = {"early": pb.TIMELINESS_EARLY, "on_time": pb.TIMELINESS_ON_TIME,
              "late": pb.TIMELINESS_LATE}
CLOCK_STOP_KINDS = {"supplement": pb.CLOCK_STOP_KIND_SUPPLEMENT,
                    "financial_obligation": pb.CLOCK_STOP_KIND_FINANCIAL_OBLIGATION}








def dossier_to_pb(dossier: Dossier, today: dt.date, applicant: ApplicantView) -> pb.Dossier:
    return pb.Dossier(
        dossier_id=str(dossier.id), dossier_code=dossier.dossier_code,
        procedure_code=dossier.procedure_code, procedure_version=dossier.procedure_version,
        sector=dossier.sector, channel=CHANNELS_BACK.get(dossier.channel, 0),
        applicant=applicant_to_pb(applicant),
        receiving_unit_id=str(dossier.receiving_unit_id),
        competent_unit_id=str(dossier.competent_unit_id),
        holder_unit_id=str(dossier.holder_unit_id), status=int(dossier.status),
        submit_time=timestamp_to_pb(dossier.submitted_at),
        receive_time=timestamp_to_pb(dossier.received_at),
        due_date=date_to_pb(dossier.due_date), paused=dossier.paused,
        submitted_documents=dossier.submitted_documents,
        result_documents=dossier.result_documents,
        outcome=OUTCOMES.get(dossier.outcome, 0), timeliness=TIMELINESS.get(dossier.timeliness, 0),
        result_return_time=timestamp_to_pb(dossier.returned_at),
        hops=[pb.Hop(unit_id=str(h.unit_id), start_time=timestamp_to_pb(h.started_at),
                     end_time=timestamp_to_pb(h.ended_at),
                     deadline_working_days=h.deadline_working_days,
                     due_date=date_to_pb(h.due_date), handler=h.handler)
              for h in dossier.hops],
        overdue=dossier.is_overdue(today), version=dossier.version,
        clock_stops=[pb.ClockStop(start_time=timestamp_to_pb(s.started_at),
                                  end_time=timestamp_to_pb(s.ended_at),
                                  kind=CLOCK_STOP_KINDS.get(s.kind, 0),
                                  paused_working_days=s.paused_working_days)
                     for s in dossier.clock_stops],
        paused_working_days=dossier.paused_working_days,
    )


class DossierServicer(pb_grpc.DossierServiceServicer):
    """Each call runs its application method and answers the dossier it returns, in one
    thread hop: a command's answer is the dossier as it saved it, not read back."""

    def __init__(self, app: DossiersApplication) -> None:
        self.app = app

    async def _then_dossier(self, command: Callable[..., DossierAnswer], *args: Any,
                            **kwargs: Any) -> pb.Dossier:
        def run() -> pb.Dossier:
            answer = command(*args, **kwargs)
            applicant = (answer.applicant if answer.applicant is not None
                         else self.app.applicant_of(answer.dossier))
            return dossier_to_pb(answer.dossier, self.app.today(), applicant)
        return await asyncio.to_thread(run)

    async def SubmitDossier(self, request: pb.SubmitDossierRequest,  # noqa: N802
                            context: grpc.aio.ServicerContext) -> pb.Dossier:
        applicant = request.applicant
        return await self._then_dossier(
            self.app.submit_dossier_answer, procedure_code=request.procedure_code,
            channel=CHANNELS.get(request.channel, ""),
            applicant=Applicant(applicant.full_name, applicant.personal_identification_number,
                                applicant.phone, applicant.address),
            receiving_unit_id=request.receiving_unit_id,
            competent_unit_id=request.competent_unit_id,
            submitted_documents=list(request.submitted_documents),
            request_id=request.request_id, reason=request.reason)

    async def ReceiveDossier(self, request: pb.ReceiveDossierRequest,  # noqa: N802
                             context: grpc.aio.ServicerContext) -> pb.Dossier:
        return await self._then_dossier(self.app.receive_dossier_answer, request.dossier_id,
                                        request_id=request.request_id, reason=request.reason)

    async def RefuseToReceiveDossier(self, request: pb.RefuseToReceiveDossierRequest,  # noqa: N802
                                     context: grpc.aio.ServicerContext) -> pb.Dossier:
        return await self._then_dossier(self.app.refuse_to_receive_dossier_answer,
                                        request.dossier_id, request_id=request.request_id,
                                        reason=request.reason)

    async def AssignDossier(self, request: pb.AssignDossierRequest,  # noqa: N802
                            context: grpc.aio.ServicerContext) -> pb.Dossier:
        return await self._then_dossier(self.app.assign_dossier_answer, request.dossier_id,
                                        request.handler, request_id=request.request_id,
                                        reason=request.reason)

    async def RequestSupplement(self, request: pb.RequestSupplementRequest,  # noqa: N802
                                context: grpc.aio.ServicerContext) -> pb.Dossier:
        return await self._then_dossier(self.app.request_supplement_answer, request.dossier_id,
                                        list(request.missing_documents),
                                        request_id=request.request_id, reason=request.reason)

    async def SupplementDossier(self, request: pb.SupplementDossierRequest,  # noqa: N802
                                context: grpc.aio.ServicerContext) -> pb.Dossier:
        return await self._then_dossier(self.app.supplement_dossier_answer, request.dossier_id,
                                        list(request.documents),
                                        request_id=request.request_id, reason=request.reason)

    async def RequireFinancialObligation(  # noqa: N802
            self, request: pb.RequireFinancialObligationRequest,
            context: grpc.aio.ServicerContext) -> pb.Dossier:
        return await self._then_dossier(self.app.require_financial_obligation_answer,
                                        request.dossier_id, request.amount_vnd,
                                        request_id=request.request_id, reason=request.reason)

    async def FulfilFinancialObligation(  # noqa: N802
            self, request: pb.FulfilFinancialObligationRequest,
            context: grpc.aio.ServicerContext) -> pb.Dossier:
        return await self._then_dossier(self.app.fulfil_financial_obligation_answer,
                                        request.dossier_id, request_id=request.request_id,
                                        reason=request.reason)

    async def TransferDossier(self, request: pb.TransferDossierRequest,  # noqa: N802
                              context: grpc.aio.ServicerContext) -> pb.Dossier:
        return await self._then_dossier(self.app.transfer_dossier_answer, request.dossier_id,
                                        request.to_unit_id, request.deadline_working_days,
                                        request_id=request.request_id, reason=request.reason)

    async def PauseDossier(self, request: pb.PauseDossierRequest,  # noqa: N802
                           context: grpc.aio.ServicerContext) -> pb.Dossier:
        return await self._then_dossier(self.app.pause_dossier_answer, request.dossier_id,
                                        request_id=request.request_id, reason=request.reason)

    async def ResumeDossier(self, request: pb.ResumeDossierRequest,  # noqa: N802
                            context: grpc.aio.ServicerContext) -> pb.Dossier:
        return await self._then_dossier(self.app.resume_dossier_answer, request.dossier_id,
                                        request_id=request.request_id, reason=request.reason)

    async def ExtendDossier(self, request: pb.ExtendDossierRequest,  # noqa: N802
                            context: grpc.aio.ServicerContext) -> pb.Dossier:
        return await self._then_dossier(
            self.app.extend_dossier_answer, request.dossier_id,
            date_from_pb(request.new_due_date, "new_due_date"), request.apology_slip,
            request_id=request.request_id, reason=request.reason)

    async def ApproveDossier(self, request: pb.ApproveDossierRequest,  # noqa: N802
                             context: grpc.aio.ServicerContext) -> pb.Dossier:
        return await self._then_dossier(self.app.approve_dossier_answer, request.dossier_id,
                                        list(request.result_documents),
                                        request_id=request.request_id, reason=request.reason)

    async def RejectDossier(self, request: pb.RejectDossierRequest,  # noqa: N802
                            context: grpc.aio.ServicerContext) -> pb.Dossier:
        return await self._then_dossier(self.app.reject_dossier_answer, request.dossier_id,
                                        request_id=request.request_id, reason=request.reason)

    async def ReturnResult(self, request: pb.ReturnResultRequest,  # noqa: N802
                           context: grpc.aio.ServicerContext) -> pb.Dossier:
        return await self._then_dossier(self.app.return_result_answer, request.dossier_id,
                                        request_id=request.request_id, reason=request.reason)

    async def WithdrawDossier(self, request: pb.WithdrawDossierRequest,  # noqa: N802
                              context: grpc.aio.ServicerContext) -> pb.Dossier:
        return await self._then_dossier(self.app.withdraw_dossier_answer, request.dossier_id,
                                        request_id=request.request_id, reason=request.reason)

    async def StopDossier(self, request: pb.StopDossierRequest,  # noqa: N802
                          context: grpc.aio.ServicerContext) -> pb.Dossier:
        return await self._then_dossier(self.app.stop_dossier_answer, request.dossier_id,
                                        request_id=request.request_id, reason=request.reason)

    async def GetDossier(self, request: pb.GetDossierRequest,  # noqa: N802
                         context: grpc.aio.ServicerContext) -> pb.Dossier:
        return await self._then_dossier(
            lambda d: DossierAnswer(self.app.get_dossier(d)), request.dossier_id)

    async def ListDossiers(self, request: pb.ListDossiersRequest,  # noqa: N802
                           context: grpc.aio.ServicerContext) -> pb.ListDossiersResponse:
        if request.status and request.status not in Status._value2member_map_:
            raise InvalidArgument.single("status", "ENUM_VALUE", f"unknown status {request.status}")
        dossier_filter = DossierFilter(
            holder_unit_id=parse_uuid(request.holder_unit_id, "holder_unit_id")
            if request.holder_unit_id else None,
            status=Status(request.status) if request.status else None,
            overdue_only=request.overdue_only, procedure_code=request.procedure_code,
            submitted_from=date_from_pb(request.submitted_from, "submitted_from"),
            submitted_to=date_from_pb(request.submitted_to, "submitted_to"))

        def run() -> pb.ListDossiersResponse:
            dossiers, token, total = self.app.list_dossiers(
                dossier_filter, size=request.page_size, token=request.page_token)
            today = self.app.today()
            return pb.ListDossiersResponse(
                dossiers=[dossier_to_pb(d, today, applicant) for d, applicant
                          in zip(dossiers, self.app.applicants_of(dossiers), strict=True)],
                next_page_token=token, total_size=total)
        return await asyncio.to_thread(run)

    async def GetDossierHistory(self, request: pb.GetDossierHistoryRequest,  # noqa: N802
                                context: grpc.aio.ServicerContext,
                                ) -> pb.GetDossierHistoryResponse:
        def read() -> list[tuple[Any, dict[str, Any]]]:
            # The applicant is opened here too: its key is read from the event store.
            return [(item, self.app.history_payload(item))
                    for item in self.app.dossier_history(request.dossier_id)]

        items = await asyncio.to_thread(read)
        return pb.GetDossierHistoryResponse(entries=[
            pb.DossierHistoryEntry(
                version=item.version, event_type=item.event_type,
                recorded_time=timestamp_to_pb(item.recorded_at),
                actor=item.metadata.get("actor", ""),
                actor_agency_code=item.metadata.get("actor_agency_code", ""),
                request_id=item.metadata.get("request_id", ""),
                correlation_id=item.metadata.get("correlation_id", ""),
                causation_id=item.metadata.get("causation_id", ""),
                reason=item.metadata.get("reason", ""), status_after=item.status_after,
                payload_json=json.dumps(payload, ensure_ascii=False, sort_keys=True))
            for item, payload in items])

    async def ListUnitStatistics(self, request: pb.ListUnitStatisticsRequest,  # noqa: N802
                                 context: grpc.aio.ServicerContext,
                                 ) -> pb.ListUnitStatisticsResponse:
        stats, token, total = await asyncio.to_thread(
            self.app.province_unit_statistics, request.province_unit_id,
            size=request.page_size, token=request.page_token)
        return pb.ListUnitStatisticsResponse(
            unit_statistics=[statistics_to_pb(s) for s in stats], next_page_token=token,
            total_size=total)


def statistics_to_pb(stats: UnitStatistics) -> pb.UnitStatistics:
    """on_time_rate stays unset (never NaN) while no result has been returned."""
    return pb.UnitStatistics(
        unit_id=str(stats.unit_id), received=stats.received, open=stats.open,
        overdue=stats.overdue, returned_early=stats.early, returned_on_time=stats.on_time,
        returned_late=stats.late, on_time_rate=stats.on_time_rate)


def add_to_server(app: DossiersApplication, server: grpc.aio.Server) -> list[str]:
    pb_grpc.add_DossierServiceServicer_to_server(DossierServicer(app), server)
    return [pb.DESCRIPTOR.services_by_name["DossierService"].full_name,
            *add_catalog_to_server(app, server), *add_audit_service(app, server),
            *add_personal_data_to_server(app, server)]
