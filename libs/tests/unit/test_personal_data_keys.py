"""Personal data sealed per data subject, and erased by destroying the subject's key
(lienthong.personal), on an in-memory application and on a SQLite file read raw."""

from __future__ import annotations

import base64
import os
import secrets
import sqlite3
import stat
from dataclasses import replace
from typing import TYPE_CHECKING

import pytest

from lienthong.eventstore import ServiceApplication
from lienthong.personal import (
    ERASED,
    MasterKeyError,
    Sealed,
    SealedDataError,
    SubjectKeys,
    development_key_path,
    master_key_for,
    read_master_key,
    write_master_key_file,
)

if TYPE_CHECKING:
    from pathlib import Path

PIN, OTHER_PIN = "001090012345", "079185000001"
FIELDS = {"full_name": "Nguyễn Văn An", "personal_identification_number": PIN,
          "phone": "0912345678", "address": "12 Phố Điện Biên Phủ, Hà Nội"}


@pytest.fixture
def keys() -> SubjectKeys:
    return SubjectKeys(ServiceApplication("memory:"), secrets.token_bytes(32))


def test_the_in_memory_key_table_holds_references_and_wrapped_keys_only() -> None:
    app = ServiceApplication("memory:")
    keys = SubjectKeys(app, secrets.token_bytes(32))
    keys.seal(PIN, FIELDS)
    rows = app._lienthong_personal_keys.rows  # the table, read raw
    assert set(rows) == {"master-key-check", keys.reference(PIN)}
    assert all(PIN.encode() not in f"{subject}{key_id}".encode() + wrapped
               for subject, (key_id, wrapped) in rows.items())


def test_sealed_fields_open_as_they_were_and_hold_nothing_in_clear(keys: SubjectKeys) -> None:
    sealed = keys.seal(PIN, FIELDS)
    stored = sealed.as_dict()
    assert set(stored) == {"subject", "key_id", "nonce", "ciphertext", "algorithm"}
    assert stored["subject"] == keys.reference(PIN) and len(stored["subject"]) == 64
    assert PIN not in str(stored) and "Nguyễn" not in str(stored)
    assert keys.open(Sealed.from_dict(stored)) == FIELDS  # type: ignore[arg-type]
    # One key per subject: the same subject's next value shares it, another's does not.
    assert keys.seal(PIN, {"phone": "1"}).key_id == sealed.key_id
    assert keys.seal(OTHER_PIN, FIELDS).key_id != sealed.key_id


def test_an_erased_subject_reads_as_erased_and_erasing_again_is_harmless(
        keys: SubjectKeys) -> None:
    first, second = keys.seal(PIN, FIELDS), keys.seal(PIN, {"full_name": "An"})
    someone_else = keys.seal(OTHER_PIN, {"full_name": "Bình"})

    assert keys.erase(PIN) is True
    assert keys.open(first) is ERASED and keys.open(second) is ERASED
    assert keys.open(someone_else) == {"full_name": "Bình"}
    assert keys.erase(PIN) is False  # nothing left to destroy
    assert keys.open(first) is ERASED

    # Seen again later, the subject gets a new key; what the old one sealed stays erased.
    again = keys.seal(PIN, FIELDS)
    assert again.key_id != first.key_id and again.subject == first.subject
    assert keys.open(again) == FIELDS and keys.open(first) is ERASED


def test_a_sealed_value_opens_only_as_its_own_subject_under_its_own_key(
        keys: SubjectKeys) -> None:
    mine, theirs = keys.seal(PIN, FIELDS), keys.seal(OTHER_PIN, FIELDS)
    with pytest.raises(SealedDataError):  # moved to another subject (and its key)
        keys.open(replace(mine, subject=theirs.subject, key_id=theirs.key_id))
    flipped = bytes([mine.ciphertext[0] ^ 1]) + mine.ciphertext[1:]
    with pytest.raises(SealedDataError):
        keys.open(replace(mine, ciphertext=flipped))
    with pytest.raises(SealedDataError):
        keys.open(replace(mine, algorithm="XOR"))
    assert Sealed.from_dict(dict(FIELDS)) is None  # clear fields are not a sealed value


def test_another_master_key_is_refused_not_mistaken_for_an_erasure(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'd.db'}"
    right, wrong = secrets.token_bytes(32), secrets.token_bytes(32)
    first, restarted = ServiceApplication(store), ServiceApplication(store)
    sealed = SubjectKeys(first, right).seal(PIN, FIELDS)

    with pytest.raises(MasterKeyError, match="not the key the table was made with"):
        SubjectKeys(restarted, wrong)
    assert SubjectKeys(restarted, right).open(sealed) == FIELDS


