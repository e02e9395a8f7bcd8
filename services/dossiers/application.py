"""The dossiers application: the one-stop shop's use cases.

Each command loads the dossier (and what it needs: the procedure, the units
as dossiers knows them, the day's counter), calls the dossier's methods and
saves everything in one transaction with the request record.

A command answers with the dossier as it saved it (``*_answer`` methods, for
the gRPC replies) instead of reading it back; only a retry of a request id
already done reads the dossier its stored result names.
"""

from __future__ import annotations

import datetime as dt
import functools
import threading
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Concatenate, ParamSpec

from lienthong.errors import FailedPrecondition, InvalidArgument, NotFound
from lienthong.events.consumer import TrackingApplication
from lienthong.eventstore import HistoryItem, derived_id, project
from lienthong.idempotency import Command, IdempotentApplication, Outcome
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
from .domain.procedure import parse_procedure_code, procedure_id
from .domain.units import KnownUnit, UnitRetiredAmbiguouslyError
from .jurisdiction import Jurisdiction
from .personal_data import ApplicantView, PersonalDataCommands
from .projections import DossierFilter, DossierIndex, UnitStatistics

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, Sequence
    from pathlib import Path
    from uuid import UUID

    from lienthong.eventstore import ReadAtOnce

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


@dataclass(frozen=True)
class DossierAnswer:
    """What a dossier command answers: the dossier as the command saved it (for a
    request id already done, as it is now), and its applicant in clear when the
    command had it at hand (a submission); None: open it to answer."""

    dossier: Dossier
    applicant: ApplicantView | None = None


@dataclass(frozen=True)
class _Submitted:
    """What a submission saved: the dossier, its applicant in clear, the units it loaded."""

    dossier: Dossier
    applicant: ApplicantView
    units: tuple[KnownUnit, ...]


P = ParamSpec("P")


