"""Calls from one service of the platform to another over gRPC.

A service names the services it calls in its ServiceSpec (``calls``); each one's address
is in ``LIENTHONG_<NAME>_ADDRESS`` (``host:port``), which the local platform and the
chart set. With TLS settings the call goes over mutual TLS with the calling service's
own certificate (``LIENTHONG_TLS_CERT``, ``_KEY``, ``_CA``), which names its caller for
the called service's access policy; a renewed certificate is taken at the next call.
"""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING, Any

import structlog

from lienthong.errors import Unavailable
from lienthong.tls import TLSFiles, client_channel
from lienthong.watched import WatchedFile

if TYPE_CHECKING:
    from collections.abc import Mapping

    import grpc

    from lienthong.config import Settings
    from lienthong.registry import ServiceSpec


#: The platform's own agency as a caller: the chart's ``tls.platformCaller`` by default,
#: the local platform's development agency.
PLATFORM_AGENCY = "VN:GOV:000.00.00.Z00"


def service_callers(spec: ServiceSpec, agency: str = PLATFORM_AGENCY) -> list[str]:
    """The callers a service's certificate names: ``<agency>/<its name>`` when it calls
    other services (its ServiceSpec's ``calls``), none otherwise."""
    return [f"{agency}/{spec.name}"] if spec.calls else []


class CallSettingsError(RuntimeError):
    """The settings give no address for a service this one calls."""


def address_variable(service: str) -> str:
    """The environment variable holding the address of ``service``."""
    return f"LIENTHONG_{service.upper().replace('-', '_')}_ADDRESS"


def address_of(service: str, environ: Mapping[str, str] | None = None) -> str:
    """The address (``host:port``) of ``service``, from its variable."""
    env = os.environ if environ is None else environ
    address = env.get(address_variable(service), "").strip()
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        msg = (f"{address_variable(service)}={address!r}: the {service} service's address, "
               "host:port, is needed to call it")
        raise CallSettingsError(msg)
    return address


class ServiceChannel:
    """A channel to another service, made again when the calling service's certificate
    files change (the channel made before stays open for the calls still using it)."""

    def __init__(self, address: str, files: TLSFiles | None, *,
                 options: list[tuple[str, Any]] | None = None) -> None:
        self.address = address
        self._files = files
        self._options = options
        self._watched = ([WatchedFile(p) for p in (files.cert, files.key, files.ca)]
                         if files else [])
        for file in self._watched:
            file.changed()
        self._lock = threading.Lock()
        self._channel = client_channel(address, files, options)
        self._retired: list[grpc.Channel] = []

    def get(self) -> grpc.Channel:
        """The channel to call on now."""
        if self._watched and any([file.changed() for file in self._watched]):
            with self._lock:
                self._retired.append(self._channel)
                self._channel = client_channel(self.address, self._files, self._options)
        return self._channel

    def close(self) -> None:
        with self._lock:
            for channel in (*self._retired, self._channel):
                channel.close()
            self._retired.clear()


class UnconfiguredChannel:
    """The channel to a service whose address the settings do not give: every call is
    refused as UNAVAILABLE, naming the missing setting (the rest of the service runs)."""

    def __init__(self, service: str, reason: str) -> None:
        self.service = service
        self.reason = reason

    def get(self) -> grpc.Channel:
        raise Unavailable(self.reason, reason="SERVICE_ADDRESS_MISSING",
                          metadata={"service": self.service})

    def close(self) -> None:
        pass


def channel_to(service: str, settings: Settings, *,
               options: list[tuple[str, Any]] | None = None,
               environ: Mapping[str, str] | None = None,
               ) -> ServiceChannel | UnconfiguredChannel:
    """A channel to ``service`` as ``settings`` configure this one: its address, and its
    own certificate when it serves over TLS. Without an address the service still starts,
    with a warning in its log, and the calls that need ``service`` are UNAVAILABLE."""
    try:
        address = address_of(service, environ)
    except CallSettingsError as error:
        structlog.get_logger("lienthong.calls").warning(
            "service_address_missing", service=service, variable=address_variable(service))
        return UnconfiguredChannel(service, str(error))
    files = TLSFiles.from_paths(settings.tls_cert, settings.tls_key, settings.tls_ca)
    return ServiceChannel(address, files, options=options)
