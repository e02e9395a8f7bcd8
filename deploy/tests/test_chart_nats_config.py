"""The NATS configuration the chart renders, read and run by a real nats-server; with
mutual TLS, each service's certificate is its own user, allowed its own subjects only, and
the users are the registry's."""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
from typing import TYPE_CHECKING

import httpx
import nats
import pytest
from nats.errors import Error as NatsError

from lienthong import registry
from lienthong.devtools import natsusers
from lienthong.devtools.chartcheck import VALUES_FILES, render
from lienthong.natsauth import connect_options
from lienthong.natsbin import nats_server_path
from lienthong.ports import free_ports, wait_for_port
from lienthong.tls import TLSFiles
from lienthong.tools.pki import CA

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path


def nats_conf(values_file: str, *set_values: str) -> str:
    objects = render(values_file, set_values=set_values)
    config = next(o for o in objects
                  if o["kind"] == "ConfigMap" and o["metadata"]["name"] == "lienthong-nats")
    return config["data"]["nats.conf"]


def with_certificates(conf: str, folder: Path) -> str:
    """The configuration with the TLS Secret's mount replaced by a CA's files in ``folder``
    (a certificate for nats-server, one for each registered service and one for ``tools``)."""
    ca = CA(folder / "pki")
    ca.init()
    ca.issue("nats", "service", hosts=["127.0.0.1", "localhost"])
    for name in registry.names():
        ca.issue(name, "service", hosts=["127.0.0.1", "localhost"])
    ca.issue("tools", "client", callers=["VN:GOV:000.00.00.Z00/e2e"])
    mounted = folder / "nats-tls"
    mounted.mkdir()
    cert, key = ca.paths("nats")
    for name, source in (("tls.crt", cert), ("tls.key", key), ("ca.crt", ca.cert_path)):
        (mounted / name).write_bytes(source.read_bytes())
    return conf.replace("/etc/nats-tls/", f"{mounted}/")


@pytest.mark.parametrize("values_file", VALUES_FILES)
def test_nats_server_accepts_the_rendered_configuration(values_file: str,
                                                        tmp_path: Path) -> None:
    path = tmp_path / "nats.conf"
    path.write_text(with_certificates(nats_conf(values_file), tmp_path))

    done = subprocess.run([nats_server_path(), "--config", str(path), "-t"],
                          capture_output=True, text=True, timeout=30, check=False,
                          env={"SERVER_NAME": "lienthong-nats-0"})

    assert done.returncode == 0, done.stderr
    assert "is valid" in done.stderr + done.stdout


@contextlib.contextmanager
def chart_server(folder: Path, *set_values: str,
                 tls: bool = False) -> Iterator[tuple[int, int]]:
    """nats-server on the kind configuration the chart renders (``set_values`` over it), on
    free ports; the pod's paths (/data, /tmp, the TLS Secret's) moved into ``folder``.
    Yields its client and monitoring ports."""
    client, monitoring = free_ports(2)
    conf = nats_conf("values-kind.yaml", *set_values, f"nats.ports.client={client}",
                     f"nats.ports.monitoring={monitoring}")
    if tls:
        conf = with_certificates(conf, folder)
    conf = (conf.replace("store_dir: /data", f"store_dir: {folder / 'data'}")
            .replace("/tmp/nats-server.pid", str(folder / "nats-server.pid")))
    (folder / "nats.conf").write_text(conf)
    with (folder / "nats.log").open("wb") as log:
        server = subprocess.Popen([nats_server_path(), "--config", str(folder / "nats.conf")],
                                  stdout=log, stderr=subprocess.STDOUT,
                                  env={"SERVER_NAME": "lienthong-nats-0"})
    try:
        wait_for_port(monitoring)
        yield client, monitoring
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.fixture
def kind_nats(tmp_path: Path) -> Iterator[tuple[int, int, Path]]:
    """nats-server on the kind configuration, ports from the chart's values."""
    with chart_server(tmp_path) as (client, monitoring):
        yield client, monitoring, tmp_path / "data"


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


def test_the_charts_nats_users_are_the_registrys() -> None:
    assert natsusers.main(["--check"]) == 0, \
        "run python -m lienthong.devtools.natsusers and commit the file"


@pytest.fixture
def chart_nats(tmp_path: Path) -> Iterator[tuple[str, CA]]:
    """nats-server on the configuration the chart renders with tls.enabled."""
    with chart_server(tmp_path, "tls.enabled=true", tls=True) as (client, _):
        yield f"nats://127.0.0.1:{client}", CA(tmp_path / "pki")


def files(ca: CA, name: str) -> TLSFiles:
    cert, key = ca.paths(name)
    return TLSFiles(cert=cert, key=key, ca=ca.cert_path)


async def publish(url: str, client: TLSFiles, subject: str) -> str:
    """'ok', or the error the server answered a publish with."""
    errors: list[str] = []

    async def on_error(error: Exception) -> None:
        errors.append(str(error))

    nc = await nats.connect(**connect_options(url, client), error_cb=on_error,
                            connect_timeout=5, max_reconnect_attempts=0,
                            allow_reconnect=False)
    try:
        await nc.publish(subject, b"{}")
        await nc.flush(timeout=5)
        await asyncio.sleep(0.2)  # a violation comes back asynchronously
    finally:
        await nc.close()
    return errors[0] if errors else "ok"


def test_a_service_publishes_its_own_subjects_and_is_refused_anothers(
        chart_nats: tuple[str, CA]) -> None:
    url, ca = chart_nats

    assert asyncio.run(publish(url, files(ca, "identity"), "lienthong.identity.unit.x")) == "ok"
    refused = asyncio.run(publish(url, files(ca, "identity"), "lienthong.dossiers.dossier.x"))
    assert "permissions violation" in refused.lower()


def test_a_certificate_that_names_no_user_is_refused(chart_nats: tuple[str, CA]) -> None:
    url, ca = chart_nats
    ca.issue("stranger", "client", callers=["VN:GOV:000.00.00.Z00/stranger"])

    with pytest.raises(NatsError, match="Authorization Violation"):
        asyncio.run(publish(url, files(ca, "stranger"), "lienthong.identity.unit.x"))
