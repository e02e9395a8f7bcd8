"""`lienthong audit` against a served identity log: the commands an auditor types.

The CLI runs as a process of its own and reaches the service over gRPC at
--address, as it would reach a deployed one.
"""

from __future__ import annotations

import json
import subprocess
import sys
from html.parser import HTMLParser
from typing import TYPE_CHECKING

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from lienthong.audit.checkpointer import Checkpointer
from lienthong.audit.checkpoints import public_pem
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
    return subprocess.run([sys.executable, "-m", "lienthong.tools.cli.main", "audit", *args,
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
    # The log as the export began; its own record (a HistoryRead) follows.
    assert [r["notification_id"] for r in records] == list(
        range(1, app.recorder.max_notification_id()))
    assert {r["metadata"]["request_id"] for r in records
            if r["aggregate_id"] == str(unit_id)} == {"reg-02", "rename-02"}
    assert f"{len(records)} event(s) exported" in result.stderr


class Page(HTMLParser):
    """The Inclusion cell of each timeline row, and the checkpoint's signature line."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.inclusion: list[str] = []
        self.signature = ""
        self._cells: list[str] | None = None
        self._in: str = ""
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr" and ("class", "event") in attrs:
            self._cells = []
        elif tag == "td" and self._cells is not None:
            self._cells.append("")
            self._in = "td"
        elif tag == "span" and ("id", "signature") in attrs:
            self._in = "signature"

    def handle_endtag(self, tag: str) -> None:
        if tag == "tr" and self._cells is not None:
            self.inclusion.append(" ".join(self._cells[-1].split()))
            self._cells = None
        if tag in ("td", "span"):
            self._in = ""

    def handle_data(self, data: str) -> None:
        if self._in == "td" and self._cells is not None:
            self._cells[-1] += data
        elif self._in == "signature":
            self.signature += data


def test_report_writes_a_page_with_proofs_against_the_signed_checkpoint(
        address: str, unit_id: uuid.UUID, app: IdentityApplication, tmp_path: Path) -> None:
    key = Ed25519PrivateKey.generate()
    (tmp_path / "audit.pub").write_bytes(public_pem(key.public_key()))
    (tmp_path / "other.pub").write_bytes(public_pem(Ed25519PrivateKey.generate().public_key()))
    checkpointer = Checkpointer(app, service="identity", signing_key=key,
                                every_events=10**9, every_s=10**9)
    checkpointer.catch_up()
    checkpointer.checkpoint()
    page = tmp_path / "unit.html"

    # The signer's keys over time: an old one that did not sign this checkpoint, and the current.
    result = lienthong(address, "report", str(unit_id), "--output", str(page),
                       "--public-key", str(tmp_path / "other.pub"),
                       "--public-key", str(tmp_path / "audit.pub"))

    assert result.returncode == 0, result.stderr
    assert "2 inclusion proof(s) verified against the signed checkpoint" in result.stderr
    html = page.read_text()
    parsed = Page(html)
    assert parsed.inclusion == ["leaf 0 of 5 ✓ signed", "leaf 3 of 5 ✓ signed"]
    assert parsed.signature.startswith("signature verified")
    assert "Tỉnh Hà Giang (cũ)" in html


def test_a_report_with_a_key_that_did_not_sign_shows_the_failure(
        address: str, unit_id: uuid.UUID, app: IdentityApplication, tmp_path: Path) -> None:
    checkpointer = Checkpointer(app, service="identity", signing_key=Ed25519PrivateKey.generate(),
                                every_events=10**9, every_s=10**9)
    checkpointer.catch_up()
    checkpointer.checkpoint()
    (tmp_path / "other.pub").write_bytes(public_pem(Ed25519PrivateKey.generate().public_key()))
    page = tmp_path / "unit.html"

    result = lienthong(address, "report", str(unit_id), "--output", str(page),
                       "--public-key", str(tmp_path / "other.pub"))

    assert result.returncode == 1
    assert "checkpoint signature FAILED" in result.stderr
    html = page.read_text()
    parsed = Page(html)
    assert "✓" not in html
    assert parsed.signature.startswith("✗ the signature of the checkpoint of 5 events does not")
    assert len(parsed.inclusion) == 2
    assert all(cell.startswith("✗") and "does not verify" in cell for cell in parsed.inclusion)


def test_a_report_without_a_key_says_the_signature_was_not_checked(
        address: str, unit_id: uuid.UUID, app: IdentityApplication, tmp_path: Path) -> None:
    checkpointer = Checkpointer(app, service="identity", signing_key=Ed25519PrivateKey.generate(),
                                every_events=10**9, every_s=10**9)
    checkpointer.catch_up()
    checkpointer.checkpoint()
    page = tmp_path / "unit.html"

    result = lienthong(address, "report", str(unit_id), "--output", str(page))

    assert result.returncode == 0, result.stderr
    assert "2 inclusion proof(s) verified:" in result.stderr
    assert "signature was not checked" in result.stderr
    parsed = Page(page.read_text())
    assert parsed.inclusion == [
        f"leaf {i} of 5 ✓ (root from the service; signature not checked)" for i in (0, 3)]
    assert " ".join(parsed.signature.split()) == "root from the service; signature not checked"
