"""The audit ledger: leaf hashes and signed checkpoints, beside a service's event table.

Two tables in the service's own schema (PostgreSQL) or file (SQLite), named
after the application's event table ``<name>_events``:

* ``<name>_audit_leaves`` (leaf_index PRIMARY KEY, notification_id UNIQUE,
  leaf_hash): the tree's leaves in log order. Leaves are appended a batch per
  transaction, contiguous from the last one; a replica that appends at an index
  another already took fails the transaction and re-reads the ledger.
* ``<name>_audit_checkpoints`` (tree_size PRIMARY KEY, root_hash,
  last_notification_id, recorded_at, note): the signed checkpoints; the
  signed note is authoritative, the other columns are for queries. Replicas
  racing for the same size: the first one stored stays.

``memory:`` applications keep both in the process.
"""

from __future__ import annotations

import datetime as dt
import threading
from typing import TYPE_CHECKING, Any

from lienthong.audit.checkpoints import Checkpoint, parse_checkpoint
from lienthong.sidetables import (
    backend,
    in_process,
    postgres_create,
    postgres_read,
    postgres_table,
    table_name,
)

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

#: Rows per read when streaming leaf hashes.
READ_BATCH = 20_000


class LedgerConflict(RuntimeError):
    """Another writer extended the ledger first; re-read it."""


LEAVES, CHECKPOINTS = "audit_leaves", "audit_checkpoints"


def audit_table_names(events_table: str) -> tuple[str, str]:
    """(leaves table, checkpoints table) for an event table ``<name>_events``."""
    return table_name(events_table, LEAVES), table_name(events_table, CHECKPOINTS)


class Ledger:
    """The leaves and checkpoints of one application's event log."""

    def __init__(self, app: Any, *, create: bool = True) -> None:
        self.app = app
        where = backend(app)
        if where == "postgres":
            self._store: _Store = _PostgresStore(app.recorder)
        elif where == "sqlite":
            self._store = _SQLiteStore(app.recorder)
        else:  # one store per application: every Ledger of it sees the same leaves
            self._store = in_process(app, "_lienthong_audit_ledger", _MemoryStore)
        if create:
            self._store.create()

    # -- read (the API uses these) -------------------------------------------

    def checkpoints(self) -> list[Checkpoint]:
        """Every stored checkpoint, oldest (smallest) first."""
        return [parse_checkpoint(note) for note in self._store.notes(None)]

    def latest_checkpoint(self) -> Checkpoint | None:
        notes = self._store.notes("latest")
        return parse_checkpoint(notes[0]) if notes else None

    def checkpoint_at(self, tree_size: int) -> Checkpoint | None:
        notes = self._store.notes(tree_size)
        return parse_checkpoint(notes[0]) if notes else None

    def leaf_index(self, notification_id: int) -> int | None:
        """The leaf index of a notification, or None if the tree does not hold it (yet)."""
        return self._store.leaf_index(notification_id)

    def leaf_hashes(self, tree_size: int) -> list[bytes]:
        """The first ``tree_size`` leaf hashes, in log order (fewer if fewer are stored)."""
        return [h for _, h in self._store.leaves(0, tree_size)]

    def size(self) -> int:
        """How many leaves are stored."""
        return self._store.size()

    def last_notification_id(self) -> int:
        """The notification id of the last leaf (0: none)."""
        return self._store.last_notification_id()

    def iter_leaves(self, start: int = 0) -> Iterator[tuple[int, bytes]]:
        """(notification id, leaf hash) from leaf ``start`` on, streamed in batches."""
        while True:
            batch = self._store.leaves(start, start + READ_BATCH)
            yield from batch
            if len(batch) < READ_BATCH:
                return
            start += len(batch)

    # -- write (the checkpointer uses these) ---------------------------------

    def append_leaves(self, first_index: int, leaves: Sequence[tuple[int, bytes]]) -> None:
        """Store (notification id, leaf hash) pairs at ``first_index`` on, in one transaction.

        Raises :class:`LedgerConflict` when the ledger does not end right before
        ``first_index`` (another writer got there first).
        """
        if leaves:
            self._store.append(first_index, leaves)

    def add_checkpoint(self, checkpoint: Checkpoint) -> Checkpoint:
        """Store a checkpoint unless one of the same size is; returns the stored one."""
        self._store.add_checkpoint(checkpoint)
        stored = self.checkpoint_at(checkpoint.tree_size)
        assert stored is not None
        return stored


# -- storage back ends ---------------------------------------------------------


class _Store:
    def create(self) -> None: ...
    def notes(self, which: int | str | None) -> list[str]: ...
    def leaf_index(self, notification_id: int) -> int | None: ...
    def leaves(self, start: int, stop: int) -> list[tuple[int, bytes]]: ...
    def size(self) -> int: ...
    def last_notification_id(self) -> int: ...
    def append(self, first_index: int, leaves: Sequence[tuple[int, bytes]]) -> None: ...
    def add_checkpoint(self, checkpoint: Checkpoint) -> None: ...


