"""Generated page scans: pages of Vietnamese administrative text as a scanner would deliver
them (paper tone, optional noise, skew and shift, a given resolution, colour mode and file
format), for the capture checks' tests and the capture benchmark.

The text is set with DejaVu Sans when the system has it (it covers Vietnamese), otherwise
with Pillow's own default font.
"""

from __future__ import annotations

import io
import random
import struct
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image, ImageDraw, ImageFont

if TYPE_CHECKING:
    from collections.abc import Sequence

FONT_PATH = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
MM_PER_INCH = 25.4
A4_MM = (210.0, 297.0)
PAPER = (244, 240, 229)
INK = (28, 30, 36)
# Margins of an administrative page (Decree 30/2020/NĐ-CP, Appendix I): top, right,
# bottom, left, in millimetres; body text at 13 pt.
MARGINS_MM = (20.0, 15.0, 20.0, 30.0)
FONT_POINTS = 13.0
LINE_PITCH = 1.5

WORDS = (
    "ủy", "ban", "nhân", "dân", "tỉnh", "xã", "phường", "quyết", "định", "về", "việc", "công",
    "nhận", "hồ", "sơ", "lưu", "trữ", "tài", "liệu", "số", "hóa", "cơ", "quan", "tổ", "chức",
    "căn", "cứ", "luật", "nghị", "định", "thông", "tư", "ngày", "tháng", "năm", "điều", "khoản",
    "trách", "nhiệm", "thi", "hành", "chủ", "tịch", "văn", "phòng", "giấy", "chứng", "nhận",
    "quyền", "sử", "dụng", "đất", "đăng", "ký", "hộ", "tịch", "khai", "sinh", "kết", "hôn",
    "công", "dân", "thường", "trú", "bản", "sao", "chứng", "thực", "thủ", "tục", "hành", "chính",
    "một", "cửa", "liên", "thông", "tiếp", "nhận", "trả", "kết", "quả", "giải", "quyết", "phê",
    "duyệt", "đề", "nghị", "của", "giám", "đốc", "sở", "nội", "vụ", "tư", "pháp", "tài", "nguyên",
    "môi", "trường", "xây", "dựng", "giao", "thông", "kế", "hoạch", "đầu", "tư", "ngân", "sách",
    "nhà", "nước", "cán", "bộ", "công", "chức", "viên", "chức", "người", "lao", "động", "hợp",
    "đồng", "biên", "bản", "báo", "cáo", "tổng", "hợp",
)


@lru_cache(maxsize=8)
def _font(pixels: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.truetype(FONT_PATH, pixels)
    except OSError:
        return ImageFont.load_default(pixels)


def text_lines(seed: int, count: int = 40, *, words_per_line: int = 18) -> tuple[str, ...]:
    """Paragraphs of Vietnamese administrative words, the same for the same seed: lines
    longer than a page is wide (a page cuts them at a word), with a shorter line closing
    each paragraph."""
    rng = random.Random(seed)
    lines = []
    for index in range(count):
        closing = index % 7 == 6
        size = rng.randint(3, words_per_line - 3) if closing else words_per_line
        line = " ".join(rng.choice(WORDS) for _ in range(size))
        lines.append(line[:1].upper() + line[1:])
    return tuple(lines)


def _mm(value: float, dpi: int) -> int:
    return round(value * dpi / MM_PER_INCH)


def page_image(*, dpi: int = 300, lines: Sequence[str] = (), size_mm: tuple[float, float] = A4_MM,
               paper: tuple[int, int, int] = PAPER) -> Image.Image:
    """A straight, clean RGB page with the lines set from the top margin."""
    width, height = _mm(size_mm[0], dpi), _mm(size_mm[1], dpi)
    page = Image.new("RGB", (width, height), paper)
    draw = ImageDraw.Draw(page)
    top, right, _bottom, left = (_mm(m, dpi) for m in MARGINS_MM)
    font_pixels = round(FONT_POINTS / 72 * dpi)
    font = _font(font_pixels)
    pitch = round(font_pixels * LINE_PITCH)
    y = top
    for line in lines:
        if y + pitch > height - top:
            break
        text = line
        while " " in text and draw.textlength(text, font=font) > width - left - right:
            text = text.rsplit(" ", 1)[0]
        draw.text((left, y), text, fill=INK, font=font)
        y += pitch
    return page


def scanned(page: Image.Image, *, angle: float = 0.0, shift: tuple[int, int] = (0, 0),
            noise: float = 0.0, seed: int = 0, paper: tuple[int, int, int] = PAPER
            ) -> Image.Image:
    """The page as a scanner sees it: turned by ``angle`` degrees counter-clockwise, moved by
    ``shift`` pixels (right, down), with Gaussian sensor noise of ``noise`` grey levels."""
    if angle:
        page = page.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=paper)
    if shift != (0, 0):
        moved = Image.new("RGB", page.size, paper)
        moved.paste(page, shift)
        page = moved
    if noise:
        rng = np.random.default_rng(seed)
        pixels = np.asarray(page, dtype=np.float32)
        grain = rng.standard_normal(pixels.shape[:2], dtype=np.float32) * np.float32(noise)
        pixels += grain[..., None]
        page = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")
    return page


