"""Chart values an operator tunes per cluster: who may call in, where names resolve,
NATS monitoring, the services' startup allowance and extra volumes (a database CA)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
import yaml

from lienthong import registry
from lienthong.devtools.chartcheck import HelmError, policy_violations, render, schema_errors

if TYPE_CHECKING:
    from pathlib import Path

RELEASE = {"app.kubernetes.io/name": "lienthong", "app.kubernetes.io/instance": "lienthong"}
SMOKE_TEST = {"podSelector": {"matchLabels": {**RELEASE,
                                              "app.kubernetes.io/component": "smoke-test"}}}
KUBE_DNS = {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
            "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}


def policy(objects: list[dict[str, Any]], name: str) -> dict[str, Any]:
    [found] = [o["spec"] for o in objects
               if o["kind"] == "NetworkPolicy" and o["metadata"]["name"] == name]
    return found


def ingress_on(spec: dict[str, Any], port: int) -> list[dict[str, Any]]:
    return [rule for rule in spec.get("ingress", [])
            if port in {p["port"] for p in rule.get("ports", [])}]


def container(objects: list[dict[str, Any]], service: str) -> dict[str, Any]:
    [deployment] = [o for o in objects if o["kind"] == "Deployment"
                    and o["metadata"]["name"] == f"lienthong-{service}"]
    return deployment["spec"]["template"]["spec"]["containers"][0]


def with_values(tmp_path: Path, values: dict[str, Any]) -> list[dict[str, Any]]:
    """The chart rendered with its defaults and these values (as an operator's -f file)."""
    path = tmp_path / "operator-values.yaml"
    path.write_text(yaml.safe_dump(values))
    return render(str(path))


def refused(assignment: str) -> str:
    with pytest.raises(HelmError) as error:
        render("values.yaml", set_values=(assignment,))
    message = str(error.value)
    assert "don't meet the specifications of the schema" in message
    return message


# -- gRPC ingress ---------------------------------------------------------------------

def test_only_the_helm_test_pod_the_configured_clients_and_calling_services_may_call() -> None:
    objects = render("values.yaml")

    for spec in registry.services():
        rule, *from_services = ingress_on(policy(objects, f"lienthong-{spec.name}"),
                                          spec.default_port)
        assert rule["from"] == [
            SMOKE_TEST,
            {"namespaceSelector": {"matchLabels": {"lienthong.io/grpc-client": "true"}}}]
        # NATS, PostgreSQL and the other services are pods of the release: none is a caller,
        # but the services that declare they call this one (ServiceSpec.calls).
        assert {"podSelector": {"matchLabels": RELEASE}} not in rule["from"]
        calling = sorted(s.name for s in registry.services() if spec.name in s.calls)
        assert [r["from"][0]["podSelector"]["matchExpressions"][0]["values"]
                for r in from_services] == ([calling] if calling else [])


def test_without_the_helm_test_and_clients_nothing_may_call_rather_than_everything() -> None:
    objects = render("values.yaml", set_values=("smokeTest.enabled=false",
                                                "networkPolicy.grpcClients=null"))

    # An ingress rule with no `from` would admit every peer: there is none at all.
    assert ingress_on(policy(objects, "lienthong-identity"), 50051) == []
    assert schema_errors(objects, versions=("1.33.0",)) == []


def test_without_the_helm_test_only_the_configured_clients_may_call() -> None:
    objects = render("values.yaml", set_values=("smokeTest.enabled=false",))

    [rule] = ingress_on(policy(objects, "lienthong-identity"), 50051)
    assert SMOKE_TEST not in rule["from"]
    assert len(rule["from"]) == 1


# -- DNS ------------------------------------------------------------------------------

def test_every_pod_resolves_names_at_kube_dns_by_default() -> None:
    objects = render("values.yaml")

    for name in (*(f"lienthong-{s}" for s in registry.names()), "lienthong-nats",
                 "lienthong-smoke-test"):
        dns = policy(objects, name)["egress"][0]
        assert dns["to"] == [KUBE_DNS], name
        assert {(p["protocol"], p["port"]) for p in dns["ports"]} == {("UDP", 53), ("TCP", 53)}


def test_node_local_dns_cache_is_allowed_by_an_ip_block(tmp_path: Path) -> None:
    node_local = {"ipBlock": {"cidr": "169.254.20.10/32"}}

    objects = with_values(tmp_path, {"networkPolicy": {"dns": {"to": [node_local, KUBE_DNS]}}})

    for name in ("lienthong-identity", "lienthong-nats", "lienthong-smoke-test"):
        assert policy(objects, name)["egress"][0]["to"] == [node_local, KUBE_DNS], name
    assert schema_errors(objects, versions=("1.33.0",)) == []


def test_an_empty_dns_peer_list_is_refused(tmp_path: Path) -> None:
    with pytest.raises(HelmError, match="dns"):
        with_values(tmp_path, {"networkPolicy": {"dns": {"to": []}}})


# -- NATS monitoring -------------------------------------------------------------------

def test_nats_monitoring_is_closed_unless_enabled_then_open_to_prometheus() -> None:
    closed = render("values-production.yaml")
    assert ingress_on(policy(closed, "lienthong-nats"), 8222) == []

    opened = render("values-production.yaml",
                    set_values=("networkPolicy.natsMonitoring.enabled=true",))

    [rule] = ingress_on(policy(opened, "lienthong-nats"), 8222)
    assert rule["from"] == [{
        "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}},
        "podSelector": {"matchLabels": {"app.kubernetes.io/name": "prometheus"}}}]
    # Only NATS opens it: the services' policies are unchanged.
    assert ingress_on(policy(opened, "lienthong-identity"), 8222) == []


def test_nats_monitoring_can_be_opened_to_an_exporter_of_its_own(tmp_path: Path) -> None:
    exporter = {
        "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}},
        "podSelector": {"matchLabels": {"app.kubernetes.io/name": "prometheus-nats-exporter"}}}

    objects = with_values(tmp_path, {"networkPolicy": {"natsMonitoring": {
        "enabled": True, "from": [exporter]}}})

    [rule] = ingress_on(policy(objects, "lienthong-nats"), 8222)
    assert rule["from"] == [exporter]


# -- the services' pods ----------------------------------------------------------------

def test_the_startup_allowance_is_120_seconds_unless_configured() -> None:
    default = container(render("values.yaml"), "identity")["startupProbe"]
    assert default["periodSeconds"] * default["failureThreshold"] == 120

    objects = render("values.yaml", set_values=(
        "services.identity.startupProbe.failureThreshold=150",
        "services.identity.startupProbe.periodSeconds=4"))

    probe = container(objects, "identity")["startupProbe"]
    assert (probe["periodSeconds"], probe["failureThreshold"]) == (4, 150)  # 10 minutes
    assert probe["grpc"] == {"port": 8086}
    # The other service keeps its own.
    assert container(objects, "dossiers")["startupProbe"]["failureThreshold"] == 60


@pytest.mark.parametrize("assignment", [
    "services.identity.startupProbe.failureThreshold=0",
    "services.dossiers.startupProbe.periodSeconds=fast",
    "services.identity.startupProbe.initialDelay=10",
])
def test_the_values_schema_refuses_a_bad_startup_probe(assignment: str) -> None:
    assert "startupProbe" in refused(assignment)


def test_a_database_ca_is_mounted_from_extra_volumes(tmp_path: Path) -> None:
    objects = with_values(tmp_path, {"services": {"identity": {
        "extraVolumes": [{"name": "pg-ca", "secret": {"secretName": "pg-ca"}}],
        "extraVolumeMounts": [{"name": "pg-ca", "mountPath": "/etc/lienthong/pg-ca",
                               "readOnly": True}]}}})

    [deployment] = [o for o in objects if o["kind"] == "Deployment"
                    and o["metadata"]["name"] == "lienthong-identity"]
    volumes = {v["name"]: v for v in deployment["spec"]["template"]["spec"]["volumes"]}
    assert volumes["pg-ca"]["secret"] == {"secretName": "pg-ca"}
    assert "tmp" in volumes  # the chart's own volumes stay
    mounts = {m["name"]: m for m in container(objects, "identity")["volumeMounts"]}
    assert mounts["pg-ca"] == {"name": "pg-ca", "mountPath": "/etc/lienthong/pg-ca",
                               "readOnly": True}
    assert "pg-ca" not in {m["name"] for m in container(objects, "dossiers")["volumeMounts"]}
    assert schema_errors(objects, versions=("1.33.0",)) == []
    assert [str(v) for v in policy_violations(objects)] == []


@pytest.mark.parametrize("mount", [
    {"name": "pg-ca"},                                  # no mountPath
    {"name": "pg-ca", "mountPath": "etc/pg-ca"},        # not absolute
    {"name": "scratch", "mountPath": "/tmp"},           # over the chart's own /tmp
])
def test_the_values_schema_refuses_a_bad_extra_mount(tmp_path: Path,
                                                     mount: dict[str, Any]) -> None:
    with pytest.raises(HelmError, match="extraVolumeMounts"):
        with_values(tmp_path, {"services": {"identity": {"extraVolumeMounts": [mount]}}})
