"""The dossiers service's published contract: what is published, and what each message holds.

Events go through a SQLite event store and back (the transcoder, as the
relay reads them) before they meet the contract.
"""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from typing import Any

import pytest
from eventsourcing.domain import AggregateEvent, CanInitAggregate
from eventsourcing.domain import _created_event_classes as created_event_classes

from lienthong.audit import audit_scope
from lienthong.dossiers.v1 import catalog_pb2 as catalog
from lienthong.dossiers.v1 import dossiers_pb2 as pb
from lienthong.dossiers.v1 import events_pb2 as ev
from lienthong.eventstore import ServiceApplication
from lienthong.idempotency import RequestRecord
from lienthong.personal import Sealed, SubjectKeys
from lienthong.services.dossiers.domain.calendar import WorkingCalendar
from lienthong.services.dossiers.domain.dossier import Dossier
from lienthong.services.dossiers.domain.numbering import DossierCounter
from lienthong.services.dossiers.domain.personal_data import PersonalDataErasure
from lienthong.services.dossiers.domain.procedure import (
    Procedure,
    ProcedureVersionSpec,
    RequiredDocument,
)
from lienthong.services.dossiers.domain.units import KnownUnit
from lienthong.services.dossiers.events import CONTRACT, NOT_PUBLISHED, STATUS_AFTER

#: Every aggregate the dossiers service records.
AGGREGATES = (Dossier, Procedure, DossierCounter, KnownUnit, RequestRecord,
              PersonalDataErasure)
TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
AT = dt.datetime(2026, 3, 4, 2, 0, tzinfo=dt.UTC)
#: Monday 9 March 2026, 09:00 in Vietnam: three working days after AT.
MONDAY = dt.datetime(2026, 3, 9, 2, 0, tzinfo=dt.UTC)
CALENDAR = WorkingCalendar()
BA_DINH, HOAN_KIEM, PHU_THUONG = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
PIN = "001090012345"
APPLICANT = {"full_name": "Nguyễn Văn An", "personal_identification_number": PIN,
             "phone": "0912345678", "address": "Ba Đình, Hà Nội"}
#: The data subjects' keys, as the application keeps them (in memory here).
KEYS = SubjectKeys(ServiceApplication(), secrets.token_bytes(32))


def event_classes() -> dict[str, type]:
    """Every event class the service's aggregates can record, by qualname.

    An aggregate created by an event of another name (``Dossier.Submitted``)
    still has eventsourcing's default ``Created`` class, never recorded.
    """
    found = {}
    for aggregate in AGGREGATES:
        creation = created_event_classes[aggregate]
        for value in vars(aggregate).values():
            if (isinstance(value, type) and issubclass(value, AggregateEvent)
                    and value.__name__ != "Event"
                    and (not issubclass(value, CanInitAggregate) or value in creation)):
                found[value.__qualname__] = value
    return found


def test_every_domain_event_is_published_or_deliberately_kept_inside() -> None:
    classes = event_classes()
    published = {p.qualname for p in CONTRACT}
    assert not published & set(NOT_PUBLISHED), "both published and not"
    assert set(classes) == published | set(NOT_PUBLISHED), (
        f"unclassified: {sorted(set(classes) - published - set(NOT_PUBLISHED))}; "
        f"stale: {sorted((published | set(NOT_PUBLISHED)) - set(classes))}")
    # Every dossier event of the portal's lifecycle, and both procedure events, are published.
    assert {q for q in published if q.startswith("Dossier.")} == {
        f"Dossier.{n}" for n in ("Submitted", "Received", "RefusedToReceive", "Assigned",
                                 "SupplementRequested", "Supplemented",
                                 "FinancialObligationRequired", "FinancialObligationFulfilled",
                                 "Transferred", "MovedOnReorganisation", "Paused", "Resumed",
                                 "Extended", "Approved", "Rejected", "ResultReturned",
                                 "Withdrawn", "Stopped")}
    assert {"Procedure.Created", "Procedure.VersionAdded"} <= published


