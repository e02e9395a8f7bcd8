"""The record's metadata as Vietnamese archives list it (``metadata/other/hoso.xml``), and
the XML schema that defines it (``schemas/hoso.xsd``), shipped in every package.

EAD carries the description for any archive; this file keeps the fields of Decree
30/2020 Annex VI and Circular 05/2025/TT-BNV one to one, each under its own name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lxml import etree

from lienthong.services.archive.packaging.xmlbits import XSI_NS, child, serialize

if TYPE_CHECKING:
    from lienthong.services.archive.packaging.model import RecordDescription

RECORD_NS = "urn:lienthong:archive:hoso:1"
SCHEMA_NAME = "hoso.xsd"

SCHEMA = f"""<?xml version="1.0" encoding="UTF-8"?>
<!-- Thông tin hồ sơ (Nghị định 30/2020/NĐ-CP Phụ lục VI; Thông tư 05/2025/TT-BNV):
     the metadata of one record (hồ sơ) in a Lienthong archival package. -->
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns="{RECORD_NS}"
           targetNamespace="{RECORD_NS}" elementFormDefault="qualified">
  <xs:simpleType name="Text">
    <xs:restriction base="xs:string"><xs:minLength value="1"/></xs:restriction>
  </xs:simpleType>
  <xs:simpleType name="Count">
    <xs:restriction base="xs:positiveInteger"><xs:maxInclusive value="100000"/></xs:restriction>
  </xs:simpleType>
  <xs:element name="HoSo">
    <xs:complexType>
      <xs:sequence>
        <!-- Mã hồ sơ: mã định danh cơ quan.năm.ký hiệu hồ sơ -->
        <xs:element name="FileCode" type="Text"/>
        <!-- Mã định danh và tên cơ quan -->
        <xs:element name="AgencyCode">
          <xs:simpleType>
            <xs:restriction base="xs:string">
              <xs:pattern value="[0-9]{{3}}\\.[0-9]{{2}}\\.[0-9]{{2}}\\.[A-Z][0-9]{{2}}"/>
            </xs:restriction>
          </xs:simpleType>
        </xs:element>
        <xs:element name="AgencyName" type="Text"/>
        <!-- Mã phông, tên phông -->
        <xs:element name="FondsCode" type="Text"/>
        <xs:element name="FondsName" type="Text"/>
        <!-- Năm hình thành hồ sơ, ký hiệu hồ sơ -->
        <xs:element name="Year" type="xs:gYear"/>
        <xs:element name="Notation" type="Text"/>
        <!-- Tiêu đề hồ sơ -->
        <xs:element name="Title" type="Text"/>
        <!-- Thời gian bắt đầu, thời gian kết thúc -->
        <xs:element name="StartDate" type="xs:date"/>
        <xs:element name="EndDate" type="xs:date"/>
        <!-- Thời hạn bảo quản: "permanent" (vĩnh viễn) or a number of years -->
        <xs:element name="Retention">
          <xs:simpleType>
            <xs:restriction base="xs:string">
              <xs:pattern value="permanent|[1-9][0-9]?|100"/>
            </xs:restriction>
          </xs:simpleType>
        </xs:element>
        <!-- Tổng số trang, tổng số văn bản trong hồ sơ -->
        <xs:element name="PageCount" type="Count"/>
        <xs:element name="DocumentCount" type="Count"/>
        <!-- Ngôn ngữ (ISO 639-1) -->
        <xs:element name="Language" type="xs:language"/>
        <!-- Chế độ sử dụng -->
        <xs:element name="Access">
          <xs:simpleType>
            <xs:restriction base="xs:string">
              <xs:enumeration value="open"/>
              <xs:enumeration value="restricted"/>
              <xs:enumeration value="secret"/>
            </xs:restriction>
          </xs:simpleType>
        </xs:element>
        <!-- Từ khóa -->
        <xs:element name="Keyword" type="Text" minOccurs="0" maxOccurs="50"/>
        <!-- Tình trạng vật lý, ghi chú -->
        <xs:element name="PhysicalCondition" type="Text" minOccurs="0"/>
        <xs:element name="Notes" type="Text" minOccurs="0"/>
      </xs:sequence>
    </xs:complexType>
  </xs:element>
</xs:schema>
""".encode()


def build_record(record: RecordDescription) -> bytes:
    root = etree.Element(f"{{{RECORD_NS}}}HoSo",
                         {f"{{{XSI_NS}}}schemaLocation":
                          f"{RECORD_NS} ../../schemas/{SCHEMA_NAME}"},
                         nsmap={None: RECORD_NS, "xsi": XSI_NS})
    retention = "permanent" if record.retention_years is None else str(record.retention_years)
    fields = [("FileCode", record.file_code), ("AgencyCode", record.agency_code),
              ("AgencyName", record.agency_name), ("FondsCode", record.fonds_code),
              ("FondsName", record.fonds_name), ("Year", f"{record.year:04d}"),
              ("Notation", record.notation), ("Title", record.title),
              ("StartDate", record.start_date.isoformat()),
              ("EndDate", record.end_date.isoformat()), ("Retention", retention),
              ("PageCount", str(record.page_count)),
              ("DocumentCount", str(record.document_count)),
              ("Language", record.language), ("Access", record.access),
              *(("Keyword", keyword) for keyword in record.keywords)]
    if record.physical_condition:
        fields.append(("PhysicalCondition", record.physical_condition))
    if record.notes:
        fields.append(("Notes", record.notes))
    for tag, value in fields:
        child(root, f"{{{RECORD_NS}}}{tag}", value)
    return serialize(root)
