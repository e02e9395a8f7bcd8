"""Files uploaded in chunks into the JetStream Object Store of a real nats-server, carried
on after a broken connection, another replica, a restart of NATS and of the service, and
read back by nats-py's own Object Store client."""

from __future__ import annotations

import asyncio
import hashlib
import time
import tracemalloc
from collections.abc import AsyncIterator, Iterator
from typing import Any

import nats
import nats.errors
import pytest
import structlog
from nats.aio.client import Client
from nats.js.errors import ObjectNotFoundError

from lienthong.errors import (
    AlreadyExists,
    DataLoss,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
)
from lienthong.files import (
    MAX_CHUNK_BYTES,
    STORED_CHUNK_BYTES,
    FileLimits,
    FileStore,
    StoredFile,
    UploadStatus,
)
from lienthong.testing.nats import NatsServer

MIB = 1024 * 1024
BUCKET = "documents"
PDF = "application/pdf"


def content(size: int, chunk: int = MAX_CHUNK_BYTES, seed: bytes = b"") -> Iterator[bytes]:
    """The same ``size`` bytes whatever ``chunk`` is, in chunks of that many bytes, made
    as they are asked for."""
    pending = bytearray()
    made, counter = 0, 0
    while made < size or pending:
        while len(pending) < chunk and made < size:
            block = hashlib.sha256(seed + counter.to_bytes(8, "big")).digest() * 2048
            block = block[:size - made]
            pending += block
            made += len(block)
            counter += 1
        yield bytes(pending[:chunk])
        del pending[:chunk]


def sha256_of(chunks: Iterator[bytes]) -> str:
    hasher = hashlib.sha256()
    for chunk in chunks:
        hasher.update(chunk)
    return hasher.hexdigest()


@pytest.fixture
async def nc(nats_server: NatsServer) -> AsyncIterator[Client]:
    connection = await nats.connect(nats_server.url)
    try:
        yield connection
    finally:
        await connection.close()


@pytest.fixture
async def store(nc: Client) -> FileStore:
    return await FileStore.open(nc.jetstream(), bucket=BUCKET,
                                limits=FileLimits(max_file_bytes=256 * MIB))


async def upload(store: FileStore, upload_id: str, chunks: Iterator[bytes],
                 offset: int = 0) -> int:
    for chunk in chunks:
        status = await store.append(upload_id, offset, chunk)
        offset = status.offset
    return offset


async def read_all(store: FileStore, name: str) -> tuple[StoredFile, bytes]:
    download = await store.download(name)
    return download.file, b"".join([chunk async for chunk in download])


async def invisible(nc: Client, name: str) -> bool:
    objects = await nc.jetstream().object_store(BUCKET)
    try:
        await objects.get(name)
    except ObjectNotFoundError:
        return True
    return False


async def refused(call: Any) -> InvalidArgument:
    with pytest.raises(InvalidArgument) as caught:
        await call
    return caught.value


async def test_a_20_mib_file_comes_back_byte_for_byte_and_nats_py_verifies_it(
        nc: Client, store: FileStore) -> None:
    size = 20 * MIB + 12345
    name = "Quyết định 12-QĐ-UBND.pdf"
    begun = await store.begin_upload(name, PDF, size)
    assert (begun.offset, begun.size, begun.name) == (0, size, name)

    # Chunks of an odd length, so client chunks and stored chunk messages do not line up.
    with structlog.testing.capture_logs() as logs:
        assert await upload(store, begun.upload_id, content(size, chunk=700_001)) == size
        assert await invisible(nc, name)  # every byte stored, nothing visible yet
        stored = await store.finish(begun.upload_id, sha256=sha256_of(content(size, 700_001)))
    # Hashed as the bytes came: no chunk was read back.
    assert [entry["event"] for entry in logs] == ["file_stored"]
    expected = sha256_of(content(size))
    assert stored == StoredFile(name=name, size=size, sha256=expected, content_type=PDF,
                                chunks=stored.chunks, modified=stored.modified)
    assert stored.chunks >= -(-size // STORED_CHUNK_BYTES)

    info, data = await read_all(store, name)
    assert info.sha256 == expected and info.size == size and info.content_type == PDF
    assert len(data) == size and hashlib.sha256(data).hexdigest() == expected
    assert data == b"".join(content(size))

    # nats-py's own client reads the object and checks its digest on the way.
    objects = await nc.jetstream().object_store(BUCKET)
    result = await objects.get(name)
    assert result.data == data
    assert result.info.digest == stored.digest
    assert result.info.size == size
    assert result.info.headers == {"Content-Type": [PDF]}
    assert [entry.name for entry in await objects.list(ignore_deletes=True)] == [name]

    # The upload is over: its id names nothing any more; the name is taken.
    with pytest.raises(NotFound):
        await store.status(begun.upload_id)
    with pytest.raises(AlreadyExists) as caught:
        await store.begin_upload(name, PDF, 10)
    assert caught.value.reason == "FILE_EXISTS"


class Unreliable:
    """A JetStream context whose publish number ``fail_at`` is stored, then its answer
    never comes: the call hangs (``hang``; the caller's task is cancelled, as when a
    client's connection breaks) or times out."""

    def __init__(self, js: Any, fail_at: int, *, hang: bool) -> None:
        self._js = js
        self.fail_at = fail_at
        self.hang = hang
        self.publishes = 0
        self.stored = asyncio.Event()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._js, name)

    async def publish(self, *args: Any, **kwargs: Any) -> Any:
        ack = await self._js.publish(*args, **kwargs)
        self.publishes += 1
        if self.publishes == self.fail_at:
            self.stored.set()
            if self.hang:
                await asyncio.sleep(3600)
            raise nats.errors.TimeoutError
        return ack


