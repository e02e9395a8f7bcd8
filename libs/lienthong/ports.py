"""Free TCP ports and waiting for a port to accept connections."""

from __future__ import annotations

import contextlib
import socket
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import subprocess


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def free_ports(count: int) -> list[int]:
    """``count`` free ports, all different: each probe stays bound until all are found
    (ports from :func:`free_port` called twice can be the same one, free again once its
    probe is closed)."""
    with contextlib.ExitStack() as stack:
        probes = [stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
                  for _ in range(count)]
        for probe in probes:
            probe.bind(("127.0.0.1", 0))
        return [int(probe.getsockname()[1]) for probe in probes]


def wait_for_port(port: int, host: str = "127.0.0.1", timeout: float = 15.0,
                  process: subprocess.Popen[bytes] | None = None) -> None:
    """Until ``host:port`` accepts a connection; fail at once if ``process`` (the one
    meant to listen there) exits."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            if process is not None and process.poll() is not None:
                msg = (f"process {process.pid} exited with code {process.returncode} "
                       f"before listening on {host}:{port}")
                raise RuntimeError(msg) from None
            if time.monotonic() > deadline:
                msg = f"nothing listens on {host}:{port} after {timeout}s"
                raise TimeoutError(msg) from None
            time.sleep(0.05)
