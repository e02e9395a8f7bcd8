"""The signatures application: officials' credentials, their authenticators, and remote
signing as the Cloud Signature Consortium API models it.

Each command loads the credential (and what it needs: the unit, the authority), calls
its methods, does the work that must happen outside the event store (a key generated
in the token, a hash signed) and saves in one transaction with the request record.
The signing ceremony (authorize, sign hash) first decides on the credential as this
process saved it last (:mod:`.recent`), and on the stored one whenever that copy would
refuse or its save finds the credential changed by another process.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import secrets
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID
from eventsourcing.persistence import IntegrityError

from lienthong.errors import Conflict, FailedPrecondition, InvalidArgument, LienthongError, NotFound
from lienthong.events.consumer import TrackingApplication
from lienthong.idempotency import Command, IdempotentApplication
from lienthong.personal import SubjectKeys, master_key_for
from lienthong.threads import run_in
from lienthong.validation import PageRequest, Violations, parse_uuid

from .domain import otp
from .domain.authority import AUTHORITY_ID, Authority
from .domain.credential import (
    REASONS,
    SAD_LIFETIME,
    AuthenticatorMissingError,
    Credential,
    sad_digest,
)
from .domain.units import KnownUnit
from .pki import ca, crl
from .pki.profile import OfficialSubject, agency_seal_profile, official_profile, tsa_profile
from .pki.tsa import TimeStampAuthority
from .projections import CredentialIndex, CredentialRow
from .recent import RecentCredentials

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from pathlib import Path

    from lienthong.signing import KeySigner

    from .keystore import KeyStore

T = TypeVar("T")
KEY_ALGORITHMS = ("rsa-2048", "rsa-3072", "ec-p256")
#: The signature algorithms' families, by a credential's key algorithm.
KEY_FAMILIES = {"rsa-2048": "rsa", "rsa-3072": "rsa", "ec-p256": "ecdsa"}
HASH_SIZES = {"sha256": 32, "sha384": 48, "sha512": 64}
SIGNATURE_ALGORITHMS = {
    ("rsa", "sha256"): "1.2.840.113549.1.1.11", ("rsa", "sha384"): "1.2.840.113549.1.1.12",
    ("rsa", "sha512"): "1.2.840.113549.1.1.13", ("ecdsa", "sha256"): "1.2.840.10045.4.3.2",
    ("ecdsa", "sha384"): "1.2.840.10045.4.3.3", ("ecdsa", "sha512"): "1.2.840.10045.4.3.4",
}
MAX_HASHES = 100
MAX_ON_BEHALF_OF = 200
MAX_DESCRIPTION = 500
MAX_VALIDITY_DAYS = 5 * 365
DEFAULT_VALIDITY_DAYS = 730
#: The authorities' keys: RSA, as every relying party's validator accepts.
AUTHORITY_KEY_TYPE = "rsa-3072"
DEFAULT_BASE_URL = "http://127.0.0.1:8090"
CRL_VALIDITY = dt.timedelta(days=7)
CRL_REFRESH = dt.timedelta(hours=1)


#: Commands on one credential race for its next version; the losers run again on what
#: the winner left (a spent code or SAD is then refused, another one goes through).
ATTEMPTS = 8
BUSY_CREDENTIAL = "the credential is changed by many requests at once; retry"
#: Threads of SignHash's event-store work: two overlap one call's database round trips
#: with another's; more only fight for the GIL (``lienthong bench signatures``).
SIGNING_LANE_THREADS = 2


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def whole_second_after(moment: dt.datetime) -> dt.datetime:
    """``moment`` rounded up to a whole second: CRLs and OCSP date revocations to the
    second, and a revocation must never read as earlier than it happened (a signature
    time-stamped in the same second, before it, would look made after it)."""
    whole = moment.replace(microsecond=0)
    return whole if whole == moment else whole + dt.timedelta(seconds=1)


def retried(change: Callable[[], T]) -> T:
    """``change()``, run again while another command saved the same credential first."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return change()
        except IntegrityError:
            if attempt == ATTEMPTS:
                raise Conflict(BUSY_CREDENTIAL) from None
    raise AssertionError


