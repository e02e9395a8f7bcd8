"""Throw-away PostgreSQL databases, for the benchmarks and the tests alike.

Both are given a server by an administrative DSN (a role that may CREATE
DATABASE): ``LIENTHONG_TEST_POSTGRES_DSN``, else the local default. Each run
works in a database of its own, created on entry and dropped on exit.
"""

from __future__ import annotations

import os
import uuid
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

DEFAULT_ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"
ADMIN_DSN_ENV = "LIENTHONG_TEST_POSTGRES_DSN"


def admin_dsn() -> str:
    """The server to make throw-away databases on (``LIENTHONG_TEST_POSTGRES_DSN``)."""
    return os.environ.get(ADMIN_DSN_ENV, DEFAULT_ADMIN_DSN)


def with_database(dsn: str, dbname: str) -> str:
    """The same server and credentials, another database."""
    parts = urlsplit(dsn)
    return urlunsplit(parts._replace(path="/" + dbname))


def unreachable(dsn: str, timeout: float = 3.0) -> str | None:
    """None when the server answers, else the reason it does not."""
    try:
        with psycopg.connect(dsn, connect_timeout=timeout) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as error:
        return str(error).strip() or type(error).__name__
    return None


class ThrowAwayDatabase:
    """CREATE DATABASE on entry, DROP DATABASE (FORCE) on exit; ``dsn`` names it."""

    def __init__(self, admin: str | None = None, prefix: str = "lienthong_tmp") -> None:
        self.admin_dsn = admin or admin_dsn()
        # A random suffix: concurrent runs on one server never share a database.
        self.name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        self.dsn = with_database(self.admin_dsn, self.name)

    def __enter__(self) -> ThrowAwayDatabase:
        with psycopg.connect(self.admin_dsn, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.name)))
        return self

    def __exit__(self, *_: object) -> None:
        with psycopg.connect(self.admin_dsn, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(self.name)))
