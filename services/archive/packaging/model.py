"""What an archival package is made of: the payload, the record's description, its
preservation events; and what a written package holds.

Every value is frozen. ``checks.check_inputs`` checks all of them before anything is
written and raises :class:`InvalidPackageInput` naming each field and the rule it
breaks (``payload[0].name: must not contain '/'``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Sequence
    from pathlib import Path

MAX_PAYLOAD_FILES = 10_000
MAX_EVENTS = 1_000
MAX_NAME_CHARS = 200
MAX_NAME_BYTES = 255  # a file name's limit on Linux file systems
MAX_TITLE_CHARS = 1_000
MAX_TEXT_CHARS = 500
MAX_DETAIL_CHARS = 2_000
MAX_KEYWORDS = 50
FIRST_YEAR = 1945

Access = Literal["open", "restricted", "secret"]
ACCESS_MODES: tuple[str, ...] = ("open", "restricted", "secret")
# ISO 639-1 codes the descriptions carry, with their ISO 639-2/B code (EAD's langcode).
LANGUAGES = {"vi": "vie", "en": "eng", "fr": "fre", "zh": "chi", "ru": "rus", "de": "ger",
             "ja": "jpn", "ko": "kor", "km": "khm", "lo": "lao", "th": "tha"}
# PREMIS event types (Library of Congress preservation vocabulary) a package records.
EVENT_TYPES = frozenset({
    "capture", "creation", "custody transfer", "digital signature generation",
    "digital signature validation", "fixity check", "format identification", "ingestion",
    "information package creation", "message digest calculation", "metadata modification",
    "migration", "normalization", "replication", "validation", "virus check"})
EVENT_OUTCOMES = ("success", "fail", "warning")
AGENT_TYPES = ("software", "organization", "person", "hardware")

PACKAGE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
EVENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
AGENCY_CODE = re.compile(r"\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}")
NOTATION = re.compile(r"[0-9A-Za-zĐđ][0-9A-Za-zĐđ./-]{0,49}")
SHA256 = re.compile(r"[0-9a-fA-F]{64}")
MIME_TYPE = re.compile(r"[a-z]+/[a-z0-9][a-z0-9.+-]{0,100}")
FORBIDDEN_IN_NAMES = ("/", "\\", "%")


@dataclass(frozen=True)
class PayloadFile:
    """One file of the representation, with the digest computed when it arrived.

    The writer trusts ``sha256`` and ``size``: it links or copies ``source`` into place
    without reading it. A wrong digest goes into the package as given, and the package's
    fixity check reports that file damaged.
    """

    name: str  # file name inside representations/rep1/data/
    source: Path
    size: int
    sha256: str  # hex
    mime_type: str  # e.g. application/pdf
    created: dt.datetime


@dataclass(frozen=True)
class RecordDescription:
    """A record (hồ sơ) as Decree 30/2020 Annex VI and Circular 05/2025/TT-BNV describe it."""

    file_code: str  # Mã hồ sơ: agency code.year.notation, e.g. "000.00.12.H56.2025.05"
    title: str  # Tiêu đề hồ sơ
    agency_code: str  # the agency's code (mã định danh), e.g. "000.00.12.H56"
    agency_name: str
    fonds_code: str  # Mã phông
    fonds_name: str  # Tên phông
    year: int
    start_date: dt.date  # Thời gian bắt đầu
    end_date: dt.date  # Thời gian kết thúc
    retention_years: int | None  # Thời hạn bảo quản; None: permanent (vĩnh viễn)
    page_count: int  # Tổng số trang
    document_count: int  # Tổng số văn bản
    language: str = "vi"  # Ngôn ngữ, ISO 639-1
    access: Access = "open"  # Chế độ sử dụng
    keywords: tuple[str, ...] = ()  # Từ khóa
    physical_condition: str = ""  # Tình trạng vật lý
    notes: str = ""  # Ghi chú

    @property
    def notation(self) -> str:
        """Ký hiệu hồ sơ: what follows the agency code and the year in the file code."""
        return self.file_code.removeprefix(f"{self.agency_code}.{self.year}.")


@dataclass(frozen=True)
class PreservationEvent:
    """A PREMIS event: what happened to the record or some of its files."""

    event_id: str
    event_type: str  # from EVENT_TYPES, e.g. "message digest calculation"
    when: dt.datetime
    outcome: str  # "success", "fail" or "warning"
    detail: str
    agent: str  # who or what carried it out
    agent_type: str = "software"
    objects: tuple[str, ...] = ()  # payload names it concerns; none: the whole record


@dataclass(frozen=True)
class PackageEntry:
    """A file of the bag: its path from the bag's root (``/``-separated), size, digest."""

    path: str
    size: int
    sha256: str


@dataclass(frozen=True)
class PackageManifest:
    """A written package: where it is, and every file of its bag, tag files first."""

    directory: Path
    package_id: str
    created: dt.datetime
    entries: tuple[PackageEntry, ...]

    @property
    def payload_bytes(self) -> int:
        return sum(entry.size for entry in self.entries if entry.path.startswith("data/"))


class InvalidPackageInput(ValueError):
    """The package's inputs break rules; ``violations`` names each field and rule."""

    def __init__(self, violations: Sequence[tuple[str, str]]) -> None:
        self.violations = tuple(violations)
        super().__init__("; ".join(f"{field}: {rule}" for field, rule in self.violations))
