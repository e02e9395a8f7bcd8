"""An official's signing credential: a key in the token, a certificate, an authenticator,
and the signatures the official authorized with it.

Authorizations live on the credential itself, so one aggregate's version decides
every race: a one-time code is spent once (the step of the last accepted code is
part of the credential), and a signature activation (SAD) signs once (two
SignHash calls with one SAD cannot both save the next version).
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from eventsourcing.domain import event

from lienthong.errors import FailedPrecondition, PermissionDenied
from lienthong.eventstore import AuditedAggregate

if TYPE_CHECKING:
    from uuid import UUID

#: How long a signature activation may wait to be used.
SAD_LIFETIME = dt.timedelta(minutes=5)
REASONS = ("unspecified", "key_compromise", "affiliation_changed", "superseded",
           "cessation_of_operation")


class CredentialRevokedError(FailedPrecondition):
    reason = "CREDENTIAL_REVOKED"


class AuthenticatorMissingError(FailedPrecondition):
    reason = "AUTHENTICATOR_NOT_ACTIVE"


class OneTimeCodeRefusedError(PermissionDenied):
    reason = "ONE_TIME_CODE_REFUSED"


class ActivationRefusedError(PermissionDenied):
    reason = "SIGNATURE_ACTIVATION_REFUSED"


@dataclass(frozen=True)
class Authorization:
    """Hashes an official allowed to be signed, until ``expires_at``, once."""

    authorization_id: str
    secret_digest: str  # SHA-256 of the SAD's secret part, hex
    hash_algorithm: str
    hashes: tuple[str, ...]  # hex, as authorized
    on_behalf_of: str
    expires_at: dt.datetime


def sad_digest(secret: bytes) -> str:
    return hashlib.sha256(secret).hexdigest()


class Credential(AuditedAggregate):
    """One official's credential (the CSC API's credentialID is its id)."""

    #: Credentials issued before agencies had seals are officials' own.
    agency_seal = False

    @event("Issued")
    def __init__(self, id: UUID, official_id: str, full_name: str,  # noqa: A002
                 position: str, unit_id: UUID, agency_code: str, agency_name: str,
                 key_label: str, key_algorithm: str, serial_number: str,
                 certificate_pem: str, not_before: dt.datetime,
                 not_after: dt.datetime, agency_seal: bool = False) -> None:
        #: The agency's own credential (its seal), held by the official.
        self.agency_seal = agency_seal
        self.official_id = official_id
        self.full_name = full_name
        self.position = position
        self.unit_id = unit_id
        self.agency_code = agency_code
        self.agency_name = agency_name
        self.key_label = key_label
        self.key_algorithm = key_algorithm
        self.serial_number = serial_number
        self.certificate_pem = certificate_pem
        self.not_before = not_before
        self.not_after = not_after
        self.authenticator: dict[str, Any] | None = None  # the sealed TOTP secret
        self.authenticator_active = False
        self.last_code_step = -1
        self.authorizations: dict[str, Authorization] = {}
        self.revoked_at: dt.datetime | None = None
        self.revocation_reason = ""
        self.reissue_unit_id: UUID | None = None

    # -- state ---------------------------------------------------------------------

    def working_copy(self) -> Credential:
        """A copy a command may change, leaving this one as it is: its pending events
        and its authorizations are its own, and its events replace every other
        attribute, never change one in place."""
        copied = copy.copy(self)
        copied._pending_events = []  # eventsourcing's list of the new events
        copied.authorizations = dict(self.authorizations)
        return copied

    @property
    def issued_at(self) -> dt.datetime:
        return self.created_on

    def status(self, now: dt.datetime) -> str:
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if now >= self.not_after else "active"

    def require_usable(self, now: dt.datetime) -> None:
        if self.revoked_at is not None:
            raise CredentialRevokedError(
                f"credential {self.id} was revoked on {self.revoked_at.isoformat()} "
                f"({self.revocation_reason})", metadata={"credential_id": str(self.id)})
        if now >= self.not_after or now < self.not_before:
            msg = (f"credential {self.id}'s certificate is valid from "
                   f"{self.not_before.isoformat()} to {self.not_after.isoformat()}")
            raise FailedPrecondition(msg, reason="CERTIFICATE_NOT_VALID_NOW",
                                     metadata={"credential_id": str(self.id)})

    # -- the authenticator -----------------------------------------------------------

    @event("AuthenticatorEnrolled")
    def enroll_authenticator(self, sealed_secret: dict[str, Any]) -> None:
        self.authenticator = sealed_secret
        self.authenticator_active = False

    @event("AuthenticatorConfirmed")
    def confirm_authenticator(self, step: int) -> None:
        self.authenticator_active = True
        self.last_code_step = step

    def check_code_step(self, step: int | None) -> int:
        """The step of a code just checked, refused when wrong or already spent."""
        if step is None:
            raise OneTimeCodeRefusedError(
                "one_time_code: not the code the authenticator shows now",
                metadata={"credential_id": str(self.id), "field": "one_time_code"})
        if step <= self.last_code_step:
            raise OneTimeCodeRefusedError(
                "one_time_code: this code (or a later one) was already used; wait for the next",
                metadata={"credential_id": str(self.id), "field": "one_time_code"})
        return step

    # -- authorizing and signing ---------------------------------------------------

    @event("SignatureAuthorized")
    def authorize(self, authorization_id: str, official_id: str, secret_digest: str,
                  hash_algorithm: str, hashes: list[str], on_behalf_of: str,
                  description: str, expires_at: dt.datetime, step: int) -> None:
        self.last_code_step = step
        self.authorizations = {
            key: value for key, value in self.authorizations.items()
            if value.expires_at > expires_at - SAD_LIFETIME}
        self.authorizations[authorization_id] = Authorization(
            authorization_id, secret_digest, hash_algorithm, tuple(hashes), on_behalf_of,
            expires_at)

    def activation(self, authorization_id: str, secret: bytes, hash_algorithm: str,
                   hashes: list[str], now: dt.datetime) -> Authorization:
        """The authorization a SAD stands for, if it may sign exactly these hashes now."""
        found = self.authorizations.get(authorization_id)

        def refused(why: str) -> ActivationRefusedError:
            return ActivationRefusedError(f"sad: {why}", metadata={
                "credential_id": str(self.id), "field": "sad"})

        if found is None or not hmac.compare_digest(found.secret_digest, sad_digest(secret)):
            raise refused("not an unused signature activation of this credential")
        if now >= found.expires_at:
            raise refused(f"expired at {found.expires_at.isoformat()}")
        if found.hash_algorithm != hash_algorithm:
            raise refused(f"authorized for {found.hash_algorithm}, not {hash_algorithm}")
        if sorted(found.hashes) != sorted(hashes):
            raise refused("authorized for other hashes than these")
        return found

    @event("HashesSigned")
    def record_signing(self, authorization_id: str, official_id: str, hash_algorithm: str,
                       hashes: list[str], on_behalf_of: str) -> None:
        self.authorizations.pop(authorization_id, None)

    # -- revocation ----------------------------------------------------------------

    @event("Revoked")
    def revoke(self, serial_number: str, reason: str, revocation_time: dt.datetime,
               reissue_unit_id: UUID | None) -> None:
        self.revoked_at = revocation_time
        self.revocation_reason = reason
        self.reissue_unit_id = reissue_unit_id
        self.authorizations = {}
