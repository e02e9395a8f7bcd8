"""Tesseract with its Vietnamese data, for the archive's OCR, on a Debian machine without root.

The system's ``tesseract`` wins when it has the languages the archive reads (``vie``, and
``eng`` and ``osd``: English words in Vietnamese records, and the page orientation).
Otherwise Debian's packages are fetched with ``apt-get download`` (no root needed) and
unpacked with ``dpkg-deb -x`` into ``<venv>/tesseract/``: ``tesseract-ocr``,
``tesseract-ocr-vie``, ``tesseract-ocr-eng``, ``tesseract-ocr-osd`` and whatever else
``apt-get install --simulate`` says this machine lacks for them (the shared libraries:
libtesseract, leptonica and, on a bare machine, their own dependencies).

The unpacked program runs through a small script, ``<venv>/tesseract/bin/tesseract``, that
points ``LD_LIBRARY_PATH`` at the unpacked libraries and ``TESSDATA_PREFIX`` at the
unpacked language data; ``<venv>/bin/tesseract`` links to it. The archive service's OCR
finds it there (``lienthong.services.archive.ocr``). Before it is used, the unpacked
program is checked: ``ldd`` resolves every library it needs, and it lists the languages.

``python -m lienthong.devtools.ocrtools`` prints the tesseract to use (``make install``).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

PACKAGES = ("tesseract-ocr", "tesseract-ocr-vie", "tesseract-ocr-eng", "tesseract-ocr-osd")
LANGUAGES = ("vie", "eng", "osd")
PROGRAM = "tesseract"
# "Inst libtesseract5 (5.3.0-2 Debian:12.15/oldstable [amd64])", or, for an upgrade,
# "Inst libfoo [1.0-1] (1.0-2 Debian:... [amd64])": the package and the version apt chose.
_INST = re.compile(r"^Inst (?P<name>\S+) (?:\[[^\]]*\] )?\((?P<version>\S+)")


class TesseractUnavailable(RuntimeError):
    """No suitable tesseract is installed and none could be fetched."""


class DownloadFailed(TesseractUnavailable):
    """``apt-get`` could not say or fetch the packages (no network, no package lists)."""


def tesseract_root(prefix: Path | None = None) -> Path:
    """Where Debian's packages are unpacked: ``<prefix>/tesseract`` (default: sys.prefix)."""
    return Path(sys.prefix if prefix is None else prefix) / "tesseract"


def wrapper_path(prefix: Path | None = None) -> Path:
    """The script that runs the unpacked tesseract, alone in its directory."""
    return tesseract_root(prefix) / "bin" / PROGRAM


def venv_program(prefix: Path | None = None) -> Path:
    """``<prefix>/bin/tesseract``: the link to :func:`wrapper_path`."""
    return Path(sys.prefix if prefix is None else prefix) / "bin" / PROGRAM


def languages(program: Path) -> set[str]:
    """The languages ``program --list-langs`` reports (empty if it does not run)."""
    try:
        done = subprocess.run([str(program), "--list-langs"], capture_output=True, text=True,
                              timeout=60, check=False)
    except OSError:
        return set()
    if done.returncode != 0:
        return set()
    lines = done.stdout.splitlines()
    return {line.strip() for line in lines[1:] if line.strip()}


def suitable(program: Path) -> bool:
    """Whether ``program`` runs and reads every language of :data:`LANGUAGES`."""
    return set(LANGUAGES) <= languages(program)


def system_program(prefix: Path | None = None) -> Path | None:
    """The ``tesseract`` on PATH, if it is not this environment's own and reads Vietnamese."""
    found = shutil.which(PROGRAM)
    if found is None:
        return None
    program = Path(found)
    own = Path(sys.prefix if prefix is None else prefix).resolve()
    if program.resolve().is_relative_to(own):
        return None
    return program if suitable(program) else None


def unpacked_program(prefix: Path | None = None) -> Path | None:
    """The program :func:`fetch` made under ``prefix``, if it did and it still works."""
    program = venv_program(prefix)
    return program if program.is_file() and suitable(program) else None


