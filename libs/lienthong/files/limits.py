"""What a file must be to be stored, checked before any work: its name, its content type,
its size, and each chunk of its upload.

Every refusal is an :class:`~lienthong.errors.InvalidArgument` naming the field and the
rule; the fields are those of an upload: ``name``, ``content_type``, ``size`` (the declared
size), ``offset`` and ``data`` (a chunk), ``sha256`` (the digest a client may give).
"""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

from lienthong.errors import InvalidArgument
from lienthong.validation import Violations

if TYPE_CHECKING:
    from collections.abc import Mapping

KIB = 1024
MIB = 1024 * KIB

#: The largest chunk a client may send at once (a gRPC message stays well under 4 MiB).
MAX_CHUNK_BYTES = 1 * MIB
#: The longest file name, in UTF-8 bytes (what common file systems take).
MAX_NAME_BYTES = 255
#: The largest file unless LIENTHONG_FILES_MAX_BYTES says otherwise.
DEFAULT_MAX_FILE_BYTES = 256 * MIB
#: The content types taken unless LIENTHONG_FILES_CONTENT_TYPES says otherwise.
DEFAULT_CONTENT_TYPES = frozenset({
    "application/pdf",
    "image/png",
    "image/jpeg",
    "image/tiff",
    "application/xml",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/msword",
    "application/zip",
    "application/octet-stream",
})

MAX_FILE_BYTES_ENV = "LIENTHONG_FILES_MAX_BYTES"
CONTENT_TYPES_ENV = "LIENTHONG_FILES_CONTENT_TYPES"

#: Characters no file name may hold: path separators and what Windows refuses.
_FORBIDDEN_NAME_CHARACTERS = frozenset('/\\:*?"<>|')
#: Names Windows keeps for devices, with or without an extension.
_DEVICE_NAMES = frozenset({"CON", "PRN", "AUX", "NUL",
                           *(f"COM{i}" for i in range(1, 10)),
                           *(f"LPT{i}" for i in range(1, 10))})
_MEDIA_TYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*$")
_SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class FileLimits:
    """How large a file may be and which content types are taken."""

    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    content_types: frozenset[str] = DEFAULT_CONTENT_TYPES

    def __post_init__(self) -> None:
        if self.max_file_bytes < 1:
            msg = f"max_file_bytes must be at least 1, not {self.max_file_bytes}"
            raise ValueError(msg)
        if not self.content_types:
            msg = "content_types must name at least one content type"
            raise ValueError(msg)
        for media_type in self.content_types:
            if not _MEDIA_TYPE.match(media_type):
                msg = f"{media_type!r} is not a lower-case type/subtype content type"
                raise ValueError(msg)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> FileLimits:
        """From ``LIENTHONG_FILES_MAX_BYTES`` (a whole number of bytes) and
        ``LIENTHONG_FILES_CONTENT_TYPES`` (comma-separated); an unset or empty variable
        keeps the default. A malformed value is a ValueError naming the variable."""
        env = os.environ if environ is None else environ
        raw_size = env.get(MAX_FILE_BYTES_ENV, "").strip()
        raw_types = env.get(CONTENT_TYPES_ENV, "").strip()
        max_file_bytes = DEFAULT_MAX_FILE_BYTES
        if raw_size:
            try:
                max_file_bytes = int(raw_size.replace("_", ""))
            except ValueError:
                msg = f"{MAX_FILE_BYTES_ENV} must be a whole number of bytes, not {raw_size!r}"
                raise ValueError(msg) from None
        content_types = DEFAULT_CONTENT_TYPES
        if raw_types:
            content_types = frozenset(part.strip().lower() for part in raw_types.split(",")
                                      if part.strip())
        try:
            return cls(max_file_bytes=max_file_bytes, content_types=content_types)
        except ValueError as error:
            msg = f"{MAX_FILE_BYTES_ENV}/{CONTENT_TYPES_ENV}: {error}"
            raise ValueError(msg) from None


@dataclass(frozen=True)
class NewFile:
    """A file an upload is begun for, its name and content type normalised."""

    name: str
    content_type: str
    size: int