def issuing_urls(base_url: str) -> ca.IssuerUrls:
    """Where relying parties reach what the issuing CA publishes (the service's HTTP face),
    as its certificates say."""
    return ca.IssuerUrls(crl=f"{base_url}/crl/issuing.crl", ocsp=f"{base_url}/ocsp",
                         ca_issuers=f"{base_url}/ca/issuing.cer")


def pem(certificate: x509.Certificate) -> str:
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


def load_pem(text: str) -> x509.Certificate:
    return x509.load_pem_x509_certificate(text.encode())


@dataclass(frozen=True)
class AuthorityKeys:
    """The established authorities: certificates, and their keys' signers."""

    root: x509.Certificate
    issuing: x509.Certificate
    tsa: x509.Certificate
    root_signer: KeySigner
    issuing_signer: KeySigner
    tsa_signer: KeySigner
    base_url: str

    @property
    def urls(self) -> ca.IssuerUrls:
        return issuing_urls(self.base_url)

    @property
    def chain(self) -> list[x509.Certificate]:
        """The issuing CA then the root: an official's certificate's chain."""
        return [self.issuing, self.root]


@dataclass(frozen=True)
class PendingSigning:
    """Hashes a signature activation allows to sign now: their signatures still to be
    made, and the signing to be recorded (spending the activation) before any leaves."""

    credential: Credential
    authorization_id: str
    on_behalf_of: str
    key_store: KeyStore
    algorithm: str
    hashes: tuple[bytes, ...]
    hex_hashes: list[str]

    def sign(self) -> list[bytes]:
        """The signatures, made by the credential's key (found in the key store here,
        on the thread that calls the token)."""
        signer = self.key_store.signer(self.credential.key_label)
        return [signer.sign_digest(value, self.algorithm) for value in self.hashes]

    @property
    def signature_algorithm(self) -> str:
        """The OID of the signatures' algorithm."""
        return SIGNATURE_ALGORITHMS[(KEY_FAMILIES[self.credential.key_algorithm],
                                     self.algorithm)]


@dataclass(frozen=True)
class Activation:
    authorization_id: str
    sad: str
    expires_at: dt.datetime


def encode_sad(authorization_id: str, secret: bytes) -> str:
    raw = uuid.UUID(authorization_id).bytes + secret
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_sad(sad: str) -> tuple[str, bytes]:
    from .domain.credential import ActivationRefusedError

    try:
        raw = base64.urlsafe_b64decode(sad + "=" * (-len(sad) % 4))
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 48:
        raise ActivationRefusedError("sad: not a signature activation issued here",
                                     metadata={"field": "sad"})
    return str(uuid.UUID(bytes=raw[:16])), raw[16:]


def hash_algorithm(name: str, field: str = "hash_algorithm") -> str:
    if name not in HASH_SIZES:
        raise InvalidArgument.single(field, "HASH_ALGORITHM",
                                     f"must be one of {', '.join(HASH_SIZES)}, got {name!r}")
    return name


def check_hashes(hashes: Sequence[bytes], algorithm: str, field: str = "hashes") -> list[str]:
    """The hashes as hex, once each of them is the algorithm's length (1 to MAX_HASHES)."""
    violations = Violations()
    if not 1 <= len(hashes) <= MAX_HASHES:
        violations.add(field, "HASH_COUNT",
                       f"must hold 1 to {MAX_HASHES} hashes, got {len(hashes)}")
    else:
        for number, value in enumerate(hashes):
            if len(value) != HASH_SIZES[algorithm]:
                violations.add(f"{field}[{number}]", "HASH_LENGTH",
                               f"a {algorithm} hash is {HASH_SIZES[algorithm]} bytes, "
                               f"got {len(value)}")
        if len(set(hashes)) != len(hashes):
            violations.add(field, "HASH_REPEATED", "each hash once")
    violations.raise_if_any()
    return [value.hex() for value in hashes]


def check_text(violations: Violations, field: str, value: str, maximum: int) -> str:
    if len(value) > maximum:
        violations.add(field, "TOO_LONG", f"must be at most {maximum} characters, "
                                          f"got {len(value)}")
    elif value and not value.isprintable():
        violations.add(field, "CONTROL_CHARACTER", "must not contain control characters")
    return value


