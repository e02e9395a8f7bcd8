"""Quality control of scanned pages at capture: pages scanned for a digitization batch, each
checked before OCR and sent back for rescanning with the rules it breaks."""

from __future__ import annotations

import io
import random
import struct
import zlib
from functools import cache

import numpy as np
import pytest
from PIL import Image, ImageFile

from lienthong.services.archive.capture import (
    CaptureLimits,
    PageKind,
    Rule,
    duplicate_of,
    fingerprint_distance,
    inspect_page,
)
from lienthong.services.archive.capture.samples import encoded, page_image, sample_page

TEXT, MAP = PageKind.TEXT, PageKind.MAP_OR_DRAWING
A5 = (148.0, 210.0)
ONE_LINE = ("Trang này được để trống.",)


@cache
def page(**options: object) -> bytes:
    """A generated scan (A4, Vietnamese text, 300 dpi colour JPEG unless told), made once."""
    return sample_page(**options)  # type: ignore[arg-type]


def png(width: int, height: int, rows: bytes = b"", *, depth: int = 8, colour_type: int = 2,
        dpi: float | None = None) -> bytes:
    """A PNG file written chunk by chunk (for headers and depths Pillow does not write)."""
    def chunk(kind: bytes, content: bytes) -> bytes:
        return (struct.pack(">I", len(content)) + kind + content
                + struct.pack(">I", zlib.crc32(kind + content)))
    header = struct.pack(">IIBBBBB", width, height, depth, colour_type, 0, 0, 0)
    physical = (chunk(b"pHYs", struct.pack(">IIB", round(dpi / 0.0254), round(dpi / 0.0254), 1))
                if dpi else b"")
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + physical
            + chunk(b"IDAT", zlib.compress(rows or b"\0")) + chunk(b"IEND", b""))


def test_a_300_dpi_colour_page_of_text_passes_with_its_measures() -> None:
    found = inspect_page(page(), kind=TEXT)

    assert found.passed, found.findings
    assert (found.format, found.width, found.height) == ("JPEG", 2480, 3508)
    assert found.dpi == (300.0, 300.0)
    assert (found.mode, found.bits_per_pixel) == ("RGB", 24)
    assert found.skew_degrees is not None and abs(found.skew_degrees) <= 0.2
    assert found.ink_share is not None and 0.02 < found.ink_share < 0.3
    assert len(found.fingerprint) == 64 and int(found.fingerprint, 16) >= 0


def test_a_150_dpi_page_goes_back_with_its_resolution_and_the_bound() -> None:
    found = inspect_page(page(dpi=150), kind=TEXT)

    assert found.rules == (Rule.RESOLUTION,)
    assert found.findings[0].detail == "150 dpi, at least 200 dpi for text pages"


def test_a_map_needs_300_dpi_where_a_page_of_text_takes_250() -> None:
    scan = page(dpi=250, size_mm=A5)

    as_map = inspect_page(scan, kind=MAP)
    as_text = inspect_page(scan, kind="text")

    assert as_map.rules == (Rule.RESOLUTION,)
    assert as_map.findings[0].detail == "250 dpi, at least 300 dpi for maps and drawings"
    assert as_text.passed


def test_resolution_is_read_from_tiff_in_centimetres_and_from_png() -> None:
    image = page_image(dpi=100, lines=ONE_LINE, size_mm=A5)

    def tiff(per_cm: float) -> bytes:
        out = io.BytesIO()
        image.save(out, format="TIFF", resolution_unit=3, x_resolution=per_cm,
                   y_resolution=per_cm)
        return out.getvalue()

    assert inspect_page(tiff(118.11), kind=MAP).passed  # 300 dpi
    at_150 = inspect_page(tiff(59.06), kind=TEXT)
    assert at_150.rules == (Rule.RESOLUTION,)
    assert at_150.findings[0].detail.startswith("150 dpi,")
    assert inspect_page(encoded(image, image_format="PNG", dpi=300), kind=MAP).passed


def test_a_scan_that_records_no_resolution_goes_back() -> None:
    found = inspect_page(page(record_dpi=False, size_mm=A5), kind=TEXT)

    assert found.rules == (Rule.RESOLUTION,)
    assert found.findings[0].detail.startswith("no resolution recorded in the file")


