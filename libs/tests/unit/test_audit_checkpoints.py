"""Signed checkpoints: C2SP signed notes that a holder of the public key can check."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import uuid
from typing import TYPE_CHECKING

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from lienthong.audit import checkpoints, leaves, merkle

if TYPE_CHECKING:
    from pathlib import Path

WHEN = dt.datetime(2026, 11, 23, 14, 50, 0, 123456, tzinfo=dt.UTC)


def test_a_checkpoint_is_a_c2sp_signed_note_that_verifies() -> None:
    key = Ed25519PrivateKey.generate()
    root = merkle.root([merkle.leaf_hash(b"a"), merkle.leaf_hash(b"b")])
    cp = checkpoints.sign_checkpoint("lienthong.vn/identity", 2, root, WHEN, 7, key)

    body, signature_line = cp.note.split("\n\n")
    assert body + "\n" == ("lienthong.vn/identity\n2\n" + base64.b64encode(root).decode()
                           + "\ntime 2026-11-23T14:50:00.123456Z\nlast-notification-id 7\n")
    dash, name, blob = signature_line.rstrip("\n").split(" ")
    assert (dash, name) == ("\u2014", "lienthong.vn/identity")
    raw_public = checkpoints.public_key_bytes(key.public_key())
    expected_id = hashlib.sha256(b"lienthong.vn/identity\n\x01" + raw_public).digest()[:4]
    assert base64.b64decode(blob)[:4] == expected_id
    key.public_key().verify(base64.b64decode(blob)[4:], (body + "\n").encode())

    assert cp.verify(key.public_key())
    assert checkpoints.parse_checkpoint(cp.note) == cp


def test_a_checkpoint_signed_by_another_key_or_altered_does_not_verify() -> None:
    key, other = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    cp = checkpoints.sign_checkpoint("lienthong.vn/identity", 5, bytes(32), WHEN, 5, key)
    assert not cp.verify(other.public_key())
    forged = cp.note.replace("\n5\n", "\n6\n", 1)
    assert not checkpoints.parse_checkpoint(forged).verify(key.public_key())


def test_keys_round_trip_through_pem_and_verifier_key_files(tmp_path: Path) -> None:
    key = checkpoints.generate_key_file(tmp_path / "audit.pem")
    assert (tmp_path / "audit.pem").stat().st_mode & 0o777 == 0o600
    loaded = checkpoints.load_private_key(tmp_path / "audit.pem")
    (tmp_path / "audit.pub").write_bytes(checkpoints.public_pem(key.public_key()))
    vkey = checkpoints.verifier_key("lienthong.vn/identity", key.public_key())
    (tmp_path / "audit.vkey").write_text(vkey + "\n")
    cp = checkpoints.sign_checkpoint("lienthong.vn/identity", 1, bytes(32), WHEN, 1, loaded)
    assert cp.verify(checkpoints.load_public_key(tmp_path / "audit.pub"))
    assert cp.verify(checkpoints.load_public_key(tmp_path / "audit.vkey"))
    assert vkey.startswith("lienthong.vn/identity+") and len(vkey.split("+")[1]) == 8


def test_a_leaf_encodes_exactly_the_stored_bytes() -> None:
    oid = uuid.UUID("12345678-1234-5678-1234-567812345678")
    data = leaves.record_leaf(3, oid, 2, "m:T", b"\x01\x02")
    assert data == (b"\x01" + (3).to_bytes(8, "big") + oid.bytes + (2).to_bytes(8, "big")
                    + (3).to_bytes(4, "big") + b"m:T" + (2).to_bytes(4, "big") + b"\x01\x02")
    assert merkle.leaf_hash(data) == leaves.raw_leaf_hash(3, oid.bytes, 2, b"m:T", b"\x01\x02")
    # Moving a byte from the topic to the state changes the leaf.
    assert leaves.record_leaf(3, oid, 2, "m:", b"T\x01\x02") != data


def test_an_originator_id_of_other_than_16_bytes_has_no_leaf() -> None:
    oid = uuid.UUID("12345678-1234-5678-1234-567812345678").bytes
    for wrong in (oid + b"\x00", oid[:15], b""):
        with pytest.raises(ValueError, match="16 bytes"):
            leaves.raw_leaf(3, wrong, 2, b"m:T", b"\x01")
        with pytest.raises(ValueError, match="16 bytes"):
            leaves.raw_leaf_hash(3, wrong, 2, b"m:T", b"\x01")
