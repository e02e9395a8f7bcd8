"""edXML packages (QCVN 102:2016): built, read back, and refused when unsafe or wrong."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from lienthong.errors import InvalidArgument
from lienthong.services.documents.edxml import (
    EDXML_NS,
    Attachment,
    Business,
    BusinessDocType,
    BusinessDocumentInfo,
    Code,
    DocumentId,
    DocumentType,
    Limits,
    MessageHeader,
    Organization,
    OtherInfo,
    Package,
    PromulgationInfo,
    Receiver,
    ReplacementInfo,
    ResponseFor,
    SignerInfo,
    StaffInfo,
    TraceHeader,
    TraceHeaderList,
    build_package,
    parse_package,
)
from lienthong.vietnam import VIETNAM_TIME

SAMPLES = Path(__file__).parents[1] / "data" / "edxml"

SENDER = Organization(
    organ_id="000.00.01.H26", organ_name="Ủy ban nhân dân tỉnh Hưng Yên",
    organization_in_charge="Tỉnh Hưng Yên", organ_add="Số 10 đường Chùa Chuông, TP Hưng Yên",
    email="vanthu@hungyen.gov.vn", telephone="0221 3862 011", fax="0221 3862 012",
    website="https://hungyen.gov.vn")
RECIPIENTS = (
    Organization("H26.01.05", "Sở Tài chính tỉnh Hưng Yên"),
    Organization("000.00.00.G22", "Văn phòng Chính phủ", organ_add="Số 1 Hoàng Hoa Thám"),
    Organization("000.12.33.H26", "UBND xã Nghĩa Trụ"),
)
DOCUMENT_ID = DocumentId("000.00.01.H26", dt.date(2025, 7, 15), "1234", "UBND-KT")
EARLIER_ID = DocumentId("000.00.01.H26", dt.date(2025, 6, 2), "987", "QĐ-UBND")


def rich_package(doc_type: BusinessDocType = BusinessDocType.NEW,
                 attachments: tuple[Attachment, ...] | None = None) -> Package:
    header = MessageHeader(
        sender=SENDER,
        recipients=RECIPIENTS,
        document_id=DOCUMENT_ID,
        code=Code("1234", "UBND-KT"),
        promulgation=PromulgationInfo(dt.date(2025, 7, 15), "Hưng Yên"),
        document_type=DocumentType(1, "Công văn", type_detail=0),
        subject="V/v triển khai chính quyền địa phương hai cấp",
        content="Ủy ban nhân dân tỉnh đề nghị các sở, ngành & xã <khẩn trương> thực hiện.\n"
                "Đoạn hai: “trích yếu” có dấu ngoặc kép.",
        signer=SignerInfo("KT. CHỦ TỊCH", "Phó Chủ tịch", "Nguyễn Văn Ánh"),
        due_date=dt.date(2025, 7, 30),
        other_info=OtherInfo(priority=2, sphere_of_promulgation="Liên thông văn bản quốc gia",
                             typer_notation="NVA", promulgation_amount=3, page_amount=12,
                             direction=False, appendixes=("Phụ lục I", "Phụ lục II")),
        response_for=(ResponseFor("000.00.00.G22", EARLIER_ID, "987/QĐ-UBND",
                                  dt.date(2025, 6, 2)),),
        steering_type=1,
        to_places=("Các sở, ban, ngành", "UBND các xã, phường"),
    )
    business = Business(
        doc_type=doc_type,
        reason={BusinessDocType.NEW: "Văn bản điện tử mới",
                BusinessDocType.REVOKE: "Thu hồi do sai thẩm quyền",
                BusinessDocType.UPDATE: "Cập nhật nơi nhận",
                BusinessDocType.REPLACE: "Thay thế văn bản có sai sót"}[doc_type],
        document_id=None if doc_type is BusinessDocType.NEW else EARLIER_ID,
        paper=0,
        document_info=(BusinessDocumentInfo("1", "1", (Receiver("H26.01.05", 0),
                                                       Receiver("000.00.00.G22", 1)))
                       if doc_type is BusinessDocType.UPDATE else None),
        replacements=((ReplacementInfo(EARLIER_ID, ("H26.01.05", "000.12.33.H26")),)
                      if doc_type is BusinessDocType.REPLACE else ()),
        staff=StaffInfo("Văn thư", "Trần Thị Bích", "bich@hungyen.gov.vn", "0912000001"),
    )
    trace = TraceHeaderList(business, (
        TraceHeader("000.00.01.H26", dt.datetime(2025, 7, 15, 8, 30, 5, tzinfo=VIETNAM_TIME)),
        TraceHeader("000.00.00.G22", dt.datetime(2025, 7, 15, 1, 31, 0, tzinfo=dt.UTC)),
    ))
    if attachments is None:
        attachments = (
            Attachment("a1", "application/pdf", "Công văn 1234.pdf", b"%PDF-1.7\n\x00\xff\xfe",
                       "Văn bản chính"),
            Attachment("a2", "application/octet-stream", "rỗng.bin", b""),
            Attachment("phu-luc", "application/zip", "Phụ lục.zip", bytes(range(256)) * 9,
                       "Phụ lục kèm theo"),
        )
    return Package(header, trace, attachments)


def violations(error: pytest.ExceptionInfo[InvalidArgument]) -> list[tuple[str, str]]:
    return [(v.field, v.rule) for v in error.value.violations]


def refused(data: bytes, limits: Limits | None = None) -> list[tuple[str, str]]:
    with pytest.raises(InvalidArgument) as error:
        parse_package(data, limits=limits or Limits())
    return violations(error)


# -- round trips --------------------------------------------------------------------------


@pytest.mark.parametrize("doc_type", list(BusinessDocType))
def test_a_rich_package_reads_back_as_it_was_built(doc_type: BusinessDocType) -> None:
    package = rich_package(doc_type)

    data = build_package(package)

    assert parse_package(data) == package
    assert data.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    assert EDXML_NS.encode() in data


def test_the_package_is_laid_out_as_the_standard_says() -> None:
    from lxml import etree

    root = etree.fromstring(build_package(rich_package(BusinessDocType.REPLACE)))
    ns = {"e": EDXML_NS}

    def texts(xpath: str) -> list[str]:
        return [str(t) for t in root.xpath(xpath, namespaces=ns)]

    header = "/e:edXML/e:edXMLEnvelope/e:edXMLHeader"
    assert texts(f"{header}/e:MessageHeader/e:From/e:OrganId/text()") == ["000.00.01.H26"]
    assert len(root.xpath(f"{header}/e:MessageHeader/e:To", namespaces=ns)) == 3
    assert texts(f"{header}/e:MessageHeader/e:DocumentId/text()") == [
        "000.00.01.H26,2025/07/15,1234/UBND-KT"]
    assert texts(f"{header}/e:TraceHeaderList/e:TraceHeader/e:Timestamp/text()") == [
        "2025/07/15 08:30:05", "2025/07/15 08:31:00"]
    assert texts(f"{header}/e:TraceHeaderList/e:Bussiness/e:BussinessDocType/text()") == ["3"]
    manifest = "/e:edXML/e:edXMLEnvelope/e:edXMLBody/e:edXMLManifest"
    assert texts(f"{manifest}/@version") == ["1.0"]
    assert texts(f"{manifest}/e:Reference/e:ContentId/text()") == [
        "cid:a1", "cid:a2", "cid:phu-luc"]
    encoded = texts("/e:edXML/e:AttachmentEncoded/e:Attachment/e:ContentTransferEncoded/text()")
    assert base64.b64decode(encoded[0]) == b"%PDF-1.7\n\x00\xff\xfe"


def test_a_package_without_attachments_or_optional_parts_reads_back() -> None:
    package = rich_package(attachments=())
    package = dataclasses.replace(package, header=dataclasses.replace(
        package.header, due_date=None, steering_type=None, to_places=(), response_for=(),
        other_info=OtherInfo(), content=""))

    assert parse_package(build_package(package)) == package


# -- real packages -----------------------------------------------------------------------


def test_a_real_new_document_package_is_read() -> None:
    # The sample's trace block names a day that does not exist (2014/02/30).
    data = (SAMPLES / "edoc_new.edxml").read_bytes().replace(b"2014/02/30", b"2014/02/28")

    package = parse_package(data)

    header = package.header
    assert header.sender.organ_id == "000.00.11.H53"
    assert header.sender.organ_name == "Sở Tính"
    assert [to.organ_id for to in header.recipients] == ["000.00.01.A53"]
    assert header.document_id == DocumentId("000.00.11.H53", dt.date(2020, 10, 30),
                                             "2491", "STC-BCTC")
    assert header.code == Code("2491", "STC-BCTC")
    # Written dd/MM/yyyy by that system; read as the same day.
    assert header.promulgation == PromulgationInfo(dt.date(2020, 10, 30), "Tây Ninh")
    assert header.subject == "Báo cáo tài chính tỉnh"
    assert header.due_date is None
    assert header.to_places == ("Cac bo va co quan ngang bo", "Uy ban nhan dan cac tinh, TP")
    assert header.other_info.page_amount == 22
    assert package.trace.business.doc_type is BusinessDocType.NEW
    assert package.trace.business.staff == StaffInfo(
        "Văn thư văn phòng", "Nguyễn Thị Ngọc Trâm", "vanthuvanphong@gov.vn", "84912000001")
    assert package.trace.trace_headers == (
        TraceHeader("000.00.00.G22", dt.datetime(2018, 9, 28, tzinfo=VIETNAM_TIME)),)
    [attachment] = package.attachments
    assert (attachment.content_id, attachment.content_type, attachment.attachment_name) == (
        "209", "application/zip", "1896_QD-TTg_m_294779.doc")
    assert attachment.data.startswith(b"PK\x03\x04")


def test_a_real_update_package_is_read_with_its_recipients_and_receivers() -> None:
    data = (SAMPLES / "edoc_update.edxml").read_bytes().replace(b"2014/02/30", b"2014/02/28")

    package = parse_package(data)

    assert [to.organ_id for to in package.header.recipients] == [
        "000.00.00.H53", "000.00.12.H53", "000.00.00.G17"]
    assert package.header.document_id.notation == "VPCP-TTĐT"
    business = package.trace.business
    assert business.doc_type is BusinessDocType.UPDATE
    assert business.reason == "Cập nhật văn bản điện tử"
    assert business.document_id == DocumentId("000.00.00.G22", dt.date(2014, 2, 28),
                                              "7806", "VPCP-TTĐT")
    assert business.document_info == BusinessDocumentInfo(
        "1", "1", (Receiver("000.00.00.H41", 0), Receiver("000.00.00.H14", 1)))


def test_a_real_package_naming_an_impossible_day_is_refused_there() -> None:
    assert refused((SAMPLES / "edoc_update.edxml").read_bytes()) == [
        ("TraceHeaderList/Bussiness/DocumentId", "DOCUMENT_ID_FORMAT")]


# -- unsafe input ------------------------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016">&lol4;</edXML>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE edXML [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016">&xxe;</edXML>"""


