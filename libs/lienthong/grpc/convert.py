"""Protobuf well-known and common types to Python values, and back."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from google.protobuf import timestamp_pb2
from google.type import date_pb2

from lienthong.errors import InvalidArgument

if TYPE_CHECKING:
    from collections.abc import Iterable


def id_to_pb(value: Any) -> str:
    """An optional id (UUID or None) as a string field ("" for none)."""
    return "" if value is None else str(value)


def ids_to_pb(values: Iterable[Any]) -> list[str]:
    return [str(v) for v in values]


def date_from_pb(value: date_pb2.Date, field: str) -> dt.date | None:
    """google.type.Date to a date; an unset (all zero) date is None."""
    if value.year == 0 and value.month == 0 and value.day == 0:
        return None
    try:
        return dt.date(value.year, value.month, value.day)
    except ValueError:
        raise InvalidArgument.single(field, "DATE_INVALID",
                                     "must be a full calendar date (year, month and day)") from None


def date_to_pb(value: dt.date | None) -> date_pb2.Date | None:
    return None if value is None else date_pb2.Date(year=value.year, month=value.month,
                                                    day=value.day)


def timestamp_to_pb(value: dt.datetime | None) -> timestamp_pb2.Timestamp | None:
    if value is None:
        return None
    stamp = timestamp_pb2.Timestamp()
    stamp.FromDatetime(value)
    return stamp
