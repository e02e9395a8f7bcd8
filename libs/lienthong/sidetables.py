"""Tables a service keeps beside its event table: the audit ledger's, the personal data's keys.

They live where the events live, in the same SQLite file or PostgreSQL schema, named after
the application's event table ``<name>_events`` (``<name>_<suffix>``); a ``memory:``
application keeps them in the process, one set per application. What differs between
backends (which one, the names, a read on a pooled connection, creating tables while other
replicas do the same) is said here once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, TypeVar

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

T = TypeVar("T")

#: Values per query of an ``IN (...)`` list on SQLite (its bound on parameters is 32,766).
SQLITE_VALUES_PER_QUERY = 500
Backend = Literal["postgres", "sqlite", "memory"]


def backend(app_or_recorder: Any) -> Backend:
    """Where an application's (or a recorder's) events are stored."""
    recorder = getattr(app_or_recorder, "recorder", app_or_recorder)
    # Ours derive from eventsourcing's (lienthong.pgrecorders).
    modules = [cls.__module__ for cls in type(recorder).__mro__]
    if any(module.startswith("eventsourcing.postgres") for module in modules):
        return "postgres"
    if any(module.startswith("eventsourcing.sqlite") for module in modules):
        return "sqlite"
    return "memory"


def table_name(events_table: str, suffix: str) -> str:
    """``<name>_<suffix>`` for an event table ``<name>_events``."""
    prefix = (events_table[: -len("_events")] if events_table.endswith("_events")
              else events_table)
    return f"{prefix}_{suffix}"


def postgres_table(recorder: Any, suffix: str) -> Any:
    """The quoted ``<schema>.<name>_<suffix>`` beside a PostgreSQL recorder's event table."""
    from psycopg import sql

    return sql.SQL("{}.{}").format(
        sql.Identifier(recorder.datastore.schema),
        sql.Identifier(table_name(recorder.events_table_name, suffix)))


def in_process(app: Any, attribute: str, make: Callable[[], T]) -> T:
    """The in-process store ``attribute`` of a ``memory:`` application, made on first use."""
    store: T | None = getattr(app, attribute, None)
    if store is None:
        store = make()
        setattr(app, attribute, store)
    return store


def postgres_read(datastore: Any, statement: Any,
                  params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    """Rows of one query, as tuples, on a pooled connection left as it was found."""
    from psycopg.rows import tuple_row

    with datastore.get_connection() as conn, conn.cursor(row_factory=tuple_row) as curs:
        curs.execute(statement, params, prepare=True)
        rows = curs.fetchall()
        conn.rollback()
        return rows


def postgres_statement(datastore: Any, statement: Any,
                       params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    """Rows of one statement that is its own transaction (the pool's connections commit
    each statement): one round trip, where an explicit transaction takes three."""
    from psycopg.rows import tuple_row

    with datastore.get_connection() as conn, conn.cursor(row_factory=tuple_row) as curs:
        if not conn.autocommit:  # not a connection of eventsourcing's pool
            msg = "postgres_statement needs a connection that commits each statement"
            raise RuntimeError(msg)
        curs.execute(statement, params, prepare=True)
        return curs.fetchall()


def postgres_create(datastore: Any, statements: Sequence[Any]) -> None:
    """Run ``CREATE TABLE IF NOT EXISTS`` statements in one transaction; replicas starting
    at once may collide on the catalogue (tried again), and a read-only role creates
    nothing (what it then cannot write fails where it writes)."""
    import psycopg
    from eventsourcing.persistence import IntegrityError, ProgrammingError

    for attempt in range(3):
        try:
            with datastore.transaction(commit=True) as curs:
                for statement in statements:
                    curs.execute(statement)
            return
        except (psycopg.errors.UniqueViolation, IntegrityError):  # replicas, at once
            if attempt == 2:
                raise
        except ProgrammingError as error:  # a read-only role only reads
            if not isinstance(error.__cause__, psycopg.errors.InsufficientPrivilege):
                raise
            return
