"""``make e2e-podman``: the chart's workloads started by ``podman kube play``, and the e2e
suite and the chart's smoke test run against them.

``python -m lienthong.devtools.podman_e2e [--tag TAG] [--no-build] [--keep] [-- PYTEST ARGS]``

1. ``make images`` with podman (:mod:`lienthong.devtools.images`), one tag;
2. ``helm template`` of the chart with values-kind.yaml and values-podman.yaml (the
   kind path's values, then this runtime's images, mutual TLS and an access policy), and
   the Secrets an operator would bring: every workload's certificate, with cert-manager's
   key names, from a transport CA made for the run (:func:`deployment_pki`);
3. the manifests as pods (:mod:`lienthong.devtools.kubeplay`) on a podman network of this
   run, NATS's and PostgreSQL's first; every service's gRPC port and NATS's client port
   published on 127.0.0.1;
4. each pod's readiness probes, run as the kubelet runs them, until they pass;
5. ``pytest e2e --target podman`` against the published ports, as the client system
   ``VN:GOV:000.00.00.Z00/e2e`` (the ``tools`` certificate: NATS's tools user too);
6. the chart's ``helm test`` pod (the smoke test), to completion;
7. always: every pod, volume and the network removed. When a step fails, each
   container's logs and ``podman inspect`` are saved in build/podman-e2e/<run>/ first.

Exit status 0 when the suite and the smoke test pass.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING, Any

import structlog
import yaml

from lienthong import registry
from lienthong.calls import service_callers
from lienthong.devtools import images, kubeplay
from lienthong.logging import configure_logging
from lienthong.ports import free_port
from lienthong.tls import TLSFiles

if TYPE_CHECKING:
    from collections.abc import Sequence

ROOT = images.ROOT
CHART = ROOT / "deploy" / "helm" / "lienthong"
VALUES = ("values-kind.yaml", "values-podman.yaml")
NAMESPACE = "lienthong"
RELEASE = "lienthong"
READY_TIMEOUT_S = 300.0
HOOK_TIMEOUT_S = 180.0

log = structlog.get_logger("podman-e2e")


class E2EError(RuntimeError):
    """A step failed; the message says which."""


def podman(*args: str, check: bool = True, capture: bool = True,
           timeout: float | None = 300) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(["podman", *args], env={**os.environ, **images.podman_env()},
                          capture_output=capture, text=True, check=False, timeout=timeout)
    if check and done.returncode != 0:
        msg = f"podman {' '.join(args[:3])} ... failed: {(done.stderr or '').strip()[-800:]}"
        raise E2EError(msg)
    return done


def render(tag: str) -> list[dict[str, Any]]:
    """The chart as ``helm template`` renders it for this runtime."""
    from lienthong.devtools.helmbin import helm_path

    command = [helm_path(), "template", RELEASE, str(CHART), "--namespace", NAMESPACE]
    for values in VALUES:
        command += ["-f", str(CHART / values)]
    command += ["--set", f"image.tag={tag}", "--set", f"nats.image.tag={tag}",
                "--set", f"postgresql.image.tag={tag}"]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        msg = f"helm template failed: {done.stderr.strip()}"
        raise E2EError(msg)
    return [doc for doc in yaml.safe_load_all(done.stdout) if doc]


#: The client certificates of the run: the smoke test's and the e2e suite's (whose name,
#: ``tools``, is the tools' NATS user).
SMOKE_TEST_CALLER = "VN:GOV:000.00.00.Z00/smoke-test"
E2E_CALLER = "VN:GOV:000.00.00.Z00/e2e"
CRL_SECRET = f"{RELEASE}-transport-crl"


def _secret(name: str, files: dict[str, Path]) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
            "metadata": {"name": name, "namespace": NAMESPACE},
            "data": {key: base64.b64encode(path.read_bytes()).decode()
                     for key, path in files.items()}}


def deployment_pki(folder: Path) -> tuple[list[dict[str, Any]], TLSFiles]:
    """A transport CA for the run (``lienthong pki``), and the Secrets the chart reads:
    ``<release>-<name>-tls`` (tls.crt, tls.key, ca.crt) for each service, NATS and the
    smoke test, and the CA's revocation list; with the e2e suite's client files."""
    from lienthong.tools.pki import CA

    ca = CA(folder)
    ca.init(common_name="Lienthong e2e transport CA")
    for spec in registry.services():
        # A service that calls another is the caller <platform>/<name> (tls.platformCaller).
        ca.issue(spec.name, "service",
                 hosts=[f"{RELEASE}-{spec.name}", "127.0.0.1", "localhost"],
                 callers=service_callers(spec))
    ca.issue("nats", "service", hosts=[f"{RELEASE}-nats", "127.0.0.1", "localhost"])
    ca.issue("smoke-test", "client", callers=[SMOKE_TEST_CALLER])
    ca.issue("tools", "client", callers=[E2E_CALLER])
    secrets_ = []
    for name in [spec.name for spec in registry.services()] + ["nats", "smoke-test"]:
        cert, key = ca.paths(name)
        secrets_.append(_secret(f"{RELEASE}-{name}-tls",
                                {"tls.crt": cert, "tls.key": key, "ca.crt": ca.cert_path}))
    secrets_.append(_secret(CRL_SECRET, {"crl.pem": ca.crl_path}))
    cert, key = ca.paths("tools")
    return secrets_, TLSFiles(cert=cert, key=key, ca=ca.cert_path, crl=ca.crl_path)


def free_subnet() -> str:
    """Three octets of a /24 that neither this machine's routes nor podman's networks use."""
    routes = subprocess.run(["ip", "-4", "route"], capture_output=True, text=True,
                            check=False).stdout
    networks = podman("network", "ls", "--format", "{{.Subnets}}", check=False).stdout
    taken = routes + networks
    for third in range(120, 250):
        prefix = f"10.89.{third}"
        if f"{prefix}." not in taken:
            return prefix
    msg = "no free 10.89.x.0/24 subnet for the run's network"
    raise E2EError(msg)


def write_files(pod: kubeplay.PodPlan) -> None:
    """The pod's Secret and ConfigMap files and emptyDir folders, on the host."""
    for path, (content, mode, gid) in pod.files.items():
        target = Path(path)
        if path.endswith("/"):
            target.mkdir(parents=True, exist_ok=True)
            target.chmod(mode)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
        target.chmod(mode)
        if gid is not None:
            os.chown(target, 0, gid)


