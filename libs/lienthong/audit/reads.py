"""Reads of the event history are themselves history: who read what, and when.

Each answered read of AuditService (an aggregate's events, its state as of a version or a
time, an export of a range of the log) is saved as a :class:`HistoryRead` in the service's
own log. Its event's metadata carries the caller (the reading system's certificate), the
actor and the request, as every event's does; its payload says which method read what.
So an auditor's reads are auditable like any change, and tamper-evident like it.
"""

from __future__ import annotations

from eventsourcing.domain import event

from lienthong.eventstore import AuditedAggregate


class HistoryRead(AuditedAggregate):
    """One answered read of the history through AuditService."""

    @event("Recorded")
    def __init__(self, method: str, aggregate_id: str = "", version: int = 0,
                 as_of: str = "", start_notification_id: int = 0,
                 end_notification_id: int = 0, start_time: str = "",
                 end_time: str = "") -> None:
        self.method = method
        self.aggregate_id = aggregate_id
        self.version = version
        self.as_of = as_of
        self.start_notification_id = start_notification_id
        self.end_notification_id = end_notification_id
        self.start_time = start_time
        self.end_time = end_time
