"""A record's archival package: an E-ARK CSIP AIP in a BagIt bag, that eark-validator and
bagit accept, written from digests computed on upload without reading the payload again."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import shutil
import tarfile
import unicodedata
from pathlib import Path

import bagit
import pytest
from lxml import etree
from PIL import Image, ImageDraw

from lienthong.devtools import earkvalidator
from lienthong.services.archive.packaging import (
    MAX_PAYLOAD_FILES,
    InvalidPackageInput,
    PackageManifest,
    PayloadFile,
    PreservationEvent,
    RecordDescription,
    check_tar,
    iter_tar,
    write_package,
    write_tar,
)
from lienthong.services.archive.packaging import writer as writer_module
from lienthong.services.archive.packaging.record import SCHEMA

VIETNAM = dt.timezone(dt.timedelta(hours=7))
CREATED = dt.datetime(2025, 7, 1, 9, 30, tzinfo=VIETNAM)
PACKAGE_ID = "aip-5b0c6f0e-61a4-4c3e-9d0e-2f1c8a7b9e10"
SIGNED = "Hồ sơ 05 đã ký số.pdf"
SCAN = "trang-001.jpg"
METS = "{http://www.loc.gov/METS/}"


def record(**changes: object) -> RecordDescription:
    fields: dict[str, object] = {
        "file_code": "000.00.12.H56.2025.05",
        "title": "Hồ sơ cấp giấy chứng nhận quyền sử dụng đất cho hộ ông Nguyễn Văn Đức, "
                 "thôn Đông Hưng",
        "agency_code": "000.00.12.H56", "agency_name": "Ủy ban nhân dân xã Đông Hưng",
        "fonds_code": "H56.12", "fonds_name": "Phông lưu trữ Ủy ban nhân dân xã Đông Hưng",
        "year": 2025, "start_date": dt.date(2025, 3, 4), "end_date": dt.date(2025, 6, 30),
        "retention_years": None, "page_count": 3, "document_count": 2,
        "keywords": ("đất đai", "giấy chứng nhận"), "physical_condition": "Tốt",
        "notes": "Số hóa từ bản giấy lưu tại UBND xã."}
    fields.update(changes)
    return RecordDescription(**fields)  # type: ignore[arg-type]


def described(name: str, path: Path, mime_type: str) -> PayloadFile:
    data = path.read_bytes()
    return PayloadFile(name, path, len(data), hashlib.sha256(data).hexdigest(), mime_type,
                       CREATED - dt.timedelta(days=1))


@pytest.fixture
def payload(tmp_path: Path) -> list[PayloadFile]:
    """A page scan and the PDF made of it, as the upload left them (digests known)."""
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    page = Image.new("L", (620, 877), 255)
    ImageDraw.Draw(page).text((40, 40), "UBND xa Dong Hung - Giay chung nhan QSDD", fill=0)
    page.save(uploads / "scan.jpg", quality=80)
    page.save(uploads / "signed.pdf")
    return [described(SIGNED, uploads / "signed.pdf", "application/pdf"),
            described(SCAN, uploads / "scan.jpg", "image/jpeg")]


def events(names: tuple[str, ...] = (SIGNED, SCAN)) -> list[PreservationEvent]:
    """The record's history; events name only the given payload files."""
    chosen = [
        PreservationEvent("ev-1", "message digest calculation", CREATED - dt.timedelta(days=1),
                          "success", "SHA-256 tính khi tải lên", "Lienthong files",
                          objects=(SIGNED, SCAN)),
        PreservationEvent("ev-2", "digital signature validation", CREATED - dt.timedelta(hours=3),
                          "success", "Chữ ký số của cơ quan hợp lệ", "Lienthong signatures",
                          objects=(SIGNED,)),
        PreservationEvent("ev-3", "custody transfer", CREATED - dt.timedelta(hours=1), "success",
                          "Văn thư giao nộp hồ sơ vào lưu trữ cơ quan",
                          "Ủy ban nhân dân xã Đông Hưng", agent_type="organization"),
        PreservationEvent("ev-4", "ingestion", CREATED, "success", "Nộp lưu", "Lienthong archive"),
    ]
    return [PreservationEvent(e.event_id, e.event_type, e.when, e.outcome, e.detail, e.agent,
                              e.agent_type, tuple(n for n in e.objects if n in names))
            for e in chosen]


