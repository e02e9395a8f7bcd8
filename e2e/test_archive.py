"""A seeded ward digitizes a paper record and keeps it in its archive, through gRPC only.

Phường Quế Võ (Bắc Ninh), from the demo seed, catalogues a two-page land record in its
fonds, opens a scanning batch and uploads each scanned page in chunks through the
archive's FileService; quality control at capture sends back a page scanned at 150 dpi,
which is scanned again and accepted. The archive's worker makes the record into a
two-layer PDF/A by Vietnamese OCR; the ward's clerk seals it with the ward's seal
(issued by the signatures service, authorized by the code of its authenticator; a
person's credential is refused); the worker packages and stores it, its fixity holds,
and its preservation history is PREMIS naming its FileCode. The ward's and the
province's digitization progress count its pages, what was sent back and why. Bad input
is refused with the fields named.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import uuid
import xml.etree.ElementTree as ET

import grpc
import pikepdf
import pytest
from google.type import date_pb2
from pdfminer.high_level import extract_text
from pyhanko.pdf_utils.reader import PdfFileReader
from test_dossiers import TIMEOUT, eventually
from test_seeded_communes import BAC_NINH, QUE_VO, unit
from test_signatures import enrolled, issue

from lienthong.archive.v1 import archive_pb2 as pb
from lienthong.archive.v1 import archive_pb2_grpc as pb_grpc
from lienthong.archive.v1 import files_pb2 as files_pb
from lienthong.archive.v1 import files_pb2_grpc as files_grpc
from lienthong.grpc.errors import error_details
from lienthong.services.archive.capture.samples import sample_page, text_lines
from lienthong.signatures.v1 import signatures_pb2 as signatures_pb
from lienthong.signatures.v1 import signatures_pb2_grpc

pytestmark = pytest.mark.e2e

JPEG = "image/jpeg"
#: Chunks of an upload: small, so that each scanned page takes several.
CHUNK = 16 * 1024
A5_MM = (148.0, 210.0)
#: Lines of text on each scanned page (few: OCR takes a second).
LINES = 6
#: Calls that read pages or sign a PDF (inspection, the signatures service) on a busy host.
SLOW_CALL_S = 60.0
#: The worker's rounds are LIENTHONG_ARCHIVE_WORK_INTERVAL_S apart (5 s by default); OCR
#: of two A5 pages takes seconds.
COPY_WAIT_S = 180.0
PACKAGE_WAIT_S = 120.0


@pytest.fixture(scope="module")
def archive(platform):
    channel, signatures = platform.channel("archive"), platform.channel("signatures")
    yield {"archive": pb_grpc.ArchiveServiceStub(channel),
           "digitization": pb_grpc.DigitizationServiceStub(channel),
           "files": files_grpc.FileServiceStub(channel),
           "credentials": signatures_pb2_grpc.CredentialServiceStub(signatures)}
    channel.close()
    signatures.close()


def scan(seed: int, **options: object) -> bytes:
    """A scanned A5 page of a few lines of its own (300 dpi, colour JPEG unless told)."""
    return sample_page(**{"seed": seed, "lines": text_lines(seed, LINES), "size_mm": A5_MM,
                          **options})


def uploaded(files, name: str, data: bytes, content_type: str = JPEG) -> pb.FileRef:
    """The file, sent in chunks through the archive's FileService and stored."""
    def requests():
        yield files_pb.UploadFileRequest(begin=files_pb.BeginUpload(
            request_id=f"e2e-{uuid.uuid4()}", name=name, content_type=content_type,
            size=len(data)))
        for offset in range(0, len(data), CHUNK):
            yield files_pb.UploadFileRequest(chunk=files_pb.UploadChunk(
                offset=offset, data=data[offset:offset + CHUNK]))
        yield files_pb.UploadFileRequest(finish=files_pb.FinishUpload(
            sha256=hashlib.sha256(data).hexdigest()))

    assert len(data) > 2 * CHUNK, "a page is uploaded in several chunks"
    answer = files.UploadFile(requests(), timeout=TIMEOUT)
    assert answer.upload.acknowledged_offset == len(data)
    return answer.file


