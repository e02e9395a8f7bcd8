"""Signed checkpoints of a service's audit tree (C2SP tlog-checkpoint + signed-note).

A checkpoint commits to the first ``tree_size`` events of a service's log::

    lienthong.vn/identity                      origin
    1500                                       tree size
    pN4...base64 root hash...=                 RFC 9162 root of the first 1500 leaves
    time 2026-11-23T14:50:00.123456Z           extension lines (C2SP allows them)
    last-notification-id 1503

    — lienthong.vn/identity Az3g...base64(key hash || Ed25519 signature)...

The text above the blank line is the note's body, signed with Ed25519 as the
C2SP signed-note specification says: the signature line is an em dash, the
key name and ``base64(key hash || signature)`` where the key hash is the first
4 bytes of ``SHA-256(key name || 0x0A || 0x01 || public key)``. The verifier
key, ``<name>+<hex key hash>+<base64(0x01 || public key)>``
(:func:`verifier_key`), lets third-party note tooling check it.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

if TYPE_CHECKING:
    from lienthong.signing import KeySigner

ORIGIN_PREFIX = "lienthong.vn/"
SIGNATURE_DASH = "\u2014"
ED25519_ALGORITHM = b"\x01"


def origin_of(service: str) -> str:
    """``lienthong.vn/<service>``: the checkpoint origin (and key name) of a service."""
    return ORIGIN_PREFIX + service


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _format_time(timestamp: dt.datetime) -> str:
    return timestamp.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _parse_time(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.UTC)


def public_key_bytes(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_hash(key_name: str, public_key: Ed25519PublicKey) -> bytes:
    """The signed-note key id: the first 4 bytes of SHA-256(name || LF || 0x01 || key)."""
    return hashlib.sha256(key_name.encode() + b"\n" + ED25519_ALGORITHM
                          + public_key_bytes(public_key)).digest()[:4]


def verifier_key(key_name: str, public_key: Ed25519PublicKey) -> str:
    """The signed-note verifier key: ``<name>+<hex key hash>+<base64(0x01 || key)>``."""
    return (f"{key_name}+{key_hash(key_name, public_key).hex()}+"
            f"{_b64(ED25519_ALGORITHM + public_key_bytes(public_key))}")


@dataclass(frozen=True)
class Checkpoint:
    """One signed checkpoint; ``note`` is the whole signed note (body, blank line, signature)."""

    origin: str
    tree_size: int
    root_hash: bytes
    timestamp: dt.datetime
    last_notification_id: int
    note: str
    key_name: str
    signature: bytes

    @property
    def body(self) -> str:
        """The signed text: the checkpoint lines, each ending in a newline."""
        return checkpoint_body(self.origin, self.tree_size, self.root_hash, self.timestamp,
                               self.last_notification_id)

    def verify(self, public_key: Ed25519PublicKey) -> bool:
        """The note says what the fields say, and ``public_key`` signed it."""
        try:
            parsed = parse_checkpoint(self.note)
        except ValueError:
            return False
        if parsed != self or self.note != self.body + "\n" + _signature_line(
                self.key_name, key_hash(self.key_name, public_key), self.signature):
            return False
        try:
            public_key.verify(self.signature, self.body.encode())
        except InvalidSignature:
            return False
        return True


def checkpoint_body(origin: str, tree_size: int, root_hash: bytes, timestamp: dt.datetime,
                    last_notification_id: int) -> str:
    return (f"{origin}\n{tree_size}\n{_b64(root_hash)}\n"
            f"time {_format_time(timestamp)}\n"
            f"last-notification-id {last_notification_id}\n")


def _signature_line(key_name: str, key_id: bytes, signature: bytes) -> str:
    return f"{SIGNATURE_DASH} {key_name} {_b64(key_id + signature)}\n"


def sign_checkpoint(origin: str, tree_size: int, root_hash: bytes, timestamp: dt.datetime,
                    last_notification_id: int, private_key: Ed25519PrivateKey | KeySigner,
                    key_name: str | None = None) -> Checkpoint:
    """A checkpoint signed with ``private_key`` (key name: the origin unless given): an
    Ed25519 key in memory, or a :class:`~lienthong.signing.KeySigner` of one (a key in a
    PKCS#11 token, :mod:`lienthong.pkcs11`)."""
    name = key_name or origin
    public_key = private_key.public_key()
    if not isinstance(public_key, Ed25519PublicKey):
        msg = f"checkpoints are signed with Ed25519 keys, not {type(public_key).__name__}"
        raise ValueError(msg)
    timestamp = timestamp.astimezone(dt.UTC)
    # The note carries microseconds; the field must say exactly what was signed.
    body = checkpoint_body(origin, tree_size, root_hash, timestamp, last_notification_id)
    signature = private_key.sign(body.encode())
    note = body + "\n" + _signature_line(name, key_hash(name, public_key), signature)
    return Checkpoint(origin, tree_size, root_hash, timestamp, last_notification_id, note,
                      name, signature)


def parse_checkpoint(note: str) -> Checkpoint:
    """A checkpoint from its signed note (the signature is not checked: see ``verify``)."""
    body, sep, signatures = note.partition("\n\n")
    lines = body.split("\n")
    if not sep or len(lines) < 3:
        msg = "not a signed checkpoint note"
        raise ValueError(msg)
    origin, size_text, root_text, *extensions = lines
    try:
        tree_size = int(size_text)
        root_hash = base64.b64decode(root_text, validate=True)
        fields = dict(line.split(" ", 1) for line in extensions)
        timestamp = _parse_time(fields["time"])
        last_id = int(fields["last-notification-id"])
    except (ValueError, KeyError) as error:
        msg = f"malformed checkpoint: {error}"
        raise ValueError(msg) from error
    if str(tree_size) != size_text or tree_size < 0 or len(root_hash) != 32:
        msg = "malformed checkpoint: tree size or root hash"
        raise ValueError(msg)
    first = signatures.split("\n", 1)[0]
    parts = first.split(" ")
    if len(parts) != 3 or parts[0] != SIGNATURE_DASH:
        msg = "malformed checkpoint: no signature line"
        raise ValueError(msg)
    try:
        raw = base64.b64decode(parts[2], validate=True)
    except ValueError as error:
        msg = "malformed checkpoint: signature is not base64"
        raise ValueError(msg) from error
    if len(raw) != 4 + 64:
        msg = "malformed checkpoint: not an Ed25519 signature"
        raise ValueError(msg)
    return Checkpoint(origin, tree_size, root_hash, timestamp, last_id, note, parts[1], raw[4:])


# -- keys --------------------------------------------------------------------


def generate_key_file(path: Path) -> Ed25519PrivateKey:
    """Write a new Ed25519 private key (PKCS#8 PEM, mode 0600) to ``path``."""
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as file:
        file.write(pem)
    return key


def load_private_key(path: str | Path) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        msg = f"{path}: not an Ed25519 private key"
        raise ValueError(msg)
    return key


def public_pem(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.PEM,
                                   serialization.PublicFormat.SubjectPublicKeyInfo)


def load_public_key(path: str | Path) -> Ed25519PublicKey:
    """An Ed25519 public key from a PEM public key or a signed-note verifier key file."""
    data = Path(path).read_bytes()
    text = data.decode(errors="replace").strip()
    if "BEGIN" not in text and text.count("+") >= 2:  # name+hash+base64(0x01||key)
        raw = base64.b64decode(text.split("+", 2)[2])
        if len(raw) != 33 or raw[:1] != ED25519_ALGORITHM:
            msg = f"{path}: not an Ed25519 verifier key"
            raise ValueError(msg)
        return Ed25519PublicKey.from_public_bytes(raw[1:])
    key = serialization.load_pem_public_key(data)
    if not isinstance(key, Ed25519PublicKey):
        msg = f"{path}: not an Ed25519 public key"
        raise ValueError(msg)
    return key
