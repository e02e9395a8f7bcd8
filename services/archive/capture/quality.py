"""Quality control of a scanned page at capture, before OCR: the page's file is inspected and
each rule it breaks is a finding that sends the page back for rescanning with its reason.

The rules (their sources are in the archive service's documentation):

- the file is a page image capture takes (JPEG, JPEG 2000, PNG or TIFF, one page a file),
  readable, and within the byte and pixel bounds (checked before any pixel is decoded);
- its recorded resolution is at least 200 dpi, 300 dpi for maps and drawings;
- it is in colour of at least 24 bits (8 bits a channel; 48-bit colour and colour with an
  alpha channel pass, greyscale, black and white and palette images fail);
- its text lines are skewed by at most 2 degrees either way;
- it is not blank (some ink on at least 0.02% of the page);
- it is not the same page as one already captured in the batch (fingerprints within 40 of
  256 bits).

``inspect_page`` never raises for what a page's bytes contain: damaged, foreign or outsized
files are findings too. It raises ``TypeError`` or ``ValueError`` for wrong arguments.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

import numpy as np

from lienthong.services.archive.capture import decoding, measures
from lienthong.services.archive.capture.decoding import Refused
from lienthong.services.archive.capture.model import (
    DEFAULT_LIMITS,
    CaptureLimits,
    Finding,
    PageInspection,
    PageKind,
    Rule,
)

__all__ = ["DEFAULT_LIMITS", "CaptureLimits", "Finding", "PageInspection", "PageKind", "Rule",
           "duplicate_of", "fingerprint_distance", "inspect_page"]

# The working copy the measures run on: about this many pixels on its long side.
WORKING_LONG_SIDE = 1500


def fingerprint_distance(first: str, second: str) -> int:
    """How many bits two page fingerprints differ in."""
    return measures.fingerprint_distance(first, second)


def duplicate_of(fingerprint: str, earlier: Mapping[str, str], *,
                 limits: CaptureLimits = DEFAULT_LIMITS) -> str | None:
    """The earlier page (by id, from ``earlier``: page id to fingerprint) this page is the
    same as: the nearest within ``limits.duplicate_distance``; None if there is none. Pages
    without a fingerprint (unreadable ones) are passed over."""
    if not fingerprint:
        return None
    nearest, best = None, limits.duplicate_distance + 1
    for page_id, other in earlier.items():
        if not other:
            continue
        distance = measures.fingerprint_distance(fingerprint, other)
        if distance < best:
            nearest, best = page_id, distance
    return nearest


def _number(value: float) -> str:
    return f"{round(value, 1):g}"


def _resolution(header: decoding.Header, kind: PageKind, limits: CaptureLimits
                ) -> Finding | None:
    required = limits.min_dpi(kind)
    pages = "maps and drawings" if kind == PageKind.MAP_OR_DRAWING else "text pages"
    if header.dpi is None:
        return Finding(Rule.RESOLUTION, f"no resolution recorded in the file; at least "
                                        f"{_number(required)} dpi for {pages}")
    horizontal, vertical = header.dpi
    if min(horizontal, vertical) + 0.5 >= required:
        return None
    measured = (_number(horizontal) if _number(horizontal) == _number(vertical)
                else f"{_number(horizontal)}x{_number(vertical)}")
    return Finding(Rule.RESOLUTION, f"{measured} dpi, at least {_number(required)} dpi "
                                    f"for {pages}")


def _colour(header: decoding.Header, limits: CaptureLimits) -> Finding | None:
    if header.colour_bits >= limits.min_colour_bits:
        return None
    bits, mode = header.bits_per_pixel, header.mode
    if mode == "1":
        what = "1-bit black and white"
    elif mode in ("P", "PA"):
        what = f"{bits}-bit palette"
    elif header.colour_bits:
        what = f"{header.colour_bits}-bit colour"
    else:
        what = f"{bits}-bit greyscale"
    return Finding(Rule.COLOUR_DEPTH, f"{what} (mode {mode}), at least "
                                      f"{limits.min_colour_bits}-bit colour")


def _header_findings(header: decoding.Header, kind: PageKind, limits: CaptureLimits
                     ) -> list[Finding]:
    findings = [_resolution(header, kind, limits), _colour(header, limits)]
    if header.width * header.height > limits.max_pixels:
        findings.append(Finding(
            Rule.TOO_LARGE, f"{header.width}x{header.height} pixels "
                            f"({header.width * header.height / 1e6:.1f} million), at most "
                            f"{limits.max_pixels / 1e6:.1f} million"))
    return [finding for finding in findings if finding is not None]


def _ordered(findings: list[Finding]) -> tuple[Finding, ...]:
    order = list(Rule)
    return tuple(sorted(findings, key=lambda finding: order.index(finding.rule)))


def _check_arguments(data: object, kind: object, limits: object, earlier: object
                     ) -> PageKind:
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError(f"data must be bytes, not {type(data).__name__}")
    if not isinstance(limits, CaptureLimits):
        raise TypeError(f"limits must be CaptureLimits, not {type(limits).__name__}")
    if earlier is not None and not isinstance(earlier, Mapping):
        raise TypeError(f"earlier must map page ids to fingerprints, not "
                        f"{type(earlier).__name__}")
    try:
        return PageKind(kind)
    except ValueError:
        raise ValueError(f"kind must be one of {[k.value for k in PageKind]}, "
                         f"not {kind!r}") from None


def inspect_page(data: bytes, *, kind: PageKind | str, limits: CaptureLimits = DEFAULT_LIMITS,
                 earlier: Mapping[str, str] | None = None) -> PageInspection:
    """Inspect one scanned page's file against the capture rules. ``earlier`` maps the ids of
    the batch's pages already captured to their fingerprints; a page within the duplicate
    distance of one of them is a duplicate of the nearest."""
    page_kind = _check_arguments(data, kind, limits, earlier)
    data = bytes(data)
    base = PageInspection(kind=page_kind, byte_size=len(data))
    if not data:
        return _refused(base, Rule.UNREADABLE, "an empty file (0 bytes)")
    if len(data) > limits.max_bytes:
        return _refused(base, Rule.TOO_LARGE,
                        f"{len(data)} bytes, at most {limits.max_bytes} bytes")
    name, taken = decoding.sniff(data)
    if not name:
        return _refused(base, Rule.UNREADABLE,
                        "not an image file (its first bytes match no image format)")
    if not taken or name not in limits.formats:
        return _refused(base, Rule.FORMAT, f"a {name} file; capture takes page images in "
                                           f"{', '.join(sorted(limits.formats))}")
    try:
        return _inspect_image(data, name, base, limits, earlier or {})
    except Refused as refusal:
        return _refused(base, Rule(refusal.rule), refusal.detail)


def _refused(base: PageInspection, rule: Rule, detail: str) -> PageInspection:
    return replace(base, findings=(Finding(rule, detail),))


def _inspect_image(data: bytes, name: str, base: PageInspection, limits: CaptureLimits,
                   earlier: Mapping[str, str]) -> PageInspection:
    image = decoding.open_page(data, name, max_pixels=limits.max_pixels)
    try:
        header = decoding.read_header(image, data)
        frames = getattr(image, "n_frames", 1)
    except Exception as error:  # damaged metadata: Pillow raises many kinds
        if isinstance(error, MemoryError):
            raise
        raise Refused(Rule.UNREADABLE, f"the {name} header cannot be read "
                                       f"({type(error).__name__}: {error})") from None
    facts = replace(base, format=header.format, width=header.width, height=header.height,
                    mode=header.mode, bits_per_pixel=header.bits_per_pixel, dpi=header.dpi)
    findings = _header_findings(header, base.kind, limits)
    if frames > 1:
        findings.append(Finding(Rule.FORMAT, f"a {name} file of {frames} pages; capture "
                                             f"takes one page a file"))
    if header.width * header.height > limits.max_pixels:
        return replace(facts, findings=_ordered(findings))
    try:
        grey = decoding.working_copy(image, long_side=WORKING_LONG_SIDE)
    except Exception as error:  # damaged or truncated pixel data
        if isinstance(error, MemoryError):
            raise
        findings.append(Finding(Rule.UNREADABLE, f"the {name} image data is damaged or "
                                                 f"truncated ({type(error).__name__}: {error})"))
        return replace(facts, findings=_ordered(findings))
    ink = measures.find_ink(np.asarray(grey), min_contrast=limits.min_ink_contrast)
    blank = ink.share < limits.min_ink_share
    skew = None if blank else measures.skew_degrees(ink.mask)
    fingerprint = measures.fingerprint(grey, ink, skew)
    same_as = None if blank else duplicate_of(fingerprint, earlier, limits=limits)
    if blank:
        findings.append(Finding(Rule.BLANK, f"ink on {ink.share:.3%} of the page, at least "
                                            f"{limits.min_ink_share:.3%}"))
    if skew is not None and abs(skew) > limits.max_skew_degrees:
        turn = "counter-clockwise" if skew > 0 else "clockwise"
        findings.append(Finding(Rule.SKEW, f"text lines skewed {abs(skew):.1f} degrees "
                                           f"{turn}, at most {limits.max_skew_degrees:g} degrees"))
    if same_as is not None:
        distance = measures.fingerprint_distance(fingerprint, earlier[same_as])
        findings.append(Finding(Rule.DUPLICATE, f"the same page as page {same_as} "
                                                f"(fingerprints {distance} of "
                                                f"{measures.FINGERPRINT_BITS} bits apart, at "
                                                f"most {limits.duplicate_distance})"))
    return replace(facts, skew_degrees=skew, ink_share=round(ink.share, 6),
                   fingerprint=fingerprint, duplicate_of=same_as, findings=_ordered(findings))
