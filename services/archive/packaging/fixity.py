"""Fixity of a stored package: one pass over its tar, hashing every member.

:func:`check_tar` reads the stream once, in reads of ``chunk_size`` into one reused
buffer (memory stays bounded by it, whatever the package's size), feeding hashlib's
SHA-256 with views of that buffer; nothing is written to disk. It compares every file
with the bag's own ``manifest-sha256.txt`` (payload) and ``tagmanifest-sha256.txt``
(tag files), read from the same tar, and reports each file ok, damaged (expected and
actual digests), missing or unexpected. Bytes that are not a tar, a damaged header or a
stream that ends early make the package damaged, with ``problem`` saying why; errors of
the stream itself (``OSError``) are the caller's to handle.
"""

from __future__ import annotations

import hashlib
import tarfile
from dataclasses import dataclass
from typing import BinaryIO, Literal

from lienthong.services.archive.packaging import bags

CHUNK = 1 << 20
MAX_TAG_FILE = 64 << 20  # a tag file (manifest) is read whole; 10,000 files need ~2 MiB
MAX_PAX_HEADER = 1 << 20
Status = Literal["ok", "damaged", "missing", "unexpected"]
FILE_TYPES = (tarfile.REGTYPE, tarfile.AREGTYPE, tarfile.CONTTYPE)
SKIPPED_TYPES = (tarfile.DIRTYPE, tarfile.XGLTYPE, tarfile.GNUTYPE_LONGLINK)


@dataclass(frozen=True)
class FileCheck:
    path: str  # from the bag's root, e.g. "data/<package id>/METS.xml"
    status: Status
    expected: str | None  # the SHA-256 the bag lists
    actual: str | None  # the SHA-256 of the bytes read (None: absent or cut short)


@dataclass(frozen=True)
class FixityReport:
    package_id: str | None  # the tar's top folder
    files: tuple[FileCheck, ...]
    bytes_read: int
    problem: str | None = None  # why the tar could not be read whole, or the bag trusted

    @property
    def intact(self) -> bool:
        return self.problem is None and all(f.status == "ok" for f in self.files)

    @property
    def outcome(self) -> Literal["intact", "damaged"]:
        return "intact" if self.intact else "damaged"

    def having(self, status: Status) -> tuple[FileCheck, ...]:
        return tuple(f for f in self.files if f.status == status)


class _Stopped(Exception):
    """The tar cannot be read further; the message says why."""


class _Reader:
    def __init__(self, stream: BinaryIO, chunk_size: int) -> None:
        self.stream = stream
        self.view = memoryview(bytearray(chunk_size))
        self.chunk = chunk_size
        self.into = getattr(stream, "readinto", None)
        self.count = 0

    def fill(self, size: int) -> memoryview:
        """Up to ``size`` (<= chunk) bytes, fewer only at the stream's end."""
        got = 0
        while got < size:
            if self.into is not None:
                count = self.into(self.view[got:size])
            else:
                data = self.stream.read(size - got)
                count = len(data)
                self.view[got:got + count] = data
            if not count:
                break
            got += count
        self.count += got
        return self.view[:got]

    def exact(self, size: int, what: str) -> bytes:
        parts, remaining = [], size
        while remaining:
            piece = self.fill(min(remaining, self.chunk))
            if not piece:
                raise _Stopped(f"truncated: the stream ends inside {what}")
            parts.append(bytes(piece))
            remaining -= len(piece)
        return b"".join(parts)

    def digest(self, size: int, what: str) -> str:
        sha = hashlib.sha256()
        remaining = size
        while remaining:
            piece = self.fill(min(remaining, self.chunk))
            if not piece:
                raise _Stopped(f"truncated: the stream ends inside {what}")
            sha.update(piece)
            remaining -= len(piece)
        return sha.hexdigest()

    def skip(self, size: int, what: str) -> None:
        self.digest(size, what)


def _pax(data: bytes) -> dict[str, str]:
    records, position = {}, 0
    while position < len(data):
        length_text, _, rest = data[position:].partition(b" ")
        if not length_text.isdigit() or int(length_text) <= len(length_text) + 1:
            raise _Stopped("a damaged pax header")
        length = int(length_text)
        key, _, value = rest[:length - len(length_text) - 2].partition(b"=")
        records[key.decode("utf-8", "surrogateescape")] = value.decode("utf-8",
                                                                      "surrogateescape")
        position += length
    return records


def check_tar(stream: BinaryIO, *, chunk_size: int = CHUNK) -> FixityReport:
    """Read a package tar once and check every file against the bag's manifests."""
    reader = _Reader(stream, chunk_size)
    scan = _Scan()
    try:
        scan.run(reader)
        while piece := reader.fill(chunk_size).tobytes():  # the end blocks and padding
            if rest := piece.lstrip(b"\0"):
                at = reader.count - len(rest)
                raise _Stopped(f"data after the tar's end (at byte {at})")
    except _Stopped as stop:
        scan.problem = str(stop)
    if scan.top is None and scan.problem is None:
        scan.problem = "not a package: the tar holds no files"
    return _compare(scan, reader.count)


