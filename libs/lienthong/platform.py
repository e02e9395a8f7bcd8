"""Run the whole platform on one machine: nats-server plus every service.

This is what ``lienthong up`` (and ``make up``) does: a real nats-server
with JetStream in the data folder, each service in its own process on an
SQLite event store, a run file (``<data>/run.json``) that ``lienthong
status`` reads to find them.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from lienthong import registry
from lienthong.natsbin import nats_server_path
from lienthong.ports import free_port, wait_for_port


def service_modules() -> dict[str, str]:
    """The registered services `up` starts, in start order, with the module that runs each."""
    return {spec.name: spec.module for spec in registry.services()}


DEFAULT_NATS_PORT = 14222  # not 4222, so a system nats-server may keep its port
DEFAULT_BASE_PORT = 50051
RUN_FILE = "run.json"


@dataclass
class Endpoint:
    name: str
    address: str
    pid: int
    kind: str  # "grpc" or "nats"
    log: str
    metrics: str = ""  # host:port of a service's Prometheus /metrics ("" for NATS)


@dataclass
class RunState:
    data_dir: str
    supervisor_pid: int
    endpoints: list[Endpoint] = field(default_factory=list)
    #: The seed ``up`` loads: name, state (seeding, ready, failed) and what is loaded.
    seed: dict[str, Any] = field(default_factory=dict)

    def save(self) -> None:
        path = Path(self.data_dir) / RUN_FILE
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(self), indent=2))
        tmp.replace(path)

    @classmethod
    def load(cls, data_dir: Path) -> RunState | None:
        path = data_dir / RUN_FILE
        if not path.exists():
            return None
        raw = json.loads(path.read_text())
        return cls(raw["data_dir"], raw["supervisor_pid"],
                   [Endpoint(**e) for e in raw["endpoints"]], raw.get("seed") or {})

    def address_of(self, name: str) -> str:
        for endpoint in self.endpoints:
            if endpoint.name == name:
                return endpoint.address
        msg = f"{name} is not part of the running platform"
        raise KeyError(msg)


def local_event_store(data_dir: Path, service: str) -> str:
    """The SQLite event store of a service of the local platform."""
    return f"sqlite:///{data_dir / (service + '.db')}"


#: Seconds between the local platform's audit checkpoints while events arrive.
LOCAL_CHECKPOINT_EVERY_S = 5.0
#: The Ed25519 private key that signs the local platform's audit checkpoints.
AUDIT_SIGNING_KEY_FILE = "audit-signing-key.pem"


def local_signing_key(data_dir: Path) -> Path:
    """The local platform's checkpoint signing key, generated once (mode 0600)."""
    path = data_dir / AUDIT_SIGNING_KEY_FILE
    if not path.exists():
        from lienthong.audit.checkpoints import generate_key_file

        with contextlib.suppress(FileExistsError):  # another `up` made it just now
            generate_key_file(path)
    return path


def grpc_health(address: str, timeout: float = 2.0) -> str:
    """SERVING, NOT_SERVING, or UNREACHABLE."""
    try:
        with grpc.insecure_channel(address) as channel:
            reply = health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(service=""), timeout=timeout)
        return health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)
    except grpc.RpcError:
        return "UNREACHABLE"


def nats_health(address: str, timeout: float = 2.0) -> str:
    """SERVING when the server greets us with JetStream enabled."""
    import socket

    host, port = address.rsplit(":", 1)
    try:
        with socket.create_connection((host, int(port)), timeout=timeout) as sock:
            greeting = sock.recv(4096).decode(errors="replace")
    except OSError:
        return "UNREACHABLE"
    if not greeting.startswith("INFO "):
        return "NOT_SERVING"
    info = json.loads(greeting[5:].strip())
    return "SERVING" if info.get("jetstream") else "NOT_SERVING"