def parse_simulation(output: str) -> dict[str, str]:
    """The packages (name: version) an ``apt-get install --simulate`` would install."""
    found = (_INST.match(line) for line in output.splitlines())
    return {match["name"]: match["version"] for match in found if match}


def packages_to_fetch(apt_get: str) -> list[str]:
    """``name=version`` of every package the tree needs that this machine does not have, and
    the named packages themselves (by name) where the machine has them already."""
    done = subprocess.run([apt_get, "install", "--simulate", "--no-install-recommends",
                           *PACKAGES], capture_output=True, text=True, timeout=120,
                          check=False, env={**os.environ, "LC_ALL": "C"})
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        msg = (f"apt-get install --simulate {' '.join(PACKAGES)} failed (exit "
               f"{done.returncode}): {detail[-1] if detail else 'no output'} (are the "
               f"package lists there? apt-get update needs root)")
        raise DownloadFailed(msg)
    missing = parse_simulation(done.stdout)
    return [*(f"{name}={version}" for name, version in missing.items()),
            *(name for name in PACKAGES if name not in missing)]


def library_dirs(root: Path) -> list[Path]:
    """The directories of the tree that hold shared libraries."""
    found = {path.parent for base in (root / "usr" / "lib", root / "lib") if base.is_dir()
             for path in base.rglob("lib*.so.*") if path.is_file()}
    return sorted(found, key=lambda path: (len(path.parts), str(path)))


def missing_libraries(binary: Path, lib_dirs: Sequence[Path]) -> list[str]:
    """The libraries ``ldd`` does not find for ``binary`` with ``lib_dirs`` searched first."""
    ldd = shutil.which("ldd")
    if ldd is None:
        return []
    search = os.pathsep.join([*map(str, lib_dirs), os.environ.get("LD_LIBRARY_PATH", "")])
    done = subprocess.run([ldd, str(binary)], capture_output=True, text=True, timeout=60,
                          check=False, env={**os.environ, "LD_LIBRARY_PATH": search})
    return [line.split()[0] for line in done.stdout.splitlines() if "not found" in line]


def wrapper_script(root: Path, binary: Path, lib_dirs: Sequence[Path], tessdata: Path) -> str:
    """The script kept at ``<root>/bin/tesseract``: every path relative to the tree, which it
    finds from its own location (so it works through the link in ``<venv>/bin``)."""
    libraries = ":".join(f"$root/{path.relative_to(root)}" for path in lib_dirs)
    library_line = (f'LD_LIBRARY_PATH="{libraries}${{LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}}"\n'
                    "export LD_LIBRARY_PATH\n" if lib_dirs else "")
    return ("#!/bin/sh\n"
            "# Debian's tesseract, unpacked without root by python -m "
            "lienthong.devtools.ocrtools.\n"
            'root=$(dirname "$(dirname "$(readlink -f "$0")")")\n'
            f"{library_line}"
            f'TESSDATA_PREFIX="$root/{tessdata.relative_to(root)}"\n'
            "export TESSDATA_PREFIX\n"
            f'exec "$root/{binary.relative_to(root)}" "$@"\n')


def _download(apt_get: str, dpkg_deb: str, into: Path) -> None:
    """Download the packages and unpack them into the new directory ``into``."""
    wanted = packages_to_fetch(apt_get)
    with tempfile.TemporaryDirectory(prefix="lienthong-tesseract-") as tmp:
        done = subprocess.run([apt_get, "download", *wanted], cwd=tmp, capture_output=True,
                              text=True, timeout=900, check=False)
        debs = sorted(Path(tmp).glob("*.deb"))
        if done.returncode != 0 or len(debs) < len(wanted):
            detail = (done.stderr or done.stdout).strip().splitlines()
            msg = (f"apt-get download of {len(wanted)} packages failed (exit "
                   f"{done.returncode}): " + (detail[-1] if detail else "no output"))
            raise DownloadFailed(msg)
        into.mkdir(parents=True)
        for deb in debs:
            unpacked = subprocess.run([dpkg_deb, "-x", str(deb), str(into)],
                                      capture_output=True, text=True, timeout=300, check=False)
            if unpacked.returncode != 0:
                msg = f"dpkg-deb -x {deb.name} failed: {unpacked.stderr.strip()}"
                raise TesseractUnavailable(msg)


