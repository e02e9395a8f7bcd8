"""The working-day calendar of Vietnamese public administration.

Processing times of administrative procedures are given in working days.
A day is a day off when it is a Saturday or a Sunday, a public holiday of
the Labour Code 2019 (Art. 112) as the ``holidays`` package knows it (New
Year, Tết, Hùng Kings' day, 30/4, 1/5, 2/9 and the day next to it, Vietnam
Cultural Day 24/11 from 2026, their substitute days, and the few swaps the
package carries), or a day the government gave off by a yearly decision.
Those decisions, and the Saturdays they make working days in compensation,
are mostly not in the package: the operator lists them in a TOML file read
by :func:`load_days_off`.

Counting rule (Civil Code 2015, Art. 147-148: the day of the event is not
counted; a period ends at the end of its last day):

* the day of receipt is the date in Vietnam (UTC+7) of the receipt time;
* a dossier received on a day off, or after ``cutoff`` when one is given
  (many provinces close the day's intake at 15:00), is deemed received on
  the next working day;
* the processing time counts from the first working day after the (deemed)
  day of receipt; the due date is the last of those working days;
* the result is late only when returned after the due date (Vietnam time);
* while the dossier waits for the applicant (a supplement, a financial
  obligation) the clock stops, and the due date moves later by the working
  days it stood still (:meth:`WorkingCalendar.paused_working_days`).

Every check raises :class:`CalendarError` naming the rule that was broken.
"""

from __future__ import annotations

import re
import tomllib
from datetime import date, datetime, time, timedelta
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import holidays

from lienthong.errors import FieldViolation, InvalidArgument
from lienthong.vietnam import VIETNAM_TIME

if TYPE_CHECKING:
    import os
    from collections.abc import Iterable

VIETNAM_TZ = VIETNAM_TIME

#: How a returned result compares with its due date.
Timeliness = Literal["early", "on_time", "late"]

SATURDAY, SUNDAY = 5, 6
_ENTRY_KEYS = frozenset({"date", "decision", "note"})
_LISTS = ("days_off", "working_days")


class CalendarError(InvalidArgument):
    """A date, a timestamp or a days-off file breaks a rule of the calendar."""

    def __init__(self, field: str, rule: str, description: str,
                 *more: FieldViolation) -> None:
        super().__init__([FieldViolation(field, rule, description), *more])


@cache
def _public_days_off(year: int) -> frozenset[date]:
    """The package's VN public holidays (with substitute days) falling in ``year``."""
    table = holidays.country_holidays("VN", years=(year - 1, year, year + 1))
    return frozenset(d for d in table if d.year == year)


@cache
def _package_working_weekends(year: int) -> frozenset[date]:
    """Saturdays or Sundays the package knows were made working days in ``year``."""
    table = holidays.country_holidays("VN", years=(year - 1, year, year + 1))
    return frozenset(d for d in table.weekend_workdays if d.year == year)


def is_public_holiday(day: date) -> bool:
    """Whether ``day`` is a VN public holiday (or its substitute) in the package."""
    return day in _public_days_off(day.year)


