"""The archive follows a reorganisation: identity tells that phường An Bình is merged
into phường Tân Lập; a custody transfer of An Bình's fonds is prepared (once, however
often it is told), the worker reads every package again from the Object Store (a real
nats-server) and stores the transfer package, a BagIt bag whose report lists each
record once; Tân Lập's seal (the real signatures service, keys in a SoftHSM token)
signs it and the fonds is Tân Lập's. A person's credential and another agency's seal
are refused. A package altered in, or gone from, the store shows as a line that does
not match; a record packaged while the transfer waits matches on its own package; the
replica that takes identity's event lists what another replica catalogued. A dissolved
unit's fonds goes to its records successor, a divided unit's to its default
successor."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import hashlib
import io
import tarfile
import uuid
from typing import TYPE_CHECKING

import bagit
import grpc
import pytest
from asn1crypto import cms
from google.type import date_pb2
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.writer import PdfFileWriter

from lienthong.errors import FailedPrecondition
from lienthong.events.consumer import ALREADY_APPLIED, APPLIED, ConsumedEvent, ConsumerRunner
from lienthong.files.service import ServiceFiles
from lienthong.identity.v1 import events_pb2 as identity_events
from lienthong.services.archive.application import ArchiveApplication
from lienthong.services.archive.capture.samples import sample_page, text_lines
from lienthong.services.archive.catalogue import DescriptionInput
from lienthong.services.archive.consumers import IDENTITY_STREAM, identity_handlers
from lienthong.services.archive.domain.custody import transfer_id
from lienthong.services.archive.domain.files import stored_ref
from lienthong.services.archive.domain.fonds import fonds_id
from lienthong.services.archive.domain.records import IllegalTransitionError
from lienthong.services.archive.inspection import QualityInspector
from lienthong.services.archive.seal import AgencySeal, SealRefusedError
from lienthong.services.archive.server import file_limits
from lienthong.services.archive.work import ArchiveWorker
from lienthong.services.signatures.api import add_to_server
from lienthong.services.signatures.application import SignaturesApplication
from lienthong.services.signatures.domain import otp
from lienthong.services.signatures.domain.units import KnownUnit as SignaturesUnit
from lienthong.services.signatures.keystore import TokenKeyStore
from lienthong.services.signatures.spec import SERVICE
from lienthong.signatures.v1 import validation_pb2 as validation_pb
from lienthong.signatures.v1 import validation_pb2_grpc as validation_grpc
from lienthong.testing.grpc_server import ServerThread

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator
    from pathlib import Path

    from google.protobuf.message import Message

    from lienthong.events.consumer import Handlers
    from lienthong.testing.nats import NatsServer

AN_BINH = "000.00.31.H26"
TAN_LAP = "000.00.32.H26"
HOA_BINH = "000.00.33.H26"
LARGE = [("grpc.max_send_message_length", 64 << 20),
         ("grpc.max_receive_message_length", 64 << 20)]
MERGED_ON = date_pb2.Date(year=2025, month=7, day=1)


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
            notification_id=sequence, subject="", time="2025-07-01T01:00:00Z",
            data=message.SerializeToString(), headers={}, stream=self.runner.stream,
            stream_seq=sequence, num_delivered=1 if again is None else 2)
        return self.runner._apply(event)


class Identity(Upstream):
    def __init__(self, app: ArchiveApplication) -> None:
        super().__init__(app, "identity", IDENTITY_STREAM, identity_handlers)

    def registered(self, name: str, code: str) -> uuid.UUID:
        unit_id = uuid.uuid4()
        assert self.tells("UnitRegistered", identity_events.UnitRegistered(
            unit_id=str(unit_id), display_name=name, agency_code=code)) == APPLIED
        return unit_id


class Seals:
    """The signatures service on a real socket, knowing the three wards."""

    def __init__(self, app: SignaturesApplication, channel: grpc.Channel,
                 units: dict[str, uuid.UUID]) -> None:
        self.app, self.channel, self.units = app, channel, units

    def credential(self, agency_code: str, *, agency_seal: bool) -> tuple[str, str]:
        """A new credential of the ward and the code its holder's phone shows now."""
        credential_id = self.app.issue_credential(
            "", official_id=str(uuid.uuid4()), full_name="Lê Thị Hoa", position="Văn thư",
            unit_id=str(self.units[agency_code]), key_algorithm="ec-p256",
            agency_seal=agency_seal)["credential_id"]
        _, secret = self.app.enroll_authenticator(credential_id)
        step = otp.step_of(self.app.clock())
        self.app.confirm_authenticator(credential_id, otp.code_at_step(secret, step - 1))
        return credential_id, otp.code_at_step(secret, step)

    def validate_detached(self, signature: bytes,
                          content: bytes) -> validation_pb.ValidateSignatureResponse:
        return validation_grpc.ValidationServiceStub(self.channel).ValidateSignature(
            validation_pb.ValidateSignatureRequest(
                kind=validation_pb.SIGNED_KIND_CMS, signed=signature,
                detached_content=content, language="en"), timeout=30)


