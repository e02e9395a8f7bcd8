"""`lienthong dossiers` against served dossiers and identity services: an operator's day.

Both services run in-process on real sockets; the CLI runs in-process too
(CliRunner) and reaches them over gRPC at the addresses its environment
variables give, as it would reach a deployed platform. Dossiers learns its
units as identity's consumer would (KnownUnit aggregates under identity's
ids), so a unit given by its administrative-unit code resolves through
identity to a unit dossiers knows.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest
from typer.testing import CliRunner

from lienthong.services.dossiers.api import add_to_server as add_dossiers
from lienthong.services.dossiers.application import DossiersApplication
from lienthong.services.dossiers.domain.units import KnownUnit
from lienthong.services.identity.api import add_to_server as add_identity
from lienthong.services.identity.application import IdentityApplication, NewUnitSpec
from lienthong.testing.grpc_server import ServerThread
from lienthong.testing.logs import json_logs
from lienthong.tools.cli.main import app as lienthong_app
from lienthong.vietnam import today_in_vietnam

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from typer.testing import Result

BIRTH = "1.001193"
#: Born 1990 in Hà Nội (001), male.
PIN = "001090012345"
ACTOR = ("--actor", "cb.nguyen", "--actor-agency-code", "000.00.12.H26")


@dataclass(frozen=True)
class Platform:
    """The two services' addresses and the units both know."""

    dossiers: str
    identity: str
    province: str  # Thành phố Hà Nội, 01
    ba_dinh: str  # Phường Ba Đình, 00004, agency code 000.00.12.H26
    hoan_kiem: str  # Phường Hoàn Kiếm, 00070, agency code 000.00.13.H26

    def run(self, *args: str, **env: str) -> Result:
        """``lienthong dossiers <args>`` with the services' addresses in its environment."""
        result = CliRunner().invoke(lienthong_app, ["dossiers", *args], env={
            "LIENTHONG_DOSSIERS_ADDRESS": self.dossiers,
            "LIENTHONG_IDENTITY_ADDRESS": self.identity,
            "LIENTHONG_ACTOR": None, "LIENTHONG_ACTOR_AGENCY_CODE": None,
            "COLUMNS": "200", **env})
        return result

    def ok(self, *args: str, **env: str) -> Result:
        result = self.run(*args, **env)
        assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
        return result

    def json(self, *args: str, **env: str) -> dict[str, Any]:
        return json.loads(self.ok(*args, "--json", **env).stdout)


def register(identity: IdentityApplication, dossiers: DossiersApplication,
             spec: NewUnitSpec) -> str:
    """A unit registered with identity and learned by dossiers under the same id."""
    unit_id = identity.register_unit(spec, request_id=f"reg-{spec.administrative_unit_code}")
    unit = identity.get_unit(str(unit_id))
    dossiers.save(KnownUnit(
        id=unit.unit_id, display_name=unit.display_name, level=str(unit.level.value),
        kind=str(unit.kind.value), administrative_unit_code=unit.administrative_unit_code,
        agency_code=unit.agency_code, parent_id=unit.parent_id, province_id=unit.province_id))
    return str(unit_id)


@pytest.fixture
def platform(tmp_path: Path) -> Iterator[Platform]:
    identity = IdentityApplication()
    dossiers = DossiersApplication(f"sqlite:///{tmp_path / 'dossiers.db'}")
    # Real 2025 administrative-unit codes (QĐ 19/2025); agency codes made up in their form.
    province = register(identity, dossiers, NewUnitSpec(
        display_name="Thành phố Hà Nội", kind="municipality", level="province",
        administrative_unit_code="01", agency_code="000.00.00.H26"))
    ba_dinh = register(identity, dossiers, NewUnitSpec(
        display_name="Phường Ba Đình", kind="ward", level="commune",
        administrative_unit_code="00004", agency_code="000.00.12.H26", parent_id=province))
    hoan_kiem = register(identity, dossiers, NewUnitSpec(
        display_name="Phường Hoàn Kiếm", kind="ward", level="commune",
        administrative_unit_code="00070", agency_code="000.00.13.H26", parent_id=province))
    # The servers' logs go to memory: in-process, they would land in the CLI's stdout.
    try:
        with json_logs("dossiers"), \
                ServerThread(lambda server: add_identity(identity, server)) as identity_server, \
                ServerThread(lambda server: add_dossiers(dossiers, server)) as dossiers_server:
            yield Platform(dossiers_server.address, identity_server.address, province,
                           ba_dinh, hoan_kiem)
    finally:
        dossiers.close()
        identity.close()


