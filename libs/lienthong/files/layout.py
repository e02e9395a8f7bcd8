"""The JetStream Object Store's layout, as nats-py and the Go client (``nats object``) read
it: one stream ``OBJ_<bucket>``; an object's chunks on ``$O.<bucket>.C.<nuid>``; its
description (an ``ObjectInfo`` JSON) as the last message on ``$O.<bucket>.M.<name in
base64url>``; its digest ``SHA-256=<base64url of the SHA-256>``.

An object exists once its description does; chunks without one are invisible to every
client, which is what lets an upload write its chunks as they arrive.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from nats.js import api

#: Bytes in one stored chunk message; a client's chunk is stored as one or more of these,
#: under the server's default 1 MiB message limit.
STORED_CHUNK_BYTES = 512 * 1024
#: The header of an object holding its content type.
CONTENT_TYPE_HEADER = "Content-Type"
DIGEST_PREFIX = "SHA-256="
#: The content type of an object whose description names none.
UNKNOWN_CONTENT_TYPE = "application/octet-stream"


def bucket_for(service: str) -> str:
    """The Object Store bucket of a service's files: one per service, named after it."""
    return service


def uploads_bucket(bucket: str) -> str:
    """The KV bucket that holds the records of the uploads into ``bucket``."""
    return f"{bucket}_uploads"


def stream_name(bucket: str) -> str:
    return f"OBJ_{bucket}"


def uploads_stream_name(bucket: str) -> str:
    """The stream behind :func:`uploads_bucket` (a KV bucket's, ``KV_<name>``)."""
    return f"KV_{uploads_bucket(bucket)}"


def chunk_subject(bucket: str, nuid: str) -> str:
    return f"$O.{bucket}.C.{nuid}"


def meta_subject(bucket: str, name: str) -> str:
    encoded = base64.urlsafe_b64encode(name.encode()).decode()
    return f"$O.{bucket}.M.{encoded}"


def digest_field(sha256: bytes) -> str:
    """The Object Store's digest of these SHA-256 bytes (padded base64url, as both clients
    write it)."""
    return DIGEST_PREFIX + base64.urlsafe_b64encode(sha256).decode()


def digest_hex(field: str) -> str:
    """The SHA-256, in hexadecimal, that an Object Store digest field holds ("" if none)."""
    encoded = field.removeprefix(DIGEST_PREFIX).removeprefix(DIGEST_PREFIX.upper())
    if not encoded:
        return ""
    try:
        return base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).hex()
    except (binascii.Error, ValueError):
        return ""


@dataclass(frozen=True)
class StoredFile:
    """A file visible in the Object Store: its name (the object's id in its bucket), size,
    SHA-256 in hexadecimal and content type."""

    name: str
    size: int
    sha256: str
    content_type: str
    #: The stored chunk messages it is made of.
    chunks: int = 0
    #: When its description was written (RFC 3339, UTC); "" when it does not say.
    modified: str = ""

    @property
    def digest(self) -> str:
        """As the Object Store writes it: ``SHA-256=<base64url>``."""
        return digest_field(bytes.fromhex(self.sha256))

    @classmethod
    def from_info(cls, info: api.ObjectInfo) -> StoredFile:
        return cls(name=info.name, size=info.size or 0, sha256=digest_hex(info.digest or ""),
                   content_type=header_value(info.headers, CONTENT_TYPE_HEADER)
                   or UNKNOWN_CONTENT_TYPE,
                   chunks=info.chunks or 0, modified=info.mtime or "")


def header_value(headers: dict[str, Any] | None, key: str) -> str:
    """One header of an object's description, written as the Go client does (a list of
    values) or as a plain string."""
    for found, value in (headers or {}).items():
        if found.lower() == key.lower():
            if isinstance(value, list):
                return str(value[0]) if value else ""
            return str(value)
    return ""


def object_info(*, bucket: str, nuid: str, file: StoredFile) -> dict[str, Any]:
    """The description (``ObjectInfo`` JSON) that makes ``file``'s chunks an object. Headers
    are lists of values, as the Go client's ``nats.Header`` reads them."""
    return {
        "name": file.name,
        "headers": {CONTENT_TYPE_HEADER: [file.content_type]},
        "options": {"max_chunk_size": STORED_CHUNK_BYTES},
        "bucket": bucket,
        "nuid": nuid,
        "size": file.size,
        "mtime": file.modified or datetime.now(UTC).isoformat(),
        "chunks": file.chunks,
        "digest": file.digest,
        "deleted": False,
    }
