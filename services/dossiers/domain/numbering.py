"""Dossier codes: ``<receiving agency code>-<yymmdd>-<4-digit sequence>``, gapless.

A code made from a provisional agency code (a demonstration, or a unit whose
official code is not yet published) begins with ``TAM-`` (tạm: provisional),
so it is never taken for a real one.

One counter aggregate per receiving unit and day. The counter and the
dossier it numbers are saved in one transaction; two submissions that read
the same counter version conflict in the event store, and the loser runs
again with the next number, so the sequence has no gap and no repeat.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from eventsourcing.domain import event

from lienthong.errors import FailedPrecondition
from lienthong.eventstore import AuditedAggregate, derived_id

if TYPE_CHECKING:
    import datetime as dt
    from uuid import UUID

MAX_DAILY_SEQUENCE = 9999


def counter_id(agency_code: str, day: dt.date) -> UUID:
    return derived_id("dossier-counter", agency_code, day.isoformat())


PROVISIONAL_PREFIX = "TAM-"


def dossier_code(agency_code: str, day: dt.date, number: int, *,
                 provisional: bool = False) -> str:
    code = f"{agency_code}-{day:%y%m%d}-{number:04d}"
    return PROVISIONAL_PREFIX + code if provisional else code


class DailySequenceExhaustedError(FailedPrecondition):
    reason = "DAILY_SEQUENCE_EXHAUSTED"


class DossierCounter(AuditedAggregate):
    """The numbers issued by one receiving unit on one day."""

    @staticmethod
    def create_id(agency_code: str, day: dt.date) -> UUID:
        return counter_id(agency_code, day)

    @event("Opened")
    def __init__(self, agency_code: str, day: dt.date) -> None:
        self.agency_code = agency_code
        self.day = day
        self.last_number = 0

    def issue(self, *, provisional: bool = False) -> str:
        """The next code of the day (marked when the agency code is provisional)."""
        if self.last_number >= MAX_DAILY_SEQUENCE:
            msg = (f"{self.agency_code} has issued {MAX_DAILY_SEQUENCE} dossier codes on "
                   f"{self.day}; the 4-digit sequence is exhausted")
            raise DailySequenceExhaustedError(msg, metadata={"agency_code": self.agency_code})
        self._issued(self.last_number + 1)
        return dossier_code(self.agency_code, self.day, self.last_number,
                            provisional=provisional)

    @event("Issued")
    def _issued(self, number: int) -> None:
        self.last_number = number
