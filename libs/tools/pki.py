"""The platform's transport CA and the certificates it issues (``lienthong pki``).

A folder holds the CA and what it issued::

    ca.pem, ca.key          the CA (ECDSA P-256; the key stays in this folder, mode 0600)
    crl.pem                 its certificate revocation list, signed anew on each revocation
    issued/<name>.pem/.key  each certificate and its key
    index.json              every certificate issued: serial, name, kind, names, validity,
                            and when and why it was revoked

A service's certificate names the hosts it answers on (DNS and IP SANs) and, as a client
of other services, the platform's own caller; a client system's names the system as the
national exchange platform does, a URI SAN ``VN:GOV:<agency code>[/<subsystem>]``
(:data:`lienthong.tls.CALLER_PATTERN`).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import os
import re
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from lienthong.tls import CALLER_PATTERN

if TYPE_CHECKING:
    from pathlib import Path

KINDS = ("service", "client")
REASONS = {"keyCompromise": x509.ReasonFlags.key_compromise,
           "affiliationChanged": x509.ReasonFlags.affiliation_changed,
           "superseded": x509.ReasonFlags.superseded,
           "cessationOfOperation": x509.ReasonFlags.cessation_of_operation,
           "unspecified": x509.ReasonFlags.unspecified}
MAX_DAYS = 825
NAME_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,62}$"


class PKIError(ValueError):
    """A request the CA refuses; the message says why."""


@dataclass
class Issued:
    name: str
    kind: str
    serial: int
    not_after: str
    callers: list[str] = field(default_factory=list)
    hosts: list[str] = field(default_factory=list)
    revoked_at: str = ""
    reason: str = ""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _write_key(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)


def _write_atomic(path: Path, data: bytes) -> None:
    """Replace ``path`` at once: a reader (a server's next handshake) never sees half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(path.suffix + ".part")
    partial.write_bytes(data)
    partial.replace(path)


class CA:
    """The CA of one folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @property
    def cert_path(self) -> Path:
        return self.folder / "ca.pem"

    @property
    def crl_path(self) -> Path:
        return self.folder / "crl.pem"

    def paths(self, name: str) -> tuple[Path, Path]:
        return self.folder / "issued" / f"{name}.pem", self.folder / "issued" / f"{name}.key"

    # -- the CA itself ------------------------------------------------------------------

    def init(self, common_name: str = "Lienthong platform transport CA",
             days: int = 3650) -> None:
        """Make the CA (refused when the folder has one), an empty CRL and the index."""
        if self.cert_path.exists():
            msg = f"{self.folder} already holds a CA"
            raise PKIError(msg)
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name),
                          x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Lienthong")])
        now = _now()
        cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                .public_key(key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(now - dt.timedelta(minutes=5))
                .not_valid_after(now + dt.timedelta(days=days))
                .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
                .add_extension(x509.KeyUsage(
                    digital_signature=True, key_cert_sign=True, crl_sign=True,
                    content_commitment=False, key_encipherment=False, data_encipherment=False,
                    key_agreement=False, encipher_only=False, decipher_only=False),
                    critical=True)
                .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                               critical=False)
                .sign(key, hashes.SHA256()))
        _write_key(self.folder / "ca.key", key)
        _write_atomic(self.cert_path, cert.public_bytes(serialization.Encoding.PEM))
        self._save_index([])
        self._write_crl([])

    def _key(self) -> ec.EllipticCurvePrivateKey:
        loaded = serialization.load_pem_private_key((self.folder / "ca.key").read_bytes(), None)
        assert isinstance(loaded, ec.EllipticCurvePrivateKey)
        return loaded

    def _cert(self) -> x509.Certificate:
        if not self.cert_path.exists():
            msg = f"{self.folder} holds no CA: lienthong pki init first"
            raise PKIError(msg)
        return x509.load_pem_x509_certificate(self.cert_path.read_bytes())

    # -- the index ----------------------------------------------------------------------

    def index(self) -> list[Issued]:
        path = self.folder / "index.json"
        return [Issued(**entry) for entry in json.loads(path.read_text())] \
            if path.exists() else []

    def _save_index(self, entries: list[Issued]) -> None:
        _write_atomic(self.folder / "index.json",
                      json.dumps([asdict(e) for e in entries], indent=2).encode())

    # -- issuing ----------------------------------------------------------------------

    def issue(self, name: str, kind: str, *, callers: list[str] | None = None,
              hosts: list[str] | None = None, days: int = 90) -> Issued:
        """A new key and certificate for ``name``; the last one of that name stays valid
        until revoked (renewal is issuing again)."""
        callers, hosts = list(callers or []), list(hosts or [])
        if not re.match(NAME_PATTERN, name):
            msg = f"name {name!r}: lower-case letters, digits, '.', '_' and '-', at most 63"
            raise PKIError(msg)
        if kind not in KINDS:
            msg = f"kind {kind!r}: one of {', '.join(KINDS)}"
            raise PKIError(msg)
        if bad := [c for c in callers if not CALLER_PATTERN.match(c)]:
            msg = f"caller {bad[0]!r}: must be VN:GOV:<13-character agency code>[/<subsystem>]"
            raise PKIError(msg)
        if kind == "client" and not callers:
            msg = "a client system's certificate names it: give --caller VN:GOV:<agency code>"
            raise PKIError(msg)
        if kind == "service" and not hosts:
            msg = "a service's certificate names the hosts it answers on: give --host"
            raise PKIError(msg)
        if not 1 <= days <= MAX_DAYS:
            msg = f"days {days}: from 1 to {MAX_DAYS}"
            raise PKIError(msg)
        ca_cert, ca_key = self._cert(), self._key()
        key = ec.generate_private_key(ec.SECP256R1())
        names: list[x509.GeneralName] = [x509.UniformResourceIdentifier(c) for c in callers]
        for host in hosts:
            try:
                names.append(x509.IPAddress(ipaddress.ip_address(host)))
            except ValueError:
                names.append(x509.DNSName(host))
        usages = [ExtendedKeyUsageOID.CLIENT_AUTH]
        if kind == "service":
            usages.append(ExtendedKeyUsageOID.SERVER_AUTH)
        now = _now()
        serial = x509.random_serial_number()
        cert = (x509.CertificateBuilder()
                .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name),
                                         x509.NameAttribute(NameOID.ORGANIZATION_NAME,
                                                            "Lienthong")]))
                .issuer_name(ca_cert.subject).public_key(key.public_key())
                .serial_number(serial)
                .not_valid_before(now - dt.timedelta(minutes=5))
                .not_valid_after(min(now + dt.timedelta(days=days),
                                     ca_cert.not_valid_after_utc))
                .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                .add_extension(x509.SubjectAlternativeName(names), critical=False)
                .add_extension(x509.ExtendedKeyUsage(usages), critical=False)
                .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                    ca_key.public_key()), critical=False)
                .sign(ca_key, hashes.SHA256()))
        cert_path, key_path = self.paths(name)
        _write_key(key_path.with_suffix(".key.part"), key)
        key_path.with_suffix(".key.part").replace(key_path)
        _write_atomic(cert_path, cert.public_bytes(serialization.Encoding.PEM))
        issued = Issued(name=name, kind=kind, serial=serial,
                        not_after=cert.not_valid_after_utc.isoformat(), callers=callers,
                        hosts=hosts)
        self._save_index([*self.index(), issued])
        return issued

    def renew(self, name: str, days: int = 90) -> Issued:
        """Issue ``name`` again with the same names; the old certificate is superseded."""
        current = [e for e in self.index() if e.name == name and not e.revoked_at]
        if not current:
            msg = f"no valid certificate called {name!r} to renew"
            raise PKIError(msg)
        last = current[-1]
        renewed = self.issue(name, last.kind, callers=last.callers, hosts=last.hosts,
                             days=days)
        self.revoke(name, "superseded", serial=last.serial)
        return renewed

    def revoke(self, name: str, reason: str = "keyCompromise", *,
               serial: int | None = None) -> list[Issued]:
        """Revoke ``name``'s certificates (or the one of ``serial``); sign a new CRL."""
        if reason not in REASONS:
            msg = f"reason {reason!r}: one of {', '.join(REASONS)}"
            raise PKIError(msg)
        entries = self.index()
        chosen = [e for e in entries if e.name == name and not e.revoked_at
                  and (serial is None or e.serial == serial)]
        if not chosen:
            msg = f"no valid certificate called {name!r}"
            raise PKIError(msg)
        at = _now().isoformat()
        for entry in chosen:
            entry.revoked_at, entry.reason = at, reason
        self._save_index(entries)
        self._write_crl([e for e in entries if e.revoked_at])
        return chosen

    def _write_crl(self, revoked: list[Issued]) -> None:
        ca_cert, ca_key = self._cert(), self._key()
        now = _now()
        builder = (x509.CertificateRevocationListBuilder().issuer_name(ca_cert.subject)
                   .last_update(now).next_update(now + dt.timedelta(days=7)))
        for entry in revoked:
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder().serial_number(entry.serial)
                .revocation_date(dt.datetime.fromisoformat(entry.revoked_at))
                .add_extension(x509.CRLReason(REASONS[entry.reason]), critical=False)
                .build())
        crl = builder.sign(ca_key, hashes.SHA256())
        _write_atomic(self.crl_path, crl.public_bytes(serialization.Encoding.PEM))
