"""Mutual TLS: the files a server or a client uses, read again when they change, and who
a client certificate names.

Every calling system has a certificate from the platform's transport CA (``lienthong
pki``) whose URI SAN names it as the national exchange platform does: ``VN:GOV:<13-character
agency code>[/<subsystem>]``. That name is the call's ``caller``, recorded on every event
beside the self-declared ``actor``.

The server's certificate, key, CA bundle and revocation list are files; each new TLS
handshake reads them again when one has changed (rotation without a restart). The TLS
handshake itself refuses a client without a certificate, with one from another CA, or
an expired one; a revoked certificate (the CRL) or one that names no caller is refused by
the server's interceptor, UNAUTHENTICATED, before any servicer runs.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
from cryptography import x509

from lienthong.errors import Unauthenticated
from lienthong.watched import WatchedFile

#: ``VN:GOV:`` + an agency's 13-character code (QCVN 102:2016), then an optional subsystem.
CALLER_PATTERN = re.compile(
    r"^VN:GOV:(?P<agency>\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2})(?:/(?P<subsystem>[A-Za-z0-9._-]{1,64}))?$")


#: The environment naming a client's certificate, key and CA bundle (``<prefix>CERT``...).
CLIENT_ENV = "LIENTHONG_CLIENT_TLS_"


@dataclass(frozen=True)
class TLSFiles:
    """Where a process's TLS material is: its certificate and key, the CA bundle it trusts,
    and (servers) the CA's revocation list."""

    cert: Path
    key: Path
    ca: Path
    crl: Path | None = None

    @classmethod
    def from_paths(cls, cert: str, key: str, ca: str, crl: str = "") -> TLSFiles | None:
        """The files named, or None when none is (plaintext); some but not all is an error."""
        given = [cert, key, ca]
        if not any(given):
            return None
        if not all(given):
            msg = "TLS needs a certificate, its key and the CA bundle (all three, or none)"
            raise ValueError(msg)
        return cls(Path(cert), Path(key), Path(ca), Path(crl) if crl else None)

    @classmethod
    def client_from_env(cls) -> TLSFiles | None:
        """A client's files from ``LIENTHONG_CLIENT_TLS_CERT``, ``_KEY`` and ``_CA`` (None
        when unset: plaintext)."""
        return cls.from_paths(*(os.environ.get(f"{CLIENT_ENV}{part}", "")
                                for part in ("CERT", "KEY", "CA")))

    def client_env(self) -> dict[str, str]:
        """The environment that makes a process a client with these files."""
        return {f"{CLIENT_ENV}CERT": str(self.cert), f"{CLIENT_ENV}KEY": str(self.key),
                f"{CLIENT_ENV}CA": str(self.ca)}

    def as_dict(self) -> dict[str, str]:
        return {"ca": str(self.ca), "cert": str(self.cert), "key": str(self.key)}


def server_credentials(files: TLSFiles) -> grpc.ServerCredentials:
    """Credentials that require a client certificate from the CA bundle, and take a
    rotated certificate, key or bundle at the next handshake."""
    watched = [WatchedFile(files.key), WatchedFile(files.cert), WatchedFile(files.ca)]
    lock = threading.Lock()

    def configuration() -> grpc.ServerCertificateConfiguration:
        key, cert, ca = (w.content for w in watched)
        return grpc.ssl_server_certificate_configuration([(key, cert)], root_certificates=ca)

    for file in watched:
        file.changed()
    initial = configuration()

    def fetch() -> grpc.ServerCertificateConfiguration | None:
        with lock:
            changed = [file.changed() for file in watched]
            return configuration() if any(changed) else None

    return grpc.dynamic_ssl_server_credentials(initial, fetch,
                                               require_client_authentication=True)


def channel_credentials(files: TLSFiles) -> grpc.ChannelCredentials:
    """A client's credentials: its certificate and key, and the CA it trusts."""
    return grpc.ssl_channel_credentials(root_certificates=files.ca.read_bytes(),
                                        private_key=files.key.read_bytes(),
                                        certificate_chain=files.cert.read_bytes())


def client_channel(address: str, files: TLSFiles | None,
                   options: list[tuple[str, Any]] | None = None) -> grpc.Channel:
    """A channel to ``address``: mutual TLS with ``files``, plaintext with None."""
    if files is None:
        return grpc.insecure_channel(address, options=options)
    return grpc.secure_channel(address, channel_credentials(files), options=options)


def caller_of(certificate: x509.Certificate) -> str:
    """The caller a certificate names: its first URI SAN of the ``VN:GOV:`` form."""
    try:
        names = certificate.extensions.get_extension_for_class(
            x509.SubjectAlternativeName).value.get_values_for_type(
                x509.UniformResourceIdentifier)
    except x509.ExtensionNotFound:
        names = []
    for name in names:
        if CALLER_PATTERN.match(name):
            return name
    msg = "the client certificate names no caller (a URI SAN VN:GOV:<agency code>[/<subsystem>])"
    raise Unauthenticated(msg)


#: How often, at most, a server looks whether its CRL file changed (seconds).
CRL_CHECK_EVERY_S = 1.0
#: Client certificates whose serial and caller a server keeps, parsed once.
KNOWN_CERTIFICATES = 1024


class Revocations:
    """The serial numbers the CA has revoked, from its CRL file, looked at again at most
    every ``CRL_CHECK_EVERY_S`` and read again when it changed."""

    def __init__(self, path: Path | None, clock: Any = time.monotonic) -> None:
        self._file = (WatchedFile(path, every_s=CRL_CHECK_EVERY_S, clock=clock)
                      if path is not None else None)
        self._revoked: frozenset[int] = frozenset()
        self._lock = threading.Lock()
        #: A client certificate's bytes -> its serial and the caller it names (or the
        #: refusal it earns), parsed once.
        self._known: OrderedDict[bytes, tuple[int, str | Unauthenticated]] = OrderedDict()

    def revoked(self, serial: int) -> bool:
        if self._file is None:
            return False
        with self._lock:
            if self._file.changed():
                crl = x509.load_pem_x509_crl(self._file.content)
                self._revoked = frozenset(entry.serial_number for entry in crl)
            return serial in self._revoked

    def identify(self, pem: bytes) -> tuple[int, str | Unauthenticated]:
        """The serial of a client certificate and its caller (or why it names none)."""
        with self._lock:
            if (found := self._known.get(pem)) is not None:
                self._known.move_to_end(pem)
                return found
        certificate = x509.load_pem_x509_certificate(pem)
        try:
            named: str | Unauthenticated = caller_of(certificate)
        except Unauthenticated as refusal:
            named = refusal
        with self._lock:
            self._known[pem] = (certificate.serial_number, named)
            while len(self._known) > KNOWN_CERTIFICATES:
                self._known.popitem(last=False)
        return certificate.serial_number, named


def authenticate(pem: bytes, revocations: Revocations) -> str:
    """The caller of a verified client certificate; Unauthenticated when it is revoked or
    names no caller."""
    serial, named = revocations.identify(pem)
    if revocations.revoked(serial):
        msg = f"the client certificate (serial {serial:x}) is revoked"
        raise Unauthenticated(msg)
    if isinstance(named, Unauthenticated):
        raise named
    return named
