"""An auditor replays what happened to a unit and to a procedure, through gRPC only.

A clerk registers an agency in identity and renames it, and creates a
procedure in the dossiers catalogue; the auditor then reads the agency's
history with who, for whom and why, rebuilds it as it was at version 1,
exports identity's log to JSON Lines, finds the procedure in dossiers' log,
and writes the agency's timeline as an HTML report, with the `lienthong
audit` commands where an auditor would type them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from html.parser import HTMLParser

import grpc
import pytest
from google.type import date_pb2

from lienthong.audit import leaves, merkle
from lienthong.audit.checkpoints import load_private_key, public_pem
from lienthong.audit.v1 import audit_pb2 as pb
from lienthong.audit.v1 import audit_pb2_grpc as pb_grpc
from lienthong.dossiers.v1 import catalog_pb2 as catalog_pb
from lienthong.identity.v1 import identity_pb2 as identity_pb
from lienthong.tools.platform import AUDIT_SIGNING_KEY_FILE

pytestmark = pytest.mark.e2e

TIMEOUT = 10.0
#: How long a story waits for a signed checkpoint to cover its events (they come every 5 s).
CHECKPOINT_WAIT_S = 60.0
CLERK = (("x-actor-id", "clerk.nguyen"), ("x-actor-agency-code", "000.00.00.H62"))


def audit_cli(platform, service: str, *args: str) -> subprocess.CompletedProcess[str]:
    """`lienthong audit ...` as an auditor runs it: the local platform's run file, or
    --address and the auditor's client certificate (LIENTHONG_CLIENT_TLS_*)."""
    target = (["--data-dir", str(platform.data_dir)] if platform.data_dir is not None else
              ["--address", getattr(platform, f"{service}_address")])
    env = {**os.environ, **(platform.tls.client_env() if platform.tls else {})}
    return subprocess.run([sys.executable, "-m", "lienthong.tools.cli.main", "audit", *args,
                           "--service", service, *target],
                          capture_output=True, text=True, timeout=300, check=False, env=env)


@pytest.fixture(scope="module")
def identity_audit(platform):
    with platform.channel("identity") as channel:
        yield pb_grpc.AuditServiceStub(channel)


@pytest.fixture(scope="module")
def dossiers_audit(platform):
    with platform.channel("dossiers") as channel:
        yield pb_grpc.AuditServiceStub(channel)


@pytest.fixture(scope="module")
def agency(identity):
    """An agency (no administrative-unit code, so no count of the country changes), renamed."""
    run = uuid.uuid4().hex[:8]
    registered = identity.RegisterUnit(identity_pb.RegisterUnitRequest(
        request_id=f"e2e-audit-{run}-register",
        display_name=f"Ban kiểm toán thử nghiệm {run} <script>alert(1)</script>",
        kind=identity_pb.UNIT_KIND_AGENCY, reason="e2e: audit"), timeout=TIMEOUT, metadata=CLERK)
    identity.RenameUnit(identity_pb.RenameUnitRequest(
        request_id=f"e2e-audit-{run}-rename", unit_id=registered.unit_id,
        display_name=f"Ban kiểm toán {run}", reason="QĐ 7/2026"), timeout=TIMEOUT,
        metadata=CLERK)
    return registered, run


def test_the_history_names_who_did_what_for_whom_and_why(identity_audit, agency):
    registered, run = agency

    reply = identity_audit.ListAggregateEvents(pb.ListAggregateEventsRequest(
        aggregate_id=registered.unit_id), timeout=TIMEOUT)

    assert reply.aggregate_type == "Unit"
    assert [(e.version, e.metadata.request_id, e.metadata.reason) for e in reply.events] == [
        (1, f"e2e-audit-{run}-register", "e2e: audit"), (2, f"e2e-audit-{run}-rename",
                                                          "QĐ 7/2026")]
    assert {(e.metadata.actor, e.metadata.actor_agency_code) for e in reply.events} == {
        ("clerk.nguyen", "000.00.00.H62")}
    assert all(e.metadata.trace_id for e in reply.events)
    assert reply.events[0].notification_id < reply.events[1].notification_id


def test_the_state_as_of_version_1_is_the_registered_agency(identity_audit, agency):
    registered, _ = agency

    then = identity_audit.GetAggregateState(pb.GetAggregateStateRequest(
        aggregate_id=registered.unit_id, version=1), timeout=TIMEOUT)
    now = identity_audit.GetAggregateState(pb.GetAggregateStateRequest(
        aggregate_id=registered.unit_id), timeout=TIMEOUT)

    assert (then.version, then.latest_version) == (1, 2)
    assert then.state["display_name"] == registered.display_name
    assert now.state["display_name"] != registered.display_name


def test_the_cli_shows_the_history_and_the_state_at_version_1(platform, agency):
    registered, run = agency

    history = audit_cli(platform, "identity", "history", registered.unit_id, "--json")
    state = audit_cli(platform, "identity", "state", registered.unit_id, "--version", "1",
                      "--json")

    assert history.returncode == 0, history.stderr
    assert [e["metadata"]["request_id"] for e in json.loads(history.stdout)] == [
        f"e2e-audit-{run}-register", f"e2e-audit-{run}-rename"]
    assert state.returncode == 0, state.stderr
    assert json.loads(state.stdout)["state"]["display_name"] == registered.display_name


def test_identity_log_exports_to_json_lines(platform, agency, tmp_path):
    registered, _ = agency
    output = tmp_path / "identity.jsonl"

    result = audit_cli(platform, "identity", "export", "--output", str(output))

    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    ids = [r["notification_id"] for r in records]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    mine = [r for r in records if r["aggregate_id"] == registered.unit_id]
    assert [(r["version"], r["event_type"]) for r in mine] == [(1, "Registered"),
                                                               (2, "Renamed")]
    assert "event(s) exported" in result.stderr


