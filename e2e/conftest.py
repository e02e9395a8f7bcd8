"""The platform under test, reached through its public gRPC endpoints only.

``--target local`` starts it the way ``make up SEED=vn-2025-sample-demo`` does
(``lienthong up --seed vn-2025-sample-demo``: a real nats-server, SQLite event
stores, the real provinces of the sample seed with all their lineage and
provisional agency codes; the whole country's import is ``make
test-country``'s) in a temporary folder, waits until ``lienthong status
--json`` says it is ready (the seed is in), and stops it with Ctrl-C (SIGINT)
at the end. ``--target kind`` and ``--target podman`` use the chart's deployment,
port-forwarded by ``make e2e-kind`` (deploy/kind/e2e.sh) or ``tilt up``, or published
by ``make e2e-podman``: each registered service at LIENTHONG_E2E_<NAME>_ADDRESS (default
127.0.0.1 and its default port) and LIENTHONG_E2E_NATS_URL (default
nats://127.0.0.1:4222), with the suite's client certificate at LIENTHONG_E2E_TLS_CERT,
_KEY and _CA where the deployment runs mutual TLS (make e2e-podman's does); the session
waits until each answers its health check, and
loads the same seed through gRPC when the deployment does not hold it yet.

Tests marked ``local_only`` need what only ``lienthong up`` gives (its data
folder, its SQLite event stores, a platform of their own); they are skipped on
a deployment with the reason.
"""

from __future__ import annotations

import functools
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import grpc
import pytest

from lienthong import registry
from lienthong.dossiers.v1 import catalog_pb2_grpc, dossiers_pb2_grpc
from lienthong.identity.v1 import identity_pb2, identity_pb2_grpc
from lienthong.services.identity.seeds import import_seed
from lienthong.tls import TLSFiles, client_channel
from lienthong.tools.platform import grpc_health, nats_health

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

STARTUP_TIMEOUT_S = 90
#: The sample's ~2,200 commands through gRPC, relayed and consumed as they go, then
#: a provisional agency code for each of its provinces and communes (about a minute).
SEED_TIMEOUT_S = 600
SEED = "vn-2025-sample-demo"
#: A commune of the seed: Phường Quế Võ, Bắc Ninh.
SEEDED_COMMUNE = "09247"


@dataclass(frozen=True)
class Platform:
    """Where the platform answers: each registered service's gRPC address, and NATS."""

    addresses: dict[str, str]
    nats_url: str
    data_dir: Path | None  # local target only
    #: The client certificate the platform's tools use (None: plaintext).
    tls: TLSFiles | None = None

    def channel(self, service: str) -> grpc.Channel:
        """A channel to ``service``, over mutual TLS when the platform runs it."""
        return client_channel(self.addresses[service], self.tls)

    @property
    def identity_address(self) -> str:
        return self.addresses["identity"]

    @property
    def dossiers_address(self) -> str:
        return self.addresses["dossiers"]

    def cli(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        """Run the `lienthong` command against this platform."""
        if args[0] == "status":
            target = []
        elif args[0] == "events":
            target = ["--nats-url", self.nats_url]
        elif args[0] == "dossiers":
            target = ["--address", self.dossiers_address,
                      "--identity-address", self.identity_address]
        else:
            target = ["--address", self.identity_address]
        command = [sys.executable, "-m", "lienthong.tools.cli.main", *args, *target]
        env = {**os.environ, **(self.tls.client_env() if self.tls else {})}
        return subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                              check=False, env=env)


def _status(data_dir: Path) -> dict[str, object] | None:
    result = subprocess.run(
        [sys.executable, "-m", "lienthong.tools.cli.main", "status", "--json", "--data-dir",
         str(data_dir)], capture_output=True, text=True, timeout=30, check=False)
    try:
        return json.loads(result.stdout)
    except json.JSONDecodeError:
        return None


#: The xdist group of the tests on the session's platform (``make test`` runs
#: ``--dist loadgroup``): one worker starts the platform once and runs them all.
PLATFORM_GROUP = "e2e-platform"


# First: pytest-xdist's own hook reads the xdist_group marks this one adds.
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        # A test's time limit is its own: starting and seeding the shared
        # platform (minutes) is bounded by SEED_TIMEOUT_S, not by the first test.
        if item.path.parent == Path(__file__).parent:
            limit = item.get_closest_marker("timeout")
            seconds = limit.args[0] if limit and limit.args else 300
            item.add_marker(pytest.mark.timeout(seconds, func_only=True), append=False)
            # A session fixture is one per worker process: the tests on the platform
            # share one worker, or each worker would start (and seed) a platform of its own.
            if "platform" in getattr(item, "fixturenames", ()):
                item.add_marker(pytest.mark.xdist_group(PLATFORM_GROUP))
    target = config.getoption("--target")
    if target == "local":
        return
    for item in items:
        marker = item.get_closest_marker("local_only")
        if marker is not None:
            reason = marker.args[0] if marker.args else "needs the local platform"
            item.add_marker(pytest.mark.skip(reason=f"--target {target}: {reason}"))


