"""The chart with mutual TLS: each workload's certificate from a Secret with cert-manager's
key names (asked of cert-manager when an issuer is given), mounted whole so renewals reach
the files; probes on the plaintext health port; the access policy from a ConfigMap; the
personal data's master key from a Secret."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from lienthong import registry
from lienthong.devtools.chartcheck import HelmError, render, schema_errors

ISSUER = ("tls.enabled=true", "tls.certManager.issuerRef.name=lienthong-transport-ca",
          "tls.certManager.issuerRef.kind=ClusterIssuer")
# --set splits at commas; a policy's YAML escapes its own.
POLICY = r'accessPolicy.policy=rules: [{name: all\, callers: ["VN:GOV:*"]\, rpcs: ["*/*"]}]'


def only(objects: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    [found] = [o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name]
    return found


def pod_of(objects: list[dict[str, Any]], service: str) -> dict[str, Any]:
    return only(objects, "Deployment", f"lienthong-{service}")["spec"]["template"]["spec"]


def test_cert_manager_is_asked_for_every_workloads_certificate() -> None:
    objects = render("values.yaml", set_values=ISSUER)
    certificates = {o["metadata"]["name"]: o["spec"] for o in objects
                    if o["kind"] == "Certificate"}

    assert set(certificates) == {f"lienthong-{n}" for n in (*registry.names(), "nats",
                                                            "smoke-test")}
    identity = certificates["lienthong-identity"]
    assert identity["secretName"] == "lienthong-identity-tls"
    assert "lienthong-identity.lienthong.svc" in identity["dnsNames"]
    assert identity["usages"] == ["server auth", "client auth"]
    assert identity["issuerRef"] == {"name": "lienthong-transport-ca", "kind": "ClusterIssuer",
                                     "group": "cert-manager.io"}
    smoke = certificates["lienthong-smoke-test"]
    assert (smoke["uris"], smoke["usages"]) == (["VN:GOV:000.00.00.Z00/smoke-test"],
                                                ["client auth"])
    assert schema_errors(objects) == []


def test_without_an_issuer_the_secrets_are_expected_and_no_certificate_is_asked_for() -> None:
    objects = render("values.yaml", set_values=("tls.enabled=true",))

    assert not [o for o in objects if o["kind"] == "Certificate"]
    volumes = {v["name"]: v for v in pod_of(objects, "dossiers")["volumes"]}
    assert volumes["tls"]["secret"]["secretName"] == "lienthong-dossiers-tls"


@pytest.mark.parametrize("service", registry.names())
def test_each_service_reads_its_certificate_policy_and_key_from_whole_volumes(
        service: str) -> None:
    objects = render("values.yaml", set_values=(*ISSUER, POLICY))
    pod = pod_of(objects, service)
    container = pod["containers"][0]
    env = only(objects, "ConfigMap", f"lienthong-{service}")["data"]

    assert (env["LIENTHONG_TLS_CERT"], env["LIENTHONG_TLS_KEY"], env["LIENTHONG_TLS_CA"]) == (
        "/var/run/secrets/lienthong/tls/tls.crt", "/var/run/secrets/lienthong/tls/tls.key",
        "/var/run/secrets/lienthong/tls/ca.crt")
    assert env["LIENTHONG_POLICY_FILE"] == "/etc/lienthong/policy/policy.yaml"
    assert env["LIENTHONG_PII_MASTER_KEY_FILE"] == \
        "/var/run/secrets/lienthong/personal-data/master.key"
    mounts = {m["name"]: m for m in container["volumeMounts"]}
    # No subPath: kubelet swaps the whole folder when a Secret or ConfigMap changes.
    assert all("subPath" not in m for m in mounts.values())
    assert mounts["tls"]["mountPath"] == "/var/run/secrets/lienthong/tls"
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert volumes["access-policy"]["configMap"]["name"] == "lienthong-access-policy"
    assert "callers" in only(objects, "ConfigMap", "lienthong-access-policy")["data"][
        "policy.yaml"]
    assert volumes["pii-master-key"]["secret"]["secretName"] == "lienthong-pii-master-key"
    assert container["readinessProbe"]["grpc"] == {"port": 8086}
    assert env["LIENTHONG_HEALTH_LISTEN"] == "0.0.0.0:8086"


def test_the_smoke_test_calls_with_its_own_client_certificate() -> None:
    objects = render("values.yaml", set_values=ISSUER)
    hook = only(objects, "Pod", "lienthong-smoke-test")["spec"]
    env = {e["name"]: e["value"] for e in hook["containers"][0]["env"]}

    assert env["LIENTHONG_CLIENT_TLS_CERT"] == "/var/run/secrets/lienthong/tls/tls.crt"
    [tls] = [v for v in hook["volumes"] if v["name"] == "tls"]
    assert tls["secret"]["secretName"] == "lienthong-smoke-test-tls"


def test_a_policy_without_tls_is_refused_since_it_names_callers_by_certificate() -> None:
    with pytest.raises(HelmError) as refused:
        render("values.yaml", set_values=(POLICY,))

    assert "set tls.enabled=true" in str(refused.value)


def test_production_brings_its_own_master_key_policy_and_revocation_list() -> None:
    objects = render("values-production.yaml")
    env = only(objects, "ConfigMap", "lienthong-dossiers")["data"]

    assert not [o for o in objects if o["kind"] == "Secret"]
    assert env["LIENTHONG_TLS_CRL"] == "/var/run/secrets/lienthong/crl/crl.pem"
    volumes = {v["name"]: v for v in pod_of(objects, "dossiers")["volumes"]}
    assert volumes["pii-master-key"]["secret"]["secretName"] == "lienthong-pii-master-key"
    assert volumes["access-policy"]["configMap"]["name"] == "lienthong-access-policy"
    assert volumes["crl"]["secret"]["secretName"] == "lienthong-transport-crl"


def test_the_values_schema_refuses_a_smoke_test_caller_that_names_no_agency() -> None:
    with pytest.raises(HelmError):
        render("values.yaml", set_values=("tls.smokeTestCaller=smoke-test",))


def test_a_kind_cluster_rendered_again_keeps_its_personal_data_master_key() -> None:
    from lienthong.personal import parse_master_key

    def master_key() -> bytes:
        secret = only(render("values-kind.yaml"), "Secret", "lienthong-pii-master-key")
        return base64.b64decode(secret["data"]["master.key"])

    first = master_key()
    assert master_key() == first  # Tilt renders with `helm template` at every change
    assert len(parse_master_key(first)) == 32
    # Elsewhere each render of `helm template` makes a new one (install keeps the first).
    default = only(render("values.yaml"), "Secret", "lienthong-pii-master-key")
    assert len(parse_master_key(base64.b64decode(default["data"]["master.key"]))) == 32
