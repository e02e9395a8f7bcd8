"""The applicant and the 12-digit personal identification number (Circular 59/2021/TT-BCA).

Digits 1-3: the province where the birth was registered (0 + its pre-2025
two-digit code); digit 4: sex and century (0/1 = 20th, 2/3 = 21st, 4/5 =
22nd...); digits 5-6: the year of birth; digits 7-12: random.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from lienthong.errors import InvalidArgument
from lienthong.services.dossiers.domain.applicant import (
    BIRTH_PLACE_CODES,
    MAX_NAME_LENGTH,
    Applicant,
    birth_year,
    check_applicant,
    check_pin,
)
from lienthong.validation import Violations

FIELD = "applicant.personal_identification_number"
TODAY = dt.date(2026, 3, 4)


def pin_rules(pin: str, today: dt.date = TODAY) -> list[tuple[str, str]]:
    found = Violations()
    check_pin(pin, FIELD, found, today)
    return [(v.field, v.rule) for v in found.items]


def applicant_rules(applicant: Applicant) -> tuple[Applicant, list[tuple[str, str]]]:
    found = Violations()
    normalised = check_applicant(applicant, found)
    return normalised, [(v.field, v.rule) for v in found.items]


@pytest.mark.parametrize("pin", [
    "001090012345",  # Hà Nội, male, 1990
    "079185000001",  # Hồ Chí Minh City, female, 1985
    "096203123456",  # Cà Mau, male, 2003
    "001326999999",  # Hà Nội, female, 2026: born this year
    "001100000000",  # 1900
])
def test_a_well_formed_number_passes(pin: str) -> None:
    assert pin_rules(pin) == []


@pytest.mark.parametrize("pin", [
    "", "00109001234", "0010900123456", "00109001234A", "001 90012345", "+01090012345",
    "００１０９００１２３４５",  # full-width digits are digits to str.isdigit, not to the rule
    "٠٠١٠٩٠٠١٢٣٤٥",  # Arabic-Indic digits
])
def test_anything_but_twelve_ascii_digits_is_pin_format(pin: str) -> None:
    assert pin_rules(pin) == [(FIELD, "PIN_FORMAT")]


@pytest.mark.parametrize("pin", [
    "000090012345", "003090012345", "005090012345", "063090012345", "097090012345",
    "100090012345", "999090012345",
])
def test_a_place_that_is_no_province_code_is_pin_place_code(pin: str) -> None:
    assert pin_rules(pin) == [(FIELD, "PIN_PLACE_CODE")]


def test_the_place_codes_are_the_63_provinces_before_2025() -> None:
    assert len(BIRTH_PLACE_CODES) == 63
    assert {"001", "031", "048", "079", "092", "096"} <= BIRTH_PLACE_CODES
    assert all(len(code) == 3 and code.startswith("0") for code in BIRTH_PLACE_CODES)


@pytest.mark.parametrize(("pin", "year"), [
    ("001090012345", 1990), ("001190012345", 1990), ("001203012345", 2003),
    ("001303012345", 2003), ("001405012345", 2105), ("001599012345", 2199),
    ("001600012345", 2200), ("001899012345", 2399), ("001999012345", 2399),
])
def test_the_sex_and_century_digit_gives_the_century(pin: str, year: int) -> None:
    assert birth_year(pin) == year


@pytest.mark.parametrize("pin", ["001227012345", "001399012345", "001400012345"])
def test_a_birth_year_in_the_future_is_pin_birth_year(pin: str) -> None:
    assert pin_rules(pin) == [(FIELD, "PIN_BIRTH_YEAR")]
    assert pin_rules(pin, today=dt.date(2400, 1, 1)) == []


def test_only_the_first_broken_rule_of_a_number_is_reported() -> None:
    # A bad place code and a future year: the place is reported, the year not guessed at.
    assert pin_rules("003399012345") == [(FIELD, "PIN_PLACE_CODE")]


def test_an_applicant_is_normalised() -> None:
    normalised, rules = applicant_rules(Applicant(
        "  Nguyễn   Thị\tHoa ", " 001190012345 ", " 0912 345 678 ", "  Số 1, Hà Nội "))

    assert rules == []
    assert normalised == Applicant("Nguyễn Thị Hoa", "001190012345", "0912 345 678",
                                   "Số 1, Hà Nội")
    assert normalised.as_dict() == {
        "full_name": "Nguyễn Thị Hoa", "personal_identification_number": "001190012345",
        "phone": "0912 345 678", "address": "Số 1, Hà Nội"}


@pytest.mark.parametrize(("applicant", "expected"), [
    (Applicant("", "001090012345"), [("applicant.full_name", "REQUIRED")]),
    (Applicant(" \t ", "001090012345"), [("applicant.full_name", "REQUIRED")]),
    (Applicant("A" * (MAX_NAME_LENGTH + 1), "001090012345"),
     [("applicant.full_name", "NAME_TOO_LONG")]),
    (Applicant("", ""), [("applicant.full_name", "REQUIRED"), (FIELD, "PIN_FORMAT")]),
])
def test_every_broken_rule_of_an_applicant_is_collected(
        applicant: Applicant, expected: list[tuple[str, str]]) -> None:
    assert applicant_rules(applicant)[1] == expected


def test_a_name_of_the_maximum_length_passes() -> None:
    assert applicant_rules(Applicant("A" * MAX_NAME_LENGTH, "001090012345"))[1] == []


# -- through the application -----------------------------------------------------------

@pytest.mark.parametrize(("pin", "rule"), [
    ("12345", "PIN_FORMAT"), ("003090012345", "PIN_PLACE_CODE"),
    ("001299012345", "PIN_BIRTH_YEAR"),
])
def test_the_application_refuses_a_bad_number_naming_the_field(
        desk: Any, pin: str, rule: str) -> None:
    before = desk.app.recorder.max_notification_id()
    with pytest.raises(InvalidArgument) as error:
        desk.submit(who=desk.applicant(personal_identification_number=pin))
    assert [(v.field, v.rule) for v in error.value.violations] == [(FIELD, rule)]
    assert error.value.metadata == {"field": FIELD}
    assert desk.app.recorder.max_notification_id() == before


def test_the_application_stores_the_applicant_normalised(desk: Any) -> None:
    dossier_id = desk.submit(who=desk.applicant(full_name=" Lê  Văn   Tám ",
                                                personal_identification_number=" 048075000123"))
    applicant = desk.app.applicant_of(desk.app.get_dossier(dossier_id))
    assert (applicant.full_name, applicant.personal_identification_number, applicant.phone,
            applicant.address) == ("Lê Văn Tám", "048075000123", "0912345678",
                                   "12 Phố Điện Biên Phủ, Ba Đình, Hà Nội")


@pytest.mark.parametrize(("field", "longest"), [("phone", 20), ("address", 500)])
def test_a_phone_or_an_address_beyond_its_bound_is_refused(field: str, longest: int) -> None:
    assert applicant_rules(Applicant("Nguyễn Thị Hoa", "001190012345",
                                     **{field: "9" * longest}))[1] == []
    assert applicant_rules(Applicant("Nguyễn Thị Hoa", "001190012345",
                                     **{field: "9" * (longest + 1)}))[1] == [
        (f"applicant.{field}", "TOO_LONG")]


def test_the_birth_year_is_checked_against_the_applications_clock(desk: Any) -> None:
    desk.clock.at(2025, 8, 1)  # the application's today; this machine's is later
    assert dt.datetime.now(dt.UTC).year >= 2026
    with pytest.raises(InvalidArgument) as error:
        desk.submit(who=desk.applicant(personal_identification_number="001226012345"))
    assert error.value.reason == "PIN_BIRTH_YEAR"
