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


#: google.protobuf.Timestamp's own range: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z.
TIMESTAMP_MIN_SECONDS = -62_135_596_800
TIMESTAMP_MAX_SECONDS = 253_402_300_799


def timestamp_from_pb(message: Any, field: str) -> dt.datetime | None:
    """A Timestamp field of ``message`` as an aware UTC datetime (None when unset); out of
    the Timestamp's range (seconds 0001 to 9999, nanos 0 to 999,999,999) it is refused."""
    if not message.HasField(field):
        return None
    stamp: timestamp_pb2.Timestamp = getattr(message, field)
    if not (TIMESTAMP_MIN_SECONDS <= stamp.seconds <= TIMESTAMP_MAX_SECONDS
            and 0 <= stamp.nanos <= 999_999_999):
        raise InvalidArgument.single(
            field, "TIMESTAMP_OUT_OF_RANGE",
            "must be a time from 0001-01-01 to 9999-12-31 (UTC), nanos 0 to 999999999")
    return stamp.ToDatetime(tzinfo=dt.UTC)


def timestamp_to_pb(value: dt.datetime | None) -> timestamp_pb2.Timestamp | None:
    if value is None:
        return None
    stamp = timestamp_pb2.Timestamp()
    stamp.FromDatetime(value)
    return stamp
