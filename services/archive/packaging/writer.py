"""Write a record's archival package: an E-ARK CSIP AIP inside a BagIt bag.

The payload's SHA-256 digests and sizes were computed when the files arrived and are
taken as given: payload files are hard-linked (or, across file systems, copied by the
kernel) into place and never read here. Only the files the writer generates (METS, EAD,
PREMIS, the record's metadata and schema, the README, the bag's tag files) are hashed,
from the bytes as they are written. The bag is built in a hidden sibling folder and
renamed into place once complete, so ``directory`` never holds half a package.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import os
import shutil
import uuid
from typing import TYPE_CHECKING

from lienthong.services.archive.packaging import bags
from lienthong.services.archive.packaging.checks import check_inputs
from lienthong.services.archive.packaging.csip import (
    FileRef,
    Header,
    MetadataRef,
    build_representation_mets,
    build_root_mets,
)
from lienthong.services.archive.packaging.documentation import build_readme
from lienthong.services.archive.packaging.ead import build_ead
from lienthong.services.archive.packaging.model import (
    InvalidPackageInput,
    PackageEntry,
    PackageManifest,
)
from lienthong.services.archive.packaging.premis import (
    REPRESENTATION,
    build_package_premis,
    build_representation_premis,
)
from lienthong.services.archive.packaging.record import SCHEMA, SCHEMA_NAME, build_record

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Sequence
    from pathlib import Path

    from lienthong.services.archive.packaging.model import (
        PayloadFile,
        PreservationEvent,
        RecordDescription,
    )

XML = "application/xml"
TAG_FILES = (bags.BAGIT_TXT, bags.BAG_INFO_TXT, bags.MANIFEST, bags.TAG_MANIFEST)


def default_version() -> str:
    """The installed platform's version, for the METS creator agent's note."""
    try:
        return importlib.metadata.version("lienthong")
    except importlib.metadata.PackageNotFoundError:
        return "0"


class _Bag:
    """Files written under the bag's root, each with its size and SHA-256."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.files: dict[str, PackageEntry] = {}

    def put(self, path: str, data: bytes) -> PackageEntry:
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("xb") as out:
            out.write(data)
        entry = PackageEntry(path, len(data), hashlib.sha256(data).hexdigest())
        self.files[path] = entry
        return entry

    def place(self, path: str, item: PayloadFile, *, link: bool) -> None:
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        linked = False
        if link:
            with contextlib.suppress(OSError):
                os.link(item.source, target)
                linked = True
        if not linked:
            shutil.copyfile(item.source, target)
        self.files[path] = PackageEntry(path, item.size, item.sha256.lower())


def _ref(entry: PackageEntry, base: str, mime_type: str, created: dt.datetime) -> FileRef:
    return FileRef(entry.path.removeprefix(f"{base}/"), entry.size, entry.sha256, mime_type,
                   created)


def _check_sources(payload: Sequence[PayloadFile]) -> None:
    violations = []
    for index, item in enumerate(payload):
        try:
            status = os.stat(item.source)
        except OSError as error:
            violations.append((f"payload[{index}].source", f"cannot be read ({error.strerror})"))
            continue
        if not os.path.isfile(item.source):
            violations.append((f"payload[{index}].source", "must be a regular file"))
        elif status.st_size != item.size:
            violations.append((f"payload[{index}].size",
                               f"must match the source, which holds {status.st_size} bytes"))
    if violations:
        raise InvalidPackageInput(violations)


def write_package(directory: Path, *, package_id: str, record: RecordDescription,
                  payload: Sequence[PayloadFile], events: Sequence[PreservationEvent],
                  created: dt.datetime, creator: str, creator_version: str | None = None,
                  link: bool = True) -> PackageManifest:
    """Write the package's bag at ``directory`` (absent or empty) and list its files.

    Raises :class:`InvalidPackageInput` before writing anything if an input breaks a
    rule or a payload source is missing or of another size than declared.
    """
    version = default_version() if creator_version is None else creator_version
    check_inputs(package_id=package_id, record=record, payload=payload, events=events,
                 created=created, creator=creator, creator_version=version)
    _check_sources(payload)
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise FileExistsError(f"{directory} exists and is not an empty folder")
    partial = directory.parent / f".{directory.name}.partial-{uuid.uuid4().hex}"
    partial.mkdir(parents=True)
    try:
        bag = _Bag(partial)
        _write_contents(bag, package_id=package_id, record=record, payload=payload,
                        events=events, created=created, creator=creator, version=version,
                        link=link)
        entries = _write_tag_files(bag, package_id=package_id, record=record,
                                   created=created, creator=creator, version=version)
        partial.replace(directory)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return PackageManifest(directory, package_id, created, entries)


