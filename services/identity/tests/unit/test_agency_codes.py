"""Stories about the two codes the identity service guards, and how a caller's code is read."""

from __future__ import annotations

import pytest

from lienthong.errors import InvalidArgument
from lienthong.services.identity.domain.codes import (
    AgencyCode,
    Level,
    classify_code,
    parse_administrative_code,
)


def rule_of(error: pytest.ExceptionInfo[InvalidArgument]) -> tuple[str, str]:
    """The (field, rule) of the one violation a code check raises."""
    [violation] = error.value.violations
    return violation.field, violation.rule


# -- agency codes (QCVN 102:2016) ---------------------------------------------------

@pytest.mark.parametrize(("code", "level", "parent"), [
    ("000.00.00.H49", 1, None),
    ("000.00.12.H49", 2, "000.00.00.H49"),
    ("000.05.12.H49", 3, "000.00.12.H49"),
    ("003.05.12.H49", 4, "000.05.12.H49"),
])
def test_an_agency_code_knows_its_level_and_the_code_it_was_issued_under(
        code: str, level: int, parent: str | None) -> None:
    parsed = AgencyCode.parse(code)

    assert parsed.value == code
    assert str(parsed) == code
    assert parsed.level == level
    assert (str(parsed.parent) if parsed.parent else None) == parent


def test_walking_up_the_parents_of_a_level_4_code_reaches_the_province() -> None:
    code: AgencyCode | None = AgencyCode.parse("003.05.12.H49")
    seen = []
    while code is not None:
        seen.append(code.value)
        code = code.parent

    assert seen == ["003.05.12.H49", "000.05.12.H49", "000.00.12.H49", "000.00.00.H49"]


def test_the_segments_are_written_lowest_level_first() -> None:
    assert AgencyCode.parse("003.05.12.H49").parts == ("003", "05", "12", "H49")


def test_surrounding_whitespace_is_ignored() -> None:
    assert AgencyCode.parse("  000.00.12.H49\n").value == "000.00.12.H49"


def test_agency_codes_are_opaque_strings_compared_as_written() -> None:
    assert AgencyCode.parse("000.00.12.H49") == AgencyCode("000.00.12.H49")
    assert AgencyCode.parse("000.00.12.H49") != AgencyCode.parse("000.00.12.H48")


@pytest.mark.parametrize("code", [
    "", "000.00.00.H4", "000.00.00.H490", "0.0.0.H49", "000000000H49", "000.00.00.H49.",
])
def test_a_code_that_is_not_13_characters_long_breaks_the_length_rule(code: str) -> None:
    with pytest.raises(InvalidArgument) as error:
        AgencyCode.parse(code)

    assert rule_of(error) == ("agency_code", "AGENCY_CODE_LENGTH")


@pytest.mark.parametrize("code", [
    "000.00.00.h49",  # lower-case letter
    "000.00.00.049",  # no letter
    "000-00-00-H49",  # wrong separators
    "00A.00.00.H49",  # a letter among the digits
    "000.00.00.HH9",  # two letters
    "0000.00.0.H49",  # segments of the wrong widths
    "000.00.00.Đ49",  # a letter outside A-Z
])
def test_a_13_character_code_of_the_wrong_shape_breaks_the_format_rule(code: str) -> None:
    assert len(code) == 13
    with pytest.raises(InvalidArgument) as error:
        AgencyCode.parse(code)

    assert rule_of(error) == ("agency_code", "AGENCY_CODE_FORMAT")


@pytest.mark.parametrize("code", [
    "０００.００.１２.H49",  # full-width digits
    "٠٠٠.٠٠.١٢.H49",  # Arabic-Indic digits
    "000.00.12.H４９",  # full-width level-1 number
])
def test_only_ascii_digits_make_an_agency_code(code: str) -> None:
    assert len(code) == 13
    with pytest.raises(InvalidArgument) as error:
        AgencyCode.parse(code)

    assert rule_of(error) == ("agency_code", "AGENCY_CODE_FORMAT")


def test_the_level_1_code_is_never_numbered_00() -> None:
    with pytest.raises(InvalidArgument) as error:
        AgencyCode.parse("000.00.00.H00")

    assert rule_of(error) == ("agency_code", "AGENCY_CODE_LEVEL1_ZERO")