def test_dossiers_serves_its_own_log(platform, dossiers, dossiers_audit):
    code = f"9.{uuid.uuid4().int % 1_000_000:06d}"
    dossiers.catalog.CreateProcedure(catalog_pb.CreateProcedureRequest(
        request_id=f"e2e-audit-procedure-{code}", procedure_code=code,
        first_version=catalog_pb.ProcedureVersion(
            effective_date=date_pb2.Date(year=2025, month=7, day=1),
            name="Thủ tục kiểm toán (thử nghiệm)", sector="Thử nghiệm",
            competent_level=catalog_pb.COMPETENT_LEVEL_COMMUNE,
            competent_agency_kind="people's committee", processing_working_days=3,
            required_documents=[catalog_pb.RequiredDocument(name="Tờ khai")],
            result_document_type="Giấy xác nhận",
            boundary_policy=catalog_pb.BOUNDARY_POLICY_ANYWHERE_IN_PROVINCE),
        reason="e2e: audit"), timeout=TIMEOUT)

    exported = [m.event for m in dossiers_audit.ExportEvents(pb.ExportEventsRequest(),
                                                             timeout=60)]
    created = [e for e in exported
               if "procedure_code" in e.payload and e.payload["procedure_code"] == code]

    assert len(created) == 1
    history = audit_cli(platform, "dossiers", "history", created[0].aggregate_id, "--json")
    assert history.returncode == 0, history.stderr
    assert json.loads(history.stdout)[0]["metadata"]["request_id"] == (
        f"e2e-audit-procedure-{code}")


class Rows(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.rows, self._row = [], [], None

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "tr" and ("class", "event") in attrs:
            self._row = []
            self.rows.append(self._row)

    def handle_endtag(self, tag):
        if tag == "tr":
            self._row = None

    def handle_data(self, data):
        if self._row is not None and data.strip():
            self._row.append(data.strip())


def test_the_report_is_one_readable_page_of_the_timeline(platform, agency, tmp_path):
    registered, run = agency
    page = tmp_path / "agency.html"

    result = audit_cli(platform, "identity", "report", registered.unit_id, "--output", str(page))

    assert result.returncode == 0, result.stderr
    html = page.read_text(encoding="utf-8")
    parsed = Rows()
    parsed.feed(html)
    assert "script" not in parsed.tags
    assert "<link" not in html and "<script" not in html  # self-contained, nothing runs
    assert [row[:1] for row in parsed.rows] == [["1"], ["2"]]
    assert f"e2e-audit-{run}-rename" in parsed.rows[1]
    assert "clerk.nguyen" in parsed.rows[0]


def checkpoint_covering(audit, notification_id: int) -> pb.Checkpoint | None:
    """The latest checkpoint once it covers ``notification_id`` (None if none does in time)."""
    deadline = time.monotonic() + CHECKPOINT_WAIT_S
    while True:
        try:
            latest = audit.GetLatestCheckpoint(pb.GetLatestCheckpointRequest(), timeout=TIMEOUT)
        except grpc.RpcError as error:
            if error.code() != grpc.StatusCode.NOT_FOUND:  # NOT_FOUND: no checkpoint yet
                raise
            latest = None
        if latest is not None and latest.last_notification_id >= notification_id:
            return latest
        if time.monotonic() > deadline:
            return None
        time.sleep(1.0)


def test_the_agencys_events_are_proved_in_a_signed_checkpoint(platform, identity_audit, agency,
                                                              tmp_path):
    registered, _ = agency
    events = identity_audit.ListAggregateEvents(pb.ListAggregateEventsRequest(
        aggregate_id=registered.unit_id), timeout=TIMEOUT).events

    checkpoint = checkpoint_covering(identity_audit, events[-1].notification_id)

    assert checkpoint is not None, (
        f"no checkpoint covered notification {events[-1].notification_id} "
        f"within {CHECKPOINT_WAIT_S:.0f} s")
    for event in events:
        proof = identity_audit.GetInclusionProof(pb.GetInclusionProofRequest(
            notification_id=event.notification_id, tree_size=checkpoint.tree_size),
            timeout=TIMEOUT)
        # The leaf is recomputed here from the event's stored bytes, not taken from the proof.
        leaf = merkle.leaf_hash(leaves.record_leaf(
            event.notification_id, uuid.UUID(event.aggregate_id), event.version, event.topic,
            event.stored_state))
        assert proof.leaf_hash == leaf
        assert proof.checkpoint.root_hash == checkpoint.root_hash
        assert merkle.verify_inclusion(proof.leaf_index, checkpoint.tree_size, leaf,
                                       list(proof.hashes), checkpoint.root_hash)

    page = tmp_path / "proved.html"
    # The auditor brings the signer's public key (here derived from the local platform's
    # signing key); without one the page claims no more than the service's word.
    key_options = []
    if platform.data_dir is not None:
        private = load_private_key(platform.data_dir / AUDIT_SIGNING_KEY_FILE)
        (tmp_path / "audit.pub").write_bytes(public_pem(private.public_key()))
        key_options = ["--public-key", str(tmp_path / "audit.pub")]
    result = audit_cli(platform, "identity", "report", registered.unit_id, "--output", str(page),
                       *key_options)

    assert result.returncode == 0, result.stderr
    parsed = Rows()
    parsed.feed(page.read_text(encoding="utf-8"))
    assert [row[0] for row in parsed.rows] == ["1", "2"]
    wording = "✓ signed" if key_options else "✓ (root from the service; signature not checked)"
    assert all(row[-1].endswith(wording) for row in parsed.rows), parsed.rows
