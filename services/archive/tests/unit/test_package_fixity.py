"""Fixity of a stored package tar: one streamed pass, every member hashed and compared with
the bag's own manifests; damage, loss, strays, truncation and non-tars reported plainly."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import tarfile
from pathlib import Path

import pytest

from lienthong.services.archive.packaging import (
    FixityReport,
    PackageManifest,
    PayloadFile,
    PreservationEvent,
    RecordDescription,
    check_tar,
    iter_tar,
    write_package,
)

UTC = dt.UTC
CREATED = dt.datetime(2025, 11, 20, 2, 15, tzinfo=UTC)
PACKAGE_ID = "aip-0d9e3c52-7a51-4b8f-a0a4-3a6b1f2e4c77"
PDF = "Quyết định giao đất.pdf"
PAGES = [f"trang-{number:03d}.tif" for number in (1, 2)]
PDF_PATH = f"data/{PACKAGE_ID}/representations/rep1/data/{PDF}"


@pytest.fixture
def manifest(tmp_path: Path) -> PackageManifest:
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    contents = {PDF: b"%PDF-1.7\n" + os.urandom(300_000) + b"\n%%EOF\n",
                PAGES[0]: b"II*\0" + os.urandom(70_000), PAGES[1]: b"II*\0" + bytes(50_000)}
    payload = []
    for name, data in contents.items():
        (uploads / name).write_bytes(data)
        payload.append(PayloadFile(name, uploads / name, len(data),
                                   hashlib.sha256(data).hexdigest(),
                                   "application/pdf" if name == PDF else "image/tiff",
                                   CREATED))
    record = RecordDescription(
        file_code="000.00.07.H26.2024.TCCB-03", title="Hồ sơ giao đất ở cho hộ bà Lê Thị Hoa",
        agency_code="000.00.07.H26", agency_name="Ủy ban nhân dân phường Hiến Nam",
        fonds_code="H26.07", fonds_name="Phông UBND phường Hiến Nam", year=2024,
        start_date=dt.date(2024, 2, 1), end_date=dt.date(2024, 9, 12), retention_years=20,
        page_count=2, document_count=1, access="restricted")
    events = [PreservationEvent("fixity-1", "fixity check", CREATED, "success",
                                "SHA-256 khớp", "Lienthong archive")]
    return write_package(tmp_path / "bag", package_id=PACKAGE_ID, record=record,
                         payload=payload, events=events, created=CREATED,
                         creator="Lienthong archive", creator_version="0.1.0")


def tar_of(manifest: PackageManifest) -> bytes:
    return b"".join(iter_tar(manifest))


def statuses(report: FixityReport) -> dict[str, str]:
    return {check.path: check.status for check in report.files if check.status != "ok"}


def test_a_fresh_package_is_intact(manifest: PackageManifest) -> None:
    data = tar_of(manifest)
    report = check_tar(io.BytesIO(data))
    assert report.intact and report.outcome == "intact" and report.problem is None
    assert report.package_id == PACKAGE_ID
    assert report.bytes_read == len(data)
    assert {check.path for check in report.files} == {e.path for e in manifest.entries}
    for check, entry in zip(sorted(report.files, key=lambda c: c.path),
                            sorted(manifest.entries, key=lambda e: e.path), strict=True):
        assert check.actual == entry.sha256
        assert check.expected == (None if entry.path == "tagmanifest-sha256.txt"
                                  else entry.sha256)


def test_one_flipped_payload_byte_is_that_file_damaged(manifest: PackageManifest) -> None:
    data = bytearray(tar_of(manifest))
    data[data.index(b"%PDF-1.7") + 1000] ^= 0x01
    report = check_tar(io.BytesIO(bytes(data)))
    assert report.outcome == "damaged" and report.problem is None
    [damaged] = report.having("damaged")
    assert damaged.path == PDF_PATH
    entry = next(e for e in manifest.entries if e.path == PDF_PATH)
    assert damaged.expected == entry.sha256 != damaged.actual
    assert len(report.having("ok")) == len(manifest.entries) - 1


def test_a_changed_tag_file_is_damaged_too(manifest: PackageManifest) -> None:
    data = tar_of(manifest).replace(b"Payload-Oxum: ", b"Payload-Oxum:\t")
    assert statuses(check_tar(io.BytesIO(data))) == {"bag-info.txt": "damaged"}


def test_a_truncated_tar_says_where_it_ends_and_what_is_lost(manifest: PackageManifest) -> None:
    data = tar_of(manifest)
    cut = data.index(b"%PDF-1.7") + 150_000
    report = check_tar(io.BytesIO(data[:cut]))
    assert report.outcome == "damaged"
    assert report.problem == f"truncated: the stream ends inside {PDF_PATH}"
    assert report.bytes_read == cut
    lost = statuses(report)
    assert lost.pop(PDF_PATH) == "damaged"
    assert set(lost.values()) == {"missing"}
    assert f"data/{PACKAGE_ID}/representations/rep1/data/{PAGES[1]}" in lost
    assert next(c for c in report.files if c.path == PDF_PATH).actual is None


def test_a_tar_cut_between_members_is_truncated(manifest: PackageManifest) -> None:
    data = tar_of(manifest)
    report = check_tar(io.BytesIO(data[:data.index(b"%PDF-1.7") - 512]))
    assert report.problem is not None
    assert report.problem.startswith("truncated: the stream ends")
    assert statuses(report)[PDF_PATH] == "missing"


def test_bytes_that_are_not_a_tar_are_not_a_package() -> None:
    report = check_tar(io.BytesIO(os.urandom(100_000)))
    assert report.outcome == "damaged"
    assert report.problem == "not a tar archive at its start (invalid header)"
    assert report.files == () and report.package_id is None
    assert check_tar(io.BytesIO(b"")).problem == "not a package: the stream is empty"
    assert check_tar(io.BytesIO(bytes(10240))).problem == \
        "not a package: the tar holds no files"
    assert check_tar(io.BytesIO(b"PK\x03\x04" + bytes(600))).outcome == "damaged"


def test_a_tar_without_a_bag_is_not_a_package(tmp_path: Path) -> None:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as archive:
        info = tarfile.TarInfo("photos/cat.jpg")
        info.size = 3
        archive.addfile(info, io.BytesIO(b"cat"))
    report = check_tar(io.BytesIO(out.getvalue()))
    assert report.outcome == "damaged"
    assert report.problem == ("no manifest-sha256.txt: not a BagIt package; "
                              "no tagmanifest-sha256.txt: not a BagIt package")
    assert statuses(report) == {"cat.jpg": "unexpected"}


def rewritten(data: bytes, *, drop: str = "", add: tuple[str, bytes] | None = None) -> bytes:
    """The package tar with one member left out or one more file added."""
    out = io.BytesIO()
    with tarfile.open(fileobj=io.BytesIO(data)) as source, \
            tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as target:
        for member in source.getmembers():
            if member.name != f"{PACKAGE_ID}/{drop}":
                target.addfile(member, source.extractfile(member) if member.isfile() else None)
        if add is not None:
            info = tarfile.TarInfo(f"{PACKAGE_ID}/{add[0]}")
            info.size = len(add[1])
            target.addfile(info, io.BytesIO(add[1]))
    return out.getvalue()


def test_a_lost_file_is_missing_and_a_stray_one_unexpected(manifest: PackageManifest) -> None:
    data = tar_of(manifest)
    page = f"data/{PACKAGE_ID}/representations/rep1/data/{PAGES[0]}"
    assert statuses(check_tar(io.BytesIO(rewritten(data, drop=page)))) == {page: "missing"}
    stray = f"data/{PACKAGE_ID}/representations/rep1/data/ghi-chú.txt"
    report = check_tar(io.BytesIO(rewritten(data, add=(stray, b"not listed"))))
    assert statuses(report) == {stray: "unexpected"}
    assert report.having("unexpected")[0].actual == hashlib.sha256(b"not listed").hexdigest()
    assert statuses(check_tar(io.BytesIO(rewritten(data, drop="manifest-sha256.txt"))))[
        "manifest-sha256.txt"] == "missing"


class Trickle(io.RawIOBase):
    """A stream that hands out at most 3,000 bytes a read and records each read's size."""

    def __init__(self, data: bytes) -> None:
        self.data = memoryview(data)
        self.position = 0
        self.asked: list[int] = []

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        self.asked.append(len(buffer))
        count = min(len(buffer), 3_000, len(self.data) - self.position)
        buffer[:count] = self.data[self.position:self.position + count]
        self.position += count
        return count


class ReadOnly:
    """A stream with read() alone (no readinto), as some HTTP bodies are."""

    def __init__(self, data: bytes) -> None:
        self.source = io.BytesIO(data)

    def read(self, size: int = -1) -> bytes:
        return self.source.read(size)


def test_short_reads_and_read_only_streams_give_the_same_report(
        manifest: PackageManifest) -> None:
    data = tar_of(manifest)
    expected = check_tar(io.BytesIO(data))
    trickle = Trickle(data)
    assert check_tar(trickle, chunk_size=64 * 1024) == expected  # type: ignore[arg-type]
    assert max(trickle.asked) <= 64 * 1024
    assert check_tar(ReadOnly(data), chunk_size=4096) == expected  # type: ignore[arg-type]


def test_data_after_the_tar_s_end_is_reported(manifest: PackageManifest) -> None:
    data = tar_of(manifest)
    assert check_tar(io.BytesIO(data + bytes(4096))).intact
    report = check_tar(io.BytesIO(data + b"appended"))
    assert report.outcome == "damaged"
    assert report.problem == f"data after the tar's end (at byte {len(data)})"
    assert report.having("damaged") == report.having("missing") == ()
