"""Archival packages: a record (hồ sơ) as an E-ARK CSIP 2.1 AIP inside a BagIt bag.

:func:`write_package` writes the bag from the record's description, its payload (whose
SHA-256 digests, computed on upload, are trusted and not recomputed) and its
preservation events; :func:`write_tar` / :func:`iter_tar` serialize it as the one
deterministic tar the archive stores; :func:`check_tar` re-reads a stored tar once and
reports the fixity of every file against the bag's own manifests.
"""

from __future__ import annotations

from lienthong.services.archive.packaging.checks import check_inputs
from lienthong.services.archive.packaging.fixity import FileCheck, FixityReport, check_tar
from lienthong.services.archive.packaging.model import (
    MAX_PAYLOAD_FILES,
    InvalidPackageInput,
    PackageEntry,
    PackageManifest,
    PayloadFile,
    PreservationEvent,
    RecordDescription,
)
from lienthong.services.archive.packaging.tarball import PackageChanged, iter_tar, write_tar
from lienthong.services.archive.packaging.writer import write_package

__all__ = [
    "MAX_PAYLOAD_FILES",
    "FileCheck",
    "FixityReport",
    "InvalidPackageInput",
    "PackageChanged",
    "PackageEntry",
    "PackageManifest",
    "PayloadFile",
    "PreservationEvent",
    "RecordDescription",
    "check_inputs",
    "check_tar",
    "iter_tar",
    "write_package",
    "write_tar",
]
