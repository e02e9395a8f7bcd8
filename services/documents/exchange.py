"""The documents service on the national document exchange axis: what it sends there and
what it takes from there, beside the gRPC server (a background runner of its process,
when ``LIENTHONG_AXIS_URL`` is set; :mod:`.axis` is the adapter).

**Sending.** A document sent to codes no agency of the platform holds waits for the axis
(the books' :meth:`~.projections.DocumentBooks.awaiting_axis`). Every ``interval_s`` the
runner builds each one's edXML package (:func:`package_of`: its header from the issued
document, the PDF the agency sealed as its attachment, read from the file store) and
hands it to the outbox under the document's id, which the axis deduplicates on; once the
axis took it the document records the axis's id (``HandedToAxis``), and only then is it
no longer waiting. A crash in between sends it again under the same id: the axis keeps
one. Classified documents never go (``awaits_axis``).

**Receiving.** Then it pulls what waits on the axis for the platform's agencies
(:class:`~.axis.Inbox`): a package arrives in the incoming book of each agency of the
platform it names (``ReceiveFromOutside``, once per axis id and agency: a message handed
over twice is registered once); a status package is recorded on the document it answers
(``ExternalStatusReported``). Each message is acknowledged to the axis only after that
is committed; a message that fails stays on the axis for the next pull.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from typing import TYPE_CHECKING, Any

import structlog

from lienthong.errors import FailedPrecondition, LienthongError, NotFound
from lienthong.eventstore import derived_id
from lienthong.vietnam import VIETNAM_TIME

from .axis import AxisClient, AxisSettings, Inbox, Outbox
from .axis.errors import AxisError
from .axis.outbox import Sent
from .domain.kinds import DOCUMENT_TYPES, URGENCIES
from .domain.outgoing import FileRef
from .edxml import (
    Attachment,
    Code,
    DocumentId,
    DocumentType,
    MessageHeader,
    Organization,
    OtherInfo,
    Package,
    PromulgationInfo,
    SignerInfo,
    Status,
    build_package,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from .application import DocumentsApplication
    from .axis.inbox import Received
    from .domain.outgoing import OutgoingDocument

log = structlog.get_logger("lienthong.documents.exchange")

#: Seconds between two rounds of sending and pulling.
INTERVAL_S = 10.0
#: edXML DocumentType/Type: no public source settles the codes; chosen here, as the
#: public sample packages write an official letter: 1 administrative, 2 legal normative.
ADMINISTRATIVE, LEGAL_NORMATIVE = 1, 2
#: The agency seals documents up to 40 MiB (what the signatures service validates).
MAX_ATTACHMENT_BYTES = 40 * 1024 * 1024
#: A received attachment's own name, kept as the file's display name, at most.
MAX_FILE_NAME = 255


def edxml_document_id(document: OutgoingDocument) -> DocumentId:
    """The document's edXML DocumentId: issuer, numbering day (Vietnam time), number and
    the notation after it (``05/BC-UBND`` is ``05`` and ``BC-UBND``)."""
    number, _, rest = document.notation.partition("/")
    assert document.numbered_at is not None
    return DocumentId(document.issuer_agency_code,
                      document.numbered_at.astimezone(VIETNAM_TIME).date(), number, rest)


def package_of(document: OutgoingDocument, issuer_name: str, sealed_pdf: bytes) -> Package:
    """The edXML package of an issued document for its recipients outside the platform,
    the PDF its agency sealed attached."""
    draft = document.draft
    document_id = edxml_document_id(document)
    type_name = DOCUMENT_TYPES.get(draft["document_type"], ("", ""))[0]
    signer = draft["signer"]
    sealed = document.signatures[-1].file
    return Package(
        MessageHeader(
            sender=Organization(document.issuer_agency_code, issuer_name),
            recipients=tuple(Organization(code) for code in document.external_recipients),
            document_id=document_id,
            code=Code(document_id.number, document_id.notation),
            promulgation=PromulgationInfo(document_id.promulgation_date),
            document_type=DocumentType(LEGAL_NORMATIVE if draft.get("legal_normative")
                                       else ADMINISTRATIVE, type_name),
            subject=draft["subject"],
            signer=SignerInfo(signer.get("authority", ""), signer.get("position", ""),
                              signer.get("full_name", "")),
            due_date=dt.date.fromisoformat(draft["deadline"]) if draft.get("deadline")
            else None,
            # edXML's Priority: 0 normal to 3 immediate, the order of URGENCIES.
            other_info=OtherInfo(priority=URGENCIES.index(draft["urgency"]))),
        attachments=(Attachment("signed", sealed.content_type, sealed.name, sealed_pdf),))


class AxisExchange:
    """Sends the documents that wait for the axis, and takes what waits there."""

    name = "axis-exchange"

    def __init__(self, app: DocumentsApplication, settings: AxisSettings, *,
                 interval_s: float = INTERVAL_S,
                 outbox: Callable[[AxisClient], Outbox] = Outbox) -> None:
        self.app = app
        self.settings = settings
        self.interval_s = interval_s
        self._outbox = outbox

    async def run(self, stop: asyncio.Event) -> None:
        async with AxisClient(self.settings) as client:
            outbox, inbox = self._outbox(client), Inbox(client)
            while not stop.is_set():
                try:
                    await self.round(outbox, inbox)
                except Exception:  # the next round tries again; the service goes on
                    log.exception("axis_round_failed")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.interval_s)

    async def round(self, outbox: Outbox, inbox: Inbox) -> None:
        """One round: every waiting document sent, every waiting message taken."""
        given_up = {letter.key for letter in outbox.dead()}  # until an operator retries
        for document_id in self.app.books.awaiting_axis():
            if str(document_id) not in given_up:
                await self._send(outbox, str(document_id))
        try:
            await inbox.fetch_new(self._take)
        except AxisError as error:
            log.warning("axis_pull_failed", reason=error.reason, error=error.message)

    async def _send(self, outbox: Outbox, document_id: str) -> None:
        try:
            built = await asyncio.to_thread(self._built, document_id)
        except LienthongError as error:
            log.warning("axis_package_not_built", document_id=document_id, error=str(error))
            return
        if built is None:
            return
        recipients, edxml_id, edxml = built
        outcome = await outbox.send(document_id, recipients, edxml)
        if isinstance(outcome, Sent):
            await asyncio.to_thread(self.app.record_axis_handoff, document_id,
                                    outcome.axis_doc_id, edxml_id)
            log.info("document_sent_through_axis", document_id=document_id,
                     axis_doc_id=outcome.axis_doc_id, recipients=recipients)

    def _built(self, document_id: str) -> tuple[list[str], str, bytes] | None:
        document = self.app.document(document_id)
        if not document.awaits_axis:
            return None
        sealed = document.signatures[-1].file
        if self.app.files is None:
            msg = "no file store: the sealed PDF cannot be attached"
            raise LienthongError(msg, reason="NO_FILE_STORE")
        pdf = self.app.files.read(sealed.object_name, max_bytes=MAX_ATTACHMENT_BYTES,
                                  sha256=sealed.sha256, field="sealed_file")
        issuer = self.app.known_unit(document.issuer_unit_id)
        package = package_of(document, issuer.display_name, pdf)
        return (document.external_recipients, str(package.header.document_id),
                build_package(package))

    async def _take(self, received: Received) -> None:
        """A message from the axis, committed before it is acknowledged (raising leaves
        it on the axis)."""
        if isinstance(received.content, Status):
            status = received.content
            try:
                await asyncio.to_thread(
                    self.app.record_axis_status, received.doc_id,
                    str(status.response_for.document_id), status.sender.organ_id,
                    status.code.value, status.description)
            except (NotFound, FailedPrecondition) as error:
                # About no document sent from here, or from an agency it was not sent
                # to: nothing to record, and nothing a later pull would change.
                log.warning("axis_status_ignored", doc_id=received.doc_id,
                            sender=status.sender.organ_id, error=str(error))
            return
        await asyncio.to_thread(self._arrived, received)

    def _kept_attachments(self, received: Received) -> list[dict[str, Any]]:
        """The package's attachments, stored in the file store (once, whatever the number
        of times the message is handed over), as the incoming document's files."""
        package: Package = received.content  # type: ignore[assignment]
        if self.app.files is None or not package.attachments:
            return []
        allowed = self.app.files.limits.content_types if self.app.files.limits else None
        kept = []
        for index, attachment in enumerate(package.attachments):
            if not attachment.data:
                continue
            extension = attachment.attachment_name.rpartition(".")[2][:8]
            name = f"axis-{derived_id('axis', received.doc_id).hex}-{index}" + (
                f".{extension}" if extension.isalnum() and "." in
                attachment.attachment_name else "")
            content_type = (attachment.content_type if allowed is None
                            or attachment.content_type in allowed
                            else "application/octet-stream")
            stored = self.app.files.keep(name, content_type, attachment.data)
            kept.append(FileRef(attachment.attachment_name[:MAX_FILE_NAME] or name,
                                stored.name, stored.size, stored.sha256,
                                stored.content_type).as_dict())
        return kept

    def _arrived(self, received: Received) -> None:
        header = received.content.header  # type: ignore[union-attr]
        files = self._kept_attachments(received)
        sent = {"sender_agency_code": header.sender.organ_id,
                "notation": f"{header.code.number}/{header.code.notation}",
                "subject": header.subject, "edxml_document_id": str(header.document_id)}
        taken = 0
        for recipient in header.recipients:
            unit, _ = self.app.route(recipient.organ_id)
            if unit is None:
                continue
            request_id = str(derived_id("axis", received.doc_id, str(unit.id)))
            self.app.receive_from_outside(request_id, str(unit.id), sent, files)
            taken += 1
        if not taken:
            msg = (f"axis message {received.doc_id} names no agency of the platform: "
                   f"{[r.organ_id for r in header.recipients]}")
            raise LienthongError(msg, reason="NO_RECIPIENT_HERE")


def exchange_from_env(app: DocumentsApplication) -> AxisExchange | None:
    """The exchange ``LIENTHONG_AXIS_URL`` (and its system id and token) configure, or
    None when it is not set."""
    import os

    if not os.environ.get("LIENTHONG_AXIS_URL"):
        return None
    return AxisExchange(app, AxisSettings.from_env())
