"""The applicant and the 12-digit personal identification number.

Circular 59/2021/TT-BCA: 3 digits for the province where the birth was
registered (0 + the old two-digit province code), 1 digit for sex and
century, 2 digits for the year of birth, 6 random digits.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lienthong.validation import Violations

#: The 63 provinces' codes before 1 July 2025, as the first three digits carry them.
BIRTH_PLACE_CODES = frozenset(f"0{code}" for code in (
    "01", "02", "04", "06", "08", "10", "11", "12", "14", "15", "17", "19", "20", "22",
    "24", "25", "26", "27", "30", "31", "33", "34", "35", "36", "37", "38", "40", "42",
    "44", "45", "46", "48", "49", "51", "52", "54", "56", "58", "60", "62", "64", "66",
    "67", "68", "70", "72", "74", "75", "77", "79", "80", "82", "83", "84", "86", "87",
    "89", "91", "92", "93", "94", "95", "96",
))
MAX_NAME_LENGTH = 200
MAX_PHONE_LENGTH = 20
MAX_ADDRESS_LENGTH = 500


@dataclass(frozen=True)
class Applicant:
    full_name: str
    personal_identification_number: str
    phone: str = ""
    address: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"full_name": self.full_name,
                "personal_identification_number": self.personal_identification_number,
                "phone": self.phone, "address": self.address}


def birth_year(pin: str) -> int:
    """The year of birth a valid number carries (sex/century digit + two digits)."""
    century = 1900 + 100 * (int(pin[3]) // 2)
    return century + int(pin[4:6])


def check_pin(pin: str, field: str, violations: Violations,
              today: dt.date | None = None) -> None:
    if not (len(pin) == 12 and pin.isascii() and pin.isdigit()):
        violations.add(field, "PIN_FORMAT", "must be exactly 12 digits")
        return
    if pin[:3] not in BIRTH_PLACE_CODES:
        violations.add(field, "PIN_PLACE_CODE",
                       f"{pin[:3]} is not the code of a province of birth registration")
        return
    if birth_year(pin) > (today or dt.datetime.now(dt.UTC).date()).year:
        violations.add(field, "PIN_BIRTH_YEAR",
                       f"its sex/century and year digits give {birth_year(pin)}, in the future")


def check_applicant(applicant: Applicant, violations: Violations,
                    prefix: str = "applicant.", today: dt.date | None = None) -> Applicant:
    """Validate an applicant, collecting every broken rule; returns it normalised."""
    name = " ".join(applicant.full_name.split())
    if not name:
        violations.add(f"{prefix}full_name", "REQUIRED", "must not be empty")
    elif len(name) > MAX_NAME_LENGTH:
        violations.add(f"{prefix}full_name", "NAME_TOO_LONG",
                       f"must be at most {MAX_NAME_LENGTH} characters")
    pin = applicant.personal_identification_number.strip()
    check_pin(pin, f"{prefix}personal_identification_number", violations, today)
    phone, address = applicant.phone.strip(), applicant.address.strip()
    for field, value, longest in (("phone", phone, MAX_PHONE_LENGTH),
                                  ("address", address, MAX_ADDRESS_LENGTH)):
        if len(value) > longest:
            violations.add(f"{prefix}{field}", "TOO_LONG",
                           f"must be at most {longest} characters")
    return Applicant(name, pin, phone, address)
