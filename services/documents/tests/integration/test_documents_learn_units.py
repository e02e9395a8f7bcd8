"""Documents learns units from identity's events: a commune registered takes documents
under its agency code; merged into another, documents addressed to its code reach the
successor; a new code still leaves the old one routing to the unit."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING

from google.type import date_pb2

from lienthong.events.consumer import ALREADY_APPLIED, ConsumedEvent, ConsumerRunner
from lienthong.identity.v1 import events_pb2 as identity_events
from lienthong.services.documents.application import DocumentsApplication
from lienthong.services.documents.consumers import DURABLE, IDENTITY_STREAM, handlers

if TYPE_CHECKING:
    from pathlib import Path

    from google.protobuf.message import Message

NOW = dt.datetime(2026, 12, 7, 2, 0, tzinfo=dt.UTC)


class Identity:
    """identity's stream, each event applied as the documents' consumer applies it (with
    its tracking record, in one transaction)."""

    def __init__(self, app: DocumentsApplication) -> None:
        self.runner = ConsumerRunner(app, nats_url="nats://127.0.0.1:1",
                                     stream=IDENTITY_STREAM, durable=DURABLE,
                                     handlers=handlers)
        self.sequence = 0

    def tells(self, name: str, message: Message, *, again: int | None = None) -> str:
        """Apply the event (``again``: re-deliver the event of that sequence number)."""
        if again is None:
            self.sequence += 1
        sequence = again or self.sequence
        event = ConsumedEvent(
            type=f"vn.lienthong.identity.v1.{name}", id=f"identity-{sequence}",
            source="//lienthong.vn/identity", upstream="identity",
            notification_id=sequence, subject="", time="2026-12-07T02:00:00Z",
            data=message.SerializeToString(), headers={}, stream=IDENTITY_STREAM,
            stream_seq=sequence, num_delivered=1)
        return self.runner._apply(event)


def registered(identity: Identity, name: str, code: str) -> str:
    unit_id = str(uuid.uuid4())
    identity.tells("UnitRegistered", identity_events.UnitRegistered(
        unit_id=unit_id, display_name=name, agency_code=code))
    return unit_id


def test_documents_reach_the_successor_of_a_merged_commune(tmp_path: Path) -> None:
    app = DocumentsApplication(f"sqlite:///{tmp_path / 'documents.db'}", clock=lambda: NOW)
    identity = Identity(app)
    old = registered(identity, "UBND xã Cũ", "H26.01.07")
    new = registered(identity, "UBND xã Mới", "H26.02.01")

    merged = identity_events.UnitMergedInto(
        unit_id=old, successor_unit_id=new,
        effective_date=date_pb2.Date(year=2025, month=7, day=1))
    identity.tells("UnitMergedInto", merged)
    retired = app.known_unit(uuid.UUID(old)).version
    assert identity.tells("UnitMergedInto", merged, again=identity.sequence) == ALREADY_APPLIED
    assert app.known_unit(uuid.UUID(old)).version == retired

    unit, route = app.route("H26.01.07")
    assert unit is not None and str(unit.id) == new
    assert route == ["H26.01.07", "H26.02.01"]
    assert not app.known_unit(uuid.UUID(old)).is_active


def test_a_new_agency_code_leaves_the_old_one_routing_to_the_unit(tmp_path: Path) -> None:
    app = DocumentsApplication(f"sqlite:///{tmp_path / 'documents.db'}", clock=lambda: NOW)
    identity = Identity(app)
    commune = registered(identity, "UBND xã Tân Phú", "TAM-0001")

    identity.tells("AgencyCodeAssigned", identity_events.AgencyCodeAssigned(
        unit_id=commune, agency_code="H26.01.05"))
    identity.tells("UnitRenamed", identity_events.UnitRenamed(
        unit_id=commune, display_name="UBND phường Tân Phú"))

    for code in ("TAM-0001", "H26.01.05"):
        unit, _ = app.route(code)
        assert unit is not None and str(unit.id) == commune
    assert app.known_unit(uuid.UUID(commune)).display_name == "UBND phường Tân Phú"
    assert app.books.unit_with_code("H26.01.05") == uuid.UUID(commune)
