"""The archive's worker: what waits is done, round after round, in a worker thread.

Each round, in order:

1. records whose pages all passed are made into a two-layer PDF/A (OCR in Vietnamese);
2. born-digital records get their file: an issued document's sealed PDF fetched from the
   documents service, a returned dossier's summary written here;
3. sealed records are packaged (E-ARK CSIP in a BagIt bag, one tar) and stored;
4. custody transfers are reconciled (every package of the fonds read again and hashed)
   and their transfer package stored, to be signed by the successor's seal;
5. packages whose fixity check is due are checked.

Every result is recorded under a request id derived from what it is for: a round that
stops half-way (the process killed) is done again by the next, and what was recorded
is not recorded twice, whichever replica's worker gets there first. A step that fails
is logged and tried again next round; it does not hold up the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import datetime as dt
import hashlib
import io
import logging
import os
import tarfile
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import structlog

from lienthong.errors import LienthongError, NotFound

from .application import unique_name
from .domain.files import stored_ref
from .domain.sources import DocumentSeen, DossierSeen
from .metrics import damaged_packages
from .ocr import OcrError, OcrRefused, OcrSettings, pages_to_searchable_pdfa, prepare
from .packaging import bags, write_package, write_tar
from .preservation import CREATOR, description_of, payload_of, preservation_events
from .summaries import dossier_summary

if TYPE_CHECKING:
    from .application import ArchiveApplication

log = structlog.get_logger("lienthong.archive.work")
# OCRmyPDF's font subsetting tells every glyph it keeps at INFO.
logging.getLogger("fontTools").setLevel(logging.WARNING)

INTERVAL_ENV = "LIENTHONG_ARCHIVE_WORK_INTERVAL_S"
CADENCE_ENV = "LIENTHONG_ARCHIVE_FIXITY_DAYS"
#: Records (or transfers) taken per step per round, so a round ends and begins again.
PER_ROUND = 20


@dataclass(frozen=True)
class WorkSettings:
    interval_s: float = 5.0
    cadence: dt.timedelta = dt.timedelta(days=90)
    ocr: OcrSettings = field(default_factory=OcrSettings)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> WorkSettings:
        """``LIENTHONG_ARCHIVE_WORK_INTERVAL_S`` (seconds between rounds, default 5) and
        ``LIENTHONG_ARCHIVE_FIXITY_DAYS`` (the fixity cadence, default 90 days)."""
        env = os.environ if environ is None else environ
        try:
            interval = float(env.get(INTERVAL_ENV) or 5.0)
            days = float(env.get(CADENCE_ENV) or 90.0)
        except ValueError as error:
            msg = f"{INTERVAL_ENV} and {CADENCE_ENV} are numbers: {error}"
            raise ValueError(msg) from None
        if not 0.05 <= interval <= 3600 or not 0 < days <= 3650:
            msg = (f"{INTERVAL_ENV} must be 0.05 to 3600 seconds and {CADENCE_ENV} more than "
                   "0 and at most 3650 days")
            raise ValueError(msg)
        return cls(interval_s=interval, cadence=dt.timedelta(days=days),
                   ocr=OcrSettings.from_env(env))


class ArchiveWorker:
    """A background runner of the service's process (see :mod:`lienthong.service`)."""

    name = "archive-worker"

    def __init__(self, app: ArchiveApplication, settings: WorkSettings | None = None) -> None:
        self.app = app
        self.settings = settings or WorkSettings()

    async def run(self, stop: asyncio.Event) -> None:
        try:
            # Before any OCR runs: tesseract found, checked and put on PATH once.
            prepare(self.settings.ocr)
        except OcrError as error:
            log.warning("ocr_unavailable", error=str(error))
        while not stop.is_set():
            try:
                await asyncio.to_thread(self.round)
            except Exception:  # a round never ends the worker
                log.exception("archive_round_failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.settings.interval_s)

    def round(self) -> dict[str, int]:
        """One round of every step; how many of each were done."""
        books = self.app.books
        books.refresh()
        done = {
            "copies": self._each(books.in_state("digitizing"), self.make_copy),
            "files": self._each(books.in_state("catalogued", origin="document")
                                + books.in_state("catalogued", origin="dossier"),
                                self.keep_born_digital),
            "packages": self._each(books.in_state("sealed"), self.ingest),
            "transfers": self._each(books.transfers_in("prepared"), self.reconcile),
        }
        read = 0

        def check_fixity(record_id: uuid.UUID) -> None:
            nonlocal read
            read += self.app.check_fixity(record_id)["bytes_read"]

        started = time.perf_counter()
        done["fixity"] = self._each(books.fixity_due(self.app.clock(), self.settings.cadence),
                                    check_fixity)
        damaged_packages(self.app.fixity_status())
        if any(done.values()):
            log.info("archive_round", **done)
        if done["fixity"]:
            seconds = max(time.perf_counter() - started, 1e-9)
            log.info("fixity_checked", packages=done["fixity"], bytes=read,
                     gb_per_s=round(read / 1e9 / seconds, 3))
        return done

    @staticmethod
    def _each(ids: list[uuid.UUID], step: Any) -> int:
        done = 0
        for key in ids[:PER_ROUND]:
            try:
                step(key)
                done += 1
            except LienthongError as error:
                log.warning("archive_step_failed", step=step.__name__, id=str(key),
                            error=str(error), reason=error.reason)
            except Exception:  # any other failure of one step holds up no other
                log.exception("archive_step_failed", step=step.__name__, id=str(key))
        return done

    # -- steps -----------------------------------------------------------------------

    def make_copy(self, record_id: uuid.UUID) -> None:
        """The record's accepted pages, in order, OCR'd into a two-layer PDF/A and kept.
        Pages OCR cannot read send the record back to capture, with the reason."""
        app = self.app
        record = app.record(record_id)
        assert app.files is not None
        with tempfile.TemporaryDirectory(prefix="lienthong-ocr-") as folder:
            pages = []
            for number, page in enumerate(record.pages, 1):
                path = Path(folder) / f"page-{number:05d}{Path(page.name).suffix.lower()}"
                app.files.save_to(page.object_name, path, sha256=page.sha256)
                pages.append(path)
            output = Path(folder) / "copy.pdf"
            try:
                made = pages_to_searchable_pdfa(
                    pages, output, title=record.description["title"],
                    author=record.agency_code, settings=self.settings.ocr)
            except OcrRefused as refused:
                app.record_digitization_failed(record.id, record.version, str(refused))
                return
            stored = app.files.keep_path(unique_name(f"copy-{record.id}", ".pdf"),
                                         "application/pdf", output)
        app.record_copy(record.id, stored_ref(stored), made.pages, made.text_characters,
                        made.pdfa_conformance, made.ocr_engine)

    def keep_born_digital(self, record_id: uuid.UUID) -> None:
        """An issued document's sealed PDF, or a returned dossier's summary, kept."""
        app = self.app
        record = app.record(record_id)
        assert app.files is not None
        source = app.get_or_none(uuid.UUID(record.source_id))
        with tempfile.TemporaryDirectory(prefix="lienthong-fetch-") as folder:
            if isinstance(source, DocumentSeen):
                file = source.issued_file
                if app.documents is None:
                    return
                path = Path(folder) / "document.pdf"
                app.documents.download_to(file["object_name"], path, size=file["size"],
                                          sha256=file["sha256"])
                stored = app.files.keep_path(unique_name(f"document-{record.id}", ".pdf"),
                                             file["content_type"], path)
            elif isinstance(source, DossierSeen):
                path = Path(folder) / "dossier.xml"
                path.write_bytes(dossier_summary(record, source))
                stored = app.files.keep_path(unique_name(f"dossier-{record.id}", ".xml"),
                                             "application/xml", path)
            else:
                return
        app.record_file(record.id, stored_ref(stored))

    def ingest(self, record_id: uuid.UUID) -> None:
        """The sealed record's archival package written, stored as one tar, recorded."""
        app = self.app
        record = app.record(record_id)
        assert app.files is not None and record.kept_copy is not None
        fonds = app.fonds(record.fonds_id)
        unit = app.known_unit(record.unit_id)
        package_id = f"aip-{record.file_code}"
        history = app.history(record.id)
        created = history[-1].timestamp
        with tempfile.TemporaryDirectory(prefix="lienthong-aip-") as folder:
            kept = Path(folder) / "payload"
            app.files.save_to(record.kept_copy.object_name, kept, sha256=record.kept_copy.sha256)
            written = write_package(
                Path(folder) / package_id, package_id=package_id,
                record=description_of(record, agency_name=unit.display_name,
                                      fonds_code=fonds.agency_code, fonds_name=fonds.name),
                payload=[payload_of(record, kept)], events=preservation_events(history),
                created=created, creator=CREATOR)
            tar = Path(folder) / f"{package_id}.tar"
            with tar.open("wb") as out:
                write_tar(written, out)
            stored = app.files.keep_path(unique_name(package_id, ".tar"), "application/x-tar",
                                         tar)
        app.record_ingest(record.id, package_id, stored_ref(stored), len(written.entries))

    def reconcile(self, transfer_id: uuid.UUID) -> None:
        """Every record the transfer listed, looked up and its package hashed again: the
        receiving side's count and hashes beside the listing's, kept as the transfer
        package (a BagIt bag, one tar) for the successor's seal."""
        app = self.app
        assert app.files is not None
        transfer = app.transfer(transfer_id)
        lines = []
        for listed in transfer.listed:
            record = app.get_or_none(uuid.UUID(listed["record_id"]))
            received, expected = "", listed["source_sha256"]
            if record is not None and record.package is not None:
                # Packaged after the listing: its package as ingest recorded it.
                expected = expected or record.package.sha256
                try:
                    read = app.files.rehash(record.package.object_name)
                except NotFound:
                    read = None  # gone from the store: received nothing
                received = read.sha256 if read is not None and read.intact else ""
            lines.append({**listed, "received_sha256": received,
                          "matches": record is not None and expected == received})
        with tempfile.TemporaryDirectory(prefix="lienthong-transfer-") as folder:
            tar = transfer_package(Path(folder), transfer, lines)
            stored = app.files.keep_path(unique_name(f"transfer-{transfer.id}", ".tar"),
                                         "application/x-tar", tar)
        app.record_reconciled(transfer.id, lines, stored_ref(stored))


def transfer_package(folder: Path, transfer: Any, lines: list[dict[str, Any]]) -> Path:
    """The reconciliation report (CSV, one line per record) in a BagIt bag (written with
    :mod:`.packaging.bags`, the report hashed as it is written), as one tar (members in
    name order, times fixed to the transfer's preparation)."""
    report = io.StringIO()
    writer = csv.writer(report, lineterminator="\n")
    writer.writerow(["record_id", "file_code", "source_sha256", "received_sha256",
                     "matches"])
    for one in lines:
        writer.writerow([one["record_id"], one["file_code"], one["source_sha256"],
                         one["received_sha256"], "yes" if one["matches"] else "no"])
    data = report.getvalue().encode("utf-8")
    payload = f"{bags.PAYLOAD_DIR}/reconciliation.csv"
    tags = {
        bags.BAGIT_TXT: bags.BAGIT_DECLARATION,
        bags.BAG_INFO_TXT: bags.bag_info([
            ("Source-Organization", str(transfer.from_unit_id)),
            ("External-Identifier", str(transfer.id)),
            ("Internal-Sender-Description",
             f"custody transfer ({transfer.cause}) of fonds {transfer.fonds_id} to "
             f"{transfer.to_unit_id}"),
            ("Bag-Count", "1 of 1"),
            ("Records-Listed", str(len(lines))),
            ("Records-Matching", str(sum(1 for one in lines if one["matches"]))),
            ("Bagging-Date", transfer.created_on.date().isoformat()),
            ("Payload-Oxum", bags.payload_oxum([len(data)]))]),
        bags.MANIFEST: bags.manifest([(payload, hashlib.sha256(data).hexdigest())]),
    }
    tags[bags.TAG_MANIFEST] = bags.manifest(
        (name, hashlib.sha256(content).hexdigest()) for name, content in tags.items())
    top = f"transfer-{transfer.id}"
    tar = folder / f"{top}.tar"
    stamp = int(transfer.created_on.timestamp())
    with tarfile.open(tar, "w", format=tarfile.PAX_FORMAT) as out:
        for name, content in sorted([*tags.items(), (payload, data)]):
            info = tarfile.TarInfo(f"{top}/{name}")
            info.size, info.mtime, info.mode = len(content), stamp, 0o644
            out.addfile(info, io.BytesIO(content))
    return tar
