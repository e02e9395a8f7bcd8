"""Log lines are JSON on the process's stderr, whoever swapped it since."""

from __future__ import annotations

import io
import json
import sys

import pytest
import structlog

from lienthong.logging import configure_logging


@pytest.fixture(autouse=True)
def _default_structlog():
    yield
    structlog.reset_defaults()
    structlog.contextvars.clear_contextvars()


def test_a_log_line_is_one_json_object_with_the_service(capsys) -> None:
    configure_logging("identity")

    structlog.get_logger("lienthong.test").info("unit_registered", code="01")

    line = json.loads(capsys.readouterr().err)
    assert line["service"] == "identity"
    assert line["event"] == "unit_registered" and line["code"] == "01"
    assert line["level"] == "info"


def test_logs_follow_stderr_after_an_in_process_cli_closed_its_own(capsys) -> None:
    # A command run in-process (a test's CliRunner) configures logging while it
    # holds a stderr of its own, then closes it.
    borrowed, original = io.StringIO(), sys.stderr
    sys.stderr = borrowed
    try:
        configure_logging("bench", level="warning")
        log = structlog.get_logger("lienthong.test").bind(origin="lienthong.vn/identity")
    finally:
        sys.stderr = original
        borrowed.close()

    log.warning("notification_gap_skipped", missing_from=14)

    assert json.loads(capsys.readouterr().err)["missing_from"] == 14