def downloaded(files, file: pb.FileRef) -> bytes:
    """The stored file's bytes, checked against what the archive says it is."""
    parts = list(files.DownloadFile(files_pb.DownloadFileRequest(
        object_name=file.object_name), timeout=TIMEOUT))
    assert parts[0].file.sha256 == file.sha256
    data = b"".join(part.data for part in parts[1:])
    assert (len(data), hashlib.sha256(data).hexdigest()) == (file.size, file.sha256)
    return data


def refused(call) -> tuple[grpc.StatusCode, set[str], str]:
    """The status of a call that fails, the fields it names and its reason."""
    with pytest.raises(grpc.RpcError) as error:
        call()
    details = error_details(error.value)
    return (error.value.code(), {field for field, _ in details["field_violations"]},
            details["reason"])


def date(day: dt.date) -> date_pb2.Date:
    return date_pb2.Date(year=day.year, month=day.month, day=day.day)


def land_record(notation: str, *, pages: int = 2) -> pb.RecordDescription:
    return pb.RecordDescription(
        notation=notation, year=2015, title="Hồ sơ địa chính phường Quế Võ năm 2015",
        retention_years=0, start_date=date(dt.date(2015, 1, 5)),
        end_date=date(dt.date(2015, 12, 28)), page_count=pages, document_count=pages,
        keywords=["địa chính"], physical_condition="tốt",
        fonds_name="Phông lưu trữ Ủy ban nhân dân phường Quế Võ")


def catalogued(archive, unit_id: str, request_id: str,
               description: pb.RecordDescription) -> pb.Record:
    """The record catalogued, once the archive has learned the unit from identity."""
    return eventually(lambda: archive.CatalogueRecord(pb.CatalogueRecordRequest(
        request_id=request_id, unit_id=unit_id, description=description), timeout=TIMEOUT),
        "the archive learned the ward from identity")


def progress(digitization, **scope: str) -> pb.DigitizationProgress:
    return digitization.GetDigitizationProgress(pb.GetDigitizationProgressRequest(**scope),
                                                timeout=TIMEOUT)


def counts(found: pb.DigitizationProgress) -> dict[str, int]:
    """What a digitization report counts, the RESOLUTION failures among them."""
    return {"paper_records": found.paper_records, "digitized": found.records_digitized,
            "preserved": found.records_preserved, "captured": found.pages_captured,
            "accepted": found.pages_accepted, "sent_back": found.pages_sent_back,
            "resolution": found.failures_by_rule.get("RESOLUTION", 0)}


def settled(get, busy: int):
    """The record once it has left the state ``busy`` (the worker's step is done)."""
    return lambda: (record := get()).state != busy and record


