"""Records that arrive by themselves: a civil-status dossier returned by phường Đông Hòa
becomes a record of the ward's fonds, kept permanently and restricted, whose file is a
summary without the applicant's personal data; a decision (QĐ) the ward issued becomes a
record whose sealed PDF is fetched from the documents service's FileService (a real
socket, its own Object Store bucket on a real nats-server) and checked against the
digest its event named. Each is catalogued once however often it is told, and packaged
by the worker's round."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import io
import tarfile
import uuid
from typing import TYPE_CHECKING

import grpc
import nats
import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from lxml import etree
from nats.js.errors import NotFoundError
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.writer import PdfFileWriter

from lienthong.documents.v1 import documents_pb2
from lienthong.documents.v1 import events_pb2 as document_events
from lienthong.dossiers.v1 import dossiers_pb2
from lienthong.dossiers.v1 import events_pb2 as dossier_events
from lienthong.errors import DataLoss, NotFound
from lienthong.events.consumer import ALREADY_APPLIED, APPLIED, ConsumedEvent, ConsumerRunner
from lienthong.files import FileLimits, FileStore
from lienthong.files.service import ServiceFiles
from lienthong.identity.v1 import events_pb2 as identity_events
from lienthong.services.archive.application import ArchiveApplication
from lienthong.services.archive.consumers import (
    DOCUMENTS_STREAM,
    DOSSIERS_STREAM,
    IDENTITY_STREAM,
    document_handlers,
    dossier_handlers,
    identity_handlers,
    record_id_for,
)
from lienthong.services.archive.domain.fonds import fonds_id
from lienthong.services.archive.fetch import DocumentFiles
from lienthong.services.archive.server import file_limits
from lienthong.services.archive.summaries import NAMESPACE
from lienthong.services.archive.work import ArchiveWorker
from lienthong.services.documents.files_api import add_files_to_server
from lienthong.testing.grpc_server import ServerThread
from lienthong.vietnam import VIETNAM_TIME

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator
    from pathlib import Path

    from google.protobuf.message import Message
    from nats.aio.client import Client

    from lienthong.events.consumer import Handlers
    from lienthong.testing.nats import NatsServer

DONG_HOA = "000.00.41.H26"
APPLICANT = "Nguyễn Văn Khải"
APPLICANT_PIN = "001090012345"


# -- the other services ------------------------------------------------------------------

class Upstream:
    """One upstream's stream, each event applied as the archive's consumer applies it
    (with its tracking record, in one transaction)."""

    def __init__(self, app: ArchiveApplication, service: str, stream: str,
                 handlers: Handlers) -> None:
        self.service = service
        self.runner = ConsumerRunner(app, nats_url="nats://127.0.0.1:1", stream=stream,
                                     durable=f"archive-{service}", handlers=handlers)
        self.sequence = 0

    def tells(self, name: str, message: Message, *, again: int | None = None) -> str:
        """Apply the event (``again``: deliver the event of that sequence number again)."""
        if again is None:
            self.sequence += 1
        sequence = again or self.sequence
        event = ConsumedEvent(
            type=f"vn.lienthong.{self.service}.v1.{name}", id=f"{self.service}-{sequence}",
            source=f"//lienthong.vn/{self.service}", upstream=self.service,
            notification_id=sequence, subject="", time="2025-12-01T01:00:00Z",
            data=message.SerializeToString(), headers={}, stream=self.runner.stream,
            stream_seq=sequence, num_delivered=1 if again is None else 2)
        return self.runner._apply(event)


def timestamp(when: dt.datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(when)
    return stamp


def one_page_pdf(text: str) -> bytes:
    """A one-page A4 PDF written by pyHanko's own writer, ``text`` in its metadata."""
    writer = PdfFileWriter()
    writer.insert_page(generic.DictionaryObject({
        generic.NameObject("/Type"): generic.NameObject("/Page"),
        generic.NameObject("/MediaBox"): generic.ArrayObject(
            [generic.NumberObject(n) for n in (0, 0, 595, 842)])}))
    writer.set_info(generic.DictionaryObject({
        generic.NameObject("/Title"): generic.TextStringObject(text)}))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# -- the archive -------------------------------------------------------------------------

class Archive:
    def __init__(self, app: ArchiveApplication, files: ServiceFiles) -> None:
        self.app, self.files = app, files
        self.worker = ArchiveWorker(app)
        self.identity = Upstream(app, "identity", IDENTITY_STREAM, identity_handlers)
        self.dossiers = Upstream(app, "dossiers", DOSSIERS_STREAM, dossier_handlers)
        self.documents = Upstream(app, "documents", DOCUMENTS_STREAM, document_handlers)
        self.ward = uuid.uuid4()
        assert self.identity.tells("UnitRegistered", identity_events.UnitRegistered(
            unit_id=str(self.ward), display_name="Phường Đông Hòa",
            agency_code=DONG_HOA)) == APPLIED

    async def round(self) -> dict[str, int]:
        return await asyncio.to_thread(self.worker.round)

    async def stored(self, object_name: str, sha256: str) -> bytes:
        return await asyncio.to_thread(self.files.read, object_name, max_bytes=64 << 20,
                                       sha256=sha256)

    async def names(self) -> set[str]:
        """The names of the files in the archive's bucket."""
        store = await self.files.store()
        objects = await store._js.object_store(store.bucket)
        try:
            return {info.name for info in await objects.list(ignore_deletes=True)}
        except NotFoundError:
            return set()