def test_every_message_of_events_proto_is_in_the_contract() -> None:
    messages = set(ev.DESCRIPTOR.message_types_by_name) - {"EventMetadata", "SealedPersonalData"}
    assert messages == {p.name for p in CONTRACT}
    for published in CONTRACT:
        assert ev.DESCRIPTOR.message_types_by_name[published.name].fields_by_name[
            "metadata"].number == 1


def spec(**changes: Any) -> ProcedureVersionSpec:
    fields: dict[str, Any] = {
        "effective_date": dt.date(2025, 7, 1), "name": "Đăng ký khai sinh",
        "sector": "Hộ tịch", "competent_level": "commune",
        "competent_agency_kind": "people's committee", "processing_working_days": 10,
        "required_documents": (RequiredDocument("Tờ khai đăng ký khai sinh", 1, True),),
        "fee_vnd": 0, "result_document_type": "Giấy khai sinh",
        "boundary_policy": "anywhere_in_country"}
    fields.update(changes)
    return ProcedureVersionSpec(**fields)


def submitted(code: str, *, sealed: bool = True) -> Dossier:
    """A new dossier; its applicant sealed, or in clear as recorded before sealing."""
    return Dossier(
        id=uuid.uuid4(), dossier_code=code, procedure_code="1.001193", procedure_version=1,
        sector="Hộ tịch", channel="online",
        applicant=KEYS.seal(PIN, APPLICANT).as_dict() if sealed else dict(APPLICANT),
        receiving_unit_id=BA_DINH, competent_unit_id=BA_DINH, processing_working_days=10,
        submitted_documents=["Tờ khai"], submitted_at=AT)


def stories() -> list[Any]:
    """Dossiers and a procedure that, together, record every published event."""
    a = submitted("000.00.12.H01-260304-0001")
    a.receive(AT, dt.date(2026, 3, 18))
    a.assign("cb.tran")
    a.request_supplement(["Giấy chứng sinh"], AT)
    a.supplement(["Giấy chứng sinh"], MONDAY, CALENDAR)  # 5, 6, 9 March paused
    a.require_financial_obligation(50_000, MONDAY)
    a.fulfil_financial_obligation(MONDAY, CALENDAR)
    a.transfer(HOAN_KIEM, 3, dt.date(2026, 3, 12), AT)
    a.pause()
    a.resume()
    a.extend(dt.date(2026, 4, 1), "Phiếu xin lỗi số 01")
    a.move_on_reorganisation(HOAN_KIEM, PHU_THUONG, dt.date(2026, 3, 10), AT)
    a.approve(["Giấy khai sinh"], AT)
    a.return_result(AT, lambda due, returned: "early")
    b = submitted("000.00.12.H01-260304-0002")
    b.refuse_to_receive()
    c = submitted("000.00.12.H01-260304-0003")
    c.withdraw(AT, CALENDAR)
    d = submitted("000.00.12.H01-260304-0004")
    d.receive(AT, dt.date(2026, 3, 18))
    d.stop(AT, CALENDAR)
    e = submitted("000.00.12.H01-260304-0005")
    e.receive(AT, dt.date(2026, 3, 18))
    e.assign("cb.le")
    e.reject(AT)
    before_sealing = submitted("000.00.12.H01-260304-0006", sealed=False)
    procedure = Procedure.create("1.001193", spec())
    procedure.add_version(spec(effective_date=dt.date(2026, 1, 1), processing_working_days=5))
    erasure = PersonalDataErasure(subject=KEYS.reference(PIN), key_destroyed=True,
                                  erased_at=MONDAY)
    return [a, b, c, d, e, before_sealing, procedure, erasure]


@pytest.fixture
def recorded(tmp_path: Any) -> list[tuple[int, Any]]:
    """The stories' events as the relay reads them: (notification id, domain event)."""
    app = ServiceApplication(f"sqlite:///{tmp_path / 'contract.db'}")
    with audit_scope(actor="cb.tran", actor_agency_code="000.00.12.H01", request_id="r-1",
                     correlation_id="c-1", trace_id=TRACE_ID, reason="Theo đề nghị"):
        app.save(*stories())
    notifications = app.recorder.select_notifications(start=1, limit=1000)
    events = [(n.id, app.mapper.to_domain_event(n)) for n in notifications]
    app.close()
    return events


def decode(published: Any, data: bytes) -> Any:
    return getattr(ev, published.name).FromString(data)


