"""The environment the chart gives a service container, used to start the real
service processes; the `helm test` command then passes against them. This is
the pod's contract without a cluster: ConfigMap + env as rendered, with only the
Secret (the event store) and the addresses replaced by local ones."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import TYPE_CHECKING, Any

import psycopg
import pytest

from lienthong.chartcheck import render
from lienthong.ports import free_port

if TYPE_CHECKING:
    from pathlib import Path

    from lienthong.testing.nats import NatsServer


def container_env(objects: list[dict[str, Any]], service: str) -> dict[str, str]:
    """What the service's container sees: its ConfigMap, then its own env values."""
    deployment = next(o for o in objects if o["kind"] == "Deployment"
                      and o["metadata"]["name"] == f"lienthong-{service}")
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    env: dict[str, str] = {}
    for source in container["envFrom"]:
        env.update(next(o for o in objects if o["kind"] == "ConfigMap" and
                        o["metadata"]["name"] == source["configMapRef"]["name"])["data"])
    for entry in container["env"]:
        if "value" in entry:
            env[entry["name"]] = entry["value"]
    return env


def start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(command, env={"PATH": os.environ.get("PATH", ""), **env},
                                stdout=out, stderr=subprocess.STDOUT)


def stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        process.wait(timeout=30)


@pytest.mark.postgres
def test_services_started_with_the_charts_environment_pass_the_helm_test(
        nats_server: NatsServer, postgres_dsn: str, tmp_path: Path) -> None:
    ports = {"identity": free_port(), "dossiers": free_port()}
    objects = render("values-kind.yaml", set_values=(
        f"services.identity.port={ports['identity']}",
        f"services.dossiers.port={ports['dossiers']}",
        f"metrics.port={free_port()}",
        "nats.enabled=false", f"nats.externalUrl={nats_server.url}"))
    processes = []
    try:
        for service in ("identity", "dossiers"):
            env = container_env(objects, service)
            assert env["LIENTHONG_LISTEN"] == f"0.0.0.0:{ports[service]}"
            # The Secret: one database URL for both; each service has its own schema.
            assert env["LIENTHONG_POSTGRES_SCHEMA"] == service
            env["LIENTHONG_EVENT_STORE"] = postgres_dsn
            env["LIENTHONG_METRICS_LISTEN"] = f"127.0.0.1:{free_port()}"  # one port per process
            processes.append(start([sys.executable, "-m", f"lienthong.services.{service}"],
                                   env, tmp_path / f"{service}.log"))

        hook = next(o for o in objects if o["kind"] == "Pod")["spec"]["containers"][0]
        # The hook's own arguments; the Services' DNS names become the local address.
        args = [arg.replace("lienthong-identity:", "127.0.0.1:")
                .replace("lienthong-dossiers:", "127.0.0.1:") for arg in hook["command"][3:]]
        assert args[:4] == ["--identity", f"127.0.0.1:{ports['identity']}",
                            "--dossiers", f"127.0.0.1:{ports['dossiers']}"]
        done = subprocess.run([sys.executable, "-m", "lienthong.smoke", *args],
                              capture_output=True, text=True, timeout=180, check=False)
    finally:
        stop(processes)

    logs = {p.name: p.read_text() for p in tmp_path.glob("*.log")}
    assert done.returncode == 0, (done.stdout, logs)
    summary = json.loads(done.stdout.splitlines()[-1])
    assert summary["ok"] is True
    assert summary["services"] == ["identity", "dossiers"]
    with psycopg.connect(postgres_dsn) as connection:
        schemas = {row[0] for row in connection.execute(
            "SELECT schema_name FROM information_schema.schemata")}
    assert {"identity", "dossiers"} <= schemas
