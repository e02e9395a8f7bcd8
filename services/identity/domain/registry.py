"""The registers that keep codes unique over all time.

One aggregate per code, with an id derived from the code, so creating a
second claim on a code fails in the event store itself, even under
concurrent commands. An agency code belongs to one unit for ever. An
administrative-unit code may be carried on by a successor of the unit that
held it (a merged commune keeping the code of the commune whose seat it
took), so its register lists every holder with the date it took the code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from eventsourcing.domain import event

from lienthong.eventstore import AuditedAggregate, derived_id

if TYPE_CHECKING:
    import datetime as dt
    from uuid import UUID


def agency_code_claim_id(code: str) -> UUID:
    return derived_id("agency-code", code)


def administrative_code_register_id(code: str) -> UUID:
    return derived_id("administrative-unit-code", code)


class AgencyCodeClaim(AuditedAggregate):
    """An agency code issued to one unit, never to be issued again."""

    @staticmethod
    def create_id(code: str) -> UUID:
        return agency_code_claim_id(code)

    @event("Issued")
    def __init__(self, code: str, unit_id: UUID) -> None:
        self.code = code
        self.unit_id = unit_id


@dataclass(frozen=True)
class Holding:
    unit_id: UUID
    since: dt.date | None  # None: held since before the records begin


class AdministrativeCodeRegister(AuditedAggregate):
    """Every unit that has held one administrative-unit code, in order."""

    @staticmethod
    def create_id(code: str) -> UUID:
        return administrative_code_register_id(code)

    @event("Issued")
    def __init__(self, code: str, unit_id: UUID, since: dt.date | None) -> None:
        self.code = code
        self.holdings = [Holding(unit_id, since)]

    @property
    def holder_id(self) -> UUID:
        return self.holdings[-1].unit_id

    def carry_on(self, unit_id: UUID, from_unit_id: UUID, since: dt.date | None) -> None:
        """A successor of the holder takes the code on."""
        self._carried_on(self.code, unit_id, from_unit_id, since)

    @event("CarriedOn")
    def _carried_on(self, code: str, unit_id: UUID, from_unit_id: UUID,
                    since: dt.date | None) -> None:
        self.holdings.append(Holding(unit_id, since))
