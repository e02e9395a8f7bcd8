"""The dossiers application: the one-stop shop's use cases.

Each command loads the dossier (and what it needs: the procedure, the units
as dossiers knows them, the day's counter), calls the dossier's methods and
saves everything in one transaction with the request record.
"""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from typing import TYPE_CHECKING, Any, ClassVar

from lienthong.errors import FailedPrecondition, InvalidArgument, NotFound
from lienthong.events.consumer import TrackingApplication
from lienthong.eventstore import HistoryItem, derived_id
from lienthong.idempotency import Command, IdempotentApplication
from lienthong.validation import PageRequest, Violations, parse_uuid
from lienthong.vietnam import VIETNAM_TIME

from .catalog import CatalogCommands
from .domain.applicant import Applicant, check_applicant
from .domain.calendar import WorkingCalendar
from .domain.dossier import Dossier
from .domain.limits import (
    MAX_DAYS_AHEAD,
    check_amount,
    check_date,
    check_documents,
    check_working_days,
)
from .domain.numbering import DossierCounter, counter_id
from .domain.units import KnownUnit, UnitRetiredAmbiguouslyError
from .jurisdiction import Jurisdiction
from .personal_data import PersonalDataCommands
from .projections import DossierFilter, DossierIndex, UnitStatistics

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from pathlib import Path
    from uuid import UUID

CHANNELS = ("counter", "online", "postal", "national_portal")
#: Concurrent submissions at one desk compete for the day's counter; each
#: loser runs again with the next number.
SUBMIT_ATTEMPTS = 25


class BoundaryError(FailedPrecondition):
    """The procedure's boundary policy does not allow this receiving unit."""


class CompetentLevelError(FailedPrecondition):
    reason = "COMPETENT_LEVEL_MISMATCH"


