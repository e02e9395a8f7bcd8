"""Run the whole platform on one machine: nats-server plus every service.

This is what ``lienthong up`` (and ``make up``) does: a real nats-server
with JetStream in the data folder, each service in its own process on an
SQLite event store, a run file (``<data>/run.json``) that ``lienthong
status`` reads to find them. Unless ``--insecure``, gRPC and NATS take mutual TLS
only, with a development CA in the data folder; on NATS each service is its own user
(:mod:`lienthong.natsauth`), and the local tools another.

The processes never outlive the one that started them, even when it is
killed with SIGKILL: on Linux the kernel sends each of them SIGTERM
(``PR_SET_PDEATHSIG``); elsewhere each service notices within a second that
its parent is gone and stops itself (nats-server then needs Linux).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import runpy
import signal
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from lienthong import registry
from lienthong.calls import address_variable, service_callers
from lienthong.natsauth import server_config
from lienthong.natsbin import die_with_parent, start_nats_server
from lienthong.ports import free_port
from lienthong.signals import Stopped, never
from lienthong.tls import TLSFiles, client_channel

if TYPE_CHECKING:
    from collections.abc import Callable


def service_modules() -> dict[str, str]:
    """The registered services `up` starts, in start order, with the module that runs each.

    RegistryError when one follows a service that is not installed.
    """
    registry.require_whole()
    return {spec.name: spec.module for spec in registry.services()}


DEFAULT_NATS_PORT = 14222  # not 4222, so a system nats-server may keep its port
DEFAULT_BASE_PORT = 50051
RUN_FILE = "run.json"
#: Seconds between a service's checks that the process that started it still lives.
PARENT_CHECK_S = 1.0




@dataclass
class Endpoint:
    name: str
    address: str
    pid: int
    kind: str  # "grpc" or "nats"
    log: str
    metrics: str = ""  # host:port of a service's Prometheus /metrics ("" for NATS)
    url: str = ""  # NATS: tls://host:port (the tools' certificate is its tools user) or nats://
    http: str = ""  # host:port of a service's HTTP face, if it has one (its spec's http_port)


@dataclass
class RunState:
    data_dir: str
    supervisor_pid: int
    endpoints: list[Endpoint] = field(default_factory=list)
    #: The seed ``up`` loads: name, state (seeding, ready, failed, stopped) and what is loaded.
    seed: dict[str, Any] = field(default_factory=dict)
    #: The development client certificate (``ca``, ``cert``, ``key`` paths), for gRPC and
    #: for NATS (its tools user); empty when the platform runs plaintext (``up --insecure``).
    tls: dict[str, str] = field(default_factory=dict)

    def client_tls(self) -> TLSFiles | None:
        """The files a local tool connects with (None: plaintext)."""
        if not self.tls:
            return None
        return TLSFiles(cert=Path(self.tls["cert"]), key=Path(self.tls["key"]),
                        ca=Path(self.tls["ca"]))

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
                   [Endpoint(**e) for e in raw["endpoints"]], raw.get("seed") or {},
                   raw.get("tls") or {})

    def health(self, endpoint: Endpoint, timeout: float = 2.0) -> str:
        """An endpoint's health, asked as the local tools ask (TLS when the platform has it)."""
        if endpoint.kind == "nats":
            return nats_health(endpoint.address, timeout)
        return grpc_health(endpoint.address, timeout, self.client_tls())

    def address_of(self, name: str) -> str:
        for endpoint in self.endpoints:
            if endpoint.name == name:
                return endpoint.address
        msg = f"{name} is not part of the running platform"
        raise KeyError(msg)


#: The caller the local platform's tools are: a provisional agency code (letter Z).
LOCAL_CALLER = "VN:GOV:000.00.00.Z00/local-tools"
LOCAL_CLIENT = "local-tools"
#: The certificate of the local platform's nats-server.
NATS = "nats"
#: Certificates closer to their end than this are issued again at ``up``.
RENEW_BEFORE = 30


