"""The documents service's files in the NATS JetStream Object Store: uploaded in chunks,
resumable after a broken connection or a restart, hashed (SHA-256) while they stream in,
downloaded in chunks; memory stays bounded whatever a file's size.

:class:`FileStore` is the whole API; :class:`FileLimits` says what it takes.
"""

from __future__ import annotations

from lienthong.services.documents.files.layout import STORED_CHUNK_BYTES, StoredFile
from lienthong.services.documents.files.limits import MAX_CHUNK_BYTES, FileLimits
from lienthong.services.documents.files.store import (
    DEFAULT_BUCKET,
    Download,
    FileStore,
    uploads_bucket,
)
from lienthong.services.documents.files.uploads import UploadStatus

__all__ = [
    "DEFAULT_BUCKET",
    "MAX_CHUNK_BYTES",
    "STORED_CHUNK_BYTES",
    "Download",
    "FileLimits",
    "FileStore",
    "StoredFile",
    "UploadStatus",
    "uploads_bucket",
]
