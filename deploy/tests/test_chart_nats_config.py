"""The NATS configuration the chart renders, read and run by a real nats-server."""

from __future__ import annotations

import subprocess
from typing import TYPE_CHECKING

import httpx
import pytest

from lienthong.devtools.chartcheck import VALUES_FILES, render
from lienthong.natsbin import nats_server_path
from lienthong.ports import free_port, wait_for_port

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path


def nats_conf(values_file: str, *set_values: str) -> str:
    objects = render(values_file, set_values=set_values)
    config = next(o for o in objects
                  if o["kind"] == "ConfigMap" and o["metadata"]["name"] == "lienthong-nats")
    return config["data"]["nats.conf"]


@pytest.mark.parametrize("values_file", VALUES_FILES)
def test_nats_server_accepts_the_rendered_configuration(values_file: str,
                                                        tmp_path: Path) -> None:
    path = tmp_path / "nats.conf"
    path.write_text(nats_conf(values_file))

    done = subprocess.run([nats_server_path(), "--config", str(path), "-t"],
                          capture_output=True, text=True, timeout=30, check=False,
                          env={"SERVER_NAME": "lienthong-nats-0"})

    assert done.returncode == 0, done.stderr
    assert "is valid" in done.stderr + done.stdout


@pytest.fixture
def kind_nats(tmp_path: Path) -> Iterator[tuple[int, int, Path]]:
    """nats-server on the kind configuration, ports from the chart's values. Only the
    paths of the pod's volumes (/data, /tmp) are moved into the test's folder."""
    client, monitoring = free_port(), free_port()
    conf = nats_conf("values-kind.yaml", f"nats.ports.client={client}",
                     f"nats.ports.monitoring={monitoring}")
    conf = (conf.replace("store_dir: /data", f"store_dir: {tmp_path / 'data'}")
            .replace("/tmp/nats-server.pid", str(tmp_path / "nats-server.pid")))
    (tmp_path / "nats.conf").write_text(conf)
    with (tmp_path / "nats.log").open("wb") as log:
        server = subprocess.Popen([nats_server_path(), "--config", str(tmp_path / "nats.conf")],
                                  stdout=log, stderr=subprocess.STDOUT,
                                  env={"SERVER_NAME": "lienthong-nats-0"})
    try:
        wait_for_port(monitoring)
        yield client, monitoring, tmp_path / "data"
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_the_kind_server_runs_jetstream_on_files_and_answers_the_probes(
        kind_nats: tuple[int, int, Path]) -> None:
    _, monitoring, data = kind_nats
    base = f"http://127.0.0.1:{monitoring}"

    with httpx.Client(base_url=base, timeout=10) as http:
        # The startup/readiness and the liveness probes of the StatefulSet.
        assert http.get("/healthz").status_code == 200
        assert http.get("/healthz?js-enabled-only=true").status_code == 200
        jetstream = http.get("/jsz").json()
        server = http.get("/varz").json()

    assert jetstream["config"]["max_storage"] == 768 * 1024 * 1024
    assert jetstream["config"]["max_memory"] == 64 * 1024 * 1024
    assert jetstream["config"]["store_dir"] == str(data / "jetstream")
    assert server["server_name"] == "lienthong-nats-0"
