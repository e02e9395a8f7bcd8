"""The program of the chart's `helm test` hook (``python -m lienthong.tools.smoke``),
run as the hook runs it, against real identity and dossiers servers."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from typing import TYPE_CHECKING, Any

import grpc
import psycopg
import pytest

from lienthong import registry
from lienthong.identity.v1 import identity_pb2 as pb
from lienthong.identity.v1 import identity_pb2_grpc as pb_grpc
from lienthong.ports import free_port
from lienthong.services.dossiers.api import add_to_server as add_dossiers
from lienthong.services.dossiers.application import DossiersApplication
from lienthong.services.identity.api import add_to_server as add_identity
from lienthong.services.identity.application import IdentityApplication
from lienthong.testing.grpc_server import ServerThread

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

TIMEOUT = 60.0
EXPORT = "lienthong.audit.v1.AuditService/ExportEvents"


def smoke(*args: str) -> tuple[int, list[dict[str, Any]], str]:
    """Run the hook's command; its exit status, JSON lines and stderr."""
    done = subprocess.run([sys.executable, "-m", "lienthong.tools.smoke", *args],
                          capture_output=True, text=True, timeout=TIMEOUT, check=False)
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    return done.returncode, lines, done.stderr


@pytest.fixture
def identity() -> Iterator[ServerThread]:
    app = IdentityApplication()
    with ServerThread(lambda server: add_identity(app, server)) as served:
        yield served


@pytest.fixture
def dossiers() -> Iterator[ServerThread]:
    app = DossiersApplication()
    with ServerThread(lambda server: add_dossiers(app, server)) as served:
        yield served


def test_the_hook_checks_health_and_reads_each_public_api(
        identity: ServerThread, dossiers: ServerThread) -> None:
    with grpc.insecure_channel(identity.address) as channel:
        pb_grpc.IdentityServiceStub(channel).RegisterUnit(pb.RegisterUnitRequest(
            request_id="smoke-hanoi", display_name="Thành phố Hà Nội",
            kind=pb.UNIT_KIND_MUNICIPALITY, level=pb.UNIT_LEVEL_PROVINCE,
            administrative_unit_code="01", agency_code="000.00.00.H26"), timeout=10)

    code, lines, stderr = smoke("--identity", identity.address, "--dossiers", dossiers.address,
                                "--wait", "20")

    assert code == 0, stderr
    health = {line["service"]: line for line in lines if line["check"] == "health"}
    assert {name: line["status"] for name, line in health.items()} == {
        "identity": "SERVING", "dossiers": "SERVING"}
    reads = {(line["service"], line["rpc"]): line for line in lines if line["check"] == "read"}
    assert set(reads) == {("identity", "lienthong.identity.v1.IdentityService/ListUnits"),
                          ("identity", EXPORT),
                          ("dossiers", "lienthong.dossiers.v1.CatalogService/ListProcedures"),
                          ("dossiers", "lienthong.dossiers.v1.DossierService/ListDossiers"),
                          ("dossiers", EXPORT)}
    assert all(line["ok"] for line in reads.values())
    # The unit registered above came back through the public API...
    assert reads["identity", "lienthong.identity.v1.IdentityService/ListUnits"]["items"] == 1
    # ...and its first event out of the event store itself, the only one asked for.
    assert reads["identity", EXPORT]["items"] == 1
    assert lines[-1] == {**lines[-1], "check": "summary", "ok": True, "failed": [],
                         "services": ["identity", "dossiers"]}


def test_the_hook_waits_for_a_service_that_is_still_starting() -> None:
    app = IdentityApplication()
    late = ServerThread(lambda server: add_identity(app, server))
    hook = subprocess.Popen([sys.executable, "-m", "lienthong.tools.smoke",
                             "--identity", late.address, "--wait", "45"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        # Nothing listens yet: the hook says it is waiting, and keeps trying.
        waiting = json.loads(hook.stdout.readline())
        assert waiting["check"] == "waiting"
        assert waiting["reason"].startswith("UNAVAILABLE")
        with late:
            out, err = hook.communicate(timeout=TIMEOUT)
    finally:
        if hook.poll() is None:
            hook.kill()
            hook.communicate()
    assert hook.returncode == 0, err
    health = next(json.loads(line) for line in out.splitlines()
                  if json.loads(line)["check"] == "health")
    assert health["ok"] is True
    assert health["attempts"] > 1


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def broken_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ServerThread]:
    """Identity, serving, whose event store loses its events table after startup."""
    if request.param == "sqlite":
        store = f"sqlite:///{tmp_path / 'identity.db'}"
        app = IdentityApplication(store)
        with sqlite3.connect(tmp_path / "identity.db") as db:
            db.execute("DROP TABLE stored_events")
    else:
        store = request.getfixturevalue("postgres_dsn")
        app = IdentityApplication(store)
        with psycopg.connect(store, autocommit=True) as db:
            db.execute("ALTER SCHEMA identity RENAME TO identity_lost")
    try:
        with ServerThread(lambda server: add_identity(app, server)) as served:
            yield served
    finally:
        app.close()


def test_an_event_store_that_fails_fails_the_hook(
        broken_store: ServerThread) -> None:
    code, lines, _ = smoke("--identity", broken_store.address, "--wait", "20")

    assert code == 1
    [failure] = [line for line in lines if line["check"] == "read"]
    # The event store's own read is the one that fails, and says so.
    assert (failure["rpc"], failure["ok"]) == (EXPORT, False)
    assert failure["error"].startswith("INTERNAL")
    assert f"{EXPORT} on {broken_store.address} failed" in failure["message"]
    assert lines[-1]["failed"] == ["identity"]


def test_a_dead_address_fails_with_a_clear_json_line(identity: ServerThread) -> None:
    dead = f"127.0.0.1:{free_port()}"

    code, lines, _ = smoke("--identity", identity.address, "--dossiers", dead, "--wait", "2")

    assert code == 1
    failure = next(line for line in lines if line["check"] == "health" and not line["ok"])
    assert failure["service"] == "dossiers"
    assert failure["address"] == dead
    assert failure["error"].startswith("UNAVAILABLE")
    assert f"dossiers at {dead} is not SERVING" in failure["message"]
    # The healthy service was still checked and reported.
    assert any(line["check"] == "read" and line["service"] == "identity" and line["ok"]
               for line in lines)
    assert lines[-1]["check"] == "summary"
    assert lines[-1]["ok"] is False
    assert lines[-1]["failed"] == ["dossiers"]


def test_without_a_service_to_check_it_is_a_usage_error() -> None:
    code, lines, stderr = smoke("--wait", "1")

    assert code == 2
    assert lines == []
    assert "give at least one of " + ", ".join(f"--{n}" for n in registry.names()) in stderr