class DocumentsFiles:
    """The files the documents service keeps in its own bucket (which its FileService,
    on a real socket, serves)."""

    def __init__(self, files: ServiceFiles) -> None:
        self.files = files

    async def put(self, name: str, data: bytes) -> None:
        """The file called ``name`` holds ``data`` now (stored anew, or replaced)."""
        store = await self.files.store()
        objects = await store._js.object_store(store.bucket)  # the bucket, as NATS keeps it
        try:
            await store.info(name)
        except NotFound:  # uploaded as the documents service uploads
            await asyncio.to_thread(self.files.keep, name, "application/pdf", data)
        else:
            await objects.put(name, data)


@pytest.fixture
def documents_service(nats_server: NatsServer) -> Iterator[grpc.Channel]:
    connections: list[Client] = []

    async def open_store() -> FileStore:
        connection = await nats.connect(nats_server.url)
        connections.append(connection)
        return await FileStore.open(connection.jetstream(), bucket="documents",
                                    limits=FileLimits())

    with ServerThread(lambda server: add_files_to_server(open_store, server)) as running, \
            grpc.insecure_channel(running.address) as channel:
        yield channel
        for connection in connections:  # closed on the server's loop, which it belongs to
            asyncio.run_coroutine_threadsafe(connection.close(), running.loop).result(10)


@pytest.fixture
async def documents(nats_server: NatsServer) -> AsyncIterator[DocumentsFiles]:
    files = ServiceFiles("documents", nats_server.url)
    stop = asyncio.Event()
    opened = asyncio.create_task(files.run(stop))
    await files.store()
    yield DocumentsFiles(files)
    stop.set()
    await opened


@pytest.fixture
async def archive(nats_server: NatsServer, documents_service: grpc.Channel,
                  tmp_path: Path) -> AsyncIterator[Archive]:
    files = ServiceFiles("archive", nats_server.url, limits=file_limits())
    stop = asyncio.Event()
    opened = asyncio.create_task(files.run(stop))
    app = ArchiveApplication(f"sqlite:///{tmp_path / 'archive.db'}", files=files,
                             documents=DocumentFiles(lambda: documents_service))
    await files.store()
    yield Archive(app, files)
    stop.set()
    await opened
    app.close()


# -- stories -----------------------------------------------------------------------------

async def test_a_returned_civil_status_dossier_is_kept_permanently_without_the_applicant(
        archive: Archive) -> None:
    app, dossiers = archive.app, archive.dossiers
    dossier_id = str(uuid.uuid4())
    dossier_code = f"{DONG_HOA}-251201-0007"
    returned_at = dt.datetime.now(dt.UTC).replace(microsecond=0)
    submitted = dossier_events.DossierSubmitted(
        dossier_id=dossier_id, dossier_code=dossier_code, procedure_code="1.001193",
        procedure_version=2, sector="Hộ tịch", receiving_unit_id=str(archive.ward),
        competent_unit_id=str(archive.ward),
        submitted_documents=["Tờ khai đăng ký khai sinh", "Giấy chứng sinh"],
        submit_time=timestamp(returned_at - dt.timedelta(days=3)),
        applicant=dossiers_pb2.Applicant(full_name=APPLICANT,
                                         personal_identification_number=APPLICANT_PIN,
                                         phone="0912345678", address="12 Lê Lợi, Đông Hòa"),
        sealed_applicant=dossier_events.SealedPersonalData(
            subject_ref="ab" * 32, key_id="k1", nonce=b"\x00" * 12,
            ciphertext=APPLICANT.encode()))
    result = dossier_events.DossierResultReturned(
        dossier_id=dossier_id, dossier_code=dossier_code,
        result_return_time=timestamp(returned_at))

    assert dossiers.tells("DossierSubmitted", submitted) == APPLIED
    assert dossiers.tells("DossierResultReturned", result) == APPLIED
    told_at = dossiers.sequence

    record_id = record_id_for("dossier", dossier_id)
    record = app.record(record_id)
    year = returned_at.astimezone(VIETNAM_TIME).year
    assert (record.origin, record.state, record.source_id) == ("dossier", "catalogued",
                                                               dossier_id)
    assert record.fonds_id == fonds_id(archive.ward)
    assert record.file_code == f"{DONG_HOA}.{year}.{dossier_code}"
    assert record.agency_code == DONG_HOA
    assert record.description["retention_years"] == 0  # permanent: hộ tịch
    assert record.description["access"] == "restricted"
    assert record.description["document_count"] == 2
    assert app.books.fonds_held_by(archive.ward) == [fonds_id(archive.ward)]

    # Told again: the same message redelivered, then both events published anew.
    assert dossiers.tells("DossierResultReturned", result, again=told_at) == ALREADY_APPLIED
    assert dossiers.tells("DossierSubmitted", submitted) == APPLIED
    assert dossiers.tells("DossierResultReturned", result) == APPLIED
    assert [r.record_id for r in app.books.records_of(fonds_id(archive.ward))] == [record_id]
    assert app.record(record_id).version == record.version

    # The worker's round keeps the dossier's summary (what was decided, not who asked)
    # and packages it.
    done = await archive.round()
    assert (done["files"], done["packages"]) == (1, 1)
    record = app.record(record_id)
    kept = record.kept_copy
    assert kept is not None and kept.content_type == "application/xml"
    summary = await archive.stored(kept.object_name, kept.sha256)
    root = etree.fromstring(summary)
    found = {child.tag.removeprefix(f"{{{NAMESPACE}}}"): child.text for child in root}
    assert (found["fileCode"], found["dossierCode"], found["sector"]) == (
        record.file_code, dossier_code, "Hộ tịch")
    assert (found["agencyCode"], found["retentionYears"], found["documents"]) == (
        DONG_HOA, "0", "2")
    text = summary.decode()
    for personal in (APPLICANT, APPLICANT_PIN, "0912345678", "Lê Lợi"):
        assert personal not in text

    assert record.state == "preserved"
    assert record.package is not None
    package = await archive.stored(record.package.object_name, record.package.sha256)
    with tarfile.open(fileobj=io.BytesIO(package)) as tar:
        names = tar.getnames()
    assert any(name.endswith(kept.name) for name in names)
    for personal in (APPLICANT, APPLICANT_PIN):
        assert personal.encode() not in package


