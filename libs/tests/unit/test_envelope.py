"""CloudEvents binary mode over NATS headers, and the identity contract that fills it."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from eventsourcing.utils import get_topic

from lienthong.audit import audit_scope
from lienthong.events.contract import Contract, PublishedEvent, snake_case
from lienthong.events.envelope import (
    MSG_ID_HEADER,
    NOTIFICATION_ID_HEADER,
    Envelope,
    EnvelopeError,
    traceparent_for,
)
from lienthong.idempotency import RequestRecord
from lienthong.identity.v1 import events_pb2 as ev
from lienthong.identity.v1 import identity_pb2 as pb
from lienthong.services.identity.application import IdentityApplication, NewUnitSpec
from lienthong.services.identity.domain.registry import AdministrativeCodeRegister
from lienthong.services.identity.domain.unit import Unit
from lienthong.services.identity.events import CONTRACT

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
WHEN = dt.datetime(2025, 7, 1, 8, 30, 0, 123456, tzinfo=dt.UTC)


def an_envelope(**changes: object) -> Envelope:
    fields: dict[str, object] = {
        "service": "identity", "notification_id": 42, "event_name": "UnitMergedInto",
        "subject": "0b0e6a3e-6f0c-4c52-9b87-3f7d2d2f5a10", "time": WHEN,
        "data": ev.UnitMergedInto(unit_id="u1", successor_unit_id="u2").SerializeToString(),
        "originator_version": 3, "message_name": "lienthong.identity.v1.UnitMergedInto",
        "trace_id": TRACE_ID, "correlation_id": "yêu-cầu 1/2025", "causation_id": "identity-41",
    }
    fields.update(changes)
    return Envelope.for_event(**fields)  # type: ignore[arg-type]


def test_headers_are_cloudevents_binary_mode() -> None:
    envelope = an_envelope()
    headers = envelope.to_headers()
    assert headers["ce-specversion"] == "1.0"
    assert headers["ce-id"] == "identity-42"
    assert headers["ce-source"] == "//lienthong.vn/identity"
    assert headers["ce-type"] == "vn.lienthong.identity.v1.UnitMergedInto"
    assert headers["ce-subject"] == "0b0e6a3e-6f0c-4c52-9b87-3f7d2d2f5a10"
    assert headers["ce-time"] == "2025-07-01T08:30:00.123456Z"
    assert headers["content-type"] == "application/protobuf"
    assert headers["ce-dataschema"] == "type.googleapis.com/lienthong.identity.v1.UnitMergedInto"
    assert headers["ce-notificationid"] == "42"
    assert headers["ce-originatorversion"] == "3"
    assert headers["ce-causationid"] == "identity-41"
    assert headers["ce-correlationid"].isascii()  # percent-encoded, as the binding says
    assert headers["traceparent"] == headers["ce-traceparent"]
    assert headers["traceparent"].startswith(f"00-{TRACE_ID}-")
    assert headers[MSG_ID_HEADER] == "identity-42"
    assert headers[NOTIFICATION_ID_HEADER] == "42"
    assert all("\r" not in v and "\n" not in v for v in headers.values())


def test_round_trip() -> None:
    envelope = an_envelope()
    back = Envelope.from_message(envelope.to_headers(), envelope.data)
    assert back == envelope
    assert back.correlationid == "yêu-cầu 1/2025"
    assert back.service == "identity" and back.event_name == "UnitMergedInto"
    assert ev.UnitMergedInto.FromString(back.data).successor_unit_id == "u2"


def test_traceparent_is_stable_and_only_for_real_traces() -> None:
    assert traceparent_for(TRACE_ID, "identity-1") == traceparent_for(TRACE_ID, "identity-1")
    assert traceparent_for(TRACE_ID, "identity-1") != traceparent_for(TRACE_ID, "identity-2")
    assert traceparent_for("", "identity-1") == ""
    assert traceparent_for("0" * 32, "identity-1") == ""
    headers = an_envelope(trace_id="").to_headers()
    assert "traceparent" not in headers and "ce-traceparent" not in headers


def test_refuses_what_is_not_our_cloudevent() -> None:
    headers = an_envelope().to_headers()
    for missing in ("ce-id", "ce-time", "ce-notificationid", "ce-subject"):
        with pytest.raises(EnvelopeError, match=missing):
            Envelope.from_message({k: v for k, v in headers.items() if k != missing}, b"")
    with pytest.raises(EnvelopeError):
        Envelope.from_message({**headers, "ce-notificationid": "forty-two"}, b"")
    with pytest.raises(EnvelopeError):
        an_envelope(time=dt.datetime(2025, 7, 1, 8, 30))  # naive on purpose


def test_contract_subjects_and_routing() -> None:
    assert snake_case("MergedInto") == "merged_into"
    assert snake_case("CarriedOn") == "carried_on"
    merged = CONTRACT.route("Unit.MergedInto")
    assert merged is not None
    assert CONTRACT.subject(merged) == "lienthong.identity.unit.merged_into"
    carried = CONTRACT.route("AdministrativeCodeRegister.CarriedOn")
    assert carried is not None
    assert CONTRACT.subject(carried) == "lienthong.identity.administrative_code.carried_on"
    assert CONTRACT.route("RequestRecord.Accepted") is None
    assert CONTRACT.route_topic(get_topic(RequestRecord.Accepted)) is None
    assert CONTRACT.route_topic(get_topic(Unit.Registered)) is CONTRACT.route("Unit.Registered")
    assert CONTRACT.route_topic(get_topic(AdministrativeCodeRegister.Issued)) is not None
    assert CONTRACT.stream_subject == "lienthong.identity.>"
    with pytest.raises(ValueError, match="twice"):
        Contract("x", [merged, merged])
    with pytest.raises(ValueError, match="lower snake"):
        Contract("x", [PublishedEvent("A.B", "Bad-Aggregate", "AB", merged.build)])


def test_every_identity_event_of_a_story_becomes_its_message() -> None:
    app = IdentityApplication("memory:")
    reform = dt.date(2025, 7, 1)
    with audit_scope(actor="can-bo-042", actor_agency_code="000.00.00.H49",
                     trace_id=TRACE_ID, reason="Nghị quyết 1234/NQ-UBTVQH15"):
        province = app.register_unit(NewUnitSpec("Tỉnh Quảng Nam", "province",
                                                 administrative_unit_code="49",
                                                 agency_code="000.00.00.H49"),
                                     request_id="reg-49")
        a = app.register_unit(NewUnitSpec("Xã A", "commune", administrative_unit_code="20194",
                                          parent_id=str(province)), request_id="reg-a")
        b = app.register_unit(NewUnitSpec("Xã B", "commune", administrative_unit_code="20197",
                                          parent_id=str(province)), request_id="reg-b")
        app.rename_unit(str(a), "Xã A mới", request_id="ren-a")
        new, _ = app.merge_units([str(a), str(b)], effective_date=reform,
                                 new_successor=NewUnitSpec("Xã Tam Xuân", "commune",
                                                           administrative_unit_code="20194",
                                                           parent_id=str(province)),
                                 request_id="merge-ab")
    seen: dict[str, object] = {}
    skipped = []
    for notification in app.recorder.select_notifications(start=1, limit=1000):
        event = app.mapper.to_domain_event(notification)
        routed = CONTRACT.envelope(notification.id, event)
        if routed is None:
            skipped.append(type(event).__qualname__)
            continue
        subject, envelope = routed
        assert envelope.id == f"identity-{notification.id}"
        assert envelope.subject == str(event.originator_id)
        assert envelope.originatorversion == event.originator_version
        message_class = getattr(ev, envelope.event_name)
        message = message_class.FromString(envelope.data)
        assert message.metadata.actor == "can-bo-042"
        assert message.metadata.reason == "Nghị quyết 1234/NQ-UBTVQH15"
        assert message.metadata.trace_id == TRACE_ID
        assert message.metadata.recorded_at.ToDatetime(dt.UTC) == envelope.time
        assert subject.startswith("lienthong.identity.")
        seen.setdefault(envelope.event_name, message)
    assert set(skipped) == {"RequestRecord.Accepted"}
    assert set(seen) == {"UnitRegistered", "AgencyCodeIssued", "AdministrativeCodeIssued",
                         "UnitRenamed", "UnitMergedInto", "AdministrativeCodeCarriedOn"}
    registered = seen["UnitRegistered"]
    assert isinstance(registered, ev.UnitRegistered)
    assert registered.level == pb.UNIT_LEVEL_PROVINCE
    assert registered.kind == pb.UNIT_KIND_PROVINCE
    assert registered.agency_code == "000.00.00.H49"
    merged = seen["UnitMergedInto"]
    assert isinstance(merged, ev.UnitMergedInto)
    assert merged.successor_unit_id == str(new)
    assert (merged.effective_date.year, merged.effective_date.month) == (2025, 7)
    carried = seen["AdministrativeCodeCarriedOn"]
    assert isinstance(carried, ev.AdministrativeCodeCarriedOn)
    assert carried.from_unit_id == str(a) and carried.unit_id == str(new)
    assert uuid.UUID(carried.unit_id)


@pytest.mark.parametrize("text", ["vn-2025/merge/province:08 Hà Giang", 'a"b%c\x7f\x01', "plain",
                                  "~!#$&'()*+,/:;<=>?@[]^_`{|}", "Đặc khu Côn Đảo"])
def test_headers_are_spelled_as_the_cloudevents_sdk_spells_them(text: str) -> None:
    from cloudevents.core.bindings.http import to_binary
    from cloudevents.core.v1.event import CloudEvent

    from lienthong.events import envelope as module

    sent = Envelope.for_event(
        service="identity", notification_id=42, event_name="UnitMergedInto",
        subject=text, time=dt.datetime(2025, 7, 1, 1, 2, 3, 456789, tzinfo=dt.UTC),
        data=b"\x08\x01", originator_version=3,
        message_name="lienthong.identity.v1.UnitMergedInto", trace_id="ab" * 16,
        correlation_id=text, causation_id="")
    ours = {k: v for k, v in sent.to_headers().items()
            if k.startswith("ce-") or k == "content-type"}
    sdk = dict(to_binary(CloudEvent(sent._attributes(), sent.data), module._FORMAT).headers)
    assert ours == sdk
    assert Envelope.from_message(sent.to_headers(), sent.data) == sent