def _deployed(target: str) -> Platform:
    """The chart's deployment, once every part answers its health check.

    Each registered service at LIENTHONG_E2E_<NAME>_ADDRESS (deploy/kind/e2e.sh and
    lienthong.devtools.podman_e2e set them), by default 127.0.0.1 and the service's
    default port.
    """
    platform = Platform(
        {spec.name: os.environ.get(f"LIENTHONG_E2E_{spec.name.upper()}_ADDRESS",
                                   f"127.0.0.1:{spec.default_port}")
         for spec in registry.services()},
        os.environ.get("LIENTHONG_E2E_NATS_URL", "nats://127.0.0.1:4222"), None,
        # The suite's client certificate, where the deployment runs mutual TLS.
        TLSFiles.from_paths(*(os.environ.get(f"LIENTHONG_E2E_TLS_{part}", "")
                              for part in ("CERT", "KEY", "CA"))))
    checks: dict[str, Callable[[], str]] = {
        f"{name} at {address}": functools.partial(grpc_health, address, tls=platform.tls)
        for name, address in platform.addresses.items()}
    checks[f"NATS at {platform.nats_url}"] = functools.partial(
        nats_health, platform.nats_url.removeprefix("nats://"))
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    for name, check in checks.items():
        while (health := check()) != "SERVING":
            if time.monotonic() > deadline:
                pytest.fail(f"--target {target}: {name} is {health}; is the deployment "
                            "reachable (make e2e-kind, tilt up, make e2e-podman)?")
            time.sleep(0.5)
    _seed_deployment(platform, target)
    return platform


def _seed_deployment(platform: Platform, target: str) -> None:
    """Load the seed into a deployment that does not hold it yet (idempotent)."""
    with platform.channel("identity") as channel:
        stub = identity_pb2_grpc.IdentityServiceStub(channel)
        try:
            unit = stub.ResolveUnit(identity_pb2.ResolveUnitRequest(code=SEEDED_COMMUNE),
                                    timeout=10).named_unit
            if unit.agency_code:
                return
        except grpc.RpcError as error:
            if error.code() != grpc.StatusCode.NOT_FOUND:
                raise
    report, codes = import_seed(SEED, platform.identity_address, tls=platform.tls)
    if report.failures or report.skipped or (codes is not None and codes.failures):
        pytest.fail(f"--target {target}: seeding {SEED} failed: {report.as_dict()['failures']}, "
                    f"skipped {report.skipped}, codes {codes and codes.as_dict()}")
    _wait_consumed(platform, target)


def _wait_consumed(platform: Platform, target: str) -> None:
    """Until every service that follows identity applied the seed's events (as ``lienthong
    up --seed`` waits before it says ready): their durables on identity's stream have
    nothing pending, twice a second apart."""
    import asyncio

    import nats

    from lienthong.events.jetstream import stream_name
    from lienthong.natsauth import connect_options

    followers = [spec.name for spec in registry.services() if "identity" in spec.follows]

    async def backlog() -> tuple[int, int]:
        connection = await nats.connect(**connect_options(platform.nats_url, platform.tls),
                                        connect_timeout=5, max_reconnect_attempts=0)
        try:
            consumers = await connection.jetstream().consumers_info(stream_name("identity"))
            return len(consumers), sum(c.num_pending + c.num_ack_pending for c in consumers)
        finally:
            await connection.close()

    deadline = time.monotonic() + SEED_TIMEOUT_S
    settled = 0
    while settled < 2:
        durables, pending = asyncio.run(backlog())
        settled = settled + 1 if durables >= len(followers) and pending == 0 else 0
        if time.monotonic() > deadline:
            pytest.fail(f"--target {target}: the services following identity have {pending} "
                        f"of the seed's events still to apply after {SEED_TIMEOUT_S} s")
        time.sleep(1.0)


@pytest.fixture(scope="session")
def platform(request: pytest.FixtureRequest,
             tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    target = request.config.getoption("--target")
    if target != "local":
        yield _deployed(target)
        return
    data_dir = tmp_path_factory.mktemp("platform")
    log = (data_dir / "up.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "lienthong.tools.cli.main", "up", "--data-dir", str(data_dir),
         "--nats-port", "0", "--base-port", "0", "--seed", SEED],
        stdout=log, stderr=subprocess.STDOUT,
        # The archive's worker takes a round every second (5 s by default): the stories
        # wait for its copies and packages.
        env={**os.environ, "LIENTHONG_ARCHIVE_WORK_INTERVAL_S":
             os.environ.get("LIENTHONG_ARCHIVE_WORK_INTERVAL_S", "1")},
    )
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S + SEED_TIMEOUT_S
        while True:
            status = _status(data_dir)
            if status and status.get("ready"):  # healthy, and the seed is in
                break
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the platform did not start:\n{(data_dir / 'up.log').read_text()}")
            time.sleep(1.0)
        services = {s["name"]: s["address"] for s in status["services"]}  # type: ignore[union-attr]
        nats = services.pop("nats")
        assert set(services) == set(registry.names()), "every registered service is up"
        tls = status.get("tls")  # type: ignore[union-attr]
        yield Platform(services, "nats://" + nats, data_dir,
                       TLSFiles(Path(tls["cert"]), Path(tls["key"]), Path(tls["ca"]))
                       if tls else None)
    finally:
        process.send_signal(signal.SIGINT)  # what Ctrl-C does
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture(scope="session")
def seed() -> str:
    """The name of the seed the platform holds."""
    return SEED


@pytest.fixture(scope="session")
def identity(platform: Platform) -> Iterator[identity_pb2_grpc.IdentityServiceStub]:
    with platform.channel("identity") as channel:
        yield identity_pb2_grpc.IdentityServiceStub(channel)


@dataclass(frozen=True)
class Dossiers:
    """The dossiers service's two gRPC services, on one channel."""

    dossiers: dossiers_pb2_grpc.DossierServiceStub
    catalog: catalog_pb2_grpc.CatalogServiceStub


@pytest.fixture(scope="session")
def dossiers(platform: Platform) -> Iterator[Dossiers]:
    with platform.channel("dossiers") as channel:
        yield Dossiers(dossiers_pb2_grpc.DossierServiceStub(channel),
                       catalog_pb2_grpc.CatalogServiceStub(channel))
