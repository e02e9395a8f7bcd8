"""The Helm chart (deploy/helm/lienthong), rendered by a real helm and checked
against the Kubernetes schemas, the workload policy and the names other parts
of the platform rely on (the kind script, the Tiltfile, the e2e suite)."""

from __future__ import annotations

import copy
import functools
import re
from typing import Any

import pytest

from lienthong import registry
from lienthong.calls import service_callers
from lienthong.devtools.chartcheck import (
    VALUES_FILES,
    HelmError,
    Violation,
    lint,
    policy_violations,
    render,
    schema_errors,
)

Objects = list[dict[str, Any]]
#: Every registered service and its port (the chart's, checked in test_chart_registry.py).
SERVICES = {spec.name: spec.default_port for spec in registry.services()}
#: The HTTP port of each service that has one (its ServiceSpec's http_port, the chart's
#: httpPort).
#: /tmp of the pods that need more than 64 MiB: the archive makes PDF/A and packages there.
TMP_SIZES = {"archive": "2Gi"}
HTTP_PORTS = {spec.name: spec.http_port for spec in registry.services() if spec.http_port}


@functools.cache
def _rendered(values_file: str, set_values: tuple[str, ...] = ()) -> tuple[dict[str, Any], ...]:
    return tuple(render(values_file, set_values=set_values))


def rendered(values_file: str, *set_values: str) -> Objects:
    """The chart's objects (a private copy: tests may change them)."""
    return copy.deepcopy(list(_rendered(values_file, set_values)))


def find(objects: Objects, kind: str, name: str) -> dict[str, Any]:
    matches = [o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name]
    assert len(matches) == 1, f"{kind}/{name}: {len(matches)} found"
    return matches[0]


def names(objects: Objects, kind: str) -> set[str]:
    return {o["metadata"]["name"] for o in objects if o["kind"] == kind}


def env_of(container: dict[str, Any], objects: Objects) -> dict[str, Any]:
    """A container's environment: its ConfigMaps' data, then its own env entries."""
    env: dict[str, Any] = {}
    for source in container.get("envFrom", []):
        env.update(find(objects, "ConfigMap", source["configMapRef"]["name"])["data"])
    for entry in container.get("env", []):
        env[entry["name"]] = entry.get("value", entry.get("valueFrom"))
    return env


# -- every values file ---------------------------------------------------------------

@pytest.mark.parametrize("values_file", VALUES_FILES)
def test_helm_lint_strict_passes(values_file: str) -> None:
    assert "0 chart(s) failed" in lint(values_file)


@pytest.mark.parametrize("values_file", VALUES_FILES)
def test_every_rendered_object_is_valid_against_the_kubernetes_schemas(values_file: str) -> None:
    objects = rendered(values_file)

    assert schema_errors(objects) == []
    assert {"Deployment", "Service", "NetworkPolicy", "Pod"} <= {o["kind"] for o in objects}


@pytest.mark.parametrize("values_file", VALUES_FILES)
def test_every_workload_meets_the_policy(values_file: str) -> None:
    assert [str(v) for v in policy_violations(rendered(values_file))] == []


@pytest.mark.parametrize("values_file", VALUES_FILES)
def test_every_object_carries_the_standard_labels(values_file: str) -> None:
    for obj in rendered(values_file):
        labels = obj["metadata"]["labels"]
        where = f"{obj['kind']}/{obj['metadata']['name']}"
        assert labels["app.kubernetes.io/name"] == "lienthong", where
        assert labels["app.kubernetes.io/instance"] == "lienthong", where
        assert labels["app.kubernetes.io/part-of"] == "lienthong", where
        assert labels["app.kubernetes.io/managed-by"] == "Helm", where
        assert labels["app.kubernetes.io/version"], where
        assert labels["app.kubernetes.io/component"], where
        assert labels["helm.sh/chart"].startswith("lienthong-"), where


# -- the policy itself ---------------------------------------------------------------