def test_the_key_table_never_holds_the_number_nor_a_key_in_clear(tmp_path: Path) -> None:
    store = tmp_path / "d.db"
    app = ServiceApplication(f"sqlite:///{store}")
    keys = SubjectKeys(app, secrets.token_bytes(32))
    sealed = keys.seal(PIN, FIELDS)
    keys.seal(OTHER_PIN, FIELDS)

    with sqlite3.connect(store) as db:
        rows = db.execute("SELECT subject, key_id, wrapped_key, created_at "
                          "FROM stored_personal_keys").fetchall()
    assert len(rows) == 3  # two subjects and the master key's check
    for subject, key_id, wrapped, created_at in rows:
        row = f"{subject}{key_id}{created_at}".encode() + bytes(wrapped)
        assert PIN.encode() not in row and OTHER_PIN.encode() not in row
        assert len(bytes(wrapped)) == 12 + 32 + 16  # nonce, the key wrapped, its tag
    assert {r[0] for r in rows} >= {keys.reference(PIN), keys.reference(OTHER_PIN)}
    assert PIN.encode() not in store.read_bytes()  # nor anywhere in the file

    keys.erase(PIN)  # a real DELETE: the row is gone from the file
    with sqlite3.connect(store) as db:
        subjects = [r[0] for r in db.execute("SELECT subject FROM stored_personal_keys")]
    assert keys.reference(PIN) not in subjects and keys.open(sealed) is ERASED


def test_references_and_fingerprints_are_keyed_by_the_master_key(keys: SubjectKeys) -> None:
    other = SubjectKeys(ServiceApplication("memory:"), secrets.token_bytes(32))
    assert keys.reference(PIN) == keys.reference(PIN) != other.reference(PIN)
    assert keys.fingerprint(FIELDS) == keys.fingerprint(dict(FIELDS))
    assert keys.fingerprint(FIELDS) != other.fingerprint(FIELDS)


@pytest.mark.parametrize("subject", ["", "x" * 65, "0010900\n12345"])
def test_a_subject_identifier_out_of_bounds_is_refused(keys: SubjectKeys, subject: str) -> None:
    with pytest.raises(ValueError, match="subject identifier"):
        keys.seal(subject, FIELDS)


def test_fields_beyond_the_bound_are_refused(keys: SubjectKeys) -> None:
    with pytest.raises(ValueError, match="at most 16384 bytes"):
        keys.seal(PIN, {"address": "x" * 16_400})


# -- the master key ------------------------------------------------------------------------

def test_a_master_key_file_holds_32_bytes_raw_or_in_base64(tmp_path: Path) -> None:
    key = secrets.token_bytes(32)
    (tmp_path / "raw").write_bytes(key)
    (tmp_path / "b64").write_bytes(base64.b64encode(key) + b"\n")
    assert read_master_key(tmp_path / "raw") == read_master_key(tmp_path / "b64") == key

    (tmp_path / "short").write_bytes(base64.b64encode(key[:16]))
    with pytest.raises(MasterKeyError, match="must hold 32 random bytes, raw or base64"):
        read_master_key(tmp_path / "short")
    with pytest.raises(MasterKeyError, match="LIENTHONG_PII_MASTER_KEY_FILE: cannot read"):
        read_master_key(tmp_path / "missing")


def test_without_a_key_file_memory_gets_one_sqlite_a_file_beside_it_postgresql_none(
        tmp_path: Path) -> None:
    assert master_key_for("memory:") != master_key_for("memory:")  # for the process's life

    store = f"sqlite:///{tmp_path / 'dossiers.db'}"
    generated = development_key_path(store)
    assert generated == tmp_path / "dossiers-pii-master.key"
    key = master_key_for(store)
    assert master_key_for(store) == key == read_master_key(generated)
    assert stat.S_IMODE(os.stat(generated).st_mode) == 0o600

    with pytest.raises(MasterKeyError, match="required with a PostgreSQL event store"):
        master_key_for("postgresql://postgres@127.0.0.1/lienthong")
    given = write_master_key_file(tmp_path / "secret" / "pii.key")
    assert master_key_for("postgresql://postgres@127.0.0.1/lienthong", given) == \
        read_master_key(given)
