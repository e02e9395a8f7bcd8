"""Bounds every request meets before any work is done for it.

The server refuses a request larger than ``MAX_REQUEST_BYTES`` (RESOURCE_EXHAUSTED, from
gRPC itself). Once parsed, no string may be longer than ``MAX_STRING_CHARS`` characters and
no list hold more than ``MAX_LIST_ITEMS`` items, wherever they are in the message: the
request is refused with INVALID_ARGUMENT naming each field (``STRING_TOO_LONG``,
``TOO_MANY_ITEMS``). These are the platform's outer bounds; each service states the bounds
of its own fields (a name's length, a deadline in working days, an amount) within them.
"""

from __future__ import annotations

from typing import Any

from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

from lienthong.errors import FieldViolation

MAX_REQUEST_BYTES = 4 * 1024 * 1024
MAX_STRING_CHARS = 4096
MAX_LIST_ITEMS = 1000
#: A request of at most this many bytes keeps both bounds whatever it holds: a character
#: takes at least one byte in UTF-8, a list item at least one byte on the wire.
ALWAYS_WITHIN_BYTES = min(MAX_STRING_CHARS, MAX_LIST_ITEMS)


def _string(value: str, path: str, found: list[FieldViolation]) -> None:
    if len(value) > MAX_STRING_CHARS:
        found.append(FieldViolation(path, "STRING_TOO_LONG",
                                    f"must be at most {MAX_STRING_CHARS} characters"))


#: Field types whose values are never looked at: bytes (a file's chunk, a document) would
#: be copied only to be passed over.
_SKIPPED = frozenset({FieldDescriptor.TYPE_BYTES})


def _set_fields(message: Message) -> list[tuple[FieldDescriptor, Any]]:
    """The fields set in ``message`` with their values, but singular bytes fields."""
    found = []
    for field in message.DESCRIPTOR.fields:
        if field.is_repeated:
            value = getattr(message, field.name)
            if len(value):
                found.append((field, value))
        elif field.type in _SKIPPED:
            continue
        elif field.has_presence:
            if message.HasField(field.name):
                found.append((field, getattr(message, field.name)))
        elif field.type == FieldDescriptor.TYPE_STRING:
            found.append((field, getattr(message, field.name)))
    return found


def _walk(message: Message, prefix: str, found: list[FieldViolation]) -> None:
    for field, value in _set_fields(message):
        path = f"{prefix}{field.name}"
        is_map = field.type == FieldDescriptor.TYPE_MESSAGE and \
            field.message_type.GetOptions().map_entry
        if field.is_repeated:
            if len(value) > MAX_LIST_ITEMS:
                found.append(FieldViolation(path, "TOO_MANY_ITEMS",
                                            f"must hold at most {MAX_LIST_ITEMS} items"))
                continue
            items: Any = value.items() if is_map else enumerate(value)
            for key, item in items:
                where = f"{path}[{key[:40]!r}]" if isinstance(key, str) else f"{path}[{key}]"
                if isinstance(key, str):
                    _string(key, where, found)
                _one(item, where, found)
        else:
            _one(value, path, found)


def _one(value: Any, path: str, found: list[FieldViolation]) -> None:
    if isinstance(value, str):
        _string(value, path, found)
    elif isinstance(value, Message):
        _walk(value, f"{path}.", found)


def violations(request: Message, *, wire_bytes: int | None = None) -> list[FieldViolation]:
    """The bounds ``request`` breaks, each naming the field (empty when it keeps them).
    ``wire_bytes``: the size it came in, when known; a small request is not walked."""
    if wire_bytes is not None and wire_bytes <= ALWAYS_WITHIN_BYTES:
        return []
    found: list[FieldViolation] = []
    _walk(request, "", found)
    return found