def test_the_policy_names_the_workload_and_the_rule_it_breaks() -> None:
    careless = {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "careless"},
        "spec": {"template": {"spec": {"containers": [
            {"name": "app", "image": "app:1", "resources": {"requests": {"cpu": "1"}}}]}}},
    }

    found = {str(v) for v in policy_violations([careless])}

    assert found == {
        "Deployment/careless container app: readinessProbe missing",
        "Deployment/careless container app: livenessProbe missing",
        "Deployment/careless container app: resources.requests missing memory",
        "Deployment/careless container app: resources.limits missing cpu, memory",
        "Deployment/careless container app: runAsNonRoot is not true",
        "Deployment/careless container app: readOnlyRootFilesystem is not true",
        "Deployment/careless container app: allowPrivilegeEscalation is not false",
        "Deployment/careless container app: capabilities.drop does not include ALL",
        "Deployment/careless container app: seccompProfile is not RuntimeDefault",
    }


def test_the_policy_catches_one_regression_in_the_rendered_chart() -> None:
    objects = rendered("values.yaml")
    nats = find(objects, "StatefulSet", "lienthong-nats")
    container = nats["spec"]["template"]["spec"]["containers"][0]
    container["securityContext"]["readOnlyRootFilesystem"] = False
    del container["livenessProbe"]
    hook = find(objects, "Pod", "lienthong-smoke-test")
    del hook["spec"]["containers"][0]["resources"]["limits"]

    assert policy_violations(objects) == [
        Violation("StatefulSet/lienthong-nats", "nats", "livenessProbe missing"),
        Violation("StatefulSet/lienthong-nats", "nats", "readOnlyRootFilesystem is not true"),
        Violation("Pod/lienthong-smoke-test", "smoke-test",
                  "resources.limits missing cpu, memory"),
    ]


def test_the_schema_check_reports_an_unknown_field() -> None:
    objects = rendered("values.yaml")
    deployment = find(objects, "Deployment", "lienthong-identity")
    deployment["spec"]["template"]["spec"]["containers"][0]["readinessprobe"] = {}

    errors = schema_errors([deployment], versions=("1.33.0",))

    assert len(errors) == 1
    assert errors[0].startswith("Deployment/lienthong-identity (1.33.0): "
                                "spec.template.spec.containers.0: ")
    assert "'readinessprobe' was unexpected" in errors[0]


# -- values.schema.json --------------------------------------------------------------

@pytest.mark.parametrize("assignment", [
    "services.identity.replicas=-1",     # below the minimum
    "services.dossiers.port=70000",      # not a port
    "services.identity.port=grpc",       # a string, not an integer
    "nats.replicas=2",                   # no JetStream quorum
    "image.pullPolicy=Sometimes",        # not an enum value
    "log.format=xml",
    "otel.endpoint=collector:4317",      # not an http(s) URL
    "unknownSetting=1",                  # no such key
])
def test_the_values_schema_rejects_bad_values(assignment: str) -> None:
    key = assignment.split("=", 1)[0]

    with pytest.raises(HelmError) as refused:
        render("values.yaml", set_values=(assignment,))

    message = str(refused.value)
    assert "don't meet the specifications of the schema" in message
    # helm 4 names the field as a JSON pointer, helm 3 with dots.
    assert f"/{key.replace('.', '/')}" in message or key in message, message


def test_the_schema_error_says_which_rule_failed() -> None:
    with pytest.raises(HelmError) as refused:
        render("values.yaml", set_values=("services.identity.replicas=-1",))

    assert re.search(r"minimum|greater than or equal to 0", str(refused.value))


def test_without_postgresql_an_event_store_secret_is_required() -> None:
    with pytest.raises(HelmError) as refused:
        render("values-production.yaml", set_values=("eventStore.existingSecret=",))

    assert "eventStore.existingSecret is required when postgresql.enabled is false" in str(
        refused.value)


# -- the services ---------------------------------------------------------------------

