"""An operator applies a province's published agency codes with the CLI, over gRPC.

A real identity server on a socket holds Tỉnh Bắc Ninh and some of its
communes as the reorganisation left them, without codes; the sample list of
docs/samples is applied, then applied again, then a list with mistakes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from typer.testing import CliRunner

from lienthong.logging import configure_logging
from lienthong.services.identity.api import add_to_server
from lienthong.services.identity.application import IdentityApplication, NewUnitSpec
from lienthong.testing.grpc_server import ServerThread
from lienthong.tools.cli.main import app as cli

if TYPE_CHECKING:
    from collections.abc import Iterator

SAMPLE = Path(__file__).parents[4] / "docs" / "samples" / "agency-codes-bac-ninh.csv"
HEADER = "administrative_unit_code,unit_name,agency_code,decision_number,decision_date\n"


@pytest.fixture
def identity() -> Iterator[tuple[IdentityApplication, str]]:
    configure_logging("identity", level="warning")  # on stderr, apart from the CLI's JSON
    app = IdentityApplication()
    bac_ninh = app.register_unit(NewUnitSpec("Tỉnh Bắc Ninh", "province",
                                             administrative_unit_code="24"))
    for name, code in (("Phường Quế Võ", "09247"), ("Phường Bắc Giang", "07210"),
                       ("Phường Đa Mai", "07228"), ("Xã Xuân Lương", "07246"),
                       ("Xã Tam Tiến", "07264")):
        app.register_unit(NewUnitSpec(name, "ward" if name.startswith("Phường") else "commune",
                                      administrative_unit_code=code, parent_id=str(bac_ninh)))
    lao_cai = app.register_unit(NewUnitSpec("Tỉnh Lào Cai", "province",
                                            administrative_unit_code="15"))
    phu_tho = app.register_unit(NewUnitSpec("Tỉnh Phú Thọ", "province",
                                            administrative_unit_code="25"))
    for parent, code in ((lao_cai, "02782"), (phu_tho, "04876")):
        app.register_unit(NewUnitSpec("Xã Cao Sơn", "commune", administrative_unit_code=code,
                                      parent_id=str(parent)))
    with ServerThread(lambda server: add_to_server(app, server)) as running:
        yield app, running.address


def run(address: str, path: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    result = CliRunner().invoke(cli, ["identity", "import-agency-codes", str(path),
                                      "--address", address, "--json", *extra])
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.stdout)


def outcomes(report: dict[str, Any]) -> dict[int, tuple[str, str]]:
    return {r["line"]: (r["outcome"], r["reason"]) for r in report["rows"]}


def test_the_sample_list_is_applied_once_and_then_changes_nothing(
        identity: tuple[IdentityApplication, str]) -> None:
    app, address = identity

    code, first = run(address, SAMPLE)
    events_after_first = app.recorder.max_notification_id()
    again, second = run(address, SAMPLE)

    assert (code, first["counts"]) == (0, {"applied": 5, "unchanged": 0, "refused": 0})
    assert (again, second["counts"]) == (0, {"applied": 0, "unchanged": 5, "refused": 0})
    assert app.recorder.max_notification_id() == events_after_first
    que_vo = app.resolve_unit("000.00.31.H24").named
    assert (que_vo.display_name, que_vo.agency_code_provisional) == ("Phường Quế Võ", False)
    [holding] = que_vo.agency_codes
    assert holding.decision_number == "01/QĐ-MẪU"
    da_mai = next(r for r in first["rows"] if r["unit_name"] == "Phường Đa Mai")
    assert da_mai["administrative_unit_code"] == "07228"  # found by its name


def test_a_list_with_mistakes_applies_what_it_can_and_names_each_refusal(
        identity: tuple[IdentityApplication, str], tmp_path: Path) -> None:
    _, address = identity
    run(address, SAMPLE)
    path = tmp_path / "mistakes.csv"
    path.write_text(HEADER + "\n".join([
        "07264,Xã Tam Tiến,000.00.04.H24,2/QĐ,2025-07-02",       # 2: applied
        "07264,,000.00.05.H24,2/QĐ,2025-07-02",                  # 3: same unit twice
        "07210,Xã Xuân Lương,000.00.06.H24,2/QĐ,2025-07-02",     # 4: code and name disagree
        ",Xã Cao Sơn,000.00.07.H24,2/QĐ,2025-07-02",             # 5: two provinces have one
        ",Xã Không Có,000.00.08.H24,2/QĐ,2025-07-02",            # 6: no such unit
        "07246,,000.00.31.H24,2/QĐ,2025-07-02",                  # 7: Quế Võ holds that code
        "07228,,000.00.09.H25,2/QĐ,2025-07-02",                  # 8: another province's
        "07228,,000.00.09.h25,2/QĐ,2025-07-02",                  # 9: not a code
    ]) + "\n", encoding="utf-8")

    code, report = run(address, path)

    assert code == 1
    assert outcomes(report) == {
        2: ("applied", ""), 3: ("refused", "DUPLICATE_IN_FILE"),
        4: ("refused", "UNIT_NAME_MISMATCH"), 5: ("refused", "UNIT_NAME_AMBIGUOUS"),
        6: ("refused", "UNIT_NOT_FOUND"), 7: ("refused", "AGENCY_CODE_IN_USE"),
        8: ("refused", "AGENCY_CODE_OUTSIDE_PROVINCE"), 9: ("refused", "AGENCY_CODE_FORMAT")}
    assert report["counts"] == {"applied": 1, "unchanged": 0, "refused": 7}


def test_a_name_is_looked_up_within_the_province_given(
        identity: tuple[IdentityApplication, str], tmp_path: Path) -> None:
    app, address = identity
    path = tmp_path / "phu-tho.csv"
    path.write_text(HEADER + "25,,000.00.00.H25,3/QĐ,2025-07-01\n"
                    ",Xã Cao Sơn,000.00.10.H25,3/QĐ,2025-07-01\n", encoding="utf-8")

    code, report = run(address, path, "--province", "25")

    assert (code, report["counts"]["applied"]) == (0, 2)
    assert app.resolve_unit("000.00.10.H25").named.administrative_unit_code == "04876"


def test_a_file_that_is_not_utf8_applies_nothing(identity: tuple[IdentityApplication, str],
                                                 tmp_path: Path) -> None:
    app, address = identity
    path = tmp_path / "latin1.csv"
    path.write_bytes(HEADER.encode() + b"09247,Ph\xf9\xf5ng Qu\xea V\xf5,000.00.31.H24,1,"
                     b"2025-06-30\n")
    before = app.recorder.max_notification_id()

    result = CliRunner().invoke(cli, ["identity", "import-agency-codes", str(path),
                                      "--address", address])

    assert result.exit_code == 2
    assert "line 2 is not UTF-8" in " ".join(result.output.split())
    assert app.recorder.max_notification_id() == before


def test_an_older_list_applied_again_does_not_pass_for_applied(
        identity: tuple[IdentityApplication, str], tmp_path: Path) -> None:
    app, address = identity
    first, later = tmp_path / "first.csv", tmp_path / "later.csv"
    first.write_text(HEADER + "24,,000.00.00.H24,1/QĐ,2025-07-01\n"
                     "09247,,000.00.31.H24,1/QĐ,2025-07-01\n", encoding="utf-8")
    later.write_text(HEADER + "09247,,000.00.32.H24,9/QĐ,2025-09-01\n", encoding="utf-8")
    run(address, first)
    run(address, later)

    code, report = run(address, first)

    assert code == 1
    assert outcomes(report)[3] == ("refused", "REPLACED_SINCE")
    assert app.resolve_unit("09247").named.agency_code == "000.00.32.H24"


def test_a_list_for_one_province_applies_to_no_other(
        identity: tuple[IdentityApplication, str], tmp_path: Path) -> None:
    app, address = identity
    path = tmp_path / "bac-ninh.csv"
    path.write_text(HEADER + "24,,000.00.00.H24,1/QĐ,2025-07-01\n"
                    "04876,,000.00.10.H24,1/QĐ,2025-07-01\n", encoding="utf-8")

    code, report = run(address, path, "--province", "24")

    assert code == 1
    assert outcomes(report)[3] == ("refused", "UNIT_OUTSIDE_PROVINCE")
    assert app.resolve_unit("04876").named.agency_code == ""


def test_the_text_report_shows_what_the_file_says_as_it_is(
        identity: tuple[IdentityApplication, str], tmp_path: Path) -> None:
    _, address = identity
    path = tmp_path / "markup.csv"
    path.write_text(HEADER + ",[/b] Xã [red]Lạ,000.00.08.H24,1/QĐ,2025-07-01\n",
                    encoding="utf-8")

    result = CliRunner().invoke(cli, ["identity", "import-agency-codes", str(path),
                                      "--address", address])

    assert result.exit_code == 1, result.output
    assert "[/b] Xã [red]Lạ" in result.stdout
    assert "UNIT_NOT_FOUND" in result.stdout
