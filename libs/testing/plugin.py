"""pytest plugin of the project (loaded by pyproject's addopts).

Fixtures: ``nats_server`` (a real nats-server with JetStream on a free
port), ``postgres_dsn`` (a fresh database per test), ``event_store_url`` (a
fresh, empty event store: a SQLite file, then a PostgreSQL database). Tests marked
``postgres`` skip when no server answers, unless LIENTHONG_REQUIRE_POSTGRES
is set; then they fail, and a run in which no PostgreSQL test passed fails
as a whole (under pytest-xdist, the controller counts the passed tests of every worker).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import pytest
import structlog

from lienthong.testing.nats import NatsServer
from lienthong.testing.postgres import (
    TemporaryDatabase,
    admin_dsn,
    postgres_available,
    postgres_required,
)

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from lienthong.pkcs11 import TokenConfig

_postgres_passed = 0
#: Tests marked xdist_group that ran outside their group (see pytest_terminal_summary).
_ungrouped = 0


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--target", choices=("local", "kind", "podman"), default="local",
                     help="e2e: start the platform as `make up` does (local), or use the "
                          "chart's deployment at its forwarded or published ports: on kind "
                          "(make e2e-kind) or podman (make e2e-podman)")


@pytest.fixture
def nats_server(tmp_path: Path) -> Iterator[NatsServer]:
    server = NatsServer(tmp_path / "nats").start()
    try:
        yield server
    finally:
        server.kill()


@pytest.fixture
def postgres_dsn() -> Iterator[str]:
    problem = postgres_available()
    if problem is not None:
        message = f"PostgreSQL at {admin_dsn()} is not available: {problem}"
        if postgres_required():
            pytest.fail(message)
        pytest.skip(message)
    with TemporaryDatabase() as database:
        yield database.dsn


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def event_store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An event-store URL on a fresh, empty store, once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return "sqlite:///" + str((tmp_path / "events.db").resolve())
    return request.getfixturevalue("postgres_dsn")


@pytest.fixture
def softhsm_token() -> TokenConfig:
    """A fresh SoftHSM2 token (its own label and user PIN) as a :class:`TokenConfig`;
    skipped when no SoftHSM2 is found, unless LIENTHONG_REQUIRE_SOFTHSM is set: then failed."""
    from lienthong.testing.softhsm import SoftHsmUnavailable, fresh_token, softhsm_required

    try:
        return fresh_token()
    except SoftHsmUnavailable as error:
        if softhsm_required():
            pytest.fail(str(error))
        pytest.skip(str(error))


@pytest.fixture(autouse=True)
def _logging_as_it_was() -> Iterator[None]:
    """A command run in-process configures logging (its level, its output) for the
    whole process; the next test starts with the configuration it found."""
    saved = structlog.get_config()
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    structlog.configure(**saved)
    root.handlers[:] = handlers
    root.setLevel(level)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    global _postgres_passed, _ungrouped  # noqa: PLW0603 - counts for the whole session
    if report.when == "call" and report.passed and "postgres" in report.keywords:
        _postgres_passed += 1
    # With --dist loadgroup, pytest-xdist ends a grouped test's id with @<group>.
    nodeid = report.nodeid
    if report.when == "setup" and "xdist_group" in report.keywords \
            and nodeid.rfind("@") <= nodeid.rfind("]"):
        _ungrouped += 1


def _xdist_worker(config: pytest.Config) -> bool:
    """A pytest-xdist worker: it runs a share of the tests and sends each report to the
    controller, whose pytest_runtest_logreport counts them all."""
    return hasattr(config, "workerinput")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    # The whole run's count is the controller's (or the single process's), not a worker's.
    if _xdist_worker(session.config):
        return
    if postgres_required() and exitstatus == 0 and session.testscollected and not _postgres_passed:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line("LIENTHONG_REQUIRE_POSTGRES is set but no PostgreSQL test passed",
                                red=True)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _xdist_worker(terminalreporter.config):
        return
    terminalreporter.write_line(f"PostgreSQL tests passed: {_postgres_passed}")
    if _ungrouped and getattr(terminalreporter.config.option, "dist", "no") == "loadgroup":
        terminalreporter.write_line(
            f"{_ungrouped} tests marked xdist_group ran outside their group (pytest-xdist "
            "cannot group with this pytest? pytest-dev/pytest-xdist#1386): each worker may "
            "have started what the group shares, the e2e platform",
            yellow=True)
