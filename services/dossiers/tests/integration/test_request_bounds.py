"""Every count, size and date a caller sends has a bound, checked before any work: a value
beyond it is INVALID_ARGUMENT naming the field and the rule, at once, with nothing written,
and what the refusal echoes stays small enough for any client to read."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import grpc
import pytest
from google.protobuf import timestamp_pb2
from google.type import date_pb2

from lienthong import registry
from lienthong.audit.v1 import audit_pb2, audit_pb2_grpc
from lienthong.config import load_settings
from lienthong.dossiers.v1 import catalog_pb2, catalog_pb2_grpc
from lienthong.dossiers.v1 import dossiers_pb2 as pb
from lienthong.dossiers.v1 import dossiers_pb2_grpc as pb_grpc
from lienthong.grpc.errors import MAX_FIELD_VIOLATIONS, error_details
from lienthong.testing.grpc_server import ServerThread

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

TIMEOUT = 10.0
DOSSIER = "6f1c1f5e-8d0a-4d2b-9a53-0a4c7b1e2f10"
#: A default gRPC client refuses trailers over 8 KiB.
CLIENT_METADATA_LIMIT = 8 * 1024


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[Any, grpc.Channel]]:
    spec = registry.service("dossiers")
    app = spec.load("build_app")(load_settings("dossiers", event_store="memory:"))
    with ServerThread(lambda server: spec.load("add_to_server")(app, server)) as running, \
            grpc.insecure_channel(running.address) as channel:
        grpc.channel_ready_future(channel).result(timeout=TIMEOUT)
        yield app, channel


def refused(served: tuple[Any, grpc.Channel], call: Callable[..., Any],
            request: Any) -> dict[str, Any]:
    """A call that must be refused at once with nothing written: its details."""
    app, _ = served
    before = app.recorder.max_notification_id() or 0
    started = time.monotonic()
    with pytest.raises(grpc.RpcError) as error:
        reply = call(request, timeout=TIMEOUT)
        if hasattr(reply, "__next__"):  # a server stream fails as it is read
            list(reply)
    assert error.value.code() is grpc.StatusCode.INVALID_ARGUMENT, error.value.details()
    assert (app.recorder.max_notification_id() or 0) == before
    trailers = sum(len(k) + len(v) for k, v in error.value.trailing_metadata() or ())
    assert trailers < CLIENT_METADATA_LIMIT // 2
    details = error_details(error.value)
    details["seconds"] = time.monotonic() - started
    return details


def dossiers(served: tuple[Any, grpc.Channel]) -> pb_grpc.DossierServiceStub:
    return pb_grpc.DossierServiceStub(served[1])


@pytest.mark.parametrize("days", [2_147_483_647, 2_000_000, 366])
def test_a_transfer_beyond_a_year_of_working_days_is_refused_before_the_dossier_is_read(
        served: tuple[Any, grpc.Channel], days: int) -> None:
    details = refused(served, dossiers(served).TransferDossier, pb.TransferDossierRequest(
        dossier_id=DOSSIER, to_unit_id=DOSSIER, deadline_working_days=days))

    # Not NOT_FOUND: the bound is checked before the (unknown) dossier is looked up.
    assert details["field_violations"] == [("deadline_working_days",
                                            "WORKING_DAYS_OUT_OF_RANGE")]
    assert details["seconds"] < TIMEOUT


def test_a_procedure_cannot_take_longer_than_the_bound(
        served: tuple[Any, grpc.Channel]) -> None:
    catalog = catalog_pb2_grpc.CatalogServiceStub(served[1])
    version = catalog_pb2.ProcedureVersion(
        effective_date=date_pb2.Date(year=2025, month=7, day=1), name="Đăng ký khai sinh",
        sector="Hộ tịch", competent_level=catalog_pb2.COMPETENT_LEVEL_COMMUNE,
        competent_agency_kind="UBND xã",
        processing_working_days=2_147_483_647, result_document_type="Giấy khai sinh",
        boundary_policy=catalog_pb2.BOUNDARY_POLICY_ANYWHERE_IN_PROVINCE, fee_vnd=10**15)

    details = refused(served, catalog.CreateProcedure, catalog_pb2.CreateProcedureRequest(
        procedure_code="1.001193", first_version=version))

    assert set(details["field_violations"]) == {
        ("first_version.processing_working_days", "WORKING_DAYS_OUT_OF_RANGE"),
        ("first_version.fee_vnd", "AMOUNT_OUT_OF_RANGE")}


def test_amounts_lists_and_dates_beyond_their_bounds_are_refused(
        served: tuple[Any, grpc.Channel]) -> None:
    stub = dossiers(served)
    amount = refused(served, stub.RequireFinancialObligation,
                     pb.RequireFinancialObligationRequest(dossier_id=DOSSIER, amount_vnd=10**14))
    assert amount["field_violations"] == [("amount_vnd", "AMOUNT_OUT_OF_RANGE")]

    documents = refused(served, stub.SupplementDossier, pb.SupplementDossierRequest(
        dossier_id=DOSSIER, documents=[f"Giấy tờ {i}" for i in range(101)]))
    assert documents["field_violations"] == [("documents", "TOO_MANY_DOCUMENTS")]

    far = refused(served, stub.ExtendDossier, pb.ExtendDossierRequest(
        dossier_id=DOSSIER, new_due_date=date_pb2.Date(year=9696, month=1, day=1),
        apology_slip="Phiếu xin lỗi số 1"))
    assert far["field_violations"] == [("new_due_date", "DATE_OUT_OF_RANGE")]


def test_the_platform_bounds_every_string_and_every_list_of_any_request(
        served: tuple[Any, grpc.Channel]) -> None:
    stub = dossiers(served)
    long = refused(served, stub.GetDossier, pb.GetDossierRequest(dossier_id="x" * 5000))
    assert long["field_violations"] == [("dossier_id", "STRING_TOO_LONG")]

    many = refused(served, stub.ApproveDossier, pb.ApproveDossierRequest(
        dossier_id=DOSSIER, result_documents=["Giấy phép"] * 1001))
    assert many["field_violations"] == [("result_documents", "TOO_MANY_ITEMS")]


def test_a_refusal_echoes_a_bounded_part_of_what_it_was_sent(
        served: tuple[Any, grpc.Channel]) -> None:
    stub = dossiers(served)
    # A 4,000-character id, within the platform's bound: its refusal stays readable.
    long_id = refused(served, stub.GetDossier, pb.GetDossierRequest(dossier_id="y" * 4000))
    assert long_id["field_violations"][0][0] == "dossier_id"
    assert all(len(value) <= 100 for value in long_id["metadata"].values())

    # 125 broken rules: the first few are named, the rest counted.
    catalog = catalog_pb2_grpc.CatalogServiceStub(served[1])
    version = catalog_pb2.ProcedureVersion(
        required_documents=[catalog_pb2.RequiredDocument(name="z" * 600, copies=-1)] * 62)
    many = refused(served, catalog.CreateProcedure, catalog_pb2.CreateProcedureRequest(
        procedure_code="1.000001", first_version=version))
    assert len(many["field_violations"]) == MAX_FIELD_VIOLATIONS + 1
    assert many["field_violations"][-1] == ("request", "MORE_VIOLATIONS")


@pytest.mark.parametrize("stamp", [timestamp_pb2.Timestamp(seconds=0, nanos=-1),
                                   timestamp_pb2.Timestamp(seconds=253_402_300_800)],
                         ids=["negative-nanos", "year-10000"])
def test_a_time_outside_the_timestamps_range_is_refused_by_the_audit_service(
        served: tuple[Any, grpc.Channel], stamp: timestamp_pb2.Timestamp) -> None:
    audit = audit_pb2_grpc.AuditServiceStub(served[1])
    export = refused(served, audit.ExportEvents, audit_pb2.ExportEventsRequest(end_time=stamp))
    assert export["field_violations"] == [("end_time", "TIMESTAMP_OUT_OF_RANGE")]

    state = refused(served, audit.GetAggregateState, audit_pb2.GetAggregateStateRequest(
        aggregate_id=DOSSIER, as_of_time=stamp))
    assert state["field_violations"] == [("as_of_time", "TIMESTAMP_OUT_OF_RANGE")]
