"""The record's archival description in EAD 3 (``metadata/descriptive/ead.xml``).

The fonds is the ``archdesc``; the record (hồ sơ) is its one ``c`` at file level, with
the fields of Decree 30/2020 Annex VI: file code, title, dates, page and document
counts, language, usage mode, retention, keywords, physical condition and notes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lxml import etree

from lienthong.services.archive.packaging.model import LANGUAGES
from lienthong.services.archive.packaging.xmlbits import child, serialize, timestamp

if TYPE_CHECKING:
    import datetime as dt

    from lienthong.services.archive.packaging.model import RecordDescription

EAD_NS = "http://ead3.archivists.org/schema/"
ACCESS_LABELS = {"open": "Sử dụng rộng rãi", "restricted": "Hạn chế sử dụng", "secret": "Mật"}
LANGUAGE_NAMES = {"vi": "Tiếng Việt", "en": "English", "fr": "Français", "zh": "中文",
                  "ru": "Русский", "de": "Deutsch", "ja": "日本語", "ko": "한국어",
                  "km": "ភាសាខ្មែរ", "lo": "ພາສາລາວ", "th": "ภาษาไทย"}


def retention_label(years: int | None) -> str:
    """Thời hạn bảo quản as archives write it: "Vĩnh viễn" or "10 năm"."""
    return "Vĩnh viễn" if years is None else f"{years} năm"


def _e(parent: etree._Element, tag: str, text: str | None = None,
       **attrib: str) -> etree._Element:
    return child(parent, f"{{{EAD_NS}}}{tag}", text, attrib)


def _paragraph(parent: etree._Element, tag: str, text: str, **attrib: str) -> None:
    _e(_e(parent, tag, **attrib), "p", text)


def build_ead(record: RecordDescription, *, created: dt.datetime, creator: str) -> bytes:
    root = etree.Element(f"{{{EAD_NS}}}ead", nsmap={None: EAD_NS})
    langcode = LANGUAGES[record.language]
    control = _e(root, "control")
    _e(control, "recordid", record.file_code)
    _e(_e(_e(control, "filedesc"), "titlestmt"), "titleproper", record.title)
    _e(control, "maintenancestatus", value="new")
    agency = _e(control, "maintenanceagency", countrycode="VN")
    _e(agency, "agencycode", record.agency_code)
    _e(agency, "agencyname", record.agency_name)
    declaration = _e(control, "languagedeclaration")
    _e(declaration, "language", "Tiếng Việt", langcode="vie")
    _e(declaration, "script", "Latin", scriptcode="Latn")
    event = _e(_e(control, "maintenancehistory"), "maintenanceevent")
    _e(event, "eventtype", value="created")
    _e(event, "eventdatetime", timestamp(created), standarddatetime=timestamp(created))
    _e(event, "agenttype", value="machine")
    _e(event, "agent", creator)

    fonds = _e(root, "archdesc", level="fonds")
    did = _e(fonds, "did")
    _e(did, "unitid", record.fonds_code)
    _e(did, "unittitle", record.fonds_name)
    origination = _e(did, "origination")
    _e(_e(origination, "corpname", identifier=record.agency_code), "part", record.agency_name)
    _describe_file(_e(_e(fonds, "dsc"), "c", level="file"), record, langcode)
    return serialize(root)


def _describe_file(component: etree._Element, record: RecordDescription,
                   langcode: str) -> None:
    did = _e(component, "did")
    _e(did, "unitid", record.file_code, localtype="file_code")
    _e(did, "unitid", record.notation, localtype="notation")
    _e(did, "unittitle", record.title)
    dates = _e(_e(did, "unitdatestructured", unitdatetype="inclusive"), "daterange")
    for tag, day in (("fromdate", record.start_date), ("todate", record.end_date)):
        _e(dates, tag, f"{day:%d/%m/%Y}", standarddate=day.isoformat())
    for count, unit in ((record.page_count, "trang"), (record.document_count, "văn bản")):
        extent = _e(did, "physdescstructured", coverage="whole",
                    physdescstructuredtype="materialtype")
        _e(extent, "quantity", str(count))
        _e(extent, "unittype", unit)
    _e(_e(did, "langmaterial"), "language", LANGUAGE_NAMES[record.language], langcode=langcode)
    _paragraph(component, "accessrestrict", ACCESS_LABELS[record.access],
               localtype=record.access)
    _paragraph(component, "appraisal", f"Thời hạn bảo quản: "
                                       f"{retention_label(record.retention_years)}",
               localtype="retention")
    if record.keywords:
        access = _e(component, "controlaccess")
        for keyword in record.keywords:
            _e(_e(access, "subject"), "part", keyword)
    if record.physical_condition:
        _paragraph(component, "phystech", record.physical_condition)
    if record.notes:
        _paragraph(component, "odd", record.notes)