def test_each_event_builds_its_decodable_message(recorded: list[tuple[int, Any]]) -> None:
    seen_types = set()
    aggregates: dict[uuid.UUID, Any] = {}
    for notification_id, event in recorded:
        aggregate = aggregates[event.originator_id] = event.mutate(
            aggregates.get(event.originator_id))
        published = CONTRACT.route(type(event).__qualname__)
        assert published is not None, type(event).__qualname__
        subject, envelope = CONTRACT.envelope(notification_id, event)
        seen_types.add(published.name)
        kind = {Dossier: "dossier", Procedure: "procedure",
                PersonalDataErasure: "personal_data"}[type(aggregate)]
        assert subject == f"lienthong.dossiers.{kind}.{published.event}"
        assert envelope.type == f"vn.lienthong.dossiers.v1.{published.name}"
        assert envelope.id == f"dossiers-{notification_id}"
        assert envelope.subject == str(event.originator_id)
        assert envelope.originatorversion == event.originator_version
        assert envelope.dataschema == f"type.googleapis.com/lienthong.dossiers.v1.{published.name}"
        message = decode(published, envelope.data)
        assert message.SerializeToString(deterministic=True) == envelope.data
        meta = message.metadata
        assert (meta.actor, meta.actor_agency_code, meta.request_id, meta.correlation_id,
                meta.trace_id, meta.reason) == ("cb.tran", "000.00.12.H01", "r-1", "c-1",
                                                TRACE_ID, "Theo đề nghị")
        assert meta.recorded_at.ToDatetime(dt.UTC) == event.timestamp
        if kind == "dossier":
            assert message.dossier_id == str(aggregate.id)
            if type(event).__name__ in STATUS_AFTER:  # the status it sets is the aggregate's
                assert message.status == int(aggregate.status), published.name
    assert seen_types == {p.name for p in CONTRACT}


def messages(recorded: list[tuple[int, Any]]) -> dict[str, list[Any]]:
    found: dict[str, list[Any]] = {}
    for notification_id, event in recorded:
        published = CONTRACT.route(type(event).__qualname__)
        _, envelope = CONTRACT.envelope(notification_id, event)
        found.setdefault(published.name, []).append(decode(published, envelope.data))
    return found


