"""The leaf of the audit tree: one stored event, exactly as the database holds it.

The leaf data is a canonical encoding of the stored row, never of a decoded
event, so upcasting, a new transcoder or a library upgrade cannot change a
hash::

    0x01                          format of the leaf data (this one)
    notification id               8 bytes, unsigned big-endian
    originator id                 16 bytes (the UUID's bytes)
    originator version            8 bytes, signed big-endian
    len(topic) || topic           4 bytes unsigned big-endian, then UTF-8
    len(state) || state           4 bytes unsigned big-endian, then the stored bytes

(fixed widths and length prefixes: no two rows share an encoding). An
originator id that is not exactly 16 bytes has no encoding (``ValueError``):
``struct`` would pad or cut it to 16 silently, and two different rows would
share a leaf. The leaf hash is ``merkle.leaf_hash(data)`` = ``SHA-256(0x00 || data)``.
"""

from __future__ import annotations

import hashlib
import struct
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from uuid import UUID

LEAF_FORMAT = 1
ORIGINATOR_ID_SIZE = 16
_HEAD = struct.Struct(">BQ16sqI")
_LEN = struct.Struct(">I")
_sha256 = hashlib.sha256


def record_leaf(notification_id: int, originator_id: UUID, version: int, topic: str,
                state: bytes) -> bytes:
    """The leaf data of one stored event."""
    return raw_leaf(notification_id, originator_id.bytes, version, topic.encode(), bytes(state))


def _check_id(originator_id: bytes) -> None:
    if len(originator_id) != ORIGINATOR_ID_SIZE:
        msg = (f"an originator id is {ORIGINATOR_ID_SIZE} bytes, this one is "
               f"{len(originator_id)}")
        raise ValueError(msg)


def raw_leaf(notification_id: int, originator_id: bytes, version: int, topic: bytes,
             state: bytes) -> bytes:
    """The leaf data from the row's raw values (16-byte id, UTF-8 topic)."""
    _check_id(originator_id)
    return b"".join((_HEAD.pack(LEAF_FORMAT, notification_id, originator_id, version, len(topic)),
                     topic, _LEN.pack(len(state)), state))


def raw_leaf_hash(notification_id: int, originator_id: bytes, version: int, topic: bytes,
                  state: bytes) -> bytes:
    """``merkle.leaf_hash(raw_leaf(...))`` without joining the parts first."""
    _check_id(originator_id)
    h = _sha256(b"\x00")
    h.update(_HEAD.pack(LEAF_FORMAT, notification_id, originator_id, version, len(topic)))
    h.update(topic)
    h.update(_LEN.pack(len(state)))
    h.update(state)
    return h.digest()


def notification_leaf_hash(notification: object) -> bytes:
    """The leaf hash of an eventsourcing ``Notification`` (its stored bytes)."""
    n = notification
    return raw_leaf_hash(n.id, n.originator_id.bytes, n.originator_version,  # type: ignore[attr-defined]
                         n.topic.encode(), bytes(n.state))  # type: ignore[attr-defined]
