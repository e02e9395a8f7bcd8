"""A fresh PostgreSQL database per test, on the server the suite is given."""

from __future__ import annotations

import os
import uuid
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

DEFAULT_TEST_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"


def admin_dsn() -> str:
    return os.environ.get("LIENTHONG_TEST_POSTGRES_DSN", DEFAULT_TEST_DSN)


def postgres_required() -> bool:
    """CI sets LIENTHONG_REQUIRE_POSTGRES=1: an unreachable server then fails the run."""
    return os.environ.get("LIENTHONG_REQUIRE_POSTGRES", "") not in ("", "0", "false", "no")


def postgres_available() -> str | None:
    """None when the server answers, else why not."""
    try:
        with psycopg.connect(admin_dsn(), connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as error:
        return str(error).strip() or type(error).__name__
    return None


def with_database(dsn: str, dbname: str) -> str:
    parts = urlsplit(dsn)
    return urlunsplit(parts._replace(path="/" + dbname))


class TemporaryDatabase:
    """CREATE DATABASE on entry, DROP DATABASE (FORCE) on exit."""

    def __init__(self, prefix: str = "lienthong_test") -> None:
        self.name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        self.dsn = with_database(admin_dsn(), self.name)

    def __enter__(self) -> TemporaryDatabase:
        with psycopg.connect(admin_dsn(), autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.name)))
        return self

    def __exit__(self, *_: object) -> None:
        with psycopg.connect(admin_dsn(), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(self.name)))
