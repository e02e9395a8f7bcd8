"""A fixity check of a stored package: read once from the store and hashed as it streams
(the fast path: the whole package's SHA-256 against the one recorded at ingest); only a
package that does not match is read again file by file, to name what changed."""

from __future__ import annotations

import contextlib
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from lienthong.errors import DataLoss, NotFound

from .packaging import check_tar

if TYPE_CHECKING:
    from lienthong.files.service import ServiceFiles

    from .domain.files import FileRef


@dataclass(frozen=True)
class PackageFixity:
    outcome: str  # "intact" or "damaged"
    files_checked: int
    bytes_read: int
    damaged_files: tuple[str, ...]


def check_package(files: ServiceFiles, package: FileRef, package_files: int) -> PackageFixity:
    """The stored package as it is now, against the package stored at ingest."""
    try:
        read = files.rehash(package.object_name)
    except NotFound:
        return PackageFixity("damaged", 0, 0, ("(the whole package: not in the store)",))
    except DataLoss:
        read = None
    if read is not None and read.intact and read.size == package.size \
            and read.sha256 == package.sha256:
        return PackageFixity("intact", package_files, read.size, ())
    return _locate(files, package, read.size if read is not None else 0)


def _locate(files: ServiceFiles, package: FileRef, bytes_read: int) -> PackageFixity:
    """Which of the package's files changed: the package's own manifests say what each
    file's SHA-256 must be."""
    with tempfile.TemporaryDirectory(prefix="lienthong-fixity-") as folder:
        copy = Path(folder) / "package.tar"
        # What could be read is on the disk: its files are checked below.
        with contextlib.suppress(DataLoss):
            files.save_to(package.object_name, copy)
        if not copy.exists():
            return PackageFixity("damaged", 0, bytes_read, ("(the whole package)",))
        with copy.open("rb") as stream:
            report = check_tar(stream)
    damaged = tuple(f.path for f in report.files if f.status != "ok")
    if report.problem:
        damaged = (*damaged, f"(the package: {report.problem})")
    return PackageFixity("damaged", len(report.files), bytes_read + report.bytes_read,
                         damaged or ("(the package's own SHA-256)",))
