"""Visible PDF signatures as Decree 30/2020/ND-CP (clerical work) lays them out.

Two appearances, each giving :func:`~lienthong.services.signatures.formats.pades.sign_pdf`
the signature field's place and its stamp style:

- :class:`OfficialSignature`, the signature of the official with authority: the image
  of the handwritten signature (PNG or JPEG, transparent PNG preferred) set between
  the official's position (chức vụ) above and full name below, then the signing
  time; in the box the caller gives on the page the caller gives.
- :class:`AgencySignature`, the agency's signature on an attachment sent as a
  separate file: no image, at the top right of page 1, the agency's name, the
  document's number and notation (số, ký hiệu, ``12/QĐ-UBND``) and the signing time
  in ISO 8601 in Vietnam time (``2026-12-06T14:05:09+07:00``).

The signing time shown is the one the signature dictionary records (``/M``), in
Vietnam time (UTC+07:00; Vietnam keeps no daylight saving time).

Text is set in an embedded subset of a TrueType/OpenType font with Vietnamese glyphs:
the font file named by an appearance's ``font_path``, else by the environment
variable ``LIENTHONG_SIGNATURE_FONT``, else the first of :data:`FONT_CANDIDATES`
present, else one fontconfig (``fc-list :lang=vi``) knows. The font is first cut down
to the scripts of Vietnamese text (:data:`FONT_CODE_POINTS`) and rescaled to 1000 units
per em, once per process (see :class:`VietnameseFont`). Boxes follow the page's
rotation (``/Rotate``): the stamp reads upright as the page is shown.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import os
import shutil
import subprocess
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol

from pyhanko.pdf_utils import generic, layout
from pyhanko.pdf_utils.content import ResourceType
from pyhanko.pdf_utils.font.api import FontEngineFactory
from pyhanko.pdf_utils.font.opentype import GlyphAccumulator
from pyhanko.pdf_utils.rw_common import find_inherited_value_in_tree
from pyhanko.sign.fields import SigFieldSpec
from pyhanko.stamp import BaseStamp, TextStampStyle

if TYPE_CHECKING:
    from PIL import Image
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.pdf_utils.writer import BasePdfFileWriter
    from pyhanko.stamp import BaseStampStyle

#: Vietnam's time zone, UTC+07:00 all year.
VIETNAM_TIME = dt.timezone(dt.timedelta(hours=7), "ICT")

#: The environment variable naming the font file of visible signatures.
FONT_ENV = "LIENTHONG_SIGNATURE_FONT"

#: Font files tried in turn, with their Debian packages: Liberation Serif is metrically
#: Times New Roman, the decree's face; DejaVu Sans is the fallback present almost everywhere.
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf",  # fonts-liberation2
    "/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf",  # fonts-liberation
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",  # fonts-dejavu-core
    "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",  # fonts-noto-core
)

#: The code points a prepared font keeps: Latin with its supplements and extensions (ơ, ư,
#: đ), combining marks, Latin Extended Additional (ạ … ỹ), punctuation, ₫ and №.
FONT_CODE_POINTS = (*range(0x20, 0x7F), *range(0xA0, 0x250), *range(0x300, 0x370),
                    *range(0x1E00, 0x1F00), *range(0x2000, 0x2070), 0x20AB, 0x2116)

#: Image formats accepted for the handwritten signature, and its largest pixel count.
IMAGE_FORMATS = ("PNG", "JPEG")
MAX_IMAGE_PIXELS = 16_000_000

#: Space between a stamp's edge and its content, and between lines (× font size), in points.
PADDING = 2.0
LEADING = 1.25

Align = Literal["left", "center", "right"]


class AppearanceError(ValueError):
    """The appearance cannot be drawn (no font, an unreadable image, a bad box)."""


def vietnam_time(moment: dt.datetime) -> str:
    """``moment`` in ISO 8601 in Vietnam time, to the second: ``2026-12-06T14:05:09+07:00``."""
    if moment.tzinfo is None:
        msg = "a signing time without a time zone is ambiguous"
        raise AppearanceError(msg)
    return moment.astimezone(VIETNAM_TIME).isoformat(timespec="seconds")


def default_font() -> str:
    """The font file of visible signatures when an appearance names none (see the module)."""
    named = os.environ.get(FONT_ENV)
    if named:
        if not Path(named).is_file():
            msg = f"{FONT_ENV}={named} is not a file"
            raise AppearanceError(msg)
        return named
    for candidate in FONT_CANDIDATES:
        if Path(candidate).is_file():
            return candidate
    found = _fontconfig_vietnamese_font()
    if found is None:
        msg = (f"no font with Vietnamese glyphs found: install fonts-dejavu-core or set "
               f"{FONT_ENV} to a .ttf/.otf file")
        raise AppearanceError(msg)
    return found


@functools.cache
def _fontconfig_vietnamese_font() -> str | None:
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return None
    listing = subprocess.run([fc_list, ":lang=vi", "file"], capture_output=True, text=True,
                             timeout=30, check=False).stdout
    files = sorted(line.rstrip().rstrip(":") for line in listing.splitlines())
    return next((f for f in files if f.lower().endswith((".ttf", ".otf"))), None)


def prepared_font(font_path: str) -> bytes:
    """The font file cut down to :data:`FONT_CODE_POINTS`, without hinting, at 1000 units
    per em (the unit of PDF glyph widths, which pyHanko's embedding assumes); made once
    per process for each version of the file."""
    stat = Path(font_path).stat()
    return _prepare_font(font_path, stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=4)
def _prepare_font(font_path: str, mtime_ns: int, size: int) -> bytes:
    from fontTools import subset, ttLib
    from fontTools.ttLib.scaleUpem import scale_upem

    try:
        font = ttLib.TTFont(font_path)
    except (OSError, ttLib.TTLibError) as exc:
        msg = f"{font_path} is not a TrueType/OpenType font"
        raise AppearanceError(msg) from exc
    options = subset.Options()
    options.hinting = False
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.drop_tables = [*options.drop_tables, "FFTM"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=FONT_CODE_POINTS)
    subsetter.subset(font)
    if font["head"].unitsPerEm != 1000:
        scale_upem(font, 1000)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


@dataclass(frozen=True)
class VietnameseFont(FontEngineFactory):
    """pyHanko's font engine (HarfBuzz shaping, an embedded subset) over the
    :func:`prepared_font` of ``font_path``."""

    font_path: str
    font_size: int = 10

    def create_font_engine(self, writer: BasePdfFileWriter,
                           obj_stream: object = None) -> GlyphAccumulator:
        if obj_stream is None and writer.stream_xrefs:
            obj_stream = writer.prepare_object_stream()
        return GlyphAccumulator(
            writer=writer, font_handle=io.BytesIO(prepared_font(self.font_path)),
            font_size=self.font_size, bcp47_lang_code="vi", obj_stream=obj_stream)


def load_image(data: bytes) -> Image.Image:
    """A PNG or JPEG signature image, in a mode a PDF image can hold (RGB(A) or grey)."""
    from PIL import Image, UnidentifiedImageError

    try:
        image = Image.open(io.BytesIO(data), formats=IMAGE_FORMATS)
    except (UnidentifiedImageError, OSError) as exc:
        msg = "the signature image is not a PNG or JPEG image"
        raise AppearanceError(msg) from exc
    if image.width * image.height > MAX_IMAGE_PIXELS:
        msg = (f"the signature image has {image.width}x{image.height} pixels, "
               f"more than {MAX_IMAGE_PIXELS}")
        raise AppearanceError(msg)
    transparent = "A" in image.getbands() or "transparency" in image.info
    if image.mode in ("RGB", "RGBA", "L", "LA"):
        image.load()
        return image
    return image.convert("RGBA" if transparent else "RGB")


@dataclass(frozen=True)
class PageGeometry:
    """A page's visible area (its CropBox, else its MediaBox) in default user space, as
    ``(x1, y1, x2, y2)``, and the clockwise rotation it is shown with."""

    box: tuple[float, float, float, float]
    rotation: int

    @classmethod
    def of(cls, reader: PdfFileReader, page_index: int) -> PageGeometry:
        page = reader.find_page_for_modification(page_index)[0].get_object()
        raw = (find_inherited_value_in_tree(page, "/CropBox", "/Parent")
               or find_inherited_value_in_tree(page, "/MediaBox", "/Parent"))
        if raw is None or len(raw) != 4:
            msg = f"page {page_index + 1} has no page box"
            raise AppearanceError(msg)
        x1, y1, x2, y2 = (float(v) for v in raw)
        rotation = int(find_inherited_value_in_tree(page, "/Rotate", "/Parent") or 0) % 360
        if rotation % 90:
            msg = f"page {page_index + 1} has rotation {rotation}, not a multiple of 90"
            raise AppearanceError(msg)
        return cls((min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2)), rotation)

    def top_right(self, width: float, height: float,
                  margin: float) -> tuple[float, float, float, float]:
        """The user-space rectangle of a ``width`` × ``height`` box shown ``margin`` away from
        the top and right edges of the page as it is displayed."""
        x1, y1, x2, y2 = self.box
        if self.rotation == 90:  # shown top = user left, shown right = user top
            return (x1 + margin, y2 - margin - width, x1 + margin + height, y2 - margin)
        if self.rotation == 180:
            return (x1 + margin, y1 + margin, x1 + margin + width, y1 + margin + height)
        if self.rotation == 270:  # shown top = user right, shown right = user bottom
            return (x2 - margin - height, y1 + margin, x2 - margin, y1 + margin + width)
        return (x2 - margin - width, y2 - margin - height, x2 - margin, y2 - margin)


class Appearance(Protocol):
    """What :func:`~lienthong.services.signatures.formats.pades.sign_pdf` asks of an appearance."""

    def layout(self, reader: PdfFileReader,
               field_name: str) -> tuple[SigFieldSpec, BaseStampStyle]:
        """The new signature field (its page and box) and the style drawing it."""
        ...


def _page_index(page_number: int, reader: PdfFileReader) -> int:
    count = int(reader.root["/Pages"]["/Count"])
    index = page_number - 1 if page_number > 0 else count + page_number
    if page_number == 0 or not 0 <= index < count:
        msg = f"page {page_number} is not a page of this {count}-page document"
        raise AppearanceError(msg)
    return index


def _text(value: str) -> tuple[str, ...]:
    return tuple(unicodedata.normalize("NFC", line).strip() for line in value.splitlines())


@dataclass(frozen=True)
class OfficialSignature:
    """The signature of the official with authority (Decree 30/2020, appendix I).

    ``position`` is the official's title as it heads the signature (``CHỦ TỊCH``,
    ``KT. CHỦ TỊCH\\nPHÓ CHỦ TỊCH``: one line per line); ``image`` the PNG/JPEG bytes
    of the handwritten signature; ``box`` the field's rectangle ``(x1, y1, x2, y2)``
    in points in the page's default user space; ``page_number`` counts from 1 (a
    negative number from the end: -1 is the last page). The time line reads
    ``time_label`` then the ISO 8601 Vietnam time.
    """

    name: str
    position: str
    image: bytes
    box: tuple[float, float, float, float]
    page_number: int = 1
    time_label: str = ""
    font_path: str | None = None
    font_size: int = 10

    def layout(self, reader: PdfFileReader,
               field_name: str) -> tuple[SigFieldSpec, BaseStampStyle]:
        index = _page_index(self.page_number, reader)
        x1, y1, x2, y2 = self.box
        if x2 <= x1 or y2 <= y1:
            msg = f"the box {self.box} is empty: give (x1, y1, x2, y2) with x1 < x2, y1 < y2"
            raise AppearanceError(msg)
        style = DecreeStampStyle(
            above=_text(self.position), below=_text(self.name), time_label=self.time_label,
            image=load_image(self.image), align="center", vertical="middle",
            rotation=PageGeometry.of(reader, index).rotation,
            font_path=self.font_path or default_font(), font_size=self.font_size)
        return SigFieldSpec(field_name, on_page=index, box=self.box), style


@dataclass(frozen=True)
class AgencySignature:
    """The agency's signature on an attachment (Decree 30/2020, appendix I): no image,
    at the top right of page 1, ``margin`` points from the shown page's edges, a
    ``width`` × ``height`` box holding the agency's name, the document's ``notation``
    (số, ký hiệu) and the signing time in ISO 8601 in Vietnam time. Text too wide
    for the box is set smaller."""

    agency: str
    notation: str
    width: float = 200.0
    height: float = 42.0
    margin: float = 10.0
    font_path: str | None = None
    font_size: int = 10

    def layout(self, reader: PdfFileReader,
               field_name: str) -> tuple[SigFieldSpec, BaseStampStyle]:
        geometry = PageGeometry.of(reader, 0)
        style = DecreeStampStyle(
            above=(*_text(self.agency), *_text(self.notation)), align="left", vertical="top",
            rotation=geometry.rotation, font_path=self.font_path or default_font(),
            font_size=self.font_size)
        box = geometry.top_right(self.width, self.height, self.margin)
        return SigFieldSpec(field_name, on_page=0, box=box), style


@dataclass(frozen=True)
class DecreeStampStyle(TextStampStyle):
    """Lines of text above an optional image, lines below it, then the signing time.

    A :class:`TextStampStyle` so that pyHanko hands it the signing time (as ``ts``,
    in :attr:`timestamp_format`); it draws its own stamp, :class:`DecreeStamp`.
    """

    above: tuple[str, ...] = ()
    below: tuple[str, ...] = ()
    time_label: str = ""
    image: Image.Image | None = None
    align: Align = "center"
    vertical: Literal["top", "middle"] = "middle"
    rotation: int = 0
    font_path: str = field(default_factory=default_font)
    font_size: int = 10
    border_width: int = 0
    timestamp_format: str = "%Y-%m-%dT%H:%M:%S%z"

    def create_stamp(self, writer: BasePdfFileWriter, box: layout.BoxConstraints,
                     text_params: dict) -> DecreeStamp:
        signed_at = dt.datetime.strptime(text_params["ts"], self.timestamp_format)
        return DecreeStamp(writer, self, box, f"{self.time_label}{vietnam_time(signed_at)}")


class DecreeStamp(BaseStamp):
    """The appearance stream of a :class:`DecreeStampStyle`.

    Laid out in the box as the page is shown: on a rotated page its form XObject gets
    a ``/Matrix`` turning it back, and its ``/BBox`` is the shown width × height.
    """

    def __init__(self, writer: BasePdfFileWriter, style: DecreeStampStyle,
                 box: layout.BoxConstraints, time_line: str) -> None:
        if style.rotation in (90, 270):
            box = layout.BoxConstraints(width=box.height, height=box.width)
        super().__init__(writer=writer, style=style, box=box)
        self.time_line = time_line

    def as_form_xobject(self) -> generic.StreamObject:
        xobject = super().as_form_xobject()
        matrix = {90: (0, 1, -1, 0), 180: (-1, 0, 0, -1), 270: (0, -1, 1, 0)}.get(
            self.style.rotation)
        if matrix:
            xobject["/Matrix"] = generic.ArrayObject(
                [*(generic.NumberObject(v) for v in matrix), generic.NumberObject(0),
                 generic.NumberObject(0)])
        return xobject

    def _render_inner_content(self) -> list[bytes]:
        style: DecreeStampStyle = self.style
        size = style.font_size
        leading = size * LEADING
        engine = VietnameseFont(style.font_path, size).create_font_engine(self.writer)
        self.set_resource(ResourceType.FONT, generic.pdf_name("/F1"), engine.as_resource())
        above = [engine.shape(line) for line in style.above]
        below = [engine.shape(line) for line in (*style.below, self.time_line)]
        widths = [shaped.x_advance * size for shaped in (*above, *below)]

        width, height = self.box.width - 2 * PADDING, self.box.height - 2 * PADDING
        lines = len(above) + len(below)
        band = max(height - lines * leading, 2 * leading) if style.image is not None else 0
        natural_height = lines * leading + band
        scale = min(1.0, height / natural_height, width / max(widths, default=width))
        block_width = width / scale  # the block is laid out at full size, then scaled
        y0 = (PADDING + height - natural_height * scale if style.vertical == "top"
              else PADDING + (height - natural_height * scale) / 2)
        commands = [b"q", b"%g 0 0 %g %g %g cm" % (scale, scale, PADDING, y0), b"0 g"]

        top = natural_height
        for index, shaped in enumerate((*above, *below)):
            if index == len(above) and style.image is not None:
                top -= band
                commands.append(self._image(block_width, band, top))
            top -= leading
            commands.append(
                self._line(shaped.graphics_ops, widths[index], block_width, top, size))
        commands.append(b"Q")
        return commands

    def _line(self, ops: bytes, line_width: float, block_width: float, bottom: float,
              size: int) -> bytes:
        x = {"left": 0.0, "center": (block_width - line_width) / 2,
             "right": block_width - line_width}[self.style.align]
        baseline = bottom + (size * LEADING - size) / 2 + size * 0.2
        return b"BT /F1 %d Tf %g %g Td %s ET" % (size, x, baseline, ops)

    def _image(self, block_width: float, band: float, bottom: float) -> bytes:
        from pyhanko.pdf_utils.images import PdfImage

        image = PdfImage(self.style.image, writer=self.writer)
        drawn = image.render()
        self.import_resources(image.resources)
        fit = layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MID, y_align=layout.AxisAlignment.ALIGN_MID,
            inner_content_scaling=layout.InnerScaling.STRETCH_TO_FIT,
        ).fit(layout.BoxConstraints(width=block_width, height=band),
              image.box.width, image.box.height)
        return b"q 1 0 0 1 0 %g cm %s %s Q" % (bottom, fit.as_cm(), drawn)
