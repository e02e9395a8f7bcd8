"""Scanned pages into one searchable PDF/A: the image of each page with tesseract's text
behind it (OCRmyPDF), written once and hashed as it is written."""

from __future__ import annotations

import hashlib
import io
import logging
import re
import tempfile
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import ocrmypdf
import pikepdf
from ocrmypdf import exceptions as ocr_errors

from . import tesseract as engine
from .model import OcrFailed, OcrRefused, OcrResult, OcrSettings, TesseractUnavailable
from .pages import assemble, check_pages

if TYPE_CHECKING:
    from collections.abc import Sequence

log = logging.getLogger(__name__)

MAX_TITLE = 1000
_SKIPPED = re.compile(r"\[OCR skipped on page\(s\) (?P<first>\d+)(?:-(?P<last>\d+))?\]")


class _HashingWriter(io.RawIOBase):
    """A file being written, its SHA-256 and size counted on the way.

    OCRmyPDF copies its finished output into a writable stream from start to end. Given a
    stream rather than a path, it also leaves out its last check of the written file,
    whose pikepdf call (``check_linearization``) leaves ``sys.stderr`` pointing at a
    buffer of its own when the file is not linearized, which would swallow the process's
    logs; the output is checked here instead (:func:`_conformance`).
    """

    def __init__(self, target: BinaryIO) -> None:
        self.target, self.digest, self.size = target, hashlib.sha256(), 0

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        self.target.write(data)
        self.digest.update(data)
        self.size += len(data)
        return len(data)

    def flush(self) -> None:
        if not self.target.closed:
            self.target.flush()


def described(name: str, value: str, *, required: bool) -> str:
    """A title or an author for the PDF's metadata: NFC, trimmed, no control characters."""
    text = unicodedata.normalize("NFC", value).strip()
    if required and not text:
        msg = f"{name} is empty"
        raise OcrRefused(msg)
    if len(text) > MAX_TITLE:
        msg = f"{name} has {len(text)} characters, more than {MAX_TITLE}"
        raise OcrRefused(msg)
    if any(unicodedata.category(c) == "Cc" for c in text):
        msg = f"{name} holds control characters"
        raise OcrRefused(msg)
    return text


def _ocr(source: Path, out: _HashingWriter, sidecar: Path, *, title: str, author: str,
         settings: OcrSettings) -> None:
    """OCRmyPDF on the joined pages, in this thread and its own worker threads."""
    try:
        code = ocrmypdf.ocr(
            source, out, language=list(settings.languages),
            output_type=f"pdfa-{settings.pdfa_part}",
            # pikepdf makes and validates the PDF/A; Ghostscript is never run.
            pdfa_backend="internal", rasterizer="pypdfium",
            optimize=settings.optimize, rotate_pages=settings.rotate_pages,
            tesseract_timeout=settings.page_timeout_s,
            tesseract_non_ocr_timeout=settings.page_timeout_s,
            jobs=settings.jobs, use_threads=True, progress_bar=False,
            title=title, author=author or None, sidecar=sidecar)
    except ocr_errors.MissingDependencyError as error:
        raise TesseractUnavailable(f"OCRmyPDF: {error}") from None
    except (ocr_errors.InputFileError, ocr_errors.UnsupportedImageFormatError,
            ocr_errors.DpiError, ocr_errors.EncryptedPdfError) as error:
        msg = f"the pages could not be read for OCR: {error}"
        raise OcrRefused(msg) from None
    except ocr_errors.ExitCodeException as error:
        msg = f"OCR failed ({type(error).__name__}): {error}"
        raise OcrFailed(msg) from None
    if code != ocr_errors.ExitCode.ok:
        msg = f"OCR failed: OCRmyPDF ended with {code!r}"
        raise OcrFailed(msg)


def text_counts(sidecar: Path, pages: int) -> tuple[int, tuple[int, ...]]:
    """Characters recognised (no whitespace) and the pages with no letter or digit. The
    sidecar holds each page's text, the pages parted by form feeds; a run of pages OCRmyPDF
    did not OCR is one part, "[OCR skipped on page(s) 3-5]"."""
    per_page: list[str] = []
    for part in unicodedata.normalize("NFC", sidecar.read_text(encoding="utf-8")).split("\f"):
        if skipped := _SKIPPED.fullmatch(part.strip()):
            first, last = int(skipped["first"]), int(skipped["last"] or skipped["first"])
            per_page += [""] * (last - first + 1)
        else:
            per_page.append(part)
    per_page = (per_page + [""] * pages)[:pages]
    characters = sum(1 for page in per_page for c in page if not c.isspace())
    empty = tuple(number for number, page in enumerate(per_page, 1)
                  if not any(c.isalnum() for c in page))
    return characters, empty


def _conformance(made: Path, pages: int, settings: OcrSettings) -> str:
    """The PDF/A conformance the output claims; :class:`OcrFailed` unless it has every page
    and claims the part asked for."""
    try:
        with pikepdf.open(made) as pdf:
            found, claimed = len(pdf.pages), pdf.open_metadata().pdfa_status
    except pikepdf.PdfError as error:
        msg = f"the OCR output does not open as a PDF: {error}"
        raise OcrFailed(msg) from None
    if found != pages:
        msg = f"the OCR output has {found} pages, the scan {pages}"
        raise OcrFailed(msg)
    if not claimed.startswith(settings.pdfa_part):
        msg = f"the OCR output claims PDF/A {claimed or 'nothing'}, not PDF/A-{settings.pdfa_part}"
        raise OcrFailed(msg)
    return claimed


def pages_to_searchable_pdfa(images: Sequence[Path | str], output: Path, *, title: str,
                             author: str = "", settings: OcrSettings | None = None
                             ) -> OcrResult:
    """The scanned pages ``images`` (JPEG, PNG or TIFF files, in order) as one PDF/A at
    ``output``: each page's image as it was scanned, tesseract's text invisible behind it,
    ``title`` and ``author`` in its metadata.

    The pages, their bounds, the description and tesseract are checked before any OCR
    (:class:`OcrRefused`, :class:`TesseractUnavailable`). ``output`` appears only when
    complete (written beside it, then renamed); nothing is left on failure.
    """
    settings = settings or OcrSettings()
    title = described("title", title, required=True)
    author = described("author", author, required=False)
    pages = check_pages(images, settings)
    tesseract = engine.prepare(settings)
    output = Path(output)
    with tempfile.NamedTemporaryFile(dir=output.parent, prefix=f".{output.name}.",
                                     suffix=".partial", delete=False) as file:
        partial = Path(file.name)
    try:
        with tempfile.TemporaryDirectory(prefix="lienthong-ocr-") as work:
            joined = Path(work) / "scanned.pdf"
            count = assemble(pages, joined)
            sidecar = Path(work) / "text.txt"
            with partial.open("wb") as file:
                out = _HashingWriter(file)
                _ocr(joined, out, sidecar, title=title, author=author, settings=settings)
            characters, empty = text_counts(sidecar, count)
        conformance = _conformance(partial, count, settings)
        partial.replace(output)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    log.debug("ocr made %s: %d pages, %d characters", output.name, count, characters)
    return OcrResult(pages=count, text_characters=characters, empty_pages=empty,
                     pdfa_conformance=conformance, size=out.size,
                     sha256=out.digest.hexdigest(), tesseract_version=tesseract.version,
                     language=settings.language)