def _dossier_id(answer: Callable[Concatenate[DossiersApplication, P], DossierAnswer],
                ) -> Callable[Concatenate[DossiersApplication, P], UUID]:
    """The command that answers only the dossier's id (for callers other than gRPC)."""
    @functools.wraps(answer)
    def command(app: DossiersApplication, /, *args: P.args, **kwargs: P.kwargs) -> UUID:
        return answer(app, *args, **kwargs).dossier.id
    command.__name__ = answer.__name__.removesuffix("_answer")
    command.__qualname__ = answer.__qualname__.removesuffix("_answer")
    return command


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
        #: Each desk's counter as this process last saved it (taken out while in use).
        self._counters: dict[tuple[str, dt.date], DossierCounter] = {}
        self._init_catalog()
        self.index = self.follow(DossierIndex.of(self))

    def today(self) -> dt.date:
        """The day in Vietnam."""
        return self.clock().astimezone(VIETNAM_TIME).date()

    def get_or_none(self, aggregate_id: UUID) -> Any:
        """The aggregate from its events, or None if nothing was recorded for this id.

        One query: only the days' counters keep snapshots (:meth:`_day_counter`
        reads them with theirs), so no other aggregate has one to look for.
        """
        return project(None, self.events.get(aggregate_id))

    # -- units, as identity tells us (called by the consumer's handlers) -----

    def known_unit(self, unit_id: UUID, field: str,
                   loaded: ReadAtOnce | None = None) -> KnownUnit:
        unit: KnownUnit | None = self.loaded_or_get(unit_id, loaded)
        if not isinstance(unit, KnownUnit):
            raise NotFound("unit", str(unit_id))
        return unit

    def current_unit(self, unit_id: UUID, field: str,
                     loaded: ReadAtOnce | None = None) -> KnownUnit:
        """The unit, or the unit that carries it on if it was merged or dissolved."""
        unit = self.known_unit(unit_id, field, loaded)
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

    def submit_dossier_answer(self, *, procedure_code: str, channel: str, applicant: Applicant,
                              receiving_unit_id: str, competent_unit_id: str,
                              submitted_documents: Sequence[str] = (), request_id: str = "",
                              reason: str = "") -> DossierAnswer:
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

        def execute(command: Command) -> Outcome[_Submitted]:
            now = self.clock()
            # The procedure and both units in one read.
            loaded = self.get_many([procedure_id(parse_procedure_code(procedure_code)),
                                    receiving_id, competent_id])
            procedure = self.get_procedure(procedure_code, loaded)
            version = procedure.version_on(now.astimezone(VIETNAM_TIME).date())
            if (jurisdiction := self.jurisdiction()) is not None:
                jurisdiction.require((receiving_id,), "unit", str(receiving_id))
            receiving = self.current_unit(receiving_id, "receiving_unit_id", loaded)
            competent = (receiving if competent_id == receiving_id
                         else self.current_unit(competent_id, "competent_unit_id", loaded))
            self._check_competence(version, receiving, competent)
            if not receiving.agency_code:
                msg = (f"receiving_unit_id: {receiving.display_name} has no agency code, which "
                       "dossier codes begin with; register it with the identity service")
                raise FailedPrecondition(msg, reason="RECEIVING_UNIT_WITHOUT_AGENCY_CODE",
                                         metadata={"unit_id": str(receiving.id)})
            day = now.astimezone(VIETNAM_TIME).date()
            sealed = self.seal_applicant(applicant)
            # One desk's submissions take numbers one at a time in this process;
            # other processes' are ordered by the event store (and retried).
            with self._counter_lock(receiving.agency_code, day):
                counter = self._day_counter(receiving.agency_code, day)
                code = counter.issue(provisional=receiving.agency_code_provisional)
                dossier = Dossier(
                    id=derived_id("dossier", request_id) if request_id else uuid.uuid4(),
                    dossier_code=code, procedure_code=procedure_code,
                    procedure_version=version.version, sector=version.sector,
                    channel=channel, applicant=sealed,
                    receiving_unit_id=receiving.id, competent_unit_id=competent.id,
                    processing_working_days=version.processing_working_days,
                    submitted_documents=list(submitted_documents), submitted_at=now)
                result = self.save_command(command, {"dossier_id": str(dossier.id)}, counter,
                                           dossier)
                self._counters[(receiving.agency_code, day)] = counter
            opened = ApplicantView.of(applicant.as_dict(), sealed["subject"])
            return Outcome(result, _Submitted(dossier, opened, (receiving, competent)))

        # A new submission's request id is not looked up first: a retry of one that
        # is done cannot save again (the dossier's id derives from it) and is answered
        # from its request record.
        outcome = self.run_changing(request_id, "SubmitDossier", payload, execute,
                                    reason=reason, attempts=SUBMIT_ATTEMPTS, ask_first=False)
        if (submitted := outcome.changed) is None:  # the request id was already done
            dossier = self.get_dossier_aggregate(uuid.UUID(outcome.result["dossier_id"]))
            applicant, seen = None, {}
        else:
            dossier, applicant = submitted.dossier, submitted.applicant
            seen = {unit.id: unit for unit in submitted.units}
        # A unit retired while this submission was being saved: the consumer's
        # own sweep may have run before the dossier was visible, so look again.
        if dossier.id in self._sweep_units((dossier.receiving_unit_id,
                                            dossier.competent_unit_id), seen):
            dossier = self.get_dossier_aggregate(dossier.id)
        return self._answer(dossier, applicant)

    submit_dossier = _dossier_id(submit_dossier_answer)

    def _day_counter(self, agency_code: str, day: dt.date) -> DossierCounter:
        """The desk's counter of the day, new if none is recorded (under the desk's lock).

        The counter this process saved last is brought up to date with what was
        recorded after it (other processes' numbers): one query, nothing replayed.
        Otherwise it is read with its snapshot. It is kept again only once saved.
        """
        counter: DossierCounter | None
        kept = self._counters.pop((agency_code, day), None)
        if kept is not None:
            counter = project(kept, self.events.get(kept.id, gt=kept.version))
        else:
            counter = super().get_or_none(counter_id(agency_code, day))
        if counter is None:
            return DossierCounter(agency_code=agency_code, day=day)
        return counter

    def _answer(self, dossier: Dossier, applicant: ApplicantView | None = None) -> DossierAnswer:
        """The answer of a command, checked as a read of the dossier is (its jurisdiction)."""
        self._within_jurisdiction(dossier)
        return DossierAnswer(dossier, applicant)

    def _sweep_units(self, unit_ids: Iterable[UUID],
                     seen: Mapping[UUID, KnownUnit]) -> set[UUID]:
        """Move the open dossiers of any of these units that is retired now; their ids.

        A unit the command loaded (``seen``, active then) is read again only if
        it has changed since: one query that returns nothing, usually.
        """
        moved: set[UUID] = set()
        for unit_id in dict.fromkeys(unit_ids):
            unit = seen.get(unit_id)
            if unit is None or self._changed_since(unit):
                moved.update(self.move_stranded_dossiers(unit_id))
        return moved

    def _changed_since(self, unit: KnownUnit) -> bool:
        """Whether any event was recorded for the unit after the version loaded."""
        return bool(self.recorder.select_events(unit.id, gt=unit.version, limit=1))

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
                self._counters.pop(key, None)
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
                ) -> DossierAnswer:
        """Load a dossier, apply one change, save it with the request record."""
        return self._answer(self._changed(method, dossier_id, request_id, reason, payload,
                                          change))

    def _changed(self, method: str, dossier_id: str, request_id: str, reason: str,
                 payload: dict[str, Any], change: Callable[[Dossier, dt.datetime], None],
                 ) -> Dossier:
        """The dossier as the change saved it (read, for a request id already done)."""
        uid = parse_uuid(dossier_id, "dossier_id")

        def execute(command: Command) -> Outcome[Dossier]:
            dossier = self.get_dossier_aggregate(uid)
            self._within_jurisdiction(dossier)
            change(dossier, self.clock())
            return Outcome(self.save_command(command, {"dossier_id": str(uid)}, dossier),
                           dossier)

        outcome = self.run_changing(request_id, method, {"dossier_id": dossier_id, **payload},
                                    execute, reason=reason)
        if outcome.changed is not None:
            return outcome.changed
        return self.get_dossier_aggregate(uid)

    def receive_dossier_answer(self, dossier_id: str, *, request_id: str = "",
                               reason: str = "") -> DossierAnswer:
        def change(d: Dossier, now: dt.datetime) -> None:
            # The dossier keeps the version in force on the day it is received.
            version = self.get_procedure(d.procedure_code).version_on(
                now.astimezone(VIETNAM_TIME).date())
            d.receive(now, self.calendar.add_working_days(now, version.processing_working_days),
                      version.version, version.processing_working_days)
        return self._change("ReceiveDossier", dossier_id, request_id, reason, {}, change)

    receive_dossier = _dossier_id(receive_dossier_answer)

    def refuse_to_receive_dossier_answer(self, dossier_id: str, *, request_id: str = "",
                                         reason: str = "") -> DossierAnswer:
        self._require_reason(reason)
        return self._change("RefuseToReceiveDossier", dossier_id, request_id, reason, {},
                            lambda d, _: d.refuse_to_receive())

    refuse_to_receive_dossier = _dossier_id(refuse_to_receive_dossier_answer)

    def assign_dossier_answer(self, dossier_id: str, handler: str, *, request_id: str = "",
                              reason: str = "") -> DossierAnswer:
        if not handler.strip():
            raise InvalidArgument.single("handler", "REQUIRED", "name the official")
        return self._change("AssignDossier", dossier_id, request_id, reason,
                            {"handler": handler}, lambda d, _: d.assign(handler.strip()))

    assign_dossier = _dossier_id(assign_dossier_answer)

    def request_supplement_answer(self, dossier_id: str, missing_documents: Sequence[str], *,
                                  request_id: str = "", reason: str = "") -> DossierAnswer:
        if not missing_documents:
            raise InvalidArgument.single("missing_documents", "REQUIRED",
                                         "name at least one missing document")
        _documents_within_bounds(missing_documents, "missing_documents")
        return self._change("RequestSupplement", dossier_id, request_id, reason,
                            {"missing": list(missing_documents)},
                            lambda d, now: d.request_supplement(list(missing_documents), now))

    request_supplement = _dossier_id(request_supplement_answer)

    def supplement_dossier_answer(self, dossier_id: str, documents: Sequence[str], *,
                                  request_id: str = "", reason: str = "") -> DossierAnswer:
        if not documents:
            raise InvalidArgument.single("documents", "REQUIRED",
                                         "hand in at least one document")
        _documents_within_bounds(documents, "documents")

        def change(d: Dossier, now: dt.datetime) -> None:
            d.supplement(list(documents), now, self.calendar,
                         waiting_since=self._legacy_wait_start(d, "SupplementRequested"))
        return self._change("SupplementDossier", dossier_id, request_id, reason,
                            {"documents": list(documents)}, change)

    supplement_dossier = _dossier_id(supplement_dossier_answer)

    def require_financial_obligation_answer(self, dossier_id: str, amount_vnd: int, *,
                                            request_id: str = "",
                                            reason: str = "") -> DossierAnswer:
        violations = Violations()
        check_amount(amount_vnd, "amount_vnd", violations, positive=True)
        violations.raise_if_any()
        return self._change("RequireFinancialObligation", dossier_id, request_id, reason,
                            {"amount_vnd": amount_vnd},
                            lambda d, now: d.require_financial_obligation(amount_vnd, now))

    require_financial_obligation = _dossier_id(require_financial_obligation_answer)

    def fulfil_financial_obligation_answer(self, dossier_id: str, *, request_id: str = "",
                                           reason: str = "") -> DossierAnswer:
        def change(d: Dossier, now: dt.datetime) -> None:
            d.fulfil_financial_obligation(
                now, self.calendar,
                waiting_since=self._legacy_wait_start(d, "FinancialObligationRequired"))
        return self._change("FulfilFinancialObligation", dossier_id, request_id, reason, {},
                            change)

    fulfil_financial_obligation = _dossier_id(fulfil_financial_obligation_answer)

    def _legacy_wait_start(self, dossier: Dossier, requested: str) -> dt.datetime | None:
        """When a wait requested before clock stops were recorded began: its event's time.

        None for a wait the dossier records itself (the usual case), so the
        history is read only for those older waits.
        """
        if dossier.open_clock_stop is not None:
            return None
        return next((item.recorded_at for item in reversed(self.dossier_history(str(dossier.id)))
                     if item.event_type == requested), None)

    def transfer_dossier_answer(self, dossier_id: str, to_unit_id: str,
                                deadline_working_days: int, *, request_id: str = "",
                                reason: str = "") -> DossierAnswer:
        violations = Violations()
        target = violations.check(lambda: parse_uuid(to_unit_id, "to_unit_id"))
        check_working_days(deadline_working_days, "deadline_working_days", violations,
                           "the receiving unit's share of the processing time")
        violations.raise_if_any()
        assert target is not None
        loaded: dict[UUID, KnownUnit] = {}  # by the attempt that saved (the last one)

        def change(d: Dossier, now: dt.datetime) -> None:
            unit = self.current_unit(target, "to_unit_id")
            loaded[unit.id] = unit
            d.transfer(unit.id, deadline_working_days,
                       self.calendar.add_working_days(now, deadline_working_days), now)
        dossier = self._changed("TransferDossier", dossier_id, request_id, reason,
                                {"to": to_unit_id, "days": deadline_working_days}, change)
        # The target may have been retired while the transfer was being saved, its
        # consumer's sweep running before the dossier was held there: look again.
        holder = dossier.holder_unit_id
        seen = {holder: loaded[holder]} if holder in loaded else {}
        if dossier.id in self._sweep_units((holder,), seen):
            dossier = self.get_dossier_aggregate(dossier.id)
        return self._answer(dossier)

    transfer_dossier = _dossier_id(transfer_dossier_answer)

    def pause_dossier_answer(self, dossier_id: str, *, request_id: str = "",
                             reason: str = "") -> DossierAnswer:
        self._require_reason(reason)
        return self._change("PauseDossier", dossier_id, request_id, reason, {},
                            lambda d, _: d.pause())

    pause_dossier = _dossier_id(pause_dossier_answer)

    def resume_dossier_answer(self, dossier_id: str, *, request_id: str = "",
                              reason: str = "") -> DossierAnswer:
        return self._change("ResumeDossier", dossier_id, request_id, reason, {},
                            lambda d, _: d.resume())

    resume_dossier = _dossier_id(resume_dossier_answer)

    def extend_dossier_answer(self, dossier_id: str, new_due_date: dt.date | None,
                              apology_slip: str, *, request_id: str = "",
                              reason: str = "") -> DossierAnswer:
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

    extend_dossier = _dossier_id(extend_dossier_answer)

    def approve_dossier_answer(self, dossier_id: str, result_documents: Sequence[str], *,
                               request_id: str = "", reason: str = "") -> DossierAnswer:
        if not result_documents:
            raise InvalidArgument.single("result_documents", "REQUIRED",
                                         "an approval names its result documents")
        _documents_within_bounds(result_documents, "result_documents")
        return self._change("ApproveDossier", dossier_id, request_id, reason,
                            {"results": list(result_documents)},
                            lambda d, now: d.approve(list(result_documents), now))

    approve_dossier = _dossier_id(approve_dossier_answer)

    def reject_dossier_answer(self, dossier_id: str, *, request_id: str = "",
                              reason: str = "") -> DossierAnswer:
        self._require_reason(reason)
        return self._change("RejectDossier", dossier_id, request_id, reason, {},
                            lambda d, now: d.reject(now))

    reject_dossier = _dossier_id(reject_dossier_answer)

    def return_result_answer(self, dossier_id: str, *, request_id: str = "",
                             reason: str = "") -> DossierAnswer:
        def change(d: Dossier, now: dt.datetime) -> None:
            d.return_result(now, self.calendar.classify)
        return self._change("ReturnResult", dossier_id, request_id, reason, {}, change)

    return_result = _dossier_id(return_result_answer)

    def withdraw_dossier_answer(self, dossier_id: str, *, request_id: str = "",
                                reason: str = "") -> DossierAnswer:
        return self._change("WithdrawDossier", dossier_id, request_id, reason, {},
                            lambda d, now: d.withdraw(now, self.calendar))

    withdraw_dossier = _dossier_id(withdraw_dossier_answer)

    def stop_dossier_answer(self, dossier_id: str, *, request_id: str = "",
                            reason: str = "") -> DossierAnswer:
        self._require_reason(reason)
        return self._change("StopDossier", dossier_id, request_id, reason, {},
                            lambda d, now: d.stop(now, self.calendar))

    stop_dossier = _dossier_id(stop_dossier_answer)

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
        found = self.get_many(r.dossier_id for r in page)  # the page in one query
        return [found[r.dossier_id] for r in page], next_token, len(rows)

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
