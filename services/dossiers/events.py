"""The events the dossiers service publishes (``lienthong/dossiers/v1/events.proto``).

Every domain event of a dossier and of a catalogue procedure is published,
each dossier event with the dossier's id, code and status (the portal's code
1-10) after the event. Not published (:data:`NOT_PUBLISHED`): the request
records of AIP-155 retries, the daily counters behind dossier codes, and the
units dossiers learns from identity's own stream.

Every dossier event carries the dossier's code and the status it leaves the
dossier in (``Dossier.Event``), every procedure event its procedure code, so
each message is read on its own.

The events that stop and resume the processing clock (a wait for the
applicant) carry its figures; those recorded before clocks stopped have none,
and their messages leave the fields unset.

The applicant's personal data travels only sealed (``sealed_applicant``, as the
event store holds it); the clear ``applicant`` fields stay empty, also for a
dossier recorded before applicants were sealed, whose message carries no
applicant at all. An erasure is published as ``PersonalDataErased`` (the
subject's reference only).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lienthong.dossiers.v1 import catalog_pb2 as catalog
from lienthong.dossiers.v1 import dossiers_pb2 as pb
from lienthong.dossiers.v1 import events_pb2 as ev
from lienthong.events.contract import Contract, PublishedEvent, fill_metadata
from lienthong.grpc.convert import date_to_pb, id_to_pb, timestamp_to_pb
from lienthong.personal import Sealed

from .domain.dossier import STATUS_AFTER, Status
from .domain.procedure import ProcedureVersion

if TYPE_CHECKING:

    from google.protobuf.message import Message

#: Domain events deliberately kept inside the service, with why.
NOT_PUBLISHED: dict[str, str] = {
    "DossierCounter.Opened": "numbering internals; the code is on DossierSubmitted",
    "DossierCounter.Issued": "numbering internals; the code is on DossierSubmitted",
    "KnownUnit.Learned": "identity's units, republished by identity itself",
    "KnownUnit.AgencyCodeAssigned": "identity's units, republished by identity itself",
    "KnownUnit.Renamed": "identity's units, republished by identity itself",
    "KnownUnit.Retired": "identity's units; the dossiers moved are DossierMovedOnReorganisation",
    "RequestRecord.Accepted": "AIP-155 retry bookkeeping, not a fact of the domain",
}

CHANNELS = {"counter": pb.CHANNEL_COUNTER, "online": pb.CHANNEL_ONLINE,
            "postal": pb.CHANNEL_POSTAL, "national_portal": pb.CHANNEL_NATIONAL_PORTAL}
TIMELINESS = {"early": pb.TIMELINESS_EARLY, "on_time": pb.TIMELINESS_ON_TIME,
              "late": pb.TIMELINESS_LATE}
COMPETENT_LEVELS = {"province": catalog.COMPETENT_LEVEL_PROVINCE,
                    "commune": catalog.COMPETENT_LEVEL_COMMUNE}
BOUNDARY_POLICIES = {
    "anywhere_in_province": catalog.BOUNDARY_POLICY_ANYWHERE_IN_PROVINCE,
    "anywhere_in_country": catalog.BOUNDARY_POLICY_ANYWHERE_IN_COUNTRY,
    "competent_unit_only": catalog.BOUNDARY_POLICY_COMPETENT_UNIT_ONLY,
}






def status_after(e: Any) -> Status | None:
    """The dossier's status after the event, or None when the event does not say."""
    carried = getattr(e, "status", None)  # once Dossier.Event carries it
    if carried is not None:
        return Status(int(carried))
    return STATUS_AFTER.get(type(e).__name__)


def _dossier(message_class: Any, e: Any, **fields: Any) -> Message:
    """A dossier event's message: metadata, id, code, status, then its own fields."""
    status = status_after(e)
    message = message_class(
        dossier_id=id_to_pb(e.originator_id), dossier_code=getattr(e, "dossier_code", "") or "",
        status=int(status) if status is not None else pb.DOSSIER_STATUS_UNSPECIFIED,
        **fields)
    fill_metadata(message.metadata, e)
    return message


