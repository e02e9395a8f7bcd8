"""The terms of quality control at capture: the kinds of page, the rules a page can break
and its findings, the bounds a page is held to, and what an inspection found."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from lienthong.services.archive.capture import decoding, measures

MIB = 1024 * 1024


class PageKind(StrEnum):
    TEXT = "text"
    MAP_OR_DRAWING = "map_or_drawing"


class Rule(StrEnum):
    """The rules a page can break, as stable codes (events and read models keep them)."""

    UNREADABLE = "UNREADABLE"
    FORMAT = "FORMAT"
    TOO_LARGE = "TOO_LARGE"
    RESOLUTION = "RESOLUTION"
    COLOUR_DEPTH = "COLOUR_DEPTH"
    SKEW = "SKEW"
    BLANK = "BLANK"
    DUPLICATE = "DUPLICATE"


@dataclass(frozen=True)
class Finding:
    """A rule the page breaks; ``detail`` (English) names the measured value and the bound."""

    rule: Rule
    detail: str


@dataclass(frozen=True)
class CaptureLimits:
    """The bounds a page is held to. 64 MiB holds a 300-dpi A3 page as uncompressed 24-bit
    TIFF (52 MB); 150 million pixels holds a 300-dpi A0 map or drawing (139.5 million)."""

    max_bytes: int = 64 * MIB
    max_pixels: int = 150_000_000
    min_dpi_text: float = 200.0
    min_dpi_map: float = 300.0
    min_colour_bits: int = 24
    max_skew_degrees: float = 2.0
    min_ink_share: float = 0.0002
    min_ink_contrast: int = 40
    duplicate_distance: int = 40
    formats: frozenset[str] = field(
        default_factory=lambda: frozenset({"JPEG", "JPEG2000", "PNG", "TIFF"}))

    def __post_init__(self) -> None:
        positive = {"max_bytes": self.max_bytes, "max_pixels": self.max_pixels,
                    "min_dpi_text": self.min_dpi_text, "min_dpi_map": self.min_dpi_map,
                    "min_colour_bits": self.min_colour_bits,
                    "max_skew_degrees": self.max_skew_degrees}
        for name, value in positive.items():
            if not value > 0:
                raise ValueError(f"{name} must be positive, not {value!r}")
        if not 0 <= self.min_ink_share < 1:
            raise ValueError(f"min_ink_share must be in [0, 1), not {self.min_ink_share!r}")
        if not 0 < self.min_ink_contrast < 256:
            raise ValueError(f"min_ink_contrast must be 1 to 255, not {self.min_ink_contrast!r}")
        if not 0 <= self.duplicate_distance < measures.FINGERPRINT_BITS:
            raise ValueError(f"duplicate_distance must be 0 to {measures.FINGERPRINT_BITS - 1}"
                             f", not {self.duplicate_distance!r}")
        unknown = set(self.formats) - {name for _, name in decoding.TAKEN}
        if not self.formats or unknown:
            raise ValueError(f"formats must be some of JPEG, JPEG2000, PNG, TIFF: {unknown}")

    def min_dpi(self, kind: PageKind) -> float:
        return self.min_dpi_map if kind == PageKind.MAP_OR_DRAWING else self.min_dpi_text


DEFAULT_LIMITS = CaptureLimits()


@dataclass(frozen=True)
class PageInspection:
    """What capture found on a page. Measures not taken (the file could not be read that
    far) are None, or 0 and "" for the header's facts. ``skew_degrees`` is counter-clockwise
    positive (text lines rising to the right), None where the page has no lines to measure;
    ``fingerprint`` is a 256-bit perceptual hash as 64 hexadecimal digits."""

    kind: PageKind
    byte_size: int
    format: str = ""
    width: int = 0
    height: int = 0
    mode: str = ""
    bits_per_pixel: int = 0
    dpi: tuple[float, float] | None = None
    skew_degrees: float | None = None
    ink_share: float | None = None
    fingerprint: str = ""
    duplicate_of: str | None = None
    findings: tuple[Finding, ...] = ()

    @property
    def passed(self) -> bool:
        return not self.findings

    @property
    def rules(self) -> tuple[Rule, ...]:
        """The rules the page breaks, in their order."""
        return tuple(finding.rule for finding in self.findings)
