"""A service finds the services it calls by their address settings, and calls over mutual
TLS with its own certificate, taken again when it is renewed."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from lienthong.calls import (
    CallSettingsError,
    ServiceChannel,
    address_of,
    address_variable,
    channel_to,
    service_callers,
)
from lienthong.config import Settings
from lienthong.errors import Unavailable
from lienthong.tools.pki import CA

if TYPE_CHECKING:
    from pathlib import Path


def test_only_a_service_that_calls_another_is_named_as_a_caller() -> None:
    from lienthong import registry

    assert service_callers(registry.service("documents")) == [
        "VN:GOV:000.00.00.Z00/documents"]
    assert service_callers(registry.service("identity")) == []
    assert service_callers(registry.service("documents"), "VN:GOV:000.00.01.H26") == [
        "VN:GOV:000.00.01.H26/documents"]


def test_each_service_has_its_own_address_variable() -> None:
    assert address_variable("signatures") == "LIENTHONG_SIGNATURES_ADDRESS"
    assert address_variable("civil-status") == "LIENTHONG_CIVIL_STATUS_ADDRESS"
    assert address_of("signatures", {"LIENTHONG_SIGNATURES_ADDRESS": "sig:50053"}) == \
        "sig:50053"


@pytest.mark.parametrize("value", ["", "signatures", "sig:", ":50053", "sig:http", "sig:70000"])
def test_an_address_that_is_not_host_and_port_is_refused_naming_the_variable(value) -> None:
    with pytest.raises(CallSettingsError, match="LIENTHONG_SIGNATURES_ADDRESS"):
        address_of("signatures", {"LIENTHONG_SIGNATURES_ADDRESS": value})


def test_without_an_address_the_calls_are_unavailable_and_say_what_is_missing() -> None:
    channel = channel_to("signatures", Settings(service="documents"), environ={})

    with pytest.raises(Unavailable, match="LIENTHONG_SIGNATURES_ADDRESS") as refused:
        channel.get()
    assert refused.value.reason == "SERVICE_ADDRESS_MISSING"


def test_a_renewed_certificate_makes_a_new_channel_and_the_old_one_stays_open(
        tmp_path: Path) -> None:
    ca = CA(tmp_path / "ca")
    ca.init()
    ca.issue("documents", "service", hosts=["127.0.0.1"],
             callers=["VN:GOV:000.00.00.Z00/documents"])
    cert, key = ca.paths("documents")
    settings = Settings(service="documents", tls_cert=str(cert), tls_key=str(key),
                        tls_ca=str(ca.cert_path))
    channel = channel_to("signatures", settings,
                         environ={"LIENTHONG_SIGNATURES_ADDRESS": "127.0.0.1:50053"})
    assert isinstance(channel, ServiceChannel)
    first = channel.get()
    assert channel.get() is first

    ca.issue("documents", "service", hosts=["127.0.0.1"],
             callers=["VN:GOV:000.00.00.Z00/documents"])  # renewed in place

    renewed = channel.get()
    assert renewed is not first
    assert channel.get() is renewed
    channel.close()