class DossierHistoryItem(HistoryItem):
    @property
    def status_after(self) -> int:
        """The portal's status code the event left the dossier in (every event says)."""
        return int(self.fields["status"])


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class DossiersApplication(CatalogCommands, PersonalDataCommands, TrackingApplication,
                          IdempotentApplication, service="dossiers"):
    """Procedures, dossiers, and the units they are held by."""

    #: A busy desk's counter would otherwise be replayed from its first number
    #: on every submission (each number is an event).
    snapshotting_intervals: ClassVar[dict[type[Any], int]] = {DossierCounter: 50}

    def __init__(self, event_store: str = "memory:", *,
                 calendar: WorkingCalendar | None = None,
                 clock: Callable[[], dt.datetime] = utc_now,
                 pii_master_key_file: str | Path = "", **kwargs: Any) -> None:
        super().__init__(event_store, **kwargs)
        self._init_personal_data(event_store, pii_master_key_file)
        self.calendar = calendar or WorkingCalendar()
        self.clock = clock
        self._counter_locks: dict[tuple[str, dt.date], threading.Lock] = {}
        self._counter_locks_guard = threading.Lock()
        self._init_catalog()
        self.index = self.follow(DossierIndex.of(self))

    def today(self) -> dt.date:
        """The day in Vietnam."""
        return self.clock().astimezone(VIETNAM_TIME).date()

    # -- units, as identity tells us (called by the consumer's handlers) -----

    def known_unit(self, unit_id: UUID, field: str) -> KnownUnit:
        unit: KnownUnit | None = self.get_or_none(unit_id)
        if not isinstance(unit, KnownUnit):
            raise NotFound("unit", str(unit_id))
        return unit

    def current_unit(self, unit_id: UUID, field: str) -> KnownUnit:
        """The unit, or the unit that carries it on if it was merged or dissolved."""
        unit = self.known_unit(unit_id, field)
        seen = {unit.id}
        while not unit.is_active:
            if len(unit.successor_ids) > 1:
                msg = (f"{field}: {unit.display_name} was divided on {unit.retired_on} among "
                       f"{len(unit.successor_ids)} units; address the dossier to one of them")
                raise UnitRetiredAmbiguouslyError(msg, metadata={
                    "unit_id": str(unit.id), "field": field,
                    "successor_unit_ids": ",".join(str(s) for s in unit.successor_ids)})
            assert unit.default_successor_id is not None
            unit = self.known_unit(unit.default_successor_id, field)
            if unit.id in seen:
                msg = f"{field}: the lineage of {unit_id} loops"
                raise FailedPrecondition(msg, reason="LINEAGE_CYCLE")
            seen.add(unit.id)
        return unit

    def jurisdiction(self) -> Jurisdiction | None:
        """What the call in progress may touch, if its access rule limits it."""
        return Jurisdiction.of_call(self._known_unit_or_none)

    def _known_unit_or_none(self, unit_id: UUID) -> KnownUnit | None:
        unit = self.get_or_none(unit_id)
        return unit if isinstance(unit, KnownUnit) else None

    def _within_jurisdiction(self, dossier: Dossier) -> None:
        if (jurisdiction := self.jurisdiction()) is not None:
            jurisdiction.require((dossier.receiving_unit_id, dossier.holder_unit_id),
                                 "dossier", str(dossier.id))

    # -- commands -----------------------------------------------------------

    def submit_dossier(self, *, procedure_code: str, channel: str, applicant: Applicant,
                       receiving_unit_id: str, competent_unit_id: str,
                       submitted_documents: Sequence[str] = (), request_id: str = "",
                       reason: str = "") -> UUID:
        payload = {"procedure_code": procedure_code, "channel": channel,
                   "applicant": self.personal_data.fingerprint(applicant.as_dict()),
                   "receiving_unit_id": receiving_unit_id,
                   "competent_unit_id": competent_unit_id,
                   "submitted_documents": list(submitted_documents)}
        violations = Violations()
        if not procedure_code:
            violations.add("procedure_code", "REQUIRED", "name the procedure")
        if channel not in CHANNELS:
            violations.add("channel", "CHANNEL_REQUIRED", f"must be one of {', '.join(CHANNELS)}")
        applicant = check_applicant(applicant, violations, today=self.today())
        check_documents(submitted_documents, "submitted_documents", violations)
        receiving_id = violations.check(lambda: parse_uuid(receiving_unit_id, "receiving_unit_id"))
        competent_id = violations.check(lambda: parse_uuid(competent_unit_id, "competent_unit_id"))
        violations.raise_if_any()
        assert receiving_id is not None and competent_id is not None

        def execute(command: Command) -> dict[str, Any]:
            now = self.clock()
            procedure = self.get_procedure(procedure_code)
            version = procedure.version_on(now.astimezone(VIETNAM_TIME).date())
            if (jurisdiction := self.jurisdiction()) is not None:
                jurisdiction.require((receiving_id,), "unit", str(receiving_id))
            receiving = self.current_unit(receiving_id, "receiving_unit_id")
            competent = (receiving if competent_id == receiving_id
                         else self.current_unit(competent_id, "competent_unit_id"))
            self._check_competence(version, receiving, competent)
            if not receiving.agency_code:
                msg = (f"receiving_unit_id: {receiving.display_name} has no agency code, which "
                       "dossier codes begin with; register it with the identity service")
                raise FailedPrecondition(msg, reason="RECEIVING_UNIT_WITHOUT_AGENCY_CODE",
                                         metadata={"unit_id": str(receiving.id)})
            day = now.astimezone(VIETNAM_TIME).date()
            # One desk's submissions take numbers one at a time in this process;
            # other processes' are ordered by the event store (and retried).
            with self._counter_lock(receiving.agency_code, day):
                counter: DossierCounter | None = self.get_or_none(
                    counter_id(receiving.agency_code, day))
                if counter is None:
                    counter = DossierCounter(agency_code=receiving.agency_code, day=day)
                code = counter.issue(provisional=receiving.agency_code_provisional)
                dossier = Dossier(
                    id=derived_id("dossier", request_id) if request_id else uuid.uuid4(),
                    dossier_code=code, procedure_code=procedure_code,
                    procedure_version=version.version, sector=version.sector,
                    channel=channel, applicant=self.seal_applicant(applicant),
                    receiving_unit_id=receiving.id, competent_unit_id=competent.id,
                    processing_working_days=version.processing_working_days,
                    submitted_documents=list(submitted_documents), submitted_at=now)
                return self.save_command(command, {"dossier_id": str(dossier.id)}, counter,
                                         dossier)

        done = self.run_command(request_id, "SubmitDossier", payload, execute, reason=reason,
                                attempts=SUBMIT_ATTEMPTS)
        dossier_id = uuid.UUID(done["dossier_id"])
        # A unit retired while this submission was being saved: the consumer's
        # own sweep may have run before the dossier was visible, so look again.
        dossier = self.get_dossier_aggregate(dossier_id)
        for unit_id in {dossier.receiving_unit_id, dossier.competent_unit_id}:
            if not self.known_unit(unit_id, "unit_id").is_active:
                self.move_stranded_dossiers(unit_id)
        return dossier_id

    def move_stranded_dossiers(self, unit_id: UUID) -> list[UUID]:
        """Move the open dossiers still at a retired unit to its default successor.

        The consumer moves them in the transaction that retires the unit; this
        sweep, run after that commit and after each submission's and transfer's,
        catches a dossier that was being submitted or transferred to the unit at
        that very moment (the index finds it by its holder, competent or
        receiving unit).
        """
        unit = self.known_unit(unit_id, "unit_id")
        if unit.is_active or unit.default_successor_id is None:
            return []
        moved = []
        self.index.catch_up()
        for dossier_id in self.index.open_dossiers_of(unit.id):
            def execute(command: Command, dossier_id: UUID = dossier_id) -> dict[str, Any]:
                dossier = self.get_dossier_aggregate(dossier_id)
                if dossier.is_open and unit.id in (dossier.holder_unit_id,
                                                   dossier.competent_unit_id,
                                                   dossier.receiving_unit_id):
                    assert unit.default_successor_id is not None
                    dossier.move_on_reorganisation(unit.id, unit.default_successor_id,
                                                   unit.retired_on, self.clock())
                    self.save_command(command, {}, dossier)
                return {}
            self.run_command("", "MoveStrandedDossier", {}, execute,
                             reason=f"{unit.display_name} was {unit.retirement}")
            moved.append(dossier_id)
        return moved

    def _counter_lock(self, agency_code: str, day: dt.date) -> threading.Lock:
        with self._counter_locks_guard:
            for key in [k for k in self._counter_locks if k[1] < day]:
                del self._counter_locks[key]  # yesterday's desks are done
            return self._counter_locks.setdefault((agency_code, day), threading.Lock())

    @staticmethod
    def _check_competence(version: Any, receiving: KnownUnit, competent: KnownUnit) -> None:
        if competent.level != version.competent_level:
            msg = (f"competent_unit_id: {competent.display_name} is a {competent.level}; this "
                   f"version of the procedure is decided at {version.competent_level} level")
            raise CompetentLevelError(msg, metadata={"unit_id": str(competent.id)})
        policy = version.boundary_policy
        if policy == "competent_unit_only" and receiving.id != competent.id:
            msg = (f"receiving_unit_id: procedures of the sector {version.sector!r} are "
                   f"received only at the competent unit, {competent.display_name}")
            raise BoundaryError(msg, reason="BOUNDARY_COMPETENT_UNIT_ONLY",
                                metadata={"unit_id": str(receiving.id), "policy": policy})
        if policy == "anywhere_in_province" and receiving.province != competent.province:
            msg = (f"receiving_unit_id: {receiving.display_name} is in another province than "
                   f"{competent.display_name}; this procedure is received within the province")
            raise BoundaryError(msg, reason="BOUNDARY_OUTSIDE_PROVINCE",
                                metadata={"unit_id": str(receiving.id), "policy": policy})

    def _change(self, method: str, dossier_id: str, request_id: str, reason: str,
                payload: dict[str, Any], change: Callable[[Dossier, dt.datetime], None],
                ) -> UUID:
        """Load a dossier, apply one change, save it with the request record."""
        uid = parse_uuid(dossier_id, "dossier_id")

        def execute(command: Command) -> dict[str, Any]:
            dossier = self.get_dossier_aggregate(uid)
            self._within_jurisdiction(dossier)
            change(dossier, self.clock())
            return self.save_command(command, {"dossier_id": str(uid)}, dossier)

        self.run_command(request_id, method, {"dossier_id": dossier_id, **payload}, execute,
                         reason=reason)
        return uid

    def receive_dossier(self, dossier_id: str, *, request_id: str = "",
                        reason: str = "") -> UUID:
        def change(d: Dossier, now: dt.datetime) -> None:
            # The dossier keeps the version in force on the day it is received.
            version = self.get_procedure(d.procedure_code).version_on(
                now.astimezone(VIETNAM_TIME).date())
            d.receive(now, self.calendar.add_working_days(now, version.processing_working_days),
                      version.version, version.processing_working_days)
        return self._change("ReceiveDossier", dossier_id, request_id, reason, {}, change)

    def refuse_to_receive_dossier(self, dossier_id: str, *, request_id: str = "",
                                  reason: str = "") -> UUID:
        self._require_reason(reason)
        return self._change("RefuseToReceiveDossier", dossier_id, request_id, reason, {},
                            lambda d, _: d.refuse_to_receive())

    def assign_dossier(self, dossier_id: str, handler: str, *, request_id: str = "",
                       reason: str = "") -> UUID:
        if not handler.strip():
            raise InvalidArgument.single("handler", "REQUIRED", "name the official")
        return self._change("AssignDossier", dossier_id, request_id, reason,
                            {"handler": handler}, lambda d, _: d.assign(handler.strip()))

    def request_supplement(self, dossier_id: str, missing_documents: Sequence[str], *,
                           request_id: str = "", reason: str = "") -> UUID:
        if not missing_documents:
            raise InvalidArgument.single("missing_documents", "REQUIRED",
                                         "name at least one missing document")
        _documents_within_bounds(missing_documents, "missing_documents")
        return self._change("RequestSupplement", dossier_id, request_id, reason,
                            {"missing": list(missing_documents)},
                            lambda d, now: d.request_supplement(list(missing_documents), now))

    def supplement_dossier(self, dossier_id: str, documents: Sequence[str], *,
                           request_id: str = "", reason: str = "") -> UUID:
        if not documents:
            raise InvalidArgument.single("documents", "REQUIRED",
                                         "hand in at least one document")
        _documents_within_bounds(documents, "documents")

        def change(d: Dossier, now: dt.datetime) -> None:
            d.supplement(list(documents), now, self.calendar,
                         waiting_since=self._legacy_wait_start(d, "SupplementRequested"))
        return self._change("SupplementDossier", dossier_id, request_id, reason,
                            {"documents": list(documents)}, change)

    def require_financial_obligation(self, dossier_id: str, amount_vnd: int, *,
                                     request_id: str = "", reason: str = "") -> UUID:
        violations = Violations()
        check_amount(amount_vnd, "amount_vnd", violations, positive=True)
        violations.raise_if_any()
        return self._change("RequireFinancialObligation", dossier_id, request_id, reason,
                            {"amount_vnd": amount_vnd},
                            lambda d, now: d.require_financial_obligation(amount_vnd, now))

    def fulfil_financial_obligation(self, dossier_id: str, *, request_id: str = "",
                                    reason: str = "") -> UUID:
        def change(d: Dossier, now: dt.datetime) -> None:
            d.fulfil_financial_obligation(
                now, self.calendar,
                waiting_since=self._legacy_wait_start(d, "FinancialObligationRequired"))
        return self._change("FulfilFinancialObligation", dossier_id, request_id, reason, {},
                            change)

    def _legacy_wait_start(self, dossier: Dossier, requested: str) -> dt.datetime | None:
        """When a wait requested before clock stops were recorded began: its event's time.

        None for a wait the dossier records itself (the usual case), so the
        history is read only for those older waits.
        """
        if dossier.open_clock_stop is not None:
            return None
        return next((item.recorded_at for item in reversed(self.dossier_history(str(dossier.id)))
                     if item.event_type == requested), None)

    def transfer_dossier(self, dossier_id: str, to_unit_id: str, deadline_working_days: int, *,
                         request_id: str = "", reason: str = "") -> UUID:
        violations = Violations()
        target = violations.check(lambda: parse_uuid(to_unit_id, "to_unit_id"))
        check_working_days(deadline_working_days, "deadline_working_days", violations,
                           "the receiving unit's share of the processing time")
        violations.raise_if_any()
        assert target is not None

        def change(d: Dossier, now: dt.datetime) -> None:
            unit = self.current_unit(target, "to_unit_id")
            d.transfer(unit.id, deadline_working_days,
                       self.calendar.add_working_days(now, deadline_working_days), now)
        uid = self._change("TransferDossier", dossier_id, request_id, reason,
                           {"to": to_unit_id, "days": deadline_working_days}, change)
        # The target may have been retired while the transfer was being saved, its
        # consumer's sweep running before the dossier was held there: look again.
        holder = self.get_dossier_aggregate(uid).holder_unit_id
        if not self.known_unit(holder, "to_unit_id").is_active:
            self.move_stranded_dossiers(holder)
        return uid

    def pause_dossier(self, dossier_id: str, *, request_id: str = "", reason: str = "") -> UUID:
        self._require_reason(reason)
        return self._change("PauseDossier", dossier_id, request_id, reason, {},
                            lambda d, _: d.pause())

    def resume_dossier(self, dossier_id: str, *, request_id: str = "",
                       reason: str = "") -> UUID:
        return self._change("ResumeDossier", dossier_id, request_id, reason, {},
                            lambda d, _: d.resume())

    def extend_dossier(self, dossier_id: str, new_due_date: dt.date | None, apology_slip: str, *,
                       request_id: str = "", reason: str = "") -> UUID:
        violations = Violations()
        if new_due_date is None:
            violations.add("new_due_date", "REQUIRED", "give the new appointment date")
        else:
            today = self.today()
            check_date(new_due_date, "new_due_date", violations, earliest=today,
                       latest=today + dt.timedelta(days=MAX_DAYS_AHEAD))
        if not apology_slip.strip():
            violations.add("apology_slip", "REQUIRED",
                           "an extension comes with an apology slip to the applicant")
        violations.raise_if_any()
        assert new_due_date is not None
        return self._change("ExtendDossier", dossier_id, request_id, reason,
                            {"due": new_due_date, "slip": apology_slip},
                            lambda d, now: d.extend(new_due_date, apology_slip.strip(), now))

    def approve_dossier(self, dossier_id: str, result_documents: Sequence[str], *,
                        request_id: str = "", reason: str = "") -> UUID:
        if not result_documents:
            raise InvalidArgument.single("result_documents", "REQUIRED",
                                         "an approval names its result documents")
        _documents_within_bounds(result_documents, "result_documents")
        return self._change("ApproveDossier", dossier_id, request_id, reason,
                            {"results": list(result_documents)},
                            lambda d, now: d.approve(list(result_documents), now))

    def reject_dossier(self, dossier_id: str, *, request_id: str = "", reason: str = "") -> UUID:
        self._require_reason(reason)
        return self._change("RejectDossier", dossier_id, request_id, reason, {},
                            lambda d, now: d.reject(now))

    def return_result(self, dossier_id: str, *, request_id: str = "", reason: str = "") -> UUID:
        def change(d: Dossier, now: dt.datetime) -> None:
            d.return_result(now, self.calendar.classify)
        return self._change("ReturnResult", dossier_id, request_id, reason, {}, change)

    def withdraw_dossier(self, dossier_id: str, *, request_id: str = "",
                         reason: str = "") -> UUID:
        return self._change("WithdrawDossier", dossier_id, request_id, reason, {},
                            lambda d, now: d.withdraw(now, self.calendar))

    def stop_dossier(self, dossier_id: str, *, request_id: str = "", reason: str = "") -> UUID:
        self._require_reason(reason)
        return self._change("StopDossier", dossier_id, request_id, reason, {},
                            lambda d, now: d.stop(now, self.calendar))

    @staticmethod
    def _require_reason(reason: str) -> None:
        if not reason.strip():
            raise InvalidArgument.single("reason", "REASON_REQUIRED",
                                         "this decision must say why (it is shown to the "
                                         "applicant and kept for the audit)")

    # -- queries ------------------------------------------------------------

    def get_dossier_aggregate(self, dossier_id: UUID) -> Dossier:
        dossier = self.get_or_none(dossier_id)
        if not isinstance(dossier, Dossier):
            raise NotFound("dossier", str(dossier_id))
        return dossier

    def get_dossier(self, dossier_id: str | UUID) -> Dossier:
        uid = dossier_id if isinstance(dossier_id, uuid.UUID) else parse_uuid(dossier_id,
                                                                              "dossier_id")
        dossier = self.get_dossier_aggregate(uid)
        self._within_jurisdiction(dossier)
        return dossier

    def list_dossiers(self, dossier_filter: DossierFilter, *, size: int = 0,
                      token: str = "") -> tuple[list[Dossier], str, int]:
        """One page of dossiers in submission order, the next token and the total; for a
        caller limited to its jurisdiction, of its own units only."""
        jurisdiction = self.jurisdiction()
        request = PageRequest.of(size, token, {
            "filter": dossier_filter,
            "jurisdiction": jurisdiction.grant.agency_code if jurisdiction else ""})
        self.index.refresh()
        rows = self.index.list(dossier_filter, self.today())
        if jurisdiction is not None:
            rows = [r for r in rows
                    if jurisdiction.covers_any((r.receiving_unit_id, r.holder_unit_id))]
        page, next_token = request.cut(rows)
        return [self.get_dossier_aggregate(r.dossier_id) for r in page], next_token, len(rows)

    def province_unit_statistics(self, province_unit_id: str, *, size: int = 0,
                                 token: str = "") -> tuple[list[UnitStatistics], str, int]:
        """One page of the statistics of a province's units, the next token and the total.

        The province must be known to dossiers (from identity's events):
        NOT_FOUND otherwise; a unit that is not a province is refused.
        """
        if not province_unit_id:
            raise InvalidArgument.single("province_unit_id", "REQUIRED",
                                         "name the province whose units to compare")
        province_id = parse_uuid(province_unit_id, "province_unit_id")
        if (jurisdiction := self.jurisdiction()) is not None:
            jurisdiction.require((province_id,), "unit", str(province_id))
        request = PageRequest.of(size, token, {"province_unit_id": str(province_id)})
        self.index.refresh()
        with self.index.lock:
            province = self.index.units.get(province_id)
            if province is None:
                raise NotFound("unit", str(province_id))
            if province.level != "province":
                msg = (f"province_unit_id: {province.display_name} is a {province.level or 'unit'}"
                       ", not a province; statistics are compared within a province")
                raise FailedPrecondition(msg, reason="NOT_A_PROVINCE", metadata={
                    "unit_id": str(province_id), "field": "province_unit_id",
                    "level": province.level})
            found = self.index.province_statistics(province_id, self.today())
        return (*request.cut(found), len(found))

    def dossier_history(self, dossier_id: str) -> list[DossierHistoryItem]:
        if self.jurisdiction() is not None:
            self.get_dossier(dossier_id)  # refused unless the caller's
        return self.history(parse_uuid(dossier_id, "dossier_id"), Dossier.Submitted,
                            "dossier", DossierHistoryItem)


def _documents_within_bounds(names: Sequence[str], field: str) -> None:
    violations = Violations()
    check_documents(names, field, violations)
    violations.raise_if_any()
