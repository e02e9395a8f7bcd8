"""Ports for the processes a test starts: many at once, none given twice, each free."""

from __future__ import annotations

import socket

from lienthong.ports import free_ports


def test_ports_asked_for_together_are_all_different_and_free() -> None:
    ports = free_ports(40)

    assert len(ports) == 40 and len(set(ports)) == 40
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", ports[-1]))  # released: a server may take it now
        listener.listen()