PIECES = MAX_CHUNK_BYTES // STORED_CHUNK_BYTES


async def test_an_upload_broken_off_half_way_carries_on_from_the_acknowledged_offset(
        nc: Client) -> None:
    # The second stored chunk message of the fourth chunk is stored, and then the client's
    # connection breaks: its call is cancelled.
    js = Unreliable(nc.jetstream(), fail_at=3 * PIECES + 2, hang=True)
    store = await FileStore.open(js, bucket=BUCKET)  # type: ignore[arg-type]
    size = 6 * MIB + 77
    begun = await store.begin_upload("to-trinh.docx", "application/vnd.openxmlformats-"
                                     "officedocument.wordprocessingml.document", size)
    chunks = list(content(size))
    await upload(store, begun.upload_id, iter(chunks[:3]))
    sending = asyncio.create_task(store.append(begun.upload_id, 3 * MAX_CHUNK_BYTES, chunks[3]))
    await js.stored.wait()
    sending.cancel()
    with pytest.raises(asyncio.CancelledError):
        await sending

    # The client asks where to carry on: inside the chunk it was sending.
    offset = (await store.status(begun.upload_id)).offset
    assert offset == 3 * MAX_CHUNK_BYTES + 2 * STORED_CHUNK_BYTES
    rest = b"".join(chunks)[offset:]
    await upload(store, begun.upload_id,
                 (rest[i:i + MAX_CHUNK_BYTES] for i in range(0, len(rest), MAX_CHUNK_BYTES)),
                 offset=offset)
    stored = await store.finish(begun.upload_id)
    assert stored.sha256 == sha256_of(content(size))
    assert (await read_all(store, stored.name))[1] == b"".join(chunks)


async def test_a_chunk_whose_acknowledgement_was_lost_counts_once(nc: Client) -> None:
    # The first stored chunk message of the second chunk is stored; its answer times out.
    js = Unreliable(nc.jetstream(), fail_at=PIECES + 1, hang=False)
    store = await FileStore.open(js, bucket=BUCKET)  # type: ignore[arg-type]
    size = 3 * MIB
    chunks = list(content(size))
    begun = await store.begin_upload("scan.tiff", "image/tiff", size)
    await store.append(begun.upload_id, 0, chunks[0])
    with pytest.raises(nats.errors.TimeoutError):
        await store.append(begun.upload_id, MAX_CHUNK_BYTES, chunks[1])

    # The client retries the whole chunk: refused, and told to carry on right after the
    # part that was stored.
    error = await refused(store.append(begun.upload_id, MAX_CHUNK_BYTES, chunks[1]))
    assert error.metadata["expected_offset"] == str(MAX_CHUNK_BYTES + STORED_CHUNK_BYTES)
    status = await store.status(begun.upload_id)
    assert status.offset == MAX_CHUNK_BYTES + STORED_CHUNK_BYTES
    rest = b"".join(chunks)[status.offset:]
    await upload(store, begun.upload_id, iter([rest[:MAX_CHUNK_BYTES], rest[MAX_CHUNK_BYTES:]]),
                 offset=status.offset)
    assert (await store.finish(begun.upload_id)).sha256 == sha256_of(iter(chunks))


