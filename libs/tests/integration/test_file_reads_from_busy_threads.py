"""Files read from worker threads while every thread of the loop's default pool is such
a reader: the reads still end (hashing has threads of its own), against a real
nats-server's Object Store."""

from __future__ import annotations

import asyncio
import contextlib
from concurrent.futures import ThreadPoolExecutor

from lienthong.files.service import ServiceFiles

READERS = 2
PAGE = bytes(range(256)) * 4096  # 1 MiB: several chunks, each hashed as it is read
#: A bound for the readers to finish, so that a hang fails the test instead of the suite.
PATIENCE_S = 60.0


async def test_readers_filling_the_default_pool_all_get_their_file(nats_server) -> None:
    loop = asyncio.get_running_loop()
    loop.set_default_executor(ThreadPoolExecutor(max_workers=READERS))
    files = ServiceFiles("archive", nats_server.url)
    stop = asyncio.Event()
    running = asyncio.create_task(files.run(stop))
    try:
        await files.store()
        stored = await asyncio.to_thread(files.keep, "scan-page-1.tiff", "image/tiff", PAGE)

        # As gRPC handlers do: each in a thread of the default pool, all of them at once.
        reads = [asyncio.to_thread(files.read, "scan-page-1.tiff", max_bytes=len(PAGE),
                                   sha256=stored.sha256) for _ in range(READERS)]
        done = await asyncio.wait_for(asyncio.gather(*reads), PATIENCE_S)

        assert done == [PAGE] * READERS
    finally:
        stop.set()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(running, 10)
