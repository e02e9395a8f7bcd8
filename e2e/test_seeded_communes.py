"""Real communes of the demo seed take dossiers, through gRPC only.

The platform holds the sample demo seed (``--seed vn-2025-sample-demo``): the
real provinces of ``SAMPLE_PROVINCES`` and their communes, with provisional
agency codes. These stories use its real units, found by their QĐ 19/2025
codes, not units of their own: a dossier's whole life at Phường Quế Võ (Bắc
Ninh), a submission received at one commune of Bắc Ninh for another, a
refusal at a commune of another province, and a merger of two real communes
that moves their open dossiers.
"""

from __future__ import annotations

import json
import uuid

import grpc
import pytest
from test_dossiers import PIN, TIMEOUT, eventually, procedure

from lienthong.dossiers.v1 import dossiers_pb2 as pb
from lienthong.grpc.errors import error_details
from lienthong.identity.v1 import identity_pb2 as identity_pb
from lienthong.services.identity.importer.vn2025_sample import SAMPLE_PROVINCES
from lienthong.services.identity.seeds import seed_plan

pytestmark = pytest.mark.e2e
__all__ = ["procedure"]  # the fixture: a commune-level procedure received within the province

QUE_VO = "09247"  # Phường Quế Võ, Tỉnh Bắc Ninh
BAC_GIANG = "07210"  # Phường Bắc Giang, Tỉnh Bắc Ninh
DONG_HOI_QUANG_TRI = "18880"  # Phường Đồng Hới, Tỉnh Quảng Trị
BAC_NINH = "24"


def unit(identity, code: str) -> identity_pb.Unit:
    """The unit that holds an administrative code today."""
    return identity.ResolveUnit(identity_pb.ResolveUnitRequest(code=code),
                                timeout=TIMEOUT).named_unit


def submit(dossiers, procedure: str, receiving: str, competent: str, request_id: str):
    return dossiers.dossiers.SubmitDossier(pb.SubmitDossierRequest(
        request_id=request_id, procedure_code=procedure, channel=pb.CHANNEL_COUNTER,
        applicant=pb.Applicant(full_name="Trần Thị Bình", personal_identification_number=PIN),
        receiving_unit_id=receiving, competent_unit_id=competent,
        submitted_documents=["Tờ khai thay đổi thông tin cư trú"]), timeout=TIMEOUT)


def step(dossiers, name: str, dossier_id: str, run: str, **fields):
    call, request = {
        "receive": ("ReceiveDossier", pb.ReceiveDossierRequest),
        "assign": ("AssignDossier", pb.AssignDossierRequest),
        "request_supplement": ("RequestSupplement", pb.RequestSupplementRequest),
        "supplement": ("SupplementDossier", pb.SupplementDossierRequest),
        "approve": ("ApproveDossier", pb.ApproveDossierRequest),
        "return": ("ReturnResult", pb.ReturnResultRequest),
    }[name]
    return getattr(dossiers.dossiers, call)(
        request(request_id=f"{run}-{name}", dossier_id=dossier_id, **fields), timeout=TIMEOUT)


@pytest.mark.local_only("reads the status and the log of the platform `lienthong up` started")
def test_the_platform_is_ready_only_once_the_seed_is_in(platform, seed):
    status = json.loads(platform.cli("status", "--json", "--data-dir",
                                     str(platform.data_dir)).stdout)
    assert status["ready"] is True
    loaded = status["seed"]
    assert (loaded["name"], loaded["state"]) == (seed, "ready")
    assert loaded["provinces"] == len(SAMPLE_PROVINCES)
    assert loaded["communes"] == sum(u.level == "commune" for u in seed_plan(seed).new_units)
    assert loaded["provisional_agency_codes"] == loaded["agency_codes"] == (
        loaded["provinces"] + loaded["communes"])
    assert loaded["import_failures"] == 0
    log = (platform.data_dir / "up.log").read_text()
    assert log.index("provisional agency codes") < log.index("ready")


def test_an_operator_asks_what_an_old_province_code_is_now(platform):
    resolved = platform.cli("identity", "resolve", "02", "--as-of", "2025-06-30", "--json")

    assert resolved.returncode == 0, resolved.stderr
    answer = json.loads(resolved.stdout)
    assert answer["named_unit"]["display_name"] == "Tỉnh Hà Giang"
    assert [u["display_name"] for u in answer["current_units"]] == ["Tỉnh Tuyên Quang"]
    assert answer["current_units"][0]["agency_code_provisional"] is True


def test_every_seeded_unit_has_a_provisional_code_marked_as_such(identity):
    que_vo = unit(identity, QUE_VO)
    bac_ninh = unit(identity, BAC_NINH)

    assert que_vo.display_name == "Phường Quế Võ"
    assert que_vo.agency_code_provisional and bac_ninh.agency_code_provisional
    assert bac_ninh.agency_code == "000.00.00.Z24"
    assert que_vo.agency_code.endswith(".Z24")
    history = identity.GetUnitHistory(identity_pb.GetUnitHistoryRequest(
        unit_id=que_vo.unit_id), timeout=TIMEOUT)
    assigned = history.entries[-1]
    assert assigned.event_type == "AgencyCodeAssigned"
    assert json.loads(assigned.payload_json)["provisional"] is True
    assert "provisional" in assigned.reason


