"""The service's JSON log lines, captured in memory for a test."""

from __future__ import annotations

import contextlib
import io
import json
import logging
from typing import TYPE_CHECKING, Any

import structlog

from lienthong.logging import configure_logging

if TYPE_CHECKING:
    from collections.abc import Iterator


class JsonLines:
    """What was logged since the capture began, one dict per line."""

    def __init__(self, buffer: io.StringIO) -> None:
        self._buffer = buffer

    def lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self._buffer.getvalue().splitlines()
                if line.startswith("{")]

    def named(self, event: str) -> list[dict[str, Any]]:
        return [line for line in self.lines() if line.get("event") == event]


@contextlib.contextmanager
def json_logs(service: str, *, level: str = "debug") -> Iterator[JsonLines]:
    """Log as a service process does (:func:`configure_logging`, JSON), into memory.

    Loggers bound before the capture keep the configuration they were bound
    with: create what logs (runners, relays) inside the block.
    """
    root = logging.getLogger()
    handlers, root_level = root.handlers[:], root.level
    buffer = io.StringIO()
    configure_logging(service, level=level, fmt="json")
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(file=buffer))
    try:
        yield JsonLines(buffer)
    finally:
        structlog.reset_defaults()
        structlog.contextvars.clear_contextvars()
        root.handlers[:] = handlers
        root.setLevel(root_level)
