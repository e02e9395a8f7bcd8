"""AssignAgencyCode through gRPC on a real socket: codes given, changed, refused."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import grpc
import pytest
from google.type import date_pb2

from lienthong.grpc.errors import error_details
from lienthong.identity.v1 import identity_pb2 as pb
from lienthong.identity.v1 import identity_pb2_grpc as pb_grpc
from lienthong.services.identity.api import add_to_server
from lienthong.services.identity.application import IdentityApplication
from lienthong.testing.grpc_server import served_channel

if TYPE_CHECKING:
    from collections.abc import Iterator

REFORM = date_pb2.Date(year=2025, month=7, day=1)
LATER = date_pb2.Date(year=2025, month=9, day=1)
TIMEOUT = 10.0
METHOD = "/lienthong.identity.v1.IdentityService/AssignAgencyCode"


@pytest.fixture
def channel() -> Iterator[grpc.Channel]:
    app = IdentityApplication()
    with served_channel(lambda server: add_to_server(app, server), TIMEOUT) as chan:
        yield chan


@pytest.fixture
def stub(channel: grpc.Channel) -> pb_grpc.IdentityServiceStub:
    return pb_grpc.IdentityServiceStub(channel)


@pytest.fixture
def units(stub: pb_grpc.IdentityServiceStub) -> dict[str, pb.Unit]:
    """Bắc Ninh and one of its wards, as the reorganisation left them: without codes."""
    province = stub.RegisterUnit(pb.RegisterUnitRequest(
        display_name="Tỉnh Bắc Ninh", kind=pb.UNIT_KIND_PROVINCE,
        administrative_unit_code="24"), timeout=TIMEOUT)
    ward = stub.RegisterUnit(pb.RegisterUnitRequest(
        display_name="Phường Quế Võ", kind=pb.UNIT_KIND_WARD, administrative_unit_code="09193",
        parent_unit_id=province.unit_id, effective_date=REFORM), timeout=TIMEOUT)
    return {"province": province, "ward": ward}


def refused(stub: pb_grpc.IdentityServiceStub, **fields: Any) -> tuple[grpc.StatusCode,
                                                                          dict[str, Any]]:
    with pytest.raises(grpc.RpcError) as error:
        stub.AssignAgencyCode(pb.AssignAgencyCodeRequest(**fields), timeout=TIMEOUT)
    assert "Traceback" not in (error.value.details() or "")
    return error.value.code(), error_details(error.value)


def test_a_ward_is_given_its_code_then_a_new_one_and_keeps_both(
        stub: pb_grpc.IdentityServiceStub, units: dict[str, pb.Unit]) -> None:
    stub.AssignAgencyCode(pb.AssignAgencyCodeRequest(
        unit_id=units["province"].unit_id, agency_code="000.00.00.H24",
        effective_date=REFORM), timeout=TIMEOUT)
    given = stub.AssignAgencyCode(pb.AssignAgencyCodeRequest(
        request_id="qd-1", unit_id=units["ward"].unit_id, agency_code="000.00.31.H24",
        effective_date=REFORM, decision_number="1/QĐ-UBND",
        decision_date=REFORM), timeout=TIMEOUT)
    changed = stub.AssignAgencyCode(pb.AssignAgencyCodeRequest(
        request_id="qd-2", unit_id=units["ward"].unit_id, agency_code="000.00.32.H24",
        effective_date=LATER, reason="QĐ 2/QĐ-UBND corrects the code"), timeout=TIMEOUT)

    assert given.agency_code == "000.00.31.H24"
    assert changed.agency_code == "000.00.32.H24"
    assert not changed.agency_code_provisional
    assert [(h.agency_code, h.effective_date.month) for h in changed.agency_codes] == [
        ("000.00.31.H24", 7), ("000.00.32.H24", 9)]
    assert changed.agency_codes[0].decision_number == "1/QĐ-UBND"
    old = stub.ResolveUnit(pb.ResolveUnitRequest(code="000.00.31.H24"), timeout=TIMEOUT)
    assert old.default_unit_id == units["ward"].unit_id
    history = stub.GetUnitHistory(pb.GetUnitHistoryRequest(unit_id=units["ward"].unit_id),
                                  timeout=TIMEOUT)
    assert [e.event_type for e in history.entries] == [
        "Registered", "AgencyCodeAssigned", "AgencyCodeAssigned"]
    assert history.entries[-1].reason == "QĐ 2/QĐ-UBND corrects the code"


def test_a_provisional_code_is_marked_in_the_answers(
        stub: pb_grpc.IdentityServiceStub, units: dict[str, pb.Unit]) -> None:
    unit = stub.AssignAgencyCode(pb.AssignAgencyCodeRequest(
        unit_id=units["ward"].unit_id, agency_code="000.01.01.Z24", effective_date=REFORM,
        provisional=True), timeout=TIMEOUT)

    assert unit.agency_code_provisional
    listed = stub.ListUnits(pb.ListUnitsRequest(level=pb.UNIT_LEVEL_COMMUNE), timeout=TIMEOUT)
    assert [u.agency_code_provisional for u in listed.units] == [True]
    resolved = stub.ResolveUnit(pb.ResolveUnitRequest(code="09193"), timeout=TIMEOUT)
    assert resolved.current_units[0].agency_code_provisional
    history = stub.GetUnitHistory(pb.GetUnitHistoryRequest(unit_id=units["ward"].unit_id),
                                  timeout=TIMEOUT)
    assert '"provisional": true' in history.entries[-1].payload_json
    chain = stub.ResolveUnit(pb.ResolveUnitRequest(
        code="000.01.01.Z24", as_of=date_pb2.Date(year=2025, month=6, day=30)),
        timeout=TIMEOUT).chain
    assert [(c.kind, c.agency_code, c.agency_code_provisional) for c in chain] == [
        (pb.CHANGE_KIND_AGENCY_CODE_ASSIGNED, "000.01.01.Z24", True)]


def test_bad_input_is_invalid_argument_naming_each_field(
        stub: pb_grpc.IdentityServiceStub, units: dict[str, pb.Unit]) -> None:
    code, details = refused(stub, unit_id="nope", agency_code="000.00.31.h24",
                            effective_date=date_pb2.Date(year=2025, month=2, day=30))

    assert code is grpc.StatusCode.INVALID_ARGUMENT
    assert ("effective_date", "DATE_INVALID") in details["field_violations"]


def test_every_rule_is_named(stub: pb_grpc.IdentityServiceStub,
                             units: dict[str, pb.Unit]) -> None:
    code, details = refused(stub, unit_id=units["ward"].unit_id, agency_code="000.00.31.h24",
                            decision_number="x" * 65)
    assert code is grpc.StatusCode.INVALID_ARGUMENT
    assert sorted(details["field_violations"]) == [
        ("agency_code", "AGENCY_CODE_FORMAT"), ("decision_number", "TOO_LONG"),
        ("effective_date", "REQUIRED")]

    stub.AssignAgencyCode(pb.AssignAgencyCodeRequest(
        unit_id=units["province"].unit_id, agency_code="000.00.00.H24",
        effective_date=REFORM), timeout=TIMEOUT)
    code, details = refused(stub, unit_id=units["ward"].unit_id, agency_code="000.00.31.H25",
                            effective_date=REFORM)
    assert code is grpc.StatusCode.INVALID_ARGUMENT
    assert details["field_violations"] == [("agency_code", "AGENCY_CODE_OUTSIDE_PROVINCE")]

    code, details = refused(stub, unit_id=units["ward"].unit_id, agency_code="000.00.00.H24",
                            effective_date=REFORM)
    assert code is grpc.StatusCode.INVALID_ARGUMENT
    assert details["field_violations"] == [("agency_code", "AGENCY_CODE_LEVEL")]


def test_a_code_in_use_is_already_exists(stub: pb_grpc.IdentityServiceStub,
                                         units: dict[str, pb.Unit]) -> None:
    stub.AssignAgencyCode(pb.AssignAgencyCodeRequest(
        unit_id=units["province"].unit_id, agency_code="000.00.00.H24",
        effective_date=REFORM), timeout=TIMEOUT)
    other = stub.RegisterUnit(pb.RegisterUnitRequest(
        display_name="Tỉnh Lạng Sơn", kind=pb.UNIT_KIND_PROVINCE,
        administrative_unit_code="20"), timeout=TIMEOUT)

    code, details = refused(stub, unit_id=other.unit_id, agency_code="000.00.00.H24",
                            effective_date=REFORM)

    assert code is grpc.StatusCode.ALREADY_EXISTS
    assert details["reason"] == "AGENCY_CODE_IN_USE"


def test_bytes_that_do_not_parse_are_invalid_argument(channel: grpc.Channel) -> None:
    call = channel.unary_unary(METHOD)  # raw bytes in, raw bytes out

    with pytest.raises(grpc.RpcError) as error:
        call(b"\xff\xff\xff\xff not a protobuf message", timeout=TIMEOUT)

    assert error.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert error_details(error.value)["field_violations"] == [("request", "REQUEST_UNPARSABLE")]
