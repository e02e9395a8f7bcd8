"""An outgoing document, from its first draft to its sending, and what may follow.

Its life (docs/documents.md draws it)::

    draft --submit--> submitted --official signs--> signed --number--> numbered
      ^                   |                                               |
      +----return---------+                                agency signs (issued)
                                                                          |
                  recalled <--all agree-- recall requested <--recall-- sent <--send-- issued
                                          |  (a recipient refuses)      ^
                                          +-----------------------------+
                                     revoked / replaced (from issued or sent)

Decree 30/2020: the competent official signs the draft; the clerical office then gives
it its number and date in the agency's series and applies the agency's signature, which
shows that number and notation; only then is it issued and sent. Each command is allowed
from some states only; anything else is refused with ILLEGAL_TRANSITION naming the
command and the state.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from eventsourcing.domain import event

from lienthong.errors import FailedPrecondition
from lienthong.eventstore import AuditedAggregate

if TYPE_CHECKING:
    import datetime as dt
    from uuid import UUID

STATES = ("draft", "submitted", "signed", "numbered", "issued", "sent", "recall_requested",
          "recalled", "revoked", "replaced")
#: command -> the states it is allowed from.
ALLOWED_FROM: dict[str, frozenset[str]] = {
    "revise": frozenset({"draft"}),
    "submit": frozenset({"draft"}),
    "return_to_draft": frozenset({"submitted"}),
    "sign_as_official": frozenset({"submitted"}),
    "number": frozenset({"signed"}),
    "sign_as_agency": frozenset({"numbered"}),
    "send": frozenset({"issued"}),
    "request_recall": frozenset({"sent"}),
    "recall": frozenset({"recall_requested"}),
    "keep": frozenset({"recall_requested"}),
    "revoke": frozenset({"issued", "sent"}),
    "replace": frozenset({"issued", "sent"}),
}


class IllegalTransitionError(FailedPrecondition):
    reason = "ILLEGAL_TRANSITION"


@dataclass(frozen=True)
class FileRef:
    """A file of the document, as the file store keeps it."""

    name: str
    object_name: str
    size: int
    sha256: str
    content_type: str

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "object_name": self.object_name, "size": self.size,
                "sha256": self.sha256, "content_type": self.content_type}

    @classmethod
    def of(cls, value: dict[str, Any]) -> FileRef:
        return cls(**value)


@dataclass(frozen=True)
class Signing:
    """A signature the document carries: who signed, with which certificate, the signed
    file it produced."""

    signer: str  # the official's id, or the agency's code for the agency's signature
    certificate_serial: str
    signed_at: dt.datetime
    file: FileRef


class OutgoingDocument(AuditedAggregate):
    """A document an agency issues (văn bản đi)."""

    #: The national exchange axis's id of its package, once the axis took it; the edXML
    #: DocumentId it went under; what each recipient outside the platform reported.
    #: (Class defaults: documents sent before the axis was wired have none.)
    axis_doc_id = ""
    edxml_document_id = ""
    external_statuses = MappingProxyType({})

    @event("Drafted")
    def __init__(self, issuer_unit_id: UUID, issuer_agency_code: str, draft: dict[str, Any],
                 files: list[dict[str, Any]]) -> None:
        self.issuer_unit_id = issuer_unit_id
        self.issuer_agency_code = issuer_agency_code
        self.state = "draft"
        self.versions: list[dict[str, Any]] = [draft]
        self.version_files: list[list[dict[str, Any]]] = [files]
        self.signatures: list[Signing] = []
        self.number = 0
        self.notation = ""
        self.series = ""
        self.year = 0
        self.numbered_at: dt.datetime | None = None
        self.recipients: list[str] = []
        self.deliveries: list[dict[str, Any]] = []
        self.sent_at: dt.datetime | None = None
        self.closing_reason = ""
        self.replaced_by: UUID | None = None

    # -- state -----------------------------------------------------------------------

    @property
    def draft(self) -> dict[str, Any]:
        """The draft's latest version's metadata."""
        return self.versions[-1]

    @property
    def files(self) -> list[FileRef]:
        return [FileRef.of(value) for value in self.version_files[-1]]

    @property
    def draft_version(self) -> int:
        return len(self.versions)

    def _allow(self, command: str) -> None:
        if self.state not in ALLOWED_FROM[command]:
            raise self._illegal(command)

    def _illegal(self, command: str) -> IllegalTransitionError:
        msg = f"cannot {command.replace('_', ' ')} a document that is {self.state}"
        return IllegalTransitionError(msg, metadata={
            "document_id": str(self.id), "state": self.state, "command": command})

    # -- drafting --------------------------------------------------------------------

    def revise(self, draft: dict[str, Any], files: list[dict[str, Any]]) -> None:
        self._allow("revise")
        self._revised(draft, files)

    @event("Revised")
    def _revised(self, draft: dict[str, Any], files: list[dict[str, Any]]) -> None:
        self.versions = [*self.versions, draft]
        self.version_files = [*self.version_files, files]

    def submit(self) -> None:
        self._allow("submit")
        self._submitted(self.draft_version)

    @event("Submitted")
    def _submitted(self, draft_version: int) -> None:
        self.state = "submitted"

    def return_to_draft(self, reason: str) -> None:
        self._allow("return_to_draft")
        self._returned(reason)

    @event("Returned")
    def _returned(self, reason: str) -> None:
        self.state = "draft"

    # -- signing, numbering, issuing -------------------------------------------------

    def official_to_sign(self) -> str:
        """The official whose signature a submitted document waits for (the draft's
        signer); a document in any other state refuses it."""
        self._allow("sign_as_official")
        return self.draft["signer"]["official_id"]

    def sign_as_official(self, official_id: str, certificate_serial: str,
                         signed_at: dt.datetime, file: dict[str, Any]) -> None:
        self._allow("sign_as_official")
        self._signed_by_official(official_id, certificate_serial, signed_at, file)

    @event("SignedByOfficial")
    def _signed_by_official(self, official_id: str, certificate_serial: str,
                            signed_at: dt.datetime, file: dict[str, Any]) -> None:
        self.state = "signed"
        self.signatures = [*self.signatures, Signing(official_id, certificate_serial,
                                                     signed_at, FileRef.of(file))]

    def give_number(self, number: int, notation: str, series: str, year: int,
                    numbered_at: dt.datetime) -> None:
        self._allow("number")
        self._numbered(number, notation, series, year, numbered_at)

    @event("Numbered")
    def _numbered(self, number: int, notation: str, series: str, year: int,
                  numbered_at: dt.datetime) -> None:
        self.state = "numbered"
        self.number = number
        self.notation = notation
        self.series = series
        self.year = year
        self.numbered_at = numbered_at

    def file_to_seal(self) -> FileRef:
        """The official's signed file, which the agency's seal is added to (a numbered
        document waits for it; any other refuses the seal)."""
        self._allow("sign_as_agency")
        return self.signatures[-1].file

    def sign_as_agency(self, certificate_serial: str, signed_at: dt.datetime,
                       file: dict[str, Any]) -> None:
        self._allow("sign_as_agency")
        self._issued(self.issuer_agency_code, certificate_serial, signed_at, file)

    @event("Issued")
    def _issued(self, agency_code: str, certificate_serial: str, signed_at: dt.datetime,
                file: dict[str, Any]) -> None:
        self.state = "issued"
        self.signatures = [*self.signatures, Signing(agency_code, certificate_serial,
                                                     signed_at, FileRef.of(file))]

    # -- after issuing ---------------------------------------------------------------

    def send(self, recipients: list[str], sent_at: dt.datetime,
             deliveries: list[dict[str, Any]]) -> None:
        """Sent to its recipients; ``deliveries``: for each, the code it was addressed to,
        the route through successors (``route``) and the incoming document it became
        (``incoming_id``, empty outside the platform)."""
        self._allow("send")
        self._sent(recipients, sent_at, deliveries)

    @event("Sent")
    def _sent(self, recipients: list[str], sent_at: dt.datetime,
              deliveries: list[dict[str, Any]]) -> None:
        self.state = "sent"
        self.recipients = list(recipients)
        self.sent_at = sent_at
        self.deliveries = list(deliveries)

    # -- the national exchange --------------------------------------------------------

    @property
    def external_recipients(self) -> list[str]:
        """The codes it was sent to that no agency of the platform holds."""
        return [d["addressed_to"] for d in self.deliveries if not d["incoming_id"]]

    @property
    def awaits_axis(self) -> bool:
        """Sent, with recipients outside the platform, and not yet taken by the axis."""
        return (self.state in ("sent", "recall_requested") and not self.axis_doc_id
                and bool(self.external_recipients)
                # Classified documents never travel on the national axis.
                and self.draft["confidentiality"] == "normal")

    def hand_to_axis(self, axis_doc_id: str, edxml_document_id: str,
                     handed_at: dt.datetime) -> None:
        if not self.awaits_axis:
            raise self._illegal("hand_to_axis")
        self._handed_to_axis(axis_doc_id, edxml_document_id, self.external_recipients,
                             handed_at)

    @event("HandedToAxis")
    def _handed_to_axis(self, axis_doc_id: str, edxml_document_id: str,
                        recipients: list[str], handed_at: dt.datetime) -> None:
        self.axis_doc_id = axis_doc_id
        self.edxml_document_id = edxml_document_id

    def report_external_status(self, agency_code: str, status_code: str, description: str,
                               reported_at: dt.datetime) -> None:
        """What a recipient outside the platform said of it through the axis."""
        if not self.axis_doc_id or agency_code not in self.external_recipients:
            raise self._illegal("report_external_status")
        self._external_status(agency_code, status_code, description, reported_at)

    @event("ExternalStatusReported")
    def _external_status(self, agency_code: str, status_code: str, description: str,
                         reported_at: dt.datetime) -> None:
        self.external_statuses = {**self.external_statuses, agency_code: status_code}

    def request_recall(self, reason: str) -> None:
        """The sender asks its recipients to give the document back (edXML 13)."""
        self._allow("request_recall")
        self._recall_requested(reason)

    @event("RecallRequested")
    def _recall_requested(self, reason: str) -> None:
        self.state = "recall_requested"
        self.closing_reason = reason

    def keep_after_refusal(self, agency_code: str, reason: str) -> None:
        """A recipient refused to give it back (edXML 16): the document stays sent."""
        self._allow("keep")
        self._recall_refused(agency_code, reason)

    @event("RecallRefused")
    def _recall_refused(self, agency_code: str, reason: str) -> None:
        self.state = "sent"

    def recall(self, reason: str) -> None:
        """Every recipient gave it back (edXML 15), or none of the platform had it."""
        self._allow("recall")
        self._recalled(reason)

    @event("Recalled")
    def _recalled(self, reason: str) -> None:
        self.state = "recalled"
        self.closing_reason = reason

    def revoke(self, reason: str) -> None:
        self._allow("revoke")
        self._revoked(reason)

    @event("Revoked")
    def _revoked(self, reason: str) -> None:
        self.state = "revoked"
        self.closing_reason = reason

    def replace_by(self, document_id: UUID, reason: str) -> None:
        self._allow("replace")
        self._replaced(document_id, reason)

    @event("Replaced")
    def _replaced(self, document_id: UUID, reason: str) -> None:
        self.state = "replaced"
        self.replaced_by = document_id
        self.closing_reason = reason
