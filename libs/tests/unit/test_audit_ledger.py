"""The checkpointer keeps the ledger of an in-memory log; every event is provably in it."""

from __future__ import annotations

import itertools

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from lienthong.audit import audit_scope, merkle
from lienthong.audit.checkpointer import Checkpointer
from lienthong.audit.leaves import record_leaf
from lienthong.audit.ledger import Ledger
from lienthong.services.identity.application import IdentityApplication, NewUnitSpec


def written(communes: int) -> IdentityApplication:
    app = IdentityApplication("memory:")
    with audit_scope(actor="can-bo-042"):
        province = str(app.register_unit(NewUnitSpec("Tỉnh Sơn La", "province",
                                                     administrative_unit_code="14"),
                                         request_id="reg-province"))
        for i in range(communes):
            app.register_unit(NewUnitSpec(f"Xã {i}", "commune",
                                          administrative_unit_code=f"{4000 + i:05d}",
                                          parent_id=province), request_id=f"reg-{i}")
    return app


def test_every_event_has_an_inclusion_proof_and_checkpoints_are_consistent() -> None:
    app = written(12)
    key = Ed25519PrivateKey.generate()
    checkpointer = Checkpointer(app, service="identity", signing_key=key, every_events=10,
                                batch_size=7)
    checkpointer.catch_up()
    checkpointer.checkpoint()

    ledger = Ledger(app)  # another Ledger of the same application sees the same ledger
    events = app.recorder.select_notifications(start=1, limit=1000)
    checkpoints = ledger.checkpoints()
    assert [cp.tree_size for cp in checkpoints] == [*range(10, len(events), 10), len(events)]
    latest = ledger.latest_checkpoint()
    assert latest is not None and latest.verify(key.public_key())
    hashes = ledger.leaf_hashes(latest.tree_size)
    assert merkle.root(hashes) == latest.root_hash
    for event in events:
        index = ledger.leaf_index(event.id)
        assert index is not None
        leaf = merkle.leaf_hash(record_leaf(event.id, event.originator_id,
                                            event.originator_version, event.topic, event.state))
        proof = merkle.inclusion_proof(index, hashes)
        assert merkle.verify_inclusion(index, latest.tree_size, leaf, proof, latest.root_hash)
    for old, new in itertools.pairwise(checkpoints):
        proof = merkle.consistency_proof(old.tree_size, ledger.leaf_hashes(new.tree_size))
        assert merkle.verify_consistency(old.tree_size, new.tree_size, old.root_hash,
                                         new.root_hash, proof)


def test_a_restarted_checkpointer_goes_on_from_the_stored_leaves() -> None:
    app = written(5)
    key = Ed25519PrivateKey.generate()
    first = Checkpointer(app, service="identity", signing_key=key, every_events=4)
    first.catch_up()
    stored = Ledger(app).size()
    with audit_scope(actor="can-bo-042"):
        app.register_unit(NewUnitSpec("Tỉnh Lào Cai", "province", administrative_unit_code="10"),
                          request_id="reg-10")
    second = Checkpointer(app, service="identity", signing_key=key, every_events=4)
    assert second.catch_up() == app.recorder.max_notification_id() - stored
    second.checkpoint()
    ledger = Ledger(app)
    assert ledger.size() == app.recorder.max_notification_id()
    latest = ledger.latest_checkpoint()
    assert latest is not None
    assert latest.root_hash == merkle.root(ledger.leaf_hashes(ledger.size()))


def test_nothing_to_sign_on_an_empty_log() -> None:
    app = IdentityApplication("memory:")
    checkpointer = Checkpointer(app, service="identity",
                                signing_key=Ed25519PrivateKey.generate())
    assert checkpointer.catch_up() == 0
    assert checkpointer.checkpoint() is None
    assert Ledger(app).checkpoints() == []
