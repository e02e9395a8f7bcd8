"""Phường Quế Võ digitizes a land record: its pages are uploaded to the archive's Object
Store (a real nats-server) and checked at capture, a page scanned too coarsely and a
page scanned twice are sent back, the record is made into a Vietnamese PDF/A by OCR,
sealed with the ward's seal by the real signatures service (a person's certificate is
refused), packaged, and its package passes eark-validator; its fixity holds until the
stored package is altered, and then names the file that changed."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import hashlib
import tarfile
import uuid
from typing import TYPE_CHECKING

import grpc
import pytest

from lienthong.devtools import earkvalidator
from lienthong.files.service import ServiceFiles
from lienthong.metrics import REGISTRY
from lienthong.services.archive.application import ArchiveApplication
from lienthong.services.archive.capture.samples import sample_page, text_lines
from lienthong.services.archive.catalogue import DescriptionInput
from lienthong.services.archive.domain.units import KnownUnit
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
from lienthong.testing.grpc_server import ServerThread

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator
    from pathlib import Path

    from lienthong.testing.nats import NatsServer

QUE_VO_CODE = "000.00.12.H06"
LARGE = [("grpc.max_send_message_length", 64 << 20),
         ("grpc.max_receive_message_length", 64 << 20)]
A5 = (148.0, 210.0)
LAND_RECORD = DescriptionInput(
    notation="DC-05", year=2015, title="Hồ sơ địa chính phường Quế Võ năm 2015",
    retention_years=0, start_date=dt.date(2015, 1, 5), end_date=dt.date(2015, 12, 28),
    page_count=2, document_count=2, keywords=("địa chính",), physical_condition="tốt")


class Seals:
    """The signatures service on a real socket, holding Quế Võ's seal and a person's
    credential."""

    def __init__(self, app: SignaturesApplication, channel: grpc.Channel,
                 unit_id: uuid.UUID) -> None:
        self.app, self.channel, self.unit_id = app, channel, unit_id

    def credential(self, *, agency_seal: bool) -> tuple[str, str]:
        """A new credential of the ward and the code its holder's phone shows now."""
        credential_id = self.app.issue_credential(
            "", official_id=str(uuid.uuid4()), full_name="Nguyễn Thị Lan",
            position="Văn thư", unit_id=str(self.unit_id), key_algorithm="ec-p256",
            agency_seal=agency_seal)["credential_id"]
        _, secret = self.app.enroll_authenticator(credential_id)
        step = otp.step_of(self.app.clock())
        self.app.confirm_authenticator(credential_id, otp.code_at_step(secret, step - 1))
        return credential_id, otp.code_at_step(secret, step)


@pytest.fixture(scope="module")
def seals(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seals]:
    from lienthong.testing.softhsm import fresh_token

    app = SignaturesApplication(
        f"sqlite:///{tmp_path_factory.mktemp('signatures') / 'events.db'}",
        key_store=TokenKeyStore(fresh_token()), authority_key_type="ec-p256")
    unit = SignaturesUnit(id=uuid.uuid4(), display_name="Ủy ban nhân dân phường Quế Võ",
                          level="commune", agency_code=QUE_VO_CODE, province_id=None)
    app.save(unit)
    with ServerThread(lambda server: add_to_server(app, server),
                      max_request_bytes=SERVICE.max_request_bytes) as running, \
            grpc.insecure_channel(running.address, options=LARGE) as channel:
        yield Seals(app, channel, unit.id)
    app.close()


class Archive:
    def __init__(self, app: ArchiveApplication, files: ServiceFiles) -> None:
        self.app, self.files = app, files
        self.worker = ArchiveWorker(app)
        self.unit = KnownUnit(id=uuid.uuid4(), display_name="Phường Quế Võ",
                              agency_code=QUE_VO_CODE, province_id=None)
        app.save(self.unit)

    async def uploaded(self, name: str, data: bytes) -> dict[str, object]:
        store = await self.files.store()
        begun = await store.begin_upload(name, "image/jpeg", len(data))
        await store.append(begun.upload_id, 0, data)
        stored = await store.finish(begun.upload_id, hashlib.sha256(data).hexdigest())
        return {"name": name, "object_name": name, "size": stored.size,
                "sha256": stored.sha256, "content_type": "image/jpeg"}

    async def capture(self, batch_id: str, record_id: str, sequence: int,
                      image: bytes) -> dict[str, object]:
        file = await self.uploaded(f"scan-{uuid.uuid4().hex}.jpg", image)
        return await asyncio.to_thread(self.app.capture_page, "", batch_id, record_id,
                                       sequence, "text", file)

    async def round(self) -> dict[str, int]:
        return await asyncio.to_thread(self.worker.round)


@pytest.fixture
async def archive(nats_server: NatsServer, seals: Seals,
                  tmp_path: Path) -> AsyncIterator[Archive]:
    files = ServiceFiles("archive", nats_server.url, limits=file_limits())
    stop = asyncio.Event()
    opened = asyncio.create_task(files.run(stop))
    app = ArchiveApplication(f"sqlite:///{tmp_path / 'archive.db'}", files=files,
                             inspector=QualityInspector(), seal=AgencySeal(lambda: seals.channel))
    await files.store()
    yield Archive(app, files)
    stop.set()
    await opened
    app.close()


