"""A service's own file store inside its process: opened on the service's event loop when
the process starts (NATS may come later: it keeps trying), closed when it stops.

Register it as one of the service's background runners; the gRPC handlers ask it for the
store (:meth:`ServiceFiles.store`), and code running in worker threads reads a whole
bounded file through it (:meth:`ServiceFiles.read`), or moves files of any size between
the store and the local disk (:meth:`ServiceFiles.keep_path`, :meth:`ServiceFiles.save_to`)
and hashes a stored file as it is now (:meth:`ServiceFiles.rehash`).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import nats
import nats.errors
import structlog

from lienthong.errors import DataLoss, InvalidArgument, NotFound, Unavailable
from lienthong.files.layout import bucket_for
from lienthong.files.limits import MAX_CHUNK_BYTES
from lienthong.files.store import FileStore
from lienthong.natsauth import connect_options, service_files

if TYPE_CHECKING:
    from collections.abc import Coroutine
    from pathlib import Path

    from lienthong.config import Settings
    from lienthong.files.layout import StoredFile
    from lienthong.files.limits import FileLimits
    from lienthong.tls import TLSFiles

log = structlog.get_logger("lienthong.files")
Result = TypeVar("Result")

#: Seconds a call waits for the store to open before it is told to come back.
OPEN_WAIT_S = 5.0
#: Seconds a worker thread waits for a whole file.
READ_TIMEOUT_S = 120.0
#: Seconds a worker thread waits for a file of any size to move (to or from the disk).
MOVE_TIMEOUT_S = 3600.0
#: The bytes read from the disk at a time.
DISK_CHUNK_BYTES = 4 * 1024 * 1024
_RETRY_MAX_S = 5.0


class ServiceFiles:
    """The Object Store bucket of one service (:func:`bucket_for` its name)."""

    name = "file-store"

    def __init__(self, service: str, nats_url: str, nats_tls: TLSFiles | None = None, *,
                 limits: FileLimits | None = None, replicas: int = 1) -> None:
        self.bucket = bucket_for(service)
        self.nats_url = nats_url
        self.nats_tls = nats_tls
        self.limits = limits
        self.replicas = replicas
        self._store: FileStore | None = None
        self._ready = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None

    @classmethod
    def from_settings(cls, settings: Settings, *,
                      limits: FileLimits | None = None) -> ServiceFiles:
        return cls(settings.service, settings.nats_url, service_files(settings),
                   limits=limits, replicas=settings.stream_replicas or 1)

    async def run(self, stop: asyncio.Event) -> None:
        """Open the store (trying again until NATS answers), keep it until ``stop``."""
        if not self.nats_url:
            log.warning("files_without_nats", bucket=self.bucket)
            return
        self._loop = asyncio.get_running_loop()
        delay = 0.5
        connection = None
        while not stop.is_set() and self._store is None:
            try:
                connection = connection or await nats.connect(
                    **connect_options(self.nats_url, self.nats_tls),
                    name=f"lienthong-files-{self.bucket}", max_reconnect_attempts=-1,
                    reconnect_time_wait=0.5, connect_timeout=2)
                self._store = await FileStore.open(connection.jetstream(), bucket=self.bucket,
                                                   limits=self.limits, replicas=self.replicas)
            except (OSError, TimeoutError, nats.errors.Error) as error:
                log.warning("file_store_unavailable", bucket=self.bucket, error=str(error),
                            retry_in_s=delay)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), delay)
                delay = min(delay * 2, _RETRY_MAX_S)
        if self._store is not None:
            self._ready.set()
            log.info("file_store_open", bucket=self.bucket)
            await stop.wait()
        if connection is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(connection.close(), 5.0)

    async def store(self) -> FileStore:
        """The open store; UNAVAILABLE while it is not (yet) open."""
        if self._store is None and self.nats_url:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._ready.wait(), OPEN_WAIT_S)
        if self._store is None:
            msg = (f"the file store {self.bucket!r} is not open: NATS is unreachable or not "
                   "configured (LIENTHONG_NATS_URL)")
            raise Unavailable(msg, reason="FILE_STORE_UNAVAILABLE",
                              metadata={"bucket": self.bucket})
        return self._store

    def check(self, name: str, *, size: int, sha256: str, field: str = "file") -> None:
        """From a worker thread: refused unless the file called ``name`` is stored, with
        this size and SHA-256 (InvalidArgument naming ``field``'s part)."""
        stored = self._from_thread(self._described(name, field))
        if stored.size != size:
            raise InvalidArgument.single(f"{field}.size", "SIZE_MISMATCH",
                                         f"{name!r} is stored with {stored.size} bytes, "
                                         f"not {size}")
        _same_sha256(stored, sha256, field)

    async def _described(self, name: str, field: str) -> StoredFile:
        try:
            return await (await self.store()).info(name)
        except NotFound:
            raise _not_stored(name, field) from None

    def _from_thread(self, work: Coroutine[Any, Any, Result],
                     timeout_s: float = READ_TIMEOUT_S) -> Result:
        """``work`` run on the store's event loop, from a worker thread (never the loop)."""
        if self._loop is None:
            work.close()
            msg = f"the file store {self.bucket!r} is not open"
            raise Unavailable(msg, reason="FILE_STORE_UNAVAILABLE",
                              metadata={"bucket": self.bucket})
        return asyncio.run_coroutine_threadsafe(work, self._loop).result(timeout_s)

    def keep(self, name: str, content_type: str, data: bytes) -> StoredFile:
        """From a worker thread: ``data`` stored as the file ``name``; the file already
        stored when one of that name holds the same bytes (a message taken twice)."""
        return self._from_thread(self._keep(name, content_type, data))

    async def _keep(self, name: str, content_type: str, data: bytes) -> StoredFile:
        store = await self.store()
        digest = hashlib.sha256(data).hexdigest()
        try:
            existing = await store.info(name)
        except NotFound:
            existing = None
        if existing is not None and existing.sha256 == digest:
            return existing
        begun = await store.begin_upload(name, content_type, len(data))
        view = memoryview(data)
        for offset in range(0, len(data), MAX_CHUNK_BYTES):
            await store.append(begun.upload_id, offset,
                               bytes(view[offset:offset + MAX_CHUNK_BYTES]))
        return await store.finish(begun.upload_id, digest)

    def read(self, name: str, *, max_bytes: int, sha256: str = "",
             field: str = "file") -> bytes:
        """A whole stored file, from a worker thread (never the event loop): refused above
        ``max_bytes``, or when its SHA-256 is not ``sha256`` (if given), before a byte is
        read; its size and SHA-256 checked against its description as it is read. A name
        that is not stored is the request's mistake (``<field>.object_name``,
        FILE_NOT_STORED)."""
        return self._from_thread(self._read(name, max_bytes, sha256, field))

    async def _read(self, name: str, max_bytes: int, sha256: str, field: str) -> bytes:
        try:
            download = await (await self.store()).download(name)
        except NotFound:
            raise _not_stored(name, field) from None
        if sha256:
            _same_sha256(download.file, sha256, field)
        if download.file.size > max_bytes:
            raise InvalidArgument.single(f"{field}.size", "TOO_LARGE",
                                         f"{name!r} has {download.file.size} bytes; at most "
                                         f"{max_bytes} are read here")
        return b"".join([chunk async for chunk in download])


    def keep_path(self, name: str, content_type: str, path: Path) -> StoredFile:
        """From a worker thread: the file at ``path`` stored as ``name``, read from the disk
        in chunks (memory bounded whatever its size) and hashed by the store as it streams;
        the file already stored when one of that name holds the same bytes (only then is
        the local file hashed beforehand, to compare)."""
        existing = self._from_thread(self._info_or_none(name))
        if existing is not None and existing.sha256 == _file_sha256(path):
            return existing
        return self._from_thread(self._upload_path(name, content_type, path), MOVE_TIMEOUT_S)

    async def _info_or_none(self, name: str) -> StoredFile | None:
        try:
            return await (await self.store()).info(name)
        except NotFound:
            return None

    async def _upload_path(self, name: str, content_type: str, path: Path) -> StoredFile:
        store = await self.store()
        begun = await store.begin_upload(name, content_type, path.stat().st_size)
        offset = 0
        with path.open("rb") as source:
            while chunk := source.read(MAX_CHUNK_BYTES):
                await store.append(begun.upload_id, offset, chunk)
                offset += len(chunk)
        return await store.finish(begun.upload_id)

    def save_to(self, name: str, path: Path, *, sha256: str = "",
                field: str = "file") -> StoredFile:
        """From a worker thread: the stored file ``name`` written to ``path`` in chunks,
        its size and SHA-256 checked as it is read (DataLoss if it does not match its
        description; refused before a byte is read when it is not ``sha256``)."""
        return self._from_thread(self._save_to(name, path, sha256, field), MOVE_TIMEOUT_S)

    async def _save_to(self, name: str, path: Path, sha256: str, field: str) -> StoredFile:
        download = await (await self.store()).download(name)
        if sha256:
            _same_sha256(download.file, sha256, field)
        with path.open("wb") as target:
            async for chunk in download:
                target.write(chunk)
        return download.file

    def rehash(self, name: str) -> Rehashed:
        """From a worker thread: the stored file ``name`` read whole and hashed as it is
        now (a fixity check): its size and SHA-256, whether it matched its own
        description."""
        return self._from_thread(self._rehash(name), MOVE_TIMEOUT_S)

    async def _rehash(self, name: str) -> Rehashed:
        download = await (await self.store()).download(name)
        read = 0
        try:
            async for chunk in download:
                read += len(chunk)
        except DataLoss:
            return Rehashed(name, read, download.sha256_read, intact=False)
        return Rehashed(name, read, download.sha256_read, intact=True)


@dataclass(frozen=True)
class Rehashed:
    """A stored file read again: the bytes read and their SHA-256; ``intact`` when they
    are the bytes the store recorded when the file was stored."""

    name: str
    size: int
    sha256: str
    intact: bool


def _file_sha256(path: Path) -> str:
    hasher = hashlib.sha256()
    with path.open("rb") as source:
        while chunk := source.read(DISK_CHUNK_BYTES):
            hasher.update(chunk)
    return hasher.hexdigest()


def _not_stored(name: str, field: str) -> InvalidArgument:
    return InvalidArgument.single(f"{field}.object_name", "FILE_NOT_STORED",
                                  f"no file {name!r} is stored: upload it first "
                                  "(FileService.UploadFile)")


def _same_sha256(stored: StoredFile, sha256: str, field: str) -> None:
    """Refused (``<field>.sha256``) unless the stored file's SHA-256 is ``sha256``."""
    if stored.sha256 != sha256.lower():
        raise InvalidArgument.single(f"{field}.sha256", "SHA256_MISMATCH",
                                     f"{stored.name!r} is stored with SHA-256 "
                                     f"{stored.sha256}, not {sha256}")
