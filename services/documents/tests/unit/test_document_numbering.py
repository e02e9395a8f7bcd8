"""Numbers and notations as Decree 30/2020 writes them, and a series that gives each
number once."""

from __future__ import annotations

import uuid

import pytest

from lienthong.services.documents.domain.numbering import (
    MAX_NUMBER,
    NumberSeries,
    SeriesExhaustedError,
    notation,
    series_id,
)


def test_a_decision_of_a_commune_committee_is_written_with_a_leading_zero() -> None:
    assert notation(5, "QD", "UBND") == "05/QĐ-UBND"
    assert notation(123, "TTR", "UBND") == "123/TTr-UBND"
    assert notation(9, "QYD", "HĐND") == "09/QyĐ-HĐND"


def test_an_official_letter_names_its_drafting_unit_instead_of_a_type() -> None:
    assert notation(12, "CV", "UBND", drafting_unit="VP") == "12/UBND-VP"
    assert notation(3, "CV", "UBND") == "03/UBND"


def test_a_legal_normative_document_carries_its_year() -> None:
    assert notation(15, "QD", "UBND", legal_year=2026) == "15/2026/QĐ-UBND"


def test_a_series_gives_each_number_once_from_one() -> None:
    unit = uuid.uuid4()
    series = NumberSeries(unit_id=unit, year=2026, series="regular")

    assert [series.next_number() for _ in range(3)] == [1, 2, 3]
    assert series.id == series_id(unit, 2026, "regular")
    assert series.id != series_id(unit, 2027, "regular")
    assert series.id != series_id(unit, 2026, "secret")


def test_an_exhausted_series_says_so() -> None:
    series = NumberSeries(unit_id=uuid.uuid4(), year=2026, series="regular")
    series.last_number = MAX_NUMBER

    with pytest.raises(SeriesExhaustedError, match="exhausted"):
        series.next_number()
