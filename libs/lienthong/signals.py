"""How every long-running process of the platform is told to stop: SIGTERM or SIGINT.

A service, a relay or checkpointer run on its own, all wait on the event
:func:`stop_on_signal` gives and then wind down in their own way (drain
calls, finish a batch); none of them exits from inside a signal handler.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator

class Stopped(Exception):
    """A stop was asked for (Ctrl-C, SIGTERM) before the work in hand was done.

    Work that looks at a ``should_stop()`` between its steps (starting the
    local platform, loading a seed) raises it, so the stop comes between two
    steps, never halfway through one.
    """


def never() -> bool:
    """A ``should_stop`` for work that nothing stops."""
    return False


#: Kubernetes stops a pod with SIGTERM; Ctrl-C sends SIGINT.
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


@contextlib.contextmanager
def stop_on_signal() -> Iterator[asyncio.Event]:
    """An event that SIGTERM or SIGINT sets while the block runs (in the running loop).

    The handlers are removed when the block ends, so a signal after that
    has its default effect again.
    """
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in STOP_SIGNALS:
        loop.add_signal_handler(signum, stop.set)
    try:
        yield stop
    finally:
        for signum in STOP_SIGNALS:
            loop.remove_signal_handler(signum)
