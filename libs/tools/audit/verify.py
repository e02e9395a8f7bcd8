"""Recompute a service's audit tree from its database and check it against the checkpoints.

Read-only: it opens one READ ONLY, REPEATABLE READ transaction (PostgreSQL) or a
``mode=ro`` connection (SQLite) and runs SELECTs only, so an auditor's role
needs nothing but SELECT on the service's tables (and USAGE on its schema).

What it checks, in order:

1. every checkpoint (stored in the database, and any the auditor kept
   elsewhere) is signed by the auditor's public key, for this service's origin;
2. walking the event table in notification-id order beside the leaf table in
   leaf order, each event's leaf hash, recomputed from its stored bytes,
   equals the stored leaf at the same position with the same notification id.
   The first difference is reported, with the notification id to look at:
   ``changed`` (same id, other bytes), ``deleted`` (the leaf's event is gone),
   ``inserted`` (an event the tree never held), ``reordered`` (two events
   swapped places); a one-row look-ahead tells these apart;
3. the root of the tree recomputed from the events (not from the stored leaves)
   equals each checkpoint's signed root, and its last notification id the
   checkpoint's. This catches a change made to an event and its stored leaf
   alike: it is reported as the range of notification ids between the last
   checkpoint that matches and the first that does not. As every checkpoint is
   compared with the same recomputed tree, checkpoints that all match are
   consistent with one another (no separate consistency proof is needed);
4. no checkpoint claims more events than the log holds (``truncated``), at
   least one valid checkpoint exists when the log holds events
   (``no_checkpoint``: otherwise nothing is proved, the leaf table is as
   writable as the events), and, with ``min_tree_size``, the largest valid
   checkpoint covers at least that many events (``checkpoint_missing``: the
   auditor saw a larger one before, the later checkpoints were removed).

A checkpoint stored in the database is only as good as the database: whoever
can write there can delete the later checkpoints with the events they cover.
The proof holds against checkpoints kept outside it (``extra_checkpoints``,
``min_tree_size``).

Events after the last leaf are not yet in the tree (the checkpointer follows
the log): they are counted as ``unaudited``, not as a failure; with the
audited events after the latest checkpoint they are ``uncheckpointed``.
Memory: 32 bytes per event (the recomputed leaf hashes).
"""

from __future__ import annotations

import bisect
import contextlib
import hashlib
import itertools
import queue
import struct
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote, urlsplit, urlunsplit

from lienthong.audit import merkle
from lienthong.audit.checkpoints import Checkpoint, origin_of, parse_checkpoint
from lienthong.audit.leaves import LEAF_FORMAT, ORIGINATOR_ID_SIZE
from lienthong.audit.ledger import audit_table_names

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

#: Rows per fetch from the server-side cursors.
FETCH_SIZE = 10_000

_HEAD = struct.Struct(">BQ16sqI")
_PREFIXED_HEAD = struct.Struct(">BBQ16sqI")
_LEN = struct.Struct(">I")
_sha256 = hashlib.sha256

#: (notification id, 16-byte originator id, version, UTF-8 topic, stored state)
Row = tuple[int, bytes, int, bytes, bytes]


@dataclass(frozen=True)
class Finding:
    """One thing that does not hold."""

    kind: str
    detail: str
    notification_id: int | None = None
    leaf_index: int | None = None
    tree_size: int | None = None


@dataclass
class VerifyReport:
    service: str
    origin: str
    ok: bool = True
    events: int = 0  #: rows read from the event table
    leaves: int = 0  #: leaves compared
    unaudited: int = 0  #: events after the last leaf (not yet in the tree)
    uncheckpointed: int = 0  #: events after the latest valid checkpoint (proved by none)
    checkpoints: int = 0  #: checkpoints checked
    latest_tree_size: int = 0
    latest_root_hash: str = ""
    first_failure: Finding | None = None
    failures: list[Finding] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    elapsed_s: float = 0.0

    @property
    def per_s(self) -> float:
        return self.events / self.elapsed_s if self.elapsed_s else 0.0

    def fail(self, finding: Finding) -> None:
        self.ok = False
        if self.first_failure is None:
            self.first_failure = finding
        self.failures.append(finding)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["per_s"] = round(self.per_s, 1)
        data["elapsed_s"] = round(self.elapsed_s, 3)
        return data