def package(directory: Path, files: list[PayloadFile], **changes: object) -> PackageManifest:
    names = tuple(item.name for item in changes.get("payload", files))  # type: ignore[attr-defined]
    arguments: dict[str, object] = {
        "package_id": PACKAGE_ID, "record": record(), "payload": files,
        "events": events(names),
        "created": CREATED, "creator": "Lienthong archive", "creator_version": "0.1.0"}
    arguments.update(changes)
    return write_package(directory, **arguments)  # type: ignore[arg-type]


def eark(path: Path) -> earkvalidator.Result:
    """eark-validator's verdict; its environment failing to install fails the test."""
    try:
        earkvalidator.ensure()
    except earkvalidator.EarkValidatorUnavailable as error:
        pytest.fail(f"eark-validator could not be installed, so packages are unproven: {error}")
    return earkvalidator.validate(path)


def ip_root(manifest: PackageManifest) -> Path:
    return manifest.directory / "data" / PACKAGE_ID


@pytest.mark.timeout(1200)  # the first run installs eark-validator's environment
def test_a_vietnamese_record_s_package_passes_eark_validator(tmp_path: Path,
                                                             payload: list[PayloadFile]) -> None:
    manifest = package(tmp_path / "bag", payload)
    result = eark(manifest.directory)
    assert result.path == ip_root(manifest)
    assert result.errors == ()
    assert result.valid
    assert (result.structure, result.schema, result.schematron) == ("WellFormed", "Valid",
                                                                    "Valid")
    # The one warning: the representation's division sits beside the Representations
    # division, where CSIP 2.1 puts it (mets/structMap/div/div/mptr), not inside it.
    assert [m.rule_id for m in result.warnings] == ["CSIP105"]


@pytest.mark.timeout(1200)
def test_eark_validator_takes_the_package_s_tar_too(tmp_path: Path,
                                                    payload: list[PayloadFile]) -> None:
    manifest = package(tmp_path / "bag", payload)
    with (tmp_path / "package.tar").open("wb") as out:
        write_tar(manifest, out)
    result = eark(tmp_path / "package.tar")
    assert result.valid, result.errors
    assert result.path.name == PACKAGE_ID


@pytest.mark.timeout(1200)
def test_eark_validator_finds_a_broken_package(tmp_path: Path,
                                               payload: list[PayloadFile]) -> None:
    manifest = package(tmp_path / "bag", payload)
    root = ip_root(manifest)
    mets = (root / "METS.xml").read_text()
    altered = tmp_path / "altered"
    shutil.copytree(root, altered)
    digest = payload[0].sha256
    (altered / "METS.xml").write_text(mets.replace(digest, digest[::-1]))
    result = eark(altered)
    assert not result.valid
    assert [m.rule_id for m in result.errors] == ["METS-CHECKSUM"]
    assert "Hồ sơ 05 đã ký số.pdf" in result.errors[0].text

    missing = tmp_path / "missing"
    shutil.copytree(root, missing)
    (missing / "representations" / "rep1" / "data" / SCAN).unlink()
    assert {m.rule_id for m in eark(missing).errors} == {"METS-MISSING"}

    unsummed = tmp_path / "unsummed"  # eark-validator's own Schematron rules
    shutil.copytree(root, unsummed)
    (unsummed / "METS.xml").write_text(re.sub(r' CHECKSUM="[0-9a-f]{64}"', "", mets, count=1))
    result = eark(unsummed)
    assert not result.valid
    assert "CSIP29" in {m.rule_id for m in result.errors if m.check == "schematron"}

    headless = tmp_path / "headless"
    shutil.copytree(root, headless)
    (headless / "METS.xml").unlink()
    result = eark(headless)
    assert not result.valid
    assert result.structure == "NotWellFormed"


def test_bagit_validates_the_bag(tmp_path: Path, payload: list[PayloadFile]) -> None:
    manifest = package(tmp_path / "bag", payload)
    bag = bagit.Bag(str(manifest.directory))
    bag.validate()
    assert bag.info["External-Identifier"] == PACKAGE_ID
    assert bag.info["Internal-Sender-Identifier"] == "000.00.12.H56.2025.05"
    assert bag.info["Payload-Oxum"] == f"{manifest.payload_bytes}.10"
    listed = {e.path: e.sha256 for e in manifest.entries if e.path.startswith("data/")}
    payload_path = f"data/{PACKAGE_ID}/representations/rep1/data/{SIGNED}"
    assert bag.entries[payload_path]["sha256"] == payload[0].sha256 == listed[payload_path]
    assert {path for path in bag.entries if path.startswith("data/")} == set(listed)