def _write_contents(bag: _Bag, *, package_id: str, record: RecordDescription,
                    payload: Sequence[PayloadFile], events: Sequence[PreservationEvent],
                    created: dt.datetime, creator: str, version: str, link: bool) -> None:
    ip = f"{bags.PAYLOAD_DIR}/{package_id}"
    rep = f"{ip}/representations/{REPRESENTATION}"
    data_refs = []
    for item in payload:
        bag.place(f"{rep}/data/{item.name}", item, link=link)
        data_refs.append(FileRef(f"data/{item.name}", item.size, item.sha256, item.mime_type,
                                 item.created))
    rep_premis = bag.put(f"{rep}/metadata/preservation/premis.xml",
                         build_representation_premis(package_id=package_id, payload=payload,
                                                     events=events))
    header = Header(REPRESENTATION, record.title, created, creator, version,
                    record.agency_name, record.agency_code)
    rep_mets = bag.put(f"{rep}/METS.xml", build_representation_mets(
        header, preservation=[MetadataRef(_ref(rep_premis, rep, XML, created), "PREMIS")],
        data=data_refs))

    ead = bag.put(f"{ip}/metadata/descriptive/ead.xml",
                  build_ead(record, created=created, creator=f"{creator} {version}"))
    native = bag.put(f"{ip}/metadata/other/hoso.xml", build_record(record))
    premis = bag.put(f"{ip}/metadata/preservation/premis.xml", build_package_premis(
        package_id=package_id, record=record, payload=payload, events=events,
        creator=creator, creator_version=version))
    schema = bag.put(f"{ip}/schemas/{SCHEMA_NAME}", SCHEMA)
    readme = bag.put(f"{ip}/documentation/README.txt", build_readme(
        package_id=package_id, record=record, payload=payload, created=created))
    representation_files = [
        _ref(rep_mets, ip, XML, created), _ref(rep_premis, ip, XML, created),
        *(FileRef(f"representations/{REPRESENTATION}/{ref.href}", ref.size, ref.sha256,
                  ref.mime_type, ref.created) for ref in data_refs)]
    bag.put(f"{ip}/METS.xml", build_root_mets(
        Header(package_id, record.title, created, creator, version, record.agency_name,
               record.agency_code),
        descriptive=[MetadataRef(_ref(ead, ip, XML, created), "EAD", version="3"),
                     MetadataRef(_ref(native, ip, XML, created), "OTHER",
                                 other="LIENTHONG-HOSO")],
        preservation=[MetadataRef(_ref(premis, ip, XML, created), "PREMIS",
                                  version="3.0")],
        documentation=[_ref(readme, ip, "text/plain", created)],
        schemas=[_ref(schema, ip, XML, created)],
        representation=REPRESENTATION, representation_files=representation_files))


def _write_tag_files(bag: _Bag, *, package_id: str, record: RecordDescription,
                     created: dt.datetime, creator: str,
                     version: str) -> tuple[PackageEntry, ...]:
    payload = sorted(bag.files.values(), key=lambda entry: entry.path)
    info = [("Source-Organization", record.agency_name),
            ("External-Identifier", package_id),
            ("External-Description", record.title),
            ("Internal-Sender-Identifier", record.file_code),
            ("Bag-Group-Identifier", record.fonds_code),
            ("Bagging-Date", created.date().isoformat()),
            ("Bag-Software-Agent", f"{creator} {version}"),
            ("Payload-Oxum", bags.payload_oxum(entry.size for entry in payload))]
    tags = [bag.put(bags.BAGIT_TXT, bags.BAGIT_DECLARATION),
            bag.put(bags.BAG_INFO_TXT, bags.bag_info(info)),
            bag.put(bags.MANIFEST, bags.manifest((e.path, e.sha256) for e in payload))]
    tags.append(bag.put(bags.TAG_MANIFEST, bags.manifest((e.path, e.sha256) for e in tags)))
    return (*tags, *payload)
