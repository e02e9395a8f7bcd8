"""A service's files in the NATS JetStream Object Store (one bucket per service, named
after it: :func:`bucket_for`): uploaded in chunks,
resumable after a broken connection or a restart, hashed (SHA-256) while they stream in,
downloaded in chunks; memory stays bounded whatever a file's size.

:class:`FileStore` is the whole API; :class:`FileLimits` says what it takes.
"""

from __future__ import annotations

from lienthong.files.layout import STORED_CHUNK_BYTES, StoredFile, bucket_for, uploads_bucket
from lienthong.files.limits import MAX_CHUNK_BYTES, FileLimits
from lienthong.files.store import Download, FileStore
from lienthong.files.uploads import UploadStatus

__all__ = [
    "MAX_CHUNK_BYTES",
    "STORED_CHUNK_BYTES",
    "Download",
    "FileLimits",
    "FileStore",
    "StoredFile",
    "UploadStatus",
    "bucket_for",
    "uploads_bucket",
]