def install_wrapper(root: Path, prefix: Path | None) -> Path:
    """Check the unpacked tree and write its script and link; the link's path."""
    binary = root / "usr" / "bin" / PROGRAM
    tessdata = next((path.parent for path in sorted(
        root.glob("usr/share/tesseract-ocr/*/tessdata/vie.traineddata"))), None)
    if not binary.is_file() or tessdata is None:
        msg = f"the packages held no {PROGRAM} or no Vietnamese data where Debian puts them"
        raise TesseractUnavailable(msg)
    lib_dirs = library_dirs(root)
    if missing := missing_libraries(binary, lib_dirs):
        msg = (f"the unpacked {PROGRAM} still lacks {', '.join(missing)}: install "
               f"tesseract-ocr with the system's package manager")
        raise TesseractUnavailable(msg)
    script = root / "bin" / PROGRAM
    script.parent.mkdir(exist_ok=True)
    script.write_text(wrapper_script(root, binary, lib_dirs, tessdata))
    script.chmod(0o755)
    link = venv_program(prefix)
    link.parent.mkdir(parents=True, exist_ok=True)
    link.unlink(missing_ok=True)
    link.symlink_to(os.path.relpath(script, link.parent))
    return link


def fetch(prefix: Path | None = None) -> Path:
    """Download Debian's tesseract packages and unpack them into ``<prefix>/tesseract``
    (replacing an earlier tree); returns ``<prefix>/bin/tesseract``."""
    apt_get, dpkg_deb = shutil.which("apt-get"), shutil.which("dpkg-deb")
    if apt_get is None or dpkg_deb is None:
        missing = " and ".join(name for name, found in (("apt-get", apt_get),
                                                       ("dpkg-deb", dpkg_deb)) if found is None)
        msg = (f"no {missing} here: install tesseract with the system's package manager "
               f"(Debian: tesseract-ocr tesseract-ocr-vie), or set LIENTHONG_OCR_TESSERACT")
        raise TesseractUnavailable(msg)
    root = tesseract_root(prefix)
    root.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".tesseract-", dir=root.parent))
    try:
        _download(apt_get, dpkg_deb, staging / "tree")
        shutil.rmtree(root, ignore_errors=True)
        (staging / "tree").rename(root)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    program = install_wrapper(root, prefix)
    if not suitable(program):
        msg = (f"the unpacked {program} does not run or lacks one of the languages "
               f"{', '.join(LANGUAGES)} (tesseract --list-langs)")
        raise TesseractUnavailable(msg)
    return program


def ensure(prefix: Path | None = None) -> Path:
    """A tesseract that reads Vietnamese: the system's, the one unpacked before, or one
    fetched now."""
    return system_program(prefix) or unpacked_program(prefix) or fetch(prefix)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m lienthong.devtools.ocrtools",
                                     description="Print the path of a tesseract with "
                                                 "Vietnamese data: the system's, else "
                                                 "Debian's packages unpacked into "
                                                 "<venv>/tesseract (no root needed).")
    parser.add_argument("--prefix", type=Path, help="unpack under PREFIX/tesseract and link "
                                                    "PREFIX/bin/tesseract (default: this "
                                                    "environment, sys.prefix)")
    args = parser.parse_args(argv)
    try:
        program = ensure(args.prefix)
    except TesseractUnavailable as error:
        print(f"ocrtools: {error}", file=sys.stderr)
        raise SystemExit(1) from None
    print(program)


if __name__ == "__main__":
    main()
