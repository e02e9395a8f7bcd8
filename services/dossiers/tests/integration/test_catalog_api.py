"""The procedure catalogue through gRPC on a real socket, as other systems call it."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import grpc
import pytest
from google.type import date_pb2

from lienthong.dossiers.v1 import catalog_pb2 as pb
from lienthong.dossiers.v1 import catalog_pb2_grpc as pb_grpc
from lienthong.grpc.errors import ERROR_DOMAIN, error_details
from lienthong.idempotency import IdempotentApplication
from lienthong.services.dossiers.catalog import CatalogCommands
from lienthong.services.dossiers.catalog_api import add_catalog_to_server
from lienthong.testing.grpc_server import ServerThread

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

TIMEOUT = 10.0
LAND = "1.004227"
BIRTH = "1.001193"
REFORM = date_pb2.Date(year=2025, month=7, day=1)
BEFORE = date_pb2.Date(year=2025, month=6, day=30)


class App(CatalogCommands, IdempotentApplication):
    """The catalogue alone, on a fixed day (after the reform)."""

    service_name = "dossiers"

    def __init__(self, event_store: str) -> None:
        super().__init__(event_store)
        self._init_catalog()

    def today(self) -> dt.date:
        return dt.date(2025, 8, 15)


@pytest.fixture
def app(tmp_path: Path) -> App:
    # SQLite: stored events really go through the transcoder and the topic filter.
    return App(f"sqlite:///{tmp_path / 'dossiers.db'}")


@pytest.fixture
def stub(app: App) -> Iterator[pb_grpc.CatalogServiceStub]:
    with ServerThread(lambda server: add_catalog_to_server(app, server)) as running, \
            grpc.insecure_channel(running.address) as channel:
        grpc.channel_ready_future(channel).result(timeout=TIMEOUT)
        yield pb_grpc.CatalogServiceStub(channel)


def refused(call: Callable[..., Any], request: Any) -> dict[str, Any]:
    """Make a call that must fail; its status code and details."""
    with pytest.raises(grpc.RpcError) as error:
        call(request, timeout=TIMEOUT)
    details = error_details(error.value)
    details["message"] = error.value.details() or ""
    assert "Traceback" not in details["message"]
    return details


def land_v1(**changes: Any) -> pb.ProcedureVersion:
    return pb.ProcedureVersion(**{
        "effective_date": date_pb2.Date(year=2024, month=8, day=1),
        "name": "Đăng ký đất đai, cấp Giấy chứng nhận quyền sử dụng đất lần đầu",
        "sector": "Đất đai", "competent_level": pb.COMPETENT_LEVEL_PROVINCE,
        "competent_agency_kind": "land registration office", "processing_working_days": 20,
        "required_documents": [
            pb.RequiredDocument(name="Đơn đăng ký (Mẫu số 04/ĐK)", copies=1,
                                original_required=True),
            pb.RequiredDocument(name="Giấy tờ về quyền sử dụng đất")],
        "fee_vnd": 100_000, "result_document_type": "Giấy chứng nhận quyền sử dụng đất",
        "boundary_policy": pb.BOUNDARY_POLICY_COMPETENT_UNIT_ONLY,
        **changes})


def land_v2(**changes: Any) -> pb.ProcedureVersion:
    return land_v1(**{"effective_date": REFORM, "competent_level": pb.COMPETENT_LEVEL_COMMUNE,
                      "competent_agency_kind": "people's committee",
                      "processing_working_days": 15, **changes})


@pytest.fixture
def land(stub: pb_grpc.CatalogServiceStub) -> pb.Procedure:
    stub.CreateProcedure(pb.CreateProcedureRequest(
        request_id="create-land", procedure_code=LAND, first_version=land_v1()),
        timeout=TIMEOUT)
    return stub.AddProcedureVersion(pb.AddProcedureVersionRequest(
        request_id="v2-land", procedure_code=LAND, version=land_v2(version=99),
        reason="NĐ 151/2025/NĐ-CP"), timeout=TIMEOUT)


# -- every RPC once ------------------------------------------------------------------

def test_create_a_procedure_then_get_it(stub: pb_grpc.CatalogServiceStub) -> None:
    created = stub.CreateProcedure(pb.CreateProcedureRequest(
        request_id="create-1", procedure_code=LAND, first_version=land_v1(),
        reason="QĐ công bố"), timeout=TIMEOUT)

    assert created.procedure_code == LAND
    [first] = created.versions
    assert first == land_v1(version=1, required_documents=[
        pb.RequiredDocument(name="Đơn đăng ký (Mẫu số 04/ĐK)", copies=1, original_required=True),
        pb.RequiredDocument(name="Giấy tờ về quyền sử dụng đất", copies=1)])
    assert created.current_version == first
    assert stub.GetProcedure(pb.GetProcedureRequest(procedure_code=LAND),
                             timeout=TIMEOUT) == created


def test_a_new_version_is_numbered_and_current_from_its_day(
        stub: pb_grpc.CatalogServiceStub, land: pb.Procedure) -> None:
    assert [v.version for v in land.versions] == [1, 2]
    assert land.current_version.version == 2  # "today" is after the reform
    assert land.current_version.competent_level == pb.COMPETENT_LEVEL_COMMUNE

    on = {day.day: stub.GetProcedure(pb.GetProcedureRequest(procedure_code=LAND, as_of=day),
                                     timeout=TIMEOUT).current_version
          for day in (BEFORE, REFORM)}
    assert (on[30].version, on[30].competent_level) == (1, pb.COMPETENT_LEVEL_PROVINCE)
    assert (on[1].version, on[1].processing_working_days) == (2, 15)

    early = stub.GetProcedure(pb.GetProcedureRequest(
        procedure_code=LAND, as_of=date_pb2.Date(year=2024, month=1, day=1)), timeout=TIMEOUT)
    assert not early.HasField("current_version")
    assert len(early.versions) == 2


def test_a_retried_request_answers_as_the_first(stub: pb_grpc.CatalogServiceStub,
                                                land: pb.Procedure) -> None:
    again = stub.AddProcedureVersion(pb.AddProcedureVersionRequest(
        request_id="v2-land", procedure_code=LAND, version=land_v2(version=99),
        reason="NĐ 151/2025/NĐ-CP"), timeout=TIMEOUT)

    assert again == land
    other = refused(stub.AddProcedureVersion, pb.AddProcedureVersionRequest(
        request_id="v2-land", procedure_code=LAND,
        version=land_v2(effective_date=date_pb2.Date(year=2026, month=1, day=1))))
    assert (other["code"], other["reason"]) == (grpc.StatusCode.INVALID_ARGUMENT,
                                                "REQUEST_ID_REUSED")


def test_list_procedures_filters_and_pages(stub: pb_grpc.CatalogServiceStub,
                                           land: pb.Procedure) -> None:
    stub.CreateProcedure(pb.CreateProcedureRequest(
        procedure_code=BIRTH, first_version=land_v2(
            name="Đăng ký khai sinh", sector="Hộ tịch",
            boundary_policy=pb.BOUNDARY_POLICY_ANYWHERE_IN_COUNTRY)), timeout=TIMEOUT)

    first = stub.ListProcedures(pb.ListProceduresRequest(page_size=1), timeout=TIMEOUT)
    second = stub.ListProcedures(pb.ListProceduresRequest(
        page_size=1, page_token=first.next_page_token), timeout=TIMEOUT)
    assert [p.procedure_code for p in [*first.procedures, *second.procedures]] == [BIRTH, LAND]
    assert second.next_page_token == ""
    assert second.procedures[0] == land

    communes = stub.ListProcedures(pb.ListProceduresRequest(
        competent_level=pb.COMPETENT_LEVEL_COMMUNE), timeout=TIMEOUT)
    provinces = stub.ListProcedures(pb.ListProceduresRequest(
        competent_level=pb.COMPETENT_LEVEL_PROVINCE), timeout=TIMEOUT)
    land_sector = stub.ListProcedures(pb.ListProceduresRequest(sector="đất đai"),
                                      timeout=TIMEOUT)
    assert len(communes.procedures) == 2
    assert list(provinces.procedures) == []
    assert [p.procedure_code for p in land_sector.procedures] == [LAND]


# -- refusals as google.rpc.Status -------------------------------------------------------

def test_bad_input_names_every_field(stub: pb_grpc.CatalogServiceStub) -> None:
    found = refused(stub.CreateProcedure, pb.CreateProcedureRequest(
        procedure_code="1.4227", first_version=land_v1(
            competent_level=pb.COMPETENT_LEVEL_UNSPECIFIED, processing_working_days=0,
            boundary_policy=pb.BOUNDARY_POLICY_UNSPECIFIED, fee_vnd=-1)))

    assert found["code"] == grpc.StatusCode.INVALID_ARGUMENT
    assert (found["reason"], found["domain"]) == ("PROCEDURE_CODE_FORMAT", ERROR_DOMAIN)
    assert found["field_violations"] == [
        ("procedure_code", "PROCEDURE_CODE_FORMAT"),
        ("first_version.competent_level", "REQUIRED"),
        ("first_version.processing_working_days", "POSITIVE_REQUIRED"),
        ("first_version.fee_vnd", "NON_NEGATIVE_REQUIRED"),
        ("first_version.boundary_policy", "REQUIRED"),
    ]


@pytest.mark.parametrize(("request_", "field", "rule"), [
    (pb.CreateProcedureRequest(procedure_code=LAND), "first_version", "REQUIRED"),
    (pb.CreateProcedureRequest(procedure_code=LAND, first_version=land_v1(
        effective_date=date_pb2.Date(year=2025, month=2, day=30))),
     "first_version.effective_date", "DATE_INVALID"),
    (pb.CreateProcedureRequest(procedure_code=LAND, first_version=land_v1(
        effective_date=date_pb2.Date())), "first_version.effective_date", "REQUIRED"),
    (pb.CreateProcedureRequest(procedure_code=LAND, first_version=land_v1(
        competent_level=7)), "first_version.competent_level", "ENUM_VALUE"),
    (pb.AddProcedureVersionRequest(procedure_code=LAND), "version", "REQUIRED"),
    (pb.AddProcedureVersionRequest(procedure_code=LAND, version=land_v2(
        boundary_policy=pb.BOUNDARY_POLICY_UNSPECIFIED)), "version.boundary_policy", "REQUIRED"),
    (pb.GetProcedureRequest(procedure_code="thu-tuc"), "procedure_code",
     "PROCEDURE_CODE_FORMAT"),
    (pb.ListProceduresRequest(page_size=-1), "page_size", "PAGE_SIZE_NEGATIVE"),
    (pb.ListProceduresRequest(page_token="nope"), "page_token", "PAGE_TOKEN_INVALID"),
])
def test_each_malformed_request_is_refused_naming_the_field(
        stub: pb_grpc.CatalogServiceStub, request_: Any, field: str, rule: str) -> None:
    call = getattr(stub, type(request_).__name__.removesuffix("Request"))

    found = refused(call, request_)

    assert found["code"] == grpc.StatusCode.INVALID_ARGUMENT
    assert found["field_violations"] == [(field, rule)]


def test_rules_of_the_catalogue_are_failed_preconditions(
        stub: pb_grpc.CatalogServiceStub, land: pb.Procedure) -> None:
    not_later = refused(stub.AddProcedureVersion, pb.AddProcedureVersionRequest(
        procedure_code=LAND, version=land_v2()))
    exists = refused(stub.CreateProcedure, pb.CreateProcedureRequest(
        procedure_code=LAND, first_version=land_v1()))
    missing = refused(stub.GetProcedure, pb.GetProcedureRequest(procedure_code="2.002154"))

    assert (not_later["code"], not_later["reason"]) == (
        grpc.StatusCode.FAILED_PRECONDITION, "VERSION_NOT_LATER")
    assert not_later["metadata"]["latest_effective_date"] == "2025-07-01"
    assert (exists["code"], exists["reason"]) == (
        grpc.StatusCode.ALREADY_EXISTS, "PROCEDURE_ALREADY_EXISTS")
    assert (missing["code"], missing["reason"]) == (
        grpc.StatusCode.NOT_FOUND, "PROCEDURE_NOT_FOUND")
    assert missing["metadata"] == {"resource_type": "dossiers.lienthong.vn/Procedure",
                                   "resource_id": "2.002154"}
    assert len(stub.GetProcedure(pb.GetProcedureRequest(procedure_code=LAND),
                                 timeout=TIMEOUT).versions) == 2


def test_a_restarted_service_rebuilds_its_catalogue_from_the_store(
        tmp_path: Path, land: pb.Procedure) -> None:
    restarted = App(f"sqlite:///{tmp_path / 'dossiers.db'}")

    [procedure], _ = restarted.list_procedures(competent_level="commune")
    assert [v.version for v in procedure.versions] == [1, 2]
    assert procedure.versions == restarted.get_procedure(LAND).versions
