"""One aggregate's timeline as a self-contained HTML page, for people who audit it.

:func:`collect` reads everything over AuditService (the history, the state
after the last event and, when the service keeps a ledger, each event's
inclusion proof against the latest checkpoint, checked here: the leaf hash is
recomputed from the event's stored bytes and the audit path must lead to the
checkpoint's root). Given the signers' public keys, the checkpoint's signed note
must verify with one of them, for the service's origin, and the root and tree
size the proofs are checked against are taken from that note; without a key
the root is the one the service sent, and the page says so. :func:`render`
turns it into one HTML file with inline CSS; jinja2 escapes every value
(autoescape on), so an event field holding markup is shown, never run.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import grpc
import jinja2

from lienthong.audit import leaves, merkle
from lienthong.audit.checkpoints import origin_of, parse_checkpoint
from lienthong.audit.v1 import audit_pb2 as pb
from lienthong.tools.audit.export import fetch_history, struct_to_python, timestamp_to_datetime
from lienthong.vietnam import VIETNAM_TIME

if TYPE_CHECKING:
    from collections.abc import Sequence

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    from lienthong.audit.checkpoints import Checkpoint
    from lienthong.audit.v1 import audit_pb2_grpc as pb_grpc

TIMEOUT_S = 30.0


@dataclass(frozen=True)
class Proof:
    """What became of one event's inclusion proof."""

    status: str  # "verified", "failed", "pending" (not in a checkpoint yet), "unavailable"
    leaf_index: int = -1
    tree_size: int = 0
    detail: str = ""
    signed: bool = False  # checked against the root of a checkpoint whose signature verified


@dataclass
class Timeline:
    """Everything the report shows."""

    service: str
    aggregate_id: str
    aggregate_type: str
    events: list[pb.AuditEvent]
    state: pb.AggregateState
    proofs: dict[int, Proof] = field(default_factory=dict)
    checkpoint: pb.Checkpoint | None = None
    #: "verified" (a given key signed the checkpoint), "failed", or "unchecked" (no key given)
    signature: str = "unchecked"
    signature_detail: str = ""
    generated_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))


@dataclass(frozen=True)
class Root:
    """What the proofs are checked against: a tree size and its root, signed or not."""

    tree_size: int
    root_hash: bytes
    signed: bool


def verify_signature(checkpoint: pb.Checkpoint, service: str,
                     public_keys: Sequence[Ed25519PublicKey]) -> Checkpoint:
    """The checkpoint's signed note, once one of the keys verifies it for the service's origin.

    Raises ``ValueError`` saying what does not hold.
    """
    try:
        note = parse_checkpoint(checkpoint.note)
    except ValueError as error:
        msg = f"the checkpoint's note is not a signed checkpoint: {error}"
        raise ValueError(msg) from None
    if note.origin != origin_of(service):
        msg = f"the checkpoint is of {note.origin!r}, not of {origin_of(service)!r}"
        raise ValueError(msg)
    if not any(note.verify(key) for key in public_keys):
        msg = (f"the signature of the checkpoint of {note.tree_size} events does not verify "
               f"with the given public key(s)")
        raise ValueError(msg)
    return note


def check_inclusion(event: pb.AuditEvent, reply: pb.GetInclusionProofResponse,
                    root: Root | None = None) -> Proof:
    """Recompute the event's leaf hash and walk the audit path to the root.

    ``root``: the signed note's size and root; without it, the checkpoint the
    service sent with the proof (nothing then ties it to a signature).
    """
    if root is None:
        root = Root(reply.tree_size, reply.checkpoint.root_hash, signed=False)
    if reply.tree_size != root.tree_size:
        return Proof("failed", reply.leaf_index, reply.tree_size,
                     f"the proof is for a tree of {reply.tree_size} events, the checkpoint's "
                     f"has {root.tree_size}")
    leaf = merkle.leaf_hash(leaves.record_leaf(
        event.notification_id, uuid.UUID(event.aggregate_id), event.version, event.topic,
        event.stored_state))
    if leaf != reply.leaf_hash:
        return Proof("failed", reply.leaf_index, reply.tree_size,
                     "the event's stored bytes do not hash to the proof's leaf")
    if not merkle.verify_inclusion(reply.leaf_index, root.tree_size, leaf, list(reply.hashes),
                                   root.root_hash):
        return Proof("failed", reply.leaf_index, reply.tree_size,
                     "the audit path does not lead to the checkpoint's root")
    return Proof("verified", reply.leaf_index, reply.tree_size, signed=root.signed)


