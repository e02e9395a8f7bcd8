"""The documents application: outgoing documents from draft to sending, numbered in
their agency's yearly series, and the incoming books of the agencies that receive them.

Each command loads what it needs, calls the aggregates, and saves them with its request
record in one transaction (a number and the document it numbers together, so a series
has no gap).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from lienthong.errors import FailedPrecondition, InvalidArgument, NotFound
from lienthong.events.consumer import TrackingApplication
from lienthong.eventstore import derived_id
from lienthong.idempotency import Command, IdempotentApplication
from lienthong.validation import PageRequest, Violations, parse_uuid
from lienthong.vietnam import VIETNAM_TIME

from .domain.incoming import IncomingDocument
from .domain.kinds import CONFIDENTIALITIES
from .domain.numbering import NumberSeries, notation, series_id
from .domain.outgoing import FileRef, OutgoingDocument
from .domain.units import KnownUnit
from .drafts import MAX_NAME, DraftInput, checked_draft, series_of
from .projections import DocumentBooks

if TYPE_CHECKING:
    import uuid
    from collections.abc import Callable

    from lienthong.files.service import ServiceFiles

    from .ports import SignatureFacts, SignatureValidator
    from .projections import ExchangeCounts, IncomingRow, OutgoingRow

MAX_REASON = 500
#: Successors a retired agency code is followed through before giving up.
MAX_SUCCESSIONS = 10
MAX_DEADLINE_DAYS = 5 * 366
MAX_SENT_TEXT = 1000
#: The years a book is kept and listed for.
FIRST_YEAR, LAST_YEAR = 1945, 2200
#: What a document received from outside may say of itself.
SENT_FIELDS = frozenset({"sender_agency_code", "notation", "subject", "document_type",
                         "confidentiality", "urgency", "deadline", "edxml_document_id"})


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class SignatureRefusedError(FailedPrecondition):
    reason = "SIGNATURE_NOT_VALID"


class DocumentsApplication(TrackingApplication, IdempotentApplication, service="documents"):
    """Outgoing documents and incoming books."""

    def __init__(self, event_store: str = "memory:", *,
                 signatures: SignatureValidator | None = None,
                 files: ServiceFiles | None = None,
                 clock: Callable[[], dt.datetime] = utc_now, **kwargs: Any) -> None:
        super().__init__(event_store, **kwargs)
        self.signatures = signatures
        #: The service's file store, which its FileService serves (None: no files).
        self.files = files
        self.clock = clock
        self.books = self.follow(DocumentBooks.of(self))

    # -- lookups ---------------------------------------------------------------------

    def _today(self) -> dt.date:
        return self.clock().astimezone(VIETNAM_TIME).date()

    def known_unit(self, unit_id: uuid.UUID) -> KnownUnit:
        unit = self.get_or_none(unit_id)
        if not isinstance(unit, KnownUnit):
            raise NotFound("unit", str(unit_id))
        return unit

    def document(self, document_id: str) -> OutgoingDocument:
        found = self.get_or_none(parse_uuid(document_id, "document_id"))
        if not isinstance(found, OutgoingDocument):
            raise NotFound("document", document_id)
        return found

    def incoming(self, incoming_id: str) -> IncomingDocument:
        found = self.get_or_none(parse_uuid(incoming_id, "incoming_id"))
        if not isinstance(found, IncomingDocument):
            raise NotFound("incoming document", incoming_id)
        return found

    def _series(self, unit_id: uuid.UUID, year: int, series: str) -> NumberSeries:
        found = self.get_or_none(series_id(unit_id, year, series))
        return found if isinstance(found, NumberSeries) else NumberSeries(
            unit_id=unit_id, year=year, series=series)

    def _active_unit(self, unit_id: str, field: str) -> KnownUnit:
        unit = self.known_unit(parse_uuid(unit_id, field))
        if not unit.is_active:
            msg = (f"{field}: {unit.display_name} was {unit.retirement} on {unit.retired_on}; "
                   "its successor carries on its documents")
            raise FailedPrecondition(msg, reason="UNIT_RETIRED",
                                     metadata={"unit_id": str(unit.id), "field": field})
        if not unit.agency_code:
            msg = f"{field}: {unit.display_name} has no agency code"
            raise FailedPrecondition(msg, reason="UNIT_WITHOUT_AGENCY_CODE",
                                     metadata={"unit_id": str(unit.id), "field": field})
        return unit

    # -- drafting --------------------------------------------------------------------

    def _stored(self, files: list[dict[str, Any]]) -> None:
        """Each of the draft's files is stored as the draft describes it (when the service
        has a file store)."""
        if self.files is None:
            return
        for number, file in enumerate(files):
            self.files.check(file["object_name"], size=file["size"], sha256=file["sha256"],
                             field=f"draft.files[{number}]")

    def create_draft(self, request_id: str, unit_id: str, draft: DraftInput) -> dict[str, Any]:
        """A new outgoing document of the unit, as its first draft."""
        metadata, files = checked_draft(draft, self._today())
        self._stored(files)

        def execute(command: Command) -> dict[str, Any]:
            unit = self._active_unit(unit_id, "unit_id")
            document = OutgoingDocument(issuer_unit_id=unit.id,
                                        issuer_agency_code=unit.agency_code,
                                        draft=metadata, files=files)
            return self.save_command(command, {"document_id": str(document.id)}, document)

        return self.run_command(request_id, "CreateDraft",
                                {"unit_id": unit_id, "draft": metadata, "files": files},
                                execute)

    def _change(self, request_id: str, method: str, document_id: str,
                payload: dict[str, Any],
                change: Callable[[OutgoingDocument], dict[str, Any]],
                *, reason: str = "") -> dict[str, Any]:
        def execute(command: Command) -> dict[str, Any]:
            document = self.document(document_id)
            result = change(document)
            return self.save_command(command, result, document,
                                     *result.pop("_also", ()))

        return self.run_command(request_id, method, {"document_id": document_id, **payload},
                                execute, reason=reason)

    def revise_draft(self, request_id: str, document_id: str,
                     draft: DraftInput) -> dict[str, Any]:
        metadata, files = checked_draft(draft, self._today())
        self._stored(files)

        def change(document: OutgoingDocument) -> dict[str, Any]:
            document.revise(metadata, files)
            return {"draft_version": document.draft_version}

        return self._change(request_id, "ReviseDraft", document_id,
                            {"draft": metadata, "files": files}, change)

    def submit(self, request_id: str, document_id: str) -> dict[str, Any]:
        def change(document: OutgoingDocument) -> dict[str, Any]:
            document.submit()
            return {"draft_version": document.draft_version}

        return self._change(request_id, "SubmitDraft", document_id, {}, change)

    def return_to_draft(self, request_id: str, document_id: str,
                        reason: str) -> dict[str, Any]:
        _check_reason(reason)

        def change(document: OutgoingDocument) -> dict[str, Any]:
            document.return_to_draft(reason)
            return {}

        return self._change(request_id, "ReturnDraft", document_id, {"reason": reason},
                            change, reason=reason)

    # -- signing and numbering -------------------------------------------------------

    def _validated(self, file: dict[str, Any], *,
                   adds_to: FileRef | None = None) -> SignatureFacts:
        violations = Violations()
        for key in ("name", "object_name", "sha256", "content_type"):
            if not isinstance(file.get(key), str) or not file[key] \
                    or len(file[key]) > MAX_NAME:
                violations.add(f"signed_file.{key}", "REQUIRED",
                               f"must be 1 to {MAX_NAME} characters")
        if not isinstance(file.get("size"), int) or file["size"] <= 0:
            violations.add("signed_file.size", "SIZE_RANGE", "must be a positive size")
        violations.raise_if_any()
        if self.signatures is None:
            msg = "no signature validator is configured for this service"
            raise FailedPrecondition(msg, reason="NO_SIGNATURE_VALIDATOR")
        facts = self.signatures.validate_pdf(FileRef.of(file), adds_to=adds_to)
        if not facts.passed:
            msg = f"signed_file: its signature does not validate ({facts.indication})"
            raise SignatureRefusedError(msg, metadata={"field": "signed_file",
                                                       "indication": facts.indication})
        return facts

    def record_official_signature(self, request_id: str, document_id: str,
                                  signed_file: dict[str, Any]) -> dict[str, Any]:
        """The competent official's signed PDF, accepted once it validates and its
        certificate is the draft's signer's."""
        def change(document: OutgoingDocument) -> dict[str, Any]:
            signer = document.official_to_sign()  # before the file's validation is asked
            facts = self._validated(signed_file)
            if facts.signer_official_id != signer:
                msg = (f"signed_file: signed by official {facts.signer_official_id!r}, "
                       f"not the draft's signer {signer!r}")
                raise SignatureRefusedError(msg, metadata={"field": "signed_file"})
            document.sign_as_official(signer, facts.certificate_serial, facts.signed_at,
                                      signed_file)
            return {}

        return self._change(request_id, "RecordOfficialSignature", document_id,
                            {"signed_file": signed_file}, change)

    def give_number(self, request_id: str, document_id: str) -> dict[str, Any]:
        """The next number of the document's series in its agency's year (Vietnam time),
        and its notation."""
        def change(document: OutgoingDocument) -> dict[str, Any]:
            now = self.clock()
            year = now.astimezone(VIETNAM_TIME).year
            draft = document.draft
            kind = series_of(draft)
            series = self._series(document.issuer_unit_id, year, kind)
            number = series.next_number()
            written = notation(number, draft["document_type"], draft["issuer_notation"],
                               drafting_unit=draft["drafting_unit"],
                               legal_year=year if kind == "legal" else None)
            document.give_number(number, written, kind, year, now)
            return {"number": number, "notation": written, "series": kind, "year": year,
                    "_also": [series]}

        return self._change(request_id, "NumberDocument", document_id, {}, change)

    def record_agency_signature(self, request_id: str, document_id: str,
                                signed_file: dict[str, Any]) -> dict[str, Any]:
        """The agency's signature on the numbered document: made with the issuing
        agency's seal (its own certificate, held by its clerical office), not a person's;
        the document is then issued. The sealed file is the official's signed file with
        the seal added: the official's signature, validated when it was recorded, is not
        validated again."""
        def change(document: OutgoingDocument) -> dict[str, Any]:
            facts = self._validated(signed_file, adds_to=document.file_to_seal())
            if not facts.agency_seal or facts.signer_agency_code != document.issuer_agency_code:
                msg = (f"signed_file: not signed with the seal of agency "
                       f"{document.issuer_agency_code}")
                raise SignatureRefusedError(msg, metadata={"field": "signed_file"})
            document.sign_as_agency(facts.certificate_serial, facts.signed_at, signed_file)
            return {}

        return self._change(request_id, "RecordAgencySignature", document_id,
                            {"signed_file": signed_file}, change)

    # -- after issuing ---------------------------------------------------------------

    def route(self, agency_code: str) -> tuple[KnownUnit | None, list[str]]:
        """The unit that receives what is addressed to ``agency_code`` and the route to
        it: a retired unit's code leads to its successor (and on, if that one retired
        too). None: no unit of the platform holds the code (it goes out through the
        national exchange), or the chain ends at a dissolved unit."""
        route = [agency_code]
        unit_id = self.books.unit_with_code(agency_code)
        if unit_id is None:
            return None, route
        unit = self.known_unit(unit_id)
        for _ in range(MAX_SUCCESSIONS):
            if unit.is_active or unit.default_successor_id is None:
                break
            unit = self.known_unit(unit.default_successor_id)
            route.append(unit.agency_code)
        return (unit if unit.is_active else None), route

    def send(self, request_id: str, document_id: str) -> dict[str, Any]:
        """Sent to each recipient: an agency of the platform finds it arrived in its
        inbox (a retired code is routed to its successor, the route recorded); the others
        wait for the national exchange."""
        def change(document: OutgoingDocument) -> dict[str, Any]:
            now = self.clock()
            draft = document.draft
            sent = {"sender_agency_code": document.issuer_agency_code,
                    "sender_unit_id": str(document.issuer_unit_id),
                    "document_id": str(document.id), "notation": document.notation,
                    "subject": draft["subject"], "document_type": draft["document_type"],
                    "urgency": draft["urgency"], "confidentiality": draft["confidentiality"],
                    "deadline": draft["deadline"]}
            deliveries: list[dict[str, Any]] = []
            arrivals: dict[uuid.UUID, IncomingDocument] = {}
            for code in draft["recipients"]:
                unit, route = self.route(code)
                arrival = None
                if unit is not None:
                    # One copy per agency, even when the list names it twice (a merged
                    # agency's old code beside its successor's).
                    arrival = arrivals.get(unit.id) or IncomingDocument(
                        recipient_unit_id=unit.id, recipient_agency_code=unit.agency_code,
                        arrived_at=now, sent=sent, route=route,
                        files=[document.signatures[-1].file.as_dict()])
                    arrivals[unit.id] = arrival
                deliveries.append({"addressed_to": code, "route": route,
                                   "incoming_id": str(arrival.id) if arrival else ""})
            document.send(draft["recipients"], now, deliveries)
            return {"deliveries": deliveries, "_also": list(arrivals.values())}

        return self._change(request_id, "SendDocument", document_id, {}, change)

    def recall(self, request_id: str, document_id: str, reason: str) -> dict[str, Any]:
        """Ask every recipient of the platform to give the sent document back (13); it is
        recalled once all agreed (15), at once when none of the platform had it."""
        _check_reason(reason, required=True)

        def change(document: OutgoingDocument) -> dict[str, Any]:
            document.request_recall(reason)
            asked = [self.incoming(incoming_id) for incoming_id in _copies(document)]
            for incoming in asked:
                incoming.ask_recall(reason)
            if not any(i.recall == "asked" for i in asked):
                document.recall(reason)
            return {"asked": sum(i.recall == "asked" for i in asked), "_also": asked}

        return self._change(request_id, "RecallDocument", document_id, {"reason": reason},
                            change, reason=reason)

    def answer_recall(self, request_id: str, incoming_id: str, agree: bool,
                      reason: str = "") -> dict[str, Any]:
        """The recipient gives the document back (15) or keeps it (16, with why); the
        sender's document is recalled when every recipient gave it back, and stays sent
        when one keeps it."""
        _check_reason(reason, required=not agree)

        def execute(command: Command) -> dict[str, Any]:
            incoming = self.incoming(incoming_id)
            incoming.answer_recall(agree, reason)
            document = self.document(incoming.sent["document_id"])
            waiting = document.state == "recall_requested"
            if waiting and not agree:
                document.keep_after_refusal(incoming.recipient_agency_code, reason)
            elif waiting and all(self.incoming(other).state == "recalled"
                                 for other in _copies(document) if other != incoming_id):
                document.recall(document.closing_reason)
            return self.save_command(command, {"document_state": document.state},
                                     incoming, document)

        return self.run_command(request_id, "AnswerRecall",
                                {"incoming_id": incoming_id, "agree": agree,
                                 "reason": reason}, execute, reason=reason)

    def revoke(self, request_id: str, document_id: str, reason: str) -> dict[str, Any]:
        _check_reason(reason, required=True)

        def change(document: OutgoingDocument) -> dict[str, Any]:
            document.revoke(reason)
            return {}

        return self._change(request_id, "RevokeDocument", document_id, {"reason": reason},
                            change, reason=reason)

    def replace(self, request_id: str, document_id: str, replacement_id: str,
                reason: str) -> dict[str, Any]:
        _check_reason(reason, required=True)
        replacement_uuid = parse_uuid(replacement_id, "replacement_id")

        def change(document: OutgoingDocument) -> dict[str, Any]:
            replacement = self.document(replacement_id)
            if replacement.issuer_unit_id != document.issuer_unit_id \
                    or replacement.id == document.id:
                msg = "replacement_id: must be another document of the same agency"
                raise FailedPrecondition(msg, reason="REPLACEMENT_NOT_OF_AGENCY",
                                         metadata={"field": "replacement_id"})
            document.replace_by(replacement_uuid, reason)
            return {}

        return self._change(request_id, "ReplaceDocument", document_id,
                            {"replacement_id": replacement_id, "reason": reason}, change,
                            reason=reason)

    # -- reads -----------------------------------------------------------------------

    def outgoing_book(self, unit_id: str, year: int, size: int = 0,
                      token: str = "") -> Page:
        unit = parse_uuid(unit_id, "unit_id")
        rows: list[OutgoingRow] = self.books.outgoing_book(unit, _year(year))
        return _page(rows, size, token, {"book": "outgoing", "unit": unit_id, "year": year})

    def incoming_book(self, unit_id: str, year: int, size: int = 0, token: str = "") -> Page:
        unit = parse_uuid(unit_id, "unit_id")
        rows: list[IncomingRow] = self.books.incoming_book(unit, _year(year))
        return _page(rows, size, token, {"book": "incoming", "unit": unit_id, "year": year})

    def arrived(self, unit_id: str, size: int = 0, token: str = "") -> Page:
        rows = self.books.arrived(parse_uuid(unit_id, "unit_id"))
        return _page(rows, size, token, {"arrived": unit_id})

    def awaiting(self, handler: str, size: int = 0, token: str = "") -> tuple[Page, int]:
        """What waits for the handler, earliest deadline first, and how much is overdue."""
        if not handler.strip() or len(handler) > MAX_NAME:
            raise InvalidArgument.single("handler", "REQUIRED",
                                         f"must be 1 to {MAX_NAME} characters")
        rows, overdue = self.books.awaiting(handler, self._today())
        return _page(rows, size, token, {"awaiting": handler}), len(overdue)

    def is_overdue(self, row: IncomingRow) -> bool:
        return row.state == "assigned" and row.deadline is not None \
            and row.deadline < self._today()

    def exchange_counts(self, unit_id: str) -> ExchangeCounts:
        return self.books.exchange_counts(parse_uuid(unit_id, "unit_id"))

    # -- incoming books --------------------------------------------------------------

    def _register(self, incoming: IncomingDocument) -> NumberSeries:
        now = self.clock()
        year = now.astimezone(VIETNAM_TIME).year
        secret = incoming.sent.get("confidentiality", "normal") != "normal"
        series = self._series(incoming.recipient_unit_id, year,
                              "incoming_secret" if secret else "incoming")
        incoming.register(series.next_number(), year, series.series, now)
        return series

    # -- the national exchange axis ----------------------------------------------------

    def record_axis_handoff(self, document_id: str, axis_doc_id: str,
                            edxml_document_id: str) -> dict[str, Any]:
        """The axis took the document's package for its recipients outside the platform
        (once: a retry with the document's id answers the first time)."""
        def change(document: OutgoingDocument) -> dict[str, Any]:
            document.hand_to_axis(axis_doc_id, edxml_document_id, self.clock())
            return {}

        return self._change(f"axis-handoff-{document_id}", "HandToAxis", document_id,
                            {"axis_doc_id": axis_doc_id}, change)

    def record_axis_status(self, axis_doc_id: str, edxml_document_id: str,
                           agency_code: str, status_code: str,
                           description: str) -> dict[str, Any]:
        """What a recipient outside the platform reported through the axis (its status
        package, the axis's ``axis_doc_id``: recorded once)."""
        document_id = self.books.sent_through_axis(edxml_document_id)
        if document_id is None:
            raise NotFound("document", edxml_document_id)

        def change(document: OutgoingDocument) -> dict[str, Any]:
            document.report_external_status(agency_code, status_code,
                                            description[:MAX_REASON], self.clock())
            return {}

        return self._change(str(derived_id("axis-status", axis_doc_id)),
                            "ReportExternalStatus",
                            str(document_id), {"agency_code": agency_code,
                                               "status_code": status_code}, change)

    def receive_from_outside(self, request_id: str, unit_id: str,
                             sent: dict[str, str],
                             files: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        """A document that came from outside the platform (on paper, or through the
        national exchange, with the ``files`` it brought, already stored), arrived and
        registered in the unit's incoming book of the year (secret documents in their
        own)."""
        violations = Violations()
        for key in ("sender_agency_code", "notation", "subject"):
            value = sent.get(key, "")
            if not isinstance(value, str) or not value.strip() or len(value) > MAX_SENT_TEXT \
                    or not value.isprintable():
                violations.add(f"sent.{key}", "REQUIRED",
                               f"must be 1 to {MAX_SENT_TEXT} printable characters")
        if sent.get("confidentiality", "normal") not in CONFIDENTIALITIES:
            violations.add("sent.confidentiality", "CONFIDENTIALITY",
                           f"must be one of {', '.join(CONFIDENTIALITIES)}")
        unknown = sorted(set(sent) - SENT_FIELDS)
        if unknown:
            violations.add("sent", "UNKNOWN_FIELD", f"unknown fields: {', '.join(unknown)}")
        violations.raise_if_any()

        def execute(command: Command) -> dict[str, Any]:
            unit = self._active_unit(unit_id, "unit_id")
            incoming = IncomingDocument(recipient_unit_id=unit.id,
                                        recipient_agency_code=unit.agency_code,
                                        arrived_at=self.clock(), sent=dict(sent),
                                        route=[unit.agency_code], files=list(files or []))
            series = self._register(incoming)
            return self.save_command(command, {"incoming_id": str(incoming.id),
                                               "number": incoming.number,
                                               "year": incoming.year}, incoming, series)

        return self.run_command(request_id, "ReceiveFromOutside",
                                {"unit_id": unit_id, "sent": sent, "files": files or []},
                                execute)

    def register_arrived(self, request_id: str, incoming_id: str) -> dict[str, Any]:
        """An arrived document, registered in its agency's incoming book."""
        def execute(command: Command) -> dict[str, Any]:
            incoming = self.incoming(incoming_id)
            series = self._register(incoming)
            return self.save_command(command, {"number": incoming.number,
                                               "year": incoming.year}, incoming, series)

        return self.run_command(request_id, "RegisterIncoming", {"incoming_id": incoming_id},
                                execute)

    def refuse_arrived(self, request_id: str, incoming_id: str, reason: str) -> dict[str, Any]:
        """An arrived document sent back unregistered (wrong recipient, incomplete)."""
        _check_reason(reason, required=True)

        def execute(command: Command) -> dict[str, Any]:
            incoming = self.incoming(incoming_id)
            incoming.refuse(reason)
            return self.save_command(command, {}, incoming)

        return self.run_command(request_id, "RefuseIncoming",
                                {"incoming_id": incoming_id, "reason": reason}, execute,
                                reason=reason)

    def assign_incoming(self, request_id: str, incoming_id: str, handler: str,
                        deadline: dt.date | None) -> dict[str, Any]:
        violations = Violations()
        if not handler.strip() or len(handler) > MAX_NAME or not handler.isprintable():
            violations.add("handler", "REQUIRED", f"must be 1 to {MAX_NAME} characters")
        today = self._today()
        if deadline is not None and not \
                today <= deadline <= today + dt.timedelta(days=MAX_DEADLINE_DAYS):
            violations.add("deadline", "DEADLINE_RANGE",
                           f"must be from {today} to five years later, got {deadline}")
        violations.raise_if_any()

        def execute(command: Command) -> dict[str, Any]:
            incoming = self.incoming(incoming_id)
            incoming.assign(handler, deadline)
            return self.save_command(command, {}, incoming)

        return self.run_command(request_id, "AssignIncoming",
                                {"incoming_id": incoming_id, "handler": handler,
                                 "deadline": deadline.isoformat() if deadline else ""},
                                execute)

    def complete_incoming(self, request_id: str, incoming_id: str) -> dict[str, Any]:
        def execute(command: Command) -> dict[str, Any]:
            incoming = self.incoming(incoming_id)
            incoming.complete(self.clock())
            return self.save_command(command, {}, incoming)

        return self.run_command(request_id, "CompleteIncoming", {"incoming_id": incoming_id},
                                execute)


def _copies(document: OutgoingDocument) -> list[str]:
    """The incoming documents a sent document became in the platform, each once."""
    return list(dict.fromkeys(d["incoming_id"] for d in document.deliveries
                              if d["incoming_id"]))


def _check_reason(reason: str, *, required: bool = False) -> None:
    violations = Violations()
    if required and not reason.strip():
        violations.add("reason", "REQUIRED", "must say why")
    elif len(reason) > MAX_REASON or (reason and not reason.isprintable()):
        violations.add("reason", "REASON_FORMAT",
                       f"must be at most {MAX_REASON} printable characters")
    violations.raise_if_any()


class Page:
    """One page of a list, the token of the next one and the total."""

    def __init__(self, rows: list[Any], next_token: str, total: int) -> None:
        self.rows, self.next_token, self.total = rows, next_token, total


def _page(rows: list[Any], size: int, token: str, query: dict[str, Any]) -> Page:
    request = PageRequest.of(size, token, query)
    page, next_token = request.cut(rows)
    return Page(page, next_token, len(rows))


def _year(year: int) -> int:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise InvalidArgument.single("year", "YEAR_RANGE",
                                     f"must be {FIRST_YEAR} to {LAST_YEAR}, got {year}")
    return year