def test_a_dossiers_whole_life_at_a_real_commune(identity, dossiers, procedure):
    que_vo = unit(identity, QUE_VO)
    run = f"e2e-demo-{uuid.uuid4().hex[:8]}"

    dossier = submit(dossiers, procedure, que_vo.unit_id, que_vo.unit_id, run)
    assert dossier.dossier_code.startswith(f"TAM-{que_vo.agency_code}-")
    step(dossiers, "receive", dossier.dossier_id, run)
    step(dossiers, "assign", dossier.dossier_id, run, handler="cb.nguyen")
    waiting = step(dossiers, "request_supplement", dossier.dossier_id, run,
                   missing_documents=["Bản sao giấy khai sinh"])
    assert waiting.status == pb.DOSSIER_STATUS_SUPPLEMENT_REQUESTED
    step(dossiers, "supplement", dossier.dossier_id, run, documents=["Bản sao giấy khai sinh"])
    step(dossiers, "approve", dossier.dossier_id, run, result_documents=["Giấy xác nhận"])
    done = step(dossiers, "return", dossier.dossier_id, run)

    assert done.status == pb.DOSSIER_STATUS_RESULT_RETURNED
    assert done.timeliness in (pb.TIMELINESS_EARLY, pb.TIMELINESS_ON_TIME)
    history = dossiers.dossiers.GetDossierHistory(pb.GetDossierHistoryRequest(
        dossier_id=dossier.dossier_id), timeout=TIMEOUT)
    assert [e.event_type for e in history.entries] == [
        "Submitted", "Received", "Assigned", "SupplementRequested", "Supplemented",
        "Approved", "ResultReturned"]


def test_a_commune_receives_a_dossier_for_another_commune_of_its_province(
        identity, dossiers, procedure):
    que_vo, bac_giang = unit(identity, QUE_VO), unit(identity, BAC_GIANG)
    run = f"e2e-demo-{uuid.uuid4().hex[:8]}"

    dossier = submit(dossiers, procedure, que_vo.unit_id, bac_giang.unit_id, run)

    assert (dossier.receiving_unit_id, dossier.competent_unit_id) == (
        que_vo.unit_id, bac_giang.unit_id)
    assert dossier.dossier_code.startswith(f"TAM-{que_vo.agency_code}-")  # where it was handed in


def test_a_commune_of_another_province_is_refused(identity, dossiers, procedure):
    dong_hoi, bac_giang = unit(identity, DONG_HOI_QUANG_TRI), unit(identity, BAC_GIANG)

    with pytest.raises(grpc.RpcError) as refused:
        submit(dossiers, procedure, dong_hoi.unit_id, bac_giang.unit_id,
               f"e2e-demo-{uuid.uuid4().hex[:8]}")

    assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert error_details(refused.value)["reason"] == "BOUNDARY_OUTSIDE_PROVINCE"
    assert "Phường Đồng Hới" in refused.value.details()


def test_a_merger_of_two_real_communes_moves_their_open_dossiers(identity, dossiers, procedure):
    bac_ninh = unit(identity, BAC_NINH)
    # Two communes of Bắc Ninh this platform has not merged yet (a kind cluster
    # may keep its data between runs): the last two, far from those above.
    communes = identity.ListUnits(identity_pb.ListUnitsRequest(
        province_unit_id=bac_ninh.unit_id, level=identity_pb.UNIT_LEVEL_COMMUNE,
        status=identity_pb.UNIT_STATUS_ACTIVE, page_size=1000), timeout=TIMEOUT).units
    source, successor = communes[-1], communes[-2]
    run = f"e2e-demo-{uuid.uuid4().hex[:8]}"
    open_dossier = submit(dossiers, procedure, source.unit_id, source.unit_id, run)
    step(dossiers, "receive", open_dossier.dossier_id, run)

    identity.MergeUnits(identity_pb.MergeUnitsRequest(
        request_id=f"{run}-merge", source_unit_ids=[source.unit_id],
        successor_unit_id=successor.unit_id,
        reason=f"e2e: {source.display_name} is merged into {successor.display_name}"),
        timeout=TIMEOUT)

    moved = eventually(lambda: (d := dossiers.dossiers.GetDossier(pb.GetDossierRequest(
        dossier_id=open_dossier.dossier_id), timeout=TIMEOUT)).holder_unit_id
        == successor.unit_id and d, f"the open dossier moved to {successor.display_name}")
    assert moved.receiving_unit_id == moved.competent_unit_id == successor.unit_id
    assert moved.status == pb.DOSSIER_STATUS_RECEIVED
    assert moved.dossier_code == open_dossier.dossier_code  # a dossier keeps its code
    # The old code now resolves to the commune that carries it on.
    resolved = identity.ResolveUnit(identity_pb.ResolveUnitRequest(
        code=source.administrative_unit_code), timeout=TIMEOUT)
    assert resolved.default_unit_id == successor.unit_id
    # New submissions addressed to the merged commune go to its successor.
    again = submit(dossiers, procedure, source.unit_id, source.unit_id, f"{run}-after")
    assert again.receiving_unit_id == successor.unit_id
    assert again.dossier_code.startswith(f"TAM-{successor.agency_code}-")