def test_the_fields_of_the_events_are_carried(recorded: list[tuple[int, Any]]) -> None:
    by_name = messages(recorded)
    first = by_name["DossierSubmitted"][0]
    assert first.dossier_code == "000.00.12.H01-260304-0001"
    assert first.status == pb.DOSSIER_STATUS_NEW
    assert (first.procedure_code, first.procedure_version, first.sector) == ("1.001193", 1,
                                                                              "Hộ tịch")
    assert first.channel == pb.CHANNEL_ONLINE
    # The applicant travels sealed only: its key never leaves the service.
    assert first.applicant == pb.Applicant()
    sealed = first.sealed_applicant
    assert (sealed.subject_ref, sealed.algorithm) == (KEYS.reference(PIN), "AES-256-GCM")
    assert KEYS.open(Sealed(sealed.subject_ref, sealed.key_id, sealed.nonce,
                            sealed.ciphertext, sealed.algorithm)) == APPLICANT
    assert first.receiving_unit_id == first.competent_unit_id == str(BA_DINH)
    assert list(first.submitted_documents) == ["Tờ khai"]
    assert first.submit_time.ToDatetime(dt.UTC) == AT
    received = by_name["DossierReceived"][0]
    assert (received.due_date.year, received.due_date.month, received.due_date.day) == (
        2026, 3, 18)
    assert received.receive_time.ToDatetime(dt.UTC) == AT
    assert by_name["DossierAssigned"][0].handler == "cb.tran"
    requested = by_name["DossierSupplementRequested"][0]
    assert list(requested.missing_documents) == ["Giấy chứng sinh"]
    assert requested.clock_stop_time.ToDatetime(dt.UTC) == AT
    supplemented = by_name["DossierSupplemented"][0]
    assert (supplemented.clock_stop_time.ToDatetime(dt.UTC),
            supplemented.clock_resume_time.ToDatetime(dt.UTC)) == (AT, MONDAY)
    assert supplemented.paused_working_days == 3
    assert (supplemented.due_date.day, supplemented.hop_due_date.day) == (23, 23)
    required = by_name["DossierFinancialObligationRequired"][0]
    assert required.amount_vnd == 50_000
    assert required.clock_stop_time.ToDatetime(dt.UTC) == MONDAY
    fulfilled = by_name["DossierFinancialObligationFulfilled"][0]
    assert (fulfilled.clock_stop_time.ToDatetime(dt.UTC),
            fulfilled.clock_resume_time.ToDatetime(dt.UTC)) == (MONDAY, MONDAY)
    assert (fulfilled.paused_working_days, fulfilled.due_date.day) == (0, 23)
    transferred = by_name["DossierTransferred"][0]
    assert (transferred.to_unit_id, transferred.deadline_working_days) == (str(HOAN_KIEM), 3)
    assert transferred.hop_due_date.day == 12
    moved = by_name["DossierMovedOnReorganisation"][0]
    assert (moved.from_unit_id, moved.to_unit_id) == (str(HOAN_KIEM), str(PHU_THUONG))
    assert moved.effective_date.day == 10
    extended = by_name["DossierExtended"][0]
    assert (extended.new_due_date.month, extended.apology_slip) == (4, "Phiếu xin lỗi số 01")
    approved = by_name["DossierApproved"][0]
    assert list(approved.result_documents) == ["Giấy khai sinh"]
    assert approved.status == pb.DOSSIER_STATUS_PROCESSED
    assert by_name["DossierRejected"][0].status == pb.DOSSIER_STATUS_PROCESSED
    returned = by_name["DossierResultReturned"][0]
    assert (returned.status, returned.timeliness) == (pb.DOSSIER_STATUS_RESULT_RETURNED,
                                                      pb.TIMELINESS_EARLY)
    assert by_name["DossierRefusedToReceive"][0].status == pb.DOSSIER_STATUS_NOT_RECEIVED
    assert by_name["DossierWithdrawn"][0].status == pb.DOSSIER_STATUS_WITHDRAWN
    assert by_name["DossierStopped"][0].status == pb.DOSSIER_STATUS_STOPPED
    created = by_name["ProcedureCreated"][0]
    assert created.procedure_code == "1.001193"
    assert created.first_version.competent_level == catalog.COMPETENT_LEVEL_COMMUNE
    assert created.first_version.boundary_policy == catalog.BOUNDARY_POLICY_ANYWHERE_IN_COUNTRY
    assert created.first_version.required_documents[0].original_required
    added = by_name["ProcedureVersionAdded"][0]
    assert (added.version.version, added.version.processing_working_days) == (2, 5)
    erased = by_name["PersonalDataErased"][0]
    assert (erased.subject_ref, erased.key_destroyed) == (KEYS.reference(PIN), True)
    assert erased.erase_time.ToDatetime(dt.UTC) == MONDAY


def test_no_message_carries_personal_data_in_clear(recorded: list[tuple[int, Any]]) -> None:
    """Not even a dossier's recorded before applicants were sealed: that one's message has
    no applicant at all, and a consumer asks GetDossier."""
    for notification_id, event in recorded:
        _, envelope = CONTRACT.envelope(notification_id, event)
        for clear in (PIN, APPLICANT["full_name"], APPLICANT["phone"], APPLICANT["address"]):
            assert clear.encode() not in envelope.data, type(event).__qualname__
    legacy = messages(recorded)["DossierSubmitted"][-1]
    assert legacy.dossier_code == "000.00.12.H01-260304-0006"
    assert not legacy.HasField("applicant") and not legacy.HasField("sealed_applicant")


def test_every_event_names_its_dossier_code_and_status(recorded: list[tuple[int, Any]]) -> None:
    codes: dict[str, str] = {}
    for name, found in messages(recorded).items():
        for message in found:
            if name.startswith("Dossier"):
                codes.setdefault(message.dossier_id, message.dossier_code)
                assert message.dossier_code == codes[message.dossier_id] != "", name
                assert message.status != pb.DOSSIER_STATUS_UNSPECIFIED, name
            elif name == "ProcedureVersionAdded":
                assert message.procedure_code == "1.001193"