def inclusion_of(stub: pb_grpc.AuditServiceStub, event: pb.AuditEvent,
                 tree_size: int, root: Root | None = None) -> Proof:
    try:
        reply = stub.GetInclusionProof(pb.GetInclusionProofRequest(
            notification_id=event.notification_id, tree_size=tree_size), timeout=TIMEOUT_S)
    except grpc.RpcError as error:
        if error.code() == grpc.StatusCode.FAILED_PRECONDITION:
            return Proof("pending", detail="not in the latest checkpoint yet")
        if error.code() in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.UNIMPLEMENTED):
            return Proof("unavailable", detail=error.details() or "")
        raise
    return check_inclusion(event, reply, root)


def collect(stub: pb_grpc.AuditServiceStub, aggregate_id: str, service: str,
            public_keys: Sequence[Ed25519PublicKey] = ()) -> Timeline:
    """Read one aggregate's history, final state and inclusion proofs over gRPC.

    With ``public_keys`` (the signer's keys over time) the proofs are checked
    against the root of the checkpoint's note once its signature verifies;
    if it does not, every proof is failed.
    """
    aggregate_type, events = fetch_history(stub, aggregate_id)
    state = stub.GetAggregateState(pb.GetAggregateStateRequest(
        aggregate_id=aggregate_id, version=events[-1].version), timeout=TIMEOUT_S)
    timeline = Timeline(service, aggregate_id, aggregate_type, events, state)
    try:
        timeline.checkpoint = stub.GetLatestCheckpoint(pb.GetLatestCheckpointRequest(),
                                                       timeout=TIMEOUT_S)
    except grpc.RpcError as error:
        if error.code() not in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.UNIMPLEMENTED):
            raise
        return timeline
    root = None
    if public_keys:
        try:
            note = verify_signature(timeline.checkpoint, service, public_keys)
        except ValueError as error:
            timeline.signature, timeline.signature_detail = "failed", str(error)
            timeline.proofs = {e.notification_id: Proof("failed", detail=str(error))
                               for e in events}
            return timeline
        timeline.signature = "verified"
        root = Root(note.tree_size, note.root_hash, signed=True)
    for event in events:
        timeline.proofs[event.notification_id] = inclusion_of(
            stub, event, root.tree_size if root else timeline.checkpoint.tree_size, root)
    return timeline


def proof_text(proof: Proof | None) -> str:
    if proof is None:
        return ""
    if proof.status == "verified":
        return (f"leaf {proof.leaf_index} of {proof.tree_size} ✓ "
                + ("signed" if proof.signed else UNSIGNED))
    if proof.status == "failed":
        return f"✗ {proof.detail}"
    return proof.detail or proof.status


UNSIGNED = "(root from the service; signature not checked)"


def _causes(metadata: pb.EventMetadata) -> list[tuple[str, str]]:
    causes = []
    if metadata.correlation_id and metadata.correlation_id != metadata.request_id:
        causes.append(("correlation", metadata.correlation_id))
    if metadata.causation_id:
        causes.append(("caused by", metadata.causation_id))
    return causes


