"""Numbers and notations of documents (Decree 30/2020, Article 8; the Law on the
promulgation of legal normative documents for theirs).

An agency numbers the documents it issues in a series per calendar year (Vietnam
time), from 01 on the first of January: regular documents in one series, legal
normative documents in their own, secret documents in their own. Its incoming book
numbers what it receives the same way (secret ones apart). A number below 10 is
written with a leading zero.

One :class:`NumberSeries` aggregate per agency, year and series. The series and the
document it numbers are saved in one transaction: two commands that read the same
series version conflict in the event store and the loser runs again with the next
number, so a series has no gap and no repeat.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from eventsourcing.domain import event

from lienthong.errors import FailedPrecondition
from lienthong.eventstore import AuditedAggregate, derived_id

from .kinds import DOCUMENT_TYPES, OFFICIAL_LETTER

if TYPE_CHECKING:
    from uuid import UUID

#: Outgoing series: regular, legal normative, secret; incoming: regular, secret.
SERIES = ("regular", "legal", "secret", "incoming", "incoming_secret")
MAX_NUMBER = 999_999


class SeriesExhaustedError(FailedPrecondition):
    reason = "NUMBER_SERIES_EXHAUSTED"


def series_id(unit_id: UUID, year: int, series: str) -> UUID:
    return derived_id("document-series", str(unit_id), str(year), series)


def written_number(number: int) -> str:
    """``5`` -> ``05``: numbers below 10 take a leading zero."""
    return f"{number:02d}"


def notation(number: int, document_type: str, issuer: str, *, drafting_unit: str = "",
             legal_year: int | None = None) -> str:
    """The number and notation: ``05/QĐ-UBND``; an official letter's names the drafting
    unit instead of a type (``12/UBND-VP``); a legal normative document's carries its
    year (``15/2025/QĐ-UBND``)."""
    number_part = written_number(number)
    if legal_year is not None:
        number_part += f"/{legal_year}"
    if document_type == OFFICIAL_LETTER:
        sign = f"{issuer}-{drafting_unit}" if drafting_unit else issuer
    else:
        sign = f"{DOCUMENT_TYPES[document_type][1]}-{issuer}"
    return f"{number_part}/{sign}"


class NumberSeries(AuditedAggregate):
    """The numbers one agency gave in one series of one year."""

    @staticmethod
    def create_id(unit_id: UUID, year: int, series: str) -> UUID:
        return series_id(unit_id, year, series)

    @event("Opened")
    def __init__(self, unit_id: UUID, year: int, series: str) -> None:
        self.unit_id = unit_id
        self.year = year
        self.series = series
        self.last_number = 0

    def next_number(self) -> int:
        """Take the series' next number."""
        if self.last_number >= MAX_NUMBER:
            msg = (f"the {self.series} series of {self.year} has given {MAX_NUMBER} numbers; "
                   "it is exhausted")
            raise SeriesExhaustedError(msg, metadata={"series": self.series})
        self._taken(self.last_number + 1)
        return self.last_number

    @event("NumberTaken")
    def _taken(self, number: int) -> None:
        self.last_number = number