class _Scan:
    """What one pass over the tar found."""

    def __init__(self) -> None:
        self.digests: dict[str, str] = {}
        self.extra: list[str] = []
        self.tags: dict[str, bytes] = {}
        self.top: str | None = None
        self.problem: str | None = None
        self.cut: str | None = None  # the file the stream ended in

    def _header(self, reader: _Reader) -> tarfile.TarInfo | None:
        block = bytes(reader.fill(tarfile.BLOCKSIZE))
        if not block:
            if self.top is None:
                raise _Stopped("not a package: the stream is empty")
            raise _Stopped(f"truncated: the stream ends before the tar's end blocks "
                           f"({reader.count} bytes)")
        try:
            return tarfile.TarInfo.frombuf(block, "utf-8", "surrogateescape")
        except tarfile.EOFHeaderError:
            return None
        except tarfile.HeaderError as error:
            if len(block) < tarfile.BLOCKSIZE:
                raise _Stopped(f"truncated: the stream ends inside a header "
                               f"({reader.count} bytes)") from None
            where = "at its start" if self.top is None else f"at byte {reader.count - 512}"
            raise _Stopped(f"not a tar archive {where} ({error})") from None

    def run(self, reader: _Reader) -> None:
        pending: dict[str, str] = {}
        while (info := self._header(reader)) is not None:
            raw = pending.pop("size", info.size)
            size = int(raw) if str(raw).isdigit() else -1
            if size < 0:
                raise _Stopped(f"a damaged header (size {raw!r})")
            name = pending.pop("path", info.name)
            padded = size + (-size % tarfile.BLOCKSIZE)
            if info.type in (tarfile.XHDTYPE, tarfile.GNUTYPE_LONGNAME):
                if size > MAX_PAX_HEADER:
                    raise _Stopped(f"an extended header of {size} bytes is not a package's")
                data = reader.exact(padded, "an extended header")[:size]
                pending = (_pax(data) if info.type == tarfile.XHDTYPE else
                           {"path": data.rstrip(b"\0").decode("utf-8", "surrogateescape")})
                continue
            pending = {}
            self._member(reader, info, name.removeprefix("./").rstrip("/"), size, padded)

    def _member(self, reader: _Reader, info: tarfile.TarInfo, name: str, size: int,
                padded: int) -> None:
        first, _, inside = name.partition("/")
        self.top = first if self.top is None else self.top
        if info.type in SKIPPED_TYPES:
            reader.skip(padded, name)
            return
        if first != self.top or not inside or info.type not in FILE_TYPES \
                or inside in self.digests:
            self.extra.append(inside if first == self.top and inside else name)
            reader.skip(padded, name)
            return
        self.cut = inside
        if "/" not in inside:  # a tag file: kept to read the manifests
            if size > MAX_TAG_FILE:
                raise _Stopped(f"{inside} holds {size} bytes, too many for a tag file")
            self.tags[inside] = reader.exact(size, inside)
            self.digests[inside] = hashlib.sha256(self.tags[inside]).hexdigest()
        else:
            self.digests[inside] = reader.digest(size, inside)
        reader.skip(padded - size, inside)
        self.cut = None


def _compare(scan: _Scan, count: int) -> FixityReport:
    expected: dict[str, str] = {}
    problems = [scan.problem] if scan.problem else []
    for manifest in (bags.MANIFEST, bags.TAG_MANIFEST):
        if manifest not in scan.tags:
            if not scan.problem:
                problems.append(f"no {manifest}: not a BagIt package")
            continue
        listed, unreadable = bags.parse_manifest(scan.tags[manifest])
        problems += [f"{manifest}: {line}" for line in unreadable]
        expected.update(listed)
    files: list[FileCheck] = []
    for path, digest in expected.items():
        actual = scan.digests.get(path)
        if path == scan.cut:
            files.append(FileCheck(path, "damaged", digest, None))
        elif actual is None:
            files.append(FileCheck(path, "missing", digest, None))
        else:
            files.append(FileCheck(path, "ok" if actual == digest else "damaged", digest,
                                   actual))
    for path, actual in scan.digests.items():
        if path not in expected and path != scan.cut:
            status: Status = "ok" if path == bags.TAG_MANIFEST else "unexpected"
            files.append(FileCheck(path, status, None, actual))
    files += [FileCheck(path, "unexpected", None, None) for path in scan.extra]
    order = {status: rank for rank, status in enumerate(("damaged", "missing", "unexpected"))}
    files.sort(key=lambda f: (order.get(f.status, 3), f.path))
    return FixityReport(scan.top, tuple(files), count, "; ".join(problems) or None)