def play(pod: kubeplay.PodPlan, folder: Path, network: str) -> None:
    write_files(pod)
    manifest = folder / f"{pod.name}.yaml"
    manifest.write_text(yaml.safe_dump_all([*pod.claims, {
        "apiVersion": "v1", "kind": "Pod", **pod.manifest}], sort_keys=False))
    podman("kube", "play", "--network", network, "--ip", pod.ip, str(manifest))


# -- readiness, as the kubelet probes it -------------------------------------------------

def probe_once(probe: kubeplay.Probe, ip: str) -> bool:
    try:
        if probe.kind == "exec":
            done = podman("exec", f"{probe.pod}-{probe.container}", *probe.command,
                          check=False, timeout=probe.timeout_s + 10)
            return done.returncode == 0
        if probe.kind == "tcpSocket":
            with socket.create_connection((ip, probe.port), timeout=probe.timeout_s):
                return True
        if probe.kind == "httpGet":
            url = f"http://{ip}:{probe.port}{probe.path}"
            with urllib.request.urlopen(url, timeout=probe.timeout_s + 2) as answer:
                return 200 <= answer.status < 400
        if probe.kind == "grpc":
            import grpc
            from grpc_health.v1 import health_pb2, health_pb2_grpc

            with grpc.insecure_channel(f"{ip}:{probe.port}") as channel:
                answer = health_pb2_grpc.HealthStub(channel).Check(
                    health_pb2.HealthCheckRequest(), timeout=probe.timeout_s + 2)
                return answer.status == health_pb2.HealthCheckResponse.SERVING
    except (OSError, subprocess.TimeoutExpired):
        return False
    except Exception as error:
        log.debug("probe_failed", pod=probe.pod, error=str(error))
        return False
    return False


