"""A draft's metadata and files, checked before anything is written.

Every count, length and date has a bound; every broken rule is named with its field
(``draft.recipients[3]``) and reported together as one INVALID_ARGUMENT.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lienthong.validation import Violations

from .domain.kinds import (
    AUTHORITIES,
    CONFIDENTIALITIES,
    DOCUMENT_TYPES,
    LEGAL_NORMATIVE_TYPES,
    OFFICIAL_LETTER,
    URGENCIES,
)

if TYPE_CHECKING:
    import datetime as dt

MAX_SUBJECT = 1000
MAX_NAME = 200
MAX_RECIPIENTS = 500
MAX_FILES = 50
MAX_FILE_BYTES = 1024 ** 4  # what the file store accepts is its own, lower, limit
MAX_DEADLINE_YEARS = 5
#: An agency's own abbreviation in notations (UBND, HĐND, UBND-VP): capitals,
#: Vietnamese capitals, digits and hyphens.
NOTATION_PART = re.compile(r"^[A-ZĐ0-9]+(?:-[A-ZĐ0-9]+)*$")
MAX_NOTATION_PART = 30
#: Agency codes (000.00.01.H26, H26.01.05): letters, digits and dots.
AGENCY_CODE = re.compile(r"^[A-Za-z0-9]+(?:\.[A-Za-z0-9]+)*$")
MAX_AGENCY_CODE = 40
SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class DraftInput:
    """What a caller gives for a draft (the gRPC layer fills it from its request)."""

    document_type: str
    subject: str
    issuer_notation: str
    signer_id: str
    signer_name: str
    signer_position: str
    authority: str = ""
    drafting_unit: str = ""
    recipients: tuple[str, ...] = ()
    urgency: str = "normal"
    confidentiality: str = "normal"
    deadline: dt.date | None = None
    legal_normative: bool = False
    files: tuple[dict[str, Any], ...] = field(default_factory=tuple)


def _text(violations: Violations, name: str, value: str, maximum: int, *,
          required: bool = True) -> None:
    if required and not value.strip():
        violations.add(name, "REQUIRED", "must not be empty")
    elif len(value) > maximum:
        violations.add(name, "TOO_LONG", f"must be at most {maximum} characters, "
                                         f"got {len(value)}")
    elif not value.isprintable():
        violations.add(name, "CONTROL_CHARACTER", "must not contain control characters")


def _agency_code(violations: Violations, name: str, value: str) -> None:
    if len(value) > MAX_AGENCY_CODE or not AGENCY_CODE.match(value):
        violations.add(name, "AGENCY_CODE_FORMAT",
                       f"must be an agency code (letters, digits and dots, at most "
                       f"{MAX_AGENCY_CODE} characters), got {value[:MAX_AGENCY_CODE]!r}")


def _files(violations: Violations, files: tuple[dict[str, Any], ...]) -> None:
    if len(files) > MAX_FILES:
        violations.add("draft.files", "TOO_MANY", f"at most {MAX_FILES} files, got {len(files)}")
        return
    for number, value in enumerate(files):
        where = f"draft.files[{number}]"
        _text(violations, f"{where}.name", str(value.get("name", "")), MAX_NAME)
        _text(violations, f"{where}.object_name", str(value.get("object_name", "")), MAX_NAME)
        _text(violations, f"{where}.content_type", str(value.get("content_type", "")),
              MAX_NAME)
        size = value.get("size")
        if not isinstance(size, int) or not 0 <= size <= MAX_FILE_BYTES:
            violations.add(f"{where}.size", "SIZE_RANGE",
                           f"must be 0 to {MAX_FILE_BYTES} bytes, got {size!r}")
        if not SHA256_HEX.match(str(value.get("sha256", ""))):
            violations.add(f"{where}.sha256", "SHA256_FORMAT",
                           "must be 64 lowercase hexadecimal digits")


def checked_draft(given: DraftInput,
                  today: dt.date) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The draft's metadata and files as its events record them, once every rule holds."""
    violations = Violations()
    if given.document_type not in DOCUMENT_TYPES:
        violations.add("draft.document_type", "DOCUMENT_TYPE",
                       f"must be one of {', '.join(DOCUMENT_TYPES)}, "
                       f"got {given.document_type[:20]!r}")
    _text(violations, "draft.subject", given.subject, MAX_SUBJECT)
    if len(given.issuer_notation) > MAX_NOTATION_PART \
            or not NOTATION_PART.match(given.issuer_notation):
        violations.add("draft.issuer_notation", "NOTATION_FORMAT",
                       "must be the issuer's abbreviation in capitals (UBND, HĐND), at most "
                       f"{MAX_NOTATION_PART} characters")
    if given.drafting_unit and (len(given.drafting_unit) > MAX_NOTATION_PART
                                or not NOTATION_PART.match(given.drafting_unit)):
        violations.add("draft.drafting_unit", "NOTATION_FORMAT",
                       "must be the drafting unit's abbreviation in capitals (VP, TP)")
    if given.drafting_unit and given.document_type != OFFICIAL_LETTER:
        violations.add("draft.drafting_unit", "OFFICIAL_LETTER_ONLY",
                       "only an official letter (CV) names its drafting unit")
    _text(violations, "draft.signer.official_id", given.signer_id, MAX_NAME)
    _text(violations, "draft.signer.full_name", given.signer_name, MAX_NAME)
    _text(violations, "draft.signer.position", given.signer_position, MAX_NAME)
    if given.authority not in AUTHORITIES:
        violations.add("draft.signer.authority", "AUTHORITY",
                       f"must be one of {', '.join(repr(a) for a in AUTHORITIES)}")
    if not 1 <= len(given.recipients) <= MAX_RECIPIENTS:
        violations.add("draft.recipients", "RECIPIENT_COUNT",
                       f"must name 1 to {MAX_RECIPIENTS} agencies, got {len(given.recipients)}")
    else:
        for number, code in enumerate(given.recipients):
            _agency_code(violations, f"draft.recipients[{number}]", code)
        if len(set(given.recipients)) != len(given.recipients):
            violations.add("draft.recipients", "RECIPIENT_REPEATED", "each agency once")
    if given.urgency not in URGENCIES:
        violations.add("draft.urgency", "URGENCY", f"must be one of {', '.join(URGENCIES)}")
    if given.confidentiality not in CONFIDENTIALITIES:
        violations.add("draft.confidentiality", "CONFIDENTIALITY",
                       f"must be one of {', '.join(CONFIDENTIALITIES)}")
    if given.deadline is not None:
        latest = today.replace(year=today.year + MAX_DEADLINE_YEARS)
        if not today <= given.deadline <= latest:
            violations.add("draft.deadline", "DEADLINE_RANGE",
                           f"must be from {today} to {latest}, got {given.deadline}")
    if given.legal_normative and given.document_type not in LEGAL_NORMATIVE_TYPES:
        violations.add("draft.legal_normative", "LEGAL_NORMATIVE_TYPE",
                       "only a resolution (NQ) or a decision (QD) is a legal normative "
                       "document of a commune or province")
    if given.legal_normative and given.confidentiality != "normal":
        violations.add("draft.confidentiality", "LEGAL_NORMATIVE_PUBLIC",
                       "a legal normative document is public")
    _files(violations, given.files)
    violations.raise_if_any()
    draft = {"document_type": given.document_type, "subject": given.subject,
             "issuer_notation": given.issuer_notation, "drafting_unit": given.drafting_unit,
             "signer": {"official_id": given.signer_id, "full_name": given.signer_name,
                        "position": given.signer_position, "authority": given.authority},
             "recipients": list(given.recipients), "urgency": given.urgency,
             "confidentiality": given.confidentiality,
             "deadline": given.deadline.isoformat() if given.deadline else "",
             "legal_normative": given.legal_normative}
    files = [{"name": f["name"], "object_name": f["object_name"], "size": f["size"],
              "sha256": f["sha256"], "content_type": f["content_type"]} for f in given.files]
    return draft, files


def series_of(draft: dict[str, Any]) -> str:
    """The outgoing series a draft is numbered in."""
    if draft["legal_normative"]:
        return "legal"
    return "regular" if draft["confidentiality"] == "normal" else "secret"