@pytest.mark.parametrize("data", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["laughs", "xxe"])
def test_a_doctype_is_refused(data: bytes) -> None:
    assert refused(data) == [("edXML", "EDXML_DTD_FORBIDDEN")]


def test_an_input_over_the_limit_is_refused_before_parsing() -> None:
    # Not even XML: only the size is looked at.
    assert refused(b"\x00" * 2048, Limits(max_input_bytes=1024)) == [
        ("edXML", "EDXML_TOO_LARGE")]


@pytest.mark.parametrize("data", [
    b"", b"not xml at all", b"<edXML xmlns='http://www.mic.gov.vn/TBT/QCVN_102_2016'>",
    "<edXML>Việt</edXML>".encode("utf-16"), b"\xff\xfe\x00garbage",
], ids=["empty", "text", "unclosed", "utf16", "binary"])
def test_bytes_that_do_not_parse_are_refused(data: bytes) -> None:
    assert refused(data) == [("edXML", "EDXML_MALFORMED")]


def test_too_many_or_too_deep_elements_are_refused_while_reading() -> None:
    deep = (b"<edXML xmlns='http://www.mic.gov.vn/TBT/QCVN_102_2016'>" + b"<a>" * 100
            + b"</a>" * 100 + b"</edXML>")
    wide = (b"<edXML xmlns='http://www.mic.gov.vn/TBT/QCVN_102_2016'>" + b"<a/>" * 500
            + b"</edXML>")

    assert refused(deep) == [("edXML", "EDXML_TOO_DEEP")]
    assert refused(wide, Limits(max_elements=100)) == [("edXML", "EDXML_TOO_MANY_ELEMENTS")]