def test_a_ward_digitizes_seals_and_preserves_a_paper_record(identity, archive):
    que_vo, bac_ninh = unit(identity, QUE_VO), unit(identity, BAC_NINH)
    run = f"e2e-archive-{uuid.uuid4().hex[:8]}"
    notation = f"DC-{run[-8:]}"
    records, digitization, files = archive["archive"], archive["digitization"], archive["files"]
    credentials = archive["credentials"]
    ward_before = counts(progress(digitization, unit_id=que_vo.unit_id))
    province_before = counts(progress(digitization, province_unit_id=bac_ninh.unit_id))

    record = catalogued(records, que_vo.unit_id, f"{run}-catalogue", land_record(notation))
    assert record.file_code == f"{que_vo.agency_code}.2015.{notation}"
    assert (record.state, record.origin) == (pb.RECORD_STATE_CATALOGUED, pb.RECORD_ORIGIN_PAPER)
    assert record.unit_id == record.holder_unit_id == que_vo.unit_id
    batch = digitization.OpenBatch(pb.OpenBatchRequest(
        request_id=f"{run}-batch", unit_id=que_vo.unit_id,
        label="Hộp 1: hồ sơ địa chính năm 2015"), timeout=TIMEOUT)

    def capture(step: str, sequence: int, image: bytes) -> pb.Page:
        scanned = uploaded(files, f"{run}-{step}.jpg", image)
        return digitization.CapturePage(pb.CapturePageRequest(
            request_id=f"{run}-{step}", batch_id=batch.batch_id, record_id=record.record_id,
            sequence=sequence, kind=pb.PAGE_KIND_TEXT, image=scanned), timeout=SLOW_CALL_S)

    first = capture("page-1", 1, scan(1))
    coarse = capture("page-2-coarse", 2, scan(2, dpi=150))
    assert first.accepted and not first.findings and round(first.dpi) == 300
    assert not coarse.accepted and round(coarse.dpi) == 150
    assert [f.rule for f in coarse.findings] == ["RESOLUTION"]
    assert "150 dpi" in coarse.findings[0].detail
    # Not every page passed yet: the record is not digitized.
    code, _, reason = refused(lambda: digitization.DigitizeRecord(pb.DigitizeRecordRequest(
        request_id=f"{run}-too-early", record_id=record.record_id), timeout=TIMEOUT))
    assert (code, reason) == (grpc.StatusCode.FAILED_PRECONDITION, "PAGES_MISSING")
    second = capture("page-2", 2, scan(2))
    assert second.accepted and not second.findings
    scanned_batch = digitization.GetBatch(pb.GetBatchRequest(batch_id=batch.batch_id),
                                          timeout=TIMEOUT)
    assert (scanned_batch.pages_captured, scanned_batch.pages_accepted,
            scanned_batch.pages_sent_back) == (3, 2, 1)

    digitizing = digitization.DigitizeRecord(pb.DigitizeRecordRequest(
        request_id=f"{run}-digitize", record_id=record.record_id), timeout=TIMEOUT)
    assert digitizing.pages_accepted == 2

    def get() -> pb.Record:
        return records.GetRecord(pb.GetRecordRequest(record_id=record.record_id),
                                 timeout=TIMEOUT)

    digitized = eventually(settled(get, pb.RECORD_STATE_DIGITIZING),
                           "the worker made the digitized copy", wait_s=COPY_WAIT_S)
    assert digitized.state == pb.RECORD_STATE_DIGITIZED, digitized
    copy = digitized.digitized_copy
    assert copy.content_type == "application/pdf"
    pdf = downloaded(files, copy)
    assert pdf.startswith(b"%PDF")
    with pikepdf.open(io.BytesIO(pdf)) as document:
        assert len(document.pages) == 2
        assert document.open_metadata().pdfa_status.startswith("2")
    for number, seed in enumerate((1, 2)):  # its text layer: the page's Vietnamese words
        read = set(extract_text(io.BytesIO(pdf), page_numbers=[number]).lower().split())
        written = set(" ".join(text_lines(seed, LINES)).lower().split())
        assert len(read & written) >= max(20, 0.9 * len(read)), (number, read - written)

    # A person's certificate is not the ward's seal: refused, the copy waits.
    clerk = issue(credentials, que_vo.unit_id, f"{run}-clerk")
    clerk_code = enrolled(credentials, clerk.credential_id)
    code, _, reason = refused(lambda: digitization.SealDigitizedCopy(
        pb.SealDigitizedCopyRequest(request_id=f"{run}-seal-person",
                                    record_id=record.record_id,
                                    credential_id=clerk.credential_id,
                                    one_time_code=clerk_code.now()), timeout=SLOW_CALL_S))
    assert (code, reason) == (grpc.StatusCode.FAILED_PRECONDITION, "SEAL_REFUSED")
    assert get().state == pb.RECORD_STATE_DIGITIZED
    seal = eventually(lambda: credentials.IssueCredential(signatures_pb.IssueCredentialRequest(
        request_id=f"{run}-seal", unit_id=que_vo.unit_id, agency_seal=True,
        official=signatures_pb.Official(official_id=str(uuid.uuid4()),
                                        full_name="Phạm Thu Trang", position="Văn thư")),
        timeout=TIMEOUT), "signatures learned the ward from identity")
    seal_code = enrolled(credentials, seal.credential_id)
    sealed = digitization.SealDigitizedCopy(pb.SealDigitizedCopyRequest(
        request_id=f"{run}-seal-copy", record_id=record.record_id,
        credential_id=seal.credential_id, one_time_code=seal_code.now()), timeout=SLOW_CALL_S)
    assert sealed.state in (pb.RECORD_STATE_SEALED, pb.RECORD_STATE_PRESERVED)
    assert sealed.digitized_copy == copy
    [signature] = PdfFileReader(io.BytesIO(downloaded(files, sealed.sealed_copy))
                                ).embedded_signatures
    assert signature.signer_cert.dump() == seal.certificate  # the ward's seal signed it

    preserved = eventually(settled(get, pb.RECORD_STATE_SEALED),
                           "the worker stored the archival package", wait_s=PACKAGE_WAIT_S)
    assert preserved.state == pb.RECORD_STATE_PRESERVED, preserved
    assert preserved.package_id == f"aip-{record.file_code}"
    assert preserved.package.content_type == "application/x-tar"
    assert preserved.package.size > sealed.sealed_copy.size
    checked = records.CheckFixity(pb.CheckFixityRequest(record_id=record.record_id),
                                  timeout=SLOW_CALL_S)
    assert (checked.outcome, list(checked.damaged_files)) == ("intact", [])
    assert checked.files_checked > 1 and checked.bytes_read > sealed.sealed_copy.size
    kept = get()
    assert (kept.fixity.outcome, kept.fixity.checks >= 1) == ("intact", True)
    assert kept.fixity.next_check_at.ToDatetime() > kept.fixity.checked_at.ToDatetime()

    # The ward's and the province's digitization count this record and its pages.
    added = {"paper_records": 1, "digitized": 1, "preserved": 1, "captured": 3,
             "accepted": 2, "sent_back": 1, "resolution": 1}
    found = {}
    for name, before, scope in (("ward", ward_before, {"unit_id": que_vo.unit_id}),
                                ("province", province_before,
                                 {"province_unit_id": bac_ninh.unit_id})):
        found[name] = now = progress(digitization, **scope)
        assert {k: v - before[k] for k, v in counts(now).items()} == added, name
        assert now.share_digitized == pytest.approx(now.records_digitized / now.paper_records)
        assert 0 < now.target_share <= 1 and now.target_date.year >= 2025
    assert found["ward"].units == 1 and found["province"].units > 1  # its wards and communes

    # The ward holds its fonds, this record among its records.
    [fonds] = [f for f in records.ListFonds(pb.ListFondsRequest(
        holder_unit_id=que_vo.unit_id), timeout=TIMEOUT).fonds if f.fonds_id == record.fonds_id]
    assert (fonds.unit_id, fonds.agency_code, fonds.closed) == (
        que_vo.unit_id, que_vo.agency_code, False)
    listed, token = [], ""
    while True:
        page = records.ListRecords(pb.ListRecordsRequest(
            fonds_id=fonds.fonds_id, page_size=500, page_token=token), timeout=TIMEOUT)
        listed += [r.file_code for r in page.records]
        if not (token := page.next_page_token):
            break
    assert record.file_code in listed and len(listed) == fonds.records == page.total_size

    # Its preservation history, as PREMIS: its FileCode and what was done to it.
    history = records.GetPreservationHistory(pb.GetPreservationHistoryRequest(
        record_id=record.record_id), timeout=TIMEOUT)
    premis = ET.fromstring(history.premis_xml)
    values = {e.text for e in premis.iterfind(".//{*}objectIdentifierValue")}
    assert record.file_code in values
    events = [e.text for e in premis.iterfind(".//{*}eventType")]
    assert len(events) == history.events
    assert events[:5] == ["creation", "capture", "normalization",
                          "digital signature generation", "ingestion"]
    assert events[5:] and set(events[5:]) == {"fixity check"}


