"""Reading a scanned page's file: what it is (from its first bytes), what its header says
(size, colour mode and depth, recorded resolution), and a reduced greyscale working copy of
its pixels for the measures.

The header is read before any pixel is decoded, so that a file claiming an outsized image
is refused from its header; a JPEG is decoded at a reduced scale directly (``draft``).
"""

from __future__ import annotations

import io
import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image

if TYPE_CHECKING:
    from PIL.ImageFile import ImageFile

# The formats a scanner's page arrives in that capture takes, by their first bytes.
TAKEN = (
    (b"\xff\xd8\xff", "JPEG"),
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"\x00\x00\x00\x0cjP  \r\n\x87\n", "JPEG2000"),
    (b"\xff\x4f\xff\x51", "JPEG2000"),
)
# Formats known by their first bytes that capture does not take.
REFUSED = (
    (b"%PDF-", "PDF"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"II+\x00", "BigTIFF"),
    (b"MM\x00+", "BigTIFF"),
    (b"8BPS", "Photoshop"),
    (b"BM", "BMP"),
)
# Bits per pixel of each Pillow mode, where the file does not say more.
MODE_BITS = {"1": 1, "L": 8, "P": 8, "LA": 16, "PA": 16, "La": 16, "I;16": 16, "I;16L": 16,
             "I;16B": 16, "I;16N": 16, "I": 32, "F": 32, "RGB": 24, "YCbCr": 24, "LAB": 24,
             "HSV": 24, "RGBA": 32, "RGBa": 32, "RGBX": 32, "CMYK": 32}
# The modes whose pixels carry colour, and how many of their channels are colour.
COLOUR_CHANNELS = {"RGB": (3, 3), "YCbCr": (3, 3), "LAB": (3, 3), "HSV": (3, 3),
                   "RGBA": (3, 4), "RGBa": (3, 4), "RGBX": (3, 4), "CMYK": (4, 4)}
# TIFF tags and EXIF fields of resolution.
BITS_PER_SAMPLE, SAMPLES_PER_PIXEL = 258, 277
X_RESOLUTION, Y_RESOLUTION, RESOLUTION_UNIT = 282, 283, 296
INCH, CENTIMETRE = 2, 3
CM_PER_INCH = 2.54


class Refused(Exception):
    """The page's file cannot be inspected; ``rule`` says why (a Rule's value)."""

    def __init__(self, rule: str, detail: str) -> None:
        super().__init__(detail)
        self.rule = rule
        self.detail = detail


@dataclass(frozen=True)
class Header:
    """What a page's file says of itself, before its pixels are decoded."""

    format: str
    width: int
    height: int
    mode: str
    bits_per_pixel: int
    colour_bits: int
    dpi: tuple[float, float] | None


def sniff(data: bytes) -> tuple[str, bool]:
    """The file's format by its first bytes, and whether capture takes it; ("", False) for
    bytes of no known image format."""
    for magic, name in TAKEN:
        if data.startswith(magic):
            return name, True
    for magic, name in REFUSED:
        if data.startswith(magic):
            return name, False
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WebP", False
    if data[4:8] == b"ftyp":
        return "HEIF", False
    return "", False


def open_page(data: bytes, image_format: str, *, max_pixels: int) -> ImageFile:
    """The page opened lazily (its header read, no pixel decoded). Pillow itself refuses
    headers of more than twice ``Image.MAX_IMAGE_PIXELS`` as decompression bombs; that is a
    TOO_LARGE refusal too."""
    try:
        image = Image.open(io.BytesIO(data), formats=[image_format])
    except Image.DecompressionBombError as error:
        claimed = re.search(r"\((\d+) pixels\)", str(error))
        size = f"{int(claimed[1]) / 1e6:.1f} million pixels" if claimed else "an outsized image"
        bound = min(max_pixels, 2 * (Image.MAX_IMAGE_PIXELS or max_pixels))
        raise Refused("TOO_LARGE", f"the header claims {size}, at most "
                                   f"{bound / 1e6:.1f} million") from None
    except Exception as error:  # Pillow's plugins raise many kinds on damaged headers
        if isinstance(error, MemoryError):
            raise
        raise Refused("UNREADABLE", f"the {image_format} header cannot be read "
                      f"({type(error).__name__}: {error})") from None
    if image.format != image_format:
        raise Refused("UNREADABLE", f"the file is not a readable {image_format} image")
    return image


