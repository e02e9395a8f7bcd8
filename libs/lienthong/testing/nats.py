"""A real nats-server with JetStream on a free port, that tests can kill and restart."""

from __future__ import annotations

import os
import signal
from typing import TYPE_CHECKING

from lienthong.natsbin import start_nats_server
from lienthong.ports import free_port

if TYPE_CHECKING:
    import subprocess
    from pathlib import Path


class NatsServer:
    """One nats-server process with file storage in ``store_dir``."""

    def __init__(self, store_dir: Path, port: int | None = None) -> None:
        self.store_dir = store_dir
        self.port = port or free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = store_dir / "nats-server.log"

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self) -> NatsServer:
        self.process = start_nats_server(self.store_dir, self.log_path, port=self.port)
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
