"""``documentation/README.txt``: the package explained to a person, in Vietnamese and
English: which record it holds, where each part is, and how its fixity is checked."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lienthong.services.archive.packaging.ead import ACCESS_LABELS, retention_label

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Sequence

    from lienthong.services.archive.packaging.model import PayloadFile, RecordDescription


def build_readme(*, package_id: str, record: RecordDescription,
                 payload: Sequence[PayloadFile], created: dt.datetime) -> bytes:
    lines = [
        f"Gói lưu trữ (AIP) {package_id}",
        f"Archival information package {package_id}",
        "",
        f"Mã hồ sơ / File code: {record.file_code}",
        f"Tiêu đề hồ sơ / Title: {record.title}",
        f"Cơ quan / Agency: {record.agency_name} ({record.agency_code})",
        f"Phông / Fonds: {record.fonds_name} ({record.fonds_code})",
        f"Thời gian / Dates: {record.start_date:%d/%m/%Y} - {record.end_date:%d/%m/%Y}",
        f"Thời hạn bảo quản / Retention: {retention_label(record.retention_years)}",
        f"Chế độ sử dụng / Access: {ACCESS_LABELS[record.access]}",
        f"Số trang, số văn bản / Pages, documents: {record.page_count}, "
        f"{record.document_count}",
        f"Tạo gói / Packaged: {created.isoformat(timespec='seconds')}",
        "",
        "Cấu trúc (E-ARK CSIP 2.1, trong một túi BagIt 1.0) / Layout (E-ARK CSIP 2.1, "
        "inside a BagIt 1.0 bag):",
        "  METS.xml                              mô tả gói / the package's METS",
        "  metadata/descriptive/ead.xml          mô tả lưu trữ EAD 3 / EAD 3 description",
        "  metadata/other/hoso.xml               thông tin hồ sơ (schemas/hoso.xsd) / "
        "the record's metadata",
        "  metadata/preservation/premis.xml      siêu dữ liệu bảo quản PREMIS 3 / PREMIS 3",
        "  representations/rep1/METS.xml         mô tả bản thể hiện / the representation's "
        "METS",
        "  representations/rep1/data/            tài liệu / the record's files",
        "  representations/rep1/metadata/preservation/premis.xml",
        "",
        "Tài liệu / Files (SHA-256, bytes):",
        *(f"  {item.sha256.lower()}  {item.size:>12}  {item.name}" for item in payload),
        "",
        "Kiểm tra tính toàn vẹn / Fixity: mỗi tệp có mã băm SHA-256 trong METS.xml, PREMIS "
        "và manifest-sha256.txt của túi BagIt; các tệp thẻ trong tagmanifest-sha256.txt.",
        "Every file's SHA-256 is in METS.xml, in PREMIS and in the bag's "
        "manifest-sha256.txt; the tag files' in tagmanifest-sha256.txt.",
        "",
    ]
    return "\n".join(lines).encode("utf-8")
