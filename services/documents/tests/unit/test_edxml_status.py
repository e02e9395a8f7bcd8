"""edXML status packages: an agency reports how far it has come with a document."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from lienthong.errors import InvalidArgument
from lienthong.services.documents.edxml import (
    DocumentId,
    Limits,
    Organization,
    ResponseFor,
    StaffInfo,
    Status,
    StatusCode,
    build_status,
    parse_status,
)
from lienthong.vietnam import VIETNAM_TIME

SAMPLES = Path(__file__).parents[1] / "data" / "edxml"

DOCUMENT = DocumentId("000.00.01.H26", dt.date(2025, 7, 15), "1234", "UBND-KT")


def status(code: StatusCode) -> Status:
    return Status(
        sender=Organization("H26.01.05", "Sở Tài chính tỉnh Hưng Yên",
                            email="stc@hungyen.gov.vn"),
        response_for=ResponseFor("000.00.01.H26", DOCUMENT, "1234/UBND-KT",
                                 dt.date(2025, 7, 15)),
        code=code,
        timestamp=dt.datetime(2025, 7, 16, 9, 15, 0, tzinfo=VIETNAM_TIME),
        description=f"{code.meaning_vi} – đồng chí Lê Thị Hoa phụ trách",
        staff=StaffInfo("Phòng Ngân sách", "Lê Thị Hoa", "hoa@hungyen.gov.vn", "0987654321"),
    )


@pytest.mark.parametrize("code", list(StatusCode))
def test_every_status_reads_back_as_it_was_built(code: StatusCode) -> None:
    report = status(code)

    assert parse_status(build_status(report)) == report
    assert report.receiver_id == "000.00.01.H26"


def test_the_codes_and_their_meanings() -> None:
    assert {code.value: code.meaning_en for code in StatusCode} == {
        "01": "received", "02": "refused", "03": "accepted and registered",
        "04": "assigned", "05": "in progress", "06": "completed",
        "13": "recall requested", "15": "recall agreed", "16": "recall refused"}
    assert StatusCode("05").meaning_vi == "Đang xử lý"
    assert all(code.meaning_vi for code in StatusCode)


def test_an_unknown_status_code_is_refused() -> None:
    data = build_status(status(StatusCode.COMPLETED)).replace(
        b"<edXML:StatusCode>06<", b"<edXML:StatusCode>07<")

    with pytest.raises(InvalidArgument) as error:
        parse_status(data)

    assert [(v.field, v.rule) for v in error.value.violations] == [
        ("Status/StatusCode", "STATUS_CODE_UNKNOWN")]


def test_a_status_without_its_document_is_refused() -> None:
    data = build_status(status(StatusCode.RECEIVED))
    start = data.index(b"<edXML:ResponseFor>")
    end = data.index(b"</edXML:ResponseFor>") + len(b"</edXML:ResponseFor>")

    with pytest.raises(InvalidArgument) as error:
        parse_status(data[:start] + data[end:])

    assert [(v.field, v.rule) for v in error.value.violations] == [
        ("Status/ResponseFor", "REQUIRED")]


def test_a_real_status_package_is_read() -> None:
    report = parse_status((SAMPLES / "status_processing_05.edxml").read_bytes())

    assert report.code is StatusCode.IN_PROGRESS
    assert report.sender.organ_id == "000.00.00.H41"
    assert report.sender.organ_name == "UBND Tỉnh Nghệ An"
    assert report.response_for.document_id == DocumentId(
        "000.00.00.G22", dt.date(2015, 9, 30), "7816", "VPCP-TTĐT")
    assert report.receiver_id == "000.00.00.G22"
    assert report.description == "Đang xử lý văn bản đến"
    assert report.timestamp == dt.datetime(2015, 9, 20, 11, 8, 36, tzinfo=VIETNAM_TIME)
    assert report.staff is not None and report.staff.staff == "Nguyen thi ngoc tram"


def test_a_status_over_the_size_limit_is_refused_before_parsing() -> None:
    with pytest.raises(InvalidArgument) as error:
        parse_status(build_status(status(StatusCode.RECEIVED)), limits=Limits(max_input_bytes=64))

    assert error.value.violations[0].rule == "EDXML_TOO_LARGE"
