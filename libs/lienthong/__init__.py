"""Lienthong: the shared runtime of the platform's services."""

from __future__ import annotations

__version__ = "0.1.0"
