"""Documents travel to and from agencies outside the platform through the national exchange
axis (a real HTTP stand-in of it), with their files in a real NATS Object Store.

A commune sends its sealed report to its province (in the platform) and to a ministry
(outside it): the province finds it arrived, the ministry's system gets the edXML package
with the sealed PDF attached, once, even when the axis was away at first; the ministry
reports it registered, and the commune sees it. A ministry's package for the commune
arrives in the commune's incoming book once, even when the axis hands it over twice.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import uuid
from typing import TYPE_CHECKING

import pytest

from lienthong.files.service import ServiceFiles
from lienthong.services.documents.application import DocumentsApplication
from lienthong.services.documents.axis import AxisSettings, Inbox, Outbox
from lienthong.services.documents.axis.outbox import RetryPolicy
from lienthong.services.documents.axis.protocol import MessageType
from lienthong.services.documents.axis.standin import AxisStandIn
from lienthong.services.documents.domain.units import KnownUnit
from lienthong.services.documents.drafts import DraftInput
from lienthong.services.documents.edxml import (
    Attachment,
    Code,
    DocumentId,
    DocumentType,
    MessageHeader,
    Organization,
    Package,
    PromulgationInfo,
    ResponseFor,
    Status,
    StatusCode,
    build_package,
    build_status,
    parse_package,
)
from lienthong.services.documents.exchange import AxisExchange
from lienthong.services.documents.ports import SignatureFacts
from lienthong.vietnam import VIETNAM_TIME

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from lienthong.natsbin import NatsServer

COMMUNE, PROVINCE, MINISTRY = "000.00.31.H26", "000.00.00.H26", "000.00.00.G12"
SYSTEM_ID, SECRET = "lienthong", "bi-mat"
SIGNER = str(uuid.UUID(int=5))
FAST = RetryPolicy(max_attempts=2, initial_delay_s=0.01, multiplier=2.0, max_delay_s=0.02)
SEALED_PDF = b"%PDF-1.7\n% sealed by the commune\n" + bytes(range(256)) * 40
MINISTRY_PDF = b"%PDF-1.7\n% the ministry's letter\n" + bytes(range(255, -1, -1)) * 30


class Validations:
    """Every signed file validates: the official's, then the commune's seal."""

    def validate_pdf(self, file, *, adds_to=None):
        seal = file.object_name.startswith("sealed")
        return SignatureFacts(True, "TOTAL_PASSED", "7a", COMMUNE, "" if seal else SIGNER,
                              dt.datetime.now(dt.UTC), agency_seal=seal)


class World:
    def __init__(self, app: DocumentsApplication, files: ServiceFiles,
                 axis: AxisStandIn) -> None:
        self.app, self.files, self.axis = app, files, axis
        self.units = {code: KnownUnit(id=uuid.uuid4(), display_name=f"UBND {code}",
                                      agency_code=code) for code in (COMMUNE, PROVINCE)}
        app.save(*self.units.values())
        self.exchange = AxisExchange(app, AxisSettings(axis.url, SYSTEM_ID, SECRET,
                                                       connect_timeout_s=0.5,
                                                       request_timeout_s=2.0))

    async def round(self) -> None:
        """One round of the exchange, as its runner does every few seconds."""
        from lienthong.services.documents.axis import AxisClient

        async with AxisClient(self.exchange.settings) as client:
            await self.exchange.round(Outbox(client, policy=FAST), Inbox(client))

    async def stored(self, name: str, data: bytes) -> dict[str, object]:
        store = await self.files.store()
        begun = await store.begin_upload(name, "application/pdf", len(data))
        await store.append(begun.upload_id, 0, data)
        stored = await store.finish(begun.upload_id)
        return {"name": name, "object_name": name, "size": stored.size,
                "sha256": stored.sha256, "content_type": "application/pdf"}

    async def sent_report(self) -> str:
        app = self.app
        sealed = await self.stored(f"sealed-{uuid.uuid4().hex}.pdf", SEALED_PDF)
        official = await self.stored(f"official-{uuid.uuid4().hex}.pdf", b"%PDF-1.7\n")

        def issue() -> str:
            draft = DraftInput(document_type="BC", subject="Báo cáo công tác số hóa",
                               issuer_notation="UBND", signer_id=SIGNER,
                               signer_name="Lê Thị Hoa", signer_position="Chủ tịch",
                               authority="TM.", recipients=(PROVINCE, MINISTRY))
            document_id = app.create_draft("", str(self.units[COMMUNE].id), draft)[
                "document_id"]
            app.submit("", document_id)
            app.record_official_signature("", document_id, official)
            app.give_number("", document_id)
            app.record_agency_signature("", document_id, sealed)
            app.send("", document_id)
            return document_id

        return await asyncio.to_thread(issue)


@pytest.fixture
async def world(nats_server: NatsServer) -> AsyncIterator[World]:
    files = ServiceFiles("documents", nats_server.url)
    stop = asyncio.Event()
    opened = asyncio.create_task(files.run(stop))
    app = DocumentsApplication(signatures=Validations(), files=files)
    async with AxisStandIn() as axis:
        axis.register_system(SYSTEM_ID, SECRET, [COMMUNE, PROVINCE])
        axis.register_system("bo-noi-vu", "khac", [MINISTRY])
        yield World(app, files, axis)
    stop.set()
    await opened


async def test_a_sealed_report_reaches_a_ministry_outside_and_its_status_comes_back(
        world: World) -> None:
    await world.axis.go_down()
    document_id = await world.sent_report()
    document = world.app.document(document_id)
    assert document.external_recipients == [MINISTRY]
    # The province is in the platform: it finds the report arrived at once, sealed.
    [arrived] = world.app.books.arrived(world.units[PROVINCE].id)
    assert world.app.incoming(str(arrived.incoming_id)).files == [
        document.signatures[-1].file.as_dict()]

    await world.round()  # the axis is away: the document keeps waiting
    assert world.app.books.awaiting_axis() == [uuid.UUID(document_id)]

    await world.axis.come_back()
    await world.round()
    await world.round()  # taken once: nothing is sent again

    [held] = world.axis.held_for(MINISTRY)
    assert world.axis.sent_by(SYSTEM_ID, document_id).attempts == 1
    package = parse_package(held.edxml)
    assert [r.organ_id for r in package.header.recipients] == [MINISTRY]
    assert package.header.sender.organ_id == COMMUNE
    assert f"{package.header.code.number}/{package.header.code.notation}" == \
        document.notation
    assert package.header.subject == "Báo cáo công tác số hóa"
    [attachment] = package.attachments
    assert hashlib.sha256(attachment.data).digest() == hashlib.sha256(SEALED_PDF).digest()
    sent = world.app.document(document_id)
    assert sent.axis_doc_id == held.sender_doc_id
    assert world.app.books.awaiting_axis() == []

    # The ministry registers it and says so through the axis.
    world.axis.deposit(MINISTRY, [COMMUNE], build_status(Status(
        sender=Organization(MINISTRY, "Bộ Nội vụ"),
        response_for=ResponseFor(COMMUNE, package.header.document_id),
        code=StatusCode.REGISTERED, timestamp=dt.datetime.now(VIETNAM_TIME))),
        MessageType.STATUS)
    await world.round()

    assert world.app.document(document_id).external_statuses == {MINISTRY: "03"}
    assert world.axis.held_for(COMMUNE) == []

    # A status about a document never sent from here is taken and changes nothing.
    world.axis.deposit(MINISTRY, [COMMUNE], build_status(Status(
        sender=Organization(MINISTRY, "Bộ Nội vụ"),
        response_for=ResponseFor(COMMUNE, DocumentId(COMMUNE, dt.date(2026, 1, 5), "99",
                                                     "UBND-VP")),
        code=StatusCode.COMPLETED, timestamp=dt.datetime.now(VIETNAM_TIME))),
        MessageType.STATUS)
    await world.round()
    assert world.axis.held_for(COMMUNE) == []
    assert world.app.document(document_id).external_statuses == {MINISTRY: "03"}


async def test_a_ministry_s_package_is_registered_once_in_the_commune_s_book(
        world: World) -> None:
    day = dt.date(2026, 12, 1)
    edxml = build_package(Package(MessageHeader(
        sender=Organization(MINISTRY, "Bộ Nội vụ"), recipients=(Organization(COMMUNE),),
        document_id=DocumentId(MINISTRY, day, "812", "BNV-VP"), code=Code("812", "BNV-VP"),
        promulgation=PromulgationInfo(day, "Hà Nội"),
        document_type=DocumentType(1, "Công văn"),
        subject="V/v hướng dẫn số hóa hồ sơ lưu trữ"),
        attachments=(Attachment("cv", "application/pdf", "Công văn 812.pdf", MINISTRY_PDF),)))
    world.axis.deposit(MINISTRY, [COMMUNE], edxml)
    # The first acknowledgement is not understood: the axis hands the package over again.
    world.axis.garbage_next(1, "updateStatus")

    await world.round()
    await world.round()
    await world.round()

    assert world.axis.calls["getEdoc"] == 2

    book = world.app.books.incoming_book(world.units[COMMUNE].id, dt.date.today().year)
    assert [(row.sender_agency_code, row.notation) for row in book] == [
        (MINISTRY, "812/BNV-VP")]
    assert world.axis.held_for(COMMUNE) == []
    # Its PDF is in the file store, once, for the commune to download.
    [file] = world.app.incoming(str(book[0].incoming_id)).files
    assert file["name"] == "Công văn 812.pdf"
    download = await (await world.files.store()).download(file["object_name"])
    assert b"".join([chunk async for chunk in download]) == MINISTRY_PDF
