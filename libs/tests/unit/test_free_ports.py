"""Ports for the processes a test starts: many at once, none given twice, each free."""

from __future__ import annotations

import socket
import time

import pytest

from lienthong import ports
from lienthong.ports import free_port, free_ports


def test_ports_asked_for_together_are_all_different_and_free() -> None:
    ports = free_ports(40)

    assert len(ports) == 40 and len(set(ports)) == 40
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", ports[-1]))  # released: a server may take it now
        listener.listen()


def test_a_port_handed_out_is_not_handed_out_again_while_held(monkeypatch, tmp_path) -> None:
    # The kernel offers the same port again and again (as it may to two workers in turn).
    offered = iter([5001, 5001, 5001, 5002, 5001, 5003])
    monkeypatch.setattr(ports, "_ledger_path", lambda: tmp_path / "ledger")
    monkeypatch.setattr(ports, "_probe", lambda stack: next(offered))

    first, second, third = free_port(), free_port(), free_port()

    assert (first, second, third) == (5001, 5002, 5003)


def test_a_port_is_handed_out_again_once_its_hold_is_over(monkeypatch, tmp_path) -> None:
    ledger = tmp_path / "ledger"
    ledger.write_text(f"5001 {time.time() - ports.HOLD_S - 1:.3f}\nnot a line\n")
    monkeypatch.setattr(ports, "_ledger_path", lambda: ledger)
    monkeypatch.setattr(ports, "_probe", lambda stack: 5001)

    assert free_port() == 5001
    assert ledger.read_text().split()[0] == "5001"  # held again from now


def test_no_port_found_outside_the_held_ones_is_a_clear_error(monkeypatch, tmp_path) -> None:
    monkeypatch.setattr(ports, "_ledger_path", lambda: tmp_path / "ledger")
    monkeypatch.setattr(ports, "_probe", lambda stack: 5001)
    assert free_port() == 5001

    with pytest.raises(OSError, match="0 of 1 free ports"):
        free_port()


def test_ports_are_picked_where_no_outgoing_connection_takes_one(tmp_path) -> None:
    low, _ = ports._outgoing_range()
    if low <= ports.LOWEST_PORT:
        pytest.skip(f"no room below this kernel's range of outgoing ports (from {low})")

    picked = free_ports(10)

    assert all(ports.LOWEST_PORT <= port < low for port in picked)
    assert ports._outgoing_range(tmp_path / "no such file") == (32_768, 60_999)