@pytest.mark.parametrize("values_file", VALUES_FILES)
def test_each_service_has_its_deployment_service_account_pdb_and_contract_env(
        values_file: str) -> None:
    objects = rendered(values_file)
    for service, port in SERVICES.items():
        name = f"lienthong-{service}"
        pod = find(objects, "Deployment", name)["spec"]["template"]["spec"]
        container = pod["containers"][0]

        assert container["image"].rsplit(":", 1)[0].endswith(f"lienthong/{service}")
        # The kubelet's probes carry no client certificate: a plaintext health-only port.
        for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
            assert container[probe]["grpc"] == {"port": 8086}, probe
        http = {"http": HTTP_PORTS[service]} if service in HTTP_PORTS else {}
        assert {p["name"]: p["containerPort"] for p in container["ports"]} == {
            "grpc": port, **http, "metrics": 9464, "health": 8086}
        assert {"name": "tmp", "mountPath": "/tmp"} in container["volumeMounts"]
        assert {"name": "tmp", "emptyDir": {"sizeLimit": TMP_SIZES.get(service, "64Mi")}} \
            in pod["volumes"]
        assert pod["serviceAccountName"] == name
        assert pod["automountServiceAccountToken"] is False
        assert find(objects, "ServiceAccount", name)["automountServiceAccountToken"] is False
        pdb = find(objects, "PodDisruptionBudget", name)["spec"]
        assert pdb.get("minAvailable", 0) >= 1 or pdb.get("maxUnavailable") == 1

        env = env_of(container, objects)
        assert env["LIENTHONG_SERVICE"] == service
        assert env["LIENTHONG_LISTEN"] == f"0.0.0.0:{port}"
        assert env["LIENTHONG_POSTGRES_SCHEMA"] == service
        assert env["LIENTHONG_NATS_URL"] == "nats://lienthong-nats:4222"
        assert env["LIENTHONG_METRICS_LISTEN"] == "0.0.0.0:9464"
        assert env["LIENTHONG_LOG_FORMAT"] == "json"
        assert env["OTEL_SERVICE_NAME"] == service
        assert env["PYTHONDONTWRITEBYTECODE"] == "1"
        assert env["LIENTHONG_EVENT_STORE"]["secretKeyRef"]["key"] == "url"

        svc = find(objects, "Service", name)["spec"]
        assert {(p["name"], p["port"]) for p in svc["ports"]} == {("grpc", port),
                                                                 ("metrics", 9464),
                                                                 *http.items()}


def test_autoscaling_is_off_by_default_and_an_hpa_replaces_the_replica_count() -> None:
    assert names(rendered("values.yaml"), "HorizontalPodAutoscaler") == set()

    objects = rendered("values.yaml", "services.identity.autoscaling.enabled=true")

    hpa = find(objects, "HorizontalPodAutoscaler", "lienthong-identity")
    assert hpa["apiVersion"] == "autoscaling/v2"
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment",
                                             "name": "lienthong-identity"}
    assert "replicas" not in find(objects, "Deployment", "lienthong-identity")["spec"]
    assert find(objects, "Deployment", "lienthong-dossiers")["spec"]["replicas"] == 2
    assert schema_errors([hpa]) == []