@pytest.fixture(scope="module")
def seals(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seals]:
    from lienthong.testing.softhsm import fresh_token

    app = SignaturesApplication(
        f"sqlite:///{tmp_path_factory.mktemp('signatures') / 'events.db'}",
        key_store=TokenKeyStore(fresh_token()), authority_key_type="ec-p256")
    units = {}
    for code, name in ((AN_BINH, "Ủy ban nhân dân phường An Bình"),
                       (TAN_LAP, "Ủy ban nhân dân phường Tân Lập"),
                       (HOA_BINH, "Ủy ban nhân dân phường Hòa Bình")):
        unit = SignaturesUnit(id=uuid.uuid4(), display_name=name, level="commune",
                              agency_code=code, province_id=None)
        app.save(unit)
        units[code] = unit.id
    with ServerThread(lambda server: add_to_server(app, server),
                      max_request_bytes=SERVICE.max_request_bytes) as running, \
            grpc.insecure_channel(running.address, options=LARGE) as channel:
        yield Seals(app, channel, units)
    app.close()


# -- the archive -------------------------------------------------------------------------

class Archive:
    def __init__(self, app: ArchiveApplication, files: ServiceFiles, seals: Seals) -> None:
        self.app, self.files, self.seals = app, files, seals
        self.worker = ArchiveWorker(app)
        self.identity = Identity(app)

    async def round(self) -> dict[str, int]:
        return await asyncio.to_thread(self.worker.round)

    async def stored(self, object_name: str, sha256: str) -> bytes:
        return await asyncio.to_thread(self.files.read, object_name, max_bytes=64 << 20,
                                       sha256=sha256)

    def paper(self, unit_id: uuid.UUID, notation: str, pages: int = 120) -> uuid.UUID:
        """A paper record catalogued through the application (it has no package yet)."""
        described = DescriptionInput(
            notation=notation, year=2019, title=f"Sổ đăng ký khai sinh năm 2019, quyển {notation}",
            retention_years=0, start_date=dt.date(2019, 1, 2),
            end_date=dt.date(2019, 12, 30), page_count=pages, document_count=1)
        return uuid.UUID(self.app.catalogue("", str(unit_id), described)["record_id"])

    async def digitized_and_sealed(self, unit_id: uuid.UUID, agency_code: str, notation: str,
                                   seed: int) -> uuid.UUID:
        """A one-page paper record captured (the real page checks), digitized (the copy
        the worker's OCR step records, here a PDF of one blank page) and sealed by its
        ward's seal (the real signatures service): the next round packages it."""
        app = self.app
        record_id = self.paper(unit_id, notation, pages=1)
        batch_id = app.open_batch("", str(unit_id), f"Hộp {notation}")["batch_id"]
        image = sample_page(seed=seed, lines=text_lines(seed, 4), size_mm=(60.0, 60.0),
                            dpi=200)
        name = f"scan-{uuid.uuid4().hex}.jpg"
        stored = await asyncio.to_thread(self.files.keep, name, "image/jpeg", image)
        captured = await asyncio.to_thread(
            app.capture_page, "", batch_id, str(record_id), 1, "text",
            {"name": name, "object_name": name, "size": stored.size, "sha256": stored.sha256,
             "content_type": "image/jpeg"})
        assert captured["accepted"], captured
        app.digitize("", str(record_id))
        copy = await asyncio.to_thread(self.files.keep, f"copy-{record_id}.pdf",
                                       "application/pdf", one_page_pdf())
        app.record_copy(record_id, stored_ref(copy), 1, 0, "2B", "test")
        seal, code = self.seals.credential(agency_code, agency_seal=True)
        await asyncio.to_thread(app.seal_copy, "", str(record_id), seal, code)
        assert app.record(record_id).state == "sealed"
        return record_id