def create_birth_registration(platform: Platform) -> dict[str, Any]:
    return platform.json(
        "procedure", "create", BIRTH, "--name", "Đăng ký khai sinh", "--sector", "Hộ tịch",
        "--competent-level", "commune", "--processing-working-days", "10",
        "--boundary-policy", "anywhere_in_country", "--result-document-type", "Giấy khai sinh",
        "--required-document", "Tờ khai đăng ký khai sinh", "--request-id", "tt-1",
        "--reason", "QĐ 1085/QĐ-BTP", *ACTOR)


def submit(platform: Platform, *extra: str, unit: str = "") -> Result:
    return platform.run(
        "submit", "--procedure", BIRTH, "--receiving-unit", unit or platform.ba_dinh,
        "--applicant-name", "Nguyễn Văn An", "--applicant-id", PIN,
        "--applicant-phone", "0912345678", "--document", "Tờ khai đăng ký khai sinh", *extra)


def test_a_dossier_from_submission_to_result(platform: Platform) -> None:
    procedure = create_birth_registration(platform)
    assert procedure["current_version"]["version"] == 1
    today = today_in_vietnam()
    assert procedure["current_version"]["effective_date"] == {
        "year": today.year, "month": today.month, "day": today.day}

    submitted = json.loads(submit(platform, "--request-id", "nop-1", "--reason",
                                  "Nộp tại quầy", "--json", *ACTOR).stdout)
    assert submitted["status"] == "DOSSIER_STATUS_NEW"
    assert submitted["dossier_code"].startswith("000.00.12.H26-")  # the desk numbers it
    assert submitted["receiving_unit_id"] == submitted["competent_unit_id"] == platform.ba_dinh
    d = submitted["dossier_id"]
    steps = [
        ("receive", d, "--request-id", "nhan-1", "--reason", "Đủ giấy tờ"),
        ("assign", d, "--handler", "cb.tran", "--reason", "Phân công"),
        ("approve", d, "--result", "Giấy khai sinh", "--reason", "Đủ điều kiện"),
        ("return-result", d, "--reason", "Trả tại quầy"),
    ]
    statuses = [platform.json(*step, "--actor", f"cb.{n}", "--actor-agency-code",
                              "000.00.12.H26")["status"] for n, step in enumerate(steps)]
    assert statuses == ["DOSSIER_STATUS_RECEIVED", "DOSSIER_STATUS_PROCESSING",
                        "DOSSIER_STATUS_PROCESSED", "DOSSIER_STATUS_RESULT_RETURNED"]

    dossier = platform.json("get", d)
    assert dossier["status"] == "DOSSIER_STATUS_RESULT_RETURNED"
    assert dossier["result_documents"] == ["Giấy khai sinh"]
    assert [(h["unit_id"], h["handler"]) for h in dossier["hops"]] == [
        (platform.ba_dinh, "cb.tran")]
    assert dossier["due_date"] and dossier.get("overdue", False) is False
    shown = platform.ok("get", d).stdout
    assert "RESULT_RETURNED (10)" in shown
    assert submitted["dossier_code"] in shown and "cb.tran" in shown

    returned = platform.json("list", "--status", "result_returned")
    assert ([x["dossier_id"] for x in returned["dossiers"]], returned["total_size"]) == ([d], 1)
    assert platform.json("list", "--status", "NEW").get("dossiers", []) == []

    history = platform.json("history", d)["entries"]
    assert [(e["event_type"], e["actor"], e.get("reason", ""), e["status_after"])
            for e in history] == [
        ("Submitted", "cb.nguyen", "Nộp tại quầy", "DOSSIER_STATUS_NEW"),
        ("Received", "cb.0", "Đủ giấy tờ", "DOSSIER_STATUS_RECEIVED"),
        ("Assigned", "cb.1", "Phân công", "DOSSIER_STATUS_PROCESSING"),
        ("Approved", "cb.2", "Đủ điều kiện", "DOSSIER_STATUS_PROCESSED"),
        ("ResultReturned", "cb.3", "Trả tại quầy", "DOSSIER_STATUS_RESULT_RETURNED")]
    assert {e["actor_agency_code"] for e in history} == {"000.00.12.H26"}
    assert [e["request_id"] for e in history[:2]] == ["nop-1", "nhan-1"]
    table = platform.ok("history", d).stdout
    for text in ("Submitted", "ResultReturned", "cb.nguyen", "cb.3", "Trả tại quầy"):
        assert text in table
    statistics = {s["unit_id"]: s for s in platform.json("statistics", "01")["unit_statistics"]}
    assert list(statistics) == [platform.province, platform.ba_dinh, platform.hoan_kiem]
    assert (statistics[platform.ba_dinh]["received"],
            statistics[platform.ba_dinh]["on_time_rate"]) == (1, 1.0)

    # A retry of the submission (its answer lost, say) is the same dossier, not a second one.
    again = json.loads(submit(platform, "--request-id", "nop-1", "--reason", "Nộp tại quầy",
                              "--json", *ACTOR).stdout)
    assert (again["dossier_id"], again["dossier_code"]) == (d, submitted["dossier_code"])
    assert platform.json("list")["total_size"] == 1


