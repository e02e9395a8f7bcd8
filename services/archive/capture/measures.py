"""What the capture checks measure on a page's greyscale working copy: where the ink is, how
much of the page it covers, the angle of its text lines, and a fingerprint of its content.

All of it runs on a reduced copy of the page (about 1500 pixels on its long side), with
NumPy only, so that a page costs tens of milliseconds whatever its resolution.
"""

from __future__ import annotations

from dataclasses import dataclass

import imagehash
import numpy as np

# imagehash.phash imports scipy.fftpack on its first call: it is loaded with the service
# instead, not inside the first page's capture (0.15 s or more).
import scipy.fftpack  # noqa: F401
from PIL import Image

# The edges of a scan (scanner lid shadows, the bed's border, punched holes) are left out of
# the ink measures: 3% of each side, well inside an administrative page's 15-30 mm margins.
EDGE_SHARE = 0.03
# The paper's grain counts up to this many grey levels (robust standard deviation).
NOISE_CAP = 16.0
# Skew search: within +-15 degrees by half degrees, then by tenths and by 0.05 degree about
# the best.
LARGEST_SKEW = 15.0
COARSE_STEP = 0.5
MIDDLE_STEP = 0.1
FINE_STEP = 0.05
# At most this many ink pixels enter the skew search (evenly taken); enough for 0.1 degree.
SKEW_POINTS = 40_000
# The coarse search, which only finds the half degree the lines are within, takes at most
# this many of them (evenly taken again); the fine search and its verdict take them all.
COARSE_POINTS = 10_000
# A page whose ink has fewer pixels than this, or whose best projection is not this much
# sharper than the typical one, has no line structure to measure (a photograph, a stamp).
SKEW_MIN_POINTS = 200
SKEW_MIN_SHARPNESS = 1.2
# The fingerprint: a 16x16 DCT perceptual hash (256 bits) of the deskewed ink area.
HASH_SIZE = 16
FINGERPRINT_BITS = HASH_SIZE * HASH_SIZE
# The fingerprint is taken on a copy of at most about this many pixels on its long side.
FINGERPRINT_SIDE = 800
# The ink area is hashed with its short side at least this share of its long side.
MIN_ASPECT = 0.5
# The share of ink positions left out at each end when finding the ink area (stray specks).
INK_AREA_TAIL = 0.002


@dataclass(frozen=True)
class Ink:
    """The page's ink: a mask of the working copy's inner area (edges left out), the level
    under which a pixel is ink (on the grey scale, or on its inverse for light marks on dark
    paper, such as a blueprint's), and the paper's grey level."""

    mask: np.ndarray
    threshold: int
    paper: int
    inverted: bool = False

    @property
    def share(self) -> float:
        return float(self.mask.mean()) if self.mask.size else 0.0

    def marks(self, grey: np.ndarray) -> np.ndarray:
        """Where other pixels of the same page (another copy of it) are ink."""
        return (255 - grey if self.inverted else grey) < self.threshold


def otsu_threshold(histogram: np.ndarray) -> int:
    """The grey level that best splits a 256-bin histogram into two classes (Otsu's method:
    the largest between-class variance); pixels below it are the dark class."""
    counts = histogram.astype(np.float64)
    total = counts.sum()
    if total == 0:
        return 0
    levels = np.arange(counts.size, dtype=np.float64)
    weight = np.cumsum(counts)
    mass = np.cumsum(counts * levels)
    dark, light = weight, total - weight
    with np.errstate(divide="ignore", invalid="ignore"):
        between = (mass[-1] * dark / total - mass) ** 2 / (dark * light)
    between[~np.isfinite(between)] = 0.0
    return int(np.argmax(between)) + 1


def _median_of(histogram: np.ndarray) -> int:
    cumulative = np.cumsum(histogram)
    return int(np.searchsorted(cumulative, cumulative[-1] / 2))


def find_ink(grey: np.ndarray, *, min_contrast: int) -> Ink:
    """The ink of a greyscale page (uint8, 0 black): pixels darker than both Otsu's threshold
    and the paper's level less ``min_contrast`` (or less four times the paper's noise, if
    that is more). The paper is the median level, its noise the median absolute deviation
    (counted up to NOISE_CAP: a wider spread is the page's content, a photograph, not the
    paper's grain); so a blank page of any tone, noisy or not, has next to no ink. On dark
    paper (median below mid-grey) the marks are the light pixels, and the scale is turned."""
    height, width = grey.shape
    dy, dx = round(height * EDGE_SHARE), round(width * EDGE_SHARE)
    inner = grey[dy:height - dy, dx:width - dx]
    histogram = np.bincount(inner.ravel(), minlength=256)
    paper = _median_of(histogram)
    inverted = paper < 128
    if inverted:
        histogram = histogram[::-1]
    level = 255 - paper if inverted else paper
    deviations = np.bincount(np.abs(np.arange(256) - level), weights=histogram, minlength=256)
    noise = min(1.4826 * _median_of(deviations), NOISE_CAP)
    threshold = min(otsu_threshold(histogram), level - max(min_contrast, round(4 * noise)))
    marks = (255 - inner if inverted else inner) < threshold
    return Ink(mask=marks, threshold=threshold, paper=paper, inverted=inverted)


