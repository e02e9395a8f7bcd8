"""A custody transfer: a closed fonds passing to the unit that carries on its agency's
records after the agency was merged, divided or dissolved.

Prepared when identity publishes the reorganisation, listing every record of the fonds
with its package's SHA-256 as the old holder kept it; reconciled once the archive has
read every package again (the receiving side's hashes), and the transfer package (the
reconciliation report in a BagIt bag) is stored; completed when the successor's seal
signs that package. One transfer per fonds and successor: identity's event told twice
prepares it once. When the successor is itself reorganised before it signed, the
transfer is superseded by one to the next successor.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from eventsourcing.domain import event

from lienthong.eventstore import AuditedAggregate, derived_id

from .files import FileRef
from .records import IllegalTransitionError

if TYPE_CHECKING:
    import datetime as dt
    from uuid import UUID

CAUSES = ("merged", "divided", "dissolved")


def transfer_id(fonds_id: UUID, to_unit_id: UUID) -> UUID:
    return derived_id("custody", str(fonds_id), str(to_unit_id))


def line(record_id: str, file_code: str, source_sha256: str,
         received_sha256: str = "", *, received: bool = False) -> dict[str, Any]:
    """One record of the reconciliation: matched when it was received and its package's
    hash is the one listed (a record without a package yet matches on being there)."""
    return {"record_id": record_id, "file_code": file_code, "source_sha256": source_sha256,
            "received_sha256": received_sha256,
            "matches": received and source_sha256 == received_sha256}


class CustodyTransfer(AuditedAggregate):
    @staticmethod
    def create_id(fonds_id: UUID, to_unit_id: UUID, **_: object) -> UUID:
        return transfer_id(fonds_id, to_unit_id)

    @event("Prepared")
    def __init__(self, fonds_id: UUID, from_unit_id: UUID, to_unit_id: UUID, cause: str,
                 effective_date: dt.date | None, lines: list[dict[str, Any]]) -> None:
        self.fonds_id = fonds_id
        self.from_unit_id = from_unit_id
        self.to_unit_id = to_unit_id
        self.cause = cause
        self.effective_date = effective_date
        self.listed: list[dict[str, Any]] = list(lines)
        self.lines: list[dict[str, Any]] = list(lines)
        self.state = "prepared"
        self.package: FileRef | None = None
        self.signature: FileRef | None = None
        self.signer: dict[str, Any] = {}
        self.superseded_by: UUID | None = None

    @property
    def matching(self) -> int:
        return sum(1 for one in self.lines if one["matches"])

    @property
    def pending(self) -> bool:
        return self.state in ("prepared", "reconciled")

    def require(self, command: str, state: str) -> None:
        if self.state != state:
            msg = f"cannot {command} a transfer that is {self.state}"
            raise IllegalTransitionError(msg, metadata={
                "transfer_id": str(self.id), "state": self.state, "command": command})

    def reconcile(self, lines: list[dict[str, Any]], package: dict[str, Any]) -> None:
        self.require("reconcile", "prepared")
        self._reconciled(lines, package)

    @event("Reconciled")
    def _reconciled(self, lines: list[dict[str, Any]], package: dict[str, Any]) -> None:
        self.state = "reconciled"
        self.lines = list(lines)
        self.package = FileRef.of(package)

    def complete(self, signature: dict[str, Any], signer_agency_code: str,
                 certificate_serial: str, signed_at: dt.datetime) -> None:
        self.require("complete", "reconciled")
        self._completed(self.fonds_id, signature, signer_agency_code, certificate_serial,
                        signed_at)

    @event("Completed")
    def _completed(self, fonds_id: UUID, signature: dict[str, Any], signer_agency_code: str,
                   certificate_serial: str, signed_at: dt.datetime) -> None:
        self.state = "completed"
        self.signature = FileRef.of(signature)
        self.signer = {"agency_code": signer_agency_code,
                       "certificate_serial": certificate_serial, "signed_at": signed_at}

    def supersede(self, by: UUID) -> None:
        """Its successor was reorganised before it signed: the fonds goes on in ``by``."""
        if not self.pending:
            msg = f"cannot supersede a transfer that is {self.state}"
            raise IllegalTransitionError(msg, metadata={
                "transfer_id": str(self.id), "state": self.state, "command": "supersede"})
        self._superseded(by)

    @event("Superseded")
    def _superseded(self, superseded_by: UUID) -> None:
        self.state = "superseded"
        self.superseded_by = superseded_by
