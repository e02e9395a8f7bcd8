"""A record (hồ sơ) of an agency's fonds, from its cataloguing to its archival package.

Its life (docs/archive.md draws it)::

    paper:        catalogued --every page passed--> digitizing --OCR, PDF/A--> digitized
                      ^                                |                          |
                      +------- OCR could not read it --+                          |
                                                                    the agency's seal
                                                                                  v
    born digital: catalogued --its file kept-------------------------------> sealed
                                                                                  |
                                                              package made and stored
                                                                                  v
                                                                              preserved
                                                          (fixity checked on its cadence)

Its FileCode (mã hồ sơ, Decree 30/2020 Annex VI) is the agency code, the year and the
notation, joined by dots. A command from a state that does not allow it is refused with
ILLEGAL_TRANSITION naming the command and the state.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from eventsourcing.domain import event

from lienthong.errors import FailedPrecondition
from lienthong.eventstore import AuditedAggregate

from .files import FileRef

if TYPE_CHECKING:
    import datetime as dt
    from uuid import UUID

STATES = ("catalogued", "digitizing", "digitized", "sealed", "preserved")
ORIGINS = ("paper", "dossier", "document")
ALLOWED_FROM: dict[str, frozenset[str]] = {
    "digitize": frozenset({"catalogued"}),
    "make_copy": frozenset({"digitizing"}),
    "fail_digitization": frozenset({"digitizing"}),
    "seal": frozenset({"digitized"}),
    "keep_file": frozenset({"catalogued"}),
    "ingest": frozenset({"sealed"}),
    "check_fixity": frozenset({"preserved"}),
}


class IllegalTransitionError(FailedPrecondition):
    reason = "ILLEGAL_TRANSITION"


def file_code(agency_code: str, year: int, notation: str) -> str:
    """Mã hồ sơ: ``<agency code>.<year>.<notation>``."""
    return f"{agency_code}.{year}.{notation}"


class ArchivalRecord(AuditedAggregate):
    """A record of a fonds: described once, then digitized or received, sealed,
    packaged and kept."""

    @event("Catalogued")
    def __init__(self, id: UUID, fonds_id: UUID, unit_id: UUID,  # noqa: A002
                 agency_code: str, file_code: str,
                 description: dict[str, Any], origin: str, source_id: str) -> None:
        self.fonds_id = fonds_id
        self.unit_id = unit_id
        self.agency_code = agency_code
        self.file_code = file_code
        self.description = description
        self.origin = origin
        self.source_id = source_id
        self.state = "catalogued"
        self.pages: list[FileRef] = []
        self.page_ids: list[str] = []
        self.digitized_copy: FileRef | None = None
        self.ocr: dict[str, Any] = {}
        self.sealed_copy: FileRef | None = None
        self.seal: dict[str, Any] = {}
        self.package_id = ""
        self.package: FileRef | None = None
        self.package_files = 0
        self.fixity_checks: list[dict[str, Any]] = []

    # -- state -----------------------------------------------------------------------

    @property
    def page_count(self) -> int:
        return int(self.description.get("page_count", 0))

    @property
    def kept_copy(self) -> FileRef | None:
        """What the package carries: the sealed copy (or a born-digital record's file)."""
        return self.sealed_copy

    @property
    def last_fixity(self) -> dict[str, Any] | None:
        return self.fixity_checks[-1] if self.fixity_checks else None

    def require(self, command: str) -> None:
        """Refused (ILLEGAL_TRANSITION) unless the record's state allows ``command``."""
        if self.state not in ALLOWED_FROM[command]:
            msg = f"cannot {command.replace('_', ' ')} a record that is {self.state}"
            raise IllegalTransitionError(msg, metadata={
                "record_id": str(self.id), "state": self.state, "command": command})

    # -- digitization ----------------------------------------------------------------

    def request_digitization(self, page_ids: list[str], pages: list[dict[str, Any]]) -> None:
        self.require("digitize")
        self._digitization_requested(page_ids, pages)

    @event("DigitizationRequested")
    def _digitization_requested(self, page_ids: list[str],
                                pages: list[dict[str, Any]]) -> None:
        self.state = "digitizing"
        self.page_ids = list(page_ids)
        self.pages = [FileRef.of(page) for page in pages]

    def make_copy(self, copy: dict[str, Any], pages: int, text_characters: int,
                  pdfa_conformance: str, ocr_engine: str) -> None:
        self.require("make_copy")
        self._copy_made(copy, pages, text_characters, pdfa_conformance, ocr_engine)

    @event("CopyMade")
    def _copy_made(self, copy: dict[str, Any], pages: int, text_characters: int,
                   pdfa_conformance: str, ocr_engine: str) -> None:
        self.state = "digitized"
        self.digitized_copy = FileRef.of(copy)
        self.ocr = {"pages": pages, "text_characters": text_characters,
                    "pdfa_conformance": pdfa_conformance, "ocr_engine": ocr_engine}

    def fail_digitization(self, reason: str) -> None:
        """The pages could not be made into a copy (a page OCR cannot read): the record
        takes pages again, and the reason is told."""
        self.require("fail_digitization")
        self._digitization_failed(reason)

    @event("DigitizationFailed")
    def _digitization_failed(self, reason: str) -> None:
        self.state = "catalogued"
        self.pages = []
        self.page_ids = []

    def seal_copy(self, sealed_copy: dict[str, Any], agency_code: str,
                  certificate_serial: str, signed_at: dt.datetime) -> None:
        self.require("seal")
        self._sealed(sealed_copy, agency_code, certificate_serial, signed_at)

    @event("CopySealed")
    def _sealed(self, sealed_copy: dict[str, Any], agency_code: str,
                certificate_serial: str, signed_at: dt.datetime) -> None:
        self.state = "sealed"
        self.sealed_copy = FileRef.of(sealed_copy)
        self.seal = {"agency_code": agency_code, "certificate_serial": certificate_serial,
                     "signed_at": signed_at}

    def keep_file(self, file: dict[str, Any]) -> None:
        """A born-digital record's file (already sealed by its agency, or a summary the
        archive wrote), kept in the archive's store."""
        self.require("keep_file")
        if self.origin == "paper":
            msg = "a paper record is digitized, not given a file"
            raise IllegalTransitionError(msg, metadata={"record_id": str(self.id),
                                                        "state": self.state,
                                                        "command": "keep_file"})
        self._file_kept(file)

    @event("FileKept")
    def _file_kept(self, file: dict[str, Any]) -> None:
        self.state = "sealed"
        self.sealed_copy = FileRef.of(file)

    # -- preservation ----------------------------------------------------------------

    def ingest(self, package_id: str, package: dict[str, Any], files: int) -> None:
        self.require("ingest")
        self._ingested(package_id, package, files)

    @event("PackageIngested")
    def _ingested(self, package_id: str, package: dict[str, Any], files: int) -> None:
        self.state = "preserved"
        self.package_id = package_id
        self.package = FileRef.of(package)
        self.package_files = files

    def record_fixity(self, outcome: str, files_checked: int, bytes_read: int,
                      damaged_files: list[str], checked_at: dt.datetime) -> None:
        """A fixity check of the package: recorded whatever its outcome; a damaged
        package is also told as damage found (the alert)."""
        self.require("check_fixity")
        self._fixity_checked(self.package_id, outcome, files_checked, bytes_read,
                             damaged_files, checked_at)
        if outcome != "intact":
            self._damage_found(self.package_id, damaged_files, checked_at)

    @event("FixityChecked")
    def _fixity_checked(self, package_id: str, outcome: str, files_checked: int,
                        bytes_read: int, damaged_files: list[str],
                        checked_at: dt.datetime) -> None:
        self.fixity_checks = [*self.fixity_checks, {
            "outcome": outcome, "files_checked": files_checked, "bytes_read": bytes_read,
            "damaged_files": list(damaged_files), "checked_at": checked_at}]

    @event("DamageFound")
    def _damage_found(self, package_id: str, damaged_files: list[str],
                      checked_at: dt.datetime) -> None:
        pass
