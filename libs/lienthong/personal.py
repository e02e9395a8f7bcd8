"""Personal data sealed per data subject (envelope encryption), erased by destroying its key.

Each data subject (a person, named by an identifier such as the 12-digit personal
identification number) has a **data key** of its own (AES-256-GCM), made on first use.
Data keys live in a key table of the service's own database, **wrapped** by a master key
(AES-256-GCM) that never enters the database: a file, e.g. a Kubernetes Secret mounted
read-only. What an event stores is a :class:`Sealed` value::

    {"subject": <reference>, "key_id": ..., "nonce": <base64>, "ciphertext": <base64>,
     "algorithm": "AES-256-GCM"}

The **subject reference** is HMAC-SHA256 of the identifier under a key derived from the
master key, so neither the key table nor the events hold the identifier; without the
master key a reference cannot be tied to a person. The GCM associated data binds each
ciphertext to its subject reference and key id, and each wrapped key to the same.

Erasure (:meth:`SubjectKeys.erase`) deletes the subject's key row: from then on every
value sealed for it opens as :data:`ERASED`, while the stored events, and so the audit
tree over their bytes, stay exactly as they were. A person who comes back later gets a
new key (another key id); what was sealed under the destroyed one stays erased.

Where the key table lives, as for the audit ledger: ``<name>_personal_keys`` beside the
event table ``<name>_events``, in the same SQLite file or PostgreSQL schema; in the
process for a ``memory:`` store. Which master key (:func:`master_key_for`): the file
``LIENTHONG_PII_MASTER_KEY_FILE`` names; without one, a key generated in memory for a
``memory:`` store, a key file generated once beside a SQLite file (development), and an
error for PostgreSQL.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import datetime as dt
import hashlib
import hmac
import json
import os
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import unquote, urlsplit

import structlog
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from lienthong.errors import DataLoss
from lienthong.sidetables import (
    SQLITE_VALUES_PER_QUERY,
    backend,
    in_process,
    postgres_create,
    postgres_read,
    postgres_statement,
    postgres_table,
    table_name,
)

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

log = structlog.get_logger("lienthong.personal")

ALGORITHM = "AES-256-GCM"
KEY_SIZE = 32
NONCE_SIZE = 12
#: The longest subject identifier accepted (a personal identification number is 12).
MAX_SUBJECT_ID_LENGTH = 64
#: The largest sealed value, as UTF-8 JSON.
MAX_PLAINTEXT_BYTES = 16 * 1024
#: The key-table row that proves the master key is the one the table was made with.
CHECK_SUBJECT = "master-key-check"
SETTING = "LIENTHONG_PII_MASTER_KEY_FILE"

_DATA_AAD = b"lienthong/pii/data/v1"
_WRAP_AAD = b"lienthong/pii/key/v1"


class _Erased:
    """What a value sealed for an erased subject opens as."""

    _instance: _Erased | None = None

    def __new__(cls) -> _Erased:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "ERASED"

    def __bool__(self) -> bool:
        return False


ERASED: Final = _Erased()


class MasterKeyError(ValueError):
    """No usable master key: missing, malformed, or not the one the key table was made with."""


class SealedDataError(DataLoss):
    """A stored sealed value is malformed, or does not open under its own key: it was changed
    after it was sealed (the audit tree tells where)."""

    reason = "SEALED_DATA_DAMAGED"


@dataclass(frozen=True)
class Sealed:
    """One sealed value, as an event stores and the bus carries it."""

    subject: str
    key_id: str
    nonce: bytes
    ciphertext: bytes
    algorithm: str = ALGORITHM

    def as_dict(self) -> dict[str, str]:
        return {"subject": self.subject, "key_id": self.key_id,
                "nonce": base64.b64encode(self.nonce).decode(),
                "ciphertext": base64.b64encode(self.ciphertext).decode(),
                "algorithm": self.algorithm}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> Sealed | None:
        """The sealed value a stored dict holds; None for anything else (e.g. clear fields)."""
        if not data or "ciphertext" not in data or "subject" not in data:
            return None
        try:
            return cls(subject=str(data["subject"]), key_id=str(data["key_id"]),
                       nonce=base64.b64decode(data["nonce"], validate=True),
                       ciphertext=base64.b64decode(data["ciphertext"], validate=True),
                       algorithm=str(data.get("algorithm", ALGORITHM)))
        except (KeyError, TypeError, binascii.Error) as error:
            msg = f"a sealed value of subject {data.get('subject')!r} is malformed: {error}"
            raise SealedDataError(msg) from None


# -- the master key ------------------------------------------------------------------------

def parse_master_key(content: bytes, source: str = "the master key") -> bytes:
    """32 bytes: the content as is when it is 32 bytes long, else base64 text of 32 bytes."""
    if len(content) == KEY_SIZE:
        return content
    try:
        key = base64.b64decode(content.strip(), validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != KEY_SIZE:
        msg = (f"{source} must hold {KEY_SIZE} random bytes, raw or base64 "
               f"(e.g. `openssl rand -base64 32`); it holds {len(content)} bytes that are "
               "neither")
        raise MasterKeyError(msg)
    return key


def read_master_key(path: str | Path) -> bytes:
    """The master key in a file (raw or base64); a clear error if it is missing or malformed."""
    try:
        content = Path(path).read_bytes()
    except OSError as error:
        msg = f"{SETTING}: cannot read {path}: {error.strerror or error}"
        raise MasterKeyError(msg) from None
    return parse_master_key(content, f"{SETTING} ({path})")


def write_master_key_file(path: str | Path) -> Path:
    """A new master key (32 random bytes, base64) in ``path``, mode 0600, unless one is there.

    Created under another name and linked into place, so two processes starting at once
    both end up with the same complete file.
    """
    target = Path(path)
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = target.with_name(f".{target.name}.{secrets.token_hex(4)}")
    descriptor = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as out:
            out.write(base64.b64encode(secrets.token_bytes(KEY_SIZE)) + b"\n")
        with contextlib.suppress(FileExistsError):
            os.link(scratch, target)
    finally:
        scratch.unlink(missing_ok=True)
    return target


def development_key_path(event_store: str) -> Path | None:
    """Where a SQLite event store's generated master key lives: ``<stem>-pii-master.key``
    beside the file; None for any other store."""
    parts = urlsplit(event_store)
    if parts.scheme != "sqlite":
        return None
    path = unquote(parts.path[1:] if parts.path.startswith("/") else parts.path)
    if not path or path == ":memory:":
        return None
    database = Path(path)
    return database.with_name(f"{database.stem}-pii-master.key")


def master_key_for(event_store: str, key_file: str | Path = "") -> bytes:
    """The master key of a service's personal data, by the rule of this module.

    ``key_file`` given: that file's key. Else, by the event store: ``memory:`` (or an
    in-memory SQLite database) gets a random key for the life of the process, as its data
    has; a SQLite file gets a key file generated once beside it (development only: who
    copies the folder copies the key); PostgreSQL refuses to start without one.
    """
    if key_file:
        return read_master_key(key_file)
    scheme = urlsplit(event_store).scheme
    if scheme in ("postgresql", "postgres"):
        msg = (f"{SETTING} is required with a PostgreSQL event store: a file holding "
               f"{KEY_SIZE} random bytes (raw or base64), e.g. a Secret mounted read-only")
        raise MasterKeyError(msg)
    generated = development_key_path(event_store)
    if generated is None:
        return secrets.token_bytes(KEY_SIZE)
    if not generated.exists():
        write_master_key_file(generated)
        log.warning("pii_master_key_generated", path=str(generated),
                    hint=f"development only; set {SETTING} to a key kept outside the data")
    return read_master_key(generated)


# -- the subjects' keys ------------------------------------------------------------------

def _derive(master_key: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=KEY_SIZE, salt=None,
                info=b"lienthong/pii/" + purpose).derive(master_key)


def _aad(label: bytes, subject: str, key_id: str) -> bytes:
    return b"\x00".join((label, subject.encode(), key_id.encode()))


def check_subject_id(subject_id: str) -> str:
    if not subject_id or len(subject_id) > MAX_SUBJECT_ID_LENGTH or not subject_id.isprintable():
        msg = f"a subject identifier is 1 to {MAX_SUBJECT_ID_LENGTH} printable characters"
        raise ValueError(msg)
    return subject_id


class SubjectKeys:
    """The data keys of one service's data subjects, in its own database."""

    def __init__(self, app: Any, master_key: bytes) -> None:
        if len(master_key) != KEY_SIZE:
            msg = f"a master key is {KEY_SIZE} bytes, not {len(master_key)}"
            raise MasterKeyError(msg)
        self._reference_key = _derive(master_key, b"subject-reference")
        self._fingerprint_key = _derive(master_key, b"fingerprint")
        self._wrapping = AESGCM(_derive(master_key, b"key-wrapping"))
        self.store = key_store(app)
        self.store.create()
        self._check_master_key()

    # -- references --------------------------------------------------------------------

    def reference(self, subject_id: str) -> str:
        """The subject's reference (64 hex digits): the same for the same identifier."""
        check_subject_id(subject_id)
        return hmac.new(self._reference_key, subject_id.encode(), hashlib.sha256).hexdigest()

    def fingerprint(self, value: Any) -> str:
        """A keyed digest of a JSON value holding personal data (e.g. a request's fields, to
        tell a retry from another request): equal for equal values, and no help in guessing
        them without the master key."""
        canonical = json.dumps(value, sort_keys=True, default=str, ensure_ascii=False)
        return hmac.new(self._fingerprint_key, canonical.encode(), hashlib.sha256).hexdigest()

    # -- seal, open, erase --------------------------------------------------------------

    def seal(self, subject_id: str, fields: Mapping[str, Any]) -> Sealed:
        """``fields`` (JSON values) sealed under the subject's key, made on first use."""
        plaintext = json.dumps(dict(fields), sort_keys=True, ensure_ascii=False).encode()
        if len(plaintext) > MAX_PLAINTEXT_BYTES:
            msg = f"sealed fields hold at most {MAX_PLAINTEXT_BYTES} bytes, not {len(plaintext)}"
            raise ValueError(msg)
        subject = self.reference(subject_id)
        key_id, key = self._key_for_sealing(subject)
        nonce = secrets.token_bytes(NONCE_SIZE)
        ciphertext = AESGCM(key).encrypt(nonce, plaintext, _aad(_DATA_AAD, subject, key_id))
        return Sealed(subject, key_id, nonce, ciphertext)

    def open(self, sealed: Sealed) -> dict[str, Any] | _Erased:
        """The fields, or :data:`ERASED` when the key they were sealed under is destroyed."""
        return self._open(sealed, self._key(sealed.subject))

    def open_many(self, values: Sequence[Sealed]) -> list[dict[str, Any] | _Erased]:
        """:meth:`open` of each value, their subjects' keys read in one query."""
        if not values:
            return []
        rows = self.store.get_many(sorted({value.subject for value in values}))
        keys = {subject: self._unwrap(subject, *row) for subject, row in rows.items()}
        return [self._open(value, keys.get(value.subject)) for value in values]

    def _open(self, sealed: Sealed, found: tuple[str, bytes] | None) -> dict[str, Any] | _Erased:
        if sealed.algorithm != ALGORITHM:
            msg = f"a value sealed with {sealed.algorithm!r}: only {ALGORITHM} is known"
            raise SealedDataError(msg)
        if found is None or found[0] != sealed.key_id:
            return ERASED
        try:
            plaintext = AESGCM(found[1]).decrypt(
                sealed.nonce, sealed.ciphertext, _aad(_DATA_AAD, sealed.subject, sealed.key_id))
        except (InvalidTag, ValueError):
            msg = (f"a value sealed for subject {sealed.subject} under key {sealed.key_id} "
                   "does not open: it was changed after it was sealed")
            raise SealedDataError(msg) from None
        opened: dict[str, Any] = json.loads(plaintext)
        return opened

    def erase(self, subject_id: str) -> bool:
        """Destroy the subject's key (a DELETE of its row); True if there was one."""
        return self.store.delete(self.reference(subject_id))

    # -- keys ---------------------------------------------------------------------------

    def _key_for_sealing(self, subject: str) -> tuple[str, bytes]:
        """The subject's key: the one stored, or a new one stored now (one statement for
        both: the new key is offered, and the row kept for the subject answered)."""
        key_id, key = secrets.token_hex(8), secrets.token_bytes(KEY_SIZE)
        nonce = secrets.token_bytes(NONCE_SIZE)
        wrapped = nonce + self._wrapping.encrypt(nonce, key, _aad(_WRAP_AAD, subject, key_id))
        # Another process may have made the subject's key first: the stored one holds.
        stored = self.store.add(subject, key_id, wrapped) or self.store.get(subject)
        if stored is None:  # erased the moment after it was made: made again
            return self._key_for_sealing(subject)
        if stored == (key_id, wrapped):
            return key_id, key
        return self._unwrap(subject, *stored)

    def _key(self, subject: str) -> tuple[str, bytes] | None:
        row = self.store.get(subject)
        return None if row is None else self._unwrap(subject, *row)

    def _unwrap(self, subject: str, key_id: str, wrapped: bytes) -> tuple[str, bytes]:
        try:
            key = self._wrapping.decrypt(wrapped[:NONCE_SIZE], wrapped[NONCE_SIZE:],
                                         _aad(_WRAP_AAD, subject, key_id))
        except InvalidTag:
            msg = (f"the master key ({SETTING}) does not open the data keys of this key "
                   "table: it is not the key the table was made with")
            raise MasterKeyError(msg) from None
        return key_id, key

    def _check_master_key(self) -> None:
        self._key_for_sealing(CHECK_SUBJECT)  # unwraps the stored check row, if any


