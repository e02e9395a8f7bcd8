"""A time written into a protobuf Timestamp by the platform's own setter reads exactly as
protobuf's ``FromDatetime`` writes it: aware in any zone, naive (taken as UTC), before
1970, at both ends of the Timestamp's range."""

from __future__ import annotations

import datetime as dt

import pytest
from google.protobuf import timestamp_pb2

from lienthong.grpc.convert import set_timestamp, timestamp_to_pb

VIETNAM = dt.timezone(dt.timedelta(hours=7))

TIMES = [
    dt.datetime(2025, 7, 1, 0, 0, 0, tzinfo=VIETNAM),  # the two-tier government's first day
    dt.datetime(2025, 7, 1, 1, 2, 3, 456_789, tzinfo=dt.UTC),
    dt.datetime(1969, 12, 31, 23, 59, 59, 500_000),  # naive, half a second before the epoch
    dt.datetime(1945, 9, 2, 14, 0, tzinfo=VIETNAM),
    dt.datetime(1, 1, 1, tzinfo=dt.UTC),
    dt.datetime(9999, 12, 31, 23, 59, 59, 999_999, tzinfo=dt.UTC),
]


@pytest.mark.parametrize("moment", TIMES, ids=str)
def test_a_time_is_written_as_protobuf_writes_it(moment: dt.datetime) -> None:
    expected = timestamp_pb2.Timestamp()
    expected.FromDatetime(moment)

    written = timestamp_pb2.Timestamp()
    set_timestamp(written, moment)

    assert (written.seconds, written.nanos) == (expected.seconds, expected.nanos)
    assert timestamp_to_pb(moment) == expected


def test_a_written_time_reads_back_as_the_same_instant() -> None:
    moment = dt.datetime(2025, 7, 1, 8, 30, 15, 250_000, tzinfo=VIETNAM)
    written = timestamp_pb2.Timestamp()
    set_timestamp(written, moment)
    assert written.ToDatetime(tzinfo=dt.UTC) == moment
