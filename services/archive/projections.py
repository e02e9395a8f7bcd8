"""What the archive lists and what its worker finds to do.

- fonds by holder, records by fonds (by FileCode), a FileCode's record;
- digitization by unit (and so by province): paper records and those digitized, pages
  captured, accepted and sent back, the reasons pages were sent back;
- each batch's accepted pages (their fingerprints, for duplicates) and each record's
  last accepted capture of each page;
- the work waiting: records to OCR, to package, born-digital records whose file is to
  be fetched, packages whose fixity check is due, transfers to reconcile;
- fixity: each package's last check and its outcome.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from lienthong.idempotency import RequestRecord
from lienthong.projection import LogFollower, handles

from .domain.capture import DigitizationBatch, ScannedPage
from .domain.custody import CustodyTransfer
from .domain.fonds import Fonds
from .domain.records import ArchivalRecord
from .domain.units import KnownUnit

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from uuid import UUID


@dataclass
class UnitProgress:
    paper_records: int = 0
    records_digitized: int = 0
    records_preserved: int = 0
    pages_captured: int = 0
    pages_accepted: int = 0
    pages_sent_back: int = 0
    failures_by_rule: Counter[str] = field(default_factory=Counter)

    def add(self, other: UnitProgress) -> None:
        for name in ("paper_records", "records_digitized", "records_preserved",
                     "pages_captured", "pages_accepted", "pages_sent_back"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.failures_by_rule.update(other.failures_by_rule)


@dataclass
class BatchCounts:
    unit_id: UUID
    label: str
    opened_at: dt.datetime
    captured: int = 0
    accepted: int = 0
    sent_back: int = 0


@dataclass
class RecordRow:
    record_id: UUID
    fonds_id: UUID
    unit_id: UUID
    file_code: str
    origin: str
    state: str = "catalogued"
    package_name: str = ""
    package_sha256: str = ""
    checked_at: dt.datetime | None = None
    outcome: str = ""
    checks: int = 0
    ingested_at: dt.datetime | None = None


class ArchiveBooks(LogFollower):
    aggregates = (KnownUnit, Fonds, ArchivalRecord, DigitizationBatch, ScannedPage,
                  CustodyTransfer, RequestRecord)
    ignores: ClassVar[Mapping[type, str]] = {
        RequestRecord.Accepted: "AIP-155 retry bookkeeping",
        KnownUnit.Renamed: "units are read as aggregates",
        KnownUnit.AgencyCodeAssigned: "units are read as aggregates",
        KnownUnit.Retired: "a retired unit's fonds is handed on by a custody transfer",
        ArchivalRecord.DamageFound: "the fixity check before it says the outcome",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.provinces: dict[UUID, UUID] = {}
        self.fonds_of_unit: dict[UUID, UUID] = {}
        self.fonds_holder: dict[UUID, UUID] = {}
        self.records: dict[UUID, RecordRow] = {}
        self.by_fonds: defaultdict[UUID, set[UUID]] = defaultdict(set)
        self.by_file_code: dict[str, UUID] = {}
        #: state -> the records in it (the worker's queues)
        self.by_state: defaultdict[str, set[UUID]] = defaultdict(set)
        self.progress: defaultdict[UUID, UnitProgress] = defaultdict(UnitProgress)
        self.batches: dict[UUID, BatchCounts] = {}
        #: batch -> accepted page id -> (record, sequence, fingerprint)
        self.fingerprints: defaultdict[UUID, dict[UUID, tuple[UUID, int, str]]] = \
            defaultdict(dict)
        #: record -> sequence -> (page id, image) of its last accepted capture
        self.accepted_pages: defaultdict[UUID, dict[int, tuple[UUID, dict[str, Any]]]] = \
            defaultdict(dict)
        self._captures: dict[UUID, tuple[UUID, UUID, int, str, dict[str, Any]]] = {}
        self.transfers: dict[UUID, tuple[UUID, UUID, str]] = {}

    # -- units and fonds -------------------------------------------------------------

    @handles(KnownUnit.Learned)
    def _learned(self, e: Any) -> None:
        self.provinces[e.originator_id] = e.province_id or e.originator_id

    @handles(Fonds.Opened)
    def _fonds_opened(self, e: Any) -> None:
        self.fonds_of_unit[e.unit_id] = e.originator_id
        self.fonds_holder[e.originator_id] = e.unit_id

    @handles(Fonds.Transferred)
    def _fonds_transferred(self, e: Any) -> None:
        self.fonds_holder[e.originator_id] = e.to_unit_id

    # -- records ---------------------------------------------------------------------

    @handles(ArchivalRecord.Catalogued)
    def _catalogued(self, e: Any) -> None:
        self.records[e.originator_id] = RecordRow(e.originator_id, e.fonds_id, e.unit_id,
                                                  e.file_code, e.origin)
        self.by_fonds[e.fonds_id].add(e.originator_id)
        self.by_file_code[e.file_code] = e.originator_id
        self.by_state["catalogued"].add(e.originator_id)
        if e.origin == "paper":
            self.progress[e.unit_id].paper_records += 1

    def _state(self, e: Any, state: str) -> RecordRow:
        row = self.records[e.originator_id]
        self.by_state[row.state].discard(row.record_id)
        self.by_state[state].add(row.record_id)
        row.state = state
        return row

    @handles(ArchivalRecord.DigitizationRequested)
    def _digitizing(self, e: Any) -> None:
        self._state(e, "digitizing")

    @handles(ArchivalRecord.DigitizationFailed)
    def _digitization_failed(self, e: Any) -> None:
        self._state(e, "catalogued")

    @handles(ArchivalRecord.CopyMade)
    def _copy_made(self, e: Any) -> None:
        self._state(e, "digitized")

    @handles(ArchivalRecord.CopySealed)
    def _sealed(self, e: Any) -> None:
        row = self._state(e, "sealed")
        self.progress[row.unit_id].records_digitized += 1

    @handles(ArchivalRecord.FileKept)
    def _file_kept(self, e: Any) -> None:
        self._state(e, "sealed")

    @handles(ArchivalRecord.PackageIngested)
    def _ingested(self, e: Any) -> None:
        row = self._state(e, "preserved")
        row.package_name = e.package["object_name"]
        row.package_sha256 = e.package["sha256"]
        row.ingested_at = e.timestamp
        self.progress[row.unit_id].records_preserved += 1

    @handles(ArchivalRecord.FixityChecked)
    def _fixity(self, e: Any) -> None:
        row = self.records[e.originator_id]
        row.checked_at = e.checked_at
        row.outcome = e.outcome
        row.checks += 1

    # -- capture ---------------------------------------------------------------------

    @handles(DigitizationBatch.Opened)
    def _batch_opened(self, e: Any) -> None:
        self.batches[e.originator_id] = BatchCounts(e.unit_id, e.label, e.timestamp)

    def _capture(self, batch_id: UUID) -> tuple[BatchCounts, UnitProgress]:
        batch = self.batches[batch_id]
        progress = self.progress[batch.unit_id]
        batch.captured += 1
        progress.pages_captured += 1
        return batch, progress

    @handles(ScannedPage.Captured)
    def _captured(self, e: Any) -> None:
        """Counted once accepted or sent back (in the same transaction)."""
        self._captures[e.originator_id] = (e.batch_id, e.record_id, e.sequence,
                                           e.measures.get("fingerprint", ""), e.image)

    @handles(ScannedPage.Accepted)
    def _accepted(self, e: Any) -> None:
        batch_id, record_id, sequence, fingerprint, image = self._captures.pop(e.originator_id)
        batch, progress = self._capture(batch_id)
        batch.accepted += 1
        progress.pages_accepted += 1
        self.fingerprints[batch_id][e.originator_id] = (record_id, sequence, fingerprint)
        earlier = self.accepted_pages[record_id].get(sequence)
        if earlier is not None:
            self.fingerprints[batch_id].pop(earlier[0], None)
        self.accepted_pages[record_id][sequence] = (e.originator_id, image)

    @handles(ScannedPage.SentBack)
    def _sent_back(self, e: Any) -> None:
        batch, progress = self._capture(self._captures.pop(e.originator_id)[0])
        batch.sent_back += 1
        progress.pages_sent_back += 1
        progress.failures_by_rule.update(finding["rule"] for finding in e.findings)

    # -- custody ---------------------------------------------------------------------

    @handles(CustodyTransfer.Prepared)
    def _prepared(self, e: Any) -> None:
        self.transfers[e.originator_id] = (e.from_unit_id, e.to_unit_id, "prepared")

    def _transfer_state(self, e: Any, state: str) -> None:
        from_unit, to_unit, _ = self.transfers[e.originator_id]
        self.transfers[e.originator_id] = (from_unit, to_unit, state)

    @handles(CustodyTransfer.Reconciled)
    def _reconciled(self, e: Any) -> None:
        self._transfer_state(e, "reconciled")

    @handles(CustodyTransfer.Superseded)
    def _superseded(self, e: Any) -> None:
        self._transfer_state(e, "superseded")

    @handles(CustodyTransfer.Completed)
    def _completed(self, e: Any) -> None:
        self._transfer_state(e, "completed")

    # -- reads -----------------------------------------------------------------------
    # Each read first takes what other replicas recorded (at most ``freshness_s`` old).

    def fonds_held_by(self, unit_id: UUID) -> list[UUID]:
        self.refresh()
        with self.lock:
            return sorted(f for f, holder in self.fonds_holder.items() if holder == unit_id)

    def record_with_code(self, file_code: str) -> UUID | None:
        self.refresh()
        with self.lock:
            return self.by_file_code.get(file_code)

    def records_of(self, fonds_id: UUID) -> list[RecordRow]:
        self.refresh()
        with self.lock:
            rows = [self.records[r] for r in self.by_fonds.get(fonds_id, ())]
        return sorted(rows, key=lambda r: r.file_code)

    def in_state(self, state: str, *, origin: str = "") -> list[UUID]:
        self.refresh()
        with self.lock:
            return sorted(r for r in self.by_state.get(state, ())
                          if not origin or self.records[r].origin == origin)

    def fixity_due(self, now: dt.datetime, cadence: dt.timedelta) -> list[UUID]:
        """Preserved records never checked, or last checked a cadence ago, oldest first."""
        self.refresh()
        with self.lock:
            rows = [self.records[r] for r in self.by_state.get("preserved", ())]
        due = [(r.checked_at or dt.datetime.min.replace(tzinfo=dt.UTC), r.record_id)
               for r in rows if r.checked_at is None or now - r.checked_at >= cadence]
        return [record_id for _, record_id in sorted(due)]

    def duplicate_of(self, batch_id: UUID, record_id: UUID, sequence: int,
                     is_same: Any) -> tuple[UUID, UUID, int] | None:
        """The accepted page of the batch (another place than this one) whose fingerprint
        ``is_same(fingerprint)`` says this page repeats."""
        self.refresh()
        with self.lock:
            pages = list(self.fingerprints.get(batch_id, {}).items())
        for page_id, (other_record, other_sequence, fingerprint) in pages:
            if (other_record, other_sequence) != (record_id, sequence) and is_same(fingerprint):
                return page_id, other_record, other_sequence
        return None

    def pages_of(self, record_id: UUID) -> dict[int, tuple[UUID, dict[str, Any]]]:
        self.refresh()
        with self.lock:
            return dict(self.accepted_pages.get(record_id, {}))

    def batch(self, batch_id: UUID) -> BatchCounts | None:
        self.refresh()
        with self.lock:
            found = self.batches.get(batch_id)
            return None if found is None else BatchCounts(**vars(found))

    def progress_of(self, units: Iterable[UUID]) -> UnitProgress:
        self.refresh()
        total = UnitProgress()
        with self.lock:
            for unit in units:
                if unit in self.progress:
                    total.add(self.progress[unit])
        return total

    def units_of_province(self, province_id: UUID) -> list[UUID]:
        self.refresh()
        with self.lock:
            return [u for u, p in self.provinces.items() if p == province_id]

    def transfers_of(self, unit_id: UUID) -> list[UUID]:
        self.refresh()
        with self.lock:
            return sorted(t for t, (f, to, _) in self.transfers.items() if unit_id in (f, to))

    def pending_to(self, unit_id: UUID) -> list[UUID]:
        """Transfers to the unit not yet signed."""
        self.refresh()
        with self.lock:
            return sorted(t for t, (_, to, s) in self.transfers.items()
                          if to == unit_id and s in ("prepared", "reconciled"))

    def transfers_in(self, state: str) -> list[UUID]:
        self.refresh()
        with self.lock:
            return sorted(t for t, (_, _, s) in self.transfers.items() if s == state)

    def fixity_status(self, holder: UUID | None, now: dt.datetime,
                      cadence: dt.timedelta) -> dict[str, Any]:
        self.refresh()
        with self.lock:
            rows = [self.records[r] for r in self.by_state.get("preserved", ())
                    if holder is None
                    or self.fonds_holder.get(self.records[r].fonds_id) == holder]
        return {
            "packages": len(rows),
            "intact": sum(r.outcome == "intact" for r in rows),
            "damaged": sum(r.outcome == "damaged" for r in rows),
            "never_checked": sum(r.checked_at is None for r in rows),
            "overdue": sum(r.checked_at is not None and now - r.checked_at > cadence
                           for r in rows),
            "damaged_record_ids": sorted(str(r.record_id) for r in rows
                                         if r.outcome == "damaged"),
        }