def _profile_energy(y: np.ndarray, x: np.ndarray, degrees: float) -> float:
    keys = np.rint(y + x * np.tan(np.radians(degrees))).astype(np.int64)
    counts = np.bincount(keys - keys.min())
    return float(np.dot(counts, counts))


def skew_degrees(ink: np.ndarray) -> float | None:
    """The angle of the page's text lines, in degrees, counter-clockwise positive (lines that
    rise to the right); None where the page has no line structure to measure.

    Projection profiles: the ink is projected along each candidate direction, and the
    direction whose profile is sharpest (largest sum of squared counts, i.e. the largest
    variance) is the lines' direction. Rotating the page clockwise by the angle
    (``Image.rotate(-angle)``) straightens it.
    """
    where = np.flatnonzero(ink)  # one index array, not two coordinates of every ink pixel
    if where.size < SKEW_MIN_POINTS:
        return None
    rows, columns = np.divmod(where[::where.size // SKEW_POINTS + 1], ink.shape[1])
    y = rows.astype(np.float64)
    x = columns.astype(np.float64)
    x -= x.mean()
    few = y.size // COARSE_POINTS + 1
    coarse_y, coarse_x = y[::few], x[::few]
    coarse = np.arange(-LARGEST_SKEW, LARGEST_SKEW + COARSE_STEP / 2, COARSE_STEP)
    energies = np.array([_profile_energy(coarse_y, coarse_x, angle) for angle in coarse])
    best = float(coarse[int(np.argmax(energies))])
    angle = best
    # Narrowed twice on all the points: by tenths within the half degree either side, then
    # to the next 0.05 degree either side.
    for span, step in ((COARSE_STEP, MIDDLE_STEP), (FINE_STEP, FINE_STEP)):
        around = np.arange(angle - span, angle + span + step / 2, step)
        angle = float(around[int(np.argmax([_profile_energy(y, x, a) for a in around]))])
    # Sharp enough: the lines' direction against the typical one, on the same points.
    if _profile_energy(coarse_y, coarse_x, angle) < SKEW_MIN_SHARPNESS * float(np.median(energies)):
        return None
    return round(angle, 2)


def _ink_span(counts: np.ndarray) -> tuple[int, int]:
    cumulative = np.cumsum(counts)
    total = cumulative[-1]
    start = int(np.searchsorted(cumulative, total * INK_AREA_TAIL, side="right"))
    end = int(np.searchsorted(cumulative, total * (1 - INK_AREA_TAIL))) + 1
    return start, max(end, start + 1)


def _squarer(box: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    """The box widened about its centre so that its short side is at least MIN_ASPECT of
    its long side (a single line of text is not stretched into a square)."""
    left, top, right, bottom = box
    width, height = right - left, bottom - top
    grow_x = max(0, round(MIN_ASPECT * height) - width)
    grow_y = max(0, round(MIN_ASPECT * width) - height)
    return (left - grow_x // 2, top - grow_y // 2,
            right + grow_x - grow_x // 2, bottom + grow_y - grow_y // 2)


def _cut(image: Image.Image, box: tuple[int, int, int, int], fill: int) -> Image.Image:
    """The box's part of the image, paper-coloured where the box goes past the image."""
    left, top, right, bottom = box
    width, height = image.size
    if left >= 0 and top >= 0 and right <= width and bottom <= height:
        return image.crop(box)
    cut = Image.new(image.mode, (right - left, bottom - top), fill)
    cut.paste(image, (-left, -top))
    return cut


def fingerprint(grey: Image.Image, ink: Ink, skew: float | None) -> str:
    """A perceptual hash of the page's content, as hexadecimal: the page is turned straight
    (by its measured skew), cut to the area its ink covers (so that where the sheet lay on
    the scanner does not count), and hashed (DCT hash of 16x16 bits). Two scans of the same
    page are a few bits apart; two different pages, even of the same layout, far more."""
    factor = max(1, max(grey.size) // FINGERPRINT_SIDE)
    if factor > 1:
        grey = grey.reduce(factor)
    if skew is not None and abs(skew) >= 0.1:
        grey = grey.rotate(-skew, resample=Image.Resampling.BILINEAR, fillcolor=ink.paper)
    width, height = grey.size
    dy, dx = round(height * EDGE_SHARE), round(width * EDGE_SHARE)
    area = grey.crop((dx, dy, width - dx, height - dy))
    mask = ink.marks(np.asarray(area))
    if mask.any():
        top, bottom = _ink_span(mask.sum(axis=1))
        left, right = _ink_span(mask.sum(axis=0))
        area = _cut(area, _squarer((left, top, right, bottom)), ink.paper)
    side = HASH_SIZE * 4
    small = area.resize((side, side), Image.Resampling.LANCZOS, reducing_gap=2.0)
    return str(imagehash.phash(small, hash_size=HASH_SIZE))


def fingerprint_distance(first: str, second: str) -> int:
    """The number of bits in which two fingerprints differ (their Hamming distance)."""
    if len(first) != len(second):
        msg = f"fingerprints of different lengths: {len(first)} and {len(second)} digits"
        raise ValueError(msg)
    try:
        return (int(first, 16) ^ int(second, 16)).bit_count()
    except ValueError:
        msg = "a fingerprint is not hexadecimal"
        raise ValueError(msg) from None