@pytest.mark.parametrize("code", [
    "000.05.00.H49",  # level 3 set, level 2 empty
    "003.00.12.H49",  # level 4 set, level 3 empty
    "003.00.00.H49",  # level 4 set, levels 2 and 3 empty
    "003.05.00.H49",  # levels 3 and 4 set, level 2 empty
])
def test_a_lower_level_is_only_issued_under_a_filled_higher_level(code: str) -> None:
    with pytest.raises(InvalidArgument) as error:
        AgencyCode.parse(code)

    assert rule_of(error) == ("agency_code", "AGENCY_CODE_LEVEL_GAP")


def test_a_broken_code_names_the_field_the_caller_gave() -> None:
    with pytest.raises(InvalidArgument) as error:
        AgencyCode.parse("bad", "new_successor.agency_code")

    assert rule_of(error) == ("new_successor.agency_code", "AGENCY_CODE_LENGTH")
    assert error.value.reason == "AGENCY_CODE_LENGTH"
    assert error.value.metadata == {"field": "new_successor.agency_code"}


# -- administrative-unit codes (QĐ 19/2025) -----------------------------------------

@pytest.mark.parametrize(("code", "level"), [
    ("01", Level.PROVINCE),
    ("48", Level.PROVINCE),
    ("001", Level.DISTRICT),
    ("00004", Level.COMMUNE),
    (" 20194 ", Level.COMMUNE),
])
def test_an_administrative_code_has_the_digits_of_its_level(code: str, level: Level) -> None:
    assert parse_administrative_code(code, level) == code.strip()


@pytest.mark.parametrize(("code", "level"), [
    ("1", Level.PROVINCE),
    ("001", Level.PROVINCE),
    ("01", Level.COMMUNE),
    ("0004", Level.COMMUNE),
    ("000040", Level.COMMUNE),
    ("0000A", Level.COMMUNE),
    ("", Level.COMMUNE),
    ("0 004", Level.COMMUNE),
    ("٠١", Level.PROVINCE),  # Arabic-Indic digits are digits, but not ASCII
    ("01", Level.DISTRICT),
])
def test_a_code_with_the_wrong_digits_for_its_level_breaks_the_format_rule(
        code: str, level: Level) -> None:
    with pytest.raises(InvalidArgument) as error:
        parse_administrative_code(code, level)

    assert rule_of(error) == ("administrative_unit_code", "ADMINISTRATIVE_CODE_FORMAT")


def test_an_agency_has_no_administrative_code() -> None:
    with pytest.raises(InvalidArgument) as error:
        parse_administrative_code("01", Level.AGENCY)

    assert rule_of(error) == ("administrative_unit_code", "ADMINISTRATIVE_CODE_NOT_ALLOWED")


# -- telling the two apart ----------------------------------------------------------

@pytest.mark.parametrize(("raw", "kind", "code"), [
    ("000.00.00.H49", "agency", "000.00.00.H49"),
    (" 003.05.12.H49 ", "agency", "003.05.12.H49"),
    ("01", "administrative", "01"),
    ("001", "administrative", "001"),
    ("00004", "administrative", "00004"),
])
def test_a_code_given_by_a_caller_is_read_as_the_kind_it_looks_like(
        raw: str, kind: str, code: str) -> None:
    assert classify_code(raw) == (kind, code)


@pytest.mark.parametrize(("raw", "rule"), [
    ("000.00.00.H00", "AGENCY_CODE_LEVEL1_ZERO"),  # dotted: judged as an agency code
    ("000.05.00.H49", "AGENCY_CODE_LEVEL_GAP"),
    ("000.00.H49", "AGENCY_CODE_LENGTH"),
    ("0000000000000", "AGENCY_CODE_FORMAT"),  # 13 characters: judged as an agency code
])
def test_a_code_that_looks_like_an_agency_code_is_held_to_the_agency_rules(
        raw: str, rule: str) -> None:
    with pytest.raises(InvalidArgument) as error:
        classify_code(raw)

    assert rule_of(error) == ("code", rule)


@pytest.mark.parametrize("raw", ["", "   ", "1", "0004", "000004", "H49", "ha noi", "٠١"])
def test_a_code_of_neither_kind_breaks_the_code_format_rule(raw: str) -> None:
    with pytest.raises(InvalidArgument) as error:
        classify_code(raw, "lookup.code")

    assert rule_of(error) == ("lookup.code", "CODE_FORMAT")
