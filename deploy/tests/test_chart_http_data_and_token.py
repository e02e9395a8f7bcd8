"""Three things any service may take from the chart, none named in the templates: an HTTP
port beside gRPC (services.<name>.httpPort), a data volume of its own
(services.<name>.persistence) and the platform's PKCS#11 token (pkcs11). Each renders only
when asked for; a data volume one pod at a time holds refuses a second pod."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
import yaml

from lienthong import registry
from lienthong.devtools.chartcheck import (
    CHART,
    VALUES_FILES,
    HelmError,
    helm,
    policy_violations,
    render,
    schema_errors,
)

if TYPE_CHECKING:
    from pathlib import Path

Objects = list[dict[str, Any]]
SERVICES = tuple(registry.names())
VALUES = yaml.safe_load((CHART / "values.yaml").read_text())
RELEASE = {"app.kubernetes.io/name": "lienthong", "app.kubernetes.io/instance": "lienthong"}
CALLERS = [
    {"podSelector": {"matchLabels": {**RELEASE, "app.kubernetes.io/component": "smoke-test"}}},
    {"namespaceSelector": {"matchLabels": {"lienthong.io/grpc-client": "true"}}}]
DATA_DIR = "/var/lib/lienthong/data"
PIN_DIR = "/var/run/secrets/lienthong/pkcs11"
#: A service that takes none of the three in values.yaml, to give them to.
[PLAIN, *_] = [name for name, entry in VALUES["services"].items()
               if not entry.get("httpPort") and not (entry.get("persistence") or {}).get(
                   "enabled")]
HSM = {"pkcs11": {"module": "/opt/pkcs11/libhsm.so", "token": "lienthong",
                  "pinSecret": {"name": "hsm-pin", "key": "user-pin"},
                  "moduleVolume": {"persistentVolumeClaim": {"claimName": "hsm-client",
                                                             "readOnly": True}}}}


def find(objects: Objects, kind: str, name: str) -> dict[str, Any]:
    matches = [o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name]
    assert len(matches) == 1, f"{kind}/{name}: {len(matches)} found"
    return matches[0]


def pod(objects: Objects, service: str) -> dict[str, Any]:
    return find(objects, "Deployment", f"lienthong-{service}")["spec"]["template"]["spec"]


def config(objects: Objects, service: str, release: str = "lienthong") -> dict[str, str]:
    return find(objects, "ConfigMap", f"{release}-{service}")["data"]


def with_values(tmp_path: Path, values: dict[str, Any], values_file: str = "values.yaml",
                *set_values: str) -> Objects:
    """The chart rendered with a values file and these values on top (an operator's -f)."""
    path = tmp_path / "operator-values.yaml"
    path.write_text(yaml.safe_dump(values))
    args = ["template", "lienthong", str(CHART), "--namespace", "lienthong",
            "-f", str(CHART / values_file), "-f", str(path)]
    for assignment in set_values:
        args += ["--set", assignment]
    return [doc for doc in yaml.safe_load_all(helm(*args)) if doc]


def valid_and_hardened(objects: Objects) -> None:
    assert schema_errors(objects, versions=("1.30.0", "1.33.0")) == []
    assert [str(v) for v in policy_violations(objects)] == []


# -- nothing unless asked for ------------------------------------------------------------

def test_a_service_without_them_gets_no_http_port_data_volume_or_token() -> None:
    objects = render("values.yaml")
    spec = pod(objects, PLAIN)
    [container] = spec["containers"]

    assert "http" not in {p["name"] for p in container["ports"]}
    assert "http" not in {p["name"] for p in find(objects, "Service", f"lienthong-{PLAIN}")[
        "spec"]["ports"]}
    env = config(objects, PLAIN)
    assert not [k for k in env if k.startswith(("LIENTHONG_HTTP_", "LIENTHONG_PKCS11_"))]
    assert "LIENTHONG_DATA_DIR" not in env
    assert not {"data", "pkcs11-pin", "pkcs11-module"} & {v["name"] for v in spec["volumes"]}
    assert f"lienthong-{PLAIN}-data" not in {o["metadata"]["name"] for o in objects
                                             if o["kind"] == "PersistentVolumeClaim"}
    deployment = find(objects, "Deployment", f"lienthong-{PLAIN}")
    assert deployment["spec"]["strategy"] == {
        "type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}}
    policy = find(objects, "NetworkPolicy", f"lienthong-{PLAIN}")["spec"]
    assert len(policy["ingress"]) == 2  # gRPC and metrics


def test_no_pkcs11_module_means_no_token_for_any_service() -> None:
    objects = render("values.yaml")

    for service in SERVICES:
        assert not [k for k in config(objects, service) if k.startswith("LIENTHONG_PKCS11_")]
        assert "pkcs11-pin" not in {v["name"] for v in pod(objects, service)["volumes"]}


# -- an HTTP port ----------------------------------------------------------------------------

def test_an_http_port_is_a_container_port_a_service_port_and_two_settings() -> None:
    objects = render("values.yaml", set_values=(f"services.{PLAIN}.httpPort=8091",))

    [container] = pod(objects, PLAIN)["containers"]
    assert {"name": "http", "containerPort": 8091, "protocol": "TCP"} in container["ports"]
    service = find(objects, "Service", f"lienthong-{PLAIN}")["spec"]
    assert {"name": "http", "port": 8091, "targetPort": "http", "protocol": "TCP",
            "appProtocol": "http"} in service["ports"]
    env = config(objects, PLAIN)
    assert env["LIENTHONG_HTTP_LISTEN"] == "0.0.0.0:8091"
    # Where clients inside the cluster reach it: the Service's name in its namespace.
    assert env["LIENTHONG_HTTP_PUBLIC_URL"] == f"http://lienthong-{PLAIN}.lienthong.svc:8091"
    valid_and_hardened(objects)


def test_the_public_url_is_the_configured_one_when_given() -> None:
    objects = render("values.yaml", set_values=(
        f"services.{PLAIN}.httpPort=8091",
        f"services.{PLAIN}.publicUrl=https://pki.example.gov.vn"))

    assert config(objects, PLAIN)["LIENTHONG_HTTP_PUBLIC_URL"] == "https://pki.example.gov.vn"
    assert config(objects, PLAIN)["LIENTHONG_HTTP_LISTEN"] == "0.0.0.0:8091"


def test_the_public_url_follows_the_release_and_namespace() -> None:
    objects = render("values.yaml", set_values=(f"services.{PLAIN}.httpPort=8091",),
                     release="gov", namespace="tinh-02")

    assert config(objects, PLAIN, release="gov-lienthong")["LIENTHONG_HTTP_PUBLIC_URL"] == \
        f"http://gov-lienthong-{PLAIN}.tinh-02.svc:8091"


def test_the_http_port_is_admitted_from_the_grpc_callers_and_the_http_clients(
        tmp_path: Path) -> None:
    ingress_controller = {"namespaceSelector": {"matchLabels": {
        "kubernetes.io/metadata.name": "ingress-nginx"}}}

    plain = render("values.yaml", set_values=(f"services.{PLAIN}.httpPort=8091",))
    [rule] = [r for r in find(plain, "NetworkPolicy", f"lienthong-{PLAIN}")["spec"]["ingress"]
              if {"protocol": "TCP", "port": 8091} in r["ports"]]
    assert rule == {"from": CALLERS, "ports": [{"protocol": "TCP", "port": 8091}]}

    objects = with_values(tmp_path, {"services": {PLAIN: {"httpPort": 8091}},
                                     "networkPolicy": {"httpClients": [ingress_controller]}})
    ingress = find(objects, "NetworkPolicy", f"lienthong-{PLAIN}")["spec"]["ingress"]
    by_port = {p["port"]: rule["from"] for rule in ingress for p in rule["ports"]}
    assert by_port[8091] == [*CALLERS, ingress_controller]
    # The gRPC port keeps its own callers: an ingress controller is not a gRPC client.
    assert by_port[registry.service(PLAIN).default_port] == CALLERS
    valid_and_hardened(objects)


def test_without_any_caller_the_http_port_is_closed_rather_than_open_to_all() -> None:
    objects = render("values.yaml", set_values=(f"services.{PLAIN}.httpPort=8091",
                                                "smokeTest.enabled=false",
                                                "networkPolicy.grpcClients=null"))

    ingress = find(objects, "NetworkPolicy", f"lienthong-{PLAIN}")["spec"]["ingress"]
    assert [p["port"] for rule in ingress for p in rule["ports"]] == [9464]


# -- a data volume ---------------------------------------------------------------------------

def test_a_data_volume_is_a_kept_claim_mounted_writable_with_the_pod_recreated() -> None:
    objects = render("values.yaml", set_values=(f"services.{PLAIN}.persistence.enabled=true",
                                                f"services.{PLAIN}.replicas=1"))

    claim = find(objects, "PersistentVolumeClaim", f"lienthong-{PLAIN}-data")
    assert claim["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"
    assert claim["metadata"]["labels"]["app.kubernetes.io/component"] == PLAIN
    assert claim["spec"] == {"accessModes": ["ReadWriteOnce"],
                             "resources": {"requests": {"storage": "64Mi"}}}
    spec = pod(objects, PLAIN)
    [container] = spec["containers"]
    assert {"name": "data", "mountPath": DATA_DIR} in container["volumeMounts"]
    assert {"name": "data", "persistentVolumeClaim": {
        "claimName": f"lienthong-{PLAIN}-data"}} in spec["volumes"]
    assert config(objects, PLAIN)["LIENTHONG_DATA_DIR"] == DATA_DIR
    # The root filesystem stays read-only; uid 10001 writes the volume through its group.
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert (spec["securityContext"]["runAsUser"], spec["securityContext"]["fsGroup"]) == (
        10001, 10001)
    # A ReadWriteOnce volume: the old pod leaves before the new one starts.
    assert find(objects, "Deployment", f"lienthong-{PLAIN}")["spec"]["strategy"] == {
        "type": "Recreate"}
    valid_and_hardened(objects)


def test_a_data_volume_takes_its_size_and_storage_class() -> None:
    objects = render("values.yaml", set_values=(
        f"services.{PLAIN}.persistence.enabled=true", f"services.{PLAIN}.replicas=1",
        f"services.{PLAIN}.persistence.size=1Gi",
        f"services.{PLAIN}.persistence.storageClass=fast-ssd"))

    claim = find(objects, "PersistentVolumeClaim", f"lienthong-{PLAIN}-data")["spec"]
    assert claim["storageClassName"] == "fast-ssd"
    assert claim["resources"]["requests"]["storage"] == "1Gi"


@pytest.mark.parametrize("assignments", [
    ("replicas=2",),
    ("replicas=1", "autoscaling.enabled=true"),
    ("replicas=3", "persistence.accessModes={ReadWriteOncePod}"),
], ids=["two-replicas", "autoscaling", "read-write-once-pod"])
def test_a_volume_one_pod_holds_refuses_a_second_pod_naming_the_service(
        assignments: tuple[str, ...]) -> None:
    with pytest.raises(HelmError) as refused:
        render("values.yaml", set_values=(
            f"services.{PLAIN}.persistence.enabled=true",
            *(f"services.{PLAIN}.{a}" for a in assignments)))

    message = str(refused.value)
    assert f"services.{PLAIN}.persistence" in message
    assert "one pod at a time" in message


def test_a_read_write_many_volume_takes_several_pods_and_rolls() -> None:
    objects = render("values.yaml", set_values=(
        f"services.{PLAIN}.persistence.enabled=true", f"services.{PLAIN}.replicas=3",
        f"services.{PLAIN}.persistence.accessModes={{ReadWriteMany}}"))

    deployment = find(objects, "Deployment", f"lienthong-{PLAIN}")["spec"]
    assert deployment["replicas"] == 3
    assert deployment["strategy"]["type"] == "RollingUpdate"
    claim = find(objects, "PersistentVolumeClaim", f"lienthong-{PLAIN}-data")["spec"]
    assert claim["accessModes"] == ["ReadWriteMany"]


def test_each_values_file_keeps_a_service_with_a_single_pod_volume_at_one_pod() -> None:
    for values_file in VALUES_FILES:
        objects = render(values_file)
        for claim in (o for o in objects if o["kind"] == "PersistentVolumeClaim"):
            service = claim["metadata"]["labels"]["app.kubernetes.io/component"]
            deployment = find(objects, "Deployment", f"lienthong-{service}")["spec"]
            assert deployment["replicas"] == 1, (values_file, service)
            assert deployment["strategy"] == {"type": "Recreate"}, (values_file, service)


# -- the PKCS#11 token -----------------------------------------------------------------------

def test_a_pkcs11_module_gives_every_service_the_token_its_pin_and_the_library(
        tmp_path: Path) -> None:
    objects = with_values(tmp_path, HSM)

    for service in SERVICES:
        env = config(objects, service)
        assert env["LIENTHONG_PKCS11_MODULE"] == "/opt/pkcs11/libhsm.so"
        assert env["LIENTHONG_PKCS11_TOKEN"] == "lienthong"
        assert env["LIENTHONG_PKCS11_PIN_FILE"] == f"{PIN_DIR}/user-pin"
        spec = pod(objects, service)
        mounts = {m["name"]: m for m in spec["containers"][0]["volumeMounts"]}
        assert mounts["pkcs11-pin"] == {"name": "pkcs11-pin", "mountPath": PIN_DIR,
                                        "readOnly": True}
        assert mounts["pkcs11-module"] == {"name": "pkcs11-module", "mountPath": "/opt/pkcs11",
                                           "readOnly": True}
        volumes = {v["name"]: v for v in spec["volumes"]}
        assert volumes["pkcs11-pin"]["secret"] == {
            "secretName": "hsm-pin", "defaultMode": 0o440,
            "items": [{"key": "user-pin", "path": "user-pin"}]}
        assert volumes["pkcs11-module"] == {"name": "pkcs11-module", "persistentVolumeClaim": {
            "claimName": "hsm-client", "readOnly": True}}
    valid_and_hardened(objects)


def test_a_library_in_the_image_needs_no_module_volume(tmp_path: Path) -> None:
    objects = with_values(tmp_path, {"pkcs11": {**HSM["pkcs11"], "moduleVolume": {}}})

    for service in SERVICES:
        assert "pkcs11-module" not in {v["name"] for v in pod(objects, service)["volumes"]}
        assert config(objects, service)["LIENTHONG_PKCS11_MODULE"] == "/opt/pkcs11/libhsm.so"


@pytest.mark.parametrize(("missing", "named"), [
    ({"token": ""}, "pkcs11.token is required"),
    ({"pinSecret": {"name": "", "key": "pin"}}, "pkcs11.pinSecret.name is required"),
])
def test_a_module_without_its_token_or_pin_is_refused(
        tmp_path: Path, missing: dict[str, Any], named: str) -> None:
    with pytest.raises(HelmError, match=named):
        with_values(tmp_path, {"pkcs11": {**HSM["pkcs11"], **missing}})


def test_every_service_reaches_a_network_hsm_only_with_a_module(tmp_path: Path) -> None:
    hsm = {"networkPolicy": {"hsm": {"to": [{"ipBlock": {"cidr": "10.20.1.10/32"}}],
                                     "ports": [1792]}}}
    rule = {"to": [{"ipBlock": {"cidr": "10.20.1.10/32"}}],
            "ports": [{"protocol": "TCP", "port": 1792}]}

    without_module = with_values(tmp_path, hsm)
    with_module = with_values(tmp_path, {**HSM, **hsm})

    for service in SERVICES:
        assert rule not in find(without_module, "NetworkPolicy", f"lienthong-{service}")[
            "spec"]["egress"]
        assert rule in find(with_module, "NetworkPolicy", f"lienthong-{service}")[
            "spec"]["egress"]
    valid_and_hardened(with_module)


def test_production_names_an_hsm_and_keeps_no_key_in_a_data_volume() -> None:
    objects = render("values-production.yaml")

    assert [o["metadata"]["name"] for o in objects if o["kind"] == "PersistentVolumeClaim"] == []
    for service in SERVICES:
        env = config(objects, service)
        assert env["LIENTHONG_PKCS11_MODULE"].startswith("/opt/pkcs11/")
        assert env["LIENTHONG_PKCS11_PIN_FILE"].startswith(f"{PIN_DIR}/")
        assert "LIENTHONG_DATA_DIR" not in env


# -- the schema ------------------------------------------------------------------------------

@pytest.mark.parametrize("assignment", [
    f"services.{PLAIN}.httpPort=70000",
    f"services.{PLAIN}.httpPort=http",
    f"services.{PLAIN}.publicUrl=pki.example.gov.vn",
    f"services.{PLAIN}.persistence.size=big",
    f"services.{PLAIN}.persistence.accessModes={{ReadWriteSometimes}}",
    f"services.{PLAIN}.persistence.keep=true",
    "pkcs11.module=libhsm.so",
    "pkcs11.slot=0",
])
def test_the_values_schema_refuses_bad_http_data_or_token_values(assignment: str) -> None:
    key = assignment.split("=", 1)[0].rsplit(".", 1)[0]

    with pytest.raises(HelmError) as refused:
        render("values.yaml", set_values=(assignment,))

    message = str(refused.value)
    assert "don't meet the specifications of the schema" in message
    assert f"/{key.replace('.', '/')}" in message or key in message, message


@pytest.mark.parametrize("path", [DATA_DIR, PIN_DIR, "/opt/pkcs11"])
def test_an_extra_mount_over_the_charts_own_folders_is_refused(tmp_path: Path,
                                                               path: str) -> None:
    with pytest.raises(HelmError, match="extraVolumeMounts"):
        with_values(tmp_path, {"services": {PLAIN: {
            "extraVolumes": [{"name": "x", "emptyDir": {}}],
            "extraVolumeMounts": [{"name": "x", "mountPath": path}]}}})