class SignaturesApplication(TrackingApplication, IdempotentApplication, service="signatures"):
    """Officials' credentials and the signatures made with them."""

    snapshotting_intervals: ClassVar[dict[type[Any], int]] = {Credential: 50}

    def __init__(self, event_store: str = "memory:", *, key_store: KeyStore,
                 base_url: str = DEFAULT_BASE_URL,
                 authority_key_type: str = AUTHORITY_KEY_TYPE,
                 clock: Callable[[], dt.datetime] = utc_now,
                 pii_master_key_file: str | Path = "", **kwargs: Any) -> None:
        super().__init__(event_store, **kwargs)
        self.key_store = key_store
        self.base_url = base_url.rstrip("/")
        self.authority_key_type = authority_key_type
        self.clock = clock
        # Authenticators' secrets are sealed per credential, with the platform's
        # personal-data master key (LIENTHONG_PII_MASTER_KEY_FILE).
        self.secrets = SubjectKeys(self, master_key_for(event_store, pii_master_key_file))
        self._authority: AuthorityKeys | None = None
        self._authority_lock = threading.RLock()
        self._tsa: TimeStampAuthority | None = None
        self._crls: dict[str, tuple[bytes, dt.datetime, int]] = {}
        self._crl_lock = threading.Lock()
        self.index = self.follow(CredentialIndex.of(self))
        self.recent = RecentCredentials()
        # SignHash's pipeline (sign_hash_async): its event-store work on few threads
        # (more only fight for the GIL), its signing on one (a token takes one call at a
        # time).
        self._signing_lane = ThreadPoolExecutor(SIGNING_LANE_THREADS,
                                                thread_name_prefix="signing-lane")
        self._token_thread = ThreadPoolExecutor(1, thread_name_prefix="token")

    def close(self) -> None:
        self._signing_lane.shutdown(wait=True, cancel_futures=True)
        self._token_thread.shutdown(wait=True, cancel_futures=True)
        super().close()
        self.key_store.close()

    # -- the authorities -----------------------------------------------------------

    def authority(self) -> AuthorityKeys:
        """The established authorities, established now if no replica did before."""
        with self._authority_lock:
            if self._authority is None:
                found: Authority | None = self.get_or_none(AUTHORITY_ID)
                if found is None:
                    found = self._establish()
                self._authority = AuthorityKeys(
                    load_pem(found.root_pem), load_pem(found.issuing_pem),
                    load_pem(found.tsa_pem), self.key_store.signer(found.root_key),
                    self.key_store.signer(found.issuing_key),
                    self.key_store.signer(found.tsa_key), found.base_url)
            return self._authority

    def _establish(self) -> Authority:
        suffix = secrets.token_hex(4)
        labels = {role: f"authority-{role}-{suffix}" for role in ("root", "issuing", "tsa")}
        root_key, issuing_key, tsa_key = (
            self.key_store.generate(labels[role], self.authority_key_type)
            for role in ("root", "issuing", "tsa"))
        now = self.clock()
        root = ca.create_root(root_key, _authority_name("Lienthong Root CA"), not_before=now)
        root_urls = ca.IssuerUrls(crl=f"{self.base_url}/crl/root.crl",
                                  ca_issuers=f"{self.base_url}/ca/root.cer")
        issuing = ca.create_issuing_ca(root_key, root, issuing_key,
                                       _authority_name("Lienthong Officials CA"),
                                       not_before=now, urls=root_urls)
        urls = issuing_urls(self.base_url)
        tsa = ca.issue_certificate(issuing_key, issuing, tsa_key.public_key(),
                                   tsa_profile(_authority_name("Lienthong Time-Stamping "
                                                               "Authority"),
                                               validity=dt.timedelta(days=9 * 365)),
                                   not_before=now, urls=urls)
        authority = Authority(root_pem=pem(root), root_key=labels["root"],
                              issuing_pem=pem(issuing), issuing_key=labels["issuing"],
                              tsa_pem=pem(tsa), tsa_key=labels["tsa"], base_url=self.base_url)
        try:
            self.save(authority)
        except Exception:  # another replica established them first: use theirs
            existing: Authority | None = self.get_or_none(AUTHORITY_ID)
            if existing is None:
                raise
            return existing
        return authority

    # -- units, as identity tells us (the consumer's handlers) ------------------------

    def known_unit(self, unit_id: uuid.UUID, field: str = "unit_id") -> KnownUnit:
        unit = self.get_or_none(unit_id)
        if not isinstance(unit, KnownUnit):
            raise NotFound("unit", str(unit_id))
        return unit

    # -- credentials ---------------------------------------------------------------

    def issue_credential(self, request_id: str, *, official_id: str, full_name: str,
                         position: str, unit_id: str, key_algorithm: str = "rsa-2048",
                         validity_days: int = 0, agency_seal: bool = False) -> dict[str, Any]:
        """A credential for the official; with ``agency_seal``, the agency's own (its
        seal), which the official holds: its certificate names the agency alone."""
        payload = {"official_id": official_id, "full_name": full_name, "position": position,
                   "unit_id": unit_id, "key_algorithm": key_algorithm,
                   "validity_days": validity_days, "agency_seal": agency_seal}

        def execute(command: Command) -> dict[str, Any]:
            violations = Violations()
            unit_uuid = violations.check(lambda: parse_uuid(unit_id, "unit_id"))
            if key_algorithm not in KEY_ALGORITHMS:
                violations.add("key_algorithm", "KEY_ALGORITHM",
                               f"must be one of {', '.join(KEY_ALGORITHMS)}")
            days = validity_days or DEFAULT_VALIDITY_DAYS
            if not 1 <= days <= MAX_VALIDITY_DAYS:
                violations.add("validity_days", "VALIDITY_RANGE",
                               f"must be 1 to {MAX_VALIDITY_DAYS} days, got {validity_days}")
            violations.raise_if_any()
            assert unit_uuid is not None
            unit = self.known_unit(unit_uuid)
            if not unit.is_active:
                msg = (f"unit_id: {unit.display_name} was {unit.retirement} on "
                       f"{unit.retired_on}; issue under its successor")
                raise FailedPrecondition(msg, reason="UNIT_RETIRED", metadata={
                    "unit_id": str(unit.id), "field": "unit_id"})
            if not unit.agency_code:
                msg = f"unit_id: {unit.display_name} has no agency code to certify"
                raise FailedPrecondition(msg, reason="UNIT_WITHOUT_AGENCY_CODE",
                                         metadata={"unit_id": str(unit.id), "field": "unit_id"})
            subject = OfficialSubject(full_name=full_name, position=position,
                                      agency_code=unit.agency_code,
                                      agency_name=unit.display_name, official_id=official_id)
            authority = self.authority()
            now = self.clock()
            credential_id = uuid.uuid4()
            label = f"{'seal' if agency_seal else 'official'}-{credential_id}"
            key = self.key_store.generate(label, key_algorithm)
            profile = agency_seal_profile if agency_seal else official_profile
            certificate = ca.issue_certificate(
                authority.issuing_signer, authority.issuing, key.public_key(),
                profile(subject, validity=dt.timedelta(days=days)),
                not_before=now, urls=authority.urls)
            credential = Credential(
                id=credential_id, official_id=subject.official_id,
                full_name=subject.full_name, position=subject.position, unit_id=unit.id,
                agency_code=unit.agency_code, agency_name=unit.display_name, key_label=label,
                key_algorithm=key_algorithm, serial_number=f"{certificate.serial_number:x}",
                certificate_pem=pem(certificate),
                not_before=certificate.not_valid_before_utc,
                not_after=certificate.not_valid_after_utc, agency_seal=agency_seal)
            try:
                return self.save_command(command, {"credential_id": str(credential_id)},
                                         credential)
            except BaseException:
                # Not saved (another call with the request id, or the store refused): the
                # key would belong to no credential.
                self.key_store.destroy(label)
                raise

        issued = self.run_command(request_id, "IssueCredential", payload, execute)
        self._revoke_if_retired(uuid.UUID(issued["credential_id"]))
        return issued

    def _revoke_if_retired(self, credential_id: uuid.UUID) -> None:
        """A credential saved while its unit was retiring: the retirement's own pass may
        have looked before it was saved, so the issue looks after (one of the two sees
        the other: each looks after its own commit)."""
        credential = self.repository.get(credential_id)
        unit = self.known_unit(credential.unit_id)
        if credential.revoked_at is None and not unit.is_active \
                and unit.default_successor_id is not None:
            self.sweep_retired_unit(unit.id)

    def credential(self, credential_id: str, field: str = "credential_id") -> Credential:
        found = self.get_or_none(parse_uuid(credential_id, field))
        if not isinstance(found, Credential):
            raise NotFound("credential", credential_id)
        return found

    def list_credentials(self, *, official_id: str = "", unit_id: str = "",
                         reissue_only: bool = False, size: int = 0,
                         token: str = "") -> tuple[list[Credential], str]:
        violations = Violations()
        unit_uuid = violations.check(lambda: parse_uuid(unit_id, "unit_id")) if unit_id else None
        official = (violations.check(lambda: parse_uuid(official_id, "official_id"))
                    if official_id else None)
        page = PageRequest.of(size, token, {"official_id": official_id, "unit_id": unit_id,
                                            "reissue_only": reissue_only})
        violations.raise_if_any()
        self.index.refresh()
        rows: list[CredentialRow] = self.index.matching(
            official_id=str(official) if official else "", unit_id=unit_uuid,
            reissue_only=reissue_only)
        chosen, next_token = page.cut(rows)
        return [self.repository.get(row.credential_id) for row in chosen], next_token

    def revoke_credential(self, request_id: str, credential_id: str, reason: str,
                          reissue_unit_id: uuid.UUID | None = None) -> dict[str, Any]:
        if reason not in REASONS:
            raise InvalidArgument.single("reason", "REVOCATION_REASON",
                                         f"must be one of {', '.join(REASONS)}")

        def execute(command: Command) -> dict[str, Any]:
            credential = self.credential(credential_id)
            if credential.revoked_at is None:
                # Its signatures activations die with it.
                credential.revoke(credential.serial_number, reason,
                                  whole_second_after(self.clock()), reissue_unit_id)
            return self.save_command(command, {"credential_id": credential_id}, credential)

        return self.run_command(request_id, "RevokeCredential",
                                {"credential_id": credential_id, "reason": reason},
                                execute)

    def revoke_credentials_of(self, unit_id: uuid.UUID, successor: uuid.UUID,
                              at: dt.datetime) -> list[Credential]:
        """Every credential of a retired unit, revoked (affiliationChanged) at ``at`` (never
        before its issue), its official listed for re-issue under ``successor``; for the
        caller to save."""
        self.index.catch_up()
        revoked = []
        for credential_id in self.index.of_unit(unit_id):
            credential = self.repository.get(credential_id)
            if credential.revoked_at is None:
                credential.revoke(credential.serial_number, "affiliation_changed",
                                  whole_second_after(max(at, credential.issued_at)), successor)
                revoked.append(credential)
        return revoked

    def sweep_retired_unit(self, unit_id: uuid.UUID) -> int:
        """Revoke what a retired unit still holds (a credential issued as it retired)."""
        unit = self.known_unit(unit_id)
        if unit.is_active or unit.default_successor_id is None:
            return 0
        successor = unit.default_successor_id
        return len(retried(lambda: self._save_all(
            self.revoke_credentials_of(unit_id, successor, self.clock()))))

    def _save_all(self, aggregates: list[Any]) -> list[Any]:
        if aggregates:
            self.save(*aggregates)
        return aggregates

    # -- the authenticator ---------------------------------------------------------

    def enroll_authenticator(self, credential_id: str) -> tuple[str, str]:
        """A new TOTP secret for the credential's official: the otpauth URI and the base32
        secret, shown this once (the event holds it sealed)."""
        secret = otp.new_secret()

        def change() -> Credential:
            credential = self.credential(credential_id)
            credential.require_usable(self.clock())
            sealed = self.secrets.seal(str(credential.id), {"totp": secret})
            credential.enroll_authenticator(sealed.as_dict())
            self.save(credential)
            return credential

        credential = retried(change)
        account = f"{credential.full_name} ({credential.agency_code})"
        return otp.provisioning_uri(secret, account), secret

    def _secret_of(self, credential: Credential) -> str:
        from lienthong.personal import Sealed

        sealed = Sealed.from_dict(credential.authenticator)
        opened = self.secrets.open(sealed) if sealed is not None else None
        if not isinstance(opened, dict) or "totp" not in opened:
            raise AuthenticatorMissingError(
                f"credential {credential.id} has no authenticator; enrol one first",
                metadata={"credential_id": str(credential.id)})
        return str(opened["totp"])

    def confirm_authenticator(self, credential_id: str, code: str) -> Credential:
        def change() -> Credential:
            credential = self.credential(credential_id)
            step = credential.check_code_step(
                otp.matching_step(self._secret_of(credential), code, self.clock()))
            credential.confirm_authenticator(step)
            self.save(credential)
            return credential

        return retried(change)

    # -- authorizing and signing (CSC credentials/authorize, signatures/signHash) -----

    def authorize(self, credential_id: str, code: str, hashes: Sequence[bytes],
                  algorithm: str, on_behalf_of: str = "",
                  description: str = "") -> Activation:
        algorithm = hash_algorithm(algorithm)
        hex_hashes = check_hashes(hashes, algorithm)
        violations = Violations()
        check_text(violations, "on_behalf_of", on_behalf_of, MAX_ON_BEHALF_OF)
        check_text(violations, "description", description, MAX_DESCRIPTION)
        violations.raise_if_any()
        authorization_id = str(uuid.uuid4())
        secret = secrets.token_bytes(32)

        def decide(credential: Credential) -> Activation:
            now = self.clock()
            credential.require_usable(now)
            if not credential.authenticator_active:
                raise AuthenticatorMissingError(
                    f"credential {credential.id}'s authenticator is not confirmed",
                    metadata={"credential_id": str(credential.id)})
            step = credential.check_code_step(
                otp.matching_step(self._secret_of(credential), code, now))
            expires_at = now + SAD_LIFETIME
            credential.authorize(authorization_id, credential.official_id, sad_digest(secret),
                                 algorithm, hex_hashes, on_behalf_of, description,
                                 expires_at, step)
            self.save(credential)
            return Activation(authorization_id, encode_sad(authorization_id, secret),
                              expires_at)

        return retried(lambda: self._decided(credential_id, decide))

    # The credential a ceremony's command decides on.

    def _record(self, processing_event: Any) -> Any:
        """Saved credentials are remembered as saved; a save refused (another command
        took the version) forgets them."""
        try:
            recordings = super()._record(processing_event)
        except IntegrityError:
            for aggregate_id in processing_event.aggregates:
                self.recent.forget(aggregate_id)
            raise
        for aggregate in processing_event.aggregates.values():
            if isinstance(aggregate, Credential):
                self.recent.remember(aggregate)
        return recordings

    def _on_recent(self, credential_id: str, decide: Callable[[Credential], T]) -> T | None:
        """``decide(credential)`` on the copy this process saved last, without reading the
        store; None when no copy is kept or the copy would refuse."""
        recent = self.recent.working_copy(parse_uuid(credential_id, "credential_id"))
        if recent is None:
            return None
        try:
            return decide(recent)
        except LienthongError:
            return None

    def _decided(self, credential_id: str, decide: Callable[[Credential], T]) -> T:
        """``decide(credential)`` on the copy this process saved last when it says yes,
        else (no copy, or a refusal) on the stored credential."""
        found = self._on_recent(credential_id, decide)
        return found if found is not None else decide(self.credential(credential_id))

    def prepare_signing(self, credential_id: str, sad: str, hashes: Sequence[bytes],
                        algorithm: str) -> PendingSigning:
        """What the SAD allows to sign now, checked: the credential usable, the activation
        unspent, unexpired and bound to exactly these hashes."""
        return self._decided(credential_id,
                             self._signing_check(credential_id, sad, hashes, algorithm))

    def prepare_signing_unread(self, credential_id: str, sad: str, hashes: Sequence[bytes],
                               algorithm: str) -> PendingSigning | None:
        """:meth:`prepare_signing` on the credential as this process saved it last,
        without reading the store (so on an event loop); None when that copy is not
        kept or would refuse: :meth:`prepare_signing` then decides."""
        return self._on_recent(credential_id,
                               self._signing_check(credential_id, sad, hashes, algorithm))

    def _signing_check(self, credential_id: str, sad: str, hashes: Sequence[bytes],
                       algorithm: str) -> Callable[[Credential], PendingSigning]:
        """The request's own checks, done now; the credential's, in what it returns."""
        parse_uuid(credential_id, "credential_id")
        algorithm = hash_algorithm(algorithm)
        hex_hashes = check_hashes(hashes, algorithm)
        authorization_id, secret = decode_sad(sad)

        def check(credential: Credential) -> PendingSigning:
            now = self.clock()
            credential.require_usable(now)
            found = credential.activation(authorization_id, secret, algorithm, hex_hashes, now)
            return PendingSigning(credential, authorization_id, found.on_behalf_of,
                                  self.key_store, algorithm, tuple(hashes), hex_hashes)

        return check

    def record_signing(self, pending: PendingSigning) -> None:
        """Spend the activation and record the signing (IntegrityError when another
        command saved the credential first: prepare again)."""
        credential = pending.credential
        credential.record_signing(pending.authorization_id, credential.official_id,
                                  pending.algorithm, pending.hex_hashes, pending.on_behalf_of)
        self.save(credential)

    def sign_hash(self, credential_id: str, sad: str, hashes: Sequence[bytes],
                  algorithm: str) -> tuple[list[bytes], str]:
        """The signatures of the hashes a SAD authorized, and the signature algorithm's OID.

        The SAD is spent in the same save that records the signing, before any signature
        leaves: a second use, even a concurrent one, is refused.
        """
        def change() -> tuple[list[bytes], str]:
            pending = self.prepare_signing(credential_id, sad, hashes, algorithm)
            signatures = pending.sign()
            self.record_signing(pending)
            return signatures, pending.signature_algorithm

        return retried(change)

    async def sign_hash_async(self, credential_id: str, sad: str, hashes: Sequence[bytes],
                              algorithm: str) -> tuple[list[bytes], str]:
        """:meth:`sign_hash` for an event loop, as a pipeline: the check on the loop when
        the credential this process saved last allows it (else in the signing lane, on
        the stored one), the signing in the token's thread, the record in the lane, so
        one call's hashes are signed while others are checked and recorded. Nothing
        leaves before the record is saved."""
        for attempt in range(1, ATTEMPTS + 1):
            pending = self.prepare_signing_unread(credential_id, sad, hashes, algorithm)
            if pending is None:
                pending = await run_in(self._signing_lane, self.prepare_signing,
                                       credential_id, sad, hashes, algorithm)
            signatures = await run_in(self._token_thread, pending.sign)
            try:
                await run_in(self._signing_lane, self.record_signing, pending)
            except IntegrityError:
                if attempt == ATTEMPTS:
                    raise Conflict(BUSY_CREDENTIAL) from None
                continue
            return signatures, pending.signature_algorithm
        raise AssertionError

    # -- revocation status (CRL, OCSP) and time stamps -------------------------------

    def crl(self, name: str) -> bytes:
        """The CRL (DER) of the issuing CA (its revoked certificates) or of the root
        (``name``: ``issuing`` or ``root``): made when asked, kept until a revocation or
        ``CRL_REFRESH``; its nextUpdate is ``CRL_VALIDITY`` later."""
        revocations = self.revocations() if name == "issuing" else []
        now = self.clock()
        with self._crl_lock:
            cached = self._crls.get(name)
            if cached is not None and cached[2] == len(revocations) \
                    and now - cached[1] < CRL_REFRESH:
                return cached[0]
            authority = self.authority()
            issuer, signer = ((authority.issuing, authority.issuing_signer) if name == "issuing"
                              else (authority.root, authority.root_signer))
            body = crl.build_crl(
                signer, issuer,
                [crl.Revocation(serial, r.revoked_at, r.reason) for serial, r in revocations],
                this_update=now, next_update=now + CRL_VALIDITY,
                crl_number=int(now.timestamp() * 1000))
            self._crls[name] = (body, now, len(revocations))
            return body

    def timestamp(self, request_der: bytes) -> bytes:
        """The platform TSA's answer (RFC 3161, DER) to a TimeStampReq (DER)."""
        with self._authority_lock:  # reentrant: authority() takes it too
            if self._tsa is None:
                authority = self.authority()
                self._tsa = TimeStampAuthority(authority.tsa_signer, authority.tsa,
                                               [authority.issuing, authority.root])
            tsa = self._tsa
        return tsa.respond(request_der, self.clock(), secrets.randbits(127) or 1)

    def revocation_of(self, serial_number: int) -> Any:
        self.index.refresh()
        return self.index.revocation(serial_number)

    def revocations(self) -> list[Any]:
        self.index.refresh()
        return self.index.revocations()


def _authority_name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Lienthong"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])

