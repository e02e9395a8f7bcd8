"""What signatures does when identity tells it about units.

Registered units are remembered as :class:`KnownUnit` (an official's certificate
names their unit's name and agency code). When a unit is merged, divided or
dissolved, every credential bound to it is revoked with the reason
``affiliationChanged`` as of the moment the service learns of it, and its official is
listed for re-issue under the unit that carries it on: in the same transaction as the
tracking record of identity's event. A revocation is never back-dated to the
reorganisation's day: what was signed before it stays valid.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING

from lienthong.events.consumer import ConsumedEvent, ConsumerRunner, Handlers
from lienthong.identity.v1 import events_pb2 as identity_events
from lienthong.identity.v1 import identity_pb2

from .domain.units import KnownUnit

if TYPE_CHECKING:
    from eventsourcing.application import ProcessingEvent
    from google.type import date_pb2

    from .application import SignaturesApplication

IDENTITY_STREAM = "LIENTHONG_IDENTITY"
DURABLE = "signatures-identity"
LEVELS = {identity_pb2.UNIT_LEVEL_PROVINCE: "province",
          identity_pb2.UNIT_LEVEL_DISTRICT: "district",
          identity_pb2.UNIT_LEVEL_COMMUNE: "commune",
          identity_pb2.UNIT_LEVEL_AGENCY: "agency"}

handlers = Handlers()


def _type(name: str) -> str:
    return f"vn.lienthong.identity.v1.{name}"


def _date(value: date_pb2.Date) -> dt.date | None:
    return dt.date(value.year, value.month, value.day) if value.year else None


@handlers.on(_type("UnitRegistered"))
def unit_registered(app: SignaturesApplication, event: ConsumedEvent,
                    processing: ProcessingEvent[uuid.UUID]) -> None:
    message = event.decode(identity_events.UnitRegistered)
    unit_id = uuid.UUID(message.unit_id)
    if app.get_or_none(unit_id) is not None:
        return
    processing.collect_events(KnownUnit(
        id=unit_id, display_name=message.display_name, level=LEVELS.get(message.level, ""),
        agency_code=message.agency_code,
        province_id=uuid.UUID(message.province_unit_id) if message.province_unit_id else None))


def not_needed(app: SignaturesApplication, event: ConsumedEvent,
               processing: ProcessingEvent[uuid.UUID]) -> None:
    """Registration carries the agency code; a successor's absorbing its predecessors
    is told again by each predecessor's own retirement."""


for _name in ("AgencyCodeIssued", "AdministrativeCodeIssued", "AdministrativeCodeCarriedOn",
              "UnitAbsorbed"):
    handlers.on(_type(_name))(not_needed)


@handlers.on(_type("AgencyCodeAssigned"))
def agency_code_assigned(app: SignaturesApplication, event: ConsumedEvent,
                         processing: ProcessingEvent[uuid.UUID]) -> None:
    """New certificates carry the new code; certificates issued under the old one stay
    valid until the unit itself is reorganised."""
    message = event.decode(identity_events.AgencyCodeAssigned)
    unit = app.known_unit(uuid.UUID(message.unit_id))
    unit.assign_agency_code(message.agency_code)
    processing.collect_events(unit)


@handlers.on(_type("UnitRenamed"))
def unit_renamed(app: SignaturesApplication, event: ConsumedEvent,
                 processing: ProcessingEvent[uuid.UUID]) -> None:
    message = event.decode(identity_events.UnitRenamed)
    unit = app.known_unit(uuid.UUID(message.unit_id))
    unit.rename(message.display_name)
    processing.collect_events(unit)


def _retire(app: SignaturesApplication, processing: ProcessingEvent[uuid.UUID],
            unit_id: str, how: str, successors: list[str], default: str,
            effective: dt.date | None) -> None:
    unit = app.known_unit(uuid.UUID(unit_id))
    default_id = uuid.UUID(default)
    unit.retire(how, [uuid.UUID(s) for s in successors], default_id, effective)
    # Revoked as of now, never back-dated to the reorganisation's day: what the officials
    # signed until the platform learned of it stays theirs.
    processing.collect_events(unit, *app.revoke_credentials_of(unit.id, default_id,
                                                               app.clock()))


@handlers.on(_type("UnitMergedInto"))
def unit_merged(app: SignaturesApplication, event: ConsumedEvent,
                processing: ProcessingEvent[uuid.UUID]) -> None:
    message = event.decode(identity_events.UnitMergedInto)
    _retire(app, processing, message.unit_id, "merged", [message.successor_unit_id],
            message.successor_unit_id, _date(message.effective_date))


@handlers.on(_type("UnitDivided"))
def unit_divided(app: SignaturesApplication, event: ConsumedEvent,
                 processing: ProcessingEvent[uuid.UUID]) -> None:
    message = event.decode(identity_events.UnitDivided)
    _retire(app, processing, message.unit_id, "divided", list(message.successor_unit_ids),
            message.default_successor_unit_id, _date(message.effective_date))


@handlers.on(_type("UnitDissolved"))
def unit_dissolved(app: SignaturesApplication, event: ConsumedEvent,
                   processing: ProcessingEvent[uuid.UUID]) -> None:
    message = event.decode(identity_events.UnitDissolved)
    _retire(app, processing, message.unit_id, "dissolved",
            [message.records_successor_unit_id], message.records_successor_unit_id,
            _date(message.effective_date))


RETIREMENTS = {_type("UnitMergedInto"): identity_events.UnitMergedInto,
               _type("UnitDivided"): identity_events.UnitDivided,
               _type("UnitDissolved"): identity_events.UnitDissolved}


class IdentityConsumer(ConsumerRunner):
    """The consumer of identity's stream, with a sweep after each retirement: a credential
    issued to the unit at the very moment it retired is revoked too."""

    def on_committed(self, event: ConsumedEvent) -> None:
        message_class = RETIREMENTS.get(event.type)
        if message_class is not None:
            app: SignaturesApplication = self.app  # type: ignore[assignment]
            app.sweep_retired_unit(uuid.UUID(event.decode(message_class).unit_id))
