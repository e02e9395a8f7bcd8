"""Scanned pages of a Vietnamese decision become one searchable PDF/A-2b, with the real
tesseract (the system's, or Debian's unpacked into the venv by ``make install``).

Two 300-dpi colour pages (a JPEG and a PNG) are drawn with Pillow and read once, in a
worker thread as the service reads them; the stories check what came out.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from importlib.resources import files
from pathlib import Path

import pikepdf
import pypdfium2
import pytest
from PIL import Image, ImageDraw, ImageFont

from lienthong.devtools import ocrtools
from lienthong.services.archive.ocr import (
    OcrResult,
    OcrSettings,
    TesseractUnavailable,
    TooManyPages,
    UnreadablePage,
    pages_to_searchable_pdfa,
    prepare,
)

REQUIRE_VARIABLE = "LIENTHONG_REQUIRE_TESSERACT"
DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
TITLE = "Quyết định về việc giao đất cho hộ gia đình ông Nguyễn Văn Hùng"
AUTHOR = "Ủy ban nhân dân phường Quế Võ"
PAGES = (
    ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "",
     "Ủy ban nhân dân phường Quế Võ", "", "QUYẾT ĐỊNH", "Về việc giao đất cho hộ gia đình"],
    ["Quyết định về việc giao đất", "Điều 1. Giao cho hộ ông Nguyễn Văn Hùng",
     "thửa đất số 125, tờ bản đồ số 7,", "diện tích 150 mét vuông.",
     "Điều 2. Quyết định có hiệu lực từ ngày ký."],
)
WORDS = (
    ["CỘNG", "HÒA", "XÃ", "HỘI", "CHỦ", "NGHĨA", "VIỆT", "NAM", "Độc", "lập", "Tự", "Hạnh",
     "phúc", "Ủy", "nhân", "dân", "phường", "Quế", "Võ", "QUYẾT", "ĐỊNH", "việc", "giao",
     "đất", "đình"],
    ["Quyết", "định", "việc", "giao", "đất", "Điều", "Nguyễn", "Văn", "Hùng", "thửa", "tờ",
     "bản", "đồ", "diện", "tích", "mét", "vuông", "hiệu", "lực", "ngày", "ký"],
)


def tesseract_or_skip() -> None:
    """A tesseract with Vietnamese data, else the test is skipped (failed under
    LIENTHONG_REQUIRE_TESSERACT=1, as CI sets it)."""
    try:
        prepare(OcrSettings())
    except TesseractUnavailable as error:
        if os.environ.get(REQUIRE_VARIABLE, "") not in ("", "0", "false", "no"):
            raise
        pytest.skip(f"no tesseract with Vietnamese data ({error}); python -m "
                    f"lienthong.devtools.ocrtools fetches one")


def font(size: int) -> ImageFont.FreeTypeFont:
    # OCRmyPDF's own Noto Sans has the Vietnamese letters too, where DejaVu is not installed.
    path = DEJAVU if DEJAVU.is_file() else files("ocrmypdf.data") / "NotoSans-Regular.ttf"
    return ImageFont.truetype(str(path), size)


def scanned_page(lines: list[str], background: tuple[int, int, int]) -> Image.Image:
    """An A5 page at 300 dpi: coloured paper, dark blue type, a red seal."""
    page = Image.new("RGB", (1748, 2480), background)
    draw = ImageDraw.Draw(page)
    y = 220
    for number, line in enumerate(lines):
        type_size = 50 if number == 0 else 46
        draw.text((150, y), unicodedata.normalize("NFC", line), font=font(type_size),
                  fill=(25, 30, 90))
        y += 110
    draw.ellipse((1150, 1900, 1550, 2300), outline=(200, 30, 30), width=14)
    return page


def normalized(text: str) -> str:
    return unicodedata.normalize("NFC", text)


@pytest.fixture(scope="module")
def scan(tmp_path_factory: pytest.TempPathFactory) -> dict:
    tesseract_or_skip()
    folder = tmp_path_factory.mktemp("scan")
    first, second = folder / "trang-1.jpg", folder / "trang-2.png"
    scanned_page(PAGES[0], (248, 244, 232)).save(first, quality=92, dpi=(300, 300))
    scanned_page(PAGES[1], (240, 246, 250)).save(second, dpi=(300, 300))
    output = folder / "ho-so.pdf"
    streams = sys.stdout, sys.stderr
    started = time.monotonic()
    with ThreadPoolExecutor(1, thread_name_prefix="archive-worker") as worker:
        result = worker.submit(pages_to_searchable_pdfa, [first, second], output, title=TITLE,
                               author=AUTHOR, settings=OcrSettings(jobs=2)).result()
    return {"result": result, "output": output, "images": (first, second),
            "seconds": time.monotonic() - started, "streams": streams,
            "streams_after": (sys.stdout, sys.stderr)}


def test_the_copy_is_a_pdfa_2b_of_both_pages_hashed_as_written(scan: dict) -> None:
    result: OcrResult = scan["result"]
    data = scan["output"].read_bytes()

    with pikepdf.open(scan["output"]) as pdf:
        assert len(pdf.pages) == 2
        assert pdf.open_metadata().pdfa_status == "2B"
    assert (result.pages, result.pdfa_conformance, result.language) == (2, "2B", "vie")
    assert result.size == len(data)
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    assert result.ocr_engine.startswith("tesseract 5.") and result.ocr_engine.endswith("(vie)")
    assert result.empty_pages == ()
    drawn = sum(1 for lines in PAGES for line in lines for c in line if not c.isspace())
    assert 0.9 * drawn <= result.text_characters <= 1.1 * drawn
    # Only the finished file is there: nothing half-written beside it.
    assert sorted(p.name for p in scan["output"].parent.glob("*.pdf*")) == ["ho-so.pdf"]


def test_the_text_layer_reads_the_vietnamese_words_with_their_diacritics(scan: dict) -> None:
    document = pypdfium2.PdfDocument(scan["output"])
    try:
        texts = [normalized(document[n].get_textpage().get_text_range()) for n in range(2)]
    finally:
        document.close()

    for number, (text, words) in enumerate(zip(texts, WORDS, strict=True), 1):
        found = set(text.split())
        missing = [word for word in words if normalized(word) not in found]
        assert len(missing) <= len(words) // 10, f"page {number} lacks {missing}: {text!r}"
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in texts[0]
    assert "Quế Võ" in texts[0]
    assert "giao đất" in texts[1]


def test_each_page_keeps_its_scanned_image_under_invisible_text(scan: dict) -> None:
    jpeg, png = scan["images"]
    with pikepdf.open(scan["output"]) as pdf:
        images, forms = [], []
        for page in pdf.pages:
            objects = dict(page.Resources.XObject.items())
            images.append([x for x in objects.values() if x.Subtype == "/Image"])
            forms.append([x for x in objects.values() if x.Subtype == "/Form"])
        # Page 1: the JPEG's own bytes; page 2: the PNG's pixels, losslessly.
        assert [len(found) for found in images] == [1, 1]
        assert images[0][0].Filter == "/DCTDecode"
        assert images[0][0].read_raw_bytes() == jpeg.read_bytes()
        with Image.open(png) as original:
            kept = pikepdf.PdfImage(images[1][0]).as_pil_image()
            assert kept.size == original.size
            assert kept.convert("RGB").tobytes() == original.convert("RGB").tobytes()
        # The text drawn over it is invisible (rendering mode 3).
        for layer in forms:
            operators = [(str(op), [str(o) for o in operands]) for form in layer
                         for operands, op in pikepdf.parse_content_stream(form)]
            assert ("Tr", ["3"]) in operators
            assert any(op == "Tj" or op == "TJ" for op, _ in operators)


def test_the_metadata_carries_the_vietnamese_title_and_author(scan: dict) -> None:
    with pikepdf.open(scan["output"]) as pdf:
        metadata = pdf.open_metadata()
        assert normalized(str(pdf.docinfo["/Title"])) == TITLE
        assert normalized(str(pdf.docinfo["/Author"])) == AUTHOR
        assert normalized(metadata["dc:title"]) == TITLE
        assert [normalized(name) for name in metadata["dc:creator"]] == [AUTHOR]


def test_the_run_is_quick_and_leaves_the_process_streams_alone(scan: dict) -> None:
    assert scan["streams_after"] == scan["streams"]
    assert scan["seconds"] < 60, f"two pages took {scan['seconds']:.1f} s"


def test_bytes_that_are_not_an_image_are_refused_naming_the_page(tmp_path: Path) -> None:
    good, bad = tmp_path / "trang-1.png", tmp_path / "trang-2.jpg"
    Image.new("RGB", (600, 800), "white").save(good, dpi=(300, 300))
    bad.write_bytes(b"<html><body>Trang 2</body></html>")
    output = tmp_path / "ho-so.pdf"

    with pytest.raises(UnreadablePage, match=r"page 2 \(trang-2.jpg\): not a JPEG, PNG or "
                                             r"TIFF image") as refused:
        pages_to_searchable_pdfa([good, bad], output, title=TITLE, author=AUTHOR)
    assert (refused.value.page, refused.value.path) == (2, bad)
    assert list(tmp_path.glob("*.pdf*")) == []


def test_too_many_pages_are_refused_before_any_file_is_read(tmp_path: Path) -> None:
    settings = OcrSettings(max_pages=2)
    never_read = [tmp_path / f"trang-{n}.jpg" for n in (1, 2, 3)]  # not even there

    with pytest.raises(TooManyPages, match="3 pages, more than the 2 one OCR run takes"):
        pages_to_searchable_pdfa(never_read, tmp_path / "ho-so.pdf", title=TITLE,
                                 settings=settings)
    # A TIFF holding three pages counts as three.
    tiff = tmp_path / "ca-ho-so.tif"
    first, *others = (Image.new("L", (200, 300), shade) for shade in (250, 240, 230))
    first.save(tiff, save_all=True, append_images=others, dpi=(300, 300))
    with pytest.raises(TooManyPages, match="3 pages"):
        pages_to_searchable_pdfa([tiff], tmp_path / "ho-so.pdf", title=TITLE,
                                 settings=settings)
    assert list(tmp_path.glob("*.pdf*")) == []


def test_a_missing_tesseract_or_language_is_named_before_any_work(tmp_path: Path) -> None:
    page = tmp_path / "trang-1.png"
    Image.new("RGB", (600, 800), "white").save(page, dpi=(300, 300))

    with pytest.raises(TesseractUnavailable, match="not an executable file"):
        pages_to_searchable_pdfa([page], tmp_path / "ho-so.pdf", title=TITLE,
                                 settings=OcrSettings(tesseract=tmp_path / "tesseract"))
    tesseract_or_skip()
    with pytest.raises(TesseractUnavailable, match=r"no data for khm.*tesseract-ocr-khm"):
        pages_to_searchable_pdfa([page], tmp_path / "ho-so.pdf", title=TITLE,
                                 settings=OcrSettings(language="vie+khm"))
    assert list(tmp_path.glob("*.pdf*")) == []


def test_debians_packages_unpacked_without_root_read_vietnamese(tmp_path: Path) -> None:
    try:
        program = ocrtools.fetch(tmp_path / "venv")
    except ocrtools.DownloadFailed as error:
        pytest.skip(f"apt-get could not fetch the packages here: {error}")
    except ocrtools.TesseractUnavailable as error:
        if "no apt-get" in str(error) or "no dpkg-deb" in str(error):
            pytest.skip(f"not a Debian machine: {error}")
        raise

    assert program == tmp_path / "venv" / "bin" / "tesseract"
    assert program.resolve() == ocrtools.wrapper_path(tmp_path / "venv")
    assert {"vie", "eng", "osd"} <= ocrtools.languages(program)
    assert ocrtools.unpacked_program(tmp_path / "venv") == program
    # Tesseract reads a line of Vietnamese with the unpacked data.
    line = tmp_path / "dong.png"
    image = Image.new("RGB", (1400, 160), "white")
    ImageDraw.Draw(image).text((40, 40), "Ủy ban nhân dân phường Quế Võ", font=font(56),
                               fill="black")
    image.save(line, dpi=(300, 300))
    read = subprocess.run([str(program), str(line), "-", "-l", "vie", "--psm", "7"],
                          capture_output=True, encoding="utf-8", timeout=120, check=True)
    assert "Quế Võ" in normalized(read.stdout)
