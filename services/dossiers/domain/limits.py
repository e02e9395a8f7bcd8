"""What a procedure or a dossier may hold: bounds checked before any work is done.

Within the platform's outer bounds (any string at most 4,096 characters, any list at most
1,000 items: :mod:`lienthong.grpc.limits`), a dossier's fields have bounds of their own,
named in docs/dossiers.md. A value beyond one is refused with INVALID_ARGUMENT naming the
field and the rule, before any record is read or written.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

    from lienthong.validation import Violations

#: A processing time, or a transfer's share of one, in working days (about 17 months).
MAX_WORKING_DAYS = 365
#: Documents a procedure requires, or a dossier is handed, asked for or gives as results.
MAX_DOCUMENTS = 100
#: A document's name.
MAX_DOCUMENT_NAME_LENGTH = 500
#: Copies of one required document.
MAX_COPIES = 100
#: A fee or a financial obligation, in đồng (ten trillion).
MAX_AMOUNT_VND = 10**13
#: A new appointment date: at most this many days after today.
MAX_DAYS_AHEAD = 730
#: The days a procedure version may take effect on.
EARLIEST_EFFECTIVE_DATE = dt.date(1990, 1, 1)
LATEST_EFFECTIVE_DATE = dt.date(2100, 12, 31)


def check_working_days(value: int, field: str, violations: Violations, what: str) -> None:
    """A positive number of working days, at most ``MAX_WORKING_DAYS``."""
    if value <= 0:
        violations.add(field, "POSITIVE_REQUIRED", f"{what}, at least one working day")
    elif value > MAX_WORKING_DAYS:
        violations.add(field, "WORKING_DAYS_OUT_OF_RANGE",
                       f"{what}: at most {MAX_WORKING_DAYS} working days")


def check_documents(names: Sequence[str], field: str, violations: Violations) -> None:
    """At most ``MAX_DOCUMENTS`` names, none longer than ``MAX_DOCUMENT_NAME_LENGTH``."""
    if len(names) > MAX_DOCUMENTS:
        violations.add(field, "TOO_MANY_DOCUMENTS", f"must list at most {MAX_DOCUMENTS}")
        return
    for i, name in enumerate(names):
        if len(name) > MAX_DOCUMENT_NAME_LENGTH:
            violations.add(f"{field}[{i}]", "TOO_LONG",
                           f"must be at most {MAX_DOCUMENT_NAME_LENGTH} characters")


def check_amount(value: int, field: str, violations: Violations, *, positive: bool) -> None:
    """An amount of đồng, at most ``MAX_AMOUNT_VND`` (positive, or not negative)."""
    if positive and value <= 0:
        violations.add(field, "POSITIVE_REQUIRED", "must be a positive amount of đồng")
    elif value < 0:
        violations.add(field, "NON_NEGATIVE_REQUIRED",
                       "must not be negative (0 means free of charge)")
    elif value > MAX_AMOUNT_VND:
        violations.add(field, "AMOUNT_OUT_OF_RANGE",
                       f"must be at most {MAX_AMOUNT_VND:,} đồng")


def check_date(value: dt.date, field: str, violations: Violations, *,
               earliest: dt.date, latest: dt.date) -> None:
    """A date from ``earliest`` to ``latest``."""
    if not earliest <= value <= latest:
        violations.add(field, "DATE_OUT_OF_RANGE",
                       f"must be from {earliest.isoformat()} to {latest.isoformat()}")
