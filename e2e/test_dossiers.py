"""A commune's one-stop desk works through a dossier, then the commune is merged.

gRPC only: units are registered in identity, dossiers learns them from
identity's events over NATS (so the first submission is retried until it
has), a dossier goes from submission to returned result, and when identity
merges the commune the open dossier moves to the new commune. Codes are
drawn at random and checked free, so the test can run again on a platform
that keeps its data (kind).
"""

from __future__ import annotations

import random
import time
import uuid

import grpc
import pytest
from google.type import date_pb2

from lienthong.dossiers.v1 import catalog_pb2 as catalog_pb
from lienthong.dossiers.v1 import dossiers_pb2 as pb
from lienthong.grpc.errors import error_details
from lienthong.identity.v1 import identity_pb2 as identity_pb

pytestmark = pytest.mark.e2e

TIMEOUT = 10.0
#: How long dossiers may take to apply identity's events.
CONSUMER_WAIT_S = 30.0
PIN = "001090012345"
UNUSED_PROVINCE_CODES = ["97", "98", "99", "00"]


def is_free(identity, code: str) -> bool:
    try:
        identity.ResolveUnit(identity_pb.ResolveUnitRequest(code=code), timeout=TIMEOUT)
    except grpc.RpcError as error:
        if error.code() == grpc.StatusCode.NOT_FOUND:
            return True
        raise
    return False


def free_code(identity, candidates) -> str:
    for code in candidates:
        if is_free(identity, code):
            return code
    pytest.skip("every spare code was used by earlier runs on this platform")