# -- wrong packages ----------------------------------------------------------------------

GOOD = build_package(rich_package())


def test_a_wrong_namespace_is_refused() -> None:
    other = GOOD.replace(EDXML_NS.encode(), b"http://www.example.vn/edXML")
    none = b"<edXML><edXMLEnvelope/></edXML>"

    assert refused(other) == [("edXML", "EDXML_NAMESPACE")]
    assert refused(none) == [("edXML", "EDXML_NAMESPACE")]
    assert refused(b"<Envelope/>") == [("edXML", "EDXML_ROOT")]


def test_missing_required_elements_are_all_named() -> None:
    broken = (GOOD.replace(b"<edXML:OrganId>000.00.01.H26</edXML:OrganId>", b"", 1)
              .replace(b"<edXML:Subject>", b"<edXML:Sbject>")
              .replace(b"</edXML:Subject>", b"</edXML:Sbject>"))

    assert refused(broken) == [
        ("MessageHeader/From/OrganId", "REQUIRED"), ("MessageHeader/Subject", "REQUIRED")]


def test_a_package_without_recipients_is_refused() -> None:
    package = rich_package()
    package = dataclasses.replace(package, header=dataclasses.replace(
        package.header, recipients=(RECIPIENTS[0],)))
    data = build_package(package)
    start, end = data.index(b"<edXML:To>"), data.index(b"</edXML:To>") + len(b"</edXML:To>")

    assert refused(data[:start] + data[end:]) == [("MessageHeader/To", "REQUIRED")]


