"""Value objects for the two identifiers the identity service guards.

* Agency electronic identification code (QCVN 102:2016, QĐ 20/2020):
  ``NNN.NN.NN.XNN``, lowest level first, the level-1 code last.
* Administrative-unit code (QĐ 19/2025/QĐ-TTg): 2 digits for a province,
  3 for a (former) district, 5 for a commune.

Each check raises :class:`CodeError` naming the exact rule that was broken.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from enum import Enum

from lienthong.errors import FieldViolation, InvalidArgument

AGENCY_CODE_PATTERN = re.compile(r"^(\d{3})\.(\d{2})\.(\d{2})\.([A-Z])(\d{2})$", re.ASCII)


class CodeError(InvalidArgument):
    """A code breaks a rule of its format."""

    def __init__(self, field: str, rule: str, description: str) -> None:
        super().__init__([FieldViolation(field, rule, description)])


class Level(Enum):
    """Where a unit sits in the administrative hierarchy."""

    PROVINCE = "province"
    DISTRICT = "district"  # the level abolished on 1 July 2025; kept for history
    COMMUNE = "commune"
    AGENCY = "agency"  # a body that is not a territorial unit (a department, a ministry)


ADMINISTRATIVE_CODE_DIGITS = {Level.PROVINCE: 2, Level.DISTRICT: 3, Level.COMMUNE: 5}


@dataclass(frozen=True, order=True)
class AgencyCode:
    """A 13-character agency code such as ``000.05.12.H49``.

    ``parts`` holds the level-4, level-3, level-2 and level-1 segments in the
    order they are written.
    """

    value: str

    @classmethod
    def parse(cls, raw: str, field: str = "agency_code") -> AgencyCode:
        text = raw.strip()
        if len(text) != 13:
            raise CodeError(field, "AGENCY_CODE_LENGTH",
                            f"must be 13 characters (NNN.NN.NN.XNN), got {len(text)}")
        match = AGENCY_CODE_PATTERN.match(text)
        if match is None:
            raise CodeError(field, "AGENCY_CODE_FORMAT",
                            "must match NNN.NN.NN.XNN: digits, dots, then an upper-case "
                            "letter and two digits (e.g. 000.00.00.H49)")
        level4, level3, level2, _letter, number = match.groups()
        if number == "00":
            raise CodeError(field, "AGENCY_CODE_LEVEL1_ZERO",
                            "the level-1 code (last segment) must not be numbered 00")
        filled = [level2 != "00", level3 != "00", level4 != "000"]
        # A lower level can only be issued under a filled higher level.
        for higher, lower in itertools.pairwise(filled):
            if lower and not higher:
                raise CodeError(field, "AGENCY_CODE_LEVEL_GAP",
                                "a lower level is set while the level above it is zero "
                                "(codes are issued level by level under their parent)")
        return cls(text)

    @property
    def parts(self) -> tuple[str, str, str, str]:
        level4, level3, level2, level1 = self.value.split(".")
        return level4, level3, level2, level1

    @property
    def is_provisional(self) -> bool:
        """Whether the level-1 letter is the one kept for provisional codes."""
        return self.parts[3][0] == PROVISIONAL_LETTER

    @property
    def level(self) -> int:
        """1 for ``000.00.00.H49`` up to 4 for ``003.05.12.H49``."""
        level4, level3, level2, _ = self.parts
        return 1 + (level2 != "00") + (level3 != "00") + (level4 != "000")

    @property
    def parent(self) -> AgencyCode | None:
        """The code this one was issued under (None at level 1)."""
        level4, level3, level2, level1 = self.parts
        if level4 != "000":
            return AgencyCode(f"000.{level3}.{level2}.{level1}")
        if level3 != "00":
            return AgencyCode(f"000.00.{level2}.{level1}")
        if level2 != "00":
            return AgencyCode(f"000.00.00.{level1}")
        return None

    def __str__(self) -> str:
        return self.value


def parse_administrative_code(raw: str, level: Level,
                              field: str = "administrative_unit_code") -> str:
    """Check an administrative-unit code against the digits its level takes."""
    text = raw.strip()
    digits = ADMINISTRATIVE_CODE_DIGITS.get(level)
    if digits is None:
        raise CodeError(field, "ADMINISTRATIVE_CODE_NOT_ALLOWED",
                        f"a unit of level {level.value} has no administrative-unit code")
    if not (text.isascii() and text.isdigit() and len(text) == digits):
        raise CodeError(field, "ADMINISTRATIVE_CODE_FORMAT",
                        f"a {level.value} code is exactly {digits} digits (QĐ 19/2025), "
                        f"got {raw!r}")
    return text


def classify_code(raw: str, field: str = "code") -> tuple[str, str]:
    """Which kind of code a caller gave: ``("agency", code)`` or ``("administrative", code)``."""
    text = raw.strip()
    if "." in text or len(text) == 13:
        return "agency", AgencyCode.parse(text, field).value
    if text.isascii() and text.isdigit() and len(text) in (2, 3, 5):
        return "administrative", text
    raise CodeError(field, "CODE_FORMAT",
                    "must be an agency code (NNN.NN.NN.XNN) or an administrative-unit "
                    "code of 2, 3 or 5 digits")


#: The level-1 letter of provisional agency codes. QCVN 102:2016 issues no
#: level-1 code under it, so a provisional code never collides with, and is
#: never mistaken for, an official one.
PROVISIONAL_LETTER = "Z"


def check_provisional_letter(code: AgencyCode, *, provisional: bool,
                             field: str = "agency_code") -> None:
    """Provisional codes, and only they, use the letter Z."""
    if provisional and not code.is_provisional:
        raise CodeError(field, "AGENCY_CODE_PROVISIONAL_LETTER",
                        f"a provisional code has the level-1 letter {PROVISIONAL_LETTER} "
                        f"(e.g. 000.00.00.{PROVISIONAL_LETTER}01), so it is never taken for "
                        "an official one")
    if not provisional and code.is_provisional:
        raise CodeError(field, "AGENCY_CODE_PROVISIONAL_LETTER",
                        f"codes with the level-1 letter {PROVISIONAL_LETTER} are provisional; "
                        "mark the assignment provisional or give the official code")


def check_agency_code_for_unit(code: AgencyCode, *, level: Level, provisional: bool,
                               administrative_unit_code: str, province_code: str,
                               province_administrative_code: str,
                               field: str = "agency_code") -> None:
    """The rules that tie an agency code to the unit that takes it.

    A province's People's Committee holds a level-1 code; a commune's (or a
    former district's) is issued under its province, so it is of a lower
    level and ends with the province's level-1 segment: the province's
    official code for an official code, ``Z<the province's administrative
    code>`` for a provisional one. A province's provisional code is
    ``000.00.00.Z<its administrative code>``.
    """
    if level is Level.PROVINCE:
        if code.level != 1:
            raise CodeError(field, "AGENCY_CODE_PROVINCE_LEVEL",
                            "a province's code is a level-1 code (000.00.00.XNN)")
        if provisional and code.parts[3] != PROVISIONAL_LETTER + administrative_unit_code:
            raise CodeError(field, "AGENCY_CODE_OUTSIDE_PROVINCE",
                            f"a province's provisional code is 000.00.00.{PROVISIONAL_LETTER}"
                            f"{administrative_unit_code} (its administrative code)")
    if level in (Level.COMMUNE, Level.DISTRICT):
        if code.level == 1:
            raise CodeError(field, "AGENCY_CODE_LEVEL",
                            f"a {level.value}'s code is issued under its province's "
                            "(level 2 or lower), not at level 1")
        expected = (PROVISIONAL_LETTER + province_administrative_code if provisional
                    else AgencyCode(province_code).parts[3] if province_code else "")
        if expected and code.parts[3] != expected:
            raise CodeError(field, "AGENCY_CODE_OUTSIDE_PROVINCE",
                            f"must end with its province's level-1 segment {expected}"
                            + ("" if provisional else f" (the province's code is {province_code})"))

