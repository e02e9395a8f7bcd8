"""The chart's rendered manifests as pods ``podman kube play`` (4.3 and later) starts.

``podman kube play`` runs Pods and Deployments; it has no Services, no StatefulSets, no
Secrets, and no cluster DNS. :func:`plan` turns the output of ``helm template`` into what
it does run, keeping every container as the chart wrote it (image, command, arguments,
environment, ports, volumes, security context):

- each Deployment and StatefulSet becomes one Pod (one replica) named after it, with an
  address of its own on a podman network;
- a Service becomes host aliases (``/etc/hosts``) in every pod, its name and its cluster
  names to the address of the pod it selects, so the addresses the chart configures
  (``lienthong-nats:4222``, the PostgreSQL URL) resolve as in a cluster;
- ``env`` from a Secret, a ConfigMap or the pod's own fields becomes the value itself, and
  a Secret or ConfigMap volume becomes a folder of its files (``defaultMode``, owned by the
  pod's ``fsGroup``), mounted from the host;
- a StatefulSet's volume claim templates, and the chart's PersistentVolumeClaims a pod
  mounts (a Deployment's data volume), become PersistentVolumeClaims of the run (podman
  volumes, named after the run so that its teardown removes them and no run finds another's
  data);
- probes are taken out of the pods (podman would run them as health checks on systemd
  timers) and kept as :class:`Probe` objects that the caller runs, as the kubelet would;
- the ports a test reaches (``published``) are published on 127.0.0.1, and no other
  (kube play would publish every declared port on the host).

What it cannot run (NetworkPolicies, PodDisruptionBudgets, ServiceAccounts, autoscalers,
the Services themselves) is listed in :attr:`Plan.not_run`, with why.
"""

from __future__ import annotations

import base64
import copy
from dataclasses import dataclass, field
from typing import Any

WORKLOADS = ("Deployment", "StatefulSet")
#: Kinds the plan does not run, and where what they do is still covered.
NOT_RUN = {
    "Service": "host aliases to the selected pod's address (kube play has no Services)",
    "NetworkPolicy": "not enforced (podman has no network policies); the chart checks "
                     "(make chart-check) prove each policy's selectors and ports",
    "PodDisruptionBudget": "not applicable to one replica outside a cluster",
    "ServiceAccount": "no API server: the pods mount no token (automountServiceAccountToken "
                      "is false in every pod of the chart)",
    "HorizontalPodAutoscaler": "not applicable: one replica each",
    "ConfigMap": "inlined: env values and files mounted from the host",
    "Secret": "inlined: env values and files mounted from the host",
}


class PlanError(ValueError):
    """The manifests ask for something the plan cannot give (named in the message)."""


@dataclass(frozen=True)
class Probe:
    """A readiness probe of one container, run by the caller."""

    pod: str
    container: str
    kind: str  # exec, grpc, httpGet or tcpSocket
    command: tuple[str, ...] = ()
    port: int = 0
    path: str = ""
    period_s: float = 10.0
    timeout_s: float = 1.0


@dataclass
class PodPlan:
    """One pod to play: its manifest, its address, and what is written for it."""

    name: str
    kind: str  # the workload it plays: Deployment, StatefulSet or Pod (a test hook)
    manifest: dict[str, Any]
    ip: str
    probes: list[Probe] = field(default_factory=list)
    #: host path -> (content, mode, gid): files of its Secret and ConfigMap volumes.
    files: dict[str, tuple[bytes, int, int | None]] = field(default_factory=dict)
    #: PersistentVolumeClaims of its volume claim templates and of the claims it mounts.
    claims: list[dict[str, Any]] = field(default_factory=list)
    #: (container port, host port) published on 127.0.0.1.
    published: dict[int, int] = field(default_factory=dict)

    @property
    def hook(self) -> bool:
        """A helm test hook: run to completion once the workloads are ready."""
        return self.kind == "Pod"


@dataclass
class Plan:
    pods: list[PodPlan]
    not_run: dict[str, list[str]]  # kind -> names

    def pod(self, name: str) -> PodPlan:
        return next(p for p in self.pods if p.name == name)