def one_page_pdf() -> bytes:
    """A one-page A5 PDF written by pyHanko's own writer."""
    writer = PdfFileWriter()
    writer.insert_page(generic.DictionaryObject({
        generic.NameObject("/Type"): generic.NameObject("/Page"),
        generic.NameObject("/MediaBox"): generic.ArrayObject(
            [generic.NumberObject(n) for n in (0, 0, 420, 595)])}))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.fixture
async def archive(nats_server: NatsServer, seals: Seals,
                  tmp_path: Path) -> AsyncIterator[Archive]:
    files = ServiceFiles("archive", nats_server.url, limits=file_limits())
    stop = asyncio.Event()
    opened = asyncio.create_task(files.run(stop))
    app = ArchiveApplication(f"sqlite:///{tmp_path / 'archive.db'}", files=files,
                             inspector=QualityInspector(),
                             seal=AgencySeal(lambda: seals.channel))
    await files.store()
    yield Archive(app, files, seals)
    stop.set()
    await opened
    app.close()


def unpacked(tar_bytes: bytes, folder: Path) -> Path:
    """The transfer package's bag, extracted (the tar holds one top folder)."""
    with tarfile.open(fileobj=io.BytesIO(tar_bytes)) as tar:
        [top] = {member.name.split("/", 1)[0] for member in tar.getmembers()}
        tar.extractall(folder, filter="data")
    return folder / top


def report_rows(bag_dir: Path) -> list[dict[str, str]]:
    with (bag_dir / "data" / "reconciliation.csv").open(encoding="utf-8") as report:
        return list(csv.DictReader(report))


# -- stories -----------------------------------------------------------------------------

