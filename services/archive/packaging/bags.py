"""BagIt 1.0 (RFC 8493) tag files: written from digests already known, and read back.

``bagit.make_bag`` and ``Bag.save`` hash every payload file (and ``save`` changes the
process's working directory); a package's payload digests were computed when the files
arrived, so the manifests are written from them here. ``bagit.Bag(path).validate()``
reads what these functions write.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

BAGIT_TXT = "bagit.txt"
BAG_INFO_TXT = "bag-info.txt"
MANIFEST = "manifest-sha256.txt"
TAG_MANIFEST = "tagmanifest-sha256.txt"
PAYLOAD_DIR = "data"
BAGIT_DECLARATION = b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"
_LINE = re.compile(r"([0-9a-fA-F]{64})[ \t]+\*?(.+)")
_ESCAPES = {"%0D": "\r", "%0A": "\n", "%25": "%"}


def encode_path(path: str) -> str:
    """A manifest's file path: percent, CR and LF percent-encoded (RFC 8493, 2.1.3)."""
    return path.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def decode_path(text: str) -> str:
    return re.sub(r"%(0[dDaA]|25)", lambda m: _ESCAPES[m.group(0).upper()], text)


def manifest(entries: Iterable[tuple[str, str]]) -> bytes:
    """Manifest lines ``<sha256>  <path>`` (paths from the bag's root), in the given order."""
    return "".join(f"{digest.lower()}  {encode_path(path)}\n"
                   for path, digest in entries).encode("utf-8")


def parse_manifest(data: bytes) -> tuple[dict[str, str], list[str]]:
    """The paths and digests a SHA-256 manifest lists, and the lines it could not read."""
    entries: dict[str, str] = {}
    problems: list[str] = []
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return entries, ["is not UTF-8"]
    for number, line in enumerate(text.removeprefix("\ufeff").splitlines(), 1):
        if not line.strip():
            continue
        match = _LINE.fullmatch(line.strip())
        if match is None:
            problems.append(f"line {number} is not '<sha256> <path>'")
            continue
        path = decode_path(match.group(2))
        if path in entries and entries[path] != match.group(1).lower():
            problems.append(f"line {number} lists {path} again with another digest")
        entries[path] = match.group(1).lower()
    return entries, problems


def bag_info(fields: Sequence[tuple[str, str]]) -> bytes:
    """``bag-info.txt``: one ``Label: value`` line each, line breaks in values removed."""
    lines = []
    for label, value in fields:
        flat = " ".join(str(value).split())
        lines.append(f"{label}: {flat}\n")
    return "".join(lines).encode("utf-8")


def payload_oxum(sizes: Iterable[int]) -> str:
    """``Payload-Oxum``: the payload's total bytes and file count, ``<bytes>.<files>``."""
    total = count = 0
    for size in sizes:
        total += size
        count += 1
    return f"{total}.{count}"
