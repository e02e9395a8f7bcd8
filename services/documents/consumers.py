"""What documents does when identity tells it about units.

Registered units are remembered as :class:`KnownUnit` (an outgoing document names its
issuer's agency code; sending finds a recipient by its code). A unit merged, divided or
dissolved is remembered as retired with its default successor: a document addressed to
its code is routed there, and the route recorded. Applied in the same transaction as
the tracking record of identity's event.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING

from lienthong.events.consumer import ConsumedEvent, Handlers
from lienthong.identity.v1 import events_pb2 as identity_events

from .domain.units import KnownUnit

if TYPE_CHECKING:
    from eventsourcing.application import ProcessingEvent
    from google.type import date_pb2

    from .application import DocumentsApplication

IDENTITY_STREAM = "LIENTHONG_IDENTITY"
DURABLE = "documents-identity"

handlers = Handlers()


def _type(name: str) -> str:
    return f"vn.lienthong.identity.v1.{name}"


def _date(value: date_pb2.Date) -> dt.date | None:
    return dt.date(value.year, value.month, value.day) if value.year else None


@handlers.on(_type("UnitRegistered"))
def unit_registered(app: DocumentsApplication, event: ConsumedEvent,
                    processing: ProcessingEvent[uuid.UUID]) -> None:
    message = event.decode(identity_events.UnitRegistered)
    unit_id = uuid.UUID(message.unit_id)
    if app.get_or_none(unit_id) is not None:
        return
    processing.collect_events(KnownUnit(id=unit_id, display_name=message.display_name,
                                        agency_code=message.agency_code))


def not_needed(app: DocumentsApplication, event: ConsumedEvent,
               processing: ProcessingEvent[uuid.UUID]) -> None:
    """Registration carries the agency code; a successor's absorbing its predecessors
    is told again by each predecessor's own retirement."""


for _name in ("AgencyCodeIssued", "AdministrativeCodeIssued", "AdministrativeCodeCarriedOn",
              "UnitAbsorbed"):
    handlers.on(_type(_name))(not_needed)


@handlers.on(_type("AgencyCodeAssigned"))
def agency_code_assigned(app: DocumentsApplication, event: ConsumedEvent,
                         processing: ProcessingEvent[uuid.UUID]) -> None:
    """New documents carry the new code; the old one still routes to the unit."""
    message = event.decode(identity_events.AgencyCodeAssigned)
    unit = app.known_unit(uuid.UUID(message.unit_id))
    unit.assign_agency_code(message.agency_code)
    processing.collect_events(unit)


@handlers.on(_type("UnitRenamed"))
def unit_renamed(app: DocumentsApplication, event: ConsumedEvent,
                 processing: ProcessingEvent[uuid.UUID]) -> None:
    message = event.decode(identity_events.UnitRenamed)
    unit = app.known_unit(uuid.UUID(message.unit_id))
    unit.rename(message.display_name)
    processing.collect_events(unit)


def _retire(app: DocumentsApplication, processing: ProcessingEvent[uuid.UUID], unit_id: str,
            how: str, default: str, effective: dt.date | None) -> None:
    unit = app.known_unit(uuid.UUID(unit_id))
    if not unit.is_active:
        return  # told again (a replay): the first retirement stands
    unit.retire(how, uuid.UUID(default), effective)
    processing.collect_events(unit)


@handlers.on(_type("UnitMergedInto"))
def unit_merged(app: DocumentsApplication, event: ConsumedEvent,
                processing: ProcessingEvent[uuid.UUID]) -> None:
    message = event.decode(identity_events.UnitMergedInto)
    _retire(app, processing, message.unit_id, "merged", message.successor_unit_id,
            _date(message.effective_date))


@handlers.on(_type("UnitDivided"))
def unit_divided(app: DocumentsApplication, event: ConsumedEvent,
                 processing: ProcessingEvent[uuid.UUID]) -> None:
    message = event.decode(identity_events.UnitDivided)
    _retire(app, processing, message.unit_id, "divided", message.default_successor_unit_id,
            _date(message.effective_date))


@handlers.on(_type("UnitDissolved"))
def unit_dissolved(app: DocumentsApplication, event: ConsumedEvent,
                   processing: ProcessingEvent[uuid.UUID]) -> None:
    message = event.decode(identity_events.UnitDissolved)
    _retire(app, processing, message.unit_id, "dissolved", message.records_successor_unit_id,
            _date(message.effective_date))
