"""The audit signing key in the chart: generated for kind (with 5 s checkpoints),
brought by the operator in production, and the checkpoint settings as values."""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any

import pytest
from cryptography.exceptions import InvalidSignature

from lienthong import registry
from lienthong.audit.checkpoints import load_private_key
from lienthong.devtools.chartcheck import HelmError, render

if TYPE_CHECKING:
    from pathlib import Path

SERVICES = tuple(registry.names())
KEY_PATH = "/var/run/secrets/lienthong/audit/ed25519.pem"
GENERATED = "lienthong-audit-signing-key"


def find(objects: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    matches = [o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name]
    assert len(matches) == 1, f"{kind}/{name}: {len(matches)} found"
    return matches[0]


def secrets(objects: list[dict[str, Any]]) -> set[str]:
    return {o["metadata"]["name"] for o in objects if o["kind"] == "Secret"}


def key_wiring(objects: list[dict[str, Any]], service: str) -> tuple[dict[str, str], str]:
    """A service's ConfigMap data and the Secret its audit-signing-key volume mounts."""
    pod = find(objects, "Deployment", f"lienthong-{service}")["spec"]["template"]["spec"]
    container = pod["containers"][0]
    assert {"name": "audit-signing-key", "mountPath": "/var/run/secrets/lienthong/audit",
            "readOnly": True} in container["volumeMounts"]
    volume = next(v for v in pod["volumes"] if v["name"] == "audit-signing-key")
    assert volume["secret"]["items"] == [{"key": "ed25519.pem", "path": "ed25519.pem"}]
    config = find(objects, "ConfigMap", f"lienthong-{service}")["data"]
    return config, volume["secret"]["secretName"]


def test_kind_generates_the_key_and_every_service_mounts_it_with_5s_checkpoints() -> None:
    objects = render("values-kind.yaml")

    assert GENERATED in secrets(objects)
    # Uninstalling the release leaves the key behind: what it signed stays verifiable.
    annotations = find(objects, "Secret", GENERATED)["metadata"]["annotations"]
    assert annotations["helm.sh/resource-policy"] == "keep"
    for service in SERVICES:
        config, secret = key_wiring(objects, service)
        assert secret == GENERATED
        assert config["LIENTHONG_AUDIT_SIGNING_KEY"] == KEY_PATH
        assert config["LIENTHONG_AUDIT_CHECKPOINT_EVERY_S"] == "5"
        assert config["LIENTHONG_AUDIT_CHECKPOINT_EVERY_EVENTS"] == "1000"


def test_the_generated_pem_is_an_ed25519_key_that_signs_and_verifies(tmp_path: Path) -> None:
    secret = find(render("values-kind.yaml"), "Secret", GENERATED)
    pem = tmp_path / "ed25519.pem"
    pem.write_bytes(base64.b64decode(secret["data"]["ed25519.pem"]))

    key = load_private_key(pem)
    signature = key.sign(b"lienthong.vn/identity\n2\n")

    key.public_key().verify(signature, b"lienthong.vn/identity\n2\n")
    with pytest.raises(InvalidSignature):
        key.public_key().verify(signature, b"lienthong.vn/identity\n3\n")


def test_production_mounts_the_operators_secret_and_creates_none() -> None:
    objects = render("values-production.yaml")

    assert not any("audit" in name for name in secrets(objects))
    for service in SERVICES:
        config, secret = key_wiring(objects, service)
        assert secret == "lienthong-audit-signing-key"  # made with kubectl, not by the chart
        assert config["LIENTHONG_AUDIT_SIGNING_KEY"] == KEY_PATH
        assert config["LIENTHONG_AUDIT_CHECKPOINT_EVERY_S"] == "60"


def test_an_existing_secret_wins_over_generate() -> None:
    objects = render("values-kind.yaml", set_values=("audit.signingKey.existingSecret=mine",))

    assert GENERATED not in secrets(objects)
    assert key_wiring(objects, "identity")[1] == "mine"


def test_without_a_key_there_are_no_checkpoint_settings() -> None:
    objects = render("values.yaml", set_values=("audit.checkpointEverySeconds=10",))

    config = find(objects, "ConfigMap", "lienthong-identity")["data"]
    assert not any(name.startswith("LIENTHONG_AUDIT_") for name in config)
    assert GENERATED not in secrets(objects)


def test_the_checkpoint_values_reach_the_services() -> None:
    objects = render("values.yaml", set_values=(
        "audit.signingKey.generate=true", "audit.checkpointEveryEvents=250",
        "audit.checkpointEverySeconds=2"))

    config, _ = key_wiring(objects, "dossiers")
    assert config["LIENTHONG_AUDIT_CHECKPOINT_EVERY_EVENTS"] == "250"
    assert config["LIENTHONG_AUDIT_CHECKPOINT_EVERY_S"] == "2"


@pytest.mark.parametrize("assignment", [
    "audit.checkpointEverySeconds=-5",
    "audit.checkpointEverySeconds=0",
    "audit.checkpointEveryEvents=0",
    "audit.signingKey.generate=maybe",
])
def test_the_values_schema_rejects_bad_checkpoint_settings(assignment: str) -> None:
    key = assignment.split("=", 1)[0]

    with pytest.raises(HelmError) as refused:
        render("values.yaml", set_values=(assignment,))

    message = str(refused.value)
    assert "don't meet the specifications of the schema" in message
    # helm 4 names the field as a JSON pointer, helm 3 with dots.
    assert f"/{key.replace('.', '/')}" in message or key in message, message