# -- sources ------------------------------------------------------------------------


class LogSource:
    """The event table, the leaf table and the checkpoint table of one service, read-only."""

    description = ""

    def event_batches(self) -> Iterator[Sequence[Row]]:
        raise NotImplementedError

    def leaf_chunks(self) -> Iterator[tuple[int, int, int, bytes]]:
        """The leaf table in chunks of leaf indexes ``c * FETCH_SIZE`` to ``c * FETCH_SIZE
        + FETCH_SIZE - 1``: (first index, last index, rows, their hashes concatenated)."""
        raise NotImplementedError

    def leaf_rows(self, start: int, limit: int) -> list[tuple[int, int, bytes]]:
        """(leaf index, notification id, leaf hash) from leaf index ``start`` on."""
        raise NotImplementedError

    def checkpoint_notes(self) -> list[str]:
        raise NotImplementedError

    def max_notification_id(self) -> int:
        raise NotImplementedError

    def close(self) -> None:
        pass

    def __enter__(self) -> LogSource:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


class PostgresSource(LogSource):
    """A service's schema in PostgreSQL, in one read-only snapshot."""

    def __init__(self, dsn: str, schema: str, events_table: str = "") -> None:
        import psycopg
        from psycopg import sql

        self.conn = psycopg.connect(dsn, autocommit=False)
        self.conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        self.schema = schema
        events_table = events_table or self._find_events_table()
        self.events_table = events_table
        leaves, checkpoints = audit_table_names(events_table)
        ident = sql.Identifier
        self._events = sql.SQL("{}.{}").format(ident(schema), ident(events_table))
        self._leaves = sql.SQL("{}.{}").format(ident(schema), ident(leaves))
        self._checkpoints = sql.SQL("{}.{}").format(ident(schema), ident(checkpoints))
        self._has_ledger = self._exists(leaves) and self._exists(checkpoints)
        self.description = f"postgresql {schema}.{events_table}"
        self._cursors = itertools.count()

    def _exists(self, table: str) -> bool:
        row = self.conn.execute("SELECT to_regclass(%s) IS NOT NULL",
                                (f'"{self.schema}"."{table}"',)).fetchone()
        return bool(row and row[0])

    def _find_events_table(self) -> str:
        rows = self.conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s "
            "AND table_name LIKE '%%\\_events' ORDER BY table_name", (self.schema,)).fetchall()
        names = [r[0] for r in rows]
        with_ledger = [n for n in names
                       if audit_table_names(n)[0] in self._tables()]
        chosen = with_ledger or names
        if len(chosen) != 1:
            msg = (f"schema {self.schema!r}: expected one event table (<name>_events), "
                   f"found {names or 'none'}")
            raise LookupError(msg)
        return chosen[0]

    def _tables(self) -> set[str]:
        rows = self.conn.execute("SELECT table_name FROM information_schema.tables "
                                 "WHERE table_schema = %s", (self.schema,)).fetchall()
        return {r[0] for r in rows}

    def _stream(self, query: Any) -> Iterator[Sequence[Any]]:
        with self.conn.cursor(name=f"audit_{next(self._cursors)}", binary=True) as cursor:
            cursor.itersize = FETCH_SIZE
            cursor.execute(query)
            while rows := cursor.fetchmany(FETCH_SIZE):
                yield rows

    def event_batches(self) -> Iterator[Sequence[Row]]:
        from psycopg import sql

        yield from self._stream(sql.SQL(
            "SELECT notification_id, uuid_send(originator_id), originator_version, "
            "convert_to(topic, 'UTF8'), state FROM {} ORDER BY notification_id"
        ).format(self._events))

    def leaf_chunks(self) -> Iterator[tuple[int, int, int, bytes]]:
        from psycopg import sql

        if not self._has_ledger:
            return
        row = self.conn.execute(sql.SQL("SELECT max(leaf_index) FROM {}").format(
            self._leaves)).fetchone()
        last = row[0] if row and row[0] is not None else -1
        # One range of the primary key per chunk, its hashes concatenated by the server
        # from an ordered scan. Were they ever out of order, the comparison would fail and
        # verify would read those leaves row by row, in ORDER BY order, instead.
        query = sql.SQL(
            "SELECT min(leaf_index), max(leaf_index), count(*), string_agg(leaf_hash, "
            "''::bytea) FROM (SELECT leaf_index, leaf_hash FROM {} WHERE leaf_index >= %s "
            "AND leaf_index < %s ORDER BY leaf_index) AS chunk").format(self._leaves)
        for low in range(0, last + 1, FETCH_SIZE):
            with self.conn.cursor(binary=True) as cursor:
                chunk = cursor.execute(query, (low, low + FETCH_SIZE)).fetchone()
            if chunk and chunk[2]:
                yield chunk[0], chunk[1], chunk[2], chunk[3]

    def leaf_rows(self, start: int, limit: int) -> list[tuple[int, int, bytes]]:
        from psycopg import sql

        if not self._has_ledger:
            return []
        rows = self.conn.execute(sql.SQL(
            "SELECT leaf_index, notification_id, leaf_hash FROM {} WHERE leaf_index >= %s "
            "ORDER BY leaf_index LIMIT %s").format(self._leaves), (start, limit)).fetchall()
        return [(r[0], r[1], bytes(r[2])) for r in rows]

    def checkpoint_notes(self) -> list[str]:
        from psycopg import sql

        if not self._has_ledger:
            return []
        rows = self.conn.execute(sql.SQL("SELECT note FROM {} ORDER BY tree_size").format(
            self._checkpoints)).fetchall()
        return [r[0] for r in rows]

    def max_notification_id(self) -> int:
        from psycopg import sql

        row = self.conn.execute(sql.SQL("SELECT MAX(notification_id) FROM {}").format(
            self._events)).fetchone()
        return int(row[0] or 0) if row else 0

    def close(self) -> None:
        self.conn.rollback()
        self.conn.close()