class _MemoryStore(_Store):
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._leaves: list[tuple[int, bytes]] = []
        self._index: dict[int, int] = {}
        self._checkpoints: dict[int, str] = {}

    def notes(self, which: int | str | None) -> list[str]:
        with self._lock:
            if which is None:
                return [self._checkpoints[size] for size in sorted(self._checkpoints)]
            if which == "latest":
                return [self._checkpoints[max(self._checkpoints)]] if self._checkpoints else []
            note = self._checkpoints.get(int(which))
            return [note] if note is not None else []

    def leaf_index(self, notification_id: int) -> int | None:
        return self._index.get(notification_id)

    def leaves(self, start: int, stop: int) -> list[tuple[int, bytes]]:
        with self._lock:
            return self._leaves[start:stop]

    def size(self) -> int:
        return len(self._leaves)

    def last_notification_id(self) -> int:
        with self._lock:
            return self._leaves[-1][0] if self._leaves else 0

    def append(self, first_index: int, leaves: Sequence[tuple[int, bytes]]) -> None:
        with self._lock:
            last = self._leaves[-1][0] if self._leaves else 0
            if first_index != len(self._leaves) or leaves[0][0] <= last:
                raise LedgerConflict(first_index)
            for offset, (notification_id, leaf) in enumerate(leaves):
                self._index[notification_id] = first_index + offset
                self._leaves.append((notification_id, bytes(leaf)))

    def add_checkpoint(self, checkpoint: Checkpoint) -> None:
        with self._lock:
            self._checkpoints.setdefault(checkpoint.tree_size, checkpoint.note)


class _SQLiteStore(_Store):
    def __init__(self, recorder: Any) -> None:
        self.datastore = recorder.datastore
        self.leaves_table, self.checkpoints_table = audit_table_names(recorder.events_table_name)

    def _read(self, statement: str, params: Sequence[Any] = ()) -> list[Any]:
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(statement, params)
            return list(curs.fetchall())

    def create(self) -> None:
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(f"CREATE TABLE IF NOT EXISTS {self.leaves_table} ("
                         "leaf_index INTEGER PRIMARY KEY, notification_id INTEGER NOT NULL "
                         "UNIQUE, leaf_hash BLOB NOT NULL)")
            curs.execute(f"CREATE TABLE IF NOT EXISTS {self.checkpoints_table} ("
                         "tree_size INTEGER PRIMARY KEY, root_hash BLOB NOT NULL, "
                         "last_notification_id INTEGER NOT NULL, recorded_at TEXT NOT NULL, "
                         "note TEXT NOT NULL)")

    def notes(self, which: int | str | None) -> list[str]:
        table = self.checkpoints_table
        if which is None:
            rows = self._read(f"SELECT note FROM {table} ORDER BY tree_size")
        elif which == "latest":
            rows = self._read(f"SELECT note FROM {table} ORDER BY tree_size DESC LIMIT 1")
        else:
            rows = self._read(f"SELECT note FROM {table} WHERE tree_size = ?", (int(which),))
        return [row[0] for row in rows]

    def leaf_index(self, notification_id: int) -> int | None:
        rows = self._read(f"SELECT leaf_index FROM {self.leaves_table} WHERE notification_id = ?",
                          (notification_id,))
        return rows[0][0] if rows else None

    def leaves(self, start: int, stop: int) -> list[tuple[int, bytes]]:
        rows = self._read(f"SELECT notification_id, leaf_hash FROM {self.leaves_table} "
                          "WHERE leaf_index >= ? AND leaf_index < ? ORDER BY leaf_index",
                          (start, stop))
        return [(row[0], bytes(row[1])) for row in rows]

    def size(self) -> int:
        rows = self._read(f"SELECT MAX(leaf_index) FROM {self.leaves_table}")
        return 0 if rows[0][0] is None else rows[0][0] + 1

    def last_notification_id(self) -> int:
        rows = self._read(f"SELECT notification_id FROM {self.leaves_table} "
                          "ORDER BY leaf_index DESC LIMIT 1")
        return rows[0][0] if rows else 0

    def append(self, first_index: int, leaves: Sequence[tuple[int, bytes]]) -> None:
        import sqlite3

        from eventsourcing.persistence import IntegrityError

        try:
            with self.datastore.transaction(commit=True) as curs:
                curs.execute(f"SELECT leaf_index, notification_id FROM {self.leaves_table} "
                             "ORDER BY leaf_index DESC LIMIT 1")
                last = curs.fetchone()
                last_index, last_id = (last[0], last[1]) if last else (-1, 0)
                if last_index != first_index - 1 or leaves[0][0] <= last_id:
                    raise LedgerConflict(first_index)
                curs.executemany(
                    f"INSERT INTO {self.leaves_table} (leaf_index, notification_id, leaf_hash) "
                    "VALUES (?, ?, ?)",
                    [(first_index + i, nid, leaf) for i, (nid, leaf) in enumerate(leaves)])
        except (IntegrityError, sqlite3.IntegrityError) as error:
            raise LedgerConflict(first_index) from error

    def add_checkpoint(self, checkpoint: Checkpoint) -> None:
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(f"INSERT OR IGNORE INTO {self.checkpoints_table} "
                         "(tree_size, root_hash, last_notification_id, recorded_at, note) "
                         "VALUES (?, ?, ?, ?, ?)",
                         (checkpoint.tree_size, checkpoint.root_hash,
                          checkpoint.last_notification_id, checkpoint.timestamp.isoformat(),
                          checkpoint.note))


