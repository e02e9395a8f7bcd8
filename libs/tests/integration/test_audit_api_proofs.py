"""Checkpoints and Merkle proofs over gRPC: what an auditor checks without trusting the server.

The identity application on SQLite records events; the service's own
checkpointer (its ledger beside the event table) signs checkpoints; the
auditor fetches proofs through AuditService and verifies them with the
RFC 9162 algorithms, from the events' stored bytes.
"""

from __future__ import annotations

import sqlite3
import uuid
from typing import TYPE_CHECKING, Any

import grpc
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from lienthong.audit import history, leaves, merkle
from lienthong.audit.checkpointer import Checkpointer
from lienthong.audit.v1 import audit_pb2 as pb
from lienthong.audit.v1 import audit_pb2_grpc as pb_grpc
from lienthong.grpc.errors import error_details
from lienthong.services.identity.api import add_to_server
from lienthong.services.identity.application import IdentityApplication, NewUnitSpec
from lienthong.testing.grpc_server import ServerThread
from lienthong.tools.audit.report import collect, render

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

TIMEOUT = 10.0


@pytest.fixture
def app(tmp_path: Path) -> Iterator[IdentityApplication]:
    application = IdentityApplication(f"sqlite:///{tmp_path / 'identity.db'}")
    yield application
    application.close()


@pytest.fixture
def audit(app: IdentityApplication) -> Iterator[pb_grpc.AuditServiceStub]:
    with ServerThread(lambda server: add_to_server(app, server)) as running, \
            grpc.insecure_channel(running.address) as channel:
        yield pb_grpc.AuditServiceStub(channel)


def sign_all(app: IdentityApplication) -> Checkpointer:
    """Extend the service's tree to the end of its log and sign a checkpoint."""
    checkpointer = Checkpointer(app, service="identity", signing_key=Ed25519PrivateKey.generate(),
                                every_events=10**9, every_s=10**9)
    checkpointer.catch_up()
    checkpointer.checkpoint()
    return checkpointer


def province(app: IdentityApplication, code: str) -> uuid.UUID:
    return app.register_unit(NewUnitSpec(display_name=f"Tỉnh {code}", kind="province",
                                         level="province", administrative_unit_code=code),
                             request_id=f"reg-{code}")


def refused(call: Callable[..., Any], request: Any) -> dict[str, Any]:
    with pytest.raises(grpc.RpcError) as error:
        call(request, timeout=TIMEOUT)
    return error_details(error.value)


def test_before_any_checkpoint_there_is_nothing_to_prove(
        app: IdentityApplication, audit: pb_grpc.AuditServiceStub) -> None:
    province(app, "08")

    listed = audit.ListCheckpoints(pb.ListCheckpointsRequest(), timeout=TIMEOUT)
    latest = refused(audit.GetLatestCheckpoint, pb.GetLatestCheckpointRequest())
    proof = refused(audit.GetInclusionProof, pb.GetInclusionProofRequest(notification_id=1))

    assert (list(listed.checkpoints), listed.total_size) == ([], 0)
    assert (latest["code"], latest["reason"]) == (grpc.StatusCode.NOT_FOUND,
                                                  "CHECKPOINT_NOT_FOUND")
    assert proof["code"] == grpc.StatusCode.NOT_FOUND


def test_each_event_is_proved_in_the_signed_tree_from_its_stored_bytes(
        app: IdentityApplication, audit: pb_grpc.AuditServiceStub) -> None:
    unit_id = province(app, "08")
    app.rename_unit(str(unit_id), "Tỉnh Tuyên Quang", request_id="rename-08")
    sign_all(app)
    signed = app.recorder.max_notification_id()  # the reads below record themselves after
    events = audit.ListAggregateEvents(pb.ListAggregateEventsRequest(
        aggregate_id=str(unit_id)), timeout=TIMEOUT).events

    checkpoint = audit.GetLatestCheckpoint(pb.GetLatestCheckpointRequest(), timeout=TIMEOUT)
    for event in events:
        proof = audit.GetInclusionProof(pb.GetInclusionProofRequest(
            notification_id=event.notification_id), timeout=TIMEOUT)
        leaf = merkle.leaf_hash(leaves.record_leaf(
            event.notification_id, uuid.UUID(event.aggregate_id), event.version, event.topic,
            event.stored_state))

        assert proof.leaf_hash == leaf
        assert proof.checkpoint == checkpoint
        assert proof.tree_size == checkpoint.tree_size == signed
        assert merkle.verify_inclusion(proof.leaf_index, proof.tree_size, leaf,
                                       list(proof.hashes), checkpoint.root_hash)
    assert checkpoint.note.startswith(checkpoint.origin)