def a_record_to_scan(archive, unit_id: str, run: str) -> tuple[pb.Record, pb.Batch]:
    """A one-page record of the ward, catalogued, and a batch to scan it in."""
    record = catalogued(archive["archive"], unit_id, f"{run}-catalogue",
                        land_record(f"TP-{run[-8:]}", pages=1))
    batch = archive["digitization"].OpenBatch(pb.OpenBatchRequest(
        request_id=f"{run}-batch", unit_id=unit_id, label="Hộp 2"), timeout=TIMEOUT)
    return record, batch


def never_uploaded(run: str) -> pb.FileRef:
    return pb.FileRef(name="trang-1.jpg", object_name=f"{run}-never-uploaded.jpg",
                      size=123_456, sha256="ab" * 32, content_type=JPEG)


def test_the_archive_refuses_bad_input_and_names_the_fields(identity, archive):
    que_vo = unit(identity, QUE_VO)
    run = f"e2e-archive-{uuid.uuid4().hex[:8]}"
    records, digitization = archive["archive"], archive["digitization"]

    # No pages, and an end before the start: both named in one refusal.
    bad = land_record(f"X-{run[-8:]}")
    bad.page_count = 0
    bad.end_date.CopyFrom(date(dt.date(2014, 12, 31)))
    code, fields, _ = refused(lambda: records.CatalogueRecord(pb.CatalogueRecordRequest(
        request_id=f"{run}-bad", unit_id=que_vo.unit_id, description=bad), timeout=TIMEOUT))
    assert (code, fields) == (grpc.StatusCode.INVALID_ARGUMENT,
                              {"description.page_count", "description.end_date"})

    record, batch = a_record_to_scan(archive, que_vo.unit_id, run)
    # A FileCode is one record's alone.
    code, _, reason = refused(lambda: records.CatalogueRecord(pb.CatalogueRecordRequest(
        request_id=f"{run}-again", unit_id=que_vo.unit_id,
        description=record.description), timeout=TIMEOUT))
    assert (code, reason) == (grpc.StatusCode.ALREADY_EXISTS, "FILE_CODE_TAKEN")
    # A page the record does not have.
    code, fields, _ = refused(lambda: digitization.CapturePage(pb.CapturePageRequest(
        request_id=f"{run}-page-2", batch_id=batch.batch_id, record_id=record.record_id,
        sequence=2, image=never_uploaded(run)), timeout=SLOW_CALL_S))
    assert (code, fields) == (grpc.StatusCode.INVALID_ARGUMENT, {"sequence"})
    assert digitization.GetBatch(pb.GetBatchRequest(batch_id=batch.batch_id),
                                 timeout=TIMEOUT).pages_captured == 0


def test_a_page_that_was_never_uploaded_is_bad_input(identity, archive):
    que_vo = unit(identity, QUE_VO)
    run = f"e2e-archive-{uuid.uuid4().hex[:8]}"
    record, batch = a_record_to_scan(archive, que_vo.unit_id, run)

    code, fields, _ = refused(lambda: archive["digitization"].CapturePage(
        pb.CapturePageRequest(request_id=f"{run}-page-1", batch_id=batch.batch_id,
                              record_id=record.record_id, sequence=1,
                              image=never_uploaded(run)), timeout=SLOW_CALL_S))

    assert (code, fields) == (grpc.StatusCode.INVALID_ARGUMENT, {"image.object_name"})