def test_the_printed_request_id_retries_the_same_command(platform: Platform) -> None:
    create_birth_registration(platform)

    first = submit(platform)
    assert first.exit_code == 0, first.stderr
    printed = first.stdout.split("request id ")[1].split()[0]
    uuid.UUID(printed)
    again = submit(platform, "--request-id", printed, "--json")

    assert json.loads(again.stdout)["dossier_code"] in first.stdout
    assert platform.json("list")["total_size"] == 1
    assert f"request id {printed}" in again.stderr  # stdout is the one JSON object


def test_an_actor_from_the_environment_is_recorded(platform: Platform) -> None:
    create_birth_registration(platform)
    d = json.loads(submit(platform, "--json").stdout)["dossier_id"]

    platform.ok("receive", d, LIENTHONG_ACTOR="cb.le", LIENTHONG_ACTOR_AGENCY_CODE="000.00.12.H26")
    platform.ok("withdraw", d, "--reason", "Công dân rút")

    history = platform.json("history", d)["entries"]
    assert [(e["actor"], e.get("actor_agency_code", "")) for e in history] == [
        ("anonymous", ""), ("cb.le", "000.00.12.H26"), ("anonymous", "")]


def test_a_refused_value_exits_1_naming_the_field(platform: Platform) -> None:
    create_birth_registration(platform)

    result = submit(platform, "--applicant-id", "12345")

    assert result.exit_code == 1
    assert "INVALID_ARGUMENT" in result.stderr
    assert "applicant.personal_identification_number: PIN_FORMAT" in result.stderr
    assert platform.json("list").get("total_size", 0) == 0


def test_an_illegal_step_exits_1_with_the_reason_and_the_status(platform: Platform) -> None:
    create_birth_registration(platform)
    d = json.loads(submit(platform, "--json").stdout)["dossier_id"]

    result = platform.run("approve", d, "--result", "Giấy khai sinh")

    assert result.exit_code == 1
    assert "FAILED_PRECONDITION ILLEGAL_TRANSITION" in result.stderr
    assert "status = NEW" in result.stderr


def test_a_unit_given_by_its_administrative_code_is_identitys_unit(
        platform: Platform) -> None:
    create_birth_registration(platform)

    result = submit(platform, "--competent-unit", "00070", "--json", unit="00004")

    assert result.exit_code == 0, result.stderr
    dossier = json.loads(result.stdout)
    assert (dossier["receiving_unit_id"], dossier["competent_unit_id"]) == (
        platform.ba_dinh, platform.hoan_kiem)
    assert dossier["dossier_code"].startswith("000.00.12.H26-")
    assert f"--receiving-unit 00004: Phường Ba Đình ({platform.ba_dinh})" in result.stderr
    held = platform.json("list", "--unit", "00004")
    assert [x["dossier_id"] for x in held["dossiers"]] == [dossier["dossier_id"]]

    unknown = submit(platform, unit="99999")
    assert unknown.exit_code == 1
    assert "NOT_FOUND" in unknown.stderr


def test_supplement_fee_transfer_and_stop(platform: Platform) -> None:
    create_birth_registration(platform)
    d = json.loads(submit(platform, "--json").stdout)["dossier_id"]
    for step in (("receive", d), ("assign", d, "--handler", "cb.tran"),
                 ("request-supplement", d, "--missing", "Giấy chứng sinh"),
                 ("supplement", d, "--document", "Giấy chứng sinh"),
                 ("require-fee", d, "--amount-vnd", "8000"), ("pay-fee", d),
                 ("pause", d, "--reason", "Chờ xác minh"), ("resume", d)):
        platform.ok(*step)
    shown = platform.ok("get", d).stdout
    assert "clock stops" in shown
    assert "supplement" in shown and "financial_obligation" in shown
    later = today_in_vietnam() + dt.timedelta(days=365)
    extended = platform.json("extend", d, "--new-due-date", later.isoformat(),
                             "--apology-slip", "Phiếu xin lỗi số 01")
    assert extended["due_date"] == {"year": later.year, "month": later.month, "day": later.day}

    moved = platform.json("transfer", d, "--to", "00070", "--deadline-working-days", "3")
    assert moved["holder_unit_id"] == platform.hoan_kiem
    assert [h["deadline_working_days"] for h in moved["hops"]] == [10, 3]
    stopped = platform.json("stop", d, "--reason", "Công dân không bổ sung")
    assert stopped["status"] == "DOSSIER_STATUS_STOPPED"
    assert platform.run("stop", d).exit_code == 2  # --reason is required


