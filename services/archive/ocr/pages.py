"""The scanned pages: checked before any work, then put into one PDF by img2pdf.

img2pdf embeds a JPEG as it is (its bytes, DCTDecode) and a PNG or TIFF losslessly, each
on a page as large as the image at its resolution. The pages go to img2pdf in groups of
:data:`GROUP` (img2pdf holds a group's images in memory), each group written to its own
file, and pikepdf joins the groups' pages into one file.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import img2pdf
import pikepdf
from PIL import Image, UnidentifiedImageError

from .model import PageTooLarge, TooManyPages, UnreadablePage

if TYPE_CHECKING:
    from collections.abc import Sequence

    from .model import OcrSettings

FORMATS = ("JPEG", "PNG", "TIFF")
#: Bilevel, grey, palette and RGB: what a PDF/A with an sRGB output intent shows as it is.
MODES = {"1": "bilevel", "L": "grey", "P": "palette", "RGB": "RGB colour"}
#: Pages img2pdf is given at once.
GROUP = 64
#: A resolution below this is no scanner's: the file's is taken as unset.
LOWEST_DPI = 50


@dataclass(frozen=True)
class PageImage:
    """One page file as checked: its format, its pages (a TIFF may hold several), the
    resolution it is embedded at."""

    path: Path
    number: int  # the first page it makes, from 1
    format: str
    frames: int
    dpi: tuple[float, float]


def _page_error(number: int, path: Path, reason: str) -> UnreadablePage:
    return UnreadablePage(f"page {number} ({path.name}): {reason}", page=number, path=path)


def check_page(number: int, path: Path, settings: OcrSettings) -> PageImage:
    """Read the header of one page file; refused unless it is a JPEG, PNG or TIFF image
    within the bounds, in a colour mode a PDF/A keeps as it is."""
    try:
        size = path.stat().st_size
    except OSError as error:
        raise _page_error(number, path, error.strerror or "cannot be read") from None
    if size > settings.max_page_bytes:
        msg = (f"page {number} ({path.name}) has {size} bytes, more than "
               f"{settings.max_page_bytes}")
        raise PageTooLarge(msg, page=number, path=path)
    try:
        with Image.open(path, formats=FORMATS) as image:
            pixels = image.width * image.height
            frames = getattr(image, "n_frames", 1)
            mode, kind, given = image.mode, image.format or "", image.info.get("dpi")
            if "transparency" in image.info:
                mode += "A"  # a transparent colour: refused as an alpha channel is
    except Image.DecompressionBombError:
        pixels, frames, mode, kind, given = settings.max_page_pixels + 1, 1, "", "", None
    except UnidentifiedImageError:
        raise _page_error(number, path, "not a JPEG, PNG or TIFF image") from None
    except (OSError, SyntaxError, ValueError) as error:
        raise _page_error(number, path, f"a damaged image ({error})") from None
    if pixels > settings.max_page_pixels:
        msg = (f"page {number} ({path.name}) has {pixels} pixels, more than "
               f"{settings.max_page_pixels}")
        raise PageTooLarge(msg, page=number, path=path)
    if mode not in MODES:
        reason = ("has transparency" if mode.endswith(("A", "a")) else
                  f"is in colour mode {mode}") + "; a page is bilevel, grey, palette or RGB"
        raise _page_error(number, path, reason)
    dpi = settings.assumed_dpi, settings.assumed_dpi
    if given and all(isinstance(d, int | float) and d >= LOWEST_DPI for d in given[:2]):
        dpi = float(given[0]), float(given[1])
    return PageImage(path, number, kind, frames, dpi)


def check_pages(images: Sequence[Path | str], settings: OcrSettings) -> list[PageImage]:
    """Every page file checked, in order; their count first, before any file is read."""
    if not images:
        msg = "no pages to OCR"
        raise TooManyPages(msg)
    if len(images) > settings.max_pages:
        msg = f"{len(images)} pages, more than the {settings.max_pages} one OCR run takes"
        raise TooManyPages(msg)
    checked: list[PageImage] = []
    number = 1
    for image in images:
        page = check_page(number, Path(image), settings)
        checked.append(page)
        number += page.frames
    if number - 1 > settings.max_pages:
        msg = (f"{number - 1} pages (some files hold several), more than the "
               f"{settings.max_pages} one OCR run takes")
        raise TooManyPages(msg)
    return checked


def groups(pages: Sequence[PageImage]) -> list[list[PageImage]]:
    """Consecutive pages of the same resolution, at most :data:`GROUP` at a time."""
    found: list[list[PageImage]] = []
    for page in pages:
        if found and found[-1][-1].dpi == page.dpi and len(found[-1]) < GROUP:
            found[-1].append(page)
        else:
            found.append([page])
    return found


def _convert(group: Sequence[PageImage], target: Path) -> None:
    """One group into ``target``; a page img2pdf refuses is named."""
    layout = img2pdf.get_fixed_dpi_layout_fun(group[0].dpi)
    try:
        with target.open("wb") as out:
            img2pdf.convert([str(page.path) for page in group], layout_fun=layout,
                            outputstream=out)
    except Exception:  # img2pdf's errors have no common base: find the page
        for page in group:
            try:
                img2pdf.convert(str(page.path), layout_fun=layout)
            except Exception as error:
                raise _page_error(page.number, page.path,
                                  f"img2pdf cannot embed it ({error})") from None
        raise


def assemble(pages: Sequence[PageImage], target: Path) -> int:
    """The pages in one PDF at ``target`` (other files are made beside it); its pages."""
    parts = []
    for index, group in enumerate(groups(pages)):
        part = target.with_name(f"{target.stem}-{index:05d}.pdf")
        _convert(group, part)
        parts.append(part)
    if len(parts) == 1:
        parts[0].replace(target)
    else:
        with pikepdf.new() as joined, contextlib.ExitStack() as stack:
            for part in parts:
                joined.pages.extend(stack.enter_context(pikepdf.open(part)).pages)
            joined.save(target)
        for part in parts:
            part.unlink()
    with pikepdf.open(target) as made:
        return len(made.pages)