@pytest.mark.parametrize(("mode", "image_format", "said"), [
    ("L", "JPEG", "8-bit greyscale (mode L)"),
    ("1", "TIFF", "1-bit black and white (mode 1)"),
    ("P", "PNG", "8-bit palette (mode P)"),
], ids=["greyscale jpeg", "bilevel tiff", "palette png"])
def test_greyscale_black_and_white_and_palette_pages_fail_colour_depth(
        mode: str, image_format: str, said: str) -> None:
    found = inspect_page(page(mode=mode, image_format=image_format, size_mm=A5), kind=TEXT)

    assert found.rules == (Rule.COLOUR_DEPTH,)
    assert found.findings[0].detail == f"{said}, at least 24-bit colour"


def test_48_bit_colour_and_colour_with_alpha_pass() -> None:
    pixels = np.asarray(page_image(dpi=100, lines=ONE_LINE, size_mm=A5))
    height, width, _ = pixels.shape
    deep = (pixels.astype(">u2") * 257).reshape(height, width * 3)
    rows = b"".join(b"\0" + row.tobytes() for row in deep)
    alpha = np.dstack([pixels, np.full((height, width), 255, np.uint8)])
    rgba = encoded(Image.fromarray(alpha), image_format="PNG", dpi=300, mode="RGBA")

    found = inspect_page(png(width, height, rows, depth=16, dpi=300), kind=TEXT)

    assert found.passed, found.findings
    assert found.bits_per_pixel == 48
    assert inspect_page(rgba, kind=TEXT).bits_per_pixel == 32
    assert inspect_page(rgba, kind=TEXT).passed


def test_a_page_turned_5_degrees_goes_back_with_the_angle_measured() -> None:
    """Angles are counter-clockwise positive: the text lines rise to the right."""
    turned = inspect_page(page(angle=5.0), kind=TEXT)
    other_way = inspect_page(page(angle=-5.0, seed=3), kind=TEXT)

    assert turned.rules == (Rule.SKEW,)
    assert turned.skew_degrees == pytest.approx(5.0, abs=0.5)
    assert turned.findings[0].detail.startswith("text lines skewed 5.0 degrees counter-clockwise")
    assert other_way.rules == (Rule.SKEW,)
    assert other_way.skew_degrees == pytest.approx(-5.0, abs=0.5)
    assert "degrees clockwise, at most 2" in other_way.findings[0].detail


def test_a_page_turned_1_degree_passes() -> None:
    found = inspect_page(page(angle=1.0, seed=4), kind=TEXT)

    assert found.passed, found.findings
    assert found.skew_degrees == pytest.approx(1.0, abs=0.5)


def test_a_blank_sheet_of_toned_noisy_paper_is_blank_and_no_duplicate() -> None:
    first = inspect_page(page(lines=(), noise=8.0, seed=5), kind=TEXT)
    second = inspect_page(page(lines=(), noise=8.0, seed=6), kind=TEXT,
                          earlier={"p-1": first.fingerprint})

    assert first.rules == second.rules == (Rule.BLANK,)
    assert first.findings[0].detail == "ink on 0.000% of the page, at least 0.020%"
    assert first.skew_degrees is None


def test_a_page_with_one_short_line_is_not_blank() -> None:
    found = inspect_page(page(lines=ONE_LINE, noise=8.0), kind=TEXT)

    assert found.passed, found.findings
    assert found.ink_share is not None and 0 < found.ink_share < 0.002


def test_the_same_page_scanned_again_is_a_duplicate_of_the_first() -> None:
    first = inspect_page(page(), kind=TEXT)
    again = inspect_page(page(quality=70, shift=(6, -4), noise=3.0), kind=TEXT,
                         earlier={"p-0": "", "p-1": first.fingerprint})

    assert again.rules == (Rule.DUPLICATE,)
    assert again.duplicate_of == "p-1"
    assert again.findings[0].detail.startswith("the same page as page p-1 (fingerprints ")
    assert duplicate_of(again.fingerprint, {"p-1": first.fingerprint}) == "p-1"


def test_another_page_of_text_of_the_same_layout_is_no_duplicate() -> None:
    first = inspect_page(page(), kind=TEXT)
    other = inspect_page(page(seed=2), kind=TEXT, earlier={"p-1": first.fingerprint})

    assert other.passed, other.findings
    assert fingerprint_distance(first.fingerprint, other.fingerprint) > 2 * 40


def test_a_duplicate_names_the_nearest_earlier_page() -> None:
    first = inspect_page(page(), kind=TEXT).fingerprint
    other = inspect_page(page(seed=2), kind=TEXT).fingerprint
    again = inspect_page(page(quality=60, shift=(-3, 5)), kind=TEXT).fingerprint

    assert duplicate_of(again, {"p-2": other, "p-1": first}) == "p-1"
    assert duplicate_of(again, {"p-2": other}) is None
    assert duplicate_of(again, {"p-1": first, "p-3": again}) == "p-3"


