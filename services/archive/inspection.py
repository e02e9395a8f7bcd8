"""Quality control at capture as the application asks for it (the :class:`PageInspector`
port): :mod:`.capture`'s checks of one page, its measures as the events record them.

The archive takes JPEG, PNG and TIFF scans: a JPEG 2000 scan, which capture could read,
would not become a PDF/A without re-encoding its image (:mod:`.ocr`), so it is sent back
at capture rather than failing at OCR."""

from __future__ import annotations

from .capture.quality import CaptureLimits, PageKind, fingerprint_distance, inspect_page
from .ports import Inspection

#: The formats OCR makes a PDF/A of, the scanned image kept as it is.
FORMATS = frozenset({"JPEG", "PNG", "TIFF"})


class QualityInspector:
    def __init__(self, limits: CaptureLimits | None = None) -> None:
        self.limits = limits or CaptureLimits(formats=FORMATS)

    def inspect(self, data: bytes, kind: str) -> Inspection:
        found = inspect_page(data, kind=PageKind(kind), limits=self.limits)
        measures = {
            "format": found.format or "", "width": found.width or 0,
            "height": found.height or 0, "dpi": list(found.dpi or (0.0, 0.0)),
            "bits_per_pixel": found.bits_per_pixel or 0,
            "skew_degrees": round(found.skew_degrees or 0.0, 2),
            "ink_share": round(found.ink_share or 0.0, 4),
            "fingerprint": found.fingerprint or ""}
        findings = tuple({"rule": str(f.rule), "detail": f.detail} for f in found.findings)
        return Inspection(findings, measures, found.fingerprint or "")

    def same_page(self, fingerprint: str, other: str) -> bool:
        if not fingerprint or not other:
            return False
        return fingerprint_distance(fingerprint, other) <= self.limits.duplicate_distance