def file_name(value: str, field: str = "name") -> str:
    """A file name made safe to store and to hand back to any client: NFC-normalised, one
    name (no path), at most 255 UTF-8 bytes, no control characters, nothing Windows
    refuses, not hidden (a leading dot), no blank at either end."""
    name = unicodedata.normalize("NFC", value)
    if not name:
        raise InvalidArgument.single(field, "NAME_REQUIRED", "must not be empty")
    if len(name.encode()) > MAX_NAME_BYTES:
        raise InvalidArgument.single(field, "NAME_TOO_LONG",
                                     f"must be at most {MAX_NAME_BYTES} bytes in UTF-8")
    if any(char in _FORBIDDEN_NAME_CHARACTERS or unicodedata.category(char) in ("Cc", "Cf")
           for char in name):
        raise InvalidArgument.single(field, "NAME_CHARACTERS",
                                     'must not hold control characters nor any of / \\ : * ? '
                                     '" < > |')
    if name != name.strip() or name.endswith("."):
        raise InvalidArgument.single(field, "NAME_FORMAT",
                                     "must not begin or end with a blank, nor end with a dot")
    if name.startswith("."):
        raise InvalidArgument.single(field, "NAME_FORMAT", "must not begin with a dot")
    if name.split(".", 1)[0].rstrip().upper() in _DEVICE_NAMES:
        raise InvalidArgument.single(field, "NAME_RESERVED",
                                     f"{name.split('.', 1)[0]!r} is a device name on Windows")
    return name


def content_type(value: str, limits: FileLimits, field: str = "content_type") -> str:
    """The media type of ``value`` (lower case, parameters dropped), if the limits take it."""
    media_type = value.split(";", 1)[0].strip().lower()
    if not media_type:
        raise InvalidArgument.single(field, "CONTENT_TYPE_REQUIRED", "must not be empty")
    if media_type not in limits.content_types:
        taken = ", ".join(sorted(limits.content_types))
        raise InvalidArgument.single(field, "CONTENT_TYPE_NOT_ALLOWED",
                                     f"{media_type!r} is not taken; one of: {taken}")
    return media_type


def declared_size(value: int, limits: FileLimits, field: str = "size") -> int:
    """The size a client declares: at least one byte, at most the limit. A file over the
    limit never fits, however often it is sent, so it is an invalid argument."""
    if value < 1:
        raise InvalidArgument.single(field, "SIZE_REQUIRED", "must be at least 1 byte")
    if value > limits.max_file_bytes:
        raise InvalidArgument.single(field, "FILE_TOO_LARGE",
                                     f"{value} bytes is over the limit of "
                                     f"{limits.max_file_bytes} bytes")
    return value


def new_file(name: str, media_type: str, size: int, limits: FileLimits) -> NewFile:
    """Every rule of a new upload checked, all broken ones refused together."""
    violations = Violations()
    checked_name = violations.check(lambda: file_name(name))
    checked_type = violations.check(lambda: content_type(media_type, limits))
    checked_size = violations.check(lambda: declared_size(size, limits))
    violations.raise_if_any()
    assert checked_name is not None and checked_type is not None and checked_size is not None
    return NewFile(checked_name, checked_type, checked_size)


def chunk_length(length: int, field: str = "data") -> None:
    """A chunk holds at least one byte and at most :data:`MAX_CHUNK_BYTES`."""
    if length < 1:
        raise InvalidArgument.single(field, "CHUNK_EMPTY", "must hold at least 1 byte")
    if length > MAX_CHUNK_BYTES:
        raise InvalidArgument.single(field, "CHUNK_TOO_LARGE",
                                     f"{length} bytes is over the chunk limit of "
                                     f"{MAX_CHUNK_BYTES} bytes")


def chunk_position(offset: int, length: int, *, acknowledged: int, size: int) -> None:
    """A chunk starts at the bytes acknowledged so far and ends within the declared size.

    A wrong offset carries ``expected_offset`` in the error's metadata, so a client can
    carry on from there."""
    if offset != acknowledged:
        error = InvalidArgument.single(
            "offset", "OFFSET_MISMATCH",
            f"must be {acknowledged}, the bytes acknowledged so far; got {offset}")
        error.metadata["expected_offset"] = str(acknowledged)
        raise error
    if offset + length > size:
        raise InvalidArgument.single(
            "data", "DECLARED_SIZE_EXCEEDED",
            f"would bring the upload to {offset + length} bytes, past its declared size "
            f"of {size} bytes")


def sha256_hex(value: str, field: str = "sha256") -> str:
    """A SHA-256 digest as 64 hexadecimal digits (either case); returned in lower case."""
    digest = value.strip().lower()
    if not _SHA256_HEX.match(digest):
        raise InvalidArgument.single(field, "SHA256_FORMAT",
                                     "must be a SHA-256 digest as 64 hexadecimal digits")
    return digest
