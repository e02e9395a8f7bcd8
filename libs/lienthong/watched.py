"""Files a running process follows: certificates, revocation lists, the access policy.

Each is read again when its modification time or size changes, so a new version takes
effect without a restart (a Kubernetes Secret or ConfigMap swapped in place, a rotated
certificate). How often a caller may afford to look is its own choice (``every_s``).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path


class WatchedFile:
    """A file's bytes (``content``), read again when its modification time or size changed;
    looked at at most every ``every_s`` seconds (0: at every call). Not synchronised: its
    owner holds the lock it already needs."""

    def __init__(self, path: Path, *, every_s: float = 0.0,
                 clock: Any = time.monotonic) -> None:
        self.path = path
        self.every_s = every_s
        self._clock = clock
        self._looked: float | None = None
        self._stamp: tuple[int, int] | None = None
        self.content = b""

    def changed(self) -> bool:
        """Whether the file changed since it was last read (and then its new ``content``);
        OSError when it cannot be read. The first call reads it."""
        now = self._clock()
        if self._looked is not None and now - self._looked < self.every_s:
            return False
        self._looked = now
        status = self.path.stat()
        stamp = (status.st_mtime_ns, status.st_size)
        if stamp == self._stamp:
            return False
        self.content = self.path.read_bytes()
        self._stamp = stamp
        return True

    def forget(self) -> None:
        """Read the file again at the next look, changed or not (its owner could not take
        this version yet)."""
        self._stamp = None