async def test_two_replicas_take_turns_on_one_upload(nc: Client, store: FileStore) -> None:
    size = 3 * MIB
    chunks = list(content(size, seed=b"replicas"))
    begun = await store.begin_upload("bien-ban.pdf", PDF, size)
    await store.append(begun.upload_id, 0, chunks[0])

    other = await FileStore.open(nc.jetstream(), bucket=BUCKET)
    assert (await other.status(begun.upload_id)).offset == MAX_CHUNK_BYTES
    await other.append(begun.upload_id, MAX_CHUNK_BYTES, chunks[1])

    # The first replica learns from the stream that the upload moved on without it.
    with pytest.raises(InvalidArgument) as caught:
        await store.append(begun.upload_id, MAX_CHUNK_BYTES, chunks[1])
    assert caught.value.metadata["expected_offset"] == str(2 * MAX_CHUNK_BYTES)
    await store.append(begun.upload_id, 2 * MAX_CHUNK_BYTES, chunks[2])
    assert (await other.finish(begun.upload_id)).sha256 == sha256_of(iter(chunks))


async def test_an_upload_carries_on_after_nats_and_the_service_restarted(
        nats_server: NatsServer) -> None:
    size = 5 * MIB + 3
    chunks = list(content(size, seed=b"restart"))
    nc = await nats.connect(nats_server.url)
    store = await FileStore.open(nc.jetstream(), bucket=BUCKET)
    begun = await store.begin_upload("cong-van-den.pdf", PDF, size)
    await upload(store, begun.upload_id, iter(chunks[:2]))
    await nc.close()

    nats_server.kill()  # no chance to flush
    nats_server.start()

    nc = await nats.connect(nats_server.url)
    try:
        fresh = await FileStore.open(nc.jetstream(), bucket=BUCKET)  # a new service process
        with structlog.testing.capture_logs() as logs:
            status = await fresh.status(begun.upload_id)
        # The new process read the stored chunks back once, to rebuild the digest's state.
        assert [(entry["event"], entry["offset"]) for entry in logs] == [
            ("upload_resumed", 2 * MAX_CHUNK_BYTES)]
        assert (status.offset, status.name, status.size, status.content_type) == (
            2 * MAX_CHUNK_BYTES, "cong-van-den.pdf", size, PDF)
        with pytest.raises(FailedPrecondition) as incomplete:
            await fresh.finish(begun.upload_id)
        assert incomplete.value.reason == "UPLOAD_INCOMPLETE"
        await upload(fresh, begun.upload_id, iter(chunks[2:]), offset=status.offset)
        stored = await fresh.finish(begun.upload_id, sha256=sha256_of(iter(chunks)).upper())
        assert stored.sha256 == sha256_of(iter(chunks))
        objects = await nc.jetstream().object_store(BUCKET)
        assert (await objects.get("cong-van-den.pdf")).data == b"".join(chunks)
    finally:
        await nc.close()


async def test_a_retried_begin_with_the_same_request_id_is_the_same_upload(
        store: FileStore) -> None:
    first = await store.begin_upload("phu-luc.zip", "application/zip", 100, request_id="r-1")
    await store.append(first.upload_id, 0, b"x" * 40)
    again = await store.begin_upload("phu-luc.zip", "application/zip", 100, request_id="r-1")
    assert again == UploadStatus(first.upload_id, "phu-luc.zip", "application/zip", 100, 40)
    with pytest.raises(InvalidArgument) as caught:
        await store.begin_upload("khac.zip", "application/zip", 100, request_id="r-1")
    assert caught.value.reason == "REQUEST_ID_REUSED"