def local_pki(data_dir: Path, services: list[str]) -> tuple[dict[str, TLSFiles], TLSFiles]:
    """The local platform's development CA (``<data dir>/pki``, made on first start), a
    certificate for each of ``services`` (a server's: nats-server's too) and one for the
    local tools (issued again when missing, revoked or near their end): each one's files,
    and the tools' client files."""
    from lienthong.tools.pki import CA

    ca = CA(data_dir / "pki")
    if not ca.cert_path.exists():
        ca.init(common_name="Lienthong local development CA")
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(days=RENEW_BEFORE)
    valid = {e.name for e in ca.index()
             if not e.revoked_at and dt.datetime.fromisoformat(e.not_after) > soon}

    def files(name: str) -> TLSFiles:
        cert, key = ca.paths(name)
        return TLSFiles(cert=cert, key=key, ca=ca.cert_path, crl=ca.crl_path)

    specs = {spec.name: spec for spec in registry.services()}
    for name in services:
        if name not in valid or not all(p.exists() for p in ca.paths(name)):
            # A service that calls others is a caller of the local development agency.
            ca.issue(name, "service", hosts=["127.0.0.1", "localhost"], days=825,
                     callers=service_callers(specs[name]) if name in specs else None)
    if LOCAL_CLIENT not in valid or not all(p.exists() for p in ca.paths(LOCAL_CLIENT)):
        ca.issue(LOCAL_CLIENT, "client", callers=[LOCAL_CALLER], days=825)
    return {name: files(name) for name in services}, files(LOCAL_CLIENT)


#: The local platform's access policy, written on first start (``<data dir>/policy.yaml``):
#: the local development agency's systems (the tools, scripts with a certificate of
#: ``lienthong pki issue --caller VN:GOV:000.00.00.Z00/...``) may call everything, and are
#: the auditor. Edit the file: the services take a new version within a second.
LOCAL_POLICY = """\
# The local platform's access policy (docs/security.md). Default deny: a caller no rule
# names is refused. Each version the services take is recorded as an event.
roles:
  auditor: ["VN:GOV:000.00.00.Z00/*"]
rules:
  - name: local-development-agency-calls-every-rpc
    callers: ["VN:GOV:000.00.00.Z00/*"]
    rpcs: ["*/*"]
  - name: local-auditors-read-the-history
    roles: [auditor]
    rpcs: ["lienthong.audit.v1.AuditService/*"]
"""
POLICY_FILE = "policy.yaml"


def local_policy(data_dir: Path) -> Path:
    """The local platform's access policy file, written once (an edited one is kept)."""
    path = data_dir / POLICY_FILE
    if not path.exists():
        path.write_text(LOCAL_POLICY)
    return path


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


def grpc_health(address: str, timeout: float = 2.0, tls: TLSFiles | None = None) -> str:
    """SERVING, NOT_SERVING, or UNREACHABLE (over mutual TLS with ``tls``)."""
    try:
        with client_channel(address, tls) as channel:
            reply = health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(service=""), timeout=timeout)
        return health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)
    except grpc.RpcError:
        return "UNREACHABLE"


