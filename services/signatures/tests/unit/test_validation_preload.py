"""The validation's modules (pyHanko, signxml, fonts, images: over half a second to import)
are loaded in a thread once the service is up, so that neither its start nor its first
validation waits for them; what they loaded is then set aside from the cycle collector."""

from __future__ import annotations

import subprocess
import sys

STORY = """
import asyncio, gc, sys
from lienthong.services.signatures.server import ValidationPreload

VALIDATION = "lienthong.services.signatures.documents"

async def main():
    stop = asyncio.Event()
    before = VALIDATION in sys.modules
    task = asyncio.create_task(ValidationPreload().run(stop))
    while VALIDATION not in sys.modules:
        await asyncio.sleep(0.01)
    running = not task.done()
    stop.set()
    await asyncio.wait_for(task, 60)
    print(before, running, task.done(), gc.get_freeze_count() > 0)

asyncio.run(main())
"""


def test_the_validation_is_loaded_beside_the_service_until_it_stops() -> None:
    done = subprocess.run([sys.executable, "-c", STORY], capture_output=True, text=True,
                          check=True, timeout=120)

    assert done.stdout.split() == ["False", "True", "True", "True"]
