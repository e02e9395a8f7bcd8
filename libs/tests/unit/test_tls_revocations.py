"""A server's view of revocations: the CRL file looked at once a second at most and read
again when it changed; a certificate parsed once; the caller it names, or why it names none."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from lienthong.errors import Unauthenticated
from lienthong.tls import CRL_CHECK_EVERY_S, Revocations, authenticate
from lienthong.tools.pki import CA

if TYPE_CHECKING:
    from pathlib import Path

CALLER = "VN:GOV:000.00.00.H26/mot-cua"


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def ca(tmp_path: Path) -> CA:
    authority = CA(tmp_path / "pki")
    authority.init()
    authority.issue("mot-cua", "client", callers=[CALLER])
    authority.issue("identity", "service", hosts=["127.0.0.1"])
    return authority


def pem(ca: CA, name: str) -> bytes:
    return ca.paths(name)[0].read_bytes()


def test_a_revocation_holds_once_the_crl_is_looked_at_again(ca: CA) -> None:
    clock = Clock()
    revocations = Revocations(ca.crl_path, clock=clock)
    assert authenticate(pem(ca, "mot-cua"), revocations) == CALLER

    ca.revoke("mot-cua")
    clock.now += CRL_CHECK_EVERY_S / 2
    assert authenticate(pem(ca, "mot-cua"), revocations) == CALLER  # not looked at yet
    clock.now += CRL_CHECK_EVERY_S
    with pytest.raises(Unauthenticated, match="revoked"):
        authenticate(pem(ca, "mot-cua"), revocations)


def test_a_certificate_naming_no_caller_is_refused_every_time(ca: CA) -> None:
    revocations = Revocations(ca.crl_path)
    for _ in range(2):  # the second time from what was parsed the first
        with pytest.raises(Unauthenticated, match="names no caller"):
            authenticate(pem(ca, "identity"), revocations)


def test_without_a_crl_nothing_is_revoked(ca: CA) -> None:
    assert authenticate(pem(ca, "mot-cua"), Revocations(None)) == CALLER
