"""What the archive application needs from outside itself, as it needs it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class Inspection:
    """What quality control found on a page: what failed (``rule``, ``detail``), what
    was measured, the page's fingerprint (for repeats)."""

    findings: tuple[dict[str, str], ...]
    measures: dict[str, Any]
    fingerprint: str


class PageInspector(Protocol):
    def inspect(self, data: bytes, kind: str) -> Inspection: ...

    def same_page(self, fingerprint: str, other: str) -> bool: ...