def test_lists_follow_every_page_and_procedures_read_back(platform: Platform) -> None:
    create_birth_registration(platform)
    ids = [json.loads(submit(platform, "--json").stdout)["dossier_id"] for _ in range(3)]

    first = platform.json("list", "--page-size", "2")
    every = platform.json("list", "--page-size", "1", "--all")
    table = platform.ok("list", "--page-size", "2").stdout

    assert [x["dossier_id"] for x in first["dossiers"]] == ids[:2] and first["next_page_token"]
    assert [x["dossier_id"] for x in every["dossiers"]] == ids
    assert "next_page_token" not in every and every["total_size"] == 3
    assert "2 of 3 dossier(s)" in table and "more: --page-token" in table
    procedure = platform.json("procedure", "get", BIRTH)
    assert procedure["current_version"]["name"] == "Đăng ký khai sinh"
    listed = platform.json("procedure", "list", "--competent-level", "commune", "--all")
    assert [p["procedure_code"] for p in listed["procedures"]] == [BIRTH]
    assert "Đăng ký khai sinh" in platform.ok("procedure", "list").stdout

    tomorrow = today_in_vietnam() + dt.timedelta(days=1)
    versioned = platform.json(
        "procedure", "add-version", BIRTH, "--effective-date", tomorrow.isoformat(),
        "--name", "Đăng ký khai sinh", "--sector", "Hộ tịch", "--competent-level", "commune",
        "--processing-working-days", "5", "--boundary-policy", "anywhere_in_province",
        "--result-document-type", "Giấy khai sinh", "--reason", "Rút ngắn thời hạn")
    assert [v["processing_working_days"] for v in versioned["versions"]] == [10, 5]
    assert versioned["current_version"]["version"] == 1  # version 2 is in force tomorrow


@pytest.mark.parametrize(("args", "option"), [
    (("list", "--page-size", "0"), "--page-size"),
    (("list", "--page-size", "1001"), "--page-size"),
    (("require-fee", "x", "--amount-vnd", "0"), "--amount-vnd"),
    (("transfer", "x", "--to", "00070", "--deadline-working-days", "0"),
     "--deadline-working-days"),
    (("list", "--submitted-from", "2026-13-01"), "--submitted-from"),
    (("procedure", "list", "--page-size", "0"), "--page-size"),
    (("procedure", "create", BIRTH, "--name", "x", "--sector", "x", "--competent-level",
      "commune", "--processing-working-days", "0", "--boundary-policy", "anywhere_in_country",
      "--result-document-type", "x"), "--processing-working-days"),
    (("procedure", "create", BIRTH, "--name", "x", "--sector", "x", "--competent-level",
      "district", "--processing-working-days", "1", "--boundary-policy",
      "anywhere_in_country", "--result-document-type", "x"), "--competent-level"),
])
def test_bad_option_values_are_refused_before_any_call(platform: Platform, args: tuple[str, ...],
                                                       option: str) -> None:
    result = platform.run(*args)

    assert result.exit_code == 2
    assert option in result.output


def test_a_person_erased_shows_as_erased_and_a_second_erasure_destroys_nothing(
        platform: Platform) -> None:
    create_birth_registration(platform)
    d = json.loads(submit(platform, "--json").stdout)["dossier_id"]
    assert "Nguyễn Văn An, 001090012345" in platform.ok("get", d).stdout

    erased = platform.ok("erase-person", PIN, "--reason", "Đơn yêu cầu xóa số 12/2026", *ACTOR)
    assert "erased: the person's key was destroyed" in erased.stdout
    shown = platform.ok("get", d).stdout
    assert "[erased at the person's request]" in shown and PIN not in shown
    assert platform.json("get", d)["applicant"]["erased"] is True
    assert "[erased at the person's request]" in platform.ok("list").stdout

    again = platform.json("erase-person", PIN, "--reason", "Nhắc lại")
    assert again.get("key_destroyed", False) is False
    refused = platform.run("erase-person", "12345", "--reason", "x")
    assert refused.exit_code == 1
    assert "personal_identification_number: PIN_FORMAT" in refused.stderr
    assert platform.run("erase-person", PIN).exit_code == 2  # --reason is required
