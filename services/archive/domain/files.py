"""A file the archive keeps, as its file store keeps it."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class FileRef:
    name: str
    object_name: str
    size: int
    sha256: str
    content_type: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def of(cls, value: dict[str, Any]) -> FileRef:
        return cls(**value)


def stored_ref(stored: Any) -> dict[str, Any]:
    """The reference to a file the store just kept (a :class:`lienthong.files.StoredFile`)."""
    return {"name": stored.name, "object_name": stored.name, "size": stored.size,
            "sha256": stored.sha256, "content_type": stored.content_type}