def test_the_layout_follows_csip(tmp_path: Path, payload: list[PayloadFile]) -> None:
    manifest = package(tmp_path / "bag", payload)
    paths = [entry.path for entry in manifest.entries]
    prefix = f"data/{PACKAGE_ID}"
    assert paths[:4] == ["bagit.txt", "bag-info.txt", "manifest-sha256.txt",
                         "tagmanifest-sha256.txt"]
    assert paths[4:] == sorted(paths[4:])
    assert set(paths[4:]) == {f"{prefix}/{path}" for path in (
        "METS.xml", "documentation/README.txt", "metadata/descriptive/ead.xml",
        "metadata/other/hoso.xml", "metadata/preservation/premis.xml", "schemas/hoso.xsd",
        "representations/rep1/METS.xml", f"representations/rep1/data/{SIGNED}",
        f"representations/rep1/data/{SCAN}",
        "representations/rep1/metadata/preservation/premis.xml")}
    for entry in manifest.entries:
        data = (manifest.directory / entry.path).read_bytes()
        assert (len(data), hashlib.sha256(data).hexdigest()) == (entry.size, entry.sha256)


def test_every_file_s_digest_is_in_the_mets(tmp_path: Path, payload: list[PayloadFile]) -> None:
    manifest = package(tmp_path / "bag", payload)
    root = ip_root(manifest)
    mets = etree.parse(str(root / "METS.xml")).getroot()
    assert mets.get("OBJID") == PACKAGE_ID
    assert mets.get("LABEL") == record().title
    header = mets.find(f"{METS}metsHdr")
    assert header.get("{https://DILCIS.eu/XML/METS/CSIPExtensionMETS}OAISPACKAGETYPE") == "AIP"
    described_files = {}
    for element in mets.iter(f"{METS}file", f"{METS}mdRef"):
        location = element if element.tag.endswith("mdRef") else element.find(f"{METS}FLocat")
        href = location.get("{http://www.w3.org/1999/xlink}href")
        described_files[href] = (int(element.get("SIZE")), element.get("CHECKSUM"),
                                 element.get("CHECKSUMTYPE"), element.get("MIMETYPE"))
    listed = {e.path.removeprefix(f"data/{PACKAGE_ID}/"): e for e in manifest.entries
              if e.path.startswith("data/") and not e.path.endswith(f"{PACKAGE_ID}/METS.xml")}
    quoted = {"representations/rep1/data/H%E1%BB%93%20s%C6%A1%2005%20%C4%91%C3%A3%20k%C3%BD"
              "%20s%E1%BB%91.pdf": f"representations/rep1/data/{SIGNED}"}
    assert {quoted.get(href, href) for href in described_files} == set(listed)
    for href, (size, checksum, kind, mime_type) in described_files.items():
        entry = listed[quoted.get(href, href)]
        assert (size, checksum, kind) == (entry.size, entry.sha256, "SHA-256")
        assert mime_type
    representation = etree.parse(str(root / "representations/rep1/METS.xml")).getroot()
    assert representation.get("OBJID") == "rep1"