def encoded(image: Image.Image, *, image_format: str = "JPEG", dpi: float | None = 300,
            mode: str = "RGB", quality: int = 90) -> bytes:
    """The image in ``mode`` ("RGB", "L", "1", "P") saved as ``image_format`` ("JPEG",
    "TIFF", "PNG", "JPEG2000"), its resolution recorded unless ``dpi`` is None."""
    if mode == "P":
        image = image.convert("P", palette=Image.Palette.ADAPTIVE, colors=64)
    elif mode != image.mode:
        image = image.convert(mode)
    options: dict[str, object] = {}
    if dpi is not None:
        options["dpi"] = (dpi, dpi)
    if image_format == "JPEG":
        options["quality"] = quality
    elif image_format == "TIFF":
        options["compression"] = "tiff_lzw" if mode != "1" else "group4"
    elif image_format == "JPEG2000":
        options.update(irreversible=True, quality_mode="rates", quality_layers=[20])
    out = io.BytesIO()
    image.save(out, format=image_format, **options)
    if image_format == "JPEG2000" and dpi is not None:
        return _with_capture_resolution(out.getvalue(), dpi)
    return out.getvalue()


def _box(kind: bytes, content: bytes) -> bytes:
    return struct.pack(">I", 8 + len(content)) + kind + content


def _with_capture_resolution(jp2: bytes, dpi: float) -> bytes:
    """The JP2 file with its capture resolution recorded (a 'res ' box holding 'resc', in
    grid points per metre, inside the 'jp2h' header box), as Pillow does not write it."""
    per_metre = round(dpi / 0.0254)
    resc = _box(b"resc", struct.pack(">HHHHbb", per_metre, 1, per_metre, 1, 0, 0))
    position = 0
    while position + 8 <= len(jp2):
        length, kind = struct.unpack(">I4s", jp2[position:position + 8])
        if kind == b"jp2h":
            header = _box(b"jp2h", jp2[position + 8:position + length] + _box(b"res ", resc))
            return jp2[:position] + header + jp2[position + length:]
        position += length
    return jp2


def sample_page(*, dpi: int = 300, mode: str = "RGB", lines: Sequence[str] | None = None,
                seed: int = 1, angle: float = 0.0, shift: tuple[int, int] = (0, 0),
                noise: float = 0.0, image_format: str = "JPEG", quality: int = 90,
                size_mm: tuple[float, float] = A4_MM, record_dpi: bool = True) -> bytes:
    """A scanned page of text as file bytes: ``lines`` (default: 40 generated lines from
    ``seed``; an empty sequence gives a blank page) on A4 (or ``size_mm``) paper at ``dpi``."""
    text = text_lines(seed) if lines is None else tuple(lines)
    page = page_image(dpi=dpi, lines=text, size_mm=size_mm)
    page = scanned(page, angle=angle, shift=shift, noise=noise, seed=seed)
    return encoded(page, image_format=image_format, dpi=dpi if record_dpi else None,
                   mode=mode, quality=quality)
