"""The identity service through gRPC on a real socket, as other government systems call it."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from typing import TYPE_CHECKING, Any

import grpc
import pytest
from google.type import date_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from lienthong.grpc.errors import ERROR_DOMAIN, error_details
from lienthong.identity.v1 import identity_pb2 as pb
from lienthong.identity.v1 import identity_pb2_grpc as pb_grpc
from lienthong.services.identity.api import add_to_server
from lienthong.services.identity.application import IdentityApplication, NewUnitSpec
from lienthong.testing.grpc_server import ServerThread

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from lienthong.services.identity.projections import Resolution

SERVICE = "lienthong.identity.v1.IdentityService"
REFORM = date_pb2.Date(year=2025, month=7, day=1)
BEFORE = date_pb2.Date(year=2025, month=6, day=30)
TIMEOUT = 10.0


@pytest.fixture
def app() -> IdentityApplication:
    return IdentityApplication()


@pytest.fixture
def channel(app: IdentityApplication) -> Iterator[grpc.Channel]:
    with ServerThread(lambda server: add_to_server(app, server)) as running, \
            grpc.insecure_channel(running.address) as chan:
        grpc.channel_ready_future(chan).result(timeout=TIMEOUT)
        yield chan


@pytest.fixture
def stub(channel: grpc.Channel) -> pb_grpc.IdentityServiceStub:
    return pb_grpc.IdentityServiceStub(channel)


def refused(call: Callable[..., Any], request: Any, **kwargs: Any) -> dict[str, Any]:
    """Make a call that must fail; its status code and details."""
    with pytest.raises(grpc.RpcError) as error:
        call(request, timeout=TIMEOUT, **kwargs)
    details = error_details(error.value)
    details["message"] = error.value.details() or ""
    assert "Traceback" not in details["message"]
    return details


@pytest.fixture
def hanoi(stub: pb_grpc.IdentityServiceStub) -> pb.Unit:
    return stub.RegisterUnit(pb.RegisterUnitRequest(
        request_id="reg-hanoi", display_name="Thành phố Hà Nội", kind=pb.UNIT_KIND_MUNICIPALITY,
        level=pb.UNIT_LEVEL_PROVINCE, administrative_unit_code="01",
        agency_code="000.00.00.H26"), timeout=TIMEOUT)


def register_ward(stub: pb_grpc.IdentityServiceStub, parent: pb.Unit, name: str, code: str,
                  agency_code: str = "", **kwargs: Any) -> pb.Unit:
    return stub.RegisterUnit(pb.RegisterUnitRequest(
        display_name=name, kind=pb.UNIT_KIND_WARD, administrative_unit_code=code,
        agency_code=agency_code, parent_unit_id=parent.unit_id), timeout=TIMEOUT, **kwargs)


# -- every RPC once ------------------------------------------------------------------

def test_register_then_get_a_unit(stub: pb_grpc.IdentityServiceStub, hanoi: pb.Unit) -> None:
    ward = stub.RegisterUnit(pb.RegisterUnitRequest(
        request_id="reg-1", display_name="Phường Ba Đình", kind=pb.UNIT_KIND_WARD,
        administrative_unit_code="00004", agency_code="000.00.01.H26",
        parent_unit_id=hanoi.unit_id, effective_date=REFORM, reason="NQ 1656"), timeout=TIMEOUT)

    assert hanoi.level == pb.UNIT_LEVEL_PROVINCE
    assert (ward.display_name, ward.level, ward.kind) == (
        "Phường Ba Đình", pb.UNIT_LEVEL_COMMUNE, pb.UNIT_KIND_WARD)
    assert (ward.administrative_unit_code, ward.agency_code) == ("00004", "000.00.01.H26")
    assert (ward.parent_unit_id, ward.province_unit_id) == (hanoi.unit_id, hanoi.unit_id)
    assert (ward.status, ward.version) == (pb.UNIT_STATUS_ACTIVE, 1)
    assert ward.effective_date == REFORM
    assert not ward.HasField("retired_date")
    assert stub.GetUnit(pb.GetUnitRequest(unit_id=ward.unit_id), timeout=TIMEOUT) == ward


def test_a_retried_registration_answers_with_the_same_unit(
        stub: pb_grpc.IdentityServiceStub, hanoi: pb.Unit) -> None:
    request = pb.RegisterUnitRequest(request_id="reg-twice", display_name="Phường Ba Đình",
                                     kind=pb.UNIT_KIND_WARD, administrative_unit_code="00004",
                                     parent_unit_id=hanoi.unit_id)

    first = stub.RegisterUnit(request, timeout=TIMEOUT)
    second = stub.RegisterUnit(request, timeout=TIMEOUT)

    assert second == first
    listed = stub.ListUnits(pb.ListUnitsRequest(level=pb.UNIT_LEVEL_COMMUNE), timeout=TIMEOUT)
    assert listed.total_size == 1


def test_list_units_pages_with_an_opaque_token(
        stub: pb_grpc.IdentityServiceStub, hanoi: pb.Unit) -> None:
    for i in range(3):
        register_ward(stub, hanoi, f"Phường {i}", f"0000{i + 1}")

    first = stub.ListUnits(pb.ListUnitsRequest(page_size=2, parent_unit_id=hanoi.unit_id),
                           timeout=TIMEOUT)
    second = stub.ListUnits(pb.ListUnitsRequest(page_size=2, parent_unit_id=hanoi.unit_id,
                                                page_token=first.next_page_token),
                            timeout=TIMEOUT)

    assert [u.administrative_unit_code for u in first.units] == ["00001", "00002"]
    assert first.total_size == 3
    assert [u.administrative_unit_code for u in second.units] == ["00003"]
    assert second.next_page_token == ""


def test_search_units_ignores_diacritics(
        stub: pb_grpc.IdentityServiceStub, hanoi: pb.Unit) -> None:
    register_ward(stub, hanoi, "Phường Hoàn Kiếm", "00070")

    found = stub.SearchUnits(pb.SearchUnitsRequest(query="hoan kiem"), timeout=TIMEOUT)
    provinces = stub.SearchUnits(pb.SearchUnitsRequest(query="HA NOI",
                                                       level=pb.UNIT_LEVEL_PROVINCE),
                                 timeout=TIMEOUT)

    assert [u.display_name for u in found.units] == ["Phường Hoàn Kiếm"]
    assert [u.unit_id for u in provinces.units] == [hanoi.unit_id]


def test_rename_a_unit(stub: pb_grpc.IdentityServiceStub, hanoi: pb.Unit) -> None:
    ward = register_ward(stub, hanoi, "Phường Phúc Xá", "00001")

    renamed = stub.RenameUnit(pb.RenameUnitRequest(
        request_id="ren-1", unit_id=ward.unit_id, display_name="Phường Phúc Xá Mới",
        effective_date=REFORM), timeout=TIMEOUT)

    assert (renamed.display_name, renamed.version) == ("Phường Phúc Xá Mới", 2)


def test_merge_into_a_new_unit_then_resolve_the_old_code(
        stub: pb_grpc.IdentityServiceStub, hanoi: pb.Unit) -> None:
    a = register_ward(stub, hanoi, "Phường Phúc Xá", "00001", "000.00.01.H26")
    b = register_ward(stub, hanoi, "Phường Trúc Bạch", "00004", "000.00.02.H26")

    merged = stub.MergeUnits(pb.MergeUnitsRequest(
        request_id="merge-1", source_unit_ids=[a.unit_id, b.unit_id],
        new_successor=pb.NewUnit(display_name="Phường Ba Đình", kind=pb.UNIT_KIND_WARD,
                                 administrative_unit_code="00004",
                                 parent_unit_id=hanoi.unit_id),
        effective_date=REFORM), timeout=TIMEOUT)

    successor = merged.successor
    assert sorted(successor.predecessor_unit_ids) == sorted([a.unit_id, b.unit_id])
    assert [s.status for s in merged.sources] == [pb.UNIT_STATUS_MERGED] * 2
    assert [s.retired_date for s in merged.sources] == [REFORM] * 2
    assert all(list(s.successors) == [pb.Successor(unit_id=successor.unit_id, is_default=True)]
               for s in merged.sources)

    before = stub.ResolveUnit(pb.ResolveUnitRequest(code="00004", as_of=BEFORE), timeout=TIMEOUT)
    assert before.named_unit.unit_id == b.unit_id
    assert [u.unit_id for u in before.current_units] == [successor.unit_id]
    assert before.default_unit_id == successor.unit_id
    assert [(c.kind, c.unit_id, c.effective_date) for c in before.chain] == [
        (pb.CHANGE_KIND_MERGED, b.unit_id, REFORM)]
    today = stub.ResolveUnit(pb.ResolveUnitRequest(code="00004"), timeout=TIMEOUT)
    assert today.named_unit.unit_id == successor.unit_id
    assert list(today.chain) == []


def test_merge_into_an_existing_unit(stub: pb_grpc.IdentityServiceStub, hanoi: pb.Unit) -> None:
    a = register_ward(stub, hanoi, "Phường Quán Thánh", "00010")
    keeper = register_ward(stub, hanoi, "Phường Điện Biên", "00011")

    merged = stub.MergeUnits(pb.MergeUnitsRequest(
        source_unit_ids=[a.unit_id], successor_unit_id=keeper.unit_id, effective_date=REFORM),
        timeout=TIMEOUT)

    assert merged.successor.unit_id == keeper.unit_id
    assert list(merged.successor.predecessor_unit_ids) == [a.unit_id]
    assert merged.successor.administrative_unit_code == "00011"


def test_divide_a_unit_with_a_default_successor(
        stub: pb_grpc.IdentityServiceStub, hanoi: pb.Unit) -> None:
    source = register_ward(stub, hanoi, "Phường Lớn", "00020", "000.00.20.H26")
    existing = register_ward(stub, hanoi, "Phường Bên Cạnh", "00021")

    divided = stub.DivideUnit(pb.DivideUnitRequest(
        request_id="div-1", unit_id=source.unit_id, effective_date=REFORM,
        successors=[
            pb.DivisionSuccessor(unit_id=existing.unit_id),
            pb.DivisionSuccessor(new_unit=pb.NewUnit(
                display_name="Phường Nhỏ", kind=pb.UNIT_KIND_WARD,
                administrative_unit_code="00022", parent_unit_id=hanoi.unit_id),
                is_default=True),
        ]), timeout=TIMEOUT)

    assert divided.source.status == pb.UNIT_STATUS_DIVIDED
    new = divided.successors[1]
    assert [s.unit_id for s in divided.successors] == [existing.unit_id, new.unit_id]
    assert {(s.unit_id, s.is_default) for s in divided.source.successors} == {
        (existing.unit_id, False), (new.unit_id, True)}
    resolved = stub.ResolveUnit(pb.ResolveUnitRequest(code="000.00.20.H26"), timeout=TIMEOUT)
    assert {u.unit_id for u in resolved.current_units} == {existing.unit_id, new.unit_id}
    assert resolved.default_unit_id == new.unit_id
    assert [c.kind for c in resolved.chain] == [pb.CHANGE_KIND_DIVIDED]


def test_batch_divide_splits_neighbours_among_the_same_new_units(
        stub: pb_grpc.IdentityServiceStub, hanoi: pb.Unit) -> None:
    left = register_ward(stub, hanoi, "Phường Trái", "00030")
    right = register_ward(stub, hanoi, "Phường Phải", "00031")

    def new(name: str, code: str) -> pb.NewUnit:
        return pb.NewUnit(display_name=name, kind=pb.UNIT_KIND_WARD,
                          administrative_unit_code=code, parent_unit_id=hanoi.unit_id)

    batch = stub.BatchDivideUnits(pb.BatchDivideUnitsRequest(
        request_id="batch-1", effective_date=REFORM, divisions=[
            pb.DivideUnitRequest(unit_id=left.unit_id, successors=[
                pb.DivisionSuccessor(new_unit=new("Phường Đông", "00030"), is_default=True),
                pb.DivisionSuccessor(new_unit=new("Phường Tây", "00032"))]),
            pb.DivideUnitRequest(unit_id=right.unit_id, successors=[
                pb.DivisionSuccessor(new_unit=new("Phường Đông", "00030")),
                pb.DivisionSuccessor(new_unit=new("Phường Tây", "00032"), is_default=True)]),
        ]), timeout=TIMEOUT)

    first, second = batch.divisions
    assert [s.unit_id for s in first.successors] == [s.unit_id for s in second.successors]
    east, west = first.successors
    assert sorted(east.predecessor_unit_ids) == sorted([left.unit_id, right.unit_id])
    assert (first.source.status, second.source.status) == (pb.UNIT_STATUS_DIVIDED,) * 2
    resolved = stub.ResolveUnit(pb.ResolveUnitRequest(code="00031"), timeout=TIMEOUT)
    assert resolved.default_unit_id == west.unit_id


def test_dissolve_a_unit(stub: pb_grpc.IdentityServiceStub, hanoi: pb.Unit) -> None:
    gone = register_ward(stub, hanoi, "Phường Cũ", "00040")
    heir = register_ward(stub, hanoi, "Phường Kế Thừa", "00041")

    dissolved = stub.DissolveUnit(pb.DissolveUnitRequest(
        request_id="dis-1", unit_id=gone.unit_id, records_successor_unit_id=heir.unit_id,
        effective_date=REFORM), timeout=TIMEOUT)

    assert dissolved.status == pb.UNIT_STATUS_DISSOLVED
    assert list(dissolved.successors) == [pb.Successor(unit_id=heir.unit_id, is_default=True)]


def test_the_history_carries_the_callers_audit_metadata(
        stub: pb_grpc.IdentityServiceStub, hanoi: pb.Unit) -> None:
    caller = (("x-actor-id", "can-bo-042"), ("x-actor-agency-code", "000.00.00.H26"),
              ("x-correlation-id", "ho-so-2025-7"))
    ward = register_ward(stub, hanoi, "Phường Phúc Xá", "00001", metadata=caller)
    stub.RenameUnit(pb.RenameUnitRequest(request_id="ren-7", unit_id=ward.unit_id,
                                         display_name="Phường Phúc Xá Mới", reason="sửa tên",
                                         effective_date=REFORM),
                    timeout=TIMEOUT, metadata=(*caller, ("x-causation-id", "evt-9")))

    history = stub.GetUnitHistory(pb.GetUnitHistoryRequest(unit_id=ward.unit_id),
                                  timeout=TIMEOUT)

    registered, renamed = history.entries
    for entry in (registered, renamed):
        assert entry.actor == "can-bo-042"
        assert entry.actor_agency_code == "000.00.00.H26"
        assert entry.correlation_id == "ho-so-2025-7"
    assert (registered.version, registered.event_type) == (1, "Registered")
    assert registered.request_id  # a call without request_id still gets an id to trace
    assert json.loads(registered.payload_json)["administrative_unit_code"] == "00001"
    assert (renamed.version, renamed.event_type) == (2, "Renamed")
    assert (renamed.request_id, renamed.reason, renamed.causation_id) == (
        "ren-7", "sửa tên", "evt-9")
    assert renamed.effective_date == REFORM
    assert renamed.recorded_time.ToDatetime() >= registered.recorded_time.ToDatetime()


# -- error statuses ------------------------------------------------------------------

def test_bad_input_is_invalid_argument_naming_the_field(
        stub: pb_grpc.IdentityServiceStub, hanoi: pb.Unit) -> None:
    details = refused(stub.RegisterUnit, pb.RegisterUnitRequest(
        display_name="Phường X", kind=pb.UNIT_KIND_WARD, administrative_unit_code="0004",
        agency_code="000.00.01.h26", parent_unit_id=hanoi.unit_id))

    assert details["code"] == grpc.StatusCode.INVALID_ARGUMENT
    assert (details["reason"], details["domain"]) == ("ADMINISTRATIVE_CODE_FORMAT", ERROR_DOMAIN)
    assert details["field_violations"] == [
        ("administrative_unit_code", "ADMINISTRATIVE_CODE_FORMAT"),
        ("agency_code", "AGENCY_CODE_FORMAT"),
    ]


def test_a_nested_field_is_named_with_its_path(
        stub: pb_grpc.IdentityServiceStub, hanoi: pb.Unit) -> None:
    a = register_ward(stub, hanoi, "Phường A", "00001")

    details = refused(stub.MergeUnits, pb.MergeUnitsRequest(
        source_unit_ids=[a.unit_id],
        new_successor=pb.NewUnit(display_name="Phường B", kind=pb.UNIT_KIND_WARD,
                                 administrative_unit_code="1", parent_unit_id=hanoi.unit_id)))

    assert details["code"] == grpc.StatusCode.INVALID_ARGUMENT
    assert details["field_violations"] == [
        ("new_successor.administrative_unit_code", "ADMINISTRATIVE_CODE_FORMAT")]


@pytest.mark.parametrize(("request_", "field", "reason"), [
    (pb.RegisterUnitRequest(display_name="Tỉnh X", administrative_unit_code="77"),
     "kind", "KIND_REQUIRED"),
    (pb.RegisterUnitRequest(display_name="Tỉnh X", kind=pb.UNIT_KIND_PROVINCE,
                            administrative_unit_code="77",
                            effective_date=date_pb2.Date(year=2025, month=2, day=30)),
     "effective_date", "DATE_INVALID"),
    (pb.RegisterUnitRequest(display_name="Tỉnh X", kind=pb.UNIT_KIND_PROVINCE,
                            administrative_unit_code="77", level=42),
     "level", "ENUM_VALUE"),
])
def test_malformed_protobuf_values_are_invalid_argument(
        stub: pb_grpc.IdentityServiceStub, request_: pb.RegisterUnitRequest, field: str,
        reason: str) -> None:
    details = refused(stub.RegisterUnit, request_)

    assert details["code"] == grpc.StatusCode.INVALID_ARGUMENT
    assert details["field_violations"] == [(field, reason)]


def test_a_malformed_id_or_page_token_is_invalid_argument(
        stub: pb_grpc.IdentityServiceStub, hanoi: pb.Unit) -> None:
    bad_id = refused(stub.GetUnit, pb.GetUnitRequest(unit_id="không-phải-uuid"))
    bad_filter = refused(stub.ListUnits, pb.ListUnitsRequest(parent_unit_id="nope"))
    _ = register_ward(stub, hanoi, "Phường A", "00001")
    page = stub.ListUnits(pb.ListUnitsRequest(page_size=1), timeout=TIMEOUT)
    mismatch = refused(stub.ListUnits, pb.ListUnitsRequest(
        page_size=1, page_token=page.next_page_token, level=pb.UNIT_LEVEL_PROVINCE))
    negative = refused(stub.SearchUnits, pb.SearchUnitsRequest(query="a", page_size=-5))

    assert bad_id["field_violations"] == [("unit_id", "UUID_FORMAT")]
    assert bad_filter["field_violations"] == [("parent_unit_id", "UUID_FORMAT")]
    assert mismatch["field_violations"] == [("page_token", "PAGE_TOKEN_MISMATCH")]
    assert negative["field_violations"] == [("page_size", "PAGE_SIZE_NEGATIVE")]
    for details in (bad_id, bad_filter, mismatch, negative):
        assert details["code"] == grpc.StatusCode.INVALID_ARGUMENT


def test_an_unknown_id_or_code_is_not_found(stub: pb_grpc.IdentityServiceStub) -> None:
    unknown = "6f1c1c0e-0000-4000-8000-000000000000"

    unit = refused(stub.GetUnit, pb.GetUnitRequest(unit_id=unknown))
    history = refused(stub.GetUnitHistory, pb.GetUnitHistoryRequest(unit_id=unknown))
    code = refused(stub.ResolveUnit, pb.ResolveUnitRequest(code="77777"))

    for details in (unit, history, code):
        assert details["code"] == grpc.StatusCode.NOT_FOUND
        assert details["domain"] == ERROR_DOMAIN
    assert unit["reason"] == history["reason"] == "UNIT_NOT_FOUND"
    assert unit["metadata"] == {"resource_type": "identity.lienthong.vn/Unit",
                                "resource_id": unknown}
    assert code["reason"] == "CODE_NOT_FOUND"


def test_a_rule_of_the_domain_is_failed_precondition(
        stub: pb_grpc.IdentityServiceStub, hanoi: pb.Unit) -> None:
    a = register_ward(stub, hanoi, "Phường A", "00001", "000.00.01.H26")
    b = register_ward(stub, hanoi, "Phường B", "00002")
    stub.MergeUnits(pb.MergeUnitsRequest(source_unit_ids=[a.unit_id],
                                         successor_unit_id=b.unit_id), timeout=TIMEOUT)

    retired = refused(stub.RenameUnit, pb.RenameUnitRequest(unit_id=a.unit_id,
                                                            display_name="Tên mới"))
    cycle = refused(stub.MergeUnits, pb.MergeUnitsRequest(source_unit_ids=[b.unit_id],
                                                          successor_unit_id=b.unit_id))
    locked = refused(stub.RegisterUnit, pb.RegisterUnitRequest(
        display_name="Phường C", kind=pb.UNIT_KIND_WARD, administrative_unit_code="00003",
        agency_code="000.00.01.H26", parent_unit_id=hanoi.unit_id))

    assert (retired["code"], retired["reason"]) == (grpc.StatusCode.FAILED_PRECONDITION,
                                                    "UNIT_RETIRED")
    assert retired["metadata"]["unit_id"] == a.unit_id
    assert (cycle["code"], cycle["reason"]) == (grpc.StatusCode.FAILED_PRECONDITION,
                                                "LINEAGE_CYCLE")
    assert (locked["code"], locked["reason"]) == (grpc.StatusCode.FAILED_PRECONDITION,
                                                  "AGENCY_CODE_LOCKED")
    assert locked["metadata"]["holder_unit_id"] == a.unit_id


def test_a_code_in_use_is_already_exists(
        stub: pb_grpc.IdentityServiceStub, hanoi: pb.Unit) -> None:
    holder = register_ward(stub, hanoi, "Phường A", "00001")

    details = refused(stub.RegisterUnit, pb.RegisterUnitRequest(
        display_name="Phường Trùng", kind=pb.UNIT_KIND_WARD, administrative_unit_code="00001",
        parent_unit_id=hanoi.unit_id))

    assert details["code"] == grpc.StatusCode.ALREADY_EXISTS
    assert (details["reason"], details["domain"]) == ("ADMINISTRATIVE_CODE_IN_USE", ERROR_DOMAIN)
    assert details["metadata"]["holder_unit_id"] == holder.unit_id
    assert "Phường A" in details["message"]


def test_a_reused_request_id_is_invalid_argument(
        stub: pb_grpc.IdentityServiceStub, hanoi: pb.Unit) -> None:
    details = refused(stub.RegisterUnit, pb.RegisterUnitRequest(
        request_id="reg-hanoi", display_name="Tỉnh Khác", kind=pb.UNIT_KIND_PROVINCE,
        administrative_unit_code="77"))

    assert details["code"] == grpc.StatusCode.INVALID_ARGUMENT
    assert details["field_violations"] == [("request_id", "REQUEST_ID_REUSED")]


# -- what every server offers --------------------------------------------------------

def test_health_says_serving(channel: grpc.Channel) -> None:
    health = health_pb2_grpc.HealthStub(channel)

    for service in ("", SERVICE):
        answer = health.Check(health_pb2.HealthCheckRequest(service=service), timeout=TIMEOUT)
        assert answer.status == health_pb2.HealthCheckResponse.SERVING


def test_reflection_lists_the_identity_service(channel: grpc.Channel) -> None:
    reflection = reflection_pb2_grpc.ServerReflectionStub(channel)

    [answer] = list(reflection.ServerReflectionInfo(
        iter([reflection_pb2.ServerReflectionRequest(list_services="")]), timeout=TIMEOUT))

    listed = {s.name for s in answer.list_services_response.service}
    assert {SERVICE, "grpc.health.v1.Health"} <= listed


class BrokenResolver(IdentityApplication):
    """The application with a ResolveUnit that fails the way a bug would."""

    def resolve_unit(self, code: str, as_of: dt.date | None = None) -> Resolution:
        msg = f"secret internals of {code}"
        raise RuntimeError(msg)


def test_a_bug_shows_the_caller_only_a_reference_to_the_log() -> None:
    app = BrokenResolver()
    with ServerThread(lambda server: add_to_server(app, server)) as running, \
            grpc.insecure_channel(running.address) as chan:
        stub = pb_grpc.IdentityServiceStub(chan)

        details = refused(stub.ResolveUnit, pb.ResolveUnitRequest(code="01"),
                          metadata=(("x-request-id", "req-bug-1"),))

    assert details["code"] == grpc.StatusCode.INTERNAL
    assert (details["reason"], details["domain"]) == ("INTERNAL", ERROR_DOMAIN)
    assert details["metadata"] == {"request_id": "req-bug-1"}
    assert "secret" not in details["message"]
    assert "RuntimeError" not in details["message"]
    assert "req-bug-1" in details["message"]


class SlowResolver(IdentityApplication):
    """The application with a ResolveUnit that waits until the test lets it go."""

    def __init__(self) -> None:
        super().__init__()
        self.entered = threading.Event()
        self.release = threading.Event()

    def resolve_unit(self, code: str, as_of: dt.date | None = None) -> Resolution:
        self.entered.set()
        self.release.wait(timeout=TIMEOUT)
        return super().resolve_unit(code, as_of)


def test_a_call_that_outlives_its_deadline_is_deadline_exceeded_and_the_server_goes_on() -> None:
    app = SlowResolver()
    app.register_unit(NewUnitSpec("Thành phố Hà Nội", "municipality",
                                  administrative_unit_code="01"))
    with ServerThread(lambda server: add_to_server(app, server)) as running, \
            grpc.insecure_channel(running.address) as chan:
        stub = pb_grpc.IdentityServiceStub(chan)
        try:
            started = time.monotonic()
            with pytest.raises(grpc.RpcError) as error:
                stub.ResolveUnit(pb.ResolveUnitRequest(code="01"), timeout=0.3)
            waited = time.monotonic() - started
        finally:
            app.release.set()

        assert app.entered.is_set()
        assert error.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
        assert waited < 2.0
        answer = stub.ResolveUnit(pb.ResolveUnitRequest(code="01"), timeout=TIMEOUT)
        assert answer.named_unit.display_name == "Thành phố Hà Nội"



def test_list_filters_with_unknown_enum_values_are_refused(stub) -> None:
    for request, field in ((pb.ListUnitsRequest(kind=99), "kind"),
                           (pb.ListUnitsRequest(status=42), "status"),
                           (pb.ListUnitsRequest(level=7), "level")):
        with pytest.raises(grpc.RpcError) as refused:
            stub.ListUnits(request)
        assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert error_details(refused.value)["field_violations"] == [(field, "ENUM_VALUE")]
