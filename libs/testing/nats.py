"""A real nats-server with JetStream on a free port, that tests can kill and restart; and
one that takes mutual TLS only, with a user per service (:mod:`lienthong.natsauth`).

The class lives in the runtime (benchmarks start one too); tests import it from here.
"""

from __future__ import annotations

import json
import socket
from typing import TYPE_CHECKING

from lienthong.natsauth import server_config
from lienthong.natsbin import NatsServer
from lienthong.tls import TLSFiles
from lienthong.tools.pki import CA

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    from lienthong.registry import ServiceSpec

__all__ = ["NatsServer", "SecureNats", "refuses_plaintext"]


def refuses_plaintext(address: str) -> bool:
    """Whether the nats-server at ``host:port`` asks for TLS and drops a client that goes on
    in plaintext (no PONG to its PING)."""
    host, port = address.rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        info = json.loads(sock.recv(4096).decode().removeprefix("INFO "))
        sock.sendall(b'CONNECT {"verbose":false}\r\nPING\r\n')
        try:
            answer = sock.recv(4096)
        except ConnectionResetError:
            answer = b""
    return bool(info.get("tls_required")) and b"PONG" not in answer


class SecureNats:
    """A development CA in ``<folder>/pki`` with a certificate for the server (``nats``),
    each service of ``specs`` and each tools' name, and a nats-server in ``<folder>/nats``
    that maps each certificate to its user."""

    def __init__(self, folder: Path, specs: Sequence[ServiceSpec],
                 tools: Sequence[str] = ("tools",)) -> None:
        self.ca = CA(folder / "pki")
        self.ca.init()
        self.ca.issue("nats", "service", hosts=["127.0.0.1", "localhost"])
        for spec in specs:
            self.ca.issue(spec.name, "service", hosts=["127.0.0.1", "localhost"])
        for name in tools:
            self.ca.issue(name, "client", callers=["VN:GOV:000.00.00.Z00/local-tools"])
        self.server = NatsServer(folder / "nats", config=server_config(
            specs, self.files("nats"), tools=tools), tls=True)

    def files(self, name: str) -> TLSFiles:
        """The certificate ``name``'s files (issued by this CA)."""
        cert, key = self.ca.paths(name)
        return TLSFiles(cert=cert, key=key, ca=self.ca.cert_path)

    @property
    def url(self) -> str:
        return self.server.url

    def start(self) -> SecureNats:
        self.server.start()
        return self