async def test_a_merged_wards_fonds_passes_to_its_successor_under_its_seal(
        archive: Archive, seals: Seals, tmp_path: Path) -> None:
    app, identity = archive.app, archive.identity
    an_binh = identity.registered("Phường An Bình", AN_BINH)
    tan_lap = identity.registered("Phường Tân Lập", TAN_LAP)
    kept = [await archive.digitized_and_sealed(an_binh, AN_BINH, f"KS-0{n}", seed=n)
            for n in (1, 2)]
    waiting = [archive.paper(an_binh, "KS-03"), archive.paper(an_binh, "KS-04")]
    archive.paper(tan_lap, "KS-01")  # Tân Lập's own fonds
    assert (await archive.round())["packages"] == 2
    packages = {r: app.record(r).package for r in kept}
    assert all(p is not None for p in packages.values())
    an_binh_fonds, tan_lap_fonds = fonds_id(an_binh), fonds_id(tan_lap)

    merged = identity_events.UnitMergedInto(unit_id=str(an_binh), successor_unit_id=str(tan_lap),
                                            effective_date=MERGED_ON)
    assert identity.tells("UnitMergedInto", merged) == APPLIED
    told_at = identity.sequence

    key = transfer_id(an_binh_fonds, tan_lap)
    assert app.books.transfers_of(an_binh) == [key]
    transfer = app.transfer(key)
    assert (transfer.state, transfer.cause, transfer.from_unit_id, transfer.to_unit_id) == (
        "prepared", "merged", an_binh, tan_lap)
    assert transfer.effective_date == dt.date(2025, 7, 1)
    listed = [uuid.UUID(line["record_id"]) for line in transfer.listed]
    assert sorted(listed) == sorted([*waiting, *kept])  # each once, none of Tân Lập's
    assert {uuid.UUID(line["record_id"]): line["source_sha256"]
            for line in transfer.listed} == {
        **{r: "" for r in waiting}, **{r: p.sha256 for r, p in packages.items()}}

    # Told again: the same message redelivered, then the event published anew.
    unit_version = app.known_unit(an_binh).version
    assert identity.tells("UnitMergedInto", merged, again=told_at) == ALREADY_APPLIED
    assert identity.tells("UnitMergedInto", merged) == APPLIED
    assert app.known_unit(an_binh).version == unit_version
    assert app.transfer(key).version == transfer.version
    assert app.books.transfers_of(an_binh) == [key]
    assert not app.known_unit(an_binh).is_active
    with pytest.raises(FailedPrecondition, match="merged"):
        archive.paper(an_binh, "KS-05")

    # Not signed before it is reconciled.
    early, early_code = seals.credential(TAN_LAP, agency_seal=True)
    with pytest.raises(IllegalTransitionError):
        await asyncio.to_thread(app.sign_transfer, "", str(key), early, early_code)

    # The worker's round reconciles it: every record counted, every package read again.
    assert (await archive.round())["transfers"] == 1
    transfer = app.transfer(key)
    assert transfer.state == "reconciled"
    assert transfer.matching == len(transfer.lines) == 4
    assert {uuid.UUID(line["record_id"]): line["received_sha256"]
            for line in transfer.lines} == {
        **{r: "" for r in waiting}, **{r: p.sha256 for r, p in packages.items()}}
    assert transfer.package is not None
    package = await archive.stored(transfer.package.object_name, transfer.package.sha256)
    bag_dir = unpacked(package, tmp_path / "transfer")
    bag = bagit.Bag(str(bag_dir))
    bag.validate()
    assert bag.info["External-Identifier"] == str(key)
    assert (bag.info["Records-Listed"], bag.info["Records-Matching"]) == ("4", "4")
    rows = report_rows(bag_dir)
    assert sorted(uuid.UUID(row["record_id"]) for row in rows) == sorted(listed)
    assert {row["matches"] for row in rows} == {"yes"}
    assert {row["file_code"] for row in rows} == {app.record(r).file_code
                                                  for r in [*waiting, *kept]}
    assert (await archive.round())["transfers"] == 0

    # A person's credential, the merged ward's own seal and a third ward's are refused.
    for code_of, agency_seal in ((TAN_LAP, False), (AN_BINH, True), (HOA_BINH, True)):
        credential, otp_code = seals.credential(code_of, agency_seal=agency_seal)
        with pytest.raises(SealRefusedError):
            await asyncio.to_thread(app.sign_transfer, "", str(key), credential, otp_code)
        assert app.transfer(key).state == "reconciled"
        assert app.fonds(an_binh_fonds).holder_unit_id == an_binh
    assert app.books.fonds_held_by(tan_lap) == [tan_lap_fonds]

    # Tân Lập's seal: the transfer is complete and the fonds is Tân Lập's.
    seal, code = seals.credential(TAN_LAP, agency_seal=True)
    await asyncio.to_thread(app.sign_transfer, "sign-1", str(key), seal, code)
    transfer = app.transfer(key)
    assert transfer.state == "completed"
    assert transfer.signer["agency_code"] == TAN_LAP
    assert app.fonds(an_binh_fonds).holder_unit_id == tan_lap
    assert app.books.fonds_held_by(tan_lap) == sorted([an_binh_fonds, tan_lap_fonds])
    assert app.books.fonds_held_by(an_binh) == []
    # Asked again with the same request id: the same answer; with another, refused.
    await asyncio.to_thread(app.sign_transfer, "sign-1", str(key), seal, code)
    again, again_code = seals.credential(TAN_LAP, agency_seal=True)
    with pytest.raises(IllegalTransitionError):
        await asyncio.to_thread(app.sign_transfer, "sign-2", str(key), again, again_code)
    assert app.transfer(key).version == transfer.version

    # The signature kept beside the package: a detached CMS by Tân Lập's seal.
    assert transfer.signature is not None
    signature = await archive.stored(transfer.signature.object_name,
                                     transfer.signature.sha256)
    signed = cms.ContentInfo.load(signature)
    assert signed["content_type"].native == "signed_data"
    assert signed["content"]["encap_content_info"]["content"].native is None  # detached
    answer = seals.validate_detached(signature, package)
    [result] = answer.signatures
    assert result.indication == validation_pb.INDICATION_TOTAL_PASSED, result
    assert result.signer_agency_seal
    assert result.organization_identifier == f"GOVVN-{TAN_LAP}"
    assert result.signer_certificate_serial.lower() == transfer.signer["certificate_serial"]
    changed = seals.validate_detached(signature, package + b"\n")
    assert changed.signatures[0].indication == validation_pb.INDICATION_TOTAL_FAILED


