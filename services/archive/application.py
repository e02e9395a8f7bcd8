"""The archive application: fonds and records, digitization at capture, the agency's
seal on digitized copies, custody transfers; and the steps its worker runs
(:mod:`.work`) record their results through it.

Each command loads what it needs, calls the aggregates, and saves them with its request
record in one transaction. The heavy work (reading images, OCR, packaging, hashing) is
done before the transaction, never inside it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING, Any

from lienthong.errors import AlreadyExists, FailedPrecondition, InvalidArgument, NotFound
from lienthong.events.consumer import TrackingApplication
from lienthong.eventstore import derived_id
from lienthong.idempotency import Command, IdempotentApplication
from lienthong.validation import PageRequest, Violations, parse_uuid
from lienthong.vietnam import VIETNAM_TIME

from .catalogue import DescriptionInput, checked_description
from .domain.capture import PAGE_KINDS, DigitizationBatch, ScannedPage
from .domain.custody import CustodyTransfer, line
from .domain.files import stored_ref
from .domain.fonds import Fonds, fonds_id
from .domain.records import ArchivalRecord, file_code
from .domain.units import KnownUnit
from .projections import ArchiveBooks, UnitProgress
from .seal import MAX_SEALED_BYTES

if TYPE_CHECKING:
    from collections.abc import Callable

    from lienthong.files.service import ServiceFiles

    from .fetch import DocumentFiles
    from .ports import PageInspector
    from .projections import RecordRow
    from .seal import AgencySeal

MAX_LABEL = 300
MAX_NAME = 255
#: The largest page image read at capture.
MAX_PAGE_BYTES = 64 * 1024 * 1024
#: How often a package's fixity is checked by default.
DEFAULT_FIXITY_CADENCE = dt.timedelta(days=90)
#: The share of paper records to be digitized by each date (the government's plan:
#: more than 90% by the end of 2025, all of it by the end of 2026).
DIGITIZATION_TARGETS: tuple[tuple[dt.date, float], ...] = (
    (dt.date(2025, 12, 31), 0.9), (dt.date(2026, 12, 31), 1.0))


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def record_id_of(file_code: str) -> uuid.UUID:
    """A catalogued record's id, derived from its FileCode: two replicas cataloguing the
    same code at once cannot both save it."""
    return derived_id("archive-record", "file-code", file_code)


def unique_name(stem: str, suffix: str) -> str:
    """A stored file's name of its own: what one attempt made (a seal, a copy, a
    package) never takes the name of another attempt's file, which may differ."""
    return f"{stem}-{uuid.uuid4().hex[:12]}{suffix}"


