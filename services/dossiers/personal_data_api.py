"""The gRPC face of applicants' personal data: ``PersonalDataService``, and the applicant
as a ``Dossier`` answers it."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from lienthong.dossiers.v1 import dossiers_pb2 as pb
from lienthong.dossiers.v1 import personal_data_pb2 as personal_pb
from lienthong.dossiers.v1 import personal_data_pb2_grpc as personal_grpc
from lienthong.grpc.convert import timestamp_to_pb

if TYPE_CHECKING:
    import grpc

    from .application import DossiersApplication
    from .personal_data import ApplicantView


def applicant_to_pb(applicant: ApplicantView) -> pb.Applicant:
    return pb.Applicant(full_name=applicant.full_name,
                        personal_identification_number=applicant.personal_identification_number,
                        phone=applicant.phone, address=applicant.address,
                        erased=applicant.erased, subject_ref=applicant.subject_ref)


class PersonalDataServicer(personal_grpc.PersonalDataServiceServicer):
    def __init__(self, app: DossiersApplication) -> None:
        self.app = app

    async def ErasePersonalData(self, request: personal_pb.ErasePersonalDataRequest,  # noqa: N802
                                context: grpc.aio.ServicerContext,
                                ) -> personal_pb.ErasePersonalDataResponse:
        erasure = await asyncio.to_thread(
            self.app.erase_personal_data, request.personal_identification_number,
            request_id=request.request_id, reason=request.reason)
        return personal_pb.ErasePersonalDataResponse(
            subject_ref=erasure.subject_ref, key_destroyed=erasure.key_destroyed,
            erase_time=timestamp_to_pb(erasure.erased_at))


def add_personal_data_to_server(app: DossiersApplication, server: grpc.aio.Server) -> list[str]:
    personal_grpc.add_PersonalDataServiceServicer_to_server(PersonalDataServicer(app), server)
    return [personal_pb.DESCRIPTOR.services_by_name["PersonalDataService"].full_name]