def _positive(value: object) -> float | None:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    return number if math.isfinite(number) and number > 0 else None


def _resolution(x: object, y: object, unit: object) -> tuple[float, float] | None:
    if unit not in (INCH, CENTIMETRE):
        return None
    factor = CM_PER_INCH if unit == CENTIMETRE else 1.0
    horizontal, vertical = _positive(x), _positive(y)
    if horizontal is None or vertical is None:
        return None
    return horizontal * factor, vertical * factor


def recorded_dpi(image: ImageFile) -> tuple[float, float] | None:
    """The resolution the file records, in dots per inch (JFIF density or EXIF for JPEG,
    XResolution/YResolution with their unit, inches or centimetres, for TIFF, pHYs for PNG,
    the capture resolution box for JPEG 2000); None where it records none."""
    if image.format == "JPEG":
        unit = image.info.get("jfif_unit")
        if unit in (1, 2):
            density = image.info.get("jfif_density", (0, 0))
            return _resolution(density[0], density[1], INCH if unit == 1 else CENTIMETRE)
        exif = image.getexif()
        if X_RESOLUTION not in exif:
            return None
        return _resolution(exif[X_RESOLUTION], exif.get(Y_RESOLUTION, exif[X_RESOLUTION]),
                           exif.get(RESOLUTION_UNIT, INCH))
    if image.format == "TIFF":
        tags = image.tag_v2  # type: ignore[attr-defined]
        if X_RESOLUTION not in tags:
            return None
        return _resolution(tags[X_RESOLUTION], tags.get(Y_RESOLUTION, tags[X_RESOLUTION]),
                           tags.get(RESOLUTION_UNIT, INCH))
    dpi = image.info.get("dpi")
    if not isinstance(dpi, tuple) or len(dpi) != 2:
        return None
    return _resolution(dpi[0], dpi[1], INCH)


def _bits(image: ImageFile, data: bytes) -> int:
    if image.format == "TIFF":
        tags = image.tag_v2  # type: ignore[attr-defined]
        samples = tags.get(BITS_PER_SAMPLE)
        values = [samples] if isinstance(samples, int) else list(samples or ())
        if values:
            per_pixel = max(1, int(tags.get(SAMPLES_PER_PIXEL, 1)))
            return sum(int(v) for v in values) if len(values) > 1 else int(values[0]) * per_pixel
    if image.format == "PNG" and data[12:16] == b"IHDR":
        channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}.get(data[25])
        if channels:
            return data[24] * channels
    return MODE_BITS.get(image.mode, 0)


def read_header(image: ImageFile, data: bytes) -> Header:
    """The page's header facts; its colour bits leave out alpha and padding channels."""
    bits = _bits(image, data)
    colour, channels = COLOUR_CHANNELS.get(image.mode, (0, 1))
    return Header(format=image.format or "", width=image.width, height=image.height,
                  mode=image.mode, bits_per_pixel=bits, colour_bits=bits * colour // channels,
                  dpi=recorded_dpi(image))


def working_copy(image: ImageFile, *, long_side: int) -> Image.Image:
    """The page's pixels as 8-bit greyscale, reduced by a whole factor to about ``long_side``
    pixels on its long side (a JPEG decoded at 1/2, 1/4 or 1/8 scale directly, and to its
    luma alone: no colour is decoded to be thrown away; a JPEG 2000 at a reduced
    resolution level)."""
    factor = max(1, round(max(image.size) / long_side))
    if image.format == "JPEG":
        image.draft("L", (image.width // factor, image.height // factor))
    elif image.format == "JPEG2000" and factor > 1:
        image.reduce = int(math.log2(factor))  # type: ignore[assignment,method-assign]
    image.load()
    if image.mode.startswith("I;16"):
        grey = Image.fromarray((np.asarray(image).astype(np.uint16) >> 8).astype(np.uint8))
    else:
        grey = image.convert("L")
    remaining = max(1, round(max(grey.size) / long_side))
    return grey.reduce(remaining) if remaining > 1 else grey