# -- where keys are kept --------------------------------------------------------------------

class KeyStore:
    """The key table: (subject reference, key id, wrapped key), one row per subject."""

    def create(self) -> None: ...
    def get(self, subject: str) -> tuple[str, bytes] | None: ...
    def add(self, subject: str, key_id: str, wrapped: bytes) -> tuple[str, bytes] | None:
        """Store the row unless the subject has one; the subject's row now kept (None
        when it cannot tell: a row committed by another process meanwhile)."""
    def delete(self, subject: str) -> bool: ...

    def get_many(self, subjects: Sequence[str]) -> dict[str, tuple[str, bytes]]:
        """The rows of these subjects that exist (one query where the store has them)."""
        return {s: row for s in subjects if (row := self.get(s)) is not None}


KEYS = "personal_keys"


def key_table_name(events_table: str) -> str:
    """``<name>_personal_keys`` for an event table ``<name>_events``."""
    return table_name(events_table, KEYS)


def key_store(app: Any) -> KeyStore:
    """The key table of ``app``'s database (one per application for ``memory:``)."""
    where = backend(app)
    if where == "postgres":
        return PostgresKeyStore(app.recorder)
    if where == "sqlite":
        return SQLiteKeyStore(app.recorder)
    return in_process(app, "_lienthong_personal_keys", MemoryKeyStore)


