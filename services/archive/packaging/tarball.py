"""A package's bag as one uncompressed POSIX (pax) tar: the object the archive stores.

Members come in the order of :attr:`PackageManifest.entries` (tag files first, then the
payload by path), each preceded by the folders not yet written; every member is dated
the package's creation time, owned by uid/gid 0 without names, files 0644 and folders
0755, so the same package always gives the same bytes. Names are UTF-8 (pax headers
carry the ones ustar cannot). The tar's single top folder is the package id.
"""

from __future__ import annotations

import os
import tarfile
from typing import TYPE_CHECKING, BinaryIO

if TYPE_CHECKING:
    from collections.abc import Iterator

    from lienthong.services.archive.packaging.model import PackageManifest

BLOCK = tarfile.BLOCKSIZE
RECORD = tarfile.RECORDSIZE
CHUNK = 1 << 20


class PackageChanged(RuntimeError):
    """A file of the package folder no longer has the size its manifest lists."""


def _header(name: str, *, size: int, mtime: int, folder: bool) -> bytes:
    info = tarfile.TarInfo(name + ("/" if folder else ""))
    info.type = tarfile.DIRTYPE if folder else tarfile.REGTYPE
    info.size = 0 if folder else size
    info.mode = 0o755 if folder else 0o644
    info.mtime = mtime
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info.tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape")


def _pieces(package: PackageManifest, chunk_size: int) -> Iterator[bytes | memoryview]:
    """The tar's bytes; a memoryview is valid only until the next piece is asked for."""
    top = package.package_id
    mtime = int(package.created.timestamp())
    buffer = memoryview(bytearray(chunk_size))
    folders: set[str] = set()
    written = 0
    for entry in package.entries:
        parts = entry.path.split("/")
        for depth in range(len(parts)):
            folder = "/".join([top, *parts[:depth]])
            if folder not in folders:
                folders.add(folder)
                header = _header(folder, size=0, mtime=mtime, folder=True)
                written += len(header)
                yield header
        header = _header(f"{top}/{entry.path}", size=entry.size, mtime=mtime, folder=False)
        written += len(header)
        yield header
        with open(package.directory / entry.path, "rb", buffering=0) as source:
            if os.fstat(source.fileno()).st_size != entry.size:
                msg = f"{entry.path} no longer holds the {entry.size} bytes it was written with"
                raise PackageChanged(msg)
            remaining = entry.size
            while remaining:
                count = source.readinto(buffer[:min(remaining, chunk_size)])
                if not count:
                    raise PackageChanged(f"{entry.path} ended {remaining} bytes early")
                remaining -= count
                written += count
                yield buffer[:count]
        padding = -entry.size % BLOCK
        written += padding
        yield bytes(padding)
    end = 2 * BLOCK
    end += -(written + end) % RECORD
    yield bytes(end)


def iter_tar(package: PackageManifest, *, chunk_size: int = CHUNK) -> Iterator[bytes]:
    """The tar as byte strings of at most ``chunk_size`` (headers and padding apart)."""
    for piece in _pieces(package, chunk_size):
        yield bytes(piece)


def write_tar(package: PackageManifest, out: BinaryIO, *, chunk_size: int = CHUNK) -> int:
    """Write the tar to ``out``; returns the number of bytes written."""
    total = 0
    for piece in _pieces(package, chunk_size):
        out.write(piece)
        total += len(piece)
    return total