def test_a_later_checkpoint_is_consistent_with_an_earlier_one(
        app: IdentityApplication, audit: pb_grpc.AuditServiceStub) -> None:
    province(app, "08")
    checkpointer = sign_all(app)
    province(app, "12")
    checkpointer.catch_up()
    checkpointer.checkpoint()

    first, second = audit.ListCheckpoints(pb.ListCheckpointsRequest(),
                                          timeout=TIMEOUT).checkpoints
    proof = audit.GetConsistencyProof(pb.GetConsistencyProofRequest(
        first_tree_size=first.tree_size), timeout=TIMEOUT)

    assert first.tree_size < second.tree_size
    assert (proof.first_checkpoint, proof.second_checkpoint) == (first, second)
    assert merkle.verify_consistency(first.tree_size, second.tree_size, first.root_hash,
                                     second.root_hash, list(proof.hashes))
    old = audit.GetInclusionProof(pb.GetInclusionProofRequest(
        notification_id=1, tree_size=first.tree_size), timeout=TIMEOUT)
    assert old.checkpoint == first


def test_proof_requests_that_cannot_be_answered(app: IdentityApplication,
                                                audit: pb_grpc.AuditServiceStub) -> None:
    province(app, "08")
    size = sign_all(app).size
    province(app, "12")  # recorded after the checkpoint

    not_yet = refused(audit.GetInclusionProof, pb.GetInclusionProofRequest(
        notification_id=size + 1))
    beyond_log = refused(audit.GetInclusionProof, pb.GetInclusionProofRequest(
        notification_id=10_000))
    no_such_size = refused(audit.GetInclusionProof, pb.GetInclusionProofRequest(
        notification_id=1, tree_size=size + 1))
    bad = refused(audit.GetInclusionProof, pb.GetInclusionProofRequest(tree_size=-1))
    backwards = refused(audit.GetConsistencyProof, pb.GetConsistencyProofRequest(
        first_tree_size=5, second_tree_size=2))
    paging = refused(audit.ListCheckpoints, pb.ListCheckpointsRequest(page_size=-1))

    assert (not_yet["code"], not_yet["reason"]) == (grpc.StatusCode.FAILED_PRECONDITION,
                                                    "NOT_YET_CHECKPOINTED")
    assert (beyond_log["code"], beyond_log["reason"]) == (grpc.StatusCode.NOT_FOUND,
                                                          "EVENT_NOT_FOUND")
    assert no_such_size["code"] == grpc.StatusCode.NOT_FOUND
    assert bad["field_violations"] == [("notification_id", "NOT_POSITIVE"),
                                       ("tree_size", "NEGATIVE")]
    assert backwards["field_violations"] == [("first_tree_size", "FIRST_AFTER_SECOND")]
    assert paging["field_violations"] == [("page_size", "PAGE_SIZE_NEGATIVE")]


def test_the_report_checks_every_proof_and_says_which_are_pending(
        app: IdentityApplication, audit: pb_grpc.AuditServiceStub) -> None:
    unit_id = province(app, "08")
    sign_all(app)
    app.rename_unit(str(unit_id), "Tỉnh Tuyên Quang", request_id="rename-08")

    timeline = collect(audit, str(unit_id), "identity")

    statuses = [timeline.proofs[e.notification_id].status for e in timeline.events]
    assert statuses == ["verified", "pending"]
    assert "✓" in render(timeline)


