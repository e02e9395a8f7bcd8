"""The scanned pages a capture benchmark uploads: 300-dpi A4 colour JPEG scans of text
(:mod:`lienthong.services.archive.capture.samples`), each with text of its own (so no page
repeats another), laid on the scanner a few millimetres off, one in eight of them turned
by a fraction of a degree as a page fed by hand is.

They are made before anything is timed, in worker processes (one per core): a page takes
about 0.1 s of one core to render and encode, a turned one about half a second more.
This module imports only what making a page needs, for the workers' sake.
"""

from __future__ import annotations

import os
import random
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

DPI = 300
#: One page in this many is turned (a page fed by hand), by at most TURN_DEGREES.
TURNED_EVERY = 8
TURN_DEGREES = 0.3
#: How far (pixels at 300 dpi) a page lies off the scanner's corner, at most: about 3 mm.
SHIFT_PIXELS = 36


@dataclass(frozen=True)
class PageSpec:
    """How one page is made: its text's seed, its turn and its place on the scanner."""

    seed: int
    angle: float
    shift: tuple[int, int]


def page_specs(count: int, first_seed: int = 1000) -> list[PageSpec]:
    """``count`` pages, each with its own text; the same pages for the same arguments."""
    rng = random.Random(first_seed)
    specs = []
    for index in range(count):
        turned = index % TURNED_EVERY == TURNED_EVERY - 1
        angle = round(rng.uniform(-TURN_DEGREES, TURN_DEGREES), 2) if turned else 0.0
        specs.append(PageSpec(seed=first_seed + index, angle=angle,
                              shift=(rng.randint(0, SHIFT_PIXELS),
                                     rng.randint(0, SHIFT_PIXELS))))
    return specs


def make_page(spec: PageSpec) -> bytes:
    """The page's JPEG bytes (colour, 300 dpi recorded, quality 90)."""
    from lienthong.services.archive.capture.samples import sample_page

    return sample_page(dpi=DPI, mode="RGB", seed=spec.seed, angle=spec.angle,
                       shift=spec.shift, image_format="JPEG", quality=90)


def make_pages(specs: list[PageSpec],
               update: Callable[[float, float], None] | None = None) -> list[bytes]:
    """Every page's bytes, in order, made over one worker process per core."""
    pages: list[bytes] = []
    workers = max(1, min(os.cpu_count() or 1, len(specs)))
    with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
        for page in pool.map(make_page, specs, chunksize=4):
            pages.append(page)
            if update is not None:
                update(len(pages), len(specs))
    return pages