class SQLiteSource(LogSource):
    """A service's SQLite file, opened read-only."""

    def __init__(self, path: str, events_table: str = "") -> None:
        import sqlite3

        self.conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None,
                                    check_same_thread=False)  # read ahead by a thread
        self.conn.execute("BEGIN")  # one snapshot for every read
        tables = {r[0] for r in self.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not events_table:
            names = sorted(t for t in tables if t.endswith("_events"))
            with_ledger = [n for n in names if audit_table_names(n)[0] in tables]
            chosen = with_ledger or names
            if len(chosen) != 1:
                msg = f"{path}: expected one event table (<name>_events), found {names or 'none'}"
                raise LookupError(msg)
            events_table = chosen[0]
        self.events_table = events_table
        self._leaves, self._checkpoints = audit_table_names(events_table)
        self._has_ledger = self._leaves in tables and self._checkpoints in tables
        self.description = f"sqlite {path} {events_table}"

    def _stream(self, query: str) -> Iterator[Sequence[Any]]:
        cursor = self.conn.execute(query)
        while rows := cursor.fetchmany(FETCH_SIZE):
            yield rows

    def event_batches(self) -> Iterator[Sequence[Row]]:
        for rows in self._stream(f"SELECT rowid, originator_id, originator_version, topic, state "
                                 f"FROM {self.events_table} ORDER BY rowid"):
            yield [(r[0], _uuid_bytes(r[1]), r[2], r[3].encode(), _blob(r[4])) for r in rows]

    def leaf_chunks(self) -> Iterator[tuple[int, int, int, bytes]]:
        if not self._has_ledger:
            return
        chunk: list[tuple[int, bytes]] = []
        for rows in self._stream(f"SELECT leaf_index, leaf_hash FROM {self._leaves} "
                                 "ORDER BY leaf_index"):
            for index, leaf in rows:
                if chunk and index // FETCH_SIZE != chunk[0][0] // FETCH_SIZE:
                    yield _chunk(chunk)
                    chunk = []
                chunk.append((index, bytes(leaf)))
        if chunk:
            yield _chunk(chunk)

    def leaf_rows(self, start: int, limit: int) -> list[tuple[int, int, bytes]]:
        if not self._has_ledger:
            return []
        rows = self.conn.execute(f"SELECT leaf_index, notification_id, leaf_hash FROM "
                                 f"{self._leaves} WHERE leaf_index >= ? ORDER BY leaf_index "
                                 "LIMIT ?", (start, limit)).fetchall()
        return [(r[0], r[1], bytes(r[2])) for r in rows]

    def checkpoint_notes(self) -> list[str]:
        if not self._has_ledger:
            return []
        return [r[0] for r in self.conn.execute(
            f"SELECT note FROM {self._checkpoints} ORDER BY tree_size")]

    def max_notification_id(self) -> int:
        row = self.conn.execute(f"SELECT MAX(rowid) FROM {self.events_table}").fetchone()
        return int(row[0] or 0)

    def close(self) -> None:
        self.conn.close()


def _uuid_bytes(text: object) -> bytes:
    """The 16 bytes of a UUID stored as 32 hex digits; anything else gives bytes of another
    length (no leaf matches them: verify reports the row as changed)."""
    if not isinstance(text, str) or len(text) != 32:
        return b""
    try:
        return bytes.fromhex(text)  # 32 characters with a space in them give fewer bytes
    except ValueError:
        return b""


def _blob(value: object) -> bytes:
    """A stored state as bytes (SQLite gives text for a value someone stored as text)."""
    return value.encode() if isinstance(value, str) else bytes(value)  # type: ignore[arg-type]


def _chunk(rows: list[tuple[int, bytes]]) -> tuple[int, int, int, bytes]:
    return rows[0][0], rows[-1][0], len(rows), b"".join(leaf for _, leaf in rows)


def open_source(event_store: str, service: str, *, events_table: str = "") -> LogSource:
    """The read-only source of an event-store URL (postgresql://..., sqlite:///...)."""
    parts = urlsplit(event_store)
    if parts.scheme in ("postgresql", "postgres"):
        query = parse_qs(parts.query)
        schema = query.pop("schema", [service])[0]
        dsn = urlunsplit(parts._replace(query="&".join(
            f"{k}={v[0]}" for k, v in query.items())))
        return PostgresSource(dsn, schema, events_table)
    if parts.scheme == "sqlite":
        path = unquote(parts.path[1:] if parts.path.startswith("/") else parts.path)
        return SQLiteSource(path, events_table)
    msg = f"cannot verify {event_store!r}: a postgresql:// or sqlite:/// event store is needed"
    raise ValueError(msg)


# -- the check ----------------------------------------------------------------------------


def _leaf(row: Row, notification_id: int | None = None) -> bytes:
    """The leaf hash of a row; b"" (no leaf) for an originator id of other than 16 bytes."""
    if len(row[1]) != ORIGINATOR_ID_SIZE:
        return b""
    nid = row[0] if notification_id is None else notification_id
    return _sha256(b"\x00" + _HEAD.pack(LEAF_FORMAT, nid, row[1], row[2], len(row[3])) + row[3]
                   + _LEN.pack(len(row[4])) + row[4]).digest()


class HashList:
    """32-byte hashes packed in one bytearray, as a sequence of bytes."""

    __slots__ = ("buffer",)

    def __init__(self) -> None:
        self.buffer = bytearray()

    def __len__(self) -> int:
        return len(self.buffer) // 32

    def __getitem__(self, index: int) -> bytes:
        return bytes(self.buffer[32 * index: 32 * index + 32])


class MemoTree:
    """Subtree hashes over packed leaf hashes, perfect subtrees of 64+ leaves remembered:
    the roots of many sizes in about one pass over the leaves."""

    def __init__(self, leaves: HashList) -> None:
        self.leaves = leaves
        self._memo: dict[tuple[int, int], bytes] = {}

    def subtree(self, start: int, end: int) -> bytes:
        n = end - start
        if n == 1:
            return self.leaves[start]
        perfect = n & (n - 1) == 0
        if perfect and n >= 64:
            cached = self._memo.get((start, n))
            if cached is not None:
                return cached
        if perfect and n <= 64:
            buffer = self.leaves.buffer
            nodes = [bytes(buffer[32 * i: 32 * i + 32]) for i in range(start, end)]
            while len(nodes) > 1:
                nodes = [_sha256(b"\x01" + nodes[i] + nodes[i + 1]).digest()
                         for i in range(0, len(nodes), 2)]
            value = nodes[0]
        else:
            k = 1 << ((n - 1).bit_length() - 1)
            value = merkle.node_hash(self.subtree(start, start + k), self.subtree(start + k, end))
        if perfect and n >= 64:
            self._memo[(start, n)] = value
        return value

    def root(self, size: int) -> bytes:
        return merkle.EMPTY_ROOT if size == 0 else self.subtree(0, size)


def verify_log(source: LogSource, service: str,
               public_key: Ed25519PublicKey | Sequence[Ed25519PublicKey], *,
               extra_checkpoints: Iterable[str] = (), min_tree_size: int = 0,
               progress: Callable[[int], None] | None = None) -> VerifyReport:
    """Check the whole log of ``source`` (see the module's docstring).

    ``min_tree_size``: the tree size of the latest checkpoint the auditor saw
    before; a log whose largest valid checkpoint is smaller fails.

    ``public_key`` may be several keys: the signers' keys over time, old and
    new, so a log whose checkpoints span a key rotation verifies as a whole.
    """
    keys = list(public_key) if isinstance(public_key, Sequence) else [public_key]
    started = time.perf_counter()
    origin = origin_of(service)
    report = VerifyReport(service=service, origin=origin)

    # 1. The checkpoints' signatures.
    checkpoints: dict[int, Checkpoint] = {}
    held = [(note, "database") for note in source.checkpoint_notes()]
    held += [(note, "kept") for note in extra_checkpoints]
    for note, where in held:
        try:
            cp = parse_checkpoint(note)
        except ValueError as error:
            report.fail(Finding("checkpoint_malformed", f"{where}: {error}"))
            continue
        if cp.origin != origin:
            report.fail(Finding("checkpoint_origin", f"{where}: origin {cp.origin!r}, "
                                f"expected {origin!r}", tree_size=cp.tree_size))
            continue
        if not any(cp.verify(key) for key in keys):
            report.fail(Finding("checkpoint_signature", f"{where}: the checkpoint of tree size "
                                f"{cp.tree_size} is not signed by any given key",
                                tree_size=cp.tree_size))
            continue
        other = checkpoints.setdefault(cp.tree_size, cp)
        if other.root_hash != cp.root_hash:
            report.fail(Finding("checkpoint_fork", f"two validly signed checkpoints of size "
                                f"{cp.tree_size} with different roots", tree_size=cp.tree_size))
    sizes = sorted(checkpoints)
    wanted = set(sizes)
    last_ids: dict[int, int] = {}

    # 2. Events against leaves, in order, a batch at a time; the database is
    # read by another thread meanwhile (psycopg and sqlite3 wait without the GIL).
    hashes = HashList()
    buffer = hashes.buffer
    position = 0
    mismatch: Finding | None = None
    head, lenp, sha = _PREFIXED_HEAD.pack, _LEN.pack, _sha256  # 0x00 || the leaf's head
    fmt = LEAF_FORMAT
    with _Prefetched(source) as batches:
        leaves = _LeafBytes(batches)
        slow = False  # the leaf table is read row by row once something differs
        for rows in batches.events():
            k = len(rows)
            # struct's "16s" would pad or cut an id of another length: such a row has
            # no leaf (b""), so it matches none and is reported as changed.
            computed = [sha(head(0, fmt, nid, oid, version, len(topic)) + topic
                            + lenp(len(state)) + state).digest() if len(oid) == 16 else b""
                        for nid, oid, version, topic, state in rows]
            if not slow:
                joined = b"".join(computed)
                # A leaf hash commits to its notification id: equal hashes, equal ids.
                if leaves.take(position, k) == joined:
                    buffer += joined
                    _note_last_ids(sizes, last_ids, position, rows)
                    position += k
                    if progress is not None:
                        progress(k)
                    continue
                slow = True
            stored = source.leaf_rows(position, k + 1)
            stop = True
            for j in range(k):
                if j >= len(stored):  # past the last leaf: not yet in the tree
                    report.unaudited = k - j + sum(len(more) for more in batches.events())
                    break
                index, leaf_nid, leaf = stored[j]
                if index != position or leaf_nid != rows[j][0] or leaf != computed[j]:
                    following = rows[j + 1] if j + 1 < k else next(batches.events(), [None])[0]
                    next_leaf = stored[j + 1] if j + 1 < len(stored) else None
                    mismatch = _classify(rows[j], stored[j], position, following, next_leaf)
                    break
                buffer += leaf
                position += 1
                if position in wanted:
                    last_ids[position] = leaf_nid
            else:
                stop = False
            if stop:
                break
        else:
            left = source.leaf_rows(position, 1)
            if left:
                index, leaf_nid, _ = left[0]
                mismatch = Finding("deleted", f"event {leaf_nid} (leaf {index}) is in the tree "
                                   "but no longer in the log", notification_id=leaf_nid,
                                   leaf_index=index)
    report.leaves = position
    report.events = position + report.unaudited + (1 if mismatch is not None else 0)
    if mismatch is not None:
        report.fail(mismatch)

    # 3. and 4. The checkpoints against the recomputed tree. Each root is compared with
    # the same recomputed tree, so checkpoints that match are consistent with one another.
    tree = MemoTree(hashes)
    previous: Checkpoint | None = None
    for size in sizes:
        cp = checkpoints[size]
        if size > position:
            if mismatch is None and report.ok:
                report.fail(Finding("truncated", f"the checkpoint of tree size {size} covers "
                                    f"events up to {cp.last_notification_id}, the log holds "
                                    f"{position} audited events", tree_size=size,
                                    notification_id=cp.last_notification_id))
            break
        report.checkpoints += 1
        if tree.root(size) != cp.root_hash or last_ids.get(size) != cp.last_notification_id:
            after = previous.last_notification_id if previous else 0
            report.fail(Finding(
                "root_mismatch", f"the events do not hash to the signed root of tree size "
                f"{size}: an event between notification ids {after + 1} and "
                f"{cp.last_notification_id} differs from what was signed (its stored leaf "
                "was changed with it)", notification_id=after + 1, tree_size=size))
            break
        previous = cp
    if previous is not None:
        report.latest_tree_size = previous.tree_size
        report.latest_root_hash = previous.root_hash.hex()
    report.uncheckpointed = max(0, report.events - report.latest_tree_size)
    if report.events and not report.leaves and report.ok:
        report.warnings.append("no leaf of this log is stored: its checkpointer never ran "
                               "(is LIENTHONG_AUDIT_SIGNING_KEY set?)")
    if report.events and not checkpoints:
        report.fail(Finding("no_checkpoint", "the log holds events but no valid signed "
                            "checkpoint: nothing is proved (the leaf table can be rewritten "
                            "with the events); keep the published checkpoints and pass them "
                            "with --checkpoints"))
    largest = max(sizes, default=0)
    if largest < min_tree_size:
        report.fail(Finding("checkpoint_missing", f"the largest valid checkpoint covers "
                            f"{largest} events, fewer than the {min_tree_size} required "
                            "(--min-tree-size): later checkpoints were removed, or the log was "
                            "cut short", tree_size=largest))
    report.elapsed_s = time.perf_counter() - started
    return report


def _classify(row: Row, leaf: tuple[int, int, bytes], position: int, following: Row | None,
              next_leaf: tuple[int, int, bytes] | None) -> Finding:
    """Name the first difference between the log and the tree at ``position``."""
    index, leaf_nid, leaf_hash = leaf
    nid = row[0]
    if index != position:
        return Finding("leaf_table", f"the leaf table has leaf {index} where leaf {position} "
                       "belongs", notification_id=leaf_nid, leaf_index=position)
    if leaf_nid < nid:
        return Finding("deleted", f"event {leaf_nid} (leaf {position}) is missing from the log",
                       notification_id=leaf_nid, leaf_index=position)
    if leaf_nid > nid:
        return Finding("inserted", f"event {nid} is in the log but not in the tree (the tree "
                       f"has event {leaf_nid} at leaf {position})", notification_id=nid,
                       leaf_index=position)
    moved_up = following is not None and _leaf(following, nid) == leaf_hash
    moved_down = next_leaf is not None and _leaf(row, next_leaf[1]) == next_leaf[2]
    if moved_up and moved_down:
        assert following is not None
        return Finding("reordered", f"events {nid} and {following[0]} swapped places",
                       notification_id=nid, leaf_index=position)
    if moved_up:
        return Finding("inserted", f"event {nid} is not the event the tree holds at leaf "
                       f"{position}; the log's later events moved one place on",
                       notification_id=nid, leaf_index=position)
    if moved_down:
        return Finding("deleted", f"the event the tree holds at leaf {position} (id {nid}) is "
                       "gone; the log's later events moved one place back",
                       notification_id=nid, leaf_index=position)
    return Finding("changed", f"event {nid}'s stored bytes differ from the ones in the tree "
                   f"(leaf {position})", notification_id=nid, leaf_index=position)


def _note_last_ids(sizes: list[int], last_ids: dict[int, int], position: int,
                   rows: Sequence[Row]) -> None:
    """The notification id at each checkpoint size that falls in this batch."""
    end = position + len(rows)
    for i in range(bisect.bisect_right(sizes, position), len(sizes)):
        size = sizes[i]
        if size > end:
            return
        last_ids[size] = rows[size - position - 1][0]


class _Prefetched:
    """The event batches and leaf chunks, read ahead by a thread of their own."""

    _END = object()

    def __init__(self, source: LogSource) -> None:
        self.source = source
        self._events: queue.Queue[Any] = queue.Queue(maxsize=2)
        self._leaves: queue.Queue[Any] = queue.Queue(maxsize=4)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._read, name="audit-verify-read",
                                        daemon=True)
        self._events_done = False
        self._leaves_done = False

    def __enter__(self) -> _Prefetched:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        while self._thread.is_alive():  # unblock a reader waiting for room
            for waiting in (self._events, self._leaves):
                with contextlib.suppress(queue.Empty):
                    waiting.get_nowait()
            self._thread.join(timeout=0.05)

    def _put(self, where: queue.Queue[Any], item: Any) -> bool:
        while not self._stop.is_set():
            try:
                where.put(item, timeout=0.1)
            except queue.Full:
                continue
            return True
        return False

    def _read(self) -> None:
        try:
            leaves = self.source.leaf_chunks()
            leaves_done = False
            for rows in self.source.event_batches():
                if not leaves_done:  # about as many leaves as events, read in step
                    chunk = next(leaves, None)
                    leaves_done = chunk is None
                    if not self._put(self._leaves, self._END if chunk is None else chunk):
                        return
                if not self._put(self._events, rows):
                    return
            if not self._put(self._events, self._END):
                return
            if not leaves_done:
                for chunk in leaves:
                    if not self._put(self._leaves, chunk):
                        return
                self._put(self._leaves, self._END)
        except BaseException as error:  # handed to the reading side
            self._put(self._events, error)
            self._put(self._leaves, error)

    def events(self) -> Iterator[Sequence[Row]]:
        while not self._events_done:
            item = self._events.get()
            if item is self._END:
                self._events_done = True
                return
            if isinstance(item, BaseException):
                self._events_done = True
                raise item
            yield item

    def leaf_chunk(self) -> tuple[int, int, int, bytes] | None:
        if self._leaves_done:
            return None
        item = self._leaves.get()
        if item is self._END:
            self._leaves_done = True
            return None
        if isinstance(item, BaseException):
            self._leaves_done = True
            raise item
        return item


class _LeafBytes:
    """The leaf hashes as one byte string, taken a range at a time while they are regular
    (every index present, in order); None once they are not."""

    def __init__(self, batches: _Prefetched) -> None:
        self.batches = batches
        self.pending = bytearray()
        self.first = 0  # the leaf index of pending[0:32]
        self.regular = True

    def take(self, start: int, k: int) -> bytes | None:
        if not self.regular or start != self.first:
            return None
        while len(self.pending) < 32 * k:
            chunk = self.batches.leaf_chunk()
            if chunk is None:
                break
            low, high, count, blob = chunk
            if (low != self.first + len(self.pending) // 32 or high - low + 1 != count
                    or len(blob) != 32 * count):
                self.regular = False
                return None
            self.pending += blob
        taken = bytes(self.pending[:32 * k])
        del self.pending[:32 * k]
        self.first += len(taken) // 32
        return taken


def read_notes(text: str) -> list[str]:
    """Signed checkpoint notes from a file of notes (blank-line separated, as stored)."""
    notes, current = [], []
    for line in text.splitlines(keepends=True):
        current.append(line)
        if line.startswith("\u2014 "):
            notes.append("".join(current))
            current = []
    return [n.lstrip("\n") for n in notes]
