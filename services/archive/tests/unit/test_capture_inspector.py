"""What the archive records of a page at capture: its measures as its events carry them,
and the formats OCR can make a PDF/A of (a JPEG 2000 scan is sent back at capture)."""

from __future__ import annotations

from lienthong.services.archive.capture.samples import sample_page, text_lines
from lienthong.services.archive.inspection import QualityInspector

A5 = (148.0, 210.0)


def test_a_good_page_is_measured_as_its_events_record_it() -> None:
    found = QualityInspector().inspect(sample_page(lines=text_lines(7, 8), size_mm=A5), "text")

    assert found.findings == ()
    assert found.measures["format"] == "JPEG"
    assert found.measures["dpi"] == [300.0, 300.0]
    assert found.measures["bits_per_pixel"] == 24
    assert abs(found.measures["skew_degrees"]) < 0.5
    assert found.fingerprint == found.measures["fingerprint"]
    assert len(found.fingerprint) == 64


def test_a_jpeg_2000_scan_goes_back_at_capture() -> None:
    scan = sample_page(lines=text_lines(7, 8), size_mm=A5, image_format="JPEG2000")

    found = QualityInspector().inspect(scan, "map_or_drawing")

    assert [f["rule"] for f in found.findings] == ["FORMAT"]


def test_the_same_page_rescanned_is_the_same_page_and_another_is_not() -> None:
    inspector = QualityInspector()
    first = inspector.inspect(sample_page(lines=text_lines(7, 8), size_mm=A5), "text")
    again = inspector.inspect(sample_page(lines=text_lines(7, 8), size_mm=A5, quality=70,
                                          shift=(6, 4)), "text")
    other = inspector.inspect(sample_page(lines=text_lines(8, 8), size_mm=A5), "text")

    assert inspector.same_page(first.fingerprint, again.fingerprint)
    assert not inspector.same_page(first.fingerprint, other.fingerprint)
    assert not inspector.same_page("", first.fingerprint)


def test_what_the_fingerprint_needs_is_loaded_with_the_service_not_by_the_first_page() -> None:
    import subprocess
    import sys

    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, lienthong.services.archive.inspection; "
                               "print('scipy.fftpack' in sys.modules)"],
        capture_output=True, text=True, check=True, timeout=120)

    assert loaded.stdout.strip() == "True"
