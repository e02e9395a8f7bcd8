"""Capture of scanned pages for digitization: each page's file is checked at capture, before
OCR, and a page that breaks a rule goes back for rescanning with its reasons."""

from lienthong.services.archive.capture.quality import (
    DEFAULT_LIMITS,
    CaptureLimits,
    Finding,
    PageInspection,
    PageKind,
    Rule,
    duplicate_of,
    fingerprint_distance,
    inspect_page,
)

__all__ = [
    "DEFAULT_LIMITS",
    "CaptureLimits",
    "Finding",
    "PageInspection",
    "PageKind",
    "Rule",
    "duplicate_of",
    "fingerprint_distance",
    "inspect_page",
]
