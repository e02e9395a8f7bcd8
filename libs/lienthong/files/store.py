"""Files of any size in the JetStream Object Store, uploaded in chunks and resumable.

An upload writes each chunk, as it arrives, to the chunk subject of the object it will
become (``$O.<bucket>.C.<nuid>``), hashing it on the way; finishing writes the object's
description, which makes it visible to every Object Store client under its name, with its
size, content type and SHA-256 digest. Until then nothing of it is visible.

**Where an upload's state lives.** What the upload is (name, content type, declared
size, chunk subject) is a record in the KV bucket ``<bucket>_uploads``. How far it has
come is the chunk subject itself: its messages are the bytes acknowledged, each carrying
the offset of its first byte. Each chunk message is written only directly after the last
one this process knows of (``Nats-Expected-Last-Subject-Sequence``), so two writers, or a
retry after a lost acknowledgement, can never interleave or repeat bytes. A process that
does not know an upload (it restarted, or another replica began it) reads its chunks back
once, streaming, to learn the offset and rebuild the SHA-256; otherwise chunks are never
read back.

Memory stays bounded whatever the size of a file: a chunk is stored as it comes, and a
download reads one stored chunk message at a time.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import structlog
from nats.js import api
from nats.js.errors import APIError, BucketNotFoundError, KeyWrongLastSequenceError, NotFoundError
from nats.js.kv import MSG_ROLLUP_SUBJECT
from nats.nuid import NUID

from lienthong.errors import (
    AlreadyExists,
    Conflict,
    DataLoss,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
)
from lienthong.eventstore import derived_id
from lienthong.files.layout import (
    STORED_CHUNK_BYTES,
    StoredFile,
    chunk_subject,
    meta_subject,
    object_info,
    stream_name,
    uploads_bucket,
)
from lienthong.files.limits import (
    MAX_CHUNK_BYTES,
    FileLimits,
    chunk_length,
    chunk_position,
    file_name,
    new_file,
    sha256_hex,
)
from lienthong.files.uploads import (
    OFFSET_HEADER,
    Progress,
    UploadRecord,
    UploadStatus,
    upload_id,
)
from lienthong.idempotency import validate_request_id

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from nats.js import JetStreamContext
    from nats.js.kv import KeyValue

log = structlog.get_logger("lienthong.files")

#: JetStream's error code for a message refused by ``Nats-Expected-Last-Subject-Sequence``.
WRONG_LAST_SEQUENCE = 10071


def _now() -> str:
    return datetime.now(UTC).isoformat()


class FileStore:
    """The files of one Object Store bucket: uploads in, downloads out.

    One instance serves any number of uploads at once; calls on one upload take turns.
    Build it with :meth:`open`, which creates the buckets when they are missing.
    """

    def __init__(self, js: JetStreamContext, uploads: KeyValue, *, bucket: str,
                 limits: FileLimits | None = None) -> None:
        self._js = js
        self._uploads = uploads
        self.bucket = bucket
        self.limits = limits or FileLimits()
        self._stream = stream_name(bucket)
        self._progress: dict[str, Progress] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    @classmethod
    async def open(cls, js: JetStreamContext, *, bucket: str,
                   limits: FileLimits | None = None, replicas: int = 1) -> FileStore:
        """The store of ``bucket``; its Object Store bucket and uploads KV bucket are
        created (file storage, ``replicas`` copies) when missing, left as they are when
        present."""
        try:
            await js.object_store(bucket)
        except BucketNotFoundError:
            await js.create_object_store(bucket, storage=api.StorageType.FILE,
                                         replicas=replicas,
                                         description=f"the files of {bucket}")
            log.info("file_bucket_created", bucket=bucket)
        try:
            uploads = await js.key_value(uploads_bucket(bucket))
        except BucketNotFoundError:
            uploads = await js.create_key_value(
                bucket=uploads_bucket(bucket), history=1, storage=api.StorageType.FILE,
                replicas=replicas, description=f"uploads into the Object Store {bucket}")
        return cls(js, uploads, bucket=bucket, limits=limits)

    # Uploads

    async def begin_upload(self, name: str, content_type: str, size: int, *,
                           request_id: str = "") -> UploadStatus:
        """Begin an upload of ``size`` bytes, every rule checked before anything is written.

        With a ``request_id`` (AIP-155) the upload's id is derived from it, so a retried
        begin answers with the same upload and how far it has come; the same request id for
        another file is refused (``REQUEST_ID_REUSED``). A name already stored is refused
        (AlreadyExists, ``FILE_EXISTS``)."""
        file = new_file(name, content_type, size, self.limits)
        if request_id:
            validate_request_id(request_id)
        existing, _ = await self._current_info(file.name)
        if existing is not None:
            raise _file_exists(file.name)
        new_id = str(derived_id("upload", request_id) if request_id else uuid.uuid4())
        record = UploadRecord(upload_id=new_id, name=file.name,
                              content_type=file.content_type, size=file.size,
                              nuid=NUID().next().decode(), begun=_now())
        async with self._lock(new_id):
            try:
                await self._uploads.create(new_id, record.to_json())
            except KeyWrongLastSequenceError:
                begun = await self._record(new_id)
                if not begun.same_file(file):
                    raise InvalidArgument.single(
                        "request_id", "REQUEST_ID_REUSED",
                        "was used to begin the upload of another file") from None
                return (await self._progress_of(new_id)).status()
            progress = self._progress[new_id] = Progress(record)
        log.info("upload_begun", upload_id=new_id, name=file.name,
                 content_type=file.content_type, size=file.size)
        return progress.status()

    async def status(self, upload: str) -> UploadStatus:
        """Where the upload stands: the offset the next chunk must start at."""
        upload = upload_id(upload)
        async with self._lock(upload):
            return (await self._progress_of(upload, verified=True)).status()

    async def append(self, upload: str, offset: int, data: bytes) -> UploadStatus:
        """Store one chunk (at most :data:`MAX_CHUNK_BYTES`) at ``offset``, which must be
        the bytes acknowledged so far; return once JetStream has stored it all.

        A wrong offset is refused with ``expected_offset`` in the error's metadata; a chunk
        past the declared size is refused. When NATS fails half-way, the error propagates
        and the bytes stored before it stay acknowledged: the upload's status says where
        to carry on."""
        upload = upload_id(upload)
        chunk_length(len(data))
        async with self._lock(upload):
            for _ in range(2):
                progress = await self._progress_of(upload)
                chunk_position(offset, len(data), acknowledged=progress.offset,
                               size=progress.record.size)
                try:
                    await self._write(progress, data)
                except APIError as error:
                    if error.err_code != WRONG_LAST_SEQUENCE:
                        raise
                    # Another writer moved the upload on: learn where it stands from the
                    # stream, then the offset is checked again.
                    self._progress.pop(upload, None)
                    log.warning("upload_written_elsewhere", upload_id=upload)
                    continue
                return progress.status()
        raise Conflict(f"upload {upload} is being written by another caller at the same time",
                       metadata={"upload_id": upload})

    async def finish(self, upload: str, sha256: str = "") -> StoredFile:
        """Make the upload a visible object, once every declared byte is stored and, when
        the client gives a SHA-256 (hexadecimal), the bytes match it.

        Too few bytes is FailedPrecondition (``UPLOAD_INCOMPLETE``), another digest
        InvalidArgument on ``sha256`` (``SHA256_MISMATCH``); either way the upload stays
        open, nothing becomes visible. Finishing again after a lost answer returns the
        same file."""
        upload = upload_id(upload)
        expected = sha256_hex(sha256) if sha256 else ""
        async with self._lock(upload):
            progress = await self._progress_of(upload, verified=True)
            record = progress.record
            existing, meta_seq = await self._current_info(record.name, with_deleted=True)
            if existing is not None and not existing.deleted:
                if existing.nuid == record.nuid:
                    await self._forget(upload)
                    return StoredFile.from_info(existing)
                raise _file_exists(record.name)
            if progress.offset != record.size:
                raise FailedPrecondition(
                    f"upload {upload} holds {progress.offset} of its {record.size} bytes",
                    reason="UPLOAD_INCOMPLETE",
                    metadata={"upload_id": upload, "expected_offset": str(progress.offset),
                              "size": str(record.size)})
            actual = progress.sha256()
            if expected and expected != actual:
                raise InvalidArgument.single(
                    "sha256", "SHA256_MISMATCH",
                    f"the bytes received have SHA-256 {actual}, not {expected}")
            file = StoredFile(name=record.name, size=record.size, sha256=actual,
                              content_type=record.content_type, chunks=progress.chunks,
                              modified=_now())
            info = object_info(bucket=self.bucket, nuid=record.nuid, file=file)
            try:
                await self._js.publish(
                    meta_subject(self.bucket, record.name), json.dumps(info).encode(),
                    headers={api.Header.ROLLUP: MSG_ROLLUP_SUBJECT,
                             api.Header.EXPECTED_LAST_SUBJECT_SEQUENCE: str(meta_seq)})
            except APIError as error:
                if error.err_code == WRONG_LAST_SEQUENCE:
                    raise _file_exists(record.name) from None
                raise
            await self._forget(upload)
        log.info("file_stored", upload_id=upload, name=file.name, size=file.size,
                 sha256=file.sha256, content_type=file.content_type)
        return file

    async def abort(self, upload: str) -> None:
        """Give the upload up: its stored chunks are purged, its record removed."""
        upload = upload_id(upload)
        async with self._lock(upload):
            record = await self._record(upload)
            existing, _ = await self._current_info(record.name)
            if existing is None or existing.nuid != record.nuid:
                await self._js.purge_stream(self._stream,
                                            subject=chunk_subject(self.bucket, record.nuid))
            await self._forget(upload)
        log.info("upload_aborted", upload_id=upload, name=record.name)

    # Stored files

    async def info(self, name: str) -> StoredFile:
        """The stored file called ``name``: its size, digest and content type."""
        checked = file_name(name)
        found, _ = await self._current_info(checked)
        if found is None:
            raise NotFound("file", checked)
        return StoredFile.from_info(found)

    async def download(self, name: str) -> Download:
        """The stored file called ``name``, to be read in chunks (see :class:`Download`)."""
        checked = file_name(name)
        found, _ = await self._current_info(checked)
        if found is None:
            raise NotFound("file", checked)
        if found.is_link():
            raise FailedPrecondition(f"{checked!r} is a link to another object",
                                     reason="FILE_IS_LINK", metadata={"name": checked})
        return Download(self._js, self._stream, chunk_subject(self.bucket, found.nuid),
                        StoredFile.from_info(found))

    # State

    def _lock(self, upload: str) -> asyncio.Lock:
        return self._locks.setdefault(upload, asyncio.Lock())

    async def _record(self, upload: str) -> UploadRecord:
        try:
            entry = await self._uploads.get(upload)
        except NotFoundError:
            raise NotFound("upload", upload) from None
        if entry.value is None:
            raise NotFound("upload", upload)
        return UploadRecord.from_json(entry.value)

    async def _forget(self, upload: str) -> None:
        await self._uploads.purge(upload)
        self._progress.pop(upload, None)
        self._locks.pop(upload, None)

    async def _progress_of(self, upload: str, *, verified: bool = False) -> Progress:
        """How far the upload has come: known to this process, else read from NATS.

        ``verified``: also when this process knows it, made sure no other writer moved it
        on since (an append needs no such check: the stream refuses a chunk that does not
        follow the last one)."""
        progress = self._progress.get(upload)
        if progress is None:
            progress = await self._rebuilt(await self._record(upload))
        elif verified or progress.in_doubt is not None:
            progress = await self._checked(progress)
        self._progress[upload] = progress
        return progress

    async def _rebuilt(self, record: UploadRecord) -> Progress:
        """The progress of an upload this process does not know, from its stored chunks:
        read back once, one message at a time."""
        progress = Progress(record)
        async for seq, offset, piece in self._stored_chunks(record.nuid):
            if offset != progress.offset or progress.offset + len(piece) > record.size:
                msg = (f"upload {record.upload_id}: chunk message {seq} starts at {offset}, "
                       f"after {progress.offset} of {record.size} bytes")
                raise DataLoss(msg, reason="UPLOAD_CHUNKS_DAMAGED",
                               metadata={"upload_id": record.upload_id})
            progress.stored(piece, seq)
        log.info("upload_resumed", upload_id=record.upload_id, offset=progress.offset,
                 chunks=progress.chunks)
        return progress

    async def _checked(self, progress: Progress) -> Progress:
        """The progress, checked against the last chunk message stored: the one this
        process knows of, or the one whose acknowledgement never came (then the last, at
        the upload's offset, with its bytes). Anything else there means another writer:
        the stream is read again."""
        subject = chunk_subject(self.bucket, progress.record.nuid)
        try:
            last = await self._js.get_last_msg(self._stream, subject, direct=True)
        except NotFoundError:
            last = None
        last_seq = (last.seq or 0) if last is not None else 0
        if last_seq == progress.last_seq:
            progress.in_doubt = None
            return progress
        piece = progress.in_doubt
        if (last is not None and piece is not None and last.data == piece
                and (last.headers or {}).get(OFFSET_HEADER) == str(progress.offset)):
            progress.stored(piece, last_seq)
            return progress
        return await self._rebuilt(progress.record)

    async def _write(self, progress: Progress, data: bytes) -> None:
        """Store ``data`` as chunk messages, each right after the last one."""
        subject = chunk_subject(self.bucket, progress.record.nuid)
        view = memoryview(data)  # pieces without copies
        for start in range(0, len(data), STORED_CHUNK_BYTES):
            piece = view[start:start + STORED_CHUNK_BYTES]
            progress.in_doubt = piece
            ack = await self._js.publish(subject, piece, headers={
                api.Header.EXPECTED_LAST_SUBJECT_SEQUENCE: str(progress.last_seq),
                OFFSET_HEADER: str(progress.offset)})
            progress.stored(piece, ack.seq)

    async def _stored_chunks(self, nuid: str) -> AsyncIterator[tuple[int, int, bytes]]:
        """Each chunk message of ``nuid`` in order: its sequence, its offset header, its
        bytes."""
        subject = chunk_subject(self.bucket, nuid)
        seq = 1
        while True:
            try:
                msg = await self._js.get_msg(self._stream, seq=seq, subject=subject,
                                             direct=True, next=True)
            except NotFoundError:
                return
            assert msg.seq is not None
            offset = (msg.headers or {}).get(OFFSET_HEADER, "-1")
            yield msg.seq, int(offset), msg.data or b""
            seq = msg.seq + 1

    async def _current_info(self, name: str, *, with_deleted: bool = False,
                            ) -> tuple[api.ObjectInfo | None, int]:
        """The description of the object called ``name`` and its stream sequence; (None,
        0) when there is none, or (unless ``with_deleted``) when it was deleted."""
        try:
            msg = await self._js.get_last_msg(self._stream, meta_subject(self.bucket, name),
                                              direct=True)
        except NotFoundError:
            return None, 0
        info = api.ObjectInfo.from_response(json.loads(msg.data or b"{}"))
        if info.deleted and not with_deleted:
            return None, msg.seq or 0
        return info, msg.seq or 0


class Download:
    """A stored file: its description (:attr:`file`) first, then its bytes as an async
    iterator of chunks of at most :data:`MAX_CHUNK_BYTES` each, read one stored chunk
    message at a time. The size and the SHA-256 are checked as the bytes go by: a file
    that does not match its description ends with DataLoss after its last chunk; what was
    read hashes to :attr:`sha256_read`."""

    def __init__(self, js: JetStreamContext, stream: str, subject: str,
                 file: StoredFile) -> None:
        self._js = js
        self._stream = stream
        self._subject = subject
        self.file = file
        #: The SHA-256 of the bytes read, once they were all read (empty before).
        self.sha256_read = ""

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._chunks()

    async def _next(self, seq: int) -> Any:
        """The stored chunk message at ``seq`` or after it; None after the last."""
        try:
            return await self._js.get_msg(self._stream, seq=seq, subject=self._subject,
                                          direct=True, next=True)
        except NotFoundError:
            return None

    async def _chunks(self) -> AsyncIterator[bytes]:
        # Each chunk is hashed in a thread of the hashing pool (hashlib lets go of the
        # GIL) while the next one is fetched: reading and hashing overlap.
        hasher = hashlib.sha256()
        received = 0
        self.sha256_read = ""
        fetching = asyncio.ensure_future(self._next(1)) if self.file.size else None
        try:
            while fetching is not None:
                msg = await fetching
                fetching = None
                if msg is None:
                    break
                data = msg.data or b""
                received += len(data)
                assert msg.seq is not None
                if received < self.file.size:
                    fetching = asyncio.ensure_future(self._next(msg.seq + 1))
                await asyncio.get_running_loop().run_in_executor(_HASHING, hasher.update,
                                                                 data)
                for start in range(0, len(data), MAX_CHUNK_BYTES):
                    yield data[start:start + MAX_CHUNK_BYTES]
        finally:
            if fetching is not None:
                fetching.cancel()
        self.sha256_read = hasher.hexdigest()
        if received != self.file.size or (self.file.sha256
                                          and self.sha256_read != self.file.sha256):
            raise DataLoss(f"file {self.file.name!r} does not match its description: "
                           f"{received} of {self.file.size} bytes read",
                           reason="FILE_DAMAGED", metadata={"name": self.file.name})


#: Threads that only hash, never wait for anything else. Not the loop's default pool:
#: the callers that read files from worker threads (``ServiceFiles.read`` from a gRPC
#: handler in ``asyncio.to_thread``) are that pool's threads, blocked until the read ends;
#: with all of them reading, a hash queued behind them would wait for ever.
_HASHING = ThreadPoolExecutor(max_workers=2, thread_name_prefix="file-hash")


def _file_exists(name: str) -> AlreadyExists:
    return AlreadyExists(f"a file named {name!r} is stored already", reason="FILE_EXISTS",
                         metadata={"name": name})


