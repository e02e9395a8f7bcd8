"""A record's description as a caller gives it, checked before any work: every broken
rule named with its field (``description.<field>``) in one INVALID_ARGUMENT."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from lienthong.validation import Violations

#: Pages of one record (the largest boxes of land records run to a few thousand).
MAX_PAGES = 5000
MAX_DOCUMENTS = 10_000
MAX_TITLE = 500
MAX_TEXT = 300
MAX_KEYWORDS = 20
MAX_KEYWORD = 100
MAX_RETENTION_YEARS = 100
FIRST_YEAR = 1945
ACCESS_MODES = ("open", "restricted", "secret")
#: Ký hiệu hồ sơ: letters, digits, dots and hyphens.
_NOTATION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.\-]{0,29}$")
_LANGUAGE = re.compile(r"^[a-z]{2}$")


@dataclass(frozen=True)
class DescriptionInput:
    notation: str
    year: int
    title: str
    retention_years: int
    start_date: dt.date | None
    end_date: dt.date | None
    page_count: int
    document_count: int
    language: str = ""
    keywords: tuple[str, ...] = field(default=())
    access: str = "open"
    physical_condition: str = ""
    fonds_name: str = ""


def _text(value: str) -> str:
    return unicodedata.normalize("NFC", value).strip()


def checked_description(given: DescriptionInput, today: dt.date,
                        *, paper: bool = True) -> dict[str, Any]:
    """The description as it is recorded, or InvalidArgument naming each broken rule.
    A paper record has at least one page (it is digitized page by page)."""
    v = Violations()
    prefix = "description."
    if not _NOTATION.match(given.notation):
        v.add(f"{prefix}notation", "NOTATION_FORMAT",
              "must be 1 to 30 letters, digits, dots or hyphens, starting with a letter "
              f"or digit, got {given.notation!r}")
    if not FIRST_YEAR <= given.year <= today.year:
        v.add(f"{prefix}year", "YEAR_RANGE",
              f"must be {FIRST_YEAR} to {today.year}, got {given.year}")
    title = _text(given.title)
    if not title or len(title) > MAX_TITLE or not title.isprintable():
        v.add(f"{prefix}title", "TITLE_FORMAT",
              f"must be 1 to {MAX_TITLE} printable characters")
    if not 0 <= given.retention_years <= MAX_RETENTION_YEARS:
        v.add(f"{prefix}retention_years", "RETENTION_RANGE",
              f"must be 0 (permanent) to {MAX_RETENTION_YEARS}, got {given.retention_years}")
    earliest = dt.date(FIRST_YEAR, 1, 1)
    for name, value in (("start_date", given.start_date), ("end_date", given.end_date)):
        if value is None:
            v.add(f"{prefix}{name}", "REQUIRED", "must be given")
        elif not earliest <= value <= today:
            v.add(f"{prefix}{name}", "DATE_RANGE", f"must be {earliest} to {today}, got {value}")
    if given.start_date and given.end_date and given.start_date > given.end_date:
        v.add(f"{prefix}end_date", "DATE_ORDER",
              f"must not be before start_date ({given.start_date}), got {given.end_date}")
    least = 1 if paper else 0
    if not least <= given.page_count <= MAX_PAGES:
        v.add(f"{prefix}page_count", "PAGE_COUNT_RANGE",
              f"must be {least} to {MAX_PAGES}, got {given.page_count}")
    if not 0 <= given.document_count <= MAX_DOCUMENTS:
        v.add(f"{prefix}document_count", "DOCUMENT_COUNT_RANGE",
              f"must be 0 to {MAX_DOCUMENTS}, got {given.document_count}")
    language = given.language or "vi"
    if not _LANGUAGE.match(language):
        v.add(f"{prefix}language", "LANGUAGE_FORMAT",
              f"must be an ISO 639-1 code (two lower-case letters), got {given.language!r}")
    keywords = [_text(k) for k in given.keywords]
    if len(keywords) > MAX_KEYWORDS:
        v.add(f"{prefix}keywords", "TOO_MANY", f"at most {MAX_KEYWORDS}, got {len(keywords)}")
    for number, keyword in enumerate(keywords[:MAX_KEYWORDS]):
        if not keyword or len(keyword) > MAX_KEYWORD or not keyword.isprintable():
            v.add(f"{prefix}keywords[{number}]", "KEYWORD_FORMAT",
                  f"must be 1 to {MAX_KEYWORD} printable characters")
    if given.access not in ACCESS_MODES:
        v.add(f"{prefix}access", "ACCESS_MODE", f"must be one of {', '.join(ACCESS_MODES)}")
    for name in ("physical_condition", "fonds_name"):
        value = _text(getattr(given, name))
        if len(value) > MAX_TEXT or (value and not value.isprintable()):
            v.add(f"{prefix}{name}", "TEXT_FORMAT",
                  f"must be at most {MAX_TEXT} printable characters")
    v.raise_if_any()
    assert given.start_date is not None and given.end_date is not None
    return {"notation": given.notation, "year": given.year, "title": title,
            "retention_years": given.retention_years,
            "start_date": given.start_date.isoformat(), "end_date": given.end_date.isoformat(),
            "page_count": given.page_count, "document_count": given.document_count,
            "language": language, "keywords": keywords, "access": given.access,
            "physical_condition": _text(given.physical_condition),
            "fonds_name": _text(given.fonds_name)}