async def test_an_issued_decision_is_kept_with_the_sealed_pdf_its_event_named(
        archive: Archive, documents: DocumentsFiles) -> None:
    app, told = archive.app, archive.documents
    document_id = str(uuid.uuid4())
    pdf = one_page_pdf("Quyết định 12/QĐ-UBND")
    altered = one_page_pdf("Quyết định 13/QĐ-UBND")
    assert len(altered) == len(pdf) and altered != pdf
    object_name = f"signed-{document_id}.pdf"
    await documents.put(object_name, altered)  # not the bytes the event names
    signed_at = dt.datetime.now(dt.UTC).replace(microsecond=0)

    assert told.tells("DocumentDrafted", document_events.DocumentDrafted(
        document_id=document_id, issuer_unit_id=str(archive.ward),
        issuer_agency_code=DONG_HOA, draft=documents_pb2.Draft(
            document_type="QD", subject="Về việc công nhận tổ dân phố văn hóa năm 2025",
            issuer_notation="UBND"))) == APPLIED
    assert told.tells("DocumentNumbered", document_events.DocumentNumbered(
        document_id=document_id, number=12, notation="12/QĐ-UBND", series="regular",
        year=signed_at.astimezone(VIETNAM_TIME).year,
        numbered_at=timestamp(signed_at))) == APPLIED
    issued = document_events.DocumentIssued(
        document_id=document_id, signature=documents_pb2.Signature(
            signer=DONG_HOA, certificate_serial="5a01", signed_at=timestamp(signed_at),
            file=documents_pb2.FileRef(
                name="12-QD-UBND.pdf", object_name=object_name, size=len(pdf),
                sha256=hashlib.sha256(pdf).hexdigest(), content_type="application/pdf")))
    assert told.tells("DocumentIssued", issued) == APPLIED
    assert told.tells("DocumentIssued", issued, again=told.sequence) == ALREADY_APPLIED
    assert told.tells("DocumentIssued", issued) == APPLIED

    record_id = record_id_for("document", document_id)
    record = app.record(record_id)
    year = signed_at.astimezone(VIETNAM_TIME).year
    assert (record.origin, record.state) == ("document", "catalogued")
    assert record.file_code == f"{DONG_HOA}.{year}.VB-regular-12"
    assert record.description["retention_years"] == 0  # permanent: a decision
    assert record.description["access"] == "open"
    assert record.description["title"].startswith("12/QĐ-UBND: Về việc")
    assert [r.record_id for r in app.books.records_of(fonds_id(archive.ward))] == [record_id]
    caught = app.history(record_id)

    # The documents service's file is not the one the event named: refused, nothing kept.
    with pytest.raises(DataLoss) as refused:
        await asyncio.to_thread(archive.worker.keep_born_digital, record_id)
    assert refused.value.reason == "DOCUMENT_FILE_MISMATCH"
    assert (await archive.round())["files"] == 0
    assert app.record(record_id).state == "catalogued"
    assert len(app.history(record_id)) == len(caught)
    assert not any(name.startswith(f"document-{record_id}") for name in await archive.names())

    # Once the documents service holds the right file, the next round keeps it and
    # packages it.
    await documents.put(object_name, pdf)
    done = await archive.round()
    assert (done["files"], done["packages"]) == (1, 1)
    record = app.record(record_id)
    assert record.state == "preserved"
    assert record.kept_copy is not None
    assert (record.kept_copy.sha256, record.kept_copy.size) == (
        hashlib.sha256(pdf).hexdigest(), len(pdf))
    assert await archive.stored(record.kept_copy.object_name, record.kept_copy.sha256) == pdf
    assert record.package is not None