class Platform:
    """Starts and stops the processes of one local platform."""

    def __init__(self, data_dir: Path, *, host: str = "127.0.0.1",
                 nats_port: int = DEFAULT_NATS_PORT, base_port: int = DEFAULT_BASE_PORT,
                 log_level: str = "info") -> None:
        self.data_dir = data_dir.resolve()
        self.host = host
        self.nats_port = nats_port or free_port()
        self.base_port = base_port
        self.log_level = log_level
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.state = RunState(str(self.data_dir), os.getpid())

    def start(self) -> RunState:
        existing = RunState.load(self.data_dir)
        if existing is not None and _alive(existing.supervisor_pid):
            msg = (f"a platform is already running from {self.data_dir} "
                   f"(pid {existing.supervisor_pid}); stop it first")
            raise RuntimeError(msg)
        (self.data_dir / "logs").mkdir(parents=True, exist_ok=True)
        try:
            self._start_nats()
            for index, (name, module) in enumerate(service_modules().items()):
                port = self.base_port + index if self.base_port else free_port()
                self._start_service(name, module, port)
            self.state.save()
            self._wait_healthy()
        except BaseException:
            self.stop()
            raise
        return self.state

    def _start_nats(self) -> None:
        log = self.data_dir / "logs" / "nats.log"
        with log.open("ab") as out:
            process = subprocess.Popen(
                [nats_server_path(), "-a", self.host, "-p", str(self.nats_port), "-js",
                 "-sd", str(self.data_dir / "nats"), "--name", "lienthong-local"],
                stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            )
        self.processes["nats"] = process
        wait_for_port(self.nats_port, self.host)
        self.state.endpoints.append(Endpoint("nats", f"{self.host}:{self.nats_port}",
                                             process.pid, "nats", str(log)))

    def _start_service(self, name: str, module: str, port: int) -> None:
        log = self.data_dir / "logs" / f"{name}.log"
        metrics_port = free_port()
        env = {
            **os.environ,
            "LIENTHONG_SERVICE": name,
            "LIENTHONG_LISTEN": f"{self.host}:{port}",
            "LIENTHONG_EVENT_STORE": local_event_store(self.data_dir, name),
            "LIENTHONG_NATS_URL": f"nats://{self.host}:{self.nats_port}",
            "LIENTHONG_LOG_LEVEL": self.log_level,
            "LIENTHONG_METRICS_LISTEN": f"{self.host}:{metrics_port}",
            "LIENTHONG_AUDIT_SIGNING_KEY": os.environ.get("LIENTHONG_AUDIT_SIGNING_KEY")
            or str(local_signing_key(self.data_dir)),
            # A checkpoint soon after a change, so a local audit has something to prove.
            "LIENTHONG_AUDIT_CHECKPOINT_EVERY_S": os.environ.get(
                "LIENTHONG_AUDIT_CHECKPOINT_EVERY_S", str(LOCAL_CHECKPOINT_EVERY_S)),
        }
        with log.open("ab") as out:
            process = subprocess.Popen([sys.executable, "-m", module], env=env, stdout=out,
                                       stderr=subprocess.STDOUT, start_new_session=True)
        self.processes[name] = process
        self.state.endpoints.append(Endpoint(name, f"{self.host}:{port}", process.pid, "grpc",
                                             str(log), f"{self.host}:{metrics_port}"))

    def _wait_healthy(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        for endpoint in self.state.endpoints:
            check = nats_health if endpoint.kind == "nats" else grpc_health
            while check(endpoint.address, timeout=1.0) != "SERVING":
                process = self.processes[endpoint.name]
                if process.poll() is not None:
                    msg = (f"{endpoint.name} exited with code {process.returncode}; "
                           f"see {endpoint.log}")
                    raise RuntimeError(msg)
                if time.monotonic() > deadline:
                    msg = f"{endpoint.name} is not healthy after {timeout}s; see {endpoint.log}"
                    raise TimeoutError(msg)
                time.sleep(0.1)

    def failed(self) -> str | None:
        """The name of a process that has exited, if any."""
        for name, process in self.processes.items():
            if process.poll() is not None:
                return name
        return None

    def stop(self, grace: float = 15.0) -> None:
        """SIGTERM the services, then NATS; SIGKILL what outlives the grace period."""
        order = [n for n in self.processes if n != "nats"] + (
            ["nats"] if "nats" in self.processes else [])
        for name in order:
            process = self.processes[name]
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        run_file = self.data_dir / RUN_FILE
        state = RunState.load(self.data_dir)
        if state is not None and state.supervisor_pid == os.getpid():
            run_file.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