def vietnam_date(moment: datetime, field: str = "timestamp") -> date:
    """The calendar date in Vietnam of a timezone-aware timestamp."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise CalendarError(field, "TIMESTAMP_NOT_AWARE",
                            "must be a timezone-aware datetime (UTC), got a naive one")
    return moment.astimezone(VIETNAM_TZ).date()


class WorkingCalendar:
    """Which days the administration works, and the due dates that follow.

    ``extra_days_off``: days given off by the government's yearly decisions
    (a longer Tết, a bridge day). ``extra_working_days``: Saturdays (or
    Sundays) declared working days in compensation.
    """

    def __init__(self, *, extra_days_off: Iterable[date] = (),
                 extra_working_days: Iterable[date] = ()) -> None:
        self.extra_days_off: frozenset[date] = frozenset(extra_days_off)
        self.extra_working_days: frozenset[date] = frozenset(extra_working_days)
        for day in sorted(self.extra_working_days):
            if day in self.extra_days_off:
                raise CalendarError("extra_working_days", "DAYS_OFF_CONFLICT",
                                    f"{day.isoformat()} is both a day off and a working day")
            if day.weekday() not in (SATURDAY, SUNDAY):
                raise CalendarError("extra_working_days", "WORKING_DAY_NOT_WEEKEND",
                                    f"{day.isoformat()} is a {day:%A}, already a working day; "
                                    "only a Saturday or Sunday can be declared working")
            if is_public_holiday(day):
                raise CalendarError("extra_working_days", "WORKING_DAY_IS_HOLIDAY",
                                    f"{day.isoformat()} is a public holiday, which no "
                                    "decision turns into a working day")

    @classmethod
    def from_settings(cls, path: str | None) -> WorkingCalendar:
        """The calendar with the days-off file at ``path``; the plain one when None or ''."""
        if not path:
            return cls()
        days_off, working_days = load_days_off(path)
        return cls(extra_days_off=days_off, extra_working_days=working_days)

    def is_working_day(self, day: date) -> bool:
        """Whether the administration works on ``day`` (a timestamp is read in Vietnam time)."""
        if isinstance(day, datetime):
            day = vietnam_date(day, "day")
        if day in self.extra_days_off:
            return False
        if day in self.extra_working_days or day in _package_working_weekends(day.year):
            return True
        return day.weekday() not in (SATURDAY, SUNDAY) and not is_public_holiday(day)

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after ``day``."""
        day += timedelta(days=1)
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def deemed_receipt_day(self, received: datetime, *, cutoff: time | None = None) -> date:
        """The working day a dossier counts as received on.

        The Vietnam date of ``received``; the next working day instead when
        that date is a day off, or when ``cutoff`` (Vietnam wall-clock time)
        is given and the dossier came strictly after it.
        """
        day = vietnam_date(received, "received")
        if cutoff is not None and cutoff.tzinfo is not None:
            raise CalendarError("cutoff", "CUTOFF_NOT_WALL_CLOCK",
                                "must be a naive time read on Vietnam's wall clock (e.g. 15:00)")
        after_cutoff = (cutoff is not None
                        and received.astimezone(VIETNAM_TZ).time().replace(tzinfo=None) > cutoff)
        if after_cutoff or not self.is_working_day(day):
            return self.next_working_day(day)
        return day

    def add_working_days(self, received: datetime, days: int, *,
                         cutoff: time | None = None) -> date:
        """The due (appointment) date of a processing time of ``days`` working days.

        Counting starts on the first working day after the deemed day of
        receipt; ``days == 0`` (same-day procedures) gives the deemed day itself.
        """
        if days < 0:
            raise CalendarError("days", "WORKING_DAYS_NEGATIVE",
                                f"a processing time cannot be negative, got {days}")
        return self.later_by_working_days(self.deemed_receipt_day(received, cutoff=cutoff),
                                          days)

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end``; negative when end < start.

        So ``working_days_between(deemed_receipt_day(r), add_working_days(r, n)) == n``,
        and ``working_days_between(due_date, returned_day)`` is how many working days late.
        """
        if end < start:
            return -self.working_days_between(end, start)
        count = 0
        day = start + timedelta(days=1)
        while day <= end:
            count += self.is_working_day(day)
            day += timedelta(days=1)
        return count

    def paused_working_days(self, stopped: datetime, resumed: datetime, *,
                            cutoff: time | None = None) -> int:
        """The working days a processing clock stood still between ``stopped`` and ``resumed``.

        The day the clock stopped still counts as a processing day (the
        administration worked on the dossier until the request). The
        resumption is read like a receipt: its deemed day (the next working
        day when it falls on a day off or after ``cutoff``) is paused, and
        processing counts again from the working day after it. So a request
        answered on the same working day pauses nothing, and one answered
        three working days later pauses three.
        """
        stop_day = vietnam_date(stopped, "stopped")
        resume_day = self.deemed_receipt_day(resumed, cutoff=cutoff)
        return max(0, self.working_days_between(stop_day, resume_day))

    def later_by_working_days(self, day: date, days: int) -> date:
        """``day`` moved ``days`` working days later: a due date after a clock stop."""
        if days < 0:
            raise CalendarError("days", "WORKING_DAYS_NEGATIVE",
                                f"a due date only moves later, got {days} working days")
        for _ in range(days):
            day = self.next_working_day(day)
        return day

    def classify(self, due_date: date, returned: datetime) -> Timeliness:
        """``early`` before the due date, ``on_time`` on it, ``late`` after (Vietnam dates)."""
        returned_day = vietnam_date(returned, "returned")
        if returned_day < due_date:
            return "early"
        if returned_day == due_date:
            return "on_time"
        return "late"

    def overdue(self, due_date: date, now: datetime) -> bool:
        """Whether the due date has passed in Vietnam: it runs to the end of that day."""
        return vietnam_date(now, "now") > due_date


def _entry_lines(text: str, name: str) -> list[int]:
    """The 1-based line of each ``[[name]]`` header, in order."""
    header = re.compile(rf"^\s*\[\[\s*{name}\s*\]\]")
    return [number for number, line in enumerate(text.splitlines(), 1) if header.match(line)]


def load_days_off(path: str | os.PathLike[str]) -> tuple[frozenset[date], frozenset[date]]:
    """Read the operator's days-off file: ``(extra_days_off, extra_working_days)``.

    The file holds ``[[days_off]]`` and ``[[working_days]]`` entries, each
    with an unquoted TOML ``date`` and the ``decision`` that set it (an
    optional ``note`` too). Every broken entry is reported at once, with
    its field path and line.
    """
    source = Path(path)
    try:
        raw = source.read_bytes()
    except OSError as error:
        raise CalendarError("days_off_file", "DAYS_OFF_FILE_UNREADABLE",
                            f"cannot read {source}: {error.strerror or error}") from error
    try:
        text = raw.decode("utf-8")
        document = tomllib.loads(text)
    except ValueError as error:  # UnicodeDecodeError and TOMLDecodeError
        raise CalendarError("days_off_file", "DAYS_OFF_FILE_SYNTAX",
                            f"{source} is not valid UTF-8 TOML: {error}") from error

    violations: list[FieldViolation] = []

    def refuse(field: str, rule: str, where: str, description: str) -> None:
        violations.append(FieldViolation(field, rule, f"{source}{where}: {description}"))

    for key in sorted(set(document) - set(_LISTS)):
        refuse(key, "DAYS_OFF_UNKNOWN_KEY", "",
               f"unknown key {key!r}; the file holds [[days_off]] and [[working_days]] entries")

    found: dict[str, dict[date, str]] = {name: {} for name in _LISTS}
    for name in _LISTS:
        entries: Any = document.get(name, [])
        if not isinstance(entries, list):
            refuse(name, "DAYS_OFF_ENTRY_FORMAT", "",
                   f"{name} must be a list of [[{name}]] tables")
            continue
        lines = _entry_lines(text, name)
        for index, entry in enumerate(entries):
            field = f"{name}[{index}]"
            at = f"line {lines[index]}" if len(lines) == len(entries) else ""
            where = f", {at}" if at else ""
            if not isinstance(entry, dict):
                refuse(field, "DAYS_OFF_ENTRY_FORMAT", where,
                       "each entry must be a table with a date and a decision")
                continue
            for extra in sorted(set(entry) - _ENTRY_KEYS):
                refuse(f"{field}.{extra}", "DAYS_OFF_ENTRY_FORMAT", where,
                       f"unknown key {extra!r}; an entry has date, decision and optional note")
            decision = entry.get("decision")
            if not isinstance(decision, str) or not decision.strip():
                refuse(f"{field}.decision", "DAYS_OFF_DECISION_MISSING", where,
                       "name the decision or official letter that set this day "
                       '(e.g. decision = "Công văn 123/BNV-CCVC")')
            if "date" not in entry:
                refuse(f"{field}.date", "DAYS_OFF_DATE_MISSING", where, "the date is missing")
                continue
            day = entry["date"]
            if isinstance(day, datetime) or not isinstance(day, date):
                refuse(f"{field}.date", "DAYS_OFF_DATE_TYPE", where,
                       f"must be a bare TOML date such as 2026-02-16 (no quotes, no time), "
                       f"got {day!r}")
                continue
            if name == "working_days":
                if day.weekday() not in (SATURDAY, SUNDAY):
                    refuse(f"{field}.date", "WORKING_DAY_NOT_WEEKEND", where,
                           f"{day.isoformat()} is a {day:%A}, already a working day; only a "
                           "Saturday or Sunday can be declared working")
                    continue
                if is_public_holiday(day):
                    refuse(f"{field}.date", "WORKING_DAY_IS_HOLIDAY", where,
                           f"{day.isoformat()} is a public holiday, which no decision turns "
                           "into a working day")
                    continue
                if day in found["days_off"]:
                    other = found["days_off"][day]
                    refuse(f"{field}.date", "DAYS_OFF_CONFLICT", where,
                           f"{day.isoformat()} is also listed under [[days_off]]"
                           + (f" ({other})" if other else ""))
                    continue
            found[name][day] = at
    if violations:
        first, *rest = violations
        raise CalendarError(first.field, first.rule, first.description, *rest)
    return frozenset(found["days_off"]), frozenset(found["working_days"])
