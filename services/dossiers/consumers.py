"""What dossiers does when identity tells it about units.

Registered and renamed units are remembered as :class:`KnownUnit`. When a
unit is merged, divided or dissolved, the open dossiers it holds (or is
competent for, or received) move to its successor (the default successor of
a division), each move an event in the dossier's history, in the same
transaction as the tracking record of identity's event.
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

    from .application import DossiersApplication

IDENTITY_STREAM = "LIENTHONG_IDENTITY"
DURABLE = "dossiers-identity"
LEVELS = {identity_pb2.UNIT_LEVEL_PROVINCE: "province",
          identity_pb2.UNIT_LEVEL_DISTRICT: "district",
          identity_pb2.UNIT_LEVEL_COMMUNE: "commune",
          identity_pb2.UNIT_LEVEL_AGENCY: "agency"}

handlers = Handlers()


def _type(name: str) -> str:
    return f"vn.lienthong.identity.v1.{name}"


def _uuid(value: str) -> uuid.UUID | None:
    return uuid.UUID(value) if value else None


def _date(value: date_pb2.Date) -> dt.date | None:
    return dt.date(value.year, value.month, value.day) if value.year else None


@handlers.on(_type("UnitRegistered"))
def unit_registered(app: DossiersApplication, event: ConsumedEvent,
                    processing: ProcessingEvent[uuid.UUID]) -> None:
    message = event.decode(identity_events.UnitRegistered)
    unit_id = uuid.UUID(message.unit_id)
    if app.get_or_none(unit_id) is not None:
        return
    processing.collect_events(KnownUnit(
        id=unit_id, display_name=message.display_name, level=LEVELS.get(message.level, ""),
        kind=identity_pb2.UnitKind.Name(message.kind).removeprefix("UNIT_KIND_").lower(),
        administrative_unit_code=message.administrative_unit_code,
        agency_code=message.agency_code, parent_id=_uuid(message.parent_unit_id),
        province_id=_uuid(message.province_unit_id)))


@handlers.on(_type("AgencyCodeIssued"))
def agency_code_issued(app: DossiersApplication, event: ConsumedEvent,
                       processing: ProcessingEvent[uuid.UUID]) -> None:
    """Registration already carries the code; nothing more to remember."""


@handlers.on(_type("AgencyCodeAssigned"))
def agency_code_assigned(app: DossiersApplication, event: ConsumedEvent,
                         processing: ProcessingEvent[uuid.UUID]) -> None:
    message = event.decode(identity_events.AgencyCodeAssigned)
    unit = app.known_unit(uuid.UUID(message.unit_id), "unit_id")
    unit.assign_agency_code(message.agency_code, message.provisional)
    processing.collect_events(unit)


@handlers.on(_type("UnitRenamed"))
def unit_renamed(app: DossiersApplication, event: ConsumedEvent,
                 processing: ProcessingEvent[uuid.UUID]) -> None:
    message = event.decode(identity_events.UnitRenamed)
    unit = app.known_unit(uuid.UUID(message.unit_id), "unit_id")
    unit.rename(message.display_name)
    processing.collect_events(unit)


def _retire(app: DossiersApplication, event: ConsumedEvent,
            processing: ProcessingEvent[uuid.UUID], unit_id: str, how: str,
            successors: list[str], default: str, effective: dt.date | None) -> None:
    unit = app.known_unit(uuid.UUID(unit_id), "unit_id")
    successor_ids = [uuid.UUID(s) for s in successors]
    default_id = uuid.UUID(default)
    unit.retire(how, successor_ids, default_id, effective)
    moved = []
    at = app.clock()
    app.index.catch_up()
    for dossier_id in app.index.open_dossiers_of(unit.id):
        dossier = app.get_dossier_aggregate(dossier_id)
        dossier.move_on_reorganisation(unit.id, default_id, effective, at)
        moved.append(dossier)
    processing.collect_events(unit, *moved)


@handlers.on(_type("UnitMergedInto"))
def unit_merged(app: DossiersApplication, event: ConsumedEvent,
                processing: ProcessingEvent[uuid.UUID]) -> None:
    message = event.decode(identity_events.UnitMergedInto)
    _retire(app, event, processing, message.unit_id, "merged", [message.successor_unit_id],
            message.successor_unit_id, _date(message.effective_date))


@handlers.on(_type("UnitDivided"))
def unit_divided(app: DossiersApplication, event: ConsumedEvent,
                 processing: ProcessingEvent[uuid.UUID]) -> None:
    message = event.decode(identity_events.UnitDivided)
    _retire(app, event, processing, message.unit_id, "divided",
            list(message.successor_unit_ids), message.default_successor_unit_id,
            _date(message.effective_date))


@handlers.on(_type("UnitDissolved"))
def unit_dissolved(app: DossiersApplication, event: ConsumedEvent,
                   processing: ProcessingEvent[uuid.UUID]) -> None:
    message = event.decode(identity_events.UnitDissolved)
    _retire(app, event, processing, message.unit_id, "dissolved",
            [message.records_successor_unit_id], message.records_successor_unit_id,
            _date(message.effective_date))


RETIREMENTS = {_type("UnitMergedInto"): identity_events.UnitMergedInto,
               _type("UnitDivided"): identity_events.UnitDivided,
               _type("UnitDissolved"): identity_events.UnitDissolved}


class IdentityConsumer(ConsumerRunner):
    """The consumer of identity's stream, with a sweep after each retirement.

    The retirement moves the open dossiers it can see in its own transaction;
    once that is committed, a sweep moves any dossier submitted to the unit at
    the same moment (the submission sweeps too, after its own commit).
    """

    def on_committed(self, event: ConsumedEvent) -> None:
        message_class = RETIREMENTS.get(event.type)
        if message_class is not None:
            app: DossiersApplication = self.app  # type: ignore[assignment]
            app.move_stranded_dossiers(uuid.UUID(event.decode(message_class).unit_id))