class _PostgresStore(_Store):
    def __init__(self, recorder: Any) -> None:
        self.datastore = recorder.datastore
        self.leaves_table = postgres_table(recorder, LEAVES)
        self.checkpoints_table = postgres_table(recorder, CHECKPOINTS)

    def _read(self, statement: Any, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return postgres_read(self.datastore, statement, params)

    def create(self) -> None:
        from psycopg import sql

        postgres_create(self.datastore, [
            sql.SQL("CREATE TABLE IF NOT EXISTS {} (leaf_index bigint PRIMARY KEY, "
                    "notification_id bigint NOT NULL UNIQUE, leaf_hash bytea NOT NULL)"
                    ).format(self.leaves_table),
            sql.SQL("CREATE TABLE IF NOT EXISTS {} (tree_size bigint PRIMARY KEY, "
                    "root_hash bytea NOT NULL, last_notification_id bigint NOT NULL, "
                    "recorded_at timestamptz NOT NULL, note text NOT NULL)"
                    ).format(self.checkpoints_table),
        ])

    def notes(self, which: int | str | None) -> list[str]:
        from psycopg import sql

        table = self.checkpoints_table
        if which is None:
            rows = self._read(sql.SQL("SELECT note FROM {} ORDER BY tree_size").format(table))
        elif which == "latest":
            rows = self._read(sql.SQL("SELECT note FROM {} ORDER BY tree_size DESC LIMIT 1"
                                      ).format(table))
        else:
            rows = self._read(sql.SQL("SELECT note FROM {} WHERE tree_size = %s").format(table),
                              (int(which),))
        return [row[0] for row in rows]

    def leaf_index(self, notification_id: int) -> int | None:
        from psycopg import sql

        rows = self._read(sql.SQL("SELECT leaf_index FROM {} WHERE notification_id = %s"
                                  ).format(self.leaves_table), (notification_id,))
        return rows[0][0] if rows else None

    def leaves(self, start: int, stop: int) -> list[tuple[int, bytes]]:
        from psycopg import sql

        rows = self._read(sql.SQL("SELECT notification_id, leaf_hash FROM {} "
                                  "WHERE leaf_index >= %s AND leaf_index < %s "
                                  "ORDER BY leaf_index"
                                  ).format(self.leaves_table), (start, stop))
        return [(row[0], bytes(row[1])) for row in rows]

    def size(self) -> int:
        from psycopg import sql

        rows = self._read(sql.SQL("SELECT MAX(leaf_index) FROM {}").format(self.leaves_table))
        return 0 if rows[0][0] is None else rows[0][0] + 1

    def last_notification_id(self) -> int:
        from psycopg import sql

        rows = self._read(sql.SQL("SELECT notification_id FROM {} ORDER BY leaf_index DESC "
                                  "LIMIT 1").format(self.leaves_table))
        return rows[0][0] if rows else 0

    def append(self, first_index: int, leaves: Sequence[tuple[int, bytes]]) -> None:
        import psycopg
        from eventsourcing.persistence import IntegrityError
        from psycopg import sql
        from psycopg.rows import tuple_row

        try:
            with self.datastore.transaction(commit=True) as curs:
                rows = curs.execute(sql.SQL(
                    "SELECT leaf_index, notification_id FROM {} ORDER BY leaf_index DESC LIMIT 1"
                ).format(self.leaves_table))
                rows.row_factory = tuple_row
                last = rows.fetchone()
                last_index, last_id = (last[0], last[1]) if last else (-1, 0)
                if last_index != first_index - 1 or leaves[0][0] <= last_id:
                    raise LedgerConflict(first_index)
                curs.execute(sql.SQL(
                    "INSERT INTO {} (leaf_index, notification_id, leaf_hash) "
                    "SELECT * FROM unnest(%s::bigint[], %s::bigint[], %s::bytea[])"
                ).format(self.leaves_table), (
                    list(range(first_index, first_index + len(leaves))),
                    [nid for nid, _ in leaves], [leaf for _, leaf in leaves]))
        except (psycopg.errors.UniqueViolation, IntegrityError) as error:
            raise LedgerConflict(first_index) from error

    def add_checkpoint(self, checkpoint: Checkpoint) -> None:
        from psycopg import sql

        with self.datastore.transaction(commit=True) as curs:
            curs.execute(sql.SQL(
                "INSERT INTO {} (tree_size, root_hash, last_notification_id, recorded_at, note) "
                "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (tree_size) DO NOTHING"
            ).format(self.checkpoints_table), (
                checkpoint.tree_size, checkpoint.root_hash, checkpoint.last_notification_id,
                checkpoint.timestamp, checkpoint.note))


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