def test_bad_dates_and_timestamps_are_refused() -> None:
    broken = (GOOD.replace(b"<edXML:PromulgationDate>2025/07/15<",
                           b"<edXML:PromulgationDate>2025/02/29<")
              .replace(b"<edXML:DueDate>2025/07/30<", b"<edXML:DueDate>mai<")
              .replace(b"2025/07/15 08:30:05", b"2025/07/15 25:30:05"))

    assert refused(broken) == [
        ("MessageHeader/PromulgationInfo/PromulgationDate", "DATE_FORMAT"),
        ("MessageHeader/DueDate", "DATE_FORMAT"),
        ("TraceHeaderList/TraceHeader[1]/Timestamp", "TIMESTAMP_FORMAT"),
    ]


@pytest.mark.parametrize("document_id", [
    "000.00.01.H26;2025/07/15;1234/UBND-KT",
    "000.00.01.H26,15/07/2025,1234/UBND-KT",
    "000.00.01.H26,2025/07/15,1234-UBND-KT",
    ",2025/07/15,1234/UBND-KT",
    "000.00.01.H26,2025/7/15,1234/UBND-KT",
])
def test_a_bad_document_id_is_refused(document_id: str) -> None:
    broken = GOOD.replace(b"000.00.01.H26,2025/07/15,1234/UBND-KT", document_id.encode())

    assert refused(broken) == [("MessageHeader/DocumentId", "DOCUMENT_ID_FORMAT")]


def test_document_ids_are_read_part_by_part() -> None:
    parsed = DocumentId.parse("000.00.00.G22,2015/09/30,12/2015/NĐ-CP")

    assert parsed == DocumentId("000.00.00.G22", dt.date(2015, 9, 30), "12", "2015/NĐ-CP")
    assert str(parsed) == "000.00.00.G22,2015/09/30,12/2015/NĐ-CP"


def test_an_agency_id_is_checked_loosely() -> None:
    with_space = GOOD.replace(b"<edXML:OrganId>H26.01.05<", b"<edXML:OrganId>H26 01 05<")

    assert refused(with_space) == [("MessageHeader/To[1]/OrganId", "ORGAN_ID_FORMAT")]
    lowercase = GOOD.replace(b"<edXML:OrganId>H26.01.05<", b"<edXML:OrganId>vxp.saas.02<")
    assert parse_package(lowercase).header.recipients[0].organ_id == "vxp.saas.02"


