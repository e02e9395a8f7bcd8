"""Vietnamese OCR of scanned pages into a two-layer PDF/A.

:func:`pages_to_searchable_pdfa` takes a record's page images (JPEG, PNG or TIFF, in
order), joins them into one PDF with img2pdf (a JPEG's bytes kept as they are), has
OCRmyPDF run tesseract (Vietnamese, ``vie``) on every page and lay the recognised text
invisibly behind the image, and writes a PDF/A-2b (pikepdf declares and validates it; no
Ghostscript). It runs in the calling thread and OCRmyPDF's worker threads (no process
pool), prints nothing, and logs through :mod:`logging` (the ``ocrmypdf`` loggers).

Which tesseract runs: :class:`OcrSettings` ``tesseract``, else ``LIENTHONG_OCR_TESSERACT``,
else ``<sys.prefix>/bin/tesseract``, else the one on PATH (:mod:`.tesseract`).
"""

from .model import (
    OcrError,
    OcrFailed,
    OcrRefused,
    OcrResult,
    OcrSettings,
    PageTooLarge,
    TesseractUnavailable,
    TooManyPages,
    UnreadablePage,
)
from .pipeline import pages_to_searchable_pdfa
from .tesseract import Tesseract, prepare

__all__ = ["OcrError", "OcrFailed", "OcrRefused", "OcrResult", "OcrSettings", "PageTooLarge",
           "Tesseract", "TesseractUnavailable", "TooManyPages", "UnreadablePage",
           "pages_to_searchable_pdfa", "prepare"]
