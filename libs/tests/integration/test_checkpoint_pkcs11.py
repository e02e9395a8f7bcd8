"""The audit checkpoints can be signed by an Ed25519 key kept in a PKCS#11 token: the notes
are the same C2SP signed notes, and verify as those signed with a key file do."""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import subprocess
import sys
from typing import TYPE_CHECKING

import pytest
from typer.testing import CliRunner

from lienthong.audit import audit_scope, merkle
from lienthong.audit.checkpointer import from_settings, signing_key_of
from lienthong.audit.checkpoints import (
    checkpoint_body,
    generate_key_file,
    key_hash,
    load_public_key,
    origin_of,
    parse_checkpoint,
    public_pem,
    sign_checkpoint,
    verifier_key,
)
from lienthong.audit.ledger import Ledger
from lienthong.config import load_settings
from lienthong.pkcs11 import KeyNotFound, Pkcs11Signer, Token
from lienthong.services.identity.application import IdentityApplication, NewUnitSpec
from lienthong.tools.cli.main import app as cli

if TYPE_CHECKING:
    from pathlib import Path

    from lienthong.pkcs11 import TokenConfig

WHEN = dt.datetime(2026, 11, 23, 14, 50, 0, 123456, tzinfo=dt.UTC)
LABEL = "audit-identity"


def register(app: IdentityApplication, first: int, provinces: int) -> None:
    with audit_scope(actor="can-bo-042"):
        for i in range(first, first + provinces):
            app.register_unit(NewUnitSpec(f"Tỉnh {i}", "province",
                                          administrative_unit_code=f"{10 + i:02d}"),
                              request_id=f"reg-{i}")


def configure(monkeypatch: pytest.MonkeyPatch, token: TokenConfig, pin_file: Path,
              label: str = LABEL) -> None:
    """The environment of a service whose checkpoints are signed in the token."""
    pin_file.write_text(token.pin + "\n")
    for name, value in {"LIENTHONG_PKCS11_MODULE": token.module,
                        "LIENTHONG_PKCS11_TOKEN": token.token,
                        "LIENTHONG_PKCS11_PIN_FILE": str(pin_file),
                        "LIENTHONG_AUDIT_SIGNING_KEY_PKCS11_LABEL": label,
                        "LIENTHONG_AUDIT_SIGNING_KEY": "", "LIENTHONG_NATS_URL": ""}.items():
        monkeypatch.setenv(name, value)


def audit_verify(store: str, public_key_file: Path) -> dict[str, object]:
    result = CliRunner().invoke(cli, ["audit", "verify", "--service", "identity",
                                      "--event-store", store, "--public-key",
                                      str(public_key_file), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_a_checkpoint_signed_in_the_token_verifies_with_its_verifier_key(
        softhsm_token: TokenConfig, tmp_path: Path) -> None:
    root = merkle.root([merkle.leaf_hash(b"a"), merkle.leaf_hash(b"b")])
    with Token(softhsm_token) as token:
        signer = token.generate_key_pair(LABEL, "ed25519")
        cp = sign_checkpoint(origin_of("identity"), 2, root, WHEN, 7, signer)
    (tmp_path / "audit.vkey").write_text(verifier_key(cp.key_name, signer.public_key()))
    verifier = load_public_key(tmp_path / "audit.vkey")

    body, signature_line = cp.note.split("\n\n")
    assert body + "\n" == checkpoint_body("lienthong.vn/identity", 2, root, WHEN, 7)
    dash, name, blob = signature_line.rstrip("\n").split(" ")
    assert (dash, name) == ("\u2014", "lienthong.vn/identity")
    assert base64.b64decode(blob)[:4] == key_hash(name, verifier)
    assert parse_checkpoint(cp.note) == cp
    assert cp.verify(verifier)
    assert not parse_checkpoint(cp.note.replace("\n2\n", "\n3\n", 1)).verify(verifier)


def test_the_checkpointer_signs_the_event_log_with_the_token_key_it_is_given(
        softhsm_token: TokenConfig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with Token(softhsm_token) as token:
        public = token.generate_key_pair(LABEL, "ed25519").public_key()
    (tmp_path / "audit.pub").write_bytes(public_pem(public))
    configure(monkeypatch, softhsm_token, tmp_path / "pin")
    store = f"sqlite:///{tmp_path / 'identity.db'}"
    app = IdentityApplication(store)
    try:
        register(app, 0, 5)
        checkpointer = from_settings(app, load_settings("identity",
                                                        audit_checkpoint_every_events=3))
        assert checkpointer is not None
        signer = checkpointer.signing_key
        assert isinstance(signer, Pkcs11Signer)
        try:
            checkpointer.catch_up()
            checkpointer.checkpoint()
        finally:
            signer.token.close()
        stored = Ledger(app).checkpoints()
        events = app.recorder.max_notification_id()
        register(app, 5, 2)  # for the checkpointer process below
        later = app.recorder.max_notification_id()
    finally:
        app.close()

    assert [cp.tree_size for cp in stored] == [*range(3, events, 3), events]
    assert all(cp.verify(public) for cp in stored)
    assert audit_verify(store, tmp_path / "audit.pub")["latest_tree_size"] == events

    # The checkpointer as a process of its own, configured the same way.
    done = subprocess.run([sys.executable, "-m", "lienthong.audit.checkpointer",
                           "--app", "lienthong.services.identity.application:"
                                    "IdentityApplication",
                           "--service", "identity", "--event-store", store, "--once"],
                          env={**os.environ, "LIENTHONG_LOG_LEVEL": "warning"},
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert audit_verify(store, tmp_path / "audit.pub")["latest_tree_size"] == later


def test_a_checkpointer_is_not_given_a_key_that_cannot_sign_its_checkpoints(
        softhsm_token: TokenConfig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with Token(softhsm_token) as token:
        token.generate_key_pair("ecdsa-key", "ec-p256")

    configure(monkeypatch, softhsm_token, tmp_path / "pin", label="ecdsa-key")
    with pytest.raises(ValueError, match="ecdsa-key"):
        signing_key_of(load_settings("identity"))

    configure(monkeypatch, softhsm_token, tmp_path / "pin", label="khong-co")
    with pytest.raises(KeyNotFound, match="khong-co"):
        signing_key_of(load_settings("identity"))

    generate_key_file(tmp_path / "signing.pem")
    monkeypatch.setenv("LIENTHONG_AUDIT_SIGNING_KEY", str(tmp_path / "signing.pem"))
    with pytest.raises(ValueError, match="set one"):
        signing_key_of(load_settings("identity"))