def test_the_metadata_carry_the_record(tmp_path: Path, payload: list[PayloadFile]) -> None:
    manifest = package(tmp_path / "bag", payload)
    root = ip_root(manifest)
    native = etree.parse(str(root / "metadata/other/hoso.xml"))
    schema = etree.XMLSchema(etree.fromstring(SCHEMA))
    assert schema.validate(native), schema.error_log
    assert (root / "schemas/hoso.xsd").read_bytes() == SCHEMA
    names = {"h": "urn:lienthong:archive:hoso:1"}
    assert native.findtext("h:Title", namespaces=names) == record().title
    assert native.findtext("h:Retention", namespaces=names) == "permanent"
    assert native.findtext("h:Notation", namespaces=names) == "05"

    ead = etree.parse(str(root / "metadata/descriptive/ead.xml"))
    names = {"e": "http://ead3.archivists.org/schema/"}
    file_level = ead.find(".//e:c[@level='file']/e:did", names)
    assert file_level.findtext("e:unitid[@localtype='file_code']", namespaces=names) == \
        "000.00.12.H56.2025.05"
    assert file_level.findtext("e:unittitle", namespaces=names) == record().title
    assert file_level.find(".//e:fromdate", names).get("standarddate") == "2025-03-04"
    assert ead.findtext(".//e:appraisal/e:p", namespaces=names) == \
        "Thời hạn bảo quản: Vĩnh viễn"

    premis = etree.parse(str(root / "representations/rep1/metadata/preservation/premis.xml"))
    names = {"p": "http://www.loc.gov/premis/v3"}
    digests = premis.xpath("//p:fixity/p:messageDigest/text()", namespaces=names)
    assert digests == [item.sha256 for item in payload]
    events_xml = etree.parse(str(root / "metadata/preservation/premis.xml"))
    assert events_xml.xpath("//p:eventType/text()", namespaces=names) == [
        "message digest calculation", "digital signature validation", "custody transfer",
        "ingestion"]
    readme = (root / "documentation/README.txt").read_text()
    assert record().title in readme and payload[0].sha256 in readme


def test_the_writer_hashes_only_the_files_it_generates(
        tmp_path: Path, payload: list[PayloadFile], monkeypatch: pytest.MonkeyPatch) -> None:
    big = tmp_path / "uploads" / "big.tif"
    with big.open("wb") as out:
        out.write(b"II*\0" + bytes(8 << 20))
    payload.append(described("big.tif", big, "image/tiff"))
    hashed: list[int] = []
    real_sha256 = hashlib.sha256

    def counting_sha256(data: bytes = b"") -> object:
        hashed.append(len(data))
        return real_sha256(data)

    monkeypatch.setattr(writer_module.hashlib, "sha256", counting_sha256)
    manifest = package(tmp_path / "bag", payload)
    generated = [e for e in manifest.entries if "/rep1/data/" not in e.path]
    assert sum(hashed) == sum(e.size for e in generated) < 100_000
    assert len(hashed) == len(generated)


def test_a_wrong_declared_digest_is_written_as_given_and_fixity_finds_it(
        tmp_path: Path, payload: list[PayloadFile]) -> None:
    # The digest was computed while the upload streamed in; the writer trusts it.
    wrong = PayloadFile(payload[1].name, payload[1].source, payload[1].size, "0" * 64,
                        payload[1].mime_type, payload[1].created)
    manifest = package(tmp_path / "bag", [payload[0], wrong])
    assert f"{'0' * 64}  data/{PACKAGE_ID}/representations/rep1/data/{SCAN}" in \
        (manifest.directory / "manifest-sha256.txt").read_text()
    with pytest.raises(bagit.BagValidationError):
        bagit.Bag(str(manifest.directory)).validate()
    report = check_tar(io.BytesIO(b"".join(iter_tar(manifest))))
    assert report.outcome == "damaged"
    [damaged] = report.having("damaged")
    assert damaged.path.endswith(f"/rep1/data/{SCAN}")
    assert (damaged.expected, damaged.actual) == ("0" * 64, payload[1].sha256)


def test_the_tar_is_deterministic_and_dated_at_the_package_s_creation(
        tmp_path: Path, payload: list[PayloadFile]) -> None:
    first, second = (package(tmp_path / name, payload) for name in ("one", "two"))
    out = io.BytesIO()
    size = write_tar(first, out)
    data = out.getvalue()
    assert size == len(data) and len(data) % tarfile.RECORDSIZE == 0
    assert b"".join(iter_tar(second)) == data
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        members = archive.getmembers()
    assert members[0].name == PACKAGE_ID and members[0].isdir()
    assert [m.name for m in members[1:5]] == [f"{PACKAGE_ID}/{name}" for name in (
        "bagit.txt", "bag-info.txt", "manifest-sha256.txt", "tagmanifest-sha256.txt")]
    assert {m.mtime for m in members} == {int(CREATED.timestamp())}
    assert {(m.uid, m.gid, m.uname, m.gname) for m in members} == {(0, 0, "", "")}
    names = [m.name for m in members]
    assert f"{PACKAGE_ID}/data/{PACKAGE_ID}/representations/rep1/data/{SIGNED}" in names
    assert all(unicodedata.is_normalized("NFC", name) for name in names)


