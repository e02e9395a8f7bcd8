"""AuditService over gRPC on a real socket, as an auditor with read-only access calls it.

The identity service serves it over its own event store (SQLite and
PostgreSQL): a unit is registered and renamed through IdentityService, then
its history, its past states and the whole log are read through AuditService.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING, Any

import grpc
import pytest
from google.protobuf import timestamp_pb2
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from lienthong.audit.v1 import audit_pb2 as pb
from lienthong.audit.v1 import audit_pb2_grpc as pb_grpc
from lienthong.grpc.errors import error_details
from lienthong.identity.v1 import identity_pb2 as ipb
from lienthong.identity.v1 import identity_pb2_grpc as ipb_grpc
from lienthong.services.identity.api import add_to_server
from lienthong.services.identity.application import IdentityApplication
from lienthong.testing.grpc_server import ServerThread

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

TIMEOUT = 10.0
CLERK = (("x-actor-id", "clerk-1"), ("x-actor-agency-code", "000.00.00.H62"))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[IdentityApplication]:
    store = (f"sqlite:///{tmp_path / 'identity.db'}" if request.param == "sqlite"
             else request.getfixturevalue("postgres_dsn"))
    application = IdentityApplication(store)
    yield application
    application.close()


@pytest.fixture
def channel(app: IdentityApplication) -> Iterator[grpc.Channel]:
    with ServerThread(lambda server: add_to_server(app, server)) as running, \
            grpc.insecure_channel(running.address) as chan:
        grpc.channel_ready_future(chan).result(timeout=TIMEOUT)
        yield chan


@pytest.fixture
def audit(channel: grpc.Channel) -> pb_grpc.AuditServiceStub:
    return pb_grpc.AuditServiceStub(channel)


@pytest.fixture
def unit(channel: grpc.Channel) -> ipb.Unit:
    """A province registered, then renamed, each with a request id and a reason."""
    identity = ipb_grpc.IdentityServiceStub(channel)
    registered = identity.RegisterUnit(ipb.RegisterUnitRequest(
        request_id="reg-tq", display_name="Tỉnh Tuyên Quang", kind=ipb.UNIT_KIND_PROVINCE,
        level=ipb.UNIT_LEVEL_PROVINCE, administrative_unit_code="08", reason="QĐ 19/2025"),
        timeout=TIMEOUT, metadata=CLERK)
    return identity.RenameUnit(ipb.RenameUnitRequest(
        request_id="rename-tq", unit_id=registered.unit_id, display_name="Tỉnh Tuyên Quang mới",
        reason="NQ 202/2025/QH15"), timeout=TIMEOUT)


def refused(call: Callable[..., Any], request: Any) -> dict[str, Any]:
    with pytest.raises(grpc.RpcError) as error:
        result = call(request, timeout=TIMEOUT)
        if hasattr(result, "__iter__") and not hasattr(result, "ByteSize"):
            list(result)  # a stream fails on its first read
    return error_details(error.value)


def stamp(moment: dt.datetime) -> timestamp_pb2.Timestamp:
    value = timestamp_pb2.Timestamp()
    value.FromDatetime(moment)
    return value


# -- history -----------------------------------------------------------------------------

def test_history_lists_each_event_with_its_metadata_and_notification_id(
        audit: pb_grpc.AuditServiceStub, unit: ipb.Unit) -> None:
    reply = audit.ListAggregateEvents(pb.ListAggregateEventsRequest(aggregate_id=unit.unit_id),
                                      timeout=TIMEOUT)

    assert (reply.aggregate_type, reply.total_size, reply.next_page_token) == ("Unit", 2, "")
    registered, renamed = reply.events
    assert [e.version for e in reply.events] == [1, 2]
    assert registered.aggregate_id == renamed.aggregate_id == unit.unit_id
    assert (registered.metadata.request_id, registered.metadata.reason) == ("reg-tq",
                                                                            "QĐ 19/2025")
    assert (renamed.metadata.request_id, renamed.metadata.reason) == ("rename-tq",
                                                                      "NQ 202/2025/QH15")
    assert registered.metadata.correlation_id == "reg-tq"
    assert (registered.metadata.actor, registered.metadata.actor_agency_code) == (
        "clerk-1", "000.00.00.H62")
    assert registered.metadata.trace_id
    assert renamed.payload["display_name"] == "Tỉnh Tuyên Quang mới"
    assert 0 < registered.notification_id < renamed.notification_id
    assert registered.recorded_time.ToDatetime() <= renamed.recorded_time.ToDatetime()
    assert renamed.topic.endswith(f"Unit.{renamed.event_type}")


def test_history_pages_with_a_token_of_the_same_aggregate(
        audit: pb_grpc.AuditServiceStub, unit: ipb.Unit) -> None:
    first = audit.ListAggregateEvents(pb.ListAggregateEventsRequest(
        aggregate_id=unit.unit_id, page_size=1), timeout=TIMEOUT)
    second = audit.ListAggregateEvents(pb.ListAggregateEventsRequest(
        aggregate_id=unit.unit_id, page_size=1, page_token=first.next_page_token),
        timeout=TIMEOUT)

    assert [e.version for e in [*first.events, *second.events]] == [1, 2]
    assert second.next_page_token == ""
    other = str(uuid.uuid4())
    assert refused(audit.ListAggregateEvents, pb.ListAggregateEventsRequest(
        aggregate_id=other, page_token=first.next_page_token))["field_violations"] == [
        ("page_token", "PAGE_TOKEN_MISMATCH")]


def test_each_answered_read_of_the_history_is_recorded_and_changes_nothing_else(
        audit: pb_grpc.AuditServiceStub, unit: ipb.Unit, app: IdentityApplication) -> None:
    before = app.recorder.max_notification_id() or 0
    state_before = audit.GetAggregateState(pb.GetAggregateStateRequest(
        aggregate_id=unit.unit_id), timeout=TIMEOUT)

    audit.ListAggregateEvents(pb.ListAggregateEventsRequest(aggregate_id=unit.unit_id),
                              timeout=TIMEOUT, metadata=[("x-actor-id", "kiem.toan")])
    audit.GetAggregateState(pb.GetAggregateStateRequest(aggregate_id=unit.unit_id, version=1),
                            timeout=TIMEOUT)
    list(audit.ExportEvents(pb.ExportEventsRequest(end_notification_id=before),
                            timeout=TIMEOUT))

    # One HistoryRead per answered read (the first GetAggregateState's included), each
    # saying which method read what; the unit itself is as it was.
    recorded = [n for n in app.recorder.select_notifications(before + 1, 10)]
    reads = [app.mapper.to_domain_event(n) for n in recorded]
    assert [type(e).__qualname__ for e in reads] == ["HistoryRead.Recorded"] * 4
    assert [e.method for e in reads] == ["GetAggregateState", "ListAggregateEvents",
                                         "GetAggregateState", "ExportEvents"]
    assert reads[1].aggregate_id == unit.unit_id and reads[1].metadata["actor"] == "kiem.toan"
    assert reads[2].version == 1 and reads[3].end_notification_id == before
    assert audit.GetAggregateState(pb.GetAggregateStateRequest(aggregate_id=unit.unit_id),
                                   timeout=TIMEOUT).version == state_before.version


def test_a_refused_read_records_nothing(audit: pb_grpc.AuditServiceStub,
                                        app: IdentityApplication) -> None:
    before = app.recorder.max_notification_id()

    with pytest.raises(grpc.RpcError):
        audit.GetAggregateState(pb.GetAggregateStateRequest(
            aggregate_id="00000000-0000-0000-0000-000000000001"), timeout=TIMEOUT)

    assert app.recorder.max_notification_id() == before


# -- state ---------------------------------------------------------------------------------

def test_state_as_of_a_version_and_as_of_a_moment(audit: pb_grpc.AuditServiceStub,
                                                  unit: ipb.Unit) -> None:
    history = audit.ListAggregateEvents(pb.ListAggregateEventsRequest(aggregate_id=unit.unit_id),
                                        timeout=TIMEOUT).events

    first = audit.GetAggregateState(pb.GetAggregateStateRequest(
        aggregate_id=unit.unit_id, version=1), timeout=TIMEOUT)
    now = audit.GetAggregateState(pb.GetAggregateStateRequest(aggregate_id=unit.unit_id),
                                  timeout=TIMEOUT)
    at_registration = audit.GetAggregateState(pb.GetAggregateStateRequest(
        aggregate_id=unit.unit_id, as_of_time=history[0].recorded_time), timeout=TIMEOUT)

    assert (first.aggregate_type, first.version, first.latest_version) == ("Unit", 1, 2)
    assert first.state["display_name"] == "Tỉnh Tuyên Quang"
    assert first.state["administrative_unit_code"] == "08"
    assert (now.version, now.state["display_name"]) == (2, "Tỉnh Tuyên Quang mới")
    assert now.update_time == history[1].recorded_time
    assert at_registration.version == 1
    assert at_registration.state == first.state


def test_state_before_the_aggregate_existed_is_not_found(audit: pb_grpc.AuditServiceStub,
                                                         unit: ipb.Unit) -> None:
    found = refused(audit.GetAggregateState, pb.GetAggregateStateRequest(
        aggregate_id=unit.unit_id, as_of_time=stamp(dt.datetime(2020, 1, 1, tzinfo=dt.UTC))))

    assert (found["code"], found["reason"]) == (grpc.StatusCode.NOT_FOUND, "AGGREGATE_NOT_FOUND")


# -- refusals ------------------------------------------------------------------------------

def test_bad_requests_name_the_field_and_the_rule(audit: pb_grpc.AuditServiceStub,
                                                  unit: ipb.Unit) -> None:
    cases = [
        (audit.ListAggregateEvents, pb.ListAggregateEventsRequest(aggregate_id="no-uuid"),
         [("aggregate_id", "UUID_FORMAT")]),
        (audit.ListAggregateEvents, pb.ListAggregateEventsRequest(aggregate_id=unit.unit_id,
                                                                  page_size=-1),
         [("page_size", "PAGE_SIZE_NEGATIVE")]),
        (audit.GetAggregateState, pb.GetAggregateStateRequest(aggregate_id=unit.unit_id,
                                                              version=-2),
         [("version", "NEGATIVE")]),
        (audit.GetAggregateState, pb.GetAggregateStateRequest(
            aggregate_id=unit.unit_id, version=1,
            as_of_time=stamp(dt.datetime.now(dt.UTC))),
         [("as_of_time", "WITH_VERSION")]),
        (audit.GetAggregateState, pb.GetAggregateStateRequest(aggregate_id=unit.unit_id,
                                                              version=3),
         [("version", "VERSION_BEYOND_AGGREGATE")]),
        (audit.ExportEvents, pb.ExportEventsRequest(start_notification_id=5,
                                                    end_notification_id=2),
         [("start_notification_id", "START_AFTER_END")]),
        (audit.ExportEvents, pb.ExportEventsRequest(
            start_time=stamp(dt.datetime(2026, 2, 1, tzinfo=dt.UTC)),
            end_time=stamp(dt.datetime(2026, 1, 1, tzinfo=dt.UTC))),
         [("start_time", "START_AFTER_END")]),
        (audit.ExportEvents, pb.ExportEventsRequest(start_notification_id=-1),
         [("start_notification_id", "NEGATIVE")]),
    ]
    for call, request, violations in cases:
        found = refused(call, request)
        assert (found["code"], found["field_violations"]) == (
            grpc.StatusCode.INVALID_ARGUMENT, violations), request


def test_an_unknown_aggregate_is_not_found(audit: pb_grpc.AuditServiceStub) -> None:
    missing = str(uuid.uuid4())
    for call, request in [
            (audit.ListAggregateEvents, pb.ListAggregateEventsRequest(aggregate_id=missing)),
            (audit.GetAggregateState, pb.GetAggregateStateRequest(aggregate_id=missing))]:
        found = refused(call, request)
        assert (found["code"], found["metadata"]) == (
            grpc.StatusCode.NOT_FOUND,
            {"resource_type": "lienthong.vn/Aggregate", "resource_id": missing})


# -- export --------------------------------------------------------------------------------

def test_export_streams_the_whole_log_in_order(audit: pb_grpc.AuditServiceStub,
                                               unit: ipb.Unit,
                                               app: IdentityApplication) -> None:
    exported = list(audit.ExportEvents(pb.ExportEventsRequest(), timeout=TIMEOUT))

    ids = [m.event.notification_id for m in exported]
    assert ids == list(range(1, ids[-1] + 1))
    assert {m.end_notification_id for m in exported} == {ids[-1]}
    # The log as it was when the export began; the export's own record follows it.
    assert app.recorder.max_notification_id() == ids[-1] + 1
    mine = [m.event for m in exported if m.event.aggregate_id == unit.unit_id]
    assert [(e.version, e.metadata.request_id) for e in mine] == [(1, "reg-tq"),
                                                                  (2, "rename-tq")]


def test_export_of_a_range_of_ids_or_of_times(audit: pb_grpc.AuditServiceStub,
                                              unit: ipb.Unit) -> None:
    everything = [m.event for m in audit.ExportEvents(pb.ExportEventsRequest(), timeout=TIMEOUT)]
    end = everything[-1].notification_id  # each export below records itself after this
    renamed = next(e for e in everything
                   if e.aggregate_id == unit.unit_id and e.version == 2)

    middle = list(audit.ExportEvents(pb.ExportEventsRequest(
        start_notification_id=2, end_notification_id=3), timeout=TIMEOUT))
    since_rename = list(audit.ExportEvents(pb.ExportEventsRequest(
        start_time=renamed.recorded_time), timeout=TIMEOUT))
    before_rename = list(audit.ExportEvents(pb.ExportEventsRequest(
        end_time=renamed.recorded_time), timeout=TIMEOUT))

    assert [m.event.notification_id for m in middle] == [2, 3]
    assert {m.end_notification_id for m in middle} == {3}
    assert renamed.notification_id in [m.event.notification_id for m in since_rename]
    assert all(m.event.recorded_time.ToDatetime() < renamed.recorded_time.ToDatetime()
               for m in before_rename)
    since_then = [m for m in since_rename if m.event.notification_id <= end]
    assert len(since_then) + len(before_rename) == len(everything)


def test_an_export_the_caller_cancels_ends(audit: pb_grpc.AuditServiceStub,
                                          unit: ipb.Unit) -> None:
    stream = audit.ExportEvents(pb.ExportEventsRequest(), timeout=TIMEOUT)
    first = next(stream)
    stream.cancel()

    with pytest.raises(grpc.RpcError) as error:
        list(stream)
    assert first.event.notification_id == 1
    assert error.value.code() == grpc.StatusCode.CANCELLED


# -- wiring --------------------------------------------------------------------------------

def test_audit_service_is_listed_by_reflection(channel: grpc.Channel) -> None:
    stub = reflection_pb2_grpc.ServerReflectionStub(channel)
    replies = stub.ServerReflectionInfo(iter([reflection_pb2.ServerReflectionRequest(
        list_services="")]), timeout=TIMEOUT)
    names = {s.name for r in replies for s in r.list_services_response.service}
    assert "lienthong.audit.v1.AuditService" in names
