"""Free TCP ports and waiting for a port to accept connections.

A port the kernel calls free is free only until someone binds it. Test
processes running side by side (pytest-xdist workers, several checkouts) ask
for ports and start their servers a moment later: two of them could be handed
the same port in between. Every port handed out is therefore written to a
ledger of this user's (a file under the temporary folder, locked while read
and written) and not handed out again, in any process, for :data:`HOLD_S`
seconds. And ports are picked below the kernel's range for the local ports of outgoing
connections, which a client connection could otherwise take in between.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import os
import random
import socket
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import subprocess

#: Seconds a port handed out is not handed out again (a server binds it well before).
HOLD_S = 120.0
#: Probes tried per port asked for before giving up.
_ATTEMPTS_PER_PORT = 50


def _ledger_path() -> Path:
    return Path(tempfile.gettempdir()) / f"lienthong-ports-{os.getuid()}"


#: Where ports are picked when the kernel's range for the local ports of outgoing
#: connections leaves room below it (Linux: 32768-60999): a client connection (to
#: PostgreSQL, to NATS...) can then never take a port between its probe and its server's bind.
LOWEST_PORT = 20_000
#: Picks tried at random below that range before the kernel is asked for any free port.
_PICKS = 20


@functools.cache
def _outgoing_range(path: Path = Path("/proc/sys/net/ipv4/ip_local_port_range"),
                    ) -> tuple[int, int]:
    """The kernel's range for outgoing connections' local ports (read once: it is a
    machine's setting)."""
    try:
        low, high = (int(part) for part in path.read_text().split())
    except (OSError, ValueError):
        return 32_768, 60_999  # Linux's default
    return low, high


def _probe(stack: contextlib.ExitStack) -> int:
    """A free port, kept bound until ``stack`` closes: one below the range of outgoing
    connections' ports if there is room and one of a few picks is free, else the kernel's."""
    low, _ = _outgoing_range()
    for _ in range(_PICKS if low > LOWEST_PORT else 0):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.bind(("127.0.0.1", random.randrange(LOWEST_PORT, low)))
        except OSError:
            sock.close()
            continue
        return int(stack.enter_context(sock).getsockname()[1])
    sock = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
    sock.bind(("127.0.0.1", 0))
    return int(sock.getsockname()[1])


def _read_held(text: str, now: float) -> dict[int, float]:
    held: dict[int, float] = {}
    for line in text.splitlines():
        port, _, stamp = line.partition(" ")
        try:
            number, when = int(port), float(stamp)
        except ValueError:
            continue  # a torn or foreign line: ignored
        if now - when < HOLD_S:
            held[number] = when
    return held


def free_port() -> int:
    """A free port on 127.0.0.1, not handed out by this module in the last :data:`HOLD_S` s."""
    return free_ports(1)[0]


def free_ports(count: int) -> list[int]:
    """``count`` different free ports, none handed out in the last :data:`HOLD_S` seconds
    (by any process of this user's). Each probe stays bound until all are found."""
    path = _ledger_path()
    with open(path, "a+", encoding="ascii") as ledger, contextlib.ExitStack() as stack:
        fcntl.flock(ledger, fcntl.LOCK_EX)
        ledger.seek(0)
        now = time.time()
        held = _read_held(ledger.read(), now)
        chosen: list[int] = []
        for _ in range(count * _ATTEMPTS_PER_PORT):
            if len(chosen) == count:
                break
            port = _probe(stack)
            if port not in held and port not in chosen:
                chosen.append(port)
        if len(chosen) < count:
            msg = f"found {len(chosen)} of {count} free ports not handed out recently"
            raise OSError(msg)
        held.update(dict.fromkeys(chosen, now))
        ledger.seek(0)
        ledger.truncate()
        ledger.write("".join(f"{port} {when:.3f}\n" for port, when in held.items()))
        ledger.flush()
        return chosen


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
