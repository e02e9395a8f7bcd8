"""The erasure of a data subject's personal data, as the service's history records it.

The erasure itself is the destruction of the subject's key (:mod:`lienthong.personal`);
this aggregate is its record: which subject (by reference, never by the personal
identification number), whether a key was destroyed, when; who asked and why are in the
event's audit metadata, as for every command.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from eventsourcing.domain import event

from lienthong.eventstore import AuditedAggregate

if TYPE_CHECKING:
    import datetime as dt


class PersonalDataErasure(AuditedAggregate):
    """One answered request to erase a data subject's personal data."""

    @event("Erased")
    def __init__(self, subject: str, key_destroyed: bool, erased_at: dt.datetime) -> None:
        self.subject = subject
        self.key_destroyed = key_destroyed
        self.erased_at = erased_at