def eventually(call, what: str, *, wait_s: float = CONSUMER_WAIT_S):
    """``call()`` until it returns a truthy value (bounded); NOT_FOUND counts as not yet."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            if result := call():
                return result
        except grpc.RpcError as error:
            if error.code() != grpc.StatusCode.NOT_FOUND:
                raise
        if time.monotonic() > deadline:
            pytest.fail(f"not within {wait_s} s: {what}")
        time.sleep(0.2)


@pytest.fixture(scope="module")
def province_and_communes(identity):
    """A province with two communes, under fresh codes.

    Afterwards its active units are dissolved into a test agency, so that
    the platform's active provinces and communes are the seed's again
    (e2e/test_identity_2025.py counts them).
    """
    rng = random.Random()
    # Codes the 2025 divisions never use (provinces end at 96, communes below 90000),
    # so the vn-2025 import of e2e/test_identity_2025.py never meets them.
    province_code = free_code(identity, rng.sample(UNUSED_PROVINCE_CODES,
                                                   len(UNUSED_PROVINCE_CODES)))
    agency = free_code(identity, (
        f"000.00.00.{rng.choice('KLMNPQRSTUVWXY')}{rng.randint(1, 99):02d}" for _ in range(200)))
    commune_codes = iter(free_code(identity, (f"{rng.randint(90000, 99999):05d}"
                                              for _ in range(200))) for _ in range(3))
    run = uuid.uuid4().hex[:8]
    province = identity.RegisterUnit(identity_pb.RegisterUnitRequest(
        request_id=f"e2e-dossiers-{run}-province", display_name=f"Tỉnh Thử Nghiệm {run}",
        kind=identity_pb.UNIT_KIND_PROVINCE, administrative_unit_code=province_code,
        agency_code=agency, reason="e2e: dossiers"), timeout=TIMEOUT)
    level1 = agency.rsplit(".", 1)[1]
    communes = [identity.RegisterUnit(identity_pb.RegisterUnitRequest(
        request_id=f"e2e-dossiers-{run}-commune-{n}", display_name=f"Xã Thử Nghiệm {run} {n}",
        kind=identity_pb.UNIT_KIND_COMMUNE, administrative_unit_code=next(commune_codes),
        agency_code=f"000.00.{n:02d}.{level1}", parent_unit_id=province.unit_id),
        timeout=TIMEOUT) for n in (1, 2)]
    yield province, communes, next(commune_codes), f"000.00.03.{level1}", run

    keeper = identity.RegisterUnit(identity_pb.RegisterUnitRequest(
        request_id=f"e2e-dossiers-{run}-keeper", display_name=f"Kho lưu trữ thử nghiệm {run}",
        kind=identity_pb.UNIT_KIND_AGENCY), timeout=TIMEOUT)
    active = identity.ListUnits(identity_pb.ListUnitsRequest(
        province_unit_id=province.unit_id, status=identity_pb.UNIT_STATUS_ACTIVE,
        page_size=1000), timeout=TIMEOUT).units
    for unit in [*active, province]:
        identity.DissolveUnit(identity_pb.DissolveUnitRequest(
            request_id=f"e2e-dossiers-{run}-cleanup-{unit.unit_id}", unit_id=unit.unit_id,
            records_successor_unit_id=keeper.unit_id, reason="e2e: clean-up"),
            timeout=TIMEOUT)


@pytest.fixture(scope="module")
def procedure(dossiers):
    """A commune-level procedure under a fresh code."""
    for _ in range(20):
        code = f"9.{random.randint(0, 999_999):06d}"
        try:
            return dossiers.catalog.CreateProcedure(catalog_pb.CreateProcedureRequest(
                request_id=f"e2e-procedure-{code}", procedure_code=code,
                first_version=catalog_pb.ProcedureVersion(
                    effective_date=date_pb2.Date(year=2025, month=7, day=1),
                    name="Xác nhận thông tin về cư trú (thử nghiệm)",
                    sector="Đăng ký, quản lý cư trú",
                    competent_level=catalog_pb.COMPETENT_LEVEL_COMMUNE,
                    competent_agency_kind="people's committee", processing_working_days=5,
                    required_documents=[catalog_pb.RequiredDocument(name="Tờ khai")],
                    result_document_type="Giấy xác nhận",
                    boundary_policy=catalog_pb.BOUNDARY_POLICY_ANYWHERE_IN_PROVINCE)),
                timeout=TIMEOUT).procedure_code
        except grpc.RpcError as error:
            if error.code() != grpc.StatusCode.ALREADY_EXISTS:
                raise
    pytest.fail("no free procedure code")


def submit(dossiers, procedure: str, unit_id: str, request_id: str) -> pb.Dossier:
    return dossiers.dossiers.SubmitDossier(pb.SubmitDossierRequest(
        request_id=request_id, procedure_code=procedure, channel=pb.CHANNEL_COUNTER,
        applicant=pb.Applicant(full_name="Nguyễn Văn An", personal_identification_number=PIN),
        receiving_unit_id=unit_id, competent_unit_id=unit_id, submitted_documents=["Tờ khai"]),
        timeout=TIMEOUT)


def test_a_dossier_is_processed_and_follows_its_commune_into_a_merger(
        identity, dossiers, province_and_communes, procedure):
    province, (commune, neighbour), new_code, new_agency, run = province_and_communes
    stub = dossiers.dossiers

    # Dossiers knows the commune once identity's events reached it: until
    # then the submission is refused with NOT_FOUND (and retried, same request id).
    first = eventually(lambda: submit(dossiers, procedure, commune.unit_id, f"e2e-{run}-1"),
                       "dossiers learned the commune from identity's events")
    assert first.status == pb.DOSSIER_STATUS_NEW
    assert first.dossier_code.startswith(commune.agency_code + "-")
    steps = (
        ("receive", stub.ReceiveDossier, pb.ReceiveDossierRequest, {}),
        ("assign", stub.AssignDossier, pb.AssignDossierRequest, {"handler": "cb.tran"}),
        ("approve", stub.ApproveDossier, pb.ApproveDossierRequest,
         {"result_documents": ["Giấy xác nhận"]}),
        ("return", stub.ReturnResult, pb.ReturnResultRequest, {}))
    for name, call, request, fields in steps:
        done = call(request(request_id=f"e2e-{run}-1-{name}", dossier_id=first.dossier_id,
                            **fields), timeout=TIMEOUT)
    assert done.status == pb.DOSSIER_STATUS_RESULT_RETURNED
    assert done.timeliness in (pb.TIMELINESS_EARLY, pb.TIMELINESS_ON_TIME)

    still_open = submit(dossiers, procedure, commune.unit_id, f"e2e-{run}-2")
    stub.ReceiveDossier(pb.ReceiveDossierRequest(request_id=f"e2e-{run}-2-receive",
                                                 dossier_id=still_open.dossier_id),
                        timeout=TIMEOUT)

    merged = identity.MergeUnits(identity_pb.MergeUnitsRequest(
        request_id=f"e2e-{run}-merge", source_unit_ids=[commune.unit_id, neighbour.unit_id],
        new_successor=identity_pb.NewUnit(
            display_name=f"Xã Hợp Nhất {run}", kind=identity_pb.UNIT_KIND_COMMUNE,
            administrative_unit_code=new_code, agency_code=new_agency,
            parent_unit_id=province.unit_id),
        reason="e2e: the commune is merged"), timeout=TIMEOUT)
    successor = merged.successor.unit_id

    moved = eventually(lambda: (d := stub.GetDossier(pb.GetDossierRequest(
        dossier_id=still_open.dossier_id), timeout=TIMEOUT)).holder_unit_id == successor and d,
        "the open dossier moved to the new commune")
    assert moved.competent_unit_id == successor
    assert moved.status == pb.DOSSIER_STATUS_RECEIVED
    history = stub.GetDossierHistory(pb.GetDossierHistoryRequest(
        dossier_id=still_open.dossier_id), timeout=TIMEOUT)
    assert history.entries[-1].event_type == "MovedOnReorganisation"
    assert history.entries[-1].causation_id.startswith("identity-")
    # The returned dossier stays where it was decided.
    closed = stub.GetDossier(pb.GetDossierRequest(dossier_id=first.dossier_id), timeout=TIMEOUT)
    assert closed.holder_unit_id == commune.unit_id
    assert closed.version == done.version

    # The province compares its communes: the merged one with its returned
    # result, the new one with the open dossier; the neighbour (retired with no
    # dossier) is left out once dossiers applied its merger too.
    expected = {province.unit_id, commune.unit_id, successor}
    stats = eventually(lambda: (s := stub.ListUnitStatistics(pb.ListUnitStatisticsRequest(
        province_unit_id=province.unit_id), timeout=TIMEOUT)) and {
            u.unit_id for u in s.unit_statistics} == expected and s,
        "dossiers applied the neighbour's merger too")
    by_unit = {s.unit_id: s for s in stats.unit_statistics}
    assert stats.unit_statistics[0].unit_id == province.unit_id
    assert by_unit[commune.unit_id].returned_early + by_unit[commune.unit_id].returned_on_time == 1
    assert by_unit[commune.unit_id].on_time_rate == 1.0
    assert (by_unit[successor].received, by_unit[successor].open) == (1, 1)
    assert not by_unit[successor].HasField("on_time_rate")


def test_statistics_are_asked_of_a_province(dossiers, province_and_communes):
    _, (commune, _), *_ = province_and_communes

    def refusal():
        try:
            dossiers.dossiers.ListUnitStatistics(pb.ListUnitStatisticsRequest(
                province_unit_id=commune.unit_id), timeout=TIMEOUT)
        except grpc.RpcError as error:
            if error.code() == grpc.StatusCode.NOT_FOUND:  # not learned yet
                return None
            return error
        pytest.fail("a commune's statistics were given as a province's")

    refused = eventually(refusal, "dossiers learned the commune")
    assert refused.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert error_details(refused)["reason"] == "NOT_A_PROVINCE"