def test_an_unknown_business_type_is_refused() -> None:
    broken = GOOD.replace(b"<edXML:BussinessDocType>0<", b"<edXML:BussinessDocType>7<")

    assert refused(broken) == [
        ("TraceHeaderList/Bussiness/BussinessDocType", "BUSSINESS_DOC_TYPE_UNKNOWN")]


def test_bad_base64_is_refused() -> None:
    pdf = base64.b64encode(b"%PDF-1.7\n\x00\xff\xfe")
    wrong_alphabet = GOOD.replace(pdf, pdf[:-4] + b"AB$=")
    wrong_length = GOOD.replace(pdf, pdf + b"A")

    assert refused(wrong_alphabet) == [
        ("AttachmentEncoded/Attachment[1]/ContentTransferEncoded", "BASE64_INVALID")]
    assert refused(wrong_length) == [
        ("AttachmentEncoded/Attachment[1]/ContentTransferEncoded", "BASE64_INVALID")]


def test_base64_wrapped_over_lines_is_read() -> None:
    zipped = base64.b64encode(bytes(range(256)) * 9).decode()
    wrapped = "\n".join(zipped[i:i + 76] for i in range(0, len(zipped), 76))

    package = parse_package(GOOD.replace(zipped.encode(), wrapped.encode()))

    assert package.attachments[2].data == bytes(range(256)) * 9


def test_attachments_and_manifest_must_match() -> None:
    stray = GOOD.replace(b"<edXML:ContentId>cid:a2</edXML:ContentId><edXML:AttachmentName>",
                         b"<edXML:ContentId>cid:a9</edXML:ContentId><edXML:AttachmentName>")

    assert refused(stray) == [
        ("AttachmentEncoded/Attachment[2]/ContentId", "ATTACHMENT_NOT_IN_MANIFEST"),
        ("edXMLBody/edXMLManifest/Reference[2]/ContentId", "MANIFEST_WITHOUT_ATTACHMENT"),
    ]


def test_limits_on_attachments_and_recipients_are_enforced() -> None:
    big = rich_package(attachments=(Attachment("big", "application/pdf", "lớn.pdf",
                                               b"x" * 3000),))
    data = build_package(big)

    assert refused(data, Limits(max_attachment_bytes=2999)) == [
        ("AttachmentEncoded/Attachment[1]/ContentTransferEncoded", "ATTACHMENT_TOO_LARGE")]
    assert parse_package(data, limits=Limits(max_attachment_bytes=3000)) == big
    assert refused(GOOD, Limits(max_attachments=2)) == [
        ("AttachmentEncoded", "TOO_MANY_ATTACHMENTS")]
    assert refused(GOOD, Limits(max_recipients=2)) == [
        ("MessageHeader/To", "TOO_MANY_RECIPIENTS")]


def test_text_lengths_are_bounded() -> None:
    assert refused(GOOD, Limits(max_text_chars=20)) == [
        ("MessageHeader/Subject", "TEXT_TOO_LONG"), ("MessageHeader/Content", "TEXT_TOO_LONG")]
    assert ("MessageHeader/From/OrganName", "TEXT_TOO_LONG") in refused(
        GOOD, Limits(max_field_chars=10))


def test_building_refuses_what_xml_cannot_carry() -> None:
    package = rich_package()
    package = dataclasses.replace(package, header=dataclasses.replace(
        package.header, subject="Trích yếu\x07"))

    with pytest.raises(InvalidArgument) as error:
        build_package(package)

    assert violations(error) == [("MessageHeader/Subject", "XML_CHARACTERS")]


def test_building_refuses_an_agency_id_that_is_not_one() -> None:
    package = rich_package()
    package = dataclasses.replace(package, header=dataclasses.replace(
        package.header, sender=Organization("")))

    with pytest.raises(InvalidArgument) as error:
        build_package(package)

    assert violations(error) == [("MessageHeader/From/OrganId", "ORGAN_ID_FORMAT")]
