"""A fresh PostgreSQL database per test, on the server the suite is given.

The databases are :mod:`lienthong.pgtemp`'s, as the benchmarks' are; this
module adds only what a test run decides: whether a missing server skips the
PostgreSQL tests or fails them.
"""

from __future__ import annotations

import os

from lienthong.pgtemp import DEFAULT_ADMIN_DSN, ThrowAwayDatabase, admin_dsn, unreachable

__all__ = ["DEFAULT_TEST_DSN", "TemporaryDatabase", "admin_dsn", "postgres_available",
           "postgres_required"]

DEFAULT_TEST_DSN = DEFAULT_ADMIN_DSN


def postgres_required() -> bool:
    """CI sets LIENTHONG_REQUIRE_POSTGRES=1: an unreachable server then fails the run."""
    return os.environ.get("LIENTHONG_REQUIRE_POSTGRES", "") not in ("", "0", "false", "no")


def postgres_available() -> str | None:
    """None when the server answers, else why not."""
    return unreachable(admin_dsn())


class TemporaryDatabase(ThrowAwayDatabase):
    """A test's own database on the suite's server, dropped after the test."""

    def __init__(self, prefix: str = "lienthong_test") -> None:
        super().__init__(admin_dsn(), prefix)
