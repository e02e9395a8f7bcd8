"""The rules a package's inputs keep, checked before anything is written.

:func:`check_inputs` gathers every broken rule and raises one
:class:`~lienthong.services.archive.packaging.model.InvalidPackageInput` naming each
field and rule, e.g. ``payload[0].name: must not contain '/'``.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import TYPE_CHECKING

from lienthong.services.archive.packaging.model import (
    ACCESS_MODES,
    AGENCY_CODE,
    AGENT_TYPES,
    EVENT_ID,
    EVENT_OUTCOMES,
    EVENT_TYPES,
    FIRST_YEAR,
    FORBIDDEN_IN_NAMES,
    LANGUAGES,
    MAX_DETAIL_CHARS,
    MAX_EVENTS,
    MAX_KEYWORDS,
    MAX_NAME_BYTES,
    MAX_NAME_CHARS,
    MAX_PAYLOAD_FILES,
    MAX_TEXT_CHARS,
    MAX_TITLE_CHARS,
    MIME_TYPE,
    NOTATION,
    PACKAGE_ID,
    SHA256,
    InvalidPackageInput,
    PayloadFile,
    PreservationEvent,
    RecordDescription,
)

if TYPE_CHECKING:
    from collections.abc import Sequence


class _Checks:
    def __init__(self) -> None:
        self.violations: list[tuple[str, str]] = []

    def fail(self, field: str, rule: str) -> None:
        self.violations.append((field, rule))

    def text(self, field: str, value: object, limit: int, *, required: bool = True,
             multiline: bool = False) -> None:
        if not isinstance(value, str):
            self.fail(field, "must be a string")
            return
        if required and not value.strip():
            self.fail(field, "must not be empty")
        if len(value) > limit:
            self.fail(field, f"must be at most {limit} characters")
        allowed = "\t\n" if multiline else ""
        if any((ord(c) < 0x20 and c not in allowed) or 0x7F <= ord(c) < 0xA0 for c in value):
            self.fail(field, "must not contain control characters")
        if unicodedata.normalize("NFC", value) != value:
            self.fail(field, "must be in Unicode normalization form NFC")

    def moment(self, field: str, value: object) -> None:
        if not isinstance(value, dt.datetime):
            self.fail(field, "must be a datetime")
        elif value.tzinfo is None or value.utcoffset() is None:
            self.fail(field, "must be timezone-aware")

    def count(self, field: str, value: object, low: int, high: int) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.fail(field, f"must be an integer from {low} to {high}")

    def file_name(self, field: str, name: object) -> None:
        if not isinstance(name, str) or not name:
            self.fail(field, "must be a non-empty string")
            return
        for forbidden in FORBIDDEN_IN_NAMES:
            if forbidden in name:
                self.fail(field, f"must not contain {forbidden!r}")
        if name in (".", ".."):
            self.fail(field, "must not be '.' or '..'")
        if name != name.strip():
            self.fail(field, "must not begin or end with spaces")
        if len(name) > MAX_NAME_CHARS:
            self.fail(field, f"must be at most {MAX_NAME_CHARS} characters")
        if len(name.encode("utf-8", "surrogatepass")) > MAX_NAME_BYTES:
            self.fail(field, f"must be at most {MAX_NAME_BYTES} bytes in UTF-8")
        if any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 or 0xD800 <= ord(c) < 0xE000
               for c in name):
            self.fail(field, "must not contain control characters")
        elif unicodedata.normalize("NFC", name) != name:
            self.fail(field, "must be in Unicode normalization form NFC")


def check_inputs(*, package_id: str, record: RecordDescription,
                 payload: Sequence[PayloadFile], events: Sequence[PreservationEvent],
                 created: dt.datetime, creator: str, creator_version: str) -> None:
    """Raise :class:`InvalidPackageInput` unless every input keeps its rules."""
    checks = _Checks()
    if not isinstance(package_id, str) or not PACKAGE_ID.fullmatch(package_id):
        checks.fail("package_id", "must be 1 to 128 letters, digits, '.', '_' or '-', "
                                  "beginning with a letter or digit")
    checks.moment("created", created)
    checks.text("creator", creator, MAX_TEXT_CHARS)
    checks.text("creator_version", creator_version, 100)
    this_year = created.year if isinstance(created, dt.datetime) else dt.date.today().year
    _check_record(checks, record, this_year)
    if not payload:
        checks.fail("payload", "must hold at least one file")
    if len(payload) > MAX_PAYLOAD_FILES:
        checks.fail("payload", f"must hold at most {MAX_PAYLOAD_FILES} files")
    else:
        _check_payload(checks, payload)
    if len(events) > MAX_EVENTS:
        checks.fail("events", f"must hold at most {MAX_EVENTS} events")
    else:
        names = {item.name for item in payload if isinstance(item, PayloadFile)}
        _check_events(checks, events, names)
    if checks.violations:
        raise InvalidPackageInput(checks.violations)


def _check_record(checks: _Checks, record: RecordDescription, this_year: int) -> None:
    if not isinstance(record, RecordDescription):
        checks.fail("record", "must be a RecordDescription")
        return
    checks.text("record.title", record.title, MAX_TITLE_CHARS)
    for name in ("agency_name", "fonds_name", "fonds_code"):
        checks.text(f"record.{name}", getattr(record, name), MAX_TEXT_CHARS)
    checks.text("record.physical_condition", record.physical_condition, MAX_TEXT_CHARS,
                required=False)
    checks.text("record.notes", record.notes, MAX_DETAIL_CHARS, required=False,
                multiline=True)
    checks.count("record.year", record.year, FIRST_YEAR, this_year + 1)
    if not isinstance(record.agency_code, str) or not AGENCY_CODE.fullmatch(record.agency_code):
        checks.fail("record.agency_code", "must be an agency code like 000.00.12.H56")
    elif not isinstance(record.file_code, str) or not record.file_code.startswith(
            f"{record.agency_code}.{record.year}."):
        checks.fail("record.file_code", "must be the agency code, the year and the notation, "
                                        "joined by '.'")
    elif not NOTATION.fullmatch(record.notation):
        checks.fail("record.file_code", "must end with a notation of letters, digits, "
                                        "'.', '/' or '-' (at most 50)")
    dates_ok = True
    for name in ("start_date", "end_date"):
        value = getattr(record, name)
        if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
            checks.fail(f"record.{name}", "must be a date")
            dates_ok = False
        elif not FIRST_YEAR <= value.year <= this_year + 1:
            checks.fail(f"record.{name}", f"must fall in the years {FIRST_YEAR} to "
                                          f"{this_year + 1}")
    if dates_ok and record.end_date < record.start_date:
        checks.fail("record.end_date", "must not be before record.start_date")
    if record.retention_years is not None:
        checks.count("record.retention_years", record.retention_years, 1, 100)
    # 0: not counted (a born-digital record's summary has no pages of its own).
    checks.count("record.page_count", record.page_count, 0, 100_000)
    checks.count("record.document_count", record.document_count, 0, 100_000)
    if record.language not in LANGUAGES:
        checks.fail("record.language", f"must be one of {', '.join(sorted(LANGUAGES))}")
    if record.access not in ACCESS_MODES:
        checks.fail("record.access", f"must be one of {', '.join(ACCESS_MODES)}")
    if not isinstance(record.keywords, tuple) or len(record.keywords) > MAX_KEYWORDS:
        checks.fail("record.keywords", f"must be a tuple of at most {MAX_KEYWORDS} keywords")
    else:
        for index, keyword in enumerate(record.keywords):
            checks.text(f"record.keywords[{index}]", keyword, 100)


def _check_payload(checks: _Checks, payload: Sequence[PayloadFile]) -> None:
    seen: dict[str, int] = {}
    for index, item in enumerate(payload):
        field = f"payload[{index}]"
        if not isinstance(item, PayloadFile):
            checks.fail(field, "must be a PayloadFile")
            continue
        checks.file_name(f"{field}.name", item.name)
        if isinstance(item.name, str):
            folded = item.name.casefold()
            if folded in seen:
                checks.fail(f"{field}.name", f"must differ from payload[{seen[folded]}].name "
                                             "(ignoring case)")
            seen.setdefault(folded, index)
        if isinstance(item.size, bool) or not isinstance(item.size, int) or item.size < 0:
            checks.fail(f"{field}.size", "must be an integer >= 0")
        if not isinstance(item.sha256, str) or not SHA256.fullmatch(item.sha256):
            checks.fail(f"{field}.sha256", "must be 64 hexadecimal characters")
        if not isinstance(item.mime_type, str) or not MIME_TYPE.fullmatch(item.mime_type):
            checks.fail(f"{field}.mime_type", "must be a media type like application/pdf")
        checks.moment(f"{field}.created", item.created)


def _check_events(checks: _Checks, events: Sequence[PreservationEvent],
                  names: set[str]) -> None:
    seen: set[str] = set()
    for index, event in enumerate(events):
        field = f"events[{index}]"
        if not isinstance(event, PreservationEvent):
            checks.fail(field, "must be a PreservationEvent")
            continue
        if not isinstance(event.event_id, str) or not EVENT_ID.fullmatch(event.event_id):
            checks.fail(f"{field}.event_id", "must be 1 to 128 letters, digits, '.', '_', "
                                             "':' or '-'")
        elif event.event_id in seen:
            checks.fail(f"{field}.event_id", "must be unique")
        seen.add(event.event_id)
        if event.event_type not in EVENT_TYPES:
            checks.fail(f"{field}.event_type", "must be a PREMIS event type, one of "
                                               + ", ".join(sorted(EVENT_TYPES)))
        checks.moment(f"{field}.when", event.when)
        if event.outcome not in EVENT_OUTCOMES:
            checks.fail(f"{field}.outcome", f"must be one of {', '.join(EVENT_OUTCOMES)}")
        checks.text(f"{field}.detail", event.detail, MAX_DETAIL_CHARS, required=False,
                    multiline=True)
        checks.text(f"{field}.agent", event.agent, MAX_TEXT_CHARS)
        if event.agent_type not in AGENT_TYPES:
            checks.fail(f"{field}.agent_type", f"must be one of {', '.join(AGENT_TYPES)}")
        if not isinstance(event.objects, tuple):
            checks.fail(f"{field}.objects", "must be a tuple of payload names")
            continue
        for position, name in enumerate(event.objects):
            if name not in names:
                checks.fail(f"{field}.objects[{position}]", "must name a payload file")
