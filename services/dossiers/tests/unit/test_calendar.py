"""Stories about working days, due dates and the operator's days-off file.

Dates are read in Vietnam (UTC+7): timestamps below are UTC, with the
Vietnam wall-clock time in a comment.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import holidays
import pytest

from lienthong.errors import InvalidArgument
from lienthong.services.dossiers.domain.calendar import (
    VIETNAM_TZ,
    WorkingCalendar,
    load_days_off,
    vietnam_date,
)


def at_vn(day: date, hour: int = 9, minute: int = 0) -> datetime:
    """A UTC timestamp for ``hour:minute`` on ``day`` in Vietnam."""
    local = datetime(day.year, day.month, day.day, hour, minute, tzinfo=VIETNAM_TZ)
    return local.astimezone(UTC)


def rules_of(error: pytest.ExceptionInfo[InvalidArgument]) -> list[tuple[str, str]]:
    return [(v.field, v.rule) for v in error.value.violations]


def lunar_new_year(year: int) -> date:
    """Mùng 1 Tết as the package computes it from the Vietnamese lunar calendar."""
    table = holidays.country_holidays("VN", years=year, language="en_US")
    [day] = [d for d, name in table.items() if name == "Lunar New Year"]
    return day


calendar = WorkingCalendar()


# --- weekends ---------------------------------------------------------------

def test_weekends_are_skipped() -> None:
    # Received Thursday 5/3/2026; counting starts Friday 6/3 (day 1),
    # skips Saturday 7 and Sunday 8, Monday 9/3 is day 2, Tuesday 10/3 day 3.
    assert calendar.add_working_days(at_vn(date(2026, 3, 5)), 3) == date(2026, 3, 10)
    assert not calendar.is_working_day(date(2026, 3, 7))
    assert not calendar.is_working_day(date(2026, 3, 8))
    assert calendar.is_working_day(date(2026, 3, 9))


def test_zero_days_is_the_day_of_receipt_and_negative_is_refused() -> None:
    assert calendar.add_working_days(at_vn(date(2026, 3, 5)), 0) == date(2026, 3, 5)
    with pytest.raises(InvalidArgument) as error:
        calendar.add_working_days(at_vn(date(2026, 3, 5)), -1)
    assert rules_of(error) == [("days", "WORKING_DAYS_NEGATIVE")]


# --- holidays of the package --------------------------------------------------

def test_a_deadline_spanning_tet_2026() -> None:
    # Mùng 1 Tết Bính Ngọ is Tuesday 17/2/2026 (lunar calendar, from the package).
    # The Labour Code gives New Year's Eve (16/2) to the 4th day (20/2):
    # Monday to Friday, then the weekend of 21-22/2. No working day from
    # 14/2 to 22/2.
    lny = lunar_new_year(2026)
    assert lny == date(2026, 2, 17)
    tet = [lny + timedelta(days=delta) for delta in range(-1, 4)]
    assert tet == [date(2026, 2, d) for d in (16, 17, 18, 19, 20)]
    assert not any(calendar.is_working_day(d) for d in tet)

    # Received Friday 13/2/2026 for 5 working days: 16-22/2 are all off,
    # so 23, 24, 25, 26, 27/2 are days 1 to 5.
    assert calendar.add_working_days(at_vn(date(2026, 2, 13)), 5) == date(2026, 2, 27)
    assert calendar.working_days_between(date(2026, 2, 13), date(2026, 2, 27)) == 5


def test_tet_2025_as_the_government_decided_it_is_in_the_package() -> None:
    # The 2025 Tết break was 25/1-2/2/2025 (Sat-Sun). Its weekdays, 27/1
    # (29 Tết) to 31/1, are all days off in the package, so received Friday
    # 24/1 for 3 working days gives 3, 4, 5/2.
    assert lunar_new_year(2025) == date(2025, 1, 29)
    assert not any(calendar.is_working_day(date(2025, 1, d)) for d in range(25, 32))
    assert calendar.add_working_days(at_vn(date(2025, 1, 24)), 3) == date(2025, 2, 5)


def test_30_april_and_1_may_are_skipped() -> None:
    # 2026: 30/4 is a Thursday, 1/5 a Friday. Received Wednesday 29/4 for
    # 2 working days: 30/4, 1/5 and the weekend are off -> 4/5 and 5/5.
    assert calendar.add_working_days(at_vn(date(2026, 4, 29)), 2) == date(2026, 5, 5)


def test_hung_kings_day_on_a_sunday_is_observed_on_monday() -> None:
    # 10/3 lunar falls on Sunday 26/4/2026; Monday 27/4 is off instead.
    assert not calendar.is_working_day(date(2026, 4, 27))
    assert calendar.add_working_days(at_vn(date(2026, 4, 24)), 1) == date(2026, 4, 28)


def test_national_day_is_skipped() -> None:
    # 2025: 1/9 (Monday) and 2/9 (Tuesday) are off. Received Friday 29/8
    # for 1 working day -> Wednesday 3/9.
    assert calendar.add_working_days(at_vn(date(2025, 8, 29)), 1) == date(2025, 9, 3)


def test_a_swap_the_package_knows_counts_both_ways() -> None:
    # 2025: Friday 2/5 off, Saturday 26/4 worked in compensation.
    assert not calendar.is_working_day(date(2025, 5, 2))
    assert calendar.is_working_day(date(2025, 4, 26))
    # Received Friday 25/4/2025 for 1 working day -> Saturday 26/4.
    assert calendar.add_working_days(at_vn(date(2025, 4, 25)), 1) == date(2025, 4, 26)


# --- the government's yearly decisions ------------------------------------------

def test_an_extra_day_off_from_a_decision_pushes_the_date() -> None:
    # Illustrative decision: Friday 2/1/2026 off as a bridge after New Year.
    # Received Wednesday 31/12/2025 for 2 working days: 1/1 is a holiday;
    # without the decision 2/1 and 5/1 count, with it 5/1 and 6/1.
    received = at_vn(date(2025, 12, 31))
    assert calendar.add_working_days(received, 2) == date(2026, 1, 5)
    bridged = WorkingCalendar(extra_days_off=[date(2026, 1, 2)])
    assert bridged.add_working_days(received, 2) == date(2026, 1, 6)


def test_a_compensatory_working_saturday_counts() -> None:
    # Illustrative decision: Saturday 10/1/2026 worked in compensation.
    received = at_vn(date(2026, 1, 9))  # Friday
    assert calendar.add_working_days(received, 1) == date(2026, 1, 12)
    swapped = WorkingCalendar(extra_working_days=[date(2026, 1, 10)])
    assert swapped.is_working_day(date(2026, 1, 10))
    assert swapped.add_working_days(received, 1) == date(2026, 1, 10)


def test_a_day_cannot_be_both_off_and_working() -> None:
    with pytest.raises(InvalidArgument) as error:
        WorkingCalendar(extra_days_off=[date(2026, 1, 10)],
                        extra_working_days=[date(2026, 1, 10)])
    assert rules_of(error) == [("extra_working_days", "DAYS_OFF_CONFLICT")]


# --- the day of receipt is a Vietnam date ------------------------------------------

def test_receipt_on_friday_evening_in_vietnam() -> None:
    # 16:30 UTC on Friday 6/3/2026 is 23:30 the same Friday in Vietnam:
    # received on a working day, counting starts Monday 9/3.
    received = datetime(2026, 3, 6, 16, 30, tzinfo=UTC)
    assert vietnam_date(received) == date(2026, 3, 6)
    assert calendar.add_working_days(received, 1) == date(2026, 3, 9)
    # With the 15:00 intake cutoff it is deemed received Monday 9/3,
    # so the count starts Tuesday 10/3.
    assert calendar.deemed_receipt_day(received, cutoff=time(15)) == date(2026, 3, 9)
    assert calendar.add_working_days(received, 1, cutoff=time(15)) == date(2026, 3, 10)
    # At 14:59 in Vietnam the cutoff changes nothing.
    assert calendar.add_working_days(at_vn(date(2026, 3, 6), 14, 59), 1,
                                     cutoff=time(15)) == date(2026, 3, 9)


def test_a_utc_thursday_can_be_a_vietnam_friday_and_a_utc_friday_a_saturday() -> None:
    # 18:00 UTC Thursday 5/3 is 01:00 Friday 6/3 in Vietnam -> due Monday 9/3.
    assert calendar.add_working_days(datetime(2026, 3, 5, 18, tzinfo=UTC), 1) == date(2026, 3, 9)
    # 17:30 UTC Friday 6/3 is 00:30 Saturday 7/3 in Vietnam: a day off, so
    # deemed received Monday 9/3 and due Tuesday 10/3.
    saturday = datetime(2026, 3, 6, 17, 30, tzinfo=UTC)
    assert calendar.deemed_receipt_day(saturday) == date(2026, 3, 9)
    assert calendar.add_working_days(saturday, 1) == date(2026, 3, 10)


def test_naive_timestamps_are_refused() -> None:
    with pytest.raises(InvalidArgument) as error:
        calendar.add_working_days(datetime(2026, 3, 6, 9), 1)
    assert rules_of(error) == [("received", "TIMESTAMP_NOT_AWARE")]


# --- returning results ---------------------------------------------------------------

def test_classify_early_on_time_late() -> None:
    due = date(2026, 3, 10)
    assert calendar.classify(due, at_vn(date(2026, 3, 9), 16)) == "early"
    # 16:59 UTC on 10/3 is 23:59 on 10/3 in Vietnam: still on time.
    assert calendar.classify(due, datetime(2026, 3, 10, 16, 59, tzinfo=UTC)) == "on_time"
    # 17:00 UTC on 10/3 is already 00:00 on 11/3 in Vietnam: late.
    assert calendar.classify(due, datetime(2026, 3, 10, 17, 0, tzinfo=UTC)) == "late"
    assert calendar.working_days_between(due, date(2026, 3, 13)) == 3
    assert calendar.working_days_between(date(2026, 3, 13), due) == -3


def test_overdue_only_after_the_due_day_ends_in_vietnam() -> None:
    due = date(2026, 3, 10)
    assert not calendar.overdue(due, at_vn(due, 23, 59))
    assert calendar.overdue(due, at_vn(date(2026, 3, 11), 0, 0))


# --- the operator's days-off file -------------------------------------------------------

def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "days_off.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_days_off_file_feeds_the_calendar(tmp_path: Path) -> None:
    path = write(tmp_path, """\