async def test_a_package_altered_in_the_store_shows_in_the_reconciliation(
        archive: Archive, tmp_path: Path) -> None:
    app, identity = archive.app, archive.identity
    an_binh = identity.registered("Phường An Bình", AN_BINH)
    tan_lap = identity.registered("Phường Tân Lập", TAN_LAP)
    intact = await archive.digitized_and_sealed(an_binh, AN_BINH, "KS-01", seed=3)
    altered = await archive.digitized_and_sealed(an_binh, AN_BINH, "KS-02", seed=4)
    assert (await archive.round())["packages"] == 2
    identity.tells("UnitMergedInto", identity_events.UnitMergedInto(
        unit_id=str(an_binh), successor_unit_id=str(tan_lap), effective_date=MERGED_ON))
    key = transfer_id(fonds_id(an_binh), tan_lap)

    # One package's bytes replaced in the bucket before the worker reads it again.
    package = app.record(altered).package
    assert package is not None
    data = bytearray(await archive.stored(package.object_name, package.sha256))
    data[len(data) // 2] ^= 0xFF
    store = await archive.files.store()
    objects = await store._js.object_store(store.bucket)  # the bucket, as NATS keeps it
    await objects.put(package.object_name, bytes(data))

    assert (await archive.round())["transfers"] == 1
    transfer = app.transfer(key)
    assert transfer.state == "reconciled"
    lines = {uuid.UUID(line["record_id"]): line for line in transfer.lines}
    assert lines[intact]["matches"]
    assert not lines[altered]["matches"]
    assert lines[altered]["source_sha256"] == package.sha256
    assert lines[altered]["received_sha256"] == hashlib.sha256(data).hexdigest()
    assert transfer.matching == 1

    assert transfer.package is not None
    tar = await archive.stored(transfer.package.object_name, transfer.package.sha256)
    bag_dir = unpacked(tar, tmp_path / "transfer")
    bagit.Bag(str(bag_dir)).validate()
    rows = {uuid.UUID(row["record_id"]): row for row in report_rows(bag_dir)}
    assert (rows[intact]["matches"], rows[altered]["matches"]) == ("yes", "no")
    assert rows[altered]["received_sha256"] == lines[altered]["received_sha256"]
    bag = bagit.Bag(str(bag_dir))
    assert (bag.info["Records-Listed"], bag.info["Records-Matching"]) == ("2", "1")


async def test_a_package_gone_from_the_store_shows_in_the_reconciliation(
        archive: Archive) -> None:
    app, identity = archive.app, archive.identity
    an_binh = identity.registered("Phường An Bình", AN_BINH)
    tan_lap = identity.registered("Phường Tân Lập", TAN_LAP)
    gone = await archive.digitized_and_sealed(an_binh, AN_BINH, "KS-01", seed=5)
    waiting = archive.paper(an_binh, "KS-02")
    assert (await archive.round())["packages"] == 1
    identity.tells("UnitMergedInto", identity_events.UnitMergedInto(
        unit_id=str(an_binh), successor_unit_id=str(tan_lap), effective_date=MERGED_ON))
    key = transfer_id(fonds_id(an_binh), tan_lap)

    package = app.record(gone).package
    assert package is not None
    store = await archive.files.store()
    objects = await store._js.object_store(store.bucket)  # the bucket, as NATS keeps it
    await objects.delete(package.object_name)

    # The transfer is reconciled all the same: the missing package is a line that does
    # not match, for the successor's clerk to see before sealing.
    assert (await archive.round())["transfers"] == 1
    transfer = app.transfer(key)
    assert transfer.state == "reconciled"
    lines = {uuid.UUID(line["record_id"]): line for line in transfer.lines}
    assert (lines[gone]["matches"], lines[gone]["received_sha256"]) == (False, "")
    assert lines[waiting]["matches"]


async def test_a_record_packaged_while_its_transfer_waits_matches_on_its_package(
        archive: Archive) -> None:
    app, identity = archive.app, archive.identity
    an_binh = identity.registered("Phường An Bình", AN_BINH)
    tan_lap = identity.registered("Phường Tân Lập", TAN_LAP)
    # Sealed, not yet packaged, when identity tells of the merger: listed without a
    # package.
    sealed = await archive.digitized_and_sealed(an_binh, AN_BINH, "KS-01", seed=6)
    identity.tells("UnitMergedInto", identity_events.UnitMergedInto(
        unit_id=str(an_binh), successor_unit_id=str(tan_lap), effective_date=MERGED_ON))
    key = transfer_id(fonds_id(an_binh), tan_lap)
    [listed] = app.transfer(key).listed
    assert (listed["record_id"], listed["source_sha256"]) == (str(sealed), "")

    # The round packages it, then reconciles the transfer: its package is read again
    # and is the one the record keeps; nothing about it fails to match.
    done = await archive.round()
    assert (done["packages"], done["transfers"]) == (1, 1)
    package = app.record(sealed).package
    assert package is not None
    transfer = app.transfer(key)
    [line] = transfer.lines
    assert line["received_sha256"] == package.sha256
    assert line["matches"], line
    assert transfer.matching == 1


def test_a_merger_taken_by_one_replica_hands_on_what_another_catalogued(
        tmp_path: Path) -> None:
    """Two replicas of the service share one event store; identity's event is taken by
    whichever replica's consumer gets it first."""
    url = f"sqlite:///{tmp_path / 'archive.db'}"
    first, second = ArchiveApplication(url), ArchiveApplication(url)
    identity = Identity(first)
    an_binh = identity.registered("Phường An Bình", AN_BINH)
    tan_lap = identity.registered("Phường Tân Lập", TAN_LAP)
    record = first.catalogue("", str(an_binh), DescriptionInput(
        notation="KS-01", year=2020, title="Sổ đăng ký khai sinh năm 2020", retention_years=0,
        start_date=dt.date(2020, 1, 6), end_date=dt.date(2020, 12, 29), page_count=80,
        document_count=1))["record_id"]

    taken = Identity(second)
    taken.sequence = identity.sequence  # the same stream, its next event
    assert taken.tells("UnitMergedInto", identity_events.UnitMergedInto(
        unit_id=str(an_binh), successor_unit_id=str(tan_lap),
        effective_date=MERGED_ON)) == APPLIED

    key = transfer_id(fonds_id(an_binh), tan_lap)
    assert second.books.transfers_of(an_binh) == [key]
    assert [line["record_id"] for line in second.transfer(key).listed] == [record]
    first.close()
    second.close()


def test_a_dissolved_or_divided_wards_fonds_goes_to_the_unit_that_carries_its_records(
        tmp_path: Path) -> None:
    app = ArchiveApplication(f"sqlite:///{tmp_path / 'archive.db'}")
    identity = Identity(app)
    dissolved = identity.registered("Phường An Bình", AN_BINH)
    keeper = identity.registered("Phường Tân Lập", TAN_LAP)
    divided = identity.registered("Phường Hòa Bình", HOA_BINH)
    north = identity.registered("Phường Hòa Bình Bắc", "000.00.34.H26")
    south = identity.registered("Phường Hòa Bình Nam", "000.00.35.H26")
    empty = identity.registered("Tổ công tác lâm thời", "000.00.36.H26")
    catalogued = {}
    for unit, code in ((dissolved, "KS-01"), (divided, "KS-01"), (divided, "KS-02")):
        record = app.catalogue("", str(unit), DescriptionInput(
            notation=code, year=2020, title="Sổ đăng ký kết hôn năm 2020", retention_years=0,
            start_date=dt.date(2020, 1, 6), end_date=dt.date(2020, 12, 29), page_count=80,
            document_count=1))["record_id"]
        catalogued.setdefault(unit, []).append(record)

    identity.tells("UnitDissolved", identity_events.UnitDissolved(
        unit_id=str(dissolved), records_successor_unit_id=str(keeper),
        effective_date=date_pb2.Date(year=2025, month=7, day=1)))
    identity.tells("UnitDivided", identity_events.UnitDivided(
        unit_id=str(divided), successor_unit_ids=[str(north), str(south)],
        default_successor_unit_id=str(south),
        effective_date=date_pb2.Date(year=2025, month=7, day=1)))
    identity.tells("UnitDissolved", identity_events.UnitDissolved(
        unit_id=str(empty), records_successor_unit_id=str(keeper)))

    for unit, successor, cause in ((dissolved, keeper, "dissolved"),
                                   (divided, south, "divided")):
        key = transfer_id(fonds_id(unit), successor)
        assert app.books.transfers_of(unit) == [key]
        transfer = app.transfer(key)
        assert (transfer.cause, transfer.to_unit_id, transfer.state) == (
            cause, successor, "prepared")
        assert sorted(line["record_id"] for line in transfer.listed) == sorted(catalogued[unit])
        assert app.known_unit(unit).records_successor_id == successor
    assert app.books.transfers_of(north) == []
    # A unit that kept no records has no fonds to hand on.
    assert app.books.transfers_of(empty) == []
    assert not app.known_unit(empty).is_active
    app.close()