def page(seed: int, **options: object) -> bytes:
    """A scanned A5 page of its own text (300 dpi, colour, JPEG unless told otherwise)."""
    return sample_page(**{"seed": seed, "lines": text_lines(seed, 8), "size_mm": A5,
                          **options})


async def test_a_land_record_is_captured_digitized_sealed_packaged_and_kept(
        archive: Archive, seals: Seals, tmp_path: Path) -> None:
    app = archive.app
    record_id = app.catalogue("", str(archive.unit.id), LAND_RECORD)["record_id"]
    batch_id = app.open_batch("", str(archive.unit.id), "Hộp 1: địa chính 2015")["batch_id"]

    first = await archive.capture(batch_id, record_id, 1, page(1))
    coarse = await archive.capture(batch_id, record_id, 2, page(2, dpi=150))
    twice = await archive.capture(batch_id, record_id, 2, page(1, quality=70))
    second = await archive.capture(batch_id, record_id, 2, page(2))

    assert first["accepted"] and second["accepted"]
    assert [f["rule"] for f in coarse["findings"]] == ["RESOLUTION"]
    assert [f["rule"] for f in twice["findings"]] == ["DUPLICATE"]
    assert "page 1" in twice["findings"][0]["detail"]

    app.digitize("", record_id)
    assert (await archive.round())["copies"] == 1
    record = app.record(record_id)
    assert record.state == "digitized"
    assert record.ocr["pdfa_conformance"].startswith("2")
    assert record.ocr["text_characters"] > 100

    person, code = seals.credential(agency_seal=False)
    with pytest.raises(SealRefusedError):
        await asyncio.to_thread(app.seal_copy, "", record_id, person, code)
    seal, code = seals.credential(agency_seal=True)
    await asyncio.to_thread(app.seal_copy, "seal-1", record_id, seal, code)
    record = app.record(record_id)
    assert record.state == "sealed"
    assert record.seal["agency_code"] == QUE_VO_CODE

    assert (await archive.round())["packages"] == 1
    record = app.record(record_id)
    assert record.state == "preserved"
    assert record.package_id == "aip-000.00.12.H06.2015.DC-05"
    tar = tmp_path / "package.tar"
    await asyncio.to_thread(archive.files.save_to, record.package.object_name, tar,
                            sha256=record.package.sha256)
    result = await asyncio.to_thread(earkvalidator.validate, tar)
    assert result.valid, result.messages

    progress = app.progress(unit_id=str(archive.unit.id))
    assert (progress["totals"].pages_accepted, progress["totals"].pages_sent_back) == (2, 2)
    assert dict(progress["totals"].failures_by_rule) == {"RESOLUTION": 1, "DUPLICATE": 1}
    assert progress["share_digitized"] == 1.0

    checked = await asyncio.to_thread(app.check_fixity, record_id)
    assert (checked["outcome"], checked["damaged_files"]) == ("intact", [])

    # The stored package is altered: one byte of the sealed PDF inside it.
    data = bytearray(tar.read_bytes())
    with tarfile.open(tar) as members:
        pdf = next(m for m in members.getmembers() if m.name.endswith(".pdf"))
    data[pdf.offset_data + pdf.size // 2] ^= 0xFF
    store = await archive.files.store()
    objects = await store._js.object_store(store.bucket)  # the bucket, as NATS keeps it
    await objects.put(record.package.object_name, bytes(data))

    damaged = await asyncio.to_thread(app.check_fixity, record_id)
    assert damaged["outcome"] == "damaged"
    # Named from the bag's root (the tar's top folder is the package's id).
    assert damaged["damaged_files"] == [pdf.name.split("/", 1)[1]]
    names = [type(e).__name__ for e in app.history(uuid.UUID(record_id))]
    assert names[-3:] == ["FixityChecked", "FixityChecked", "DamageFound"]
    assert app.fixity_status()["damaged_record_ids"] == [record_id]
    # The next round raises the alert: the damaged packages' gauge.
    await archive.round()
    assert REGISTRY.get_sample_value("lienthong_archive_damaged_packages") == 1


async def test_a_record_whose_pages_are_not_all_accepted_is_not_digitized(
        archive: Archive) -> None:
    app = archive.app
    described = dataclasses.replace(LAND_RECORD, notation="DC-06")
    record_id = app.catalogue("", str(archive.unit.id), described)["record_id"]
    batch_id = app.open_batch("", str(archive.unit.id), "Hộp 2")["batch_id"]
    blank = await archive.capture(batch_id, record_id, 1, page(3, lines=()))
    assert [f["rule"] for f in blank["findings"]] == ["BLANK"]
    await archive.capture(batch_id, record_id, 2, page(4))

    from lienthong.errors import FailedPrecondition

    with pytest.raises(FailedPrecondition, match="pages 1 have no accepted capture"):
        app.digitize("", record_id)
    assert app.record(record_id).state == "catalogued"
