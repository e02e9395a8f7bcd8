"""Which tesseract runs, and making OCRmyPDF run that one.

OCRmyPDF runs the program called ``tesseract`` that the process's PATH finds, in the
environment of the process; it takes no path to it. So the configured program
(:func:`locate`) is put first on the process's PATH, by :func:`use`: once per process,
under a lock, and only when PATH does not find that very program already (an image with
Debian's ``/usr/bin/tesseract`` changes nothing). A service calls :func:`use` (through
:func:`prepare`) before it starts its threads; a later call with the same program does
nothing, and one with another program is refused: a process runs one tesseract.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from .model import TESSERACT_VARIABLE, TesseractUnavailable

if TYPE_CHECKING:
    from collections.abc import Mapping

    from .model import OcrSettings

PROGRAM = "tesseract"
INSTALL_HINT = ("install Debian's tesseract-ocr and tesseract-ocr-vie, or run python -m "
                "lienthong.devtools.ocrtools (make install does), or set "
                f"{TESSERACT_VARIABLE}")

_lock = threading.Lock()
_in_use: Path | None = None


@dataclass(frozen=True)
class Tesseract:
    """A tesseract program, its version and the languages it has data for."""

    program: Path
    version: str
    languages: frozenset[str]


def locate(settings: OcrSettings, environ: Mapping[str, str] | None = None) -> Path:
    """The tesseract to run: the settings', ``LIENTHONG_OCR_TESSERACT``'s,
    ``<sys.prefix>/bin/tesseract``, or the one on PATH."""
    env = os.environ if environ is None else environ
    for named, source in ((settings.tesseract, "the OCR settings"),
                          (env.get(TESSERACT_VARIABLE) or None, TESSERACT_VARIABLE)):
        if named is not None:
            path = Path(named).absolute()
            if not (path.is_file() and os.access(path, os.X_OK)):
                msg = f"{source} names {path}, which is not an executable file"
                raise TesseractUnavailable(msg)
            return path
    own = Path(sys.prefix) / "bin" / PROGRAM
    if own.is_file() and os.access(own, os.X_OK):
        return own
    found = shutil.which(PROGRAM, path=env.get("PATH", os.defpath))
    if found is None:
        msg = f"no {PROGRAM} here: {INSTALL_HINT}"
        raise TesseractUnavailable(msg)
    return Path(found)


def _run(program: Path, argument: str) -> str:
    try:
        done = subprocess.run([str(program), argument], capture_output=True, text=True,
                              timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        msg = f"{program} {argument} did not run: {error}"
        raise TesseractUnavailable(msg) from None
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        msg = (f"{program} {argument} failed (exit {done.returncode}): "
               f"{detail[-1] if detail else 'no output'}")
        raise TesseractUnavailable(msg)
    return done.stdout + done.stderr


@lru_cache(maxsize=8)
def _probe(program: Path, _changed: int) -> Tesseract:
    version_lines = _run(program, "--version").splitlines()
    words = version_lines[0].split() if version_lines else []
    if len(words) < 2 or words[0] != PROGRAM:
        msg = f"{program} --version does not answer as tesseract does: {version_lines[:1]}"
        raise TesseractUnavailable(msg)
    listed = _run(program, "--list-langs").splitlines()
    languages = frozenset(line.strip() for line in listed[1:] if line.strip())
    return Tesseract(program, words[1].removeprefix("v"), languages)


def probe(program: Path, languages: tuple[str, ...]) -> Tesseract:
    """``program``'s version and languages (asked once while the file is unchanged);
    :class:`TesseractUnavailable` unless it has data for every one of ``languages``."""
    try:
        changed = program.stat().st_mtime_ns
    except OSError as error:
        msg = f"{program}: {error.strerror}"
        raise TesseractUnavailable(msg) from None
    found = _probe(program, changed)
    if missing := [language for language in languages if language not in found.languages]:
        packages = " ".join(f"tesseract-ocr-{language}" for language in missing)
        msg = (f"{program} has no data for {', '.join(missing)} (it has "
               f"{', '.join(sorted(found.languages)) or 'none'}): install {packages}")
        raise TesseractUnavailable(msg)
    return found


def _as_program(tesseract: Path) -> Path:
    """``tesseract`` as OCRmyPDF will find it: a file called tesseract (a link's target
    when it is one, so its directory holds only what the target's does)."""
    for candidate in (tesseract.resolve(), tesseract.absolute()):
        if candidate.name == PROGRAM:
            return candidate
    msg = f"{tesseract} is not called {PROGRAM}: OCRmyPDF runs the program by that name"
    raise TesseractUnavailable(msg)


def use(tesseract: Path) -> None:
    """Make ``tesseract`` the program OCRmyPDF runs in this process."""
    global _in_use  # noqa: PLW0603 - one tesseract per process, as OCRmyPDF finds it
    program = _as_program(tesseract)
    with _lock:
        if _in_use is not None:
            if _in_use != program:
                msg = (f"this process runs {_in_use} for OCR already; it cannot run "
                       f"{program} too (one tesseract per process)")
                raise TesseractUnavailable(msg)
            return
        found = shutil.which(PROGRAM)
        if found is None or Path(found).resolve() != program.resolve():
            path = os.environ.get("PATH", os.defpath)
            os.environ["PATH"] = os.pathsep.join([str(program.parent), path])
        _in_use = program


def prepare(settings: OcrSettings) -> Tesseract:
    """Find, check and :func:`use` the tesseract of ``settings``; what it is. A service
    calls this at start, before its threads run, to fail early and change PATH once."""
    program = locate(settings)
    found = probe(program, settings.languages + (("osd",) if settings.rotate_pages else ()))
    use(program)
    return found
