"""`lienthong audit` against a served identity log: the commands an auditor types.

The CLI runs as a process of its own and reaches the service over gRPC at
--address, as it would reach a deployed one.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import TYPE_CHECKING

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from lienthong.audit.checkpointer import Checkpointer
from lienthong.services.identity.api import add_to_server
from lienthong.services.identity.application import IdentityApplication, NewUnitSpec
from lienthong.testing.grpc_server import ServerThread

if TYPE_CHECKING:
    import uuid
    from collections.abc import Iterator
    from pathlib import Path


@pytest.fixture
def app(tmp_path: Path) -> Iterator[IdentityApplication]:
    application = IdentityApplication(f"sqlite:///{tmp_path / 'identity.db'}")
    yield application
    application.close()


@pytest.fixture
def address(app: IdentityApplication) -> Iterator[str]:
    with ServerThread(lambda server: add_to_server(app, server)) as running:
        yield running.address


@pytest.fixture
def unit_id(app: IdentityApplication) -> uuid.UUID:
    unit_id = app.register_unit(NewUnitSpec(display_name="Tỉnh Hà Giang", kind="province",
                                            level="province", administrative_unit_code="02"),
                                request_id="reg-02", reason="QĐ 124/2004")
    app.rename_unit(str(unit_id), "Tỉnh Hà Giang (cũ)", request_id="rename-02",
                    reason="NQ 202/2025/QH15")
    return unit_id


def lienthong(address: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "lienthong.cli.main", "audit", *args,
                           "--service", "identity", "--address", address],
                          capture_output=True, text=True, timeout=120, check=False)


def test_history_and_state_as_json(address: str, unit_id: uuid.UUID) -> None:
    shown = lienthong(address, "history", str(unit_id), "--json")
    first = lienthong(address, "state", str(unit_id), "--version", "1", "--json")

    assert shown.returncode == 0, shown.stderr
    events = json.loads(shown.stdout)
    assert [(e["version"], e["event_type"], e["metadata"]["reason"]) for e in events] == [
        (1, "Registered", "QĐ 124/2004"), (2, "Renamed", "NQ 202/2025/QH15")]
    assert first.returncode == 0, first.stderr
    state = json.loads(first.stdout)
    assert (state["version"], state["latest_version"]) == (1, 2)
    assert state["state"]["display_name"] == "Tỉnh Hà Giang"


def test_a_refused_request_prints_the_field_and_the_rule(address: str) -> None:
    result = lienthong(address, "history", "not-an-id")

    assert result.returncode == 1
    assert "INVALID_ARGUMENT" in result.stderr
    assert "aggregate_id: UUID_FORMAT" in result.stderr


def test_export_writes_one_json_line_per_event(address: str, unit_id: uuid.UUID,
                                               app: IdentityApplication, tmp_path: Path) -> None:
    output = tmp_path / "identity.jsonl"

    result = lienthong(address, "export", "--output", str(output))

    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in output.read_text().splitlines()]
    assert [r["notification_id"] for r in records] == list(
        range(1, app.recorder.max_notification_id() + 1))
    assert {r["metadata"]["request_id"] for r in records
            if r["aggregate_id"] == str(unit_id)} == {"reg-02", "rename-02"}
    assert f"{len(records)} event(s) exported" in result.stderr


def test_report_writes_a_page_with_verified_proofs(address: str, unit_id: uuid.UUID,
                                                   app: IdentityApplication,
                                                   tmp_path: Path) -> None:
    checkpointer = Checkpointer(app, service="identity", signing_key=Ed25519PrivateKey.generate(),
                                every_events=10**9, every_s=10**9)
    checkpointer.catch_up()
    checkpointer.checkpoint()
    page = tmp_path / "unit.html"

    result = lienthong(address, "report", str(unit_id), "--output", str(page))

    assert result.returncode == 0, result.stderr
    assert "2 inclusion proof(s) verified" in result.stderr
    html = page.read_text()
    assert html.count("✓") == 2
    assert "Tỉnh Hà Giang (cũ)" in html