def _by_kind(manifests: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {m["metadata"]["name"]: m for m in manifests if m.get("kind") == kind}


def _secret_data(secret: dict[str, Any]) -> dict[str, bytes]:
    data = {k: base64.b64decode(v) for k, v in (secret.get("data") or {}).items()}
    data.update({k: str(v).encode() for k, v in (secret.get("stringData") or {}).items()})
    return data


def _config_data(config: dict[str, Any]) -> dict[str, bytes]:
    data = {k: str(v).encode() for k, v in (config.get("data") or {}).items()}
    data.update({k: base64.b64decode(v) for k, v in (config.get("binaryData") or {}).items()})
    return data


def _matches(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def _port_number(container: dict[str, Any], port: Any) -> int:
    if isinstance(port, int):
        return port
    for declared in container.get("ports") or []:
        if declared.get("name") == port:
            return int(declared["containerPort"])
    msg = f"container {container['name']}: no port named {port!r}"
    raise PlanError(msg)


class _Inliner:
    """Secret, ConfigMap and field references of one pod, as values and files."""

    def __init__(self, manifests: list[dict[str, Any]], pod: str, volumes_root: str) -> None:
        self.secrets = {n: _secret_data(s) for n, s in _by_kind(manifests, "Secret").items()}
        self.configs = {n: _config_data(c) for n, c in _by_kind(manifests, "ConfigMap").items()}
        self.pod = pod
        self.root = f"{volumes_root}/{pod}"
        self.files: dict[str, tuple[bytes, int, int | None]] = {}

    def _source(self, kind: str, name: str) -> dict[str, bytes]:
        found = (self.secrets if kind == "secret" else self.configs).get(name)
        if found is None:
            msg = f"pod {self.pod}: the {kind} {name!r} is not in the rendered chart"
            raise PlanError(msg)
        return found

    def env(self, entries: list[dict[str, Any]], namespace: str) -> list[dict[str, Any]]:
        inlined = []
        for entry in entries:
            source = entry.get("valueFrom")
            if source is None:
                inlined.append(entry)
                continue
            if "secretKeyRef" in source or "configMapKeyRef" in source:
                kind = "secret" if "secretKeyRef" in source else "configmap"
                ref = source.get("secretKeyRef") or source.get("configMapKeyRef")
                data = self._source(kind, ref["name"])
                if ref["key"] not in data:
                    if ref.get("optional"):
                        continue
                    msg = f"pod {self.pod}: {kind} {ref['name']} has no key {ref['key']!r}"
                    raise PlanError(msg)
                value = data[ref["key"]].decode()
            elif "fieldRef" in source:
                path = source["fieldRef"]["fieldPath"]
                value = {"metadata.name": self.pod, "metadata.namespace": namespace,
                         "spec.nodeName": "podman"}.get(path, "")
                if not value:
                    msg = f"pod {self.pod}: env {entry['name']} from {path}, not available"
                    raise PlanError(msg)
            else:
                msg = f"pod {self.pod}: env {entry['name']}: {sorted(source)} not supported"
                raise PlanError(msg)
            inlined.append({"name": entry["name"], "value": value})
        return inlined

    def env_from(self, sources: list[dict[str, Any]]) -> list[dict[str, Any]]:
        values = []
        for source in sources:
            ref = source.get("configMapRef") or source.get("secretRef")
            kind = "configmap" if "configMapRef" in source else "secret"
            for key, value in self._source(kind, ref["name"]).items():
                values.append({"name": source.get("prefix", "") + key, "value": value.decode()})
        return values

    def volume(self, volume: dict[str, Any], gid: int | None) -> dict[str, Any]:
        if "secret" in volume or "configMap" in volume:
            kind = "secret" if "secret" in volume else "configmap"
            spec = volume.get("secret") or volume.get("configMap")
            name = spec.get("secretName") or spec.get("name")
            data = self._source(kind, name)
            items = spec.get("items") or [{"key": k, "path": k} for k in data]
            folder = f"{self.root}/{volume['name']}"
            for item in items:
                if item["key"] not in data:
                    msg = f"pod {self.pod}: {kind} {name} has no key {item['key']!r}"
                    raise PlanError(msg)
                mode = item.get("mode", spec.get("defaultMode", 0o644))
                self.files[f"{folder}/{item['path']}"] = (data[item["key"]], mode, gid)
            return {"name": volume["name"], "hostPath": {"path": folder, "type": "Directory"}}
        if "emptyDir" in volume:
            folder = f"{self.root}/{volume['name']}"
            self.files[f"{folder}/"] = (b"", 0o1777, gid)
            return {"name": volume["name"], "hostPath": {"path": folder, "type": "Directory"}}
        if "persistentVolumeClaim" in volume:
            # Renamed for the run already (_claims); anything else is refused there.
            return volume
        msg = f"pod {self.pod}: volume {volume['name']}: {sorted(volume)} not supported"
        raise PlanError(msg)


def _probe(pod: str, container: dict[str, Any]) -> Probe | None:
    spec = container.get("readinessProbe") or container.get("startupProbe")
    if not spec:
        return None
    period = float(spec.get("periodSeconds", 10))
    timeout = float(spec.get("timeoutSeconds", 1))
    common = {"pod": pod, "container": container["name"], "period_s": period,
              "timeout_s": timeout}
    if "exec" in spec:
        return Probe(kind="exec", command=tuple(spec["exec"]["command"]), **common)
    if "grpc" in spec:
        return Probe(kind="grpc", port=_port_number(container, spec["grpc"]["port"]), **common)
    if "httpGet" in spec:
        return Probe(kind="httpGet", port=_port_number(container, spec["httpGet"]["port"]),
                     path=spec["httpGet"].get("path", "/"), **common)
    if "tcpSocket" in spec:
        return Probe(kind="tcpSocket", port=_port_number(container, spec["tcpSocket"]["port"]),
                     **common)
    msg = f"pod {pod}: container {container['name']}: probe {sorted(spec)} not supported"
    raise PlanError(msg)


def _claim(name: str, spec: dict[str, Any], run_label: str) -> dict[str, Any]:
    """A PersistentVolumeClaim of the run (a podman volume); its name carries the run's
    label, as its teardown finds it."""
    return {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": {"name": f"{name}-{run_label}" if run_label else name},
            "spec": copy.deepcopy(spec)}


def _claims(pod: PodPlan, item: dict[str, Any], spec: dict[str, Any],
            chart_claims: dict[str, dict[str, Any]], run_label: str) -> None:
    """The pod's claims as the run's: its volume claim templates (a StatefulSet's, named
    ``<template>-<pod>``) and the chart's PersistentVolumeClaims its volumes name."""
    volumes = spec.setdefault("volumes", [])
    for template in (item.get("spec", {}).get("volumeClaimTemplates") or []):
        claim = _claim(f"{template['metadata']['name']}-{pod.name}", template["spec"],
                       run_label)
        pod.claims.append(claim)
        volumes.append({"name": template["metadata"]["name"],
                        "persistentVolumeClaim": {"claimName": claim["metadata"]["name"]}})
    templated = {c["metadata"]["name"] for c in pod.claims}
    for volume in volumes:
        source = volume.get("persistentVolumeClaim")
        if source is None or source["claimName"] in templated:
            continue
        found = chart_claims.get(source["claimName"])
        if found is None:
            msg = (f"pod {pod.name}: the persistentvolumeclaim {source['claimName']!r} is not "
                   f"in the rendered chart")
            raise PlanError(msg)
        claim = _claim(source["claimName"], found["spec"], run_label)
        pod.claims.append(claim)
        volume["persistentVolumeClaim"] = {**source, "claimName": claim["metadata"]["name"]}


def plan(manifests: list[dict[str, Any]], *, subnet_prefix: str, volumes_root: str,
         namespace: str, published: dict[str, dict[int, int]] | None = None,
         run_label: str = "") -> Plan:
    """The pods that play the chart's workloads (and its test hook) on one network.

    ``subnet_prefix`` is the network's first three octets (``10.89.7``); pods take .10 on.
    ``published`` maps a pod to {container port: host port} published on 127.0.0.1.
    ``run_label`` labels every pod (``lienthong.io/podman-run``), to find them again.
    """
    published = published or {}
    workloads = [m for m in manifests if m.get("kind") in WORKLOADS]
    hooks = [m for m in manifests if m.get("kind") == "Pod"]
    pods: list[PodPlan] = []
    for index, item in enumerate([*workloads, *hooks]):
        name = item["metadata"]["name"]
        template = item if item["kind"] == "Pod" else item["spec"]["template"]
        pods.append(PodPlan(name=name, kind=item["kind"], manifest=copy.deepcopy(template),
                            ip=f"{subnet_prefix}.{10 + index}",
                            published=dict(published.get(name, {}))))
    # Services: their names (and cluster names) to the address of the pod they select.
    hosts: dict[str, list[str]] = {}
    for service in _by_kind(manifests, "Service").values():
        selector = service["spec"].get("selector") or {}
        chosen = [p for p in pods if not p.hook and _matches(
            selector, p.manifest.get("metadata", {}).get("labels") or {})]
        if not chosen:
            continue
        name = service["metadata"]["name"]
        hosts.setdefault(chosen[0].ip, []).extend(
            [name, f"{name}.{namespace}", f"{name}.{namespace}.svc",
             f"{name}.{namespace}.svc.cluster.local"])
    aliases = [{"ip": ip, "hostnames": names} for ip, names in sorted(hosts.items())]
    chart_claims = _by_kind(manifests, "PersistentVolumeClaim")

    for pod, item in zip(pods, [*workloads, *hooks], strict=True):
        spec = pod.manifest.setdefault("spec", {})
        metadata = pod.manifest.setdefault("metadata", {})
        metadata["name"] = pod.name
        metadata.setdefault("labels", {})
        if run_label:
            metadata["labels"]["lienthong.io/podman-run"] = run_label
        metadata.pop("annotations", None)
        gid = (spec.get("securityContext") or {}).get("fsGroup")
        inliner = _Inliner(manifests, pod.name, volumes_root)
        _claims(pod, item, spec, chart_claims, run_label)
        spec["volumes"] = [inliner.volume(v, gid) for v in spec.get("volumes") or []]
        spec["hostAliases"] = aliases
        if pod.hook:
            spec["restartPolicy"] = "Never"
        for key in ("serviceAccountName", "automountServiceAccountToken", "enableServiceLinks",
                    "affinity", "nodeSelector", "tolerations", "topologySpreadConstraints",
                    "imagePullSecrets"):
            spec.pop(key, None)
        for container in spec.get("containers") or []:
            probe = _probe(pod.name, container)
            if probe is not None:
                pod.probes.append(probe)
            for key in ("readinessProbe", "livenessProbe", "startupProbe", "lifecycle"):
                container.pop(key, None)
            env = inliner.env(container.get("env") or [], namespace)
            env += inliner.env_from(container.pop("envFrom", None) or [])
            if env:
                container["env"] = env
            # kube play (4.3) publishes every declared port on the host, at the same number:
            # only the published ones stay declared, on 127.0.0.1 (the probes are resolved).
            ports = []
            for port in container.get("ports") or []:
                host = pod.published.get(int(port["containerPort"]))
                if host:
                    ports.append({**port, "hostPort": host, "hostIP": "127.0.0.1"})
            if ports:
                container["ports"] = ports
            else:
                container.pop("ports", None)
        pod.files = inliner.files
    not_run: dict[str, list[str]] = {}
    for manifest in manifests:
        if manifest.get("kind") in NOT_RUN:
            not_run.setdefault(manifest["kind"], []).append(manifest["metadata"]["name"])
    return Plan(pods=pods, not_run=not_run)
