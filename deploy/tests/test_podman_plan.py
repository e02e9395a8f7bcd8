"""The chart, rendered for podman, as the pods ``podman kube play`` starts
(lienthong.devtools.kubeplay): every workload a pod, every container as the chart wrote it,
what kube play lacks given another way."""

from __future__ import annotations

import base64
import subprocess

import pytest
import yaml

from lienthong import registry
from lienthong.devtools import kubeplay
from lienthong.devtools.helmbin import helm_path
from lienthong.devtools.podman_e2e import CHART, NAMESPACE, RELEASE, VALUES, deployment_pki

SERVICES = {spec.name: spec.default_port for spec in registry.services()}


@pytest.fixture(scope="module")
def manifests(tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    """The chart as podman's values render it, with the Secrets of a run's transport CA."""
    command = [helm_path(), "template", RELEASE, str(CHART), "--namespace", NAMESPACE]
    for values in VALUES:
        command += ["-f", str(CHART / values)]
    done = subprocess.run([*command, "--set", "image.tag=t1", "--set", "nats.image.tag=t1",
                           "--set", "postgresql.image.tag=t1"],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    secrets, _ = deployment_pki(tmp_path_factory.mktemp("pki"))
    return [*(doc for doc in yaml.safe_load_all(done.stdout) if doc), *secrets]


def test_the_run_brings_every_certificate_the_chart_mounts(manifests: list[dict]) -> None:
    secrets = {m["metadata"]["name"]: m["data"] for m in manifests if m["kind"] == "Secret"}
    mounted = {v["secret"]["secretName"] for m in manifests
               if m["kind"] in ("Deployment", "StatefulSet", "Pod")
               for v in (m["spec"].get("template", m)["spec"].get("volumes") or [])
               if "secret" in v}

    assert mounted <= set(secrets)
    for name in [*SERVICES, "nats", "smoke-test"]:
        assert set(secrets[f"lienthong-{name}-tls"]) == {"tls.crt", "tls.key", "ca.crt"}
    assert "crl.pem" in secrets["lienthong-transport-crl"]


@pytest.fixture(scope="module")
def plan(manifests: list[dict]) -> kubeplay.Plan:
    published = {f"lienthong-{name}": {port: 40000 + i}
                 for i, (name, port) in enumerate(SERVICES.items())}
    return kubeplay.plan(manifests, subnet_prefix="10.89.200", volumes_root="/v",
                         namespace=NAMESPACE, published=published, run_label="r1")


def containers(pod: kubeplay.PodPlan) -> list[dict]:
    return pod.manifest["spec"]["containers"]


def test_every_workload_is_one_pod_at_an_address_of_its_own_and_the_test_hook_one_more(
        plan: kubeplay.Plan, manifests: list[dict]) -> None:
    workloads = {m["metadata"]["name"]: m["kind"] for m in manifests
                 if m["kind"] in ("Deployment", "StatefulSet")}
    assert {p.name: p.kind for p in plan.pods if not p.hook} == workloads
    assert [p.name for p in plan.pods if p.hook] == ["lienthong-smoke-test"]
    ips = [p.ip for p in plan.pods]
    assert len(set(ips)) == len(ips) and all(ip.startswith("10.89.200.") for ip in ips)
    assert all(p.manifest["metadata"]["labels"]["lienthong.io/podman-run"] == "r1"
               for p in plan.pods)


def test_each_image_is_the_one_make_images_built_and_never_pulled(plan: kubeplay.Plan) -> None:
    found = {c["image"]: c["imagePullPolicy"] for p in plan.pods for c in containers(p)}
    assert found == {**{f"localhost/lienthong/{n}:t1": "Never" for n in SERVICES},
                     "localhost/lienthong/tools:t1": "Never",
                     "localhost/lienthong/nats:t1": "Never",
                     "localhost/lienthong/postgresql:t1": "Never"}


def test_a_service_name_resolves_in_every_pod_to_the_pod_it_selects(
        plan: kubeplay.Plan) -> None:
    for pod in plan.pods:
        hosts = {name: alias["ip"] for alias in pod.manifest["spec"]["hostAliases"]
                 for name in alias["hostnames"]}
        for name in SERVICES:
            assert hosts[f"lienthong-{name}"] == plan.pod(f"lienthong-{name}").ip
        nats = plan.pod("lienthong-nats").ip
        assert hosts["lienthong-nats"] == hosts["lienthong-nats-headless"] == nats
        assert hosts["lienthong-postgresql.lienthong.svc.cluster.local"] == \
            plan.pod("lienthong-postgresql").ip


def test_secrets_config_maps_and_fields_become_values_and_files(
        plan: kubeplay.Plan, manifests: list[dict]) -> None:
    secrets = {m["metadata"]["name"]: m for m in manifests if m["kind"] == "Secret"}
    url = base64.b64decode(secrets["lienthong-postgresql"]["data"]["url"]).decode()
    for name in SERVICES:
        pod = plan.pod(f"lienthong-{name}")
        [container] = containers(pod)
        env = {e["name"]: e for e in container["env"]}
        assert all("valueFrom" not in e for e in env.values())
        assert env["LIENTHONG_EVENT_STORE"]["value"] == url
        assert "@lienthong-postgresql:" in url  # a Service name, resolved by the aliases
        volumes = {v["name"]: v for v in pod.manifest["spec"]["volumes"]}
        key = volumes["audit-signing-key"]["hostPath"]
        assert key == {"path": f"/v/{pod.name}/audit-signing-key", "type": "Directory"}
        content, mode, gid = pod.files[f"{key['path']}/ed25519.pem"]
        assert content == base64.b64decode(
            secrets["lienthong-audit-signing-key"]["data"]["ed25519.pem"])
        assert (mode, gid) == (0o440, 10001)  # defaultMode, readable through fsGroup
        assert volumes["tmp"]["hostPath"]["path"].endswith("/tmp")  # an emptyDir
    [nats] = containers(plan.pod("lienthong-nats"))
    assert {"name": "SERVER_NAME", "value": "lienthong-nats"} in nats["env"]


def test_probes_leave_the_pods_for_the_runner_and_keep_what_they_check(
        plan: kubeplay.Plan) -> None:
    probes = {p.name: p.probes for p in plan.pods}
    for name in SERVICES:
        [probe] = probes[f"lienthong-{name}"]
        assert (probe.kind, probe.port) == ("grpc", 8086)  # the plaintext health-only port
    [nats] = probes["lienthong-nats"]
    assert (nats.kind, nats.port, nats.path) == ("httpGet", 8222, "/healthz")
    [postgres] = probes["lienthong-postgresql"]
    assert postgres.kind == "exec" and postgres.command[0] == "pg_isready"
    for pod in plan.pods:
        for container in containers(pod):
            assert not {"readinessProbe", "livenessProbe", "startupProbe"} & set(container)


def test_only_the_published_ports_are_declared_and_only_on_loopback(
        plan: kubeplay.Plan) -> None:
    for i, (name, port) in enumerate(SERVICES.items()):
        [container] = containers(plan.pod(f"lienthong-{name}"))
        assert [(p["containerPort"], p["hostPort"], p["hostIP"]) for p in container["ports"]] \
            == [(port, 40000 + i, "127.0.0.1")]
    for store in ("lienthong-nats", "lienthong-postgresql"):
        assert all("ports" not in c for c in containers(plan.pod(store)))


def test_volume_claim_templates_become_claims_of_the_run(plan: kubeplay.Plan) -> None:
    for store in ("lienthong-nats", "lienthong-postgresql"):
        pod = plan.pod(store)
        [claim] = pod.claims
        assert claim["metadata"]["name"] == f"data-{store}-r1"
        volumes = {v["name"]: v for v in pod.manifest["spec"]["volumes"]}
        assert volumes["data"] == {"name": "data", "persistentVolumeClaim": {
            "claimName": f"data-{store}-r1"}}


def test_the_charts_claims_become_claims_of_the_run_in_the_pods_that_mount_them(
        plan: kubeplay.Plan, manifests: list[dict]) -> None:
    charted = {m["metadata"]["name"]: m for m in manifests
               if m["kind"] == "PersistentVolumeClaim"}
    assert charted  # a service's data volume (persistence) in podman's values
    for name, claim in charted.items():
        [pod] = [p for p in plan.pods if not p.hook and any(
            (v.get("persistentVolumeClaim") or {}).get("claimName") == f"{name}-r1"
            for v in p.manifest["spec"]["volumes"])]
        # Named after the run: its teardown removes it, no later run finds its data.
        assert [c for c in pod.claims if c["metadata"]["name"] == f"{name}-r1"] == [
            {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
             "metadata": {"name": f"{name}-r1"}, "spec": claim["spec"]}]
        # The chart's Deployment mounts it, its name changed and nothing else.
        [deployment] = [m for m in manifests if m["kind"] == "Deployment"
                        and m["metadata"]["name"] == pod.name]
        [mounted] = [v for v in deployment["spec"]["template"]["spec"]["volumes"]
                     if (v.get("persistentVolumeClaim") or {}).get("claimName") == name]
        assert {**mounted, "persistentVolumeClaim": {"claimName": f"{name}-r1"}} in \
            pod.manifest["spec"]["volumes"]
    assert "PersistentVolumeClaim" not in plan.not_run


def test_a_claim_the_chart_lacks_is_refused_naming_it(manifests: list[dict]) -> None:
    charted = [m["metadata"]["name"] for m in manifests if m["kind"] == "PersistentVolumeClaim"]
    without = [m for m in manifests if m["kind"] != "PersistentVolumeClaim"]

    with pytest.raises(kubeplay.PlanError, match=f"the persistentvolumeclaim '{charted[0]}'"):
        kubeplay.plan(without, subnet_prefix="10.89.200", volumes_root="/v",
                      namespace=NAMESPACE)


def test_what_kube_play_cannot_run_is_listed_with_how_it_is_covered(
        plan: kubeplay.Plan) -> None:
    assert {"Service", "NetworkPolicy", "Secret", "ConfigMap", "ServiceAccount"} <= set(
        plan.not_run)
    assert "lienthong-default-deny" in plan.not_run["NetworkPolicy"]
    assert set(plan.not_run) <= set(kubeplay.NOT_RUN)


def test_a_reference_to_a_secret_the_chart_lacks_is_refused_naming_it(
        manifests: list[dict]) -> None:
    without = [m for m in manifests
               if not (m["kind"] == "Secret" and m["metadata"]["name"] == "lienthong-postgresql")]

    with pytest.raises(kubeplay.PlanError, match="the secret 'lienthong-postgresql' is not"):
        kubeplay.plan(without, subnet_prefix="10.89.200", volumes_root="/v",
                      namespace=NAMESPACE)