def wait_ready(pods: Sequence[kubeplay.PodPlan], timeout_s: float = READY_TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout_s
    for pod in pods:
        for probe in pod.probes:
            while not probe_once(probe, pod.ip):
                if time.monotonic() > deadline:
                    msg = f"{pod.name}/{probe.container} not ready after {timeout_s:.0f} s " \
                          f"({probe.kind} probe)"
                    raise E2EError(msg)
                time.sleep(min(probe.period_s, 2.0))
            log.info("ready", pod=pod.name, container=probe.container, probe=probe.kind)


# -- the run -------------------------------------------------------------------------------

def run_hook(pod: kubeplay.PodPlan, folder: Path, network: str) -> int:
    """Play a test hook pod, wait for its containers to end; the first non-zero exit."""
    play(pod, folder, network)
    worst = 0
    for container in pod.manifest["spec"]["containers"]:
        name = f"{pod.name}-{container['name']}"
        done = podman("wait", name, timeout=HOOK_TIMEOUT_S)
        code = int(done.stdout.strip() or 1)
        logs = podman("logs", name, check=False).stdout
        sys.stderr.write(logs)
        worst = worst or code
    return worst


def save_artifacts(run: str, folder: Path) -> None:
    """Every container's logs and inspect of the run, into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    listed = podman("ps", "--all", "--filter", f"label=lienthong.io/podman-run={run}",
                    "--format", "{{.Names}}", check=False).stdout.split()
    for name in listed:
        logs = podman("logs", name, check=False)
        (folder / f"{name}.log").write_text(logs.stdout + logs.stderr)
        (folder / f"{name}.inspect.json").write_text(
            podman("inspect", name, check=False).stdout)
    log.info("artifacts_saved", folder=str(folder), containers=len(listed))


def teardown(run: str, network: str, claims: list[str], work: Path) -> None:
    pods = podman("pod", "ps", "--filter", f"label=lienthong.io/podman-run={run}",
                  "--format", "{{.Name}}", check=False).stdout.split()
    for pod in pods:
        podman("pod", "rm", "--force", "--time", "10", pod, check=False)
    for claim in claims:
        podman("volume", "rm", "--force", claim, check=False)
    podman("network", "rm", "--force", network, check=False)
    shutil.rmtree(work, ignore_errors=True)
    log.info("torn_down", run=run, pods=len(pods), volumes=len(claims))


def published_ports() -> dict[str, dict[int, int]]:
    """Each service's gRPC port and NATS's client port, on free ports of 127.0.0.1."""
    ports = {f"{RELEASE}-{spec.name}": {spec.default_port: free_port()}
             for spec in registry.services()}
    ports[f"{RELEASE}-nats"] = {4222: free_port()}
    return ports


def e2e_env(ports: dict[str, dict[int, int]], client: TLSFiles) -> dict[str, str]:
    env = {f"LIENTHONG_E2E_{spec.name.upper()}_ADDRESS":
           f"127.0.0.1:{ports[f'{RELEASE}-{spec.name}'][spec.default_port]}"
           for spec in registry.services()}
    env["LIENTHONG_E2E_NATS_URL"] = f"nats://127.0.0.1:{ports[f'{RELEASE}-nats'][4222]}"
    env.update({f"LIENTHONG_E2E_TLS_{part.upper()}": str(getattr(client, part))
                for part in ("cert", "key", "ca")})
    return env


def run(tag: str, *, build: bool, keep: bool, pytest_args: Sequence[str]) -> int:
    run_id = f"e2e{secrets.token_hex(3)}"
    network = f"lienthong-{run_id}"
    work = ROOT / "build" / "podman-e2e" / run_id
    artifacts = work.with_name(f"{run_id}-artifacts")
    if build:
        figures = images.build_all(images.Engine("podman", images.podman_env()), tag)
        log.info("images_built", images=[i["image"] for i in figures["images"]])
    secrets_, client = deployment_pki(work / "pki")
    manifests = [*render(tag), *secrets_]
    ports = published_ports()
    subnet = free_subnet()
    the_plan = kubeplay.plan(manifests, subnet_prefix=subnet, volumes_root=str(work / "volumes"),
                             namespace=NAMESPACE, published=ports, run_label=run_id)
    for kind, names in the_plan.not_run.items():
        log.info("not_run", kind=kind, names=names, covered=kubeplay.NOT_RUN[kind])
    claims = [c["metadata"]["name"] for p in the_plan.pods for c in p.claims]
    work.mkdir(parents=True, exist_ok=True)
    podman("network", "create", "--subnet", f"{subnet}.0/24", network)
    failed = True
    try:
        workloads = [p for p in the_plan.pods if not p.hook]
        # The stores first (the StatefulSets: NATS, PostgreSQL), then the services.
        stores = [p for p in workloads if p.kind == "StatefulSet"]
        for group in (stores, [p for p in workloads if p not in stores]):
            for pod in group:
                play(pod, work, network)
                log.info("played", pod=pod.name, ip=pod.ip, published=pod.published)
            wait_ready(group)
        env = {**os.environ, **e2e_env(ports, client)}
        suite = subprocess.run([sys.executable, "-m", "pytest", "e2e", "--target", "podman",
                                "-p", "no:cacheprovider", *pytest_args], env=env, cwd=ROOT,
                               check=False)
        smoke = 0
        for hook in (p for p in the_plan.pods if p.hook):
            smoke = run_hook(hook, work, network) or smoke
            log.info("hook_ended", pod=hook.name, exit_code=smoke)
        failed = suite.returncode != 0 or smoke != 0
        print(json.dumps({"run": run_id, "e2e": suite.returncode, "smoke_test": smoke,
                          "not_run": the_plan.not_run}), flush=True)
        return 0 if not failed else 1
    finally:
        if failed:
            save_artifacts(run_id, artifacts)
        if not keep:
            teardown(run_id, network, claims, work)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lienthong.devtools.podman_e2e",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--tag", default=os.environ.get("IMAGE_TAG", "e2e"))
    parser.add_argument("--no-build", dest="build", action="store_false",
                        help="use the images already built under --tag")
    parser.add_argument("--keep", action="store_true", help="leave the pods running")
    parser.add_argument("pytest_args", nargs="*", help="after --: passed to pytest")
    args = parser.parse_args(argv)
    configure_logging("podman-e2e", level="info")
    if shutil.which("podman") is None:
        print("e2e-podman: podman is not installed (apt-get install podman runc debootstrap)",
              file=sys.stderr)
        return 2
    try:
        return run(args.tag, build=args.build, keep=args.keep, pytest_args=args.pytest_args)
    except (E2EError, images.ImageBuildError, kubeplay.PlanError) as error:
        log.error("e2e_podman_failed", error=str(error))
        return 1


if __name__ == "__main__":
    sys.exit(main())
