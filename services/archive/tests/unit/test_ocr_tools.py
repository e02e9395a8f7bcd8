"""The OCR step's parts that need no tesseract: the pages' checks and their joining, the
settings, the text counts, and the tesseract tree's script and package list."""

from __future__ import annotations

import subprocess
import unicodedata
from pathlib import Path

import pikepdf
import pytest
from PIL import Image

from lienthong.devtools import ocrtools
from lienthong.services.archive.ocr import (
    OcrRefused,
    OcrSettings,
    PageTooLarge,
    UnreadablePage,
    pages,
)
from lienthong.services.archive.ocr.pipeline import described, text_counts

SIMULATION = """NOTE: This is only a simulation!
Reading package lists...
Inst liblept5 (1.82.0-3+b3 Debian:12.15/oldstable [amd64])
Inst libtesseract5 [5.3.0-1] (5.3.0-2 Debian:12.15/oldstable [amd64])
Inst tesseract-ocr-vie (1:4.1.0-2 Debian:12.15/oldstable [all])
Conf liblept5 (1.82.0-3+b3 Debian:12.15/oldstable [amd64])
"""


def test_the_apt_simulation_gives_each_package_with_the_version_apt_chose() -> None:
    assert ocrtools.parse_simulation(SIMULATION) == {
        "liblept5": "1.82.0-3+b3", "libtesseract5": "5.3.0-2", "tesseract-ocr-vie": "1:4.1.0-2"}


