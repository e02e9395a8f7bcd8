"""The chart's guard: helm lint, helm template, Kubernetes schemas and a workload policy.

For each values file of deploy/helm/lienthong (values.yaml, values-kind.yaml,
values-production.yaml): ``helm lint --strict``, ``helm template``, every
rendered object validated strictly (no unknown field) against the Kubernetes
schemas of the oldest supported and the newest shipped release
(``kubernetes-validate``), and every workload held to the policy below.

    python -m lienthong.devtools.chartcheck            # `make chart-check`
    python -m lienthong.devtools.chartcheck values-kind.yaml --chart path/to/chart

The policy, per pod template (Deployment, StatefulSet, DaemonSet, Job,
CronJob, Pod): each container has resource requests and limits (cpu and
memory), runs as non-root, on a read-only root filesystem, without privilege
escalation, with every capability dropped and the RuntimeDefault seccomp
profile; long-running containers (not Jobs, not ``helm test`` hooks, not init
containers) have readiness and liveness probes.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lienthong.devtools.helmbin import helm_path

REPO = Path(__file__).resolve().parents[2]
CHART = REPO / "deploy" / "helm" / "lienthong"
VALUES_FILES = ("values.yaml", "values-kind.yaml", "values-production.yaml")
RELEASE = "lienthong"
NAMESPACE = "lienthong"
#: The oldest Kubernetes the chart supports (Chart.yaml kubeVersion) and the newest schemas.
MIN_KUBERNETES = "1.30.0"

WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "Pod",
                  "ReplicaSet")
LONG_RUNNING = ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet")


class HelmError(RuntimeError):
    """helm exited with an error; the message is its stderr."""


def helm(*args: str) -> str:
    done = subprocess.run([helm_path(), *args], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise HelmError((done.stderr or done.stdout).strip())
    return done.stdout


def lint(values_file: str, chart: Path = CHART) -> str:
    """``helm lint --strict`` with the chart's values file; its output."""
    return helm("lint", "--strict", str(chart), "-f", str(chart / values_file))


def render(values_file: str | None = "values.yaml", *, chart: Path = CHART,
           set_values: tuple[str, ...] = (), release: str = RELEASE,
           namespace: str = NAMESPACE) -> list[dict[str, Any]]:
    """``helm template`` (hooks included) parsed into objects."""
    import yaml

    args = ["template", release, str(chart), "--namespace", namespace]
    if values_file:
        args += ["-f", str(chart / values_file)]
    for assignment in set_values:
        args += ["--set", assignment]
    return [doc for doc in yaml.safe_load_all(helm(*args)) if doc]


def kubernetes_versions() -> tuple[str, ...]:
    import kubernetes_validate

    return (MIN_KUBERNETES, kubernetes_validate.latest_version())


def schema_errors(objects: list[dict[str, Any]],
                  versions: tuple[str, ...] | None = None) -> list[str]:
    """Every object validated strictly against each version's schemas; the failures."""
    import kubernetes_validate

    errors = []
    for version in versions or kubernetes_versions():
        for obj in objects:
            name = f"{obj.get('kind')}/{obj.get('metadata', {}).get('name')}"
            if (custom := custom_resource_schema(obj)) is not None:
                errors += [f"{name}: {'.'.join(map(str, e.absolute_path))}: {e.message}"
                           for e in custom.iter_errors(obj)]
                continue
            try:
                kubernetes_validate.validate(obj, version, strict=True)
            except kubernetes_validate.ValidationError as error:
                path = ".".join(str(p) for p in error.absolute_path)
                errors.append(f"{name} ({version}): {path}: {error.message}")
            except (kubernetes_validate.SchemaNotFoundError,
                    kubernetes_validate.InvalidSchemaError) as error:
                errors.append(f"{name} ({version}): {error}")
    return errors


#: Schemas of the custom resources the chart may render (Kubernetes' own schemas do not
#: know them), one file per apiVersion and kind in libs/devtools/schemas.
SCHEMAS = Path(__file__).parent / "schemas"


def custom_resource_schema(obj: dict[str, Any]) -> Any:
    """The validator of a custom resource the chart renders; None for Kubernetes' own."""
    import jsonschema

    group = str(obj.get("apiVersion", "")).replace("/", "_")
    path = SCHEMAS / f"{group}_{obj.get('kind')}.json"
    if "." not in group or not path.exists():
        return None
    return jsonschema.Draft202012Validator(json.loads(path.read_text()))