def test_the_package_appears_whole_or_not_at_all(tmp_path: Path,
                                                 payload: list[PayloadFile]) -> None:
    broken = PayloadFile(payload[0].name, tmp_path / "gone.pdf", 10, "a" * 64,
                         "application/pdf", CREATED)
    with pytest.raises(InvalidPackageInput, match=r"payload\[0\]\.source: cannot be read"):
        package(tmp_path / "bag", [broken])
    short = PayloadFile(payload[0].name, payload[0].source, payload[0].size + 1,
                        payload[0].sha256, "application/pdf", CREATED)
    with pytest.raises(InvalidPackageInput, match=r"payload\[0\]\.size: must match the "):
        package(tmp_path / "bag", [short])
    assert list(tmp_path.iterdir()) == [tmp_path / "uploads"]
    package(tmp_path / "bag", payload)
    with pytest.raises(FileExistsError):
        package(tmp_path / "bag", payload)


def invalid(tmp_path: Path, files: list[PayloadFile], **changes: object) -> str:
    with pytest.raises(InvalidPackageInput) as raised:
        package(tmp_path / "bag", files, **changes)
    assert not (tmp_path / "bag").exists()
    return str(raised.value)


def test_inputs_are_checked_before_any_work(tmp_path: Path,
                                            payload: list[PayloadFile]) -> None:
    def renamed(name: str) -> list[PayloadFile]:
        first = payload[0]
        return [PayloadFile(name, first.source, first.size, first.sha256, first.mime_type,
                            first.created)]

    assert "payload[0].name: must not contain '/'" in invalid(
        tmp_path, payload, payload=renamed("a/b.pdf"))
    assert "payload[0].name: must not be '.' or '..'" in invalid(
        tmp_path, payload, payload=renamed(".."))
    assert "payload[0].name: must be in Unicode normalization form NFC" in invalid(
        tmp_path, payload, payload=renamed(unicodedata.normalize("NFD", SIGNED)))
    assert "payload[0].name: must be at most 200 characters" in invalid(
        tmp_path, payload, payload=renamed("a" * 197 + ".pdf"))
    assert "payload[0].name: must be at most 255 bytes in UTF-8" in invalid(
        tmp_path, payload, payload=renamed("ệ" * 90 + ".pdf"))
    assert "payload[1].name: must differ from payload[0].name" in invalid(
        tmp_path, payload, payload=[payload[0], *renamed(SIGNED.upper())])
    too_many = [payload[1]] * (MAX_PAYLOAD_FILES + 1)
    assert invalid(tmp_path, payload, payload=too_many) == \
        "payload: must hold at most 10000 files"
    odd = PayloadFile(SCAN, payload[1].source, -1, "xyz", "JPEG", dt.datetime(2025, 1, 1))
    message = invalid(tmp_path, payload, payload=[odd])
    for rule in ("payload[0].size: must be an integer >= 0",
                 "payload[0].sha256: must be 64 hexadecimal characters",
                 "payload[0].mime_type: must be a media type like application/pdf",
                 "payload[0].created: must be timezone-aware"):
        assert rule in message
    assert "record.end_date: must not be before record.start_date" in invalid(
        tmp_path, payload, record=record(end_date=dt.date(2025, 1, 1)))
    assert "record.year: must be an integer from 1945 to 2026" in invalid(
        tmp_path, payload, record=record(year=1930, file_code="000.00.12.H56.1930.05"))
    assert "record.file_code: must be the agency code, the year and the notation" in invalid(
        tmp_path, payload, record=record(file_code="000.00.12.H56.2024.05"))
    assert "record.title: must be at most 1000 characters" in invalid(
        tmp_path, payload, record=record(title="Hồ sơ " * 300))
    assert "record.title: must not be empty" in invalid(tmp_path, payload,
                                                        record=record(title="  "))
    assert "events[0].event_type: must be a PREMIS event type" in invalid(
        tmp_path, payload, events=[PreservationEvent("e", "upload", CREATED, "success", "",
                                                     "x")])
    assert "events[0].objects[0]: must name a payload file" in invalid(
        tmp_path, payload, events=[PreservationEvent("e", "ingestion", CREATED, "success", "",
                                                     "x", objects=("other.pdf",))])
    assert "package_id: must be 1 to 128 letters" in invalid(tmp_path, payload,
                                                             package_id="../escape")
    assert issubclass(InvalidPackageInput, ValueError)