def procedure_version_to_pb(version: ProcedureVersion) -> catalog.ProcedureVersion:
    return catalog.ProcedureVersion(
        version=version.version, effective_date=date_to_pb(version.effective_date),
        name=version.name, sector=version.sector,
        competent_level=COMPETENT_LEVELS.get(version.competent_level, 0),
        competent_agency_kind=version.competent_agency_kind,
        processing_working_days=version.processing_working_days,
        required_documents=[catalog.RequiredDocument(name=d.name, copies=d.copies,
                                                     original_required=d.original_required)
                            for d in version.required_documents],
        fee_vnd=version.fee_vnd, result_document_type=version.result_document_type,
        boundary_policy=BOUNDARY_POLICIES.get(version.boundary_policy, 0))


# -- dossiers ---------------------------------------------------------------------------

def sealed_to_pb(sealed: Sealed | None) -> ev.SealedPersonalData | None:
    if sealed is None:
        return None
    return ev.SealedPersonalData(subject_ref=sealed.subject, key_id=sealed.key_id,
                                 nonce=sealed.nonce, ciphertext=sealed.ciphertext,
                                 algorithm=sealed.algorithm)


def dossier_submitted(e: Any) -> Message:
    return _dossier(
        ev.DossierSubmitted, e, procedure_code=e.procedure_code,
        procedure_version=e.procedure_version, sector=e.sector,
        channel=CHANNELS.get(e.channel, pb.CHANNEL_UNSPECIFIED),
        sealed_applicant=sealed_to_pb(Sealed.from_dict(e.applicant)),
        receiving_unit_id=id_to_pb(e.receiving_unit_id),
        competent_unit_id=id_to_pb(e.competent_unit_id),
        processing_working_days=e.processing_working_days,
        submitted_documents=list(e.submitted_documents),
        submit_time=timestamp_to_pb(e.submitted_at))


def dossier_received(e: Any) -> Message:
    return _dossier(ev.DossierReceived, e, receive_time=timestamp_to_pb(e.received_at),
                    due_date=date_to_pb(e.due_date),
                    procedure_version=getattr(e, "procedure_version", None) or 0,
                    processing_working_days=getattr(e, "processing_working_days", None) or 0)


def dossier_refused_to_receive(e: Any) -> Message:
    return _dossier(ev.DossierRefusedToReceive, e)


def dossier_assigned(e: Any) -> Message:
    return _dossier(ev.DossierAssigned, e, handler=e.handler)


def _clock_stopped(e: Any) -> dict[str, Any]:
    return {"clock_stop_time": timestamp_to_pb(getattr(e, "clock_stopped_at", None))}


def _clock_resumed(e: Any) -> dict[str, Any]:
    """The figures of a wait's end: when it stopped and resumed, the days, the moved dates."""
    return {**_clock_stopped(e),
            "clock_resume_time": timestamp_to_pb(getattr(e, "clock_resumed_at", None)),
            "paused_working_days": getattr(e, "paused_working_days", None) or 0,
            "due_date": date_to_pb(getattr(e, "due_date", None)),
            "hop_due_date": date_to_pb(getattr(e, "hop_due_date", None))}


def dossier_supplement_requested(e: Any) -> Message:
    return _dossier(ev.DossierSupplementRequested, e,
                    missing_documents=list(e.missing_documents), **_clock_stopped(e))


def dossier_supplemented(e: Any) -> Message:
    return _dossier(ev.DossierSupplemented, e, documents=list(e.documents), **_clock_resumed(e))


def dossier_financial_obligation_required(e: Any) -> Message:
    return _dossier(ev.DossierFinancialObligationRequired, e, amount_vnd=e.amount_vnd,
                    **_clock_stopped(e))


def dossier_financial_obligation_fulfilled(e: Any) -> Message:
    return _dossier(ev.DossierFinancialObligationFulfilled, e, **_clock_resumed(e))


def dossier_transferred(e: Any) -> Message:
    return _dossier(ev.DossierTransferred, e, to_unit_id=id_to_pb(e.to_unit_id),
                    deadline_working_days=e.deadline_working_days,
                    hop_due_date=date_to_pb(e.hop_due_date), transfer_time=timestamp_to_pb(e.at))


def dossier_moved_on_reorganisation(e: Any) -> Message:
    return _dossier(ev.DossierMovedOnReorganisation, e, from_unit_id=id_to_pb(e.from_unit_id),
                    to_unit_id=id_to_pb(e.to_unit_id), effective_date=date_to_pb(e.effective_date),
                    move_time=timestamp_to_pb(e.at))