class ArchiveApplication(TrackingApplication, IdempotentApplication, service="archive"):
    """Fonds, records, digitization, preservation and custody."""

    def __init__(self, event_store: str = "memory:", *,
                 files: ServiceFiles | None = None, inspector: PageInspector | None = None,
                 seal: AgencySeal | None = None, documents: DocumentFiles | None = None,
                 clock: Callable[[], dt.datetime] = utc_now,
                 fixity_cadence: dt.timedelta = DEFAULT_FIXITY_CADENCE,
                 **kwargs: Any) -> None:
        super().__init__(event_store, **kwargs)
        #: The service's file store, which its FileService serves (None: no files).
        self.files = files
        self.inspector = inspector
        self.seal = seal
        #: Where issued documents' sealed PDFs are fetched from.
        self.documents = documents
        self.clock = clock
        self.fixity_cadence = fixity_cadence
        self.books = self.follow(ArchiveBooks.of(self))

    # -- lookups ---------------------------------------------------------------------

    def today(self) -> dt.date:
        return self.clock().astimezone(VIETNAM_TIME).date()

    def known_unit(self, unit_id: uuid.UUID) -> KnownUnit:
        unit = self.get_or_none(unit_id)
        if not isinstance(unit, KnownUnit):
            raise NotFound("unit", str(unit_id))
        return unit

    def _active_unit(self, unit_id: str, field: str) -> KnownUnit:
        unit = self.known_unit(parse_uuid(unit_id, field))
        if not unit.is_active:
            msg = (f"{field}: {unit.display_name} was {unit.retirement}; its records pass "
                   "to its successor")
            raise FailedPrecondition(msg, reason="UNIT_RETIRED",
                                     metadata={"unit_id": str(unit.id), "field": field})
        if not unit.agency_code:
            msg = f"{field}: {unit.display_name} has no agency code"
            raise FailedPrecondition(msg, reason="UNIT_WITHOUT_AGENCY_CODE",
                                     metadata={"unit_id": str(unit.id), "field": field})
        return unit

    def record(self, record_id: str | uuid.UUID, field: str = "record_id") -> ArchivalRecord:
        key = record_id if not isinstance(record_id, str) else parse_uuid(record_id, field)
        found = self.get_or_none(key)
        if not isinstance(found, ArchivalRecord):
            raise NotFound("record", str(record_id))
        return found

    def fonds(self, fonds_key: str | uuid.UUID) -> Fonds:
        key = fonds_key if not isinstance(fonds_key, str) else parse_uuid(fonds_key, "fonds_id")
        found = self.get_or_none(key)
        if not isinstance(found, Fonds):
            raise NotFound("fonds", str(fonds_key))
        return found

    def batch(self, batch_id: str) -> DigitizationBatch:
        found = self.get_or_none(parse_uuid(batch_id, "batch_id"))
        if not isinstance(found, DigitizationBatch):
            raise NotFound("batch", batch_id)
        return found

    def transfer(self, transfer_key: str | uuid.UUID) -> CustodyTransfer:
        key = (transfer_key if not isinstance(transfer_key, str)
               else parse_uuid(transfer_key, "transfer_id"))
        found = self.get_or_none(key)
        if not isinstance(found, CustodyTransfer):
            raise NotFound("transfer", str(transfer_key))
        return found

    def holder_of(self, record: ArchivalRecord) -> uuid.UUID:
        return self.fonds(record.fonds_id).holder_unit_id

    # -- cataloguing -----------------------------------------------------------------

    def catalogue(self, request_id: str, unit_id: str,
                  description: DescriptionInput) -> dict[str, Any]:
        """A paper record of the unit's fonds (opened with its first record)."""
        checked = checked_description(description, self.today())

        def execute(command: Command) -> dict[str, Any]:
            unit = self._active_unit(unit_id, "unit_id")
            record, *also = self.new_record(unit, checked, "paper", "")
            return self.save_command(command, {"record_id": str(record.id)}, record, *also)

        return self.run_command(request_id, "CatalogueRecord",
                                {"unit_id": unit_id, "description": checked}, execute)

    def new_record(self, unit: KnownUnit, description: dict[str, Any], origin: str,
                   source_id: str, record_id: uuid.UUID | None = None) -> list[Any]:
        """A new record of the unit's fonds, and the fonds when this is its first; its
        FileCode not yet taken."""
        code = file_code(unit.agency_code, description["year"], description["notation"])
        record_id = record_id or record_id_of(code)
        if self.books.record_with_code(code) is not None \
                or self.get_or_none(record_id) is not None:
            raise AlreadyExists(f"description.notation: the record {code} is catalogued "
                                "already", reason="FILE_CODE_TAKEN",
                                metadata={"file_code": code, "field": "description.notation"})
        fonds = self.get_or_none(fonds_id(unit.id))
        opened = []
        if fonds is None:
            fonds = Fonds(unit_id=unit.id, agency_code=unit.agency_code,
                          name=description.get("fonds_name") or unit.display_name)
            opened.append(fonds)
        record = ArchivalRecord(id=record_id, fonds_id=fonds.id, unit_id=unit.id,
                                agency_code=unit.agency_code, file_code=code,
                                description=description, origin=origin, source_id=source_id)
        return [record, *opened]

    # -- digitization ----------------------------------------------------------------

    def open_batch(self, request_id: str, unit_id: str, label: str) -> dict[str, Any]:
        label = label.strip()
        if not label or len(label) > MAX_LABEL or not label.isprintable():
            raise InvalidArgument.single("label", "LABEL_FORMAT",
                                         f"must be 1 to {MAX_LABEL} printable characters")

        def execute(command: Command) -> dict[str, Any]:
            unit = self._active_unit(unit_id, "unit_id")
            batch = DigitizationBatch(unit_id=unit.id, label=label)
            return self.save_command(command, {"batch_id": str(batch.id)}, batch)

        return self.run_command(request_id, "OpenBatch", {"unit_id": unit_id, "label": label},
                                execute)

    def capture_page(self, request_id: str, batch_id: str, record_id: str, sequence: int,
                     kind: str, image: dict[str, Any]) -> dict[str, Any]:
        """The uploaded page checked (resolution, colour depth, skew, blank, a repeat of
        another accepted page of the batch) and recorded: accepted, or sent back with
        what failed."""
        self._check_capture(sequence, kind, image)
        if (done := self.previous_result(Command("CapturePage", self._capture_payload(
                batch_id, record_id, sequence, kind, image), request_id))) is not None:
            return done
        batch = self.batch(batch_id)
        record = self.record(record_id)
        self._capturable(batch, record, sequence)
        if self.files is None or self.inspector is None:
            msg = "this archive takes no pages: it has no file store or no page inspector"
            raise FailedPrecondition(msg, reason="CAPTURE_UNAVAILABLE")
        data = self.files.read(image["object_name"], max_bytes=MAX_PAGE_BYTES,
                               sha256=image["sha256"], field="image")
        inspection = self.inspector.inspect(data, kind)
        findings = list(inspection.findings)
        if not findings:
            repeated = self.books.duplicate_of(
                batch.id, record.id, sequence,
                lambda other: self.inspector.same_page(inspection.fingerprint, other))
            if repeated is not None:
                _, other_record, other_sequence = repeated
                findings.append({"rule": "DUPLICATE", "detail":
                                 f"repeats page {other_sequence} of record "
                                 f"{self.record(other_record).file_code} in this batch"})

        def execute(command: Command) -> dict[str, Any]:
            self._capturable(self.batch(batch_id), self.record(record_id), sequence)
            page = ScannedPage.inspected(batch.id, record.id, sequence, kind, image,
                                         inspection.measures, findings)
            return self.save_command(command, {"page_id": str(page.id),
                                               "accepted": not findings,
                                               "findings": findings}, page)

        return self.run_command(request_id, "CapturePage", self._capture_payload(
            batch_id, record_id, sequence, kind, image), execute)

    @staticmethod
    def _capture_payload(batch_id: str, record_id: str, sequence: int, kind: str,
                         image: dict[str, Any]) -> dict[str, Any]:
        return {"batch_id": batch_id, "record_id": record_id, "sequence": sequence,
                "kind": kind, "image": image}

    def _check_capture(self, sequence: int, kind: str, image: dict[str, Any]) -> None:
        v = Violations()
        if kind not in PAGE_KINDS:
            v.add("kind", "PAGE_KIND", f"must be one of {', '.join(PAGE_KINDS)}")
        if not 1 <= sequence <= 5000:
            v.add("sequence", "SEQUENCE_RANGE", f"must be 1 to 5000, got {sequence}")
        for key in ("name", "object_name", "sha256", "content_type"):
            value = image.get(key)
            if not isinstance(value, str) or not value or len(value) > MAX_NAME:
                v.add(f"image.{key}", "REQUIRED", f"must be 1 to {MAX_NAME} characters")
        size = image.get("size")
        if not isinstance(size, int) or not 0 < size <= MAX_PAGE_BYTES:
            v.add("image.size", "SIZE_RANGE", f"must be 1 to {MAX_PAGE_BYTES} bytes")
        v.raise_if_any()

    def _capturable(self, batch: DigitizationBatch, record: ArchivalRecord,
                    sequence: int) -> None:
        if record.origin != "paper" or record.state != "catalogued":
            msg = (f"record_id: record {record.file_code} takes no pages now "
                   f"({record.origin}, {record.state})")
            raise FailedPrecondition(msg, reason="RECORD_NOT_SCANNING",
                                     metadata={"record_id": str(record.id), "field": "record_id"})
        if sequence > record.page_count:
            raise InvalidArgument.single("sequence", "SEQUENCE_RANGE",
                                         f"record {record.file_code} has {record.page_count} "
                                         f"pages, got page {sequence}")
        holder = self.holder_of(record)
        if batch.unit_id not in (holder, record.unit_id):
            msg = (f"batch_id: the batch is {batch.unit_id}'s; record {record.file_code} "
                   f"is kept by {holder}")
            raise FailedPrecondition(msg, reason="BATCH_OF_ANOTHER_UNIT",
                                     metadata={"field": "batch_id"})

    def digitize(self, request_id: str, record_id: str) -> dict[str, Any]:
        """Every page of the record accepted: its pages, in order, go to OCR."""
        def execute(command: Command) -> dict[str, Any]:
            record = self.record(record_id)
            pages = self.books.pages_of(record.id)
            missing = [n for n in range(1, record.page_count + 1) if n not in pages]
            if missing:
                shown = ", ".join(map(str, missing[:20])) + (" ..." if len(missing) > 20 else "")
                msg = (f"record {record.file_code}: pages {shown} have no accepted capture "
                       f"({len(missing)} of {record.page_count})")
                raise FailedPrecondition(msg, reason="PAGES_MISSING",
                                         metadata={"record_id": str(record.id),
                                                   "missing": str(len(missing))})
            ordered = [pages[n] for n in range(1, record.page_count + 1)]
            record.request_digitization([str(page_id) for page_id, _ in ordered],
                                        [image for _, image in ordered])
            return self.save_command(command, {}, record)

        return self.run_command(request_id, "DigitizeRecord", {"record_id": record_id},
                                execute)

    def seal_copy(self, request_id: str, record_id: str, credential_id: str,
                  one_time_code: str) -> dict[str, Any]:
        """The digitized copy sealed by the agency that holds the fonds (its seal
        credential, authorized by its clerk's one-time code), kept beside it."""
        _check_authorization(credential_id, one_time_code)
        payload = {"record_id": record_id, "credential_id": credential_id}
        if (done := self.previous_result(Command("SealDigitizedCopy", payload,
                                                 request_id))) is not None:
            return done
        record = self.record(record_id)
        record.require("seal")
        if self.seal is None or self.files is None or record.digitized_copy is None:
            msg = "this archive cannot seal: no signatures service or no file store"
            raise FailedPrecondition(msg, reason="SEAL_UNAVAILABLE")
        holder = self.known_unit(self.holder_of(record))
        self.seal.seal_credential(credential_id, holder.agency_code)
        copy = record.digitized_copy
        pdf = self.files.read(copy.object_name, max_bytes=MAX_SEALED_BYTES,
                              sha256=copy.sha256, field="digitized_copy")
        sealed = self.seal.seal_pdf(credential_id, one_time_code, pdf,
                                    agency_code=holder.agency_code, notation=record.file_code,
                                    on_behalf_of=f"archive record {record.file_code}")
        stored = self.files.keep(unique_name(f"sealed-{record.id}", ".pdf"), "application/pdf",
                                 sealed.data)

        def execute(command: Command) -> dict[str, Any]:
            again = self.record(record_id)
            again.seal_copy(stored_ref(stored), sealed.agency_code,
                            sealed.certificate_serial, sealed.signed_at)
            return self.save_command(command, {}, again)

        return self.run_command(request_id, "SealDigitizedCopy", payload, execute)

    # -- what the worker records ------------------------------------------------------

    def _step(self, key: str, method: str, aggregate_id: uuid.UUID,
              change: Callable[[Any], None]) -> dict[str, Any]:
        """A worker's result, recorded once: its request id is derived from what it is for
        (``key``), so a result recorded again, by a retry or by another replica's worker
        (whose file may differ), answers with the first one and changes nothing."""
        def execute(command: Command) -> dict[str, Any]:
            aggregate = self.get_or_none(aggregate_id)
            change(aggregate)
            return self.save_command(command, {}, aggregate)

        return self.run_command(key, method, {"id": str(aggregate_id)}, execute)

    def record_copy(self, record_id: uuid.UUID, copy: dict[str, Any], pages: int,
                    text_characters: int, pdfa_conformance: str,
                    ocr_engine: str) -> dict[str, Any]:
        return self._step(f"copy-{record_id}", "MakeDigitizedCopy", record_id,
                          lambda record: record.make_copy(
                              copy, pages, text_characters, pdfa_conformance, ocr_engine))

    def record_digitization_failed(self, record_id: uuid.UUID, version: int,
                                   reason: str) -> dict[str, Any]:
        return self._step(f"copy-failed-{record_id}-{version}", "FailDigitization", record_id,
                          lambda record: record.fail_digitization(reason[:500]))

    def record_file(self, record_id: uuid.UUID, file: dict[str, Any]) -> dict[str, Any]:
        return self._step(f"file-{record_id}", "KeepRecordFile", record_id,
                          lambda record: record.keep_file(file))

    def record_ingest(self, record_id: uuid.UUID, package_id: str, package: dict[str, Any],
                      files: int) -> dict[str, Any]:
        return self._step(f"ingest-{record_id}", "IngestPackage", record_id,
                          lambda record: record.ingest(package_id, package, files))

    def record_reconciled(self, transfer_key: uuid.UUID, lines: list[dict[str, Any]],
                          package: dict[str, Any]) -> dict[str, Any]:
        return self._step(f"reconcile-{transfer_key}", "ReconcileTransfer", transfer_key,
                          lambda transfer: transfer.reconcile(lines, package))

    def check_fixity(self, record_id: str | uuid.UUID) -> dict[str, Any]:
        """The record's package read again from the store and hashed: intact when it is
        the package stored at ingest; otherwise damaged, with the files that changed.
        Recorded whatever the outcome."""
        record = self.record(record_id)
        record.require("check_fixity")
        if self.files is None or record.package is None:
            msg = "this archive has no file store to check"
            raise FailedPrecondition(msg, reason="FILE_STORE_UNAVAILABLE")
        from .fixity import check_package

        found = check_package(self.files, record.package, record.package_files)
        now = self.clock()

        def execute(command: Command) -> dict[str, Any]:
            again = self.record(record.id)
            again.record_fixity(found.outcome, found.files_checked, found.bytes_read,
                                list(found.damaged_files), now)
            return self.save_command(command, {}, again)

        self.run_command("", "CheckFixity", {"record_id": str(record.id)}, execute)
        from .metrics import fixity_checked

        fixity_checked(found)
        return {"outcome": found.outcome, "files_checked": found.files_checked,
                "bytes_read": found.bytes_read, "damaged_files": list(found.damaged_files),
                "checked_at": now}

    def history(self, aggregate_id: uuid.UUID) -> list[Any]:
        """Every event of an aggregate, in order."""
        return list(self.repository.event_store.get(aggregate_id))

    def page(self, page_id: str) -> ScannedPage:
        found = self.get_or_none(parse_uuid(page_id, "page_id"))
        if not isinstance(found, ScannedPage):
            raise NotFound("page", page_id)
        return found

    def next_check(self, record: ArchivalRecord) -> dt.datetime | None:
        """When the record's package is next due for a fixity check."""
        if record.state != "preserved":
            return None
        last = record.last_fixity
        return (last["checked_at"] if last else record.modified_on) + self.fixity_cadence

    # -- custody ---------------------------------------------------------------------

    def prepare_transfers(self, unit: KnownUnit, to_unit_id: uuid.UUID, cause: str,
                          effective: dt.date | None) -> list[Any]:
        """A transfer of each fonds the retired unit holds to ``to_unit_id``, listing its
        records (not saved: the consumer saves them with its tracking record)."""
        self.books.catch_up()  # another replica may have catalogued into its fonds
        transfers: list[CustodyTransfer] = []
        for held in self.books.fonds_held_by(unit.id):
            if (new := self._transfer(held, unit.id, to_unit_id, cause, effective)) is not None:
                transfers.append(new)
        # Fonds on their way to this unit go on to its successor.
        for waiting_id in self.books.pending_to(unit.id):
            waiting = self.transfer(waiting_id)
            new = self._transfer(waiting.fonds_id, waiting.from_unit_id, to_unit_id, cause,
                                 effective)
            if new is not None:
                waiting.supersede(new.id)
                transfers += [new, waiting]
        return transfers

    def _transfer(self, fonds_key: uuid.UUID, from_unit_id: uuid.UUID,
                  to_unit_id: uuid.UUID, cause: str,
                  effective: dt.date | None) -> CustodyTransfer | None:
        if self.get_or_none(CustodyTransfer.create_id(fonds_key, to_unit_id)) is not None:
            return None
        lines = [line(str(r.record_id), r.file_code, r.package_sha256)
                 for r in self.books.records_of(fonds_key)]
        return CustodyTransfer(fonds_id=fonds_key, from_unit_id=from_unit_id,
                               to_unit_id=to_unit_id, cause=cause, effective_date=effective,
                               lines=lines)

    def sign_transfer(self, request_id: str, transfer_id: str, credential_id: str,
                      one_time_code: str) -> dict[str, Any]:
        """The reconciled transfer package signed by the successor's seal: the fonds
        passes to the successor."""
        _check_authorization(credential_id, one_time_code)
        payload = {"transfer_id": transfer_id, "credential_id": credential_id}
        if (done := self.previous_result(Command("SignTransfer", payload,
                                                 request_id))) is not None:
            return done
        transfer = self.transfer(transfer_id)
        transfer.require("sign", "reconciled")
        if self.seal is None or self.files is None or transfer.package is None:
            msg = "this archive cannot sign: no signatures service or no file store"
            raise FailedPrecondition(msg, reason="SEAL_UNAVAILABLE")
        successor = self.known_unit(transfer.to_unit_id)
        self.seal.seal_credential(credential_id, successor.agency_code)

        package = self.files.read(transfer.package.object_name, max_bytes=MAX_SEALED_BYTES,
                                  sha256=transfer.package.sha256, field="package")
        signed = self.seal.sign_detached(credential_id, one_time_code, package,
                                         agency_code=successor.agency_code,
                                         on_behalf_of=f"custody transfer {transfer.id}")
        stored = self.files.keep(unique_name(f"transfer-{transfer.id}", ".p7s"),
                                 "application/pkcs7-signature", signed.data)

        def execute(command: Command) -> dict[str, Any]:
            again = self.transfer(transfer_id)
            fonds = self.fonds(again.fonds_id)
            again.complete(stored_ref(stored), signed.agency_code,
                           signed.certificate_serial, signed.signed_at)
            fonds.transfer(again.id, again.to_unit_id)
            return self.save_command(command, {}, again, fonds)

        return self.run_command(request_id, "SignTransfer", payload, execute)

    # -- reads -----------------------------------------------------------------------

    def list_records(self, fonds_key: str, size: int = 0, token: str = "") -> Page:
        fonds = self.fonds(fonds_key)
        rows: list[RecordRow] = self.books.records_of(fonds.id)
        request = PageRequest.of(size, token, {"fonds": fonds_key})
        page, next_token = request.cut(rows)
        found = self.get_many(r.record_id for r in page)  # the page in one query
        return Page([found[r.record_id] for r in page], next_token, len(rows))

    def progress(self, *, unit_id: str = "", province_unit_id: str = "") -> dict[str, Any]:
        """Digitization of a unit, or of every unit of a province."""
        if unit_id:
            unit = self.known_unit(parse_uuid(unit_id, "unit_id"))
            units = [unit.id]
        elif province_unit_id:
            province = self.known_unit(parse_uuid(province_unit_id, "province_unit_id"))
            units = self.books.units_of_province(province.province)
        else:
            raise InvalidArgument.single("scope", "REQUIRED",
                                         "name a unit_id or a province_unit_id")
        totals: UnitProgress = self.books.progress_of(units)
        today = self.today()
        target_date, target = next(((day, share) for day, share in DIGITIZATION_TARGETS
                                    if today <= day), DIGITIZATION_TARGETS[-1])
        share = (totals.records_digitized / totals.paper_records
                 if totals.paper_records else 1.0)
        return {"units": len(units), "totals": totals, "share_digitized": share,
                "target_share": target, "target_date": target_date}

    def fixity_status(self, holder_unit_id: str = "") -> dict[str, Any]:
        holder = parse_uuid(holder_unit_id, "holder_unit_id") if holder_unit_id else None
        return self.books.fixity_status(holder, self.clock(), self.fixity_cadence)


def _check_authorization(credential_id: str, one_time_code: str) -> None:
    """A seal's credential and its one-time code, as a caller gives them."""
    parse_uuid(credential_id, "credential_id")
    if not one_time_code.isdigit() or not 6 <= len(one_time_code) <= 8:
        raise InvalidArgument.single("one_time_code", "OTP_FORMAT", "must be 6 to 8 digits")


class Page:
    """One page of a list, the token of the next one and the total."""

    def __init__(self, rows: list[Any], next_token: str, total: int) -> None:
        self.rows, self.next_token, self.total = rows, next_token, total