class MemoryKeyStore(KeyStore):
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.rows: dict[str, tuple[str, bytes]] = {}

    def get(self, subject: str) -> tuple[str, bytes] | None:
        with self._lock:
            return self.rows.get(subject)

    def add(self, subject: str, key_id: str, wrapped: bytes) -> tuple[str, bytes] | None:
        with self._lock:
            return self.rows.setdefault(subject, (key_id, wrapped))

    def delete(self, subject: str) -> bool:
        with self._lock:
            return self.rows.pop(subject, None) is not None


class SQLiteKeyStore(KeyStore):
    def __init__(self, recorder: Any) -> None:
        self.datastore = recorder.datastore
        self.table = key_table_name(recorder.events_table_name)

    def create(self) -> None:
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(f"CREATE TABLE IF NOT EXISTS {self.table} (subject TEXT PRIMARY KEY, "
                         "key_id TEXT NOT NULL, wrapped_key BLOB NOT NULL, "
                         "created_at TEXT NOT NULL)")

    def get(self, subject: str) -> tuple[str, bytes] | None:
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(f"SELECT key_id, wrapped_key FROM {self.table} WHERE subject = ?",
                         (subject,))
            row = curs.fetchone()
        return None if row is None else (row[0], bytes(row[1]))

    def get_many(self, subjects: Sequence[str]) -> dict[str, tuple[str, bytes]]:
        found: dict[str, tuple[str, bytes]] = {}
        for start in range(0, len(subjects), SQLITE_VALUES_PER_QUERY):
            chunk = list(subjects[start:start + SQLITE_VALUES_PER_QUERY])
            with self.datastore.transaction(commit=False) as curs:
                curs.execute(f"SELECT subject, key_id, wrapped_key FROM {self.table} "
                             f"WHERE subject IN ({', '.join('?' * len(chunk))})", chunk)
                found.update((row[0], (row[1], bytes(row[2]))) for row in curs.fetchall())
        return found

    def add(self, subject: str, key_id: str, wrapped: bytes) -> tuple[str, bytes] | None:
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(f"INSERT OR IGNORE INTO {self.table} "
                         "(subject, key_id, wrapped_key, created_at) VALUES (?, ?, ?, ?)",
                         (subject, key_id, wrapped, dt.datetime.now(dt.UTC).isoformat()))
            curs.execute(f"SELECT key_id, wrapped_key FROM {self.table} WHERE subject = ?",
                         (subject,))
            row = curs.fetchone()
        return None if row is None else (row[0], bytes(row[1]))

    def delete(self, subject: str) -> bool:
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(f"DELETE FROM {self.table} WHERE subject = ?", (subject,))
            curs.execute("SELECT changes()")
            return bool(curs.fetchone()[0])


