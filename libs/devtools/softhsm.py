"""SoftHSM2, the PKCS#11 token of development and tests, on a Debian machine without root.

The system's library (package ``libsofthsm2``) wins. Otherwise Debian's packages
``libsofthsm2``, ``softhsm2`` and ``softhsm2-common`` are fetched with
``apt-get download`` (no root needed) and unpacked with ``dpkg-deb -x`` into
``<venv>/softhsm/`` (the library, ``softhsm2-util``, the sample configuration); the
library needs only libcrypto and the C++ runtime, which Debian always has.
``python -m lienthong.devtools.softhsm`` prints the library's path.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from lienthong.pkcs11 import SOFTHSM_LIBRARY, softhsm_paths, softhsm_root

if TYPE_CHECKING:
    from collections.abc import Sequence

PACKAGES = ("libsofthsm2", "softhsm2", "softhsm2-common")
LIBRARY = SOFTHSM_LIBRARY


class SoftHsmUnavailable(RuntimeError):
    """SoftHSM2 is not installed and could not be fetched."""


class DownloadFailed(SoftHsmUnavailable):
    """``apt-get download`` failed (no network, no package lists, no such package)."""


def system_module() -> Path | None:
    """The system's SoftHSM2 library, if installed."""
    return next((path for path in softhsm_paths(Path("/")) if path.is_file()), None)


def unpacked_module(prefix: Path | None = None) -> Path | None:
    """The library :func:`fetch` unpacked under ``prefix``, if it did."""
    root = softhsm_root(prefix)
    return next((path for path in softhsm_paths(root) if path.is_file()), None)


def fetch(prefix: Path | None = None) -> Path:
    """Download Debian's SoftHSM2 packages and unpack them into ``<prefix>/softhsm``;
    returns the library's path."""
    apt_get, dpkg_deb = shutil.which("apt-get"), shutil.which("dpkg-deb")
    if apt_get is None or dpkg_deb is None:
        missing = " and ".join(name for name, found in (("apt-get", apt_get),
                                                       ("dpkg-deb", dpkg_deb)) if found is None)
        msg = (f"no {missing} here: install SoftHSM2 with the system's package manager "
               f"(e.g. softhsm2), or set LIENTHONG_SOFTHSM_MODULE to its {LIBRARY}")
        raise SoftHsmUnavailable(msg)
    root = softhsm_root(prefix)
    with tempfile.TemporaryDirectory(prefix="lienthong-softhsm-") as tmp:
        done = subprocess.run([apt_get, "download", *PACKAGES], cwd=tmp, capture_output=True,
                              text=True, timeout=300, check=False)
        debs = sorted(Path(tmp).glob("*.deb"))
        if done.returncode != 0 or len(debs) < len(PACKAGES):
            detail = (done.stderr or done.stdout).strip().splitlines()
            msg = (f"apt-get download {' '.join(PACKAGES)} failed (exit {done.returncode}): "
                   + (detail[-1] if detail else "no output"))
            raise DownloadFailed(msg)
        root.mkdir(parents=True, exist_ok=True)
        for deb in debs:
            unpacked = subprocess.run([dpkg_deb, "-x", str(deb), str(root)],
                                      capture_output=True, text=True, timeout=120, check=False)
            if unpacked.returncode != 0:
                msg = f"dpkg-deb -x {deb.name} failed: {unpacked.stderr.strip()}"
                raise SoftHsmUnavailable(msg)
    module = unpacked_module(prefix)
    if module is None:
        msg = f"the packages held no {LIBRARY} where Debian puts it (under {root})"
        raise SoftHsmUnavailable(msg)
    return module


def ensure(prefix: Path | None = None) -> Path:
    """A SoftHSM2 library: the system's, the one unpacked before, or one fetched now."""
    return system_module() or unpacked_module(prefix) or fetch(prefix)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m lienthong.devtools.softhsm",
                                     description="Print the path of a SoftHSM2 library: the "
                                                 "system's, else Debian's packages unpacked "
                                                 "into <venv>/softhsm (no root needed).")
    parser.add_argument("--prefix", type=Path, help="unpack under PREFIX/softhsm "
                                                    "(default: this environment, sys.prefix)")
    args = parser.parse_args(argv)
    try:
        module = ensure(args.prefix)
    except SoftHsmUnavailable as error:
        print(f"softhsm: {error}", file=sys.stderr)
        raise SystemExit(1) from None
    print(module)


if __name__ == "__main__":
    main()