def test_a_proof_of_a_hole_in_the_log_is_not_found_for_good(
        app: IdentityApplication, audit: pb_grpc.AuditServiceStub, tmp_path: Path) -> None:
    for code in ("08", "12", "14"):
        province(app, code)
    with sqlite3.connect(tmp_path / "identity.db") as conn:  # event 2 never committed
        conn.execute("DELETE FROM stored_events WHERE rowid = 2")
    checkpointer = Checkpointer(app, service="identity", signing_key=Ed25519PrivateKey.generate(),
                                every_events=10**9, every_s=10**9, gap_timeout_s=0)
    checkpointer.catch_up()
    first = checkpointer.checkpoint()
    assert first is not None
    province(app, "15")
    checkpointer.catch_up()
    checkpointer.checkpoint()
    province(app, "17")  # recorded after the latest checkpoint
    latest = app.recorder.max_notification_id()

    hole = refused(audit.GetInclusionProof, pb.GetInclusionProofRequest(notification_id=2))
    later = refused(audit.GetInclusionProof, pb.GetInclusionProofRequest(
        notification_id=first.last_notification_id + 1, tree_size=first.tree_size))
    not_yet = refused(audit.GetInclusionProof, pb.GetInclusionProofRequest(
        notification_id=latest, tree_size=first.tree_size))

    assert (hole["code"], hole["reason"]) == (grpc.StatusCode.NOT_FOUND, "EVENT_NOT_FOUND")
    assert (later["code"], later["field_violations"]) == (
        grpc.StatusCode.INVALID_ARGUMENT, [("tree_size", "BEFORE_EVENT")])
    assert (not_yet["code"], not_yet["reason"]) == (grpc.StatusCode.FAILED_PRECONDITION,
                                                    "NOT_YET_CHECKPOINTED")


def test_a_signed_tree_whose_stored_leaves_are_missing_is_data_loss(
        app: IdentityApplication, audit: pb_grpc.AuditServiceStub, tmp_path: Path) -> None:
    province(app, "08")
    province(app, "12")
    checkpointer = sign_all(app)
    first_size = checkpointer.size
    province(app, "14")
    checkpointer.catch_up()
    size = checkpointer.checkpoint().tree_size
    with sqlite3.connect(tmp_path / "identity.db") as conn:  # the leaf table lost its tail
        conn.execute("DELETE FROM stored_audit_leaves WHERE leaf_index >= ?", (size - 1,))

    inclusion = refused(audit.GetInclusionProof, pb.GetInclusionProofRequest(notification_id=1))
    consistency = refused(audit.GetConsistencyProof, pb.GetConsistencyProofRequest(
        first_tree_size=first_size))

    for answer in (inclusion, consistency):
        assert (answer["code"], answer["reason"]) == (grpc.StatusCode.DATA_LOSS,
                                                      "AUDIT_TREE_INCOMPLETE")
        assert answer["metadata"] == {"tree_size": str(size), "stored_leaves": str(size - 1)}


def test_an_export_that_fails_midway_ends_with_a_status_not_a_trace(
        app: IdentityApplication, audit: pb_grpc.AuditServiceStub, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(history, "EXPORT_BATCH", 1)  # one event per read
    for code in ("08", "12", "14"):
        province(app, code)
    last = app.recorder.max_notification_id()
    with sqlite3.connect(tmp_path / "identity.db") as conn:  # the last event is unreadable
        conn.execute("UPDATE stored_events SET state = x'00' WHERE rowid = ?", (last,))

    stream = audit.ExportEvents(pb.ExportEventsRequest(), timeout=TIMEOUT,
                                metadata=(("x-request-id", "export-midway"),))
    received = []
    with pytest.raises(grpc.RpcError) as error:
        received.extend(message.event.notification_id for message in stream)
    failed = error_details(error.value)

    assert received == list(range(1, last))
    assert (failed["code"], failed["reason"]) == (grpc.StatusCode.INTERNAL, "INTERNAL")
    assert failed["metadata"] == {"request_id": "export-midway"}
    assert "Error" not in (error.value.details() or "")
