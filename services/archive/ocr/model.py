"""The OCR step's settings, its result and its errors."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping

#: The environment variable naming the tesseract program to run.
TESSERACT_VARIABLE = "LIENTHONG_OCR_TESSERACT"
PDFA_PARTS = ("1", "2", "3")


class OcrError(Exception):
    """The OCR step did not make its PDF/A; the message says why."""


class OcrRefused(OcrError):
    """The pages or their description are not acceptable; most such refusals come before
    any OCR (the bounds, the files' headers, the title), and no output is left."""


class TooManyPages(OcrRefused):
    """More pages than ``OcrSettings.max_pages`` (or none at all)."""


class PageTooLarge(OcrRefused):
    """A page image above the bounds of bytes or pixels."""

    def __init__(self, message: str, *, page: int, path: Path) -> None:
        super().__init__(message)
        self.page, self.path = page, path


class UnreadablePage(OcrRefused):
    """A page is not a JPEG, PNG or TIFF image the step can embed (``page`` counts from 1)."""

    def __init__(self, message: str, *, page: int, path: Path) -> None:
        super().__init__(message)
        self.page, self.path = page, path


class TesseractUnavailable(OcrError):
    """No tesseract to run, or one without the language data asked for."""


class OcrFailed(OcrError):
    """OCRmyPDF or tesseract failed on the pages, or the output is not the PDF/A asked for."""


@dataclass(frozen=True)
class OcrSettings:
    """How scanned pages become a searchable PDF/A.

    ``tesseract`` is the program to run; unset, it is the one ``LIENTHONG_OCR_TESSERACT``
    names, else ``<sys.prefix>/bin/tesseract`` (where ``python -m
    lienthong.devtools.ocrtools`` links an unpacked one), else ``tesseract`` on PATH.
    """

    #: Tesseract's languages, joined with ``+`` (``vie``; ``vie+eng`` reads English too).
    language: str = "vie"
    tesseract: Path | None = None
    #: PDF/A-1b, -2b or -3b; 2 (ISO 19005-2) is the usual one for scanned records.
    pdfa_part: str = "2"
    #: 0 keeps every scanned image byte for byte; 1 lets OCRmyPDF recompress them
    #: losslessly (Flate). Lossy levels are not offered.
    optimize: int = 0
    #: Turn pages that lie sideways or upside down (tesseract's orientation detection,
    #: the ``osd`` data); the image is kept, the page's /Rotate is set.
    rotate_pages: bool = True
    #: Worker threads of one OCR run: at most this many tesseract processes at once.
    jobs: int = 1
    max_pages: int = 2000
    max_page_bytes: int = 64 * 1024 * 1024
    #: A3 at 600 dpi is 70 million pixels.
    max_page_pixels: int = 80_000_000
    #: The resolution of an image whose file does not say it.
    assumed_dpi: int = 300
    #: Tesseract's time for one page; a page that takes longer gets no text (the result
    #: lists it among ``empty_pages``).
    page_timeout_s: float = 180.0

    def __post_init__(self) -> None:
        problems = []
        if not self.language or not all(
                part.replace("_", "").isalnum() for part in self.language.split("+")):
            problems.append(f"language {self.language!r} is not tesseract's (e.g. vie+eng)")
        if self.pdfa_part not in PDFA_PARTS:
            problems.append(f"pdfa_part {self.pdfa_part!r} is not one of {PDFA_PARTS}")
        if self.optimize not in (0, 1):
            problems.append(f"optimize {self.optimize} is not 0 or 1 (lossless only)")
        for name in ("jobs", "max_pages", "max_page_bytes", "max_page_pixels",
                     "assumed_dpi"):
            if getattr(self, name) < 1:
                problems.append(f"{name} must be at least 1")
        if not self.page_timeout_s > 0:
            problems.append("page_timeout_s must be positive")
        if problems:
            raise ValueError("; ".join(problems))

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(self.language.split("+"))

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> OcrSettings:
        """The defaults, with what ``LIENTHONG_OCR_TESSERACT``, ``LIENTHONG_OCR_LANGUAGE``,
        ``LIENTHONG_OCR_JOBS``, ``LIENTHONG_OCR_MAX_PAGES`` and
        ``LIENTHONG_OCR_PAGE_TIMEOUT_S`` say."""
        env = os.environ if environ is None else environ
        given: dict[str, object] = {}
        if named := env.get(TESSERACT_VARIABLE, ""):
            given["tesseract"] = Path(named)
        if language := env.get("LIENTHONG_OCR_LANGUAGE", ""):
            given["language"] = language
        try:
            if jobs := env.get("LIENTHONG_OCR_JOBS", ""):
                given["jobs"] = int(jobs)
            if pages := env.get("LIENTHONG_OCR_MAX_PAGES", ""):
                given["max_pages"] = int(pages)
            if timeout := env.get("LIENTHONG_OCR_PAGE_TIMEOUT_S", ""):
                given["page_timeout_s"] = float(timeout)
        except ValueError as error:
            msg = f"LIENTHONG_OCR_*: not a number: {error}"
            raise ValueError(msg) from None
        return cls(**given)  # type: ignore[arg-type]


@dataclass(frozen=True)
class OcrResult:
    """What the step made: a PDF/A of ``pages`` pages, ``size`` bytes, ``sha256`` (hex)."""

    pages: int
    #: Characters recognised, whitespace left out (NFC).
    text_characters: int
    #: Pages (from 1) where no letter or digit was recognised.
    empty_pages: tuple[int, ...]
    #: The conformance the file's XMP claims, as pikepdf reads it: "2B" for PDF/A-2b.
    pdfa_conformance: str
    size: int
    sha256: str
    #: ``tesseract --version``'s first line's version, e.g. "5.3.0".
    tesseract_version: str
    language: str

    @property
    def ocr_engine(self) -> str:
        """The engine, for the record: "tesseract 5.3.0 (vie)"."""
        return f"tesseract {self.tesseract_version} ({self.language})"