# Quyết định / Công văn on days off for 2026
[[days_off]]
date = 2026-01-02
decision = "Công văn 1/BNV (illustrative)"

[[working_days]]
date = 2026-01-10
decision = "Công văn 1/BNV (illustrative)"
note = "compensates 2/1"
""")
    assert load_days_off(path) == (frozenset({date(2026, 1, 2)}),
                                   frozenset({date(2026, 1, 10)}))
    configured = WorkingCalendar.from_settings(str(path))
    assert not configured.is_working_day(date(2026, 1, 2))
    assert configured.is_working_day(date(2026, 1, 10))
    assert WorkingCalendar.from_settings(None).is_working_day(date(2026, 1, 2))


def test_broken_entries_are_named_by_field_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, """\
[[days_off]]
date = "2026-02-16"
decision = "CV 1"

[[days_off]]
decision = "CV 2"

[[working_days]]
date = 2026-01-09
decision = "CV 3"

[[working_days]]
date = 2026-01-10
""")
    with pytest.raises(InvalidArgument) as error:
        load_days_off(path)
    assert rules_of(error) == [
        ("days_off[0].date", "DAYS_OFF_DATE_TYPE"),
        ("days_off[1].date", "DAYS_OFF_DATE_MISSING"),
        ("working_days[0].date", "WORKING_DAY_NOT_WEEKEND"),
        ("working_days[1].decision", "DAYS_OFF_DECISION_MISSING"),
    ]
    descriptions = [v.description for v in error.value.violations]
    assert "line 1:" in descriptions[0] and "no quotes" in descriptions[0]
    assert "line 5:" in descriptions[1]
    assert "line 8:" in descriptions[2] and "Friday" in descriptions[2]
    assert "line 12:" in descriptions[3]


def test_a_holiday_cannot_be_declared_working_nor_listed_both_ways(tmp_path: Path) -> None:
    path = write(tmp_path, """\