def nats_health(address: str, timeout: float = 2.0) -> str:
    """SERVING when the server greets us with JetStream enabled (a server that takes TLS
    clients only greets before the handshake, so no certificate is needed to ask)."""
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
                 log_level: str = "info", insecure: bool = False) -> None:
        self.data_dir = data_dir.resolve()
        self.insecure = insecure
        self.server_tls: dict[str, TLSFiles] = {}
        self.host = host
        self.nats_port = nats_port or free_port()
        self.base_port = base_port
        self.log_level = log_level
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.state = RunState(str(self.data_dir), os.getpid())

    def start(self, should_stop: Callable[[], bool] = never) -> RunState:
        """Start NATS and every service; once all are healthy, the run state.

        Raises :class:`Stopped`, with every process stopped, as soon as
        ``should_stop()`` is true.
        """
        existing = RunState.load(self.data_dir)
        if existing is not None and _alive(existing.supervisor_pid):
            msg = (f"a platform is already running from {self.data_dir} "
                   f"(pid {existing.supervisor_pid}); stop it first")
            raise RuntimeError(msg)
        (self.data_dir / "logs").mkdir(parents=True, exist_ok=True)
        if not self.insecure:
            self.server_tls, client = local_pki(self.data_dir, [*service_modules(), NATS])
            self.state.tls = client.as_dict()
        try:
            self._start_nats()
            modules = service_modules()
            ports = {name: self.base_port + index if self.base_port else free_port()
                     for index, name in enumerate(modules)}
            for name, module in modules.items():
                _check(should_stop)
                self._start_service(name, module, ports[name], ports)
            self.state.save()
            self._wait_healthy(should_stop)
        except BaseException:
            self.stop()
            raise
        return self.state

    @property
    def nats_url(self) -> str:
        """Mutual TLS, each service its own user, unless the platform runs plaintext."""
        return f"{'tls' if NATS in self.server_tls else 'nats'}://{self.host}:{self.nats_port}"

    def _start_nats(self) -> None:
        log = self.data_dir / "logs" / "nats.log"
        config = ""
        if (tls := self.server_tls.get(NATS)) is not None:
            config = server_config(registry.services(), tls, tools=[LOCAL_CLIENT])
        # Its own session: a terminal's Ctrl-C reaches `up` only, which stops
        # the services before NATS.
        process = start_nats_server(self.data_dir / "nats", log, host=self.host,
                                    port=self.nats_port, name="lienthong-local",
                                    new_session=True, config=config)
        self.processes["nats"] = process
        self.state.endpoints.append(Endpoint("nats", f"{self.host}:{self.nats_port}",
                                             process.pid, "nats", str(log), url=self.nats_url))

    def _start_service(self, name: str, module: str, port: int,
                       ports: dict[str, int]) -> None:
        log = self.data_dir / "logs" / f"{name}.log"
        metrics_port = free_port()
        env = {
            **os.environ,
            "LIENTHONG_SERVICE": name,
            "LIENTHONG_LISTEN": f"{self.host}:{port}",
            "LIENTHONG_EVENT_STORE": local_event_store(self.data_dir, name),
            "LIENTHONG_NATS_URL": self.nats_url,
            "LIENTHONG_LOG_LEVEL": self.log_level,
            "LIENTHONG_METRICS_LISTEN": f"{self.host}:{metrics_port}",
            "LIENTHONG_AUDIT_SIGNING_KEY": os.environ.get("LIENTHONG_AUDIT_SIGNING_KEY")
            or str(local_signing_key(self.data_dir)),
            # A checkpoint soon after a change, so a local audit has something to prove.
            "LIENTHONG_AUDIT_CHECKPOINT_EVERY_S": os.environ.get(
                "LIENTHONG_AUDIT_CHECKPOINT_EVERY_S", str(LOCAL_CHECKPOINT_EVERY_S)),
        }
        spec = next(s for s in registry.services() if s.name == name)
        # The services it calls, at their ports here.
        env.update({address_variable(called): f"{self.host}:{ports[called]}"
                    for called in spec.calls})
        http_endpoint = ""
        if spec.http_port:
            http_endpoint = f"{self.host}:{free_port()}"
            env.update({"LIENTHONG_HTTP_LISTEN": http_endpoint,
                        "LIENTHONG_HTTP_PUBLIC_URL": f"http://{http_endpoint}",
                        "LIENTHONG_DATA_DIR": str(self.data_dir / name)})
        if (tls := self.server_tls.get(name)) is not None:
            # Its own certificate for gRPC, and for NATS, where it names its user.
            env.update({"LIENTHONG_TLS_CERT": str(tls.cert), "LIENTHONG_TLS_KEY": str(tls.key),
                        "LIENTHONG_TLS_CA": str(tls.ca), "LIENTHONG_TLS_CRL": str(tls.crl),
                        "LIENTHONG_NATS_TLS_CERT": str(tls.cert),
                        "LIENTHONG_NATS_TLS_KEY": str(tls.key),
                        "LIENTHONG_NATS_TLS_CA": str(tls.ca),
                        # A policy of the caller's own (LIENTHONG_POLICY_FILE), else the local one.
                        "LIENTHONG_POLICY_FILE": os.environ.get("LIENTHONG_POLICY_FILE")
                        or str(local_policy(self.data_dir))})
        with log.open("ab") as out:
            process = subprocess.Popen(
                [sys.executable, "-c",
                 "from lienthong.tools.platform import run_child; run_child()",
                 module, str(os.getpid())],
                env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
                preexec_fn=die_with_parent())  # noqa: PLW1509 - only a system call in the child
        self.processes[name] = process
        self.state.endpoints.append(Endpoint(name, f"{self.host}:{port}", process.pid, "grpc",
                                             str(log), f"{self.host}:{metrics_port}",
                                             http=http_endpoint))

    def _wait_healthy(self, should_stop: Callable[[], bool], timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        for endpoint in self.state.endpoints:
            while self.state.health(endpoint, timeout=1.0) != "SERVING":
                _check(should_stop)
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


def _check(should_stop: Callable[[], bool]) -> None:
    if should_stop():
        raise Stopped


def run_child() -> None:
    """A service process of ``up``: ``python -c ... <module> <parent pid>``.

    Runs ``<module>`` as ``python -m`` would, and sends itself SIGTERM (its
    orderly stop) once its parent is no longer ``<parent pid>``: on systems
    without ``PR_SET_PDEATHSIG`` this is how a service outlives no killed ``up``.
    """
    module, parent = sys.argv[1], int(sys.argv[2])

    def watch_parent() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_S)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch_parent, name="watch-parent", daemon=True).start()
    sys.argv = [module]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