async def test_what_breaks_a_rule_is_refused_naming_the_field_and_nothing_becomes_visible(
        nc: Client, nats_server: NatsServer) -> None:
    js = nc.jetstream()
    store = await FileStore.open(js, bucket=BUCKET,
                                 limits=FileLimits(max_file_bytes=3 * MIB,
                                                   content_types=frozenset({PDF})))
    # Refused before any work: no upload is recorded.
    error = await refused(store.begin_upload("a.pdf", "image/png", 10))
    assert (error.violations[0].field, error.reason) == ("content_type",
                                                         "CONTENT_TYPE_NOT_ALLOWED")
    error = await refused(store.begin_upload("a.pdf", PDF, 3 * MIB + 1))
    assert (error.violations[0].field, error.reason) == ("size", "FILE_TOO_LARGE")
    error = await refused(store.begin_upload("../etc/passwd", PDF, 10))
    assert (error.violations[0].field, error.reason) == ("name", "NAME_CHARACTERS")
    error = await refused(store.begin_upload("", "text/html", -1))
    assert [v.field for v in error.violations] == ["name", "content_type", "size"]
    assert (await js.stream_info("KV_documents_uploads")).state.messages == 0

    size = 2 * MIB - 100
    chunks = list(content(size))
    begun = await store.begin_upload("to-khai.pdf", PDF, size)
    await store.append(begun.upload_id, 0, chunks[0])

    error = await refused(store.append(begun.upload_id, 0, chunks[1]))
    assert (error.violations[0].field, error.reason) == ("offset", "OFFSET_MISMATCH")
    assert error.metadata["expected_offset"] == str(MAX_CHUNK_BYTES)
    assert str(MAX_CHUNK_BYTES) in error.violations[0].description
    error = await refused(store.append(begun.upload_id, MAX_CHUNK_BYTES,
                                       b"x" * MAX_CHUNK_BYTES))
    assert (error.violations[0].field, error.reason) == ("data", "DECLARED_SIZE_EXCEEDED")
    error = await refused(store.append(begun.upload_id, MAX_CHUNK_BYTES,
                                       b"x" * (MAX_CHUNK_BYTES + 1)))
    assert (error.violations[0].field, error.reason) == ("data", "CHUNK_TOO_LARGE")
    error = await refused(store.append("no such upload!", 0, b"x"))
    assert error.violations[0].field == "upload_id"
    with pytest.raises(NotFound):
        await store.append("0123-abcd", 0, b"x")
    assert (await store.status(begun.upload_id)).offset == MAX_CHUNK_BYTES

    # Finishing too early, or with another digest, leaves the file invisible.
    with pytest.raises(FailedPrecondition) as early:
        await store.finish(begun.upload_id)
    assert early.value.metadata["expected_offset"] == str(MAX_CHUNK_BYTES)
    await store.append(begun.upload_id, MAX_CHUNK_BYTES, chunks[1])
    error = await refused(store.finish(begun.upload_id, sha256="0" * 64))
    assert (error.violations[0].field, error.reason) == ("sha256", "SHA256_MISMATCH")
    error = await refused(store.finish(begun.upload_id, sha256="not a digest"))
    assert (error.violations[0].field, error.reason) == ("sha256", "SHA256_FORMAT")
    assert await invisible(nc, "to-khai.pdf")
    with pytest.raises(NotFound):
        await store.download("to-khai.pdf")

    # Abandoned: its chunks are purged, and the name stays free.
    await store.abort(begun.upload_id)
    with pytest.raises(NotFound):
        await store.status(begun.upload_id)
    assert await invisible(nc, "to-khai.pdf")
    info = await js.stream_info("OBJ_documents")
    assert info.state.messages == 0


async def test_a_file_nats_py_stored_is_downloaded_too(nc: Client, store: FileStore) -> None:
    objects = await nc.jetstream().object_store(BUCKET)
    data = b"".join(content(300_000, seed=b"nats-py"))
    await objects.put("tu-nats-py.xml", data)
    file, read = await read_all(store, "tu-nats-py.xml")
    assert read == data and file.sha256 == hashlib.sha256(data).hexdigest()
    assert file.content_type == "application/octet-stream"


async def test_a_damaged_file_ends_its_download_with_data_loss(nc: Client,
                                                              store: FileStore) -> None:
    size = MIB
    begun = await store.begin_upload("hong.pdf", PDF, size)
    await upload(store, begun.upload_id, content(size))
    await store.finish(begun.upload_id)
    js = nc.jetstream()
    objects = await js.object_store(BUCKET)
    info = await objects.get_info("hong.pdf")
    second = await js.get_msg("OBJ_documents", seq=1, subject=f"$O.documents.C.{info.nuid}",
                              direct=True, next=True)
    assert second.seq is not None
    await js.delete_msg("OBJ_documents", second.seq + 1)

    download = await store.download("hong.pdf")
    received = []
    with pytest.raises(DataLoss) as caught:
        async for chunk in download:
            received.append(chunk)
    assert caught.value.reason == "FILE_DAMAGED"
    assert sum(map(len, received)) == size - STORED_CHUNK_BYTES


@pytest.mark.timeout(120)
async def test_memory_stays_bounded_uploading_and_downloading_a_large_file(
        store: FileStore) -> None:
    size = 200 * MIB
    started = time.monotonic()
    tracemalloc.start()
    try:
        begun = await store.begin_upload("ho-so-scan.zip", "application/zip", size)
        offset = await upload(store, begun.upload_id, content(size, seed=b"big"))
        stored = await store.finish(begun.upload_id)
        _, upload_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()

        download = await store.download(stored.name)
        hasher, received = hashlib.sha256(), 0
        async for chunk in download:
            assert len(chunk) <= MAX_CHUNK_BYTES
            hasher.update(chunk)
            received += len(chunk)
        _, download_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    elapsed = time.monotonic() - started
    assert offset == received == size
    assert hasher.hexdigest() == stored.sha256 == sha256_of(content(size, seed=b"big"))
    assert upload_peak < 16 * MIB, upload_peak
    assert download_peak < 16 * MIB, download_peak
    print(f"200 MiB: {elapsed:.1f} s, peak {upload_peak / MIB:.1f} MiB up, "
          f"{download_peak / MIB:.1f} MiB down")
