"""The events the identity service publishes (``lienthong/identity/v1/events.proto``).

Every domain event of a unit and of the two code registers is published;
the request records of AIP-155 retries (``RequestRecord.Accepted``) are not.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lienthong.events.contract import Contract, PublishedEvent, fill_metadata
from lienthong.grpc.convert import date_to_pb, id_to_pb, ids_to_pb
from lienthong.identity.v1 import events_pb2 as ev
from lienthong.identity.v1 import identity_pb2 as pb

if TYPE_CHECKING:

    from google.protobuf.message import Message

LEVELS = {"province": pb.UNIT_LEVEL_PROVINCE, "district": pb.UNIT_LEVEL_DISTRICT,
          "commune": pb.UNIT_LEVEL_COMMUNE, "agency": pb.UNIT_LEVEL_AGENCY}


_KINDS = {name.removeprefix("UNIT_KIND_").lower(): number
          for name, number in pb.UnitKind.items()}


def _kind(kind: str) -> int:
    try:
        return _KINDS[kind]
    except KeyError:
        raise ValueError(f"unknown unit kind {kind!r}") from None





def _with_metadata(message: Message, event: Any) -> Message:
    fill_metadata(message.metadata, event)  # type: ignore[attr-defined]
    return message


def unit_registered(e: Any) -> Message:
    return _with_metadata(ev.UnitRegistered(
        unit_id=id_to_pb(e.originator_id), display_name=e.display_name, level=LEVELS[e.level],
        kind=_kind(e.kind), administrative_unit_code=e.administrative_unit_code,
        agency_code=e.agency_code, parent_unit_id=id_to_pb(e.parent_id),
        province_unit_id=id_to_pb(e.province_id), effective_date=date_to_pb(e.effective_date),
        predecessor_unit_ids=ids_to_pb(e.predecessor_ids)), e)


def unit_renamed(e: Any) -> Message:
    return _with_metadata(ev.UnitRenamed(
        unit_id=id_to_pb(e.originator_id), display_name=e.display_name,
        effective_date=date_to_pb(e.effective_date)), e)


def unit_agency_code_assigned(e: Any) -> Message:
    return _with_metadata(ev.AgencyCodeAssigned(
        unit_id=id_to_pb(e.originator_id), agency_code=e.agency_code,
        previous_agency_code=e.previous_agency_code,
        effective_date=date_to_pb(e.effective_date), provisional=e.provisional,
        decision_number=e.decision_number, decision_date=date_to_pb(e.decision_date)), e)


def unit_absorbed(e: Any) -> Message:
    return _with_metadata(ev.UnitAbsorbed(
        unit_id=id_to_pb(e.originator_id), predecessor_unit_ids=ids_to_pb(e.predecessor_ids),
        effective_date=date_to_pb(e.effective_date)), e)


def unit_merged_into(e: Any) -> Message:
    return _with_metadata(ev.UnitMergedInto(
        unit_id=id_to_pb(e.originator_id), successor_unit_id=id_to_pb(e.successor_id),
        effective_date=date_to_pb(e.effective_date)), e)


def unit_divided(e: Any) -> Message:
    return _with_metadata(ev.UnitDivided(
        unit_id=id_to_pb(e.originator_id), successor_unit_ids=ids_to_pb(e.successor_ids),
        default_successor_unit_id=id_to_pb(e.default_successor_id),
        effective_date=date_to_pb(e.effective_date)), e)


def unit_dissolved(e: Any) -> Message:
    return _with_metadata(ev.UnitDissolved(
        unit_id=id_to_pb(e.originator_id),
        records_successor_unit_id=id_to_pb(e.records_successor_id),
        effective_date=date_to_pb(e.effective_date)), e)


def agency_code_issued(e: Any) -> Message:
    return _with_metadata(ev.AgencyCodeIssued(agency_code=e.code, unit_id=id_to_pb(e.unit_id)), e)


def administrative_code_issued(e: Any) -> Message:
    return _with_metadata(ev.AdministrativeCodeIssued(
        administrative_unit_code=e.code, unit_id=id_to_pb(e.unit_id),
        effective_date=date_to_pb(e.since)), e)


def administrative_code_carried_on(e: Any) -> Message:
    return _with_metadata(ev.AdministrativeCodeCarriedOn(
        administrative_unit_code=e.code, unit_id=id_to_pb(e.unit_id),
        from_unit_id=id_to_pb(e.from_unit_id), effective_date=date_to_pb(e.since)), e)


CONTRACT = Contract("identity", [
    PublishedEvent("Unit.Registered", "unit", "UnitRegistered", unit_registered),
    PublishedEvent("Unit.Renamed", "unit", "UnitRenamed", unit_renamed),
    PublishedEvent("Unit.AgencyCodeAssigned", "unit", "AgencyCodeAssigned",
                   unit_agency_code_assigned),
    PublishedEvent("Unit.Absorbed", "unit", "UnitAbsorbed", unit_absorbed),
    PublishedEvent("Unit.MergedInto", "unit", "UnitMergedInto", unit_merged_into),
    PublishedEvent("Unit.Divided", "unit", "UnitDivided", unit_divided),
    PublishedEvent("Unit.Dissolved", "unit", "UnitDissolved", unit_dissolved),
    PublishedEvent("AgencyCodeClaim.Issued", "agency_code", "AgencyCodeIssued",
                   agency_code_issued),
    PublishedEvent("AdministrativeCodeRegister.Issued", "administrative_code",
                   "AdministrativeCodeIssued", administrative_code_issued),
    PublishedEvent("AdministrativeCodeRegister.CarriedOn", "administrative_code",
                   "AdministrativeCodeCarriedOn", administrative_code_carried_on),
])
"""The identity service's published events, for its outbox relay."""