def test_otlp_and_the_audit_signing_key_are_wired_only_when_configured() -> None:
    plain = find(rendered("values.yaml"), "Deployment", "lienthong-identity")
    plain_env = env_of(plain["spec"]["template"]["spec"]["containers"][0], rendered("values.yaml"))
    assert "OTEL_EXPORTER_OTLP_ENDPOINT" not in plain_env
    assert "LIENTHONG_AUDIT_SIGNING_KEY" not in plain_env

    objects = rendered("values.yaml", "otel.endpoint=http://collector.monitoring:4317",
                       "audit.signingKey.existingSecret=audit-key")
    pod = find(objects, "Deployment", "lienthong-identity")["spec"]["template"]["spec"]
    container = pod["containers"][0]
    env = env_of(container, objects)
    assert env["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://collector.monitoring:4317"
    assert env["LIENTHONG_AUDIT_SIGNING_KEY"] == "/var/run/secrets/lienthong/audit/ed25519.pem"
    assert {"name": "audit-signing-key", "mountPath": "/var/run/secrets/lienthong/audit",
            "readOnly": True} in container["volumeMounts"]
    volume = next(v for v in pod["volumes"] if v["name"] == "audit-signing-key")
    assert volume["secret"]["secretName"] == "audit-key"
    assert volume["secret"]["items"] == [{"key": "ed25519.pem", "path": "ed25519.pem"}]
    egress = find(objects, "NetworkPolicy", "lienthong-identity")["spec"]["egress"]
    assert any({"protocol": "TCP", "port": 4317} in rule.get("ports", []) for rule in egress)


# -- kind and production ---------------------------------------------------------------

def test_kind_runs_one_nats_server_and_the_charts_own_postgresql() -> None:
    objects = rendered("values-kind.yaml")

    nats = find(objects, "StatefulSet", "lienthong-nats")
    assert nats["spec"]["replicas"] == 1
    config = find(objects, "ConfigMap", "lienthong-nats")["data"]["nats.conf"]
    assert "jetstream {" in config
    assert "store_dir: /data" in config
    assert "cluster {" not in config
    postgresql = find(objects, "StatefulSet", "lienthong-postgresql")
    pg_pod = postgresql["spec"]["template"]["spec"]
    assert pg_pod["securityContext"]["runAsUser"] == 70
    assert pg_pod["containers"][0]["image"] == "postgres:15-alpine"
    assert {m["mountPath"] for m in pg_pod["containers"][0]["volumeMounts"]} >= {
        "/var/lib/postgresql/data", "/var/run/postgresql", "/tmp"}
    assert pg_pod["containers"][0]["readinessProbe"]["exec"]["command"][0] == "pg_isready"
    assert postgresql["spec"]["volumeClaimTemplates"][0]["metadata"]["name"] == "data"
    secret = find(objects, "Secret", "lienthong-postgresql")
    assert set(secret["data"]) == {"username", "password", "url"}
    identity = find(objects, "Deployment", "lienthong-identity")
    env = env_of(identity["spec"]["template"]["spec"]["containers"][0], objects)
    assert env["LIENTHONG_EVENT_STORE"] == {"secretKeyRef": {"name": "lienthong-postgresql",
                                                             "key": "url"}}
    assert env["LIENTHONG_STREAM_REPLICAS"] == "1"
    assert find(objects, "Service", "lienthong-postgresql")["spec"]["ports"][0]["port"] == 5432


def test_production_runs_a_three_server_jetstream_cluster_and_an_external_database() -> None:
    objects = rendered("values-production.yaml")

    nats = find(objects, "StatefulSet", "lienthong-nats")
    assert nats["spec"]["replicas"] == 3
    assert nats["spec"]["serviceName"] == "lienthong-nats-headless"
    config = find(objects, "ConfigMap", "lienthong-nats")["data"]["nats.conf"]
    for i in range(3):
        assert (f"nats://lienthong-nats-{i}.lienthong-nats-headless.lienthong.svc:6222"
                in config)
    assert "cluster {" in config
    headless = find(objects, "Service", "lienthong-nats-headless")["spec"]
    assert headless["clusterIP"] == "None"
    assert ("cluster", 6222) in {(p["name"], p["port"]) for p in headless["ports"]}
    assert find(objects, "PodDisruptionBudget", "lienthong-nats")["spec"]["maxUnavailable"] == 1
    assert "lienthong-postgresql" not in names(objects, "StatefulSet")
    assert names(objects, "Secret") == set()
    for service in SERVICES:
        deployment = find(objects, "Deployment", f"lienthong-{service}")
        env = env_of(deployment["spec"]["template"]["spec"]["containers"][0], objects)
        assert env["LIENTHONG_EVENT_STORE"] == {"secretKeyRef": {"name": "lienthong-event-store",
                                                                 "key": "url"}}
        assert env["LIENTHONG_STREAM_REPLICAS"] == "3"
    egress = find(objects, "NetworkPolicy", "lienthong-identity")["spec"]["egress"]
    assert {"to": [{"ipBlock": {"cidr": "10.20.0.0/24"}}],
            "ports": [{"protocol": "TCP", "port": 5432}]} in egress


def test_nats_is_a_hardened_statefulset_with_file_storage_and_health_probes() -> None:
    objects = rendered("values.yaml")
    nats = find(objects, "StatefulSet", "lienthong-nats")
    container = nats["spec"]["template"]["spec"]["containers"][0]

    assert container["image"].startswith("nats:2.15")
    assert container["startupProbe"]["httpGet"] == {"path": "/healthz", "port": "monitoring"}
    assert container["livenessProbe"]["httpGet"]["path"].startswith("/healthz")
    assert {m["mountPath"] for m in container["volumeMounts"]} == {"/etc/nats", "/data", "/tmp"}
    claim = nats["spec"]["volumeClaimTemplates"][0]
    assert claim["metadata"]["name"] == "data"
    assert claim["spec"]["resources"]["requests"]["storage"] == "5Gi"
    client = find(objects, "Service", "lienthong-nats")["spec"]["ports"]
    assert {(p["name"], p["port"]) for p in client} == {("client", 4222), ("monitoring", 8222)}


# -- network policies ------------------------------------------------------------------

def _peers_and_ports(rule: dict[str, Any], direction: str) -> tuple[list[Any], set[int]]:
    return rule.get(direction, []), {p["port"] for p in rule.get("ports", [])}


def test_network_policies_deny_everything_then_allow_each_real_caller() -> None:
    objects = rendered("values.yaml")
    policies = {o["metadata"]["name"]: o["spec"] for o in objects if o["kind"] == "NetworkPolicy"}
    release = {"app.kubernetes.io/name": "lienthong", "app.kubernetes.io/instance": "lienthong"}

    deny = policies.pop("lienthong-default-deny")
    assert deny == {"podSelector": {"matchLabels": release},
                    "policyTypes": ["Ingress", "Egress"]}
    assert set(policies) == {*(f"lienthong-{s}" for s in SERVICES), "lienthong-nats",
                             "lienthong-postgresql", "lienthong-smoke-test"}
    for name, spec in policies.items():
        assert spec["policyTypes"] == ["Ingress", "Egress"], name

    callers = [
        {"podSelector": {"matchLabels": {**release, "app.kubernetes.io/component": "smoke-test"}}},
        {"namespaceSelector": {"matchLabels": {"lienthong.io/grpc-client": "true"}}}]
    for service, port in SERVICES.items():
        spec = policies[f"lienthong-{service}"]
        grpc_rule, *other_rules, metrics_rule = spec["ingress"]
        peers, ports = _peers_and_ports(grpc_rule, "from")
        assert ports == {port}
        # The helm test pod and the configured clients; not the release's other pods...
        assert peers == callers
        # ...an HTTP port: the same callers (no networkPolicy.httpClients by default)...
        expected = [(callers, {HTTP_PORTS[service]})] if service in HTTP_PORTS else []
        # ...and the services that call this one (their ServiceSpec's calls), alone.
        if calling := sorted(s.name for s in registry.services() if service in s.calls):
            expected.append(([{"podSelector": {"matchLabels": release, "matchExpressions": [
                {"key": "app.kubernetes.io/component", "operator": "In",
                 "values": calling}]}}], {port}))
        assert [_peers_and_ports(rule, "from") for rule in other_rules] == expected
        assert _peers_and_ports(metrics_rule, "from")[1] == {9464}
        egress_ports = [_peers_and_ports(rule, "to")[1] for rule in spec["egress"]]
        called = [{SERVICES[name]} for name in registry.service(service).calls]
        assert egress_ports == [{53}, {4222}, *called, {5432}]
    # Documents validates signatures: the one call between services today.
    assert registry.service("documents").calls == ("signatures",)

    nats = policies["lienthong-nats"]
    assert [_peers_and_ports(r, "from")[1] for r in nats["ingress"]] == [{4222}, {6222}]
    assert [_peers_and_ports(r, "to")[1] for r in nats["egress"]] == [{53}, {6222}]
    postgresql = policies["lienthong-postgresql"]
    assert [_peers_and_ports(r, "from")[1] for r in postgresql["ingress"]] == [{5432}]
    assert postgresql["egress"] == []
    smoke = policies["lienthong-smoke-test"]
    assert [_peers_and_ports(r, "to")[1] for r in smoke["egress"]] == [{53},
                                                                      set(SERVICES.values())]


def test_a_service_calls_another_at_its_address_with_a_certificate_naming_it() -> None:
    objects = rendered("values.yaml", "tls.enabled=true",
                       "tls.certManager.issuerRef.name=lienthong-ca")
    release = {"app.kubernetes.io/name": "lienthong", "app.kubernetes.io/instance": "lienthong"}

    documents = find(objects, "Deployment", "lienthong-documents")
    env = env_of(documents["spec"]["template"]["spec"]["containers"][0], objects)
    assert env["LIENTHONG_SIGNATURES_ADDRESS"] == "lienthong-signatures:50053"
    certificate = find(objects, "Certificate", "lienthong-documents")["spec"]
    # The chart's default platform caller is the one the local platform and the podman
    # run issue certificates with.
    assert certificate["uris"] == service_callers(registry.service("documents")) == [
        "VN:GOV:000.00.00.Z00/documents"]
    assert "uris" not in find(objects, "Certificate", "lienthong-identity")["spec"]
    egress = find(objects, "NetworkPolicy", "lienthong-documents")["spec"]["egress"]
    assert {"to": [{"podSelector": {"matchLabels": {
        **release, "app.kubernetes.io/component": "signatures"}}}],
        "ports": [{"protocol": "TCP", "port": 50053}]} in egress


def test_a_call_to_a_service_that_is_not_installed_is_refused() -> None:
    with pytest.raises(HelmError, match=r"services\.documents calls signatures, which is not"):
        rendered("values.yaml", "services.signatures.enabled=false",
                 "services.archive.enabled=false")


def test_the_portal_egress_exists_only_for_dossiers_and_only_when_configured() -> None:
    def egress_ports(objects: Objects, service: str) -> list[set[int]]:
        spec = find(objects, "NetworkPolicy", f"lienthong-{service}")["spec"]
        return [_peers_and_ports(rule, "to")[1] for rule in spec["egress"]]

    assert {443} not in egress_ports(rendered("values.yaml"), "dossiers")

    objects = rendered("values.yaml",
                       "services.dossiers.portal.url=https://portal.example.invalid/api")

    assert {443} in egress_ports(objects, "dossiers")
    assert {443} not in egress_ports(objects, "identity")
    dossiers = find(objects, "Deployment", "lienthong-dossiers")
    env = env_of(dossiers["spec"]["template"]["spec"]["containers"][0], objects)
    assert env["LIENTHONG_PORTAL_URL"] == "https://portal.example.invalid/api"


# -- helm test ---------------------------------------------------------------------------

@pytest.mark.parametrize("values_file", VALUES_FILES)
def test_the_helm_test_hook_makes_a_grpc_round_trip_to_each_service(values_file: str) -> None:
    pod = find(rendered(values_file), "Pod", "lienthong-smoke-test")

    assert pod["metadata"]["annotations"]["helm.sh/hook"] == "test"
    assert pod["metadata"]["labels"]["app.kubernetes.io/component"] == "smoke-test"
    container = pod["spec"]["containers"][0]
    assert container["command"][:3] == ["python", "-m", "lienthong.tools.smoke"]
    args = container["command"][3:]
    # One --<service> per registered service, each at its Service's DNS name and port.
    options = {arg: args[i + 1] for i, arg in enumerate(args) if arg.startswith("--")}
    assert options.pop("--wait")
    assert options == {f"--{s}": f"lienthong-{s}:{port}" for s, port in SERVICES.items()}
    # A service's image holds its own service alone: the tools' image, beside the services'
    # images (same registry, prefix and tag), runs the smoke test.
    images = {c["spec"]["template"]["spec"]["containers"][0]["image"]
              for c in rendered(values_file) if c["kind"] == "Deployment"
              and c["metadata"]["labels"]["app.kubernetes.io/component"] in SERVICES}
    [service, *_] = SERVICES
    assert {image.replace(f"/{service}:", "/tools:") for image in images
            if f"/{service}:" in image} == {container["image"]}
    assert pod["spec"]["restartPolicy"] == "Never"


def test_the_helm_test_hook_checks_only_the_enabled_services() -> None:
    [first, *others] = SERVICES
    pod = find(rendered("values.yaml", f"services.{first}.enabled=false"), "Pod",
               "lienthong-smoke-test")

    args = pod["spec"]["containers"][0]["command"][3:]
    assert f"--{first}" not in args
    assert all(f"--{other}" in args for other in others)
    assert f"/{first}:" not in pod["spec"]["containers"][0]["image"]


def test_the_helm_test_hook_refuses_to_check_no_service_at_all() -> None:
    with pytest.raises(HelmError, match="no service is enabled"):
        rendered("values.yaml", *(f"services.{s}.enabled=false" for s in SERVICES))


@pytest.mark.parametrize("assignments", [
    ("services.dossiers.enabled=false",),
    ("nats.enabled=false", "nats.externalUrl=nats://nats.shared:4222",
     "networkPolicy.externalNats.to[0].ipBlock.cidr=10.30.0.0/24"),
    ("postgresql.enabled=false", "eventStore.existingSecret=db"),
    ("networkPolicy.enabled=false", "smokeTest.enabled=false"),
    ("nats.replicas=5", "nats.antiAffinity=required", "services.identity.pdb.minAvailable=1"),
], ids=["identity-only", "external-nats", "external-db", "no-policies", "five-nats"])
def test_other_combinations_of_values_render_valid_and_hardened(
        assignments: tuple[str, ...]) -> None:
    objects = rendered("values.yaml", *assignments)

    assert schema_errors(objects, versions=("1.33.0",)) == []
    assert [str(v) for v in policy_violations(objects)] == []
