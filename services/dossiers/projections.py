"""Read models of dossiers, built from the service's own event log.

:class:`DossierIndex` follows the notification log in memory (like the
identity directory): dossiers per holding unit and status, the overdue
list, and per-unit statistics (received; processed early, on time, late;
on-time rate) that a province can compare across its communes.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .domain.dossier import OPEN, Status
from .domain.numbering import VIETNAM_TIME

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Callable
    from uuid import UUID

    from eventsourcing.persistence import Notification

CATCH_UP_BATCH = 1000
FRESHNESS_S = 0.05


@dataclass
class DossierRow:
    dossier_id: UUID
    dossier_code: str
    procedure_code: str
    receiving_unit_id: UUID
    competent_unit_id: UUID
    holder_unit_id: UUID
    submitted_at: dt.datetime
    status: Status = Status.NEW
    due_date: dt.date | None = None
    timeliness: str = ""

    @property
    def is_open(self) -> bool:
        return self.status in OPEN

    def overdue(self, today: dt.date) -> bool:
        return self.is_open and self.due_date is not None and today > self.due_date


@dataclass
class UnitStatistics:
    unit_id: UUID
    received: int = 0
    open: int = 0
    overdue: int = 0
    early: int = 0
    on_time: int = 0
    late: int = 0

    @property
    def returned(self) -> int:
        return self.early + self.on_time + self.late

    @property
    def on_time_rate(self) -> float | None:
        """Share of returned results that were early or on time (None before any)."""
        return (self.early + self.on_time) / self.returned if self.returned else None


@dataclass(frozen=True)
class DossierFilter:
    holder_unit_id: UUID | None = None
    status: Status | None = None
    overdue_only: bool = False
    procedure_code: str = ""
    submitted_from: dt.date | None = None
    submitted_to: dt.date | None = None

    def matches(self, row: DossierRow, today: dt.date) -> bool:
        day = row.submitted_at.astimezone(VIETNAM_TIME).date()
        return ((self.holder_unit_id is None or row.holder_unit_id == self.holder_unit_id)
                and (self.status is None or row.status is self.status)
                and (not self.overdue_only or row.overdue(today))
                and (not self.procedure_code or row.procedure_code == self.procedure_code)
                and (self.submitted_from is None or day >= self.submitted_from)
                and (self.submitted_to is None or day <= self.submitted_to))


_STATUS_AFTER = {
    "Received": Status.RECEIVED, "RefusedToReceive": Status.NOT_RECEIVED,
    "Assigned": Status.PROCESSING, "SupplementRequested": Status.SUPPLEMENT_REQUESTED,
    "Supplemented": Status.PROCESSING,
    "FinancialObligationRequired": Status.FINANCIAL_OBLIGATION,
    "FinancialObligationFulfilled": Status.PROCESSING, "Transferred": Status.PROCESSING,
    "Approved": Status.PROCESSED, "Rejected": Status.PROCESSED,
    "ResultReturned": Status.RESULT_RETURNED, "Withdrawn": Status.WITHDRAWN,
    "Stopped": Status.STOPPED,
}


class DossierIndex:
    """Dossiers as of the last applied notification of the log."""

    def __init__(self, read_notifications: Callable[[int, int], list[Notification]],
                 to_event: Callable[[Notification], Any]) -> None:
        self._read = read_notifications
        self._to_event = to_event
        self._lock = threading.RLock()
        self._caught_up_at = 0.0
        self.position = 0
        self.rows: dict[UUID, DossierRow] = {}

    def refresh(self) -> None:
        if time.monotonic() - self._caught_up_at >= FRESHNESS_S:
            self.catch_up()

    def catch_up(self) -> int:
        with self._lock:
            self._caught_up_at = time.monotonic()
            applied = 0
            while True:
                batch = self._read(self.position + 1, CATCH_UP_BATCH)
                for notification in batch:
                    if notification.topic.split(":")[-1].startswith("Dossier."):
                        self._apply(self._to_event(notification))
                    self.position = notification.id
                applied += len(batch)
                if len(batch) < CATCH_UP_BATCH:
                    return applied

    def _apply(self, event: Any) -> None:
        name = type(event).__qualname__.split(".")[-1]
        if name == "Submitted":
            self.rows[event.originator_id] = DossierRow(
                event.originator_id, event.dossier_code, event.procedure_code,
                event.receiving_unit_id, event.competent_unit_id, event.receiving_unit_id,
                event.submitted_at)
            return
        row = self.rows[event.originator_id]
        if name in _STATUS_AFTER:
            row.status = _STATUS_AFTER[name]
        if name in ("Received", "Supplemented"):
            row.due_date = event.due_date
        elif name == "Extended":
            row.due_date = event.new_due_date
        elif name == "Transferred":
            row.holder_unit_id = event.to_unit_id
        elif name == "MovedOnReorganisation":
            for attribute in ("holder_unit_id", "competent_unit_id", "receiving_unit_id"):
                if getattr(row, attribute) == event.from_unit_id:
                    setattr(row, attribute, event.to_unit_id)
        elif name == "ResultReturned":
            row.timeliness = event.timeliness

    # -- queries ------------------------------------------------------------

    def list(self, dossier_filter: DossierFilter, today: dt.date) -> list[DossierRow]:
        with self._lock:
            rows = [r for r in self.rows.values() if dossier_filter.matches(r, today)]
        return sorted(rows, key=lambda r: (r.submitted_at, r.dossier_code))

    def open_dossiers_of(self, unit_id: UUID) -> list[UUID]:
        """Open dossiers held by, competent at or received by a unit."""
        with self._lock:
            return sorted((r.dossier_id for r in self.rows.values() if r.is_open and unit_id in
                           (r.holder_unit_id, r.competent_unit_id, r.receiving_unit_id)),
                          key=str)

    def statistics(self, unit_ids: list[UUID] | None, today: dt.date) -> list[UnitStatistics]:
        """Per competent unit: received, open, overdue, returned early/on time/late."""
        with self._lock:
            stats: dict[UUID, UnitStatistics] = {}
            for row in self.rows.values():
                unit = row.competent_unit_id
                if unit_ids is not None and unit not in unit_ids:
                    continue
                entry = stats.setdefault(unit, UnitStatistics(unit))
                if row.status not in (Status.NEW, Status.NOT_RECEIVED):
                    entry.received += 1
                entry.open += row.is_open
                entry.overdue += row.overdue(today)
                if row.timeliness:
                    setattr(entry, row.timeliness, getattr(entry, row.timeliness) + 1)
        return sorted(stats.values(), key=lambda s: str(s.unit_id))
