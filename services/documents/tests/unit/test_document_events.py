"""What the documents service publishes: every event of an outgoing or incoming document,
as its contract's message, naming the document and what happened to it."""

from __future__ import annotations

import datetime as dt
import uuid

from lienthong.documents.v1 import events_pb2 as ev
from lienthong.projection import recorded_events
from lienthong.services.documents.application import DocumentsApplication
from lienthong.services.documents.domain.incoming import IncomingDocument
from lienthong.services.documents.domain.outgoing import OutgoingDocument
from lienthong.services.documents.domain.units import KnownUnit
from lienthong.services.documents.drafts import DraftInput
from lienthong.services.documents.events import CONTRACT
from lienthong.services.documents.ports import SignatureFacts

NOW = dt.datetime(2026, 12, 7, 2, 0, tzinfo=dt.UTC)
SIGNER = str(uuid.UUID(int=9))


class Validations:
    def validate_pdf(self, file, *, adds_to=None):
        official = "" if file.object_name == "agency" else SIGNER
        return SignatureFacts(True, "TOTAL_PASSED", "9f", "H26", official, NOW,
                              agency_seal=not official)


def signed(name: str) -> dict[str, object]:
    return {"name": f"{name}.pdf", "object_name": name, "size": 1, "sha256": "ef" * 32,
            "content_type": "application/pdf"}


def test_every_event_of_a_document_is_in_the_contract() -> None:
    published = {p.qualname for p in CONTRACT}
    for aggregate in (OutgoingDocument, IncomingDocument):
        for event_class in recorded_events(aggregate):
            assert event_class.__qualname__ in published
    assert not any(q.startswith(("KnownUnit.", "NumberSeries.")) for q in published)


def test_a_document_sent_and_registered_publishes_its_whole_life() -> None:
    app = DocumentsApplication(signatures=Validations(), clock=lambda: NOW)
    province = KnownUnit(id=uuid.uuid4(), display_name="UBND tỉnh", agency_code="H26")
    commune = KnownUnit(id=uuid.uuid4(), display_name="UBND xã", agency_code="H26.01.05")
    app.save(province, commune)
    draft = DraftInput(document_type="TB", subject="Thông báo lịch tiếp công dân",
                       issuer_notation="UBND", signer_id=SIGNER, signer_name="Vũ Thị Lan",
                       signer_position="Chủ tịch", recipients=("H26.01.05",))
    document_id = app.create_draft("", str(province.id), draft)["document_id"]
    app.submit("", document_id)
    app.record_official_signature("", document_id, signed("official"))
    app.give_number("", document_id)
    app.record_agency_signature("", document_id, signed("agency"))
    [delivery] = app.send("", document_id)["deliveries"]
    app.register_arrived("", delivery["incoming_id"])

    messages = []
    for notification in app.recorder.select_notifications(start=1, limit=100):
        event = app.mapper.to_domain_event(notification)
        route = CONTRACT.route(type(event).__qualname__)
        if route is not None:
            messages.append(route.build(event))

    assert [type(m).__name__ for m in messages] == [
        "DocumentDrafted", "DraftSubmitted", "DocumentSignedByOfficial", "DocumentNumbered",
        "DocumentIssued", "DocumentSent", "IncomingArrived", "IncomingRegistered"]
    drafted, _, official, numbered, issued, sent, arrived, registered = messages
    assert isinstance(drafted, ev.DocumentDrafted)
    assert drafted.draft.subject == "Thông báo lịch tiếp công dân"
    assert drafted.issuer_agency_code == "H26"
    assert official.signature.signer == SIGNER
    assert (numbered.number, numbered.notation) == (1, "01/TB-UBND")
    assert issued.signature.signer == "H26"
    assert [d.addressed_to for d in sent.deliveries] == ["H26.01.05"]
    assert arrived.incoming_id == delivery["incoming_id"] == registered.incoming_id
    assert arrived.sent.notation == "01/TB-UBND"
    assert all(m.document_id == document_id for m in messages[:6])