def test_without_apt_get_the_error_says_what_to_install(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no apt-get, no dpkg-deb

    with pytest.raises(ocrtools.TesseractUnavailable,
                       match=r"no apt-get and dpkg-deb here: .*tesseract-ocr tesseract-ocr-vie"):
        ocrtools.fetch(tmp_path)
    assert not (tmp_path / "tesseract").exists()


def test_the_script_runs_the_unpacked_program_with_its_libraries_and_data(
        tmp_path: Path) -> None:
    prefix = tmp_path / "venv"
    root = ocrtools.tesseract_root(prefix)
    (root / "usr/lib/x86_64-linux-gnu").mkdir(parents=True)
    (root / "usr/lib/x86_64-linux-gnu/libtesseract.so.5").write_bytes(b"")
    (root / "usr/share/tesseract-ocr/5/tessdata").mkdir(parents=True)
    (root / "usr/share/tesseract-ocr/5/tessdata/vie.traineddata").write_bytes(b"")
    (root / "usr/bin").mkdir()
    program = root / "usr/bin/tesseract"  # stands in for the binary: says what it was given
    program.write_text('#!/bin/sh\necho "$LD_LIBRARY_PATH|$TESSDATA_PREFIX|$*"\n')
    program.chmod(0o755)

    link = ocrtools.install_wrapper(root, prefix)

    assert link == prefix / "bin" / "tesseract" and link.resolve() == root / "bin/tesseract"
    assert sorted(p.name for p in (root / "bin").iterdir()) == ["tesseract"]
    said = subprocess.run([str(link), "--list-langs"], capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin", "LD_LIBRARY_PATH": "/elsewhere"},
                          timeout=30, check=True).stdout.strip()
    libraries, tessdata, arguments = said.split("|")
    assert libraries.split(":") == [str(root.resolve() / "usr/lib/x86_64-linux-gnu"),
                                    "/elsewhere"]
    assert tessdata == str(root.resolve() / "usr/share/tesseract-ocr/5/tessdata")
    assert arguments == "--list-langs"
    # Moved elsewhere, the tree still finds itself.
    moved = tmp_path / "moved"
    prefix.rename(moved)
    said = subprocess.run([str(moved / "bin/tesseract")], capture_output=True, text=True,
                          timeout=30, check=True).stdout
    assert said.split("|")[1] == str(moved.resolve() / "tesseract/usr/share/tesseract-ocr/5"
                                                      "/tessdata")


def test_settings_refuse_what_the_step_does_not_do() -> None:
    with pytest.raises(ValueError, match="optimize 2 is not 0 or 1") as refused:
        OcrSettings(optimize=2, pdfa_part="4", language="vie;eng")
    assert "pdfa_part '4'" in str(refused.value)
    assert "language 'vie;eng'" in str(refused.value)
    assert OcrSettings(language="vie+eng").languages == ("vie", "eng")


def test_settings_from_the_environment() -> None:
    settings = OcrSettings.from_env({"LIENTHONG_OCR_TESSERACT": "/opt/ocr/bin/tesseract",
                                     "LIENTHONG_OCR_LANGUAGE": "vie+eng",
                                     "LIENTHONG_OCR_JOBS": "3",
                                     "LIENTHONG_OCR_PAGE_TIMEOUT_S": "90"})

    assert settings.tesseract == Path("/opt/ocr/bin/tesseract")
    assert (settings.language, settings.jobs, settings.page_timeout_s) == ("vie+eng", 3, 90.0)
    assert OcrSettings.from_env({}) == OcrSettings()
    with pytest.raises(ValueError, match="not a number"):
        OcrSettings.from_env({"LIENTHONG_OCR_JOBS": "two"})


def test_pages_of_several_resolutions_are_joined_each_at_its_size(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pages, "GROUP", 2)  # several groups, joined by pikepdf
    files = [tmp_path / name for name in ("1.jpg", "2.jpg", "3.png", "4.png", "5.tif")]
    Image.new("RGB", (600, 900), (250, 240, 230)).save(files[0], dpi=(300, 300))
    Image.new("RGB", (600, 900), (250, 240, 230)).save(files[1], dpi=(300, 300))
    Image.new("L", (400, 600), 240).save(files[2], dpi=(200, 200))
    Image.new("P", (600, 900)).save(files[3])  # no resolution: the assumed one
    Image.new("1", (600, 900), 1).save(files[4], dpi=(300, 300))

    checked = pages.check_pages(files, OcrSettings(assumed_dpi=300))
    target = tmp_path / "work" / "scanned.pdf"
    target.parent.mkdir()

    assert [len(group) for group in pages.groups(checked)] == [2, 1, 2]
    assert pages.assemble(checked, target) == 5
    with pikepdf.open(target) as joined:
        sizes = [tuple(round(float(v)) for v in page.mediabox[2:]) for page in joined.pages]
    assert sizes == [(144, 216)] * 5  # 2 x 3 inches each
    assert sorted(p.name for p in target.parent.iterdir()) == ["scanned.pdf"]


@pytest.mark.parametrize(("mode", "name", "reason"), [
    ("CMYK", "cmyk.jpg", "is in colour mode CMYK"),
    ("RGBA", "alpha.png", "has transparency"),
    ("P", "palette.png", "has transparency"),  # one of its colours is transparent
])
def test_pages_a_pdfa_cannot_show_as_they_are_are_refused(
        tmp_path: Path, mode: str, name: str, reason: str) -> None:
    page = tmp_path / name
    extra = {"transparency": 0} if mode == "P" else {}
    Image.new(mode, (300, 400)).save(page, dpi=(300, 300), **extra)

    with pytest.raises(UnreadablePage, match=f"page 1 \\({name}\\): {reason}"):
        pages.check_pages([page], OcrSettings())


def test_a_page_above_the_bounds_is_refused_before_it_is_decoded(tmp_path: Path) -> None:
    page = tmp_path / "a3.png"
    Image.new("RGB", (3000, 2000), "white").save(page, dpi=(300, 300))

    with pytest.raises(PageTooLarge, match="6000000 pixels, more than 5000000") as refused:
        pages.check_pages([page], OcrSettings(max_page_pixels=5_000_000))
    assert (refused.value.page, refused.value.path) == (1, page)
    with pytest.raises(PageTooLarge, match="more than 1000"):
        pages.check_pages([page], OcrSettings(max_page_bytes=1000))


def test_the_text_counts_leave_out_whitespace_and_find_empty_pages(tmp_path: Path) -> None:
    sidecar = tmp_path / "text.txt"
    decomposed = unicodedata.normalize("NFD", "Quế Võ")
    sidecar.write_text(f"{decomposed}\n\f \n\f[OCR skipped on page(s) 3-4]\fĐiều 1.",
                       encoding="utf-8")

    assert text_counts(sidecar, 5) == (len("QuếVõ") + len("Điều1."), (2, 3, 4))
    assert text_counts(sidecar, 6)[1] == (2, 3, 4, 6)


def test_the_title_is_nfc_and_plain_text() -> None:
    assert described("title", unicodedata.normalize("NFD", " Quyết định "),
                     required=True) == "Quyết định"
    assert described("author", "", required=False) == ""
    with pytest.raises(OcrRefused, match="title is empty"):
        described("title", "  ", required=True)
    with pytest.raises(OcrRefused, match="control characters"):
        described("title", "Quyết\x00định", required=True)