[[days_off]]
date = 2026-01-10
decision = "CV 1"

[[working_days]]
date = 2026-01-10
decision = "CV 2"

[[working_days]]
date = 2026-04-26  # Hùng Kings' day, a Sunday
decision = "CV 3"
""")
    with pytest.raises(InvalidArgument) as error:
        load_days_off(path)
    assert rules_of(error) == [
        ("working_days[0].date", "DAYS_OFF_CONFLICT"),
        ("working_days[1].date", "WORKING_DAY_IS_HOLIDAY"),
    ]
    assert "(line 1)" in error.value.violations[0].description


def test_unknown_keys_are_refused(tmp_path: Path) -> None:
    path = write(tmp_path, """\
[[day_off]]
date = 2026-01-02
decision = "CV 1"

[[days_off]]
date = 2026-01-02
decison = "CV 1"
""")
    with pytest.raises(InvalidArgument) as error:
        load_days_off(path)
    assert rules_of(error) == [
        ("day_off", "DAYS_OFF_UNKNOWN_KEY"),
        ("days_off[0].decison", "DAYS_OFF_ENTRY_FORMAT"),
        ("days_off[0].decision", "DAYS_OFF_DECISION_MISSING"),
    ]


def test_syntax_errors_and_missing_files(tmp_path: Path) -> None:
    path = write(tmp_path, "[[days_off]]\ndate = 2026-02-30\n")
    with pytest.raises(InvalidArgument) as error:
        load_days_off(path)
    assert rules_of(error) == [("days_off_file", "DAYS_OFF_FILE_SYNTAX")]
    assert "line 2" in error.value.violations[0].description

    with pytest.raises(InvalidArgument) as error:
        WorkingCalendar.from_settings(str(tmp_path / "missing.toml"))
    assert rules_of(error) == [("days_off_file", "DAYS_OFF_FILE_UNREADABLE")]