def _shown(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


TEMPLATE = """\
<!DOCTYPE html>
<html lang="vi">
<head>
<meta charset="utf-8">
<title>Audit — {{ t.aggregate_type }} {{ t.aggregate_id }}</title>
<style>
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2em;
       color: #1d2330; }
h1 { font-size: 1.4em; margin-bottom: .2em; } h2 { font-size: 1.15em; margin-top: 2em; }
code, .mono { font-family: ui-monospace, "SFMono-Regular", Menlo, monospace; font-size: .92em; }
p.meta { color: #56607a; margin-top: 0; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #d5d9e2; padding: .35em .5em; text-align: left; vertical-align: top; }
th { background: #eef1f6; }
tbody tr:nth-child(even) { background: #f8f9fb; }
dl { margin: 0; display: grid; grid-template-columns: max-content auto; gap: 0 .8em; }
dt { color: #56607a; } dd { margin: 0; word-break: break-word; }
.small { color: #56607a; font-size: .85em; }
.verified { color: #17733a; font-weight: 600; } .failed { color: #b3261e; font-weight: 600; }
.pending, .unavailable { color: #8a6d00; }
</style>
</head>
<body>
<h1>{{ t.aggregate_type }} <code>{{ t.aggregate_id }}</code></h1>
<p class="meta">Service <strong>{{ t.service }}</strong> ·
{{ t.events | length }} event(s) · version {{ t.state.version }} ·
generated {{ generated_utc }} UTC ({{ generated_vn }} Asia/Ho_Chi_Minh)</p>
{% if t.checkpoint %}
<p class="meta">Inclusion proofs against checkpoint <code>{{ t.checkpoint.origin }}</code>
of {{ t.checkpoint.tree_size }} events, root <code>{{ t.checkpoint.root_hash.hex() }}</code>,
key <code>{{ t.checkpoint.key_name }}</code>:
{% if t.signature == "verified" %}<span id="signature" class="verified">signature verified
with the given public key ✓</span>; the root and size are the signed note's.
{% elif t.signature == "failed" %}<span id="signature" class="failed">✗ {{ t.signature_detail
}}</span>; no proof is trusted.
{% else %}<span id="signature" class="unavailable">root from the service; signature not
checked</span> (give <code>--public-key</code>, or check it with
<code>lienthong audit verify</code>).{% endif %}</p>
{% else %}
<p class="meta">No signed checkpoint yet: no inclusion proofs.</p>
{% endif %}
<h2>Timeline</h2>
<table id="timeline">
<thead><tr><th>Version</th><th>Notification</th><th>Time (UTC)</th>
<th>Time (Asia/Ho_Chi_Minh)</th><th>Event</th><th>Actor</th><th>Agency</th><th>Request</th>
<th>Reason</th><th>Fields</th><th>Inclusion</th></tr></thead>
<tbody>
{% for row in rows %}
<tr class="event" data-version="{{ row.version }}">
<td>{{ row.version }}</td>
<td>{{ row.notification_id }}</td>
<td class="mono">{{ row.utc }}</td>
<td class="mono">{{ row.vietnam }}</td>
<td>{{ row.event_type }}</td>
<td>{{ row.metadata.actor }}</td>
<td>{{ row.metadata.actor_agency_code }}</td>
<td class="mono">{{ row.metadata.request_id }}
{%- for label, value in row.causes %}
<div class="small">{{ label }} {{ value }}</div>{% endfor %}</td>
<td>{{ row.metadata.reason }}</td>
<td><dl>{% for name, value in row.fields %}<dt>{{ name }}</dt><dd>{{ value }}</dd>
{%- endfor %}</dl></td>
<td class="{{ row.proof_class }}">{{ row.proof_text }}</td>
</tr>
{% endfor %}
</tbody>
</table>
<h2>State at version {{ t.state.version }}</h2>
<table id="state">
<thead><tr><th>Attribute</th><th>Value</th></tr></thead>
<tbody>
{% for name, value in state %}<tr><td>{{ name }}</td><td>{{ value }}</td></tr>
{% endfor %}
</tbody>
</table>
</body>
</html>
"""

_environment = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined,
                                  keep_trailing_newline=True)


def render(timeline: Timeline) -> str:
    """The report as one HTML document."""
    rows = []
    for event in timeline.events:
        recorded = timestamp_to_datetime(event.recorded_time)
        payload = struct_to_python(event.payload)
        rows.append({
            "version": event.version, "notification_id": event.notification_id,
            "utc": recorded.strftime("%Y-%m-%d %H:%M:%S.%f"),
            "vietnam": recorded.astimezone(VIETNAM_TIME).strftime("%Y-%m-%d %H:%M:%S"),
            "event_type": event.event_type, "metadata": event.metadata,
            "fields": [(k, _shown(payload[k])) for k in sorted(payload)],
            "causes": _causes(event.metadata),
            "proof_class": getattr(timeline.proofs.get(event.notification_id), "status", ""),
            "proof_text": proof_text(timeline.proofs.get(event.notification_id)),
        })
    state = struct_to_python(timeline.state.state)
    return _environment.from_string(TEMPLATE).render(
        t=timeline, rows=rows, state=[(k, _shown(state[k])) for k in sorted(state)],
        generated_utc=timeline.generated_at.strftime("%Y-%m-%d %H:%M:%S"),
        generated_vn=timeline.generated_at.astimezone(VIETNAM_TIME).strftime(
            "%Y-%m-%d %H:%M:%S"))
