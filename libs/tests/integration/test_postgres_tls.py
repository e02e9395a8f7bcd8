"""An event store on PostgreSQL over TLS, as the URL asks: a cluster of the test's own
(``initdb`` in a temporary folder) serving TLS with a certificate from the platform's CA;
``sslmode=verify-full`` with that CA connects and stores, a CA the client does not trust is
refused, and nothing is sent in clear when TLS is required."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import psycopg
import pytest

from lienthong.ports import free_port
from lienthong.services.identity.application import IdentityApplication, NewUnitSpec
from lienthong.tools.pki import CA

if TYPE_CHECKING:
    from collections.abc import Iterator

BIN = next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)), None)
pytestmark = pytest.mark.skipif(BIN is None or not (BIN / "initdb").exists(),
                                reason="needs PostgreSQL's server binaries (initdb)")


def _as_owner(command: list[str], owner: str | None) -> list[str]:
    """initdb and postgres refuse root: run them as the postgres user then."""
    return ["runuser", "-u", owner, "--", *command] if owner else command


@contextmanager
def tls_cluster(ca: CA) -> Iterator[int]:
    """A PostgreSQL cluster on 127.0.0.1:<port> serving TLS with ``ca``'s certificate, in a
    folder of its own that the postgres user can reach (removed afterwards)."""
    owner = "postgres" if os.geteuid() == 0 else None
    folder = Path(tempfile.mkdtemp(prefix="lienthong-pg-tls-"))
    folder.chmod(0o755)
    data, run = folder / "data", folder / "run"
    run.mkdir(parents=True)
    ca.issue("postgresql", "service", hosts=["127.0.0.1", "localhost"])
    cert, key = ca.paths("postgresql")
    tls = folder / "tls"
    tls.mkdir()
    shutil.copy(cert, tls / "server.crt")
    shutil.copy(key, tls / "server.key")
    if owner:
        shutil.chown(folder, owner)
        for path in (run, tls, tls / "server.crt", tls / "server.key"):
            shutil.chown(path, owner)
    (tls / "server.key").chmod(0o600)
    subprocess.run(_as_owner([str(BIN / "initdb"), "-D", str(data), "-U", "postgres",
                              "--auth=trust", "-E", "UTF8"], owner),
                   check=True, capture_output=True, timeout=120)
    port = free_port()
    server = subprocess.Popen(_as_owner(
        [str(BIN / "postgres"), "-D", str(data), "-p", str(port), "-k", str(run),
         "-c", "listen_addresses=127.0.0.1", "-c", "ssl=on",
         "-c", f"ssl_cert_file={tls / 'server.crt'}", "-c", f"ssl_key_file={tls / 'server.key'}",
         "-c", "fsync=off"], owner), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while subprocess.run([str(BIN / "pg_isready"), "-h", "127.0.0.1", "-p", str(port)],
                             capture_output=True, check=False).returncode != 0:
            assert server.poll() is None and time.monotonic() < deadline, "no cluster"
            time.sleep(0.2)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def ca(tmp_path: Path) -> CA:
    authority = CA(tmp_path / "pki")
    authority.init()
    return authority


def test_an_event_store_over_verified_tls_stores_and_the_server_sees_tls(
        tmp_path: Path, ca: CA) -> None:
    with tls_cluster(ca) as port:
        url = (f"postgresql://postgres@127.0.0.1:{port}/postgres"
               f"?sslmode=verify-full&sslrootcert={ca.cert_path}")
        app = IdentityApplication(url)
        try:
            app.register_unit(NewUnitSpec(display_name="Sở Tư pháp", kind="agency"),
                              request_id="tls-1")
            assert app.recorder.max_notification_id() >= 1
        finally:
            app.close()
        with psycopg.connect(f"host=127.0.0.1 port={port} user=postgres sslmode=verify-full "
                             f"sslrootcert={ca.cert_path}") as conn:
            [(on,)] = conn.execute(
                "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").fetchall()
        assert on is True


def test_a_server_certificate_from_a_ca_the_client_does_not_trust_is_refused(
        tmp_path: Path, ca: CA) -> None:
    other = CA(tmp_path / "other")
    other.init(common_name="Another CA")
    with tls_cluster(ca) as port, \
            pytest.raises(psycopg.OperationalError, match="certificate verify failed"):
        IdentityApplication(f"postgresql://postgres@127.0.0.1:{port}/postgres"
                            f"?sslmode=verify-full&sslrootcert={other.cert_path}")
