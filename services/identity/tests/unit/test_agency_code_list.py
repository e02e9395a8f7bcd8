"""Reading a province's list of agency codes: every row judged on its own, the file bounded."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from lienthong.services.identity.importer.agency_codes import (
    MAX_FIELD_LENGTH,
    MAX_FILE_BYTES,
    MAX_ROWS,
    AgencyCodeFileError,
    parse_rows,
    read_file,
    request_id,
)

TODAY = dt.date(2026, 12, 6)
HEADER = "administrative_unit_code,unit_name,agency_code,decision_number,decision_date\n"
SAMPLE = Path(__file__).parents[4] / "docs" / "samples" / "agency-codes-bac-ninh.csv"


def reasons(text: str) -> dict[int, str]:
    _, refused = parse_rows(text, today=TODAY)
    return {r.line: r.reason for r in refused}


def test_the_sample_file_reads_without_a_refusal() -> None:
    rows, refused = read_file(SAMPLE, today=TODAY)

    assert refused == []
    assert [r.administrative_unit_code or r.unit_name for r in rows] == [
        "24", "09247", "07210", "Phường Đa Mai", "07246"]
    da_mai = rows[3]
    assert (da_mai.decision_date, da_mai.effective_date) == (dt.date(2025, 6, 30),
                                                             dt.date(2025, 7, 1))
    assert rows[4].effective_date == rows[4].decision_date  # empty: the decision's day


def test_each_bad_row_is_refused_with_its_rule_and_the_others_kept() -> None:
    text = HEADER + "\n".join([
        "09247,,000.00.31.H24,1/QĐ,2025-06-30",          # 2: fine
        ",,000.00.32.H24,1/QĐ,2025-06-30",               # 3: no unit
        "9247,,000.00.33.H24,1/QĐ,2025-06-30",           # 4: 4 digits
        "07210,,000.00.34.h24,1/QĐ,2025-06-30",          # 5: bad code
        "07228,,000.00.35.H24,,2025-06-30",              # 6: no decision
        "07246,,000.00.36.H24,1/QĐ,31/02/2025",          # 7: no such day
        "07264,,000.00.37.H24,1/QĐ,2015-12-31",          # 8: before QCVN 102:2016
        "07282,,000.00.38.H24,1/QĐ,2027-01-01",          # 9: a decision in the future
        "07288,,000.00.39.H24,1/QĐ",                     # 10: a field short
        "09247,,000.00.40.H24,1/QĐ,2025-06-30",          # 11: the same unit again
        "07294,,000.00.31.H24,1/QĐ,2025-06-30",          # 12: the same code again
        f"07306,{'x' * (MAX_FIELD_LENGTH + 1)},000.00.41.H24,1/QĐ,2025-06-30",  # 13
    ])

    rows, _ = parse_rows(text, today=TODAY)

    assert [r.line for r in rows] == [2]
    assert reasons(text) == {
        3: "UNIT_REQUIRED", 4: "ADMINISTRATIVE_CODE_FORMAT", 5: "AGENCY_CODE_FORMAT",
        6: "DECISION_NUMBER_REQUIRED", 7: "DATE_FORMAT", 8: "DATE_OUT_OF_RANGE",
        9: "DATE_OUT_OF_RANGE", 10: "COLUMN_COUNT", 11: "DUPLICATE_IN_FILE",
        12: "DUPLICATE_IN_FILE", 13: "FIELD_TOO_LONG"}


def test_comment_and_blank_lines_are_skipped_but_lines_keep_their_numbers() -> None:
    text = "# a comment\n\n" + HEADER + "# another\n09247,,000.00.31.H24,1/QĐ,x\n"

    assert reasons(text) == {5: "DATE_FORMAT"}


@pytest.mark.parametrize(("text", "message"), [
    ("", "no header"),
    ("# only a comment\n", "no header"),
    ("code,agency_code,decision_number,decision_date\n", "unknown: code"),
    ("unit_name,agency_code,decision_date\n", "missing: decision_number"),
    ("agency_code,decision_number,decision_date\n", "administrative_unit_code or unit_name"),
    ("administrative_unit_code,agency_code,decision_number,decision_date,"
     "administrative_unit_code\n", "repeated: administrative_unit_code"),
])
def test_a_header_that_does_not_name_the_columns_stops_everything(text: str,
                                                                  message: str) -> None:
    with pytest.raises(AgencyCodeFileError, match=message):
        parse_rows(text, today=TODAY)


def test_too_many_rows_stop_everything() -> None:
    text = HEADER + "".join(f"{n:05d},,000.00.01.H24,1/QĐ,2025-06-30\n"
                            for n in range(MAX_ROWS + 1))

    with pytest.raises(AgencyCodeFileError, match=f"at most {MAX_ROWS}"):
        parse_rows(text, today=TODAY)


def test_bytes_that_are_not_utf8_stop_everything_naming_the_line(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_bytes(HEADER.encode() + b"09247,Phuong Que Vo," + b"\xff\xfe\n")

    with pytest.raises(AgencyCodeFileError, match="line 2 is not UTF-8"):
        read_file(path, today=TODAY)


def test_a_file_over_the_size_limit_is_not_read(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    path.write_bytes(b"#" * (MAX_FILE_BYTES + 1))

    with pytest.raises(AgencyCodeFileError, match="at most"):
        read_file(path, today=TODAY)


def test_a_spreadsheets_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes(b"\xef\xbb\xbf" + (HEADER + "09247,,000.00.31.H24,1/QĐ,2025-06-30\n")
                     .encode())

    rows, refused = read_file(path, today=TODAY)

    assert (len(rows), refused) == (1, [])


def test_the_same_row_always_makes_the_same_request() -> None:
    text = HEADER + "09247,Phường Quế Võ,000.00.31.H24,1/QĐ,2025-06-30\n"
    [first], _ = parse_rows(text, today=TODAY)
    [again], _ = parse_rows(text.replace("Phường Quế Võ", "phường  quế võ"), today=TODAY)
    [other], _ = parse_rows(text.replace("1/QĐ", "2/QĐ"), today=TODAY)

    assert request_id(first) == request_id(again)
    assert request_id(first) != request_id(other)


def test_a_quoted_field_may_span_lines_and_rows_keep_their_first_line() -> None:
    text = HEADER + '09247,"Phường\nQuế Võ",000.00.31.H24,1/QĐ,2025-06-30\n' \
        "07210,,000.00.01.H24,1/QĐ,x\n"

    rows, refused = parse_rows(text, today=TODAY)

    assert [r.line for r in rows] == [2]
    assert [(r.line, r.reason) for r in refused] == [(4, "DATE_FORMAT")]