@pytest.mark.parametrize(("data", "rule", "said"), [
    (random.Random(7).randbytes(4096), Rule.UNREADABLE, "not an image file"),
    (b"", Rule.UNREADABLE, "an empty file (0 bytes)"),
    (b"%PDF-1.7\n1 0 obj\n<< >>\nendobj\n", Rule.FORMAT, "a PDF file; capture takes page images"),
    (b"GIF89a" + bytes(64), Rule.FORMAT, "a GIF file"),
    (b"\xff\xd8\xff\xe0" + bytes(64), Rule.UNREADABLE, "the JPEG header cannot be read"),
], ids=["random bytes", "empty", "pdf", "gif", "broken jpeg header"])
def test_bytes_that_are_no_page_image_go_back_without_raising(
        data: bytes, rule: Rule, said: str) -> None:
    found = inspect_page(data, kind=TEXT)

    assert found.rules == (rule,)
    assert found.findings[0].detail.startswith(said)
    assert found.fingerprint == "" and found.ink_share is None


def test_a_truncated_jpeg_goes_back_as_unreadable() -> None:
    scan = page(size_mm=A5)

    found = inspect_page(scan[: len(scan) // 2], kind=TEXT)

    assert found.rules == (Rule.UNREADABLE,)
    assert "damaged or truncated" in found.findings[0].detail


def test_a_file_over_the_byte_bound_is_refused_before_it_is_opened(
        monkeypatch: pytest.MonkeyPatch) -> None:
    scan = page(size_mm=A5)

    def opened(*_args: object, **_options: object) -> None:
        raise AssertionError("opened")

    monkeypatch.setattr(Image, "open", opened)
    found = inspect_page(scan, kind=TEXT, limits=CaptureLimits(max_bytes=len(scan) - 1))

    assert found.rules == (Rule.TOO_LARGE,)
    assert found.findings[0].detail == f"{len(scan)} bytes, at most {len(scan) - 1} bytes"


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_outsized_images_are_refused_from_their_header_without_decoding(
        monkeypatch: pytest.MonkeyPatch) -> None:
    loads: list[object] = []

    def load(image: object) -> None:
        loads.append(image)

    monkeypatch.setattr(ImageFile.ImageFile, "load", load)

    bomb = inspect_page(png(100_000, 100_000), kind=TEXT)
    over = inspect_page(png(12_000, 13_000, dpi=300), kind=MAP)

    assert bomb.rules == (Rule.TOO_LARGE,)
    assert bomb.findings[0].detail == ("the header claims 10000.0 million pixels, "
                                       "at most 150.0 million")
    assert over.rules == (Rule.TOO_LARGE,)
    assert over.findings[0].detail == ("12000x13000 pixels (156.0 million), "
                                       "at most 150.0 million")
    assert loads == []


def test_a_tiff_of_several_pages_is_refused() -> None:
    image = page_image(dpi=100, lines=ONE_LINE, size_mm=A5)
    out = io.BytesIO()
    image.save(out, format="TIFF", dpi=(300, 300), save_all=True, append_images=[image])

    found = inspect_page(out.getvalue(), kind=TEXT)

    assert found.rules == (Rule.FORMAT,)
    assert found.findings[0].detail == "a TIFF file of 2 pages; capture takes one page a file"


def test_a_jpeg_2000_scan_is_read_with_its_capture_resolution() -> None:
    found = inspect_page(page(image_format="JPEG2000", size_mm=A5), kind=TEXT)

    assert found.passed, found.findings
    assert found.format == "JPEG2000"
    assert found.dpi == pytest.approx((300.0, 300.0), abs=0.01)


def test_wrong_arguments_raise() -> None:
    with pytest.raises(ValueError, match="kind must be one of"):
        inspect_page(page(size_mm=A5), kind="photo")
    with pytest.raises(TypeError, match="data must be bytes"):
        inspect_page("not bytes", kind=TEXT)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="max_skew_degrees must be positive"):
        CaptureLimits(max_skew_degrees=0)
    with pytest.raises(ValueError, match="formats must be some of"):
        CaptureLimits(formats=frozenset({"PDF"}))
    with pytest.raises(ValueError, match="different lengths"):
        fingerprint_distance("ab", "abc")
