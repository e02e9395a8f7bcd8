"""Documents sent between agencies of the platform: each recipient finds it in its
inbox, a retired agency code reaches its successor, and the sender sees each
recipient's status (edXML codes 01 to 06)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from lienthong.errors import InvalidArgument
from lienthong.services.documents.application import DocumentsApplication
from lienthong.services.documents.domain.outgoing import IllegalTransitionError
from lienthong.services.documents.domain.units import KnownUnit
from lienthong.services.documents.drafts import DraftInput
from lienthong.services.documents.ports import SignatureFacts

NOW = dt.datetime(2026, 12, 7, 2, 0, tzinfo=dt.UTC)
SIGNER = "5b4d3c2a-0000-4000-8000-000000000001"
PROVINCE, COMMUNE, OLD_COMMUNE, NEW_COMMUNE = ("000.00.01.H26", "H26.01.05", "H26.01.07",
                                               "H26.02.01")


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> dt.datetime:
        return self.now


class Validations:
    """Every signed file validates, as its name says who signed it."""

    def validate_pdf(self, file, *, adds_to=None):
        official = "" if file.object_name.startswith("agency") else SIGNER
        return SignatureFacts(True, "TOTAL_PASSED", "1a", PROVINCE, official, NOW,
                              agency_seal=not official)


def signed(name: str) -> dict[str, object]:
    return {"name": f"{name}.pdf", "object_name": name, "size": 10, "sha256": "ab" * 32,
            "content_type": "application/pdf"}


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app(clock: Clock) -> DocumentsApplication:
    application = DocumentsApplication(signatures=Validations(), clock=clock)
    units = {code: KnownUnit(id=uuid.uuid4(), display_name=f"Đơn vị {code}", agency_code=code)
             for code in (PROVINCE, COMMUNE, OLD_COMMUNE, NEW_COMMUNE)}
    # The old commune was merged into the new one on 1 July 2025.
    units[OLD_COMMUNE].retire("merged", units[NEW_COMMUNE].id, dt.date(2025, 7, 1))
    application.save(*units.values())
    application.units = {code: str(unit.id) for code, unit in units.items()}  # type: ignore[attr-defined]
    return application


def sent_by_province(app: DocumentsApplication, *recipients: str) -> tuple[str, list]:
    draft = DraftInput(document_type="CT", subject="Về việc phòng chống bão số 3",
                       issuer_notation="UBND", signer_id=SIGNER, signer_name="Lê Thị Hoa",
                       signer_position="Chủ tịch", authority="TM.", recipients=recipients,
                       urgency="immediate")
    document_id = app.create_draft("", app.units[PROVINCE], draft)["document_id"]
    app.submit("", document_id)
    app.record_official_signature("", document_id, signed("official"))
    app.give_number("", document_id)
    app.record_agency_signature("", document_id, signed("agency"))
    return document_id, app.send("", document_id)["deliveries"]


def test_each_recipient_finds_the_document_in_its_inbox_and_numbers_it(app) -> None:
    _, deliveries = sent_by_province(app, COMMUNE, NEW_COMMUNE)

    commune = uuid.UUID(app.units[COMMUNE])
    [arrived] = app.books.arrived(commune)
    assert (arrived.sender_agency_code, arrived.notation) == (PROVINCE, "01/CT-UBND")
    assert app.register_arrived("", str(arrived.incoming_id)) == {"number": 1, "year": 2026}
    assert [row.notation for row in app.books.incoming_book(commune, 2026)] == ["01/CT-UBND"]
    assert [d["addressed_to"] for d in deliveries] == [COMMUNE, NEW_COMMUNE]


def test_the_sender_sees_each_recipients_status(app, clock) -> None:
    document_id, deliveries = sent_by_province(app, COMMUNE, NEW_COMMUNE)
    to_commune, to_new = (d["incoming_id"] for d in deliveries)

    app.register_arrived("", to_commune)
    app.assign_incoming("", to_commune, "cb-1", dt.date(2026, 12, 10))
    app.refuse_arrived("", to_new, "không thuộc thẩm quyền")

    statuses = {d.addressed_to: code for d, code in
                app.books.where_sent(uuid.UUID(document_id))}
    assert statuses == {COMMUNE: "04", NEW_COMMUNE: "02"}
    app.complete_incoming("", to_commune)
    assert dict((d.addressed_to, c) for d, c in
                app.books.where_sent(uuid.UUID(document_id)))[COMMUNE] == "06"


def test_a_retired_code_reaches_its_successor_and_the_route_is_recorded(app) -> None:
    _, [delivery] = sent_by_province(app, OLD_COMMUNE)

    assert delivery["route"] == [OLD_COMMUNE, NEW_COMMUNE]
    incoming = app.incoming(delivery["incoming_id"])
    assert incoming.recipient_agency_code == NEW_COMMUNE
    assert incoming.route == [OLD_COMMUNE, NEW_COMMUNE]
    assert incoming.status_code == "01"


def test_a_code_outside_the_platform_waits_for_the_national_exchange(app) -> None:
    document_id, deliveries = sent_by_province(app, COMMUNE, "G12.34")

    assert deliveries[1] == {"addressed_to": "G12.34", "route": ["G12.34"], "incoming_id": ""}
    where = app.books.where_sent(uuid.UUID(document_id))
    assert [(d.addressed_to, code) for d, code in where] == [(COMMUNE, "01"), ("G12.34", "")]


def test_handlers_see_their_work_and_what_is_overdue(app, clock) -> None:
    _, deliveries = sent_by_province(app, COMMUNE, NEW_COMMUNE)
    for delivery, deadline in zip(deliveries, (dt.date(2026, 12, 8), dt.date(2026, 12, 20)),
                                  strict=True):
        app.register_arrived("", delivery["incoming_id"])
        app.assign_incoming("", delivery["incoming_id"], "cb-chung", deadline)

    waiting, overdue = app.books.awaiting("cb-chung", dt.date(2026, 12, 9))

    assert [row.deadline for row in waiting] == [dt.date(2026, 12, 8), dt.date(2026, 12, 20)]
    assert [row.deadline for row in overdue] == [dt.date(2026, 12, 8)]


def test_the_leaders_figures_count_documents_exchanged_electronically(app) -> None:
    sent_by_province(app, COMMUNE, NEW_COMMUNE)
    sent_by_province(app, COMMUNE)
    app.receive_from_outside("", app.units[COMMUNE], {
        "sender_agency_code": "G12.34", "notation": "1/BC", "subject": "Báo cáo"})

    province = app.books.exchange_counts(uuid.UUID(app.units[PROVINCE]))
    commune = app.books.exchange_counts(uuid.UUID(app.units[COMMUNE]))
    assert (province.sent, province.received) == (2, 0)
    assert (commune.sent, commune.received) == (0, 2)
    outgoing = app.books.outgoing_book(uuid.UUID(app.units[PROVINCE]), 2026)
    assert [(row.notation, row.state) for row in outgoing] == [("01/CT-UBND", "sent"),
                                                               ("02/CT-UBND", "sent")]


def test_a_recall_is_answered_by_every_recipient_before_the_document_is_recalled(app) -> None:
    document_id, deliveries = sent_by_province(app, COMMUNE, NEW_COMMUNE)
    to_commune, to_new = (d["incoming_id"] for d in deliveries)
    app.register_arrived("", to_commune)

    assert app.recall("", document_id, "sai số liệu") == {"asked": 2}
    assert app.document(document_id).state == "recall_requested"
    assert {code for _, code in app.books.where_sent(uuid.UUID(document_id))} == {"13"}
    with pytest.raises(IllegalTransitionError, match="recall waits"):
        app.assign_incoming("", to_commune, "cb-1", dt.date(2026, 12, 10))

    assert app.answer_recall("", to_commune, agree=True) == {
        "document_state": "recall_requested"}
    assert app.answer_recall("", to_new, agree=True) == {"document_state": "recalled"}
    statuses = [code for _, code in app.books.where_sent(uuid.UUID(document_id))]
    assert statuses == ["15", "15"]
    assert app.incoming(to_commune).state == "recalled"


def test_a_recipient_that_keeps_the_document_leaves_it_sent(app) -> None:
    document_id, deliveries = sent_by_province(app, COMMUNE, NEW_COMMUNE)
    to_commune, to_new = (d["incoming_id"] for d in deliveries)
    app.register_arrived("", to_commune)
    app.recall("", document_id, "sai số liệu")

    with pytest.raises(InvalidArgument, match="reason"):
        app.answer_recall("", to_commune, agree=False)
    app.answer_recall("", to_commune, agree=False, reason="đã triển khai thực hiện")
    app.answer_recall("", to_new, agree=True)

    assert app.document(document_id).state == "sent"
    statuses = {d.addressed_to: code for d, code in app.books.where_sent(uuid.UUID(document_id))}
    assert statuses == {COMMUNE: "16", NEW_COMMUNE: "15"}
    # The commune that kept it carries on with it.
    app.assign_incoming("", to_commune, "cb-1", dt.date(2026, 12, 10))
    assert app.incoming(to_commune).status_code == "04"
    with pytest.raises(IllegalTransitionError, match="no recall"):
        app.answer_recall("", to_commune, agree=True)


def test_a_document_that_went_only_outside_the_platform_is_recalled_at_once(app) -> None:
    document_id, _ = sent_by_province(app, "G12.34")

    assert app.recall("", document_id, "gửi nhầm") == {"asked": 0}
    assert app.document(document_id).state == "recalled"


def test_an_agency_named_twice_gets_one_copy(app) -> None:
    _, deliveries = sent_by_province(app, OLD_COMMUNE, NEW_COMMUNE)

    assert [d["route"] for d in deliveries] == [[OLD_COMMUNE, NEW_COMMUNE], [NEW_COMMUNE]]
    assert deliveries[0]["incoming_id"] == deliveries[1]["incoming_id"]
    assert len(app.books.arrived(uuid.UUID(app.units[NEW_COMMUNE]))) == 1


def test_a_copy_reached_under_two_codes_answers_a_recall_once(app) -> None:
    document_id, deliveries = sent_by_province(app, OLD_COMMUNE, NEW_COMMUNE)

    assert app.recall("", document_id, "gửi nhầm") == {"asked": 1}
    app.answer_recall("", deliveries[0]["incoming_id"], agree=True)

    assert app.document(document_id).state == "recalled"