@dataclass(frozen=True)
class Violation:
    workload: str
    container: str
    rule: str

    def __str__(self) -> str:
        where = f" container {self.container}" if self.container else ""
        return f"{self.workload}{where}: {self.rule}"


def pod_spec(obj: dict[str, Any]) -> dict[str, Any]:
    """The pod spec of a workload object."""
    kind = obj["kind"]
    spec = obj.get("spec") or {}
    if kind == "Pod":
        return spec
    if kind == "CronJob":
        return ((spec.get("jobTemplate") or {}).get("spec") or {}).get("template", {}).get(
            "spec") or {}
    return (spec.get("template") or {}).get("spec") or {}


def is_hook(obj: dict[str, Any]) -> bool:
    return "helm.sh/hook" in ((obj.get("metadata") or {}).get("annotations") or {})


def policy_violations(objects: list[dict[str, Any]]) -> list[Violation]:
    """What breaks the workload policy (see the module's doc), per workload and container."""
    found: list[Violation] = []
    for obj in objects:
        if obj.get("kind") not in WORKLOAD_KINDS:
            continue
        workload = f"{obj['kind']}/{obj['metadata']['name']}"
        spec = pod_spec(obj)
        pod_security = spec.get("securityContext") or {}
        long_running = obj["kind"] in LONG_RUNNING and not is_hook(obj)
        containers = [(c, False) for c in spec.get("initContainers") or []]
        containers += [(c, True) for c in spec.get("containers") or []]
        if not containers:
            found.append(Violation(workload, "", "has no container"))
        for container, main in containers:
            found += [Violation(workload, container.get("name", "?"), rule)
                      for rule in container_violations(container, pod_security,
                                                       probes=main and long_running)]
    return found


def container_violations(container: dict[str, Any], pod_security: dict[str, Any], *,
                         probes: bool) -> list[str]:
    rules = []
    if probes:
        rules += [f"{probe} missing" for probe in ("readinessProbe", "livenessProbe")
                  if not container.get(probe)]
    resources = container.get("resources") or {}
    for section in ("requests", "limits"):
        missing = [r for r in ("cpu", "memory") if r not in (resources.get(section) or {})]
        if missing:
            rules.append(f"resources.{section} missing {', '.join(missing)}")
    security = container.get("securityContext") or {}

    def effective(key: str) -> Any:
        return security.get(key, pod_security.get(key))

    if effective("runAsNonRoot") is not True:
        rules.append("runAsNonRoot is not true")
    if effective("runAsUser") == 0:
        rules.append("runAsUser is 0 (root)")
    if security.get("readOnlyRootFilesystem") is not True:
        rules.append("readOnlyRootFilesystem is not true")
    if security.get("allowPrivilegeEscalation") is not False:
        rules.append("allowPrivilegeEscalation is not false")
    if security.get("privileged"):
        rules.append("privileged")
    if "ALL" not in ((security.get("capabilities") or {}).get("drop") or []):
        rules.append("capabilities.drop does not include ALL")
    if ((effective("seccompProfile") or {}).get("type")) != "RuntimeDefault":
        rules.append("seccompProfile is not RuntimeDefault")
    return rules


def check(values_file: str, chart: Path = CHART) -> list[str]:
    """Every problem of the chart with one values file (empty: none)."""
    try:
        lint(values_file, chart)
        objects = render(values_file, chart=chart)
    except HelmError as error:
        return [str(error)]
    return schema_errors(objects) + [str(v) for v in policy_violations(objects)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lienthong.devtools.chartcheck",
                                     description="lint, template, schemas and policy of the chart")
    parser.add_argument("values_files", nargs="*", default=list(VALUES_FILES),
                        help="values files of the chart (default: all three)")
    parser.add_argument("--chart", type=Path, default=CHART, help="the chart's folder")
    args = parser.parse_args(argv)
    print(f"helm: {helm('version', '--short').strip()}; Kubernetes schemas: "
          f"{', '.join(kubernetes_versions())} (strict)")
    failed = False
    for values_file in args.values_files:
        problems = check(values_file, args.chart)
        print(f"{'ok  ' if not problems else 'FAIL'} {values_file}: lint --strict, template, "
              f"schemas, policy")
        for problem in problems:
            print(f"     {problem}")
        failed = failed or bool(problems)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
