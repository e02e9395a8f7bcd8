"""A service that keeps files (``stores_files``) works its own Object Store bucket through
its own NATS user on a real nats-server configured by ``lienthong.natsauth``: an upload
begun, broken off, carried on by another process, finished, read back by a worker
thread, and a second one given up; and no other user reaches that bucket."""

from __future__ import annotations

import asyncio
import hashlib
from typing import TYPE_CHECKING

import nats
import nats.errors
import pytest

from lienthong import registry
from lienthong.errors import InvalidArgument
from lienthong.files import STORED_CHUNK_BYTES, FileStore, bucket_for
from lienthong.files.service import ServiceFiles
from lienthong.natsauth import connect_options
from lienthong.testing.nats import SecureNats

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

MIB = 1024 * 1024
PDF = "application/pdf"
REFUSED_S = 1.0
#: The service that keeps files, and one that does not.
KEEPER = next(spec for spec in registry.services() if spec.stores_files)
OTHER = next(spec for spec in registry.services() if not spec.stores_files)


@pytest.fixture
def secure(tmp_path: Path) -> Iterator[SecureNats]:
    server = SecureNats(tmp_path, [KEEPER, OTHER])
    server.start()
    try:
        yield server
    finally:
        server.server.kill()


async def connected(secure: SecureNats, name: str) -> nats.NATS:
    return await nats.connect(**connect_options(secure.url, secure.files(name)),
                              connect_timeout=2, max_reconnect_attempts=0,
                              allow_reconnect=False)


def content(size: int) -> bytes:
    return bytes((i * 7 + i // 251) % 256 for i in range(size))


async def test_a_service_uploads_resumes_reads_and_abandons_files_as_its_own_user(
        secure: SecureNats) -> None:
    bucket = bucket_for(KEEPER.name)
    data = content(3 * MIB + 5)
    first = await connected(secure, KEEPER.name)
    store = await FileStore.open(first.jetstream(), bucket=bucket)
    begun = await store.begin_upload("quyet-dinh.pdf", PDF, len(data))
    await store.append(begun.upload_id, 0, data[:MIB])
    await first.close()  # the process that began it is gone

    # Another process of the service carries on from what was acknowledged.
    files = ServiceFiles(KEEPER.name, secure.url, secure.files(KEEPER.name))
    stop = asyncio.Event()
    running = asyncio.create_task(files.run(stop))
    store = await files.store()
    status = await store.status(begun.upload_id)
    assert status.offset == MIB
    for offset in range(MIB, len(data), MIB):
        await store.append(begun.upload_id, offset, data[offset:offset + MIB])
    stored = await store.finish(begun.upload_id, hashlib.sha256(data).hexdigest())
    assert stored.size == len(data)

    # Code in a worker thread reads the whole file, checked against what it expects.
    read = await asyncio.to_thread(files.read, "quyet-dinh.pdf", max_bytes=4 * MIB,
                                   sha256=stored.sha256)
    assert read == data
    # ...and checks that a file a request names is stored as the request describes it.
    await asyncio.to_thread(files.check, "quyet-dinh.pdf", size=len(data),
                            sha256=stored.sha256, field="draft.files[0]")
    for name, size, sha256, rule in [
            ("khong-co.pdf", len(data), stored.sha256, "draft.files[0].object_name"),
            ("quyet-dinh.pdf", len(data) - 1, stored.sha256, "draft.files[0].size"),
            ("quyet-dinh.pdf", len(data), "ab" * 32, "draft.files[0].sha256")]:
        with pytest.raises(InvalidArgument) as refused:
            await asyncio.to_thread(files.check, name, size=size, sha256=sha256,
                                    field="draft.files[0]")
        assert [v.field for v in refused.value.violations] == [rule]
    with pytest.raises(InvalidArgument, match="at most"):
        await asyncio.to_thread(files.read, "quyet-dinh.pdf", max_bytes=MIB)
    with pytest.raises(InvalidArgument, match=r"SHA-256"):
        await asyncio.to_thread(files.read, "quyet-dinh.pdf", max_bytes=4 * MIB,
                                sha256="00" * 32)

    # An upload given up leaves nothing behind.
    abandoned = await store.begin_upload("nhap.pdf", PDF, 2 * MIB)
    await store.append(abandoned.upload_id, 0, data[:MIB])
    await store.abort(abandoned.upload_id)
    check = await connected(secure, KEEPER.name)
    info = await check.jetstream().stream_info(f"OBJ_{bucket}")
    # The stored file alone: its chunk messages and its description.
    assert info.state.messages == -(-len(data) // STORED_CHUNK_BYTES) + 1
    await check.close()
    stop.set()
    await running


async def test_no_other_user_reaches_the_bucket_and_the_keeper_no_other_bucket(
        secure: SecureNats) -> None:
    keeper = await connected(secure, KEEPER.name)
    await FileStore.open(keeper.jetstream(), bucket=bucket_for(KEEPER.name))
    other = await connected(secure, OTHER.name)
    js = other.jetstream(timeout=REFUSED_S)

    with pytest.raises(nats.errors.TimeoutError):
        await js.object_store(bucket_for(KEEPER.name))
    with pytest.raises(nats.errors.TimeoutError):
        await js.publish(f"$O.{bucket_for(KEEPER.name)}.C.forged", b"forged")
    with pytest.raises(nats.errors.TimeoutError):
        await keeper.jetstream(timeout=REFUSED_S).create_object_store(bucket_for(OTHER.name))
    await keeper.close()
    await other.close()