def dossier_paused(e: Any) -> Message:
    return _dossier(ev.DossierPaused, e)


def dossier_resumed(e: Any) -> Message:
    return _dossier(ev.DossierResumed, e)


def dossier_extended(e: Any) -> Message:
    return _dossier(ev.DossierExtended, e, new_due_date=date_to_pb(e.new_due_date),
                    apology_slip=e.apology_slip)


def dossier_approved(e: Any) -> Message:
    return _dossier(ev.DossierApproved, e, result_documents=list(e.result_documents),
                    decide_time=timestamp_to_pb(e.at))


def dossier_rejected(e: Any) -> Message:
    return _dossier(ev.DossierRejected, e, decide_time=timestamp_to_pb(e.at))


def dossier_result_returned(e: Any) -> Message:
    return _dossier(ev.DossierResultReturned, e, result_return_time=timestamp_to_pb(e.returned_at),
                    timeliness=TIMELINESS.get(e.timeliness, pb.TIMELINESS_UNSPECIFIED))


def dossier_withdrawn(e: Any) -> Message:
    return _dossier(ev.DossierWithdrawn, e, withdraw_time=timestamp_to_pb(e.at),
                    paused_working_days=getattr(e, "paused_working_days", None) or 0)


def dossier_stopped(e: Any) -> Message:
    return _dossier(ev.DossierStopped, e, stop_time=timestamp_to_pb(e.at),
                    paused_working_days=getattr(e, "paused_working_days", None) or 0)


# -- the catalogue ----------------------------------------------------------------------

def procedure_created(e: Any) -> Message:
    message = ev.ProcedureCreated(
        procedure_id=id_to_pb(e.originator_id), procedure_code=e.procedure_code,
        first_version=procedure_version_to_pb(ProcedureVersion.from_dict(e.first_version)))
    fill_metadata(message.metadata, e)
    return message


def procedure_version_added(e: Any) -> Message:
    message = ev.ProcedureVersionAdded(
        procedure_id=id_to_pb(e.originator_id),
        procedure_code=getattr(e, "procedure_code", "") or "",  # once the event carries it
        version=procedure_version_to_pb(ProcedureVersion.from_dict(e.version)))
    fill_metadata(message.metadata, e)
    return message


# -- personal data -----------------------------------------------------------------------

def personal_data_erased(e: Any) -> Message:
    message = ev.PersonalDataErased(subject_ref=e.subject, key_destroyed=e.key_destroyed,
                                    erase_time=timestamp_to_pb(e.erased_at))
    fill_metadata(message.metadata, e)
    return message


def _dossier_event(name: str, build: Any) -> PublishedEvent:
    return PublishedEvent(f"Dossier.{name}", "dossier", f"Dossier{name}", build)


CONTRACT = Contract("dossiers", [
    _dossier_event("Submitted", dossier_submitted),
    _dossier_event("Received", dossier_received),
    _dossier_event("RefusedToReceive", dossier_refused_to_receive),
    _dossier_event("Assigned", dossier_assigned),
    _dossier_event("SupplementRequested", dossier_supplement_requested),
    _dossier_event("Supplemented", dossier_supplemented),
    _dossier_event("FinancialObligationRequired", dossier_financial_obligation_required),
    _dossier_event("FinancialObligationFulfilled", dossier_financial_obligation_fulfilled),
    _dossier_event("Transferred", dossier_transferred),
    _dossier_event("MovedOnReorganisation", dossier_moved_on_reorganisation),
    _dossier_event("Paused", dossier_paused),
    _dossier_event("Resumed", dossier_resumed),
    _dossier_event("Extended", dossier_extended),
    _dossier_event("Approved", dossier_approved),
    _dossier_event("Rejected", dossier_rejected),
    _dossier_event("ResultReturned", dossier_result_returned),
    _dossier_event("Withdrawn", dossier_withdrawn),
    _dossier_event("Stopped", dossier_stopped),
    PublishedEvent("Procedure.Created", "procedure", "ProcedureCreated", procedure_created),
    PublishedEvent("Procedure.VersionAdded", "procedure", "ProcedureVersionAdded",
                   procedure_version_added),
    PublishedEvent("PersonalDataErasure.Erased", "personal_data", "PersonalDataErased",
                   personal_data_erased),
])
"""The dossiers service's published events, for its outbox relay."""