class PostgresKeyStore(KeyStore):
    def __init__(self, recorder: Any) -> None:
        from psycopg import sql

        self.datastore = recorder.datastore
        self.table = postgres_table(recorder, KEYS)
        # Composed once: a submission reads or adds a key on every call.
        self._get = sql.SQL("SELECT key_id, wrapped_key FROM {} WHERE subject = %s").format(
            self.table)
        self._get_many = sql.SQL("SELECT subject, key_id, wrapped_key FROM {} "
                                 "WHERE subject = ANY(%s)").format(self.table)
        # The row inserted, or the one there before the statement began; neither when
        # another transaction inserted one meanwhile (not in this statement's snapshot).
        self._add = sql.SQL(
            "WITH added AS (INSERT INTO {0} (subject, key_id, wrapped_key) "
            "VALUES (%s, %s, %s) ON CONFLICT (subject) DO NOTHING "
            "RETURNING key_id, wrapped_key) "
            "SELECT key_id, wrapped_key FROM added UNION ALL "
            "SELECT key_id, wrapped_key FROM {0} WHERE subject = %s").format(self.table)

    def create(self) -> None:
        from psycopg import sql

        postgres_create(self.datastore, [sql.SQL(
            "CREATE TABLE IF NOT EXISTS {} (subject text PRIMARY KEY, key_id text NOT NULL, "
            "wrapped_key bytea NOT NULL, created_at timestamptz NOT NULL DEFAULT now())"
        ).format(self.table)])

    def get(self, subject: str) -> tuple[str, bytes] | None:
        rows = postgres_read(self.datastore, self._get, (subject,))
        return (rows[0][0], bytes(rows[0][1])) if rows else None

    def get_many(self, subjects: Sequence[str]) -> dict[str, tuple[str, bytes]]:
        rows = postgres_read(self.datastore, self._get_many, (list(subjects),))
        return {row[0]: (row[1], bytes(row[2])) for row in rows}

    def add(self, subject: str, key_id: str, wrapped: bytes) -> tuple[str, bytes] | None:
        # One statement, its own transaction.
        rows = postgres_statement(self.datastore, self._add, (subject, key_id, wrapped, subject))
        return (rows[0][0], bytes(rows[0][1])) if rows else None

    def delete(self, subject: str) -> bool:
        from psycopg import sql

        with self.datastore.transaction(commit=True) as curs:
            curs.execute(sql.SQL("DELETE FROM {} WHERE subject = %s").format(self.table),
                         (subject,))
            return bool(curs.rowcount)
