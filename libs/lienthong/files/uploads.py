"""An upload's state: what it is (kept in NATS from its beginning to its end) and how far
it has come (its stored chunks, and the SHA-256 of their bytes in this process)."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lienthong.errors import InvalidArgument

if TYPE_CHECKING:
    from lienthong.files.limits import NewFile

_UPLOAD_ID = re.compile(r"^[A-Za-z0-9-]{1,64}$")

#: The header of each stored chunk message holding the offset of its first byte in the
#: file; it lets a chunk whose acknowledgement was lost be recognised, and a rebuild check
#: that nothing is missing.
OFFSET_HEADER = "Lienthong-Upload-Offset"


def upload_id(value: str, field_path: str = "upload_id") -> str:
    """An upload id as this store issues them (letters, digits and dashes, at most 64)."""
    if not _UPLOAD_ID.match(value):
        raise InvalidArgument.single(field_path, "UPLOAD_ID_FORMAT",
                                     "must be an upload id this service issued")
    return value


@dataclass(frozen=True)
class UploadRecord:
    """What an upload is: the file it is for and the chunk subject (``nuid``) its bytes are
    stored under. Written once when it begins, removed when it is finished or aborted."""

    upload_id: str
    name: str
    content_type: str
    size: int
    nuid: str
    begun: str

    def same_file(self, file: NewFile) -> bool:
        return (self.name, self.content_type, self.size) == (file.name, file.content_type,
                                                             file.size)

    def to_json(self) -> bytes:
        return json.dumps({"upload_id": self.upload_id, "name": self.name,
                           "content_type": self.content_type, "size": self.size,
                           "nuid": self.nuid, "begun": self.begun},
                          ensure_ascii=False, separators=(",", ":")).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> UploadRecord:
        data: dict[str, Any] = json.loads(raw)
        return cls(upload_id=str(data["upload_id"]), name=str(data["name"]),
                   content_type=str(data["content_type"]), size=int(data["size"]),
                   nuid=str(data["nuid"]), begun=str(data["begun"]))


@dataclass(frozen=True)
class UploadStatus:
    """Where an upload stands: ``offset`` bytes are acknowledged (stored), so the next
    chunk starts there. The offset may fall inside a chunk a client sent, when its
    connection broke while that chunk was being stored."""

    upload_id: str
    name: str
    content_type: str
    size: int
    offset: int

    @property
    def complete(self) -> bool:
        return self.offset == self.size


@dataclass
class Progress:
    """How far an upload has come: the bytes stored, the last chunk message's stream
    sequence (the next must follow it directly) and the SHA-256 of the bytes so far."""

    record: UploadRecord
    offset: int = 0
    last_seq: int = 0
    chunks: int = 0
    hasher: Any = field(default_factory=hashlib.sha256)
    #: A chunk message sent whose acknowledgement never came: stored or not, to be settled
    #: before the upload goes on.
    in_doubt: bytes | memoryview | None = None

    def stored(self, piece: bytes | memoryview, seq: int) -> None:
        """``piece`` is stored as message ``seq``, right after the previous one."""
        self.hasher.update(piece)
        self.offset += len(piece)
        self.last_seq = seq
        self.chunks += 1
        self.in_doubt = None

    def sha256(self) -> str:
        """The SHA-256 (hexadecimal) of the bytes stored so far."""
        return str(self.hasher.copy().hexdigest())

    def status(self) -> UploadStatus:
        record = self.record
        return UploadStatus(record.upload_id, record.name, record.content_type, record.size,
                            self.offset)
