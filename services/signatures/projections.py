"""What the signatures service lists and looks up: credentials by official, unit and serial
number (for CRLs and OCSP), as of the last applied notification."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, ClassVar

from lienthong.idempotency import RequestRecord
from lienthong.projection import LogFollower, handles

from .domain.authority import Authority
from .domain.credential import Credential
from .domain.units import KnownUnit

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Mapping
    from uuid import UUID


@dataclass(frozen=True)
class CredentialRow:
    credential_id: UUID
    official_id: str
    unit_id: UUID
    serial_number: int
    issued_at: dt.datetime
    revoked_at: dt.datetime | None = None
    reason: str = ""
    reissue_unit_id: UUID | None = None


@dataclass(frozen=True)
class Revocation:
    revoked_at: dt.datetime
    reason: str


class CredentialIndex(LogFollower):
    """Credentials in the order they were issued; their revocations by serial number."""

    aggregates = (Credential, KnownUnit, Authority, RequestRecord)
    ignores: ClassVar[Mapping[type, str]] = {
        Credential.AuthenticatorEnrolled: "the authenticator is read from the credential",
        Credential.AuthenticatorConfirmed: "the authenticator is read from the credential",
        Credential.SignatureAuthorized: "authorizations are the credential's own state",
        Credential.HashesSigned: "signatures are listed by no read",
        KnownUnit.Learned: "units are read as aggregates",
        KnownUnit.Renamed: "units are read as aggregates",
        KnownUnit.AgencyCodeAssigned: "units are read as aggregates",
        KnownUnit.Retired: "units are read as aggregates",
        Authority.Established: "the authority is read as an aggregate",
        RequestRecord.Accepted: "AIP-155 retry bookkeeping",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rows: dict[UUID, CredentialRow] = {}
        self.by_serial: dict[int, UUID] = {}

    @handles(Credential.Issued)
    def _issued(self, e: Any) -> None:
        row = CredentialRow(e.originator_id, e.official_id, e.unit_id,
                            int(e.serial_number, 16), e.timestamp)
        self.rows[row.credential_id] = row
        self.by_serial[row.serial_number] = row.credential_id

    @handles(Credential.Revoked)
    def _revoked(self, e: Any) -> None:
        if (row := self.rows.get(e.originator_id)) is not None:
            self.rows[row.credential_id] = replace(
                row, revoked_at=e.revocation_time, reason=e.reason,
                reissue_unit_id=e.reissue_unit_id)

    # -- reads -----------------------------------------------------------------------

    def matching(self, *, official_id: str = "", unit_id: UUID | None = None,
                 reissue_only: bool = False) -> list[CredentialRow]:
        with self.lock:
            rows = list(self.rows.values())
        if reissue_only:
            # Still to be re-issued: no credential of the official's is active under the
            # unit it was listed for since.
            reissued = {(r.official_id, r.unit_id) for r in rows if r.revoked_at is None}
            rows = [r for r in rows if r.reissue_unit_id is not None
                    and (r.official_id, r.reissue_unit_id) not in reissued]
        return [r for r in rows
                if (not official_id or r.official_id == official_id)
                and (unit_id is None or r.unit_id == unit_id)]

    def of_unit(self, unit_id: UUID) -> list[UUID]:
        """The credentials bound to a unit and not revoked."""
        with self.lock:
            return [r.credential_id for r in self.rows.values()
                    if r.unit_id == unit_id and r.revoked_at is None]

    def revocation(self, serial_number: int) -> Revocation | bool | None:
        """The revocation of a certificate issued here; None if it is not revoked; False
        if no certificate of this serial number was issued here."""
        with self.lock:
            credential_id = self.by_serial.get(serial_number)
            if credential_id is None:
                return False
            row = self.rows[credential_id]
        return None if row.revoked_at is None else Revocation(row.revoked_at, row.reason)

    def revocations(self) -> list[tuple[int, Revocation]]:
        with self.lock:
            return [(r.serial_number, Revocation(r.revoked_at, r.reason))
                    for r in self.rows.values() if r.revoked_at is not None]
