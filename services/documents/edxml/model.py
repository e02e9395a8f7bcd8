"""The edXML package (QCVN 102:2016) as plain, frozen values.

Names follow Python; the docstrings give the element each field is written
as. The standard spells the trace block ``Bussiness`` (double s); the wire
keeps that spelling, the Python names do not.

Dates are calendar days (``yyyy/MM/dd`` on the wire); timestamps are whole
seconds of Vietnam time (``yyyy/MM/dd HH:mm:ss``).
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field

from lienthong.errors import InvalidArgument

#: The namespace of every edXML element.
EDXML_NS = "http://www.mic.gov.vn/TBT/QCVN_102_2016"

MiB = 1024 * 1024

#: Longest agency id accepted; real ids are about a dozen characters.
MAX_ORGAN_ID_LENGTH = 64


@dataclass(frozen=True)
class Limits:
    """Bounds a package must keep to be read; callers may lower them.

    Each is checked before the work it guards: the input size before parsing,
    an attachment's decoded size from its base64 length before decoding.
    """

    max_input_bytes: int = 50 * MiB
    max_attachment_bytes: int = 40 * MiB
    max_attachments: int = 100
    max_recipients: int = 500
    #: Free text: Subject, Content, reasons, descriptions.
    max_text_chars: int = 20_000
    #: Every other text: names, codes, addresses, places.
    max_field_chars: int = 1_000
    max_elements: int = 20_000
    max_depth: int = 32


class BusinessDocType(enum.IntEnum):
    """``Bussiness/BussinessDocType``: what the package does to the document."""

    NEW = 0
    REVOKE = 1
    UPDATE = 2
    REPLACE = 3


@dataclass(frozen=True)
class DocumentId:
    """``DocumentId``: ``OrganId,yyyy/MM/dd,Number/Notation``, e.g.
    ``000.00.00.G22,2015/09/30,7816/VPCP-TTĐT``."""

    organ_id: str
    promulgation_date: dt.date
    number: str
    notation: str

    def __str__(self) -> str:
        return (f"{self.organ_id},{self.promulgation_date:%Y/%m/%d},"
                f"{self.number}/{self.notation}")

    @classmethod
    def parse(cls, text: str, field_path: str = "DocumentId") -> DocumentId:
        """Read a DocumentId; a malformed one is refused with DOCUMENT_ID_FORMAT."""

        def refuse(why: str) -> InvalidArgument:
            return InvalidArgument.single(
                field_path, "DOCUMENT_ID_FORMAT",
                f"must be OrganId,yyyy/MM/dd,Number/Notation: {why} (got {text[:80]!r})")

        parts = text.split(",", 2)
        if len(parts) != 3:
            raise refuse("three comma-separated parts expected")
        organ_id, day, code = (part.strip() for part in parts)
        if not is_organ_id(organ_id):
            raise refuse("the agency id is empty or not printable")
        try:
            date = dt.datetime.strptime(day, "%Y/%m/%d").date()
        except ValueError:
            raise refuse(f"{day!r} is not a real yyyy/MM/dd day") from None
        if len(day) != 10:
            raise refuse(f"{day!r} is not a real yyyy/MM/dd day")
        number, slash, notation = code.partition("/")
        if not slash or not number.strip() or not notation.strip():
            raise refuse("the code must be Number/Notation")
        return cls(organ_id, date, number.strip(), notation.strip())


def is_organ_id(value: str) -> bool:
    """Loose check of an agency id (``000.00.01.H26``, ``H26.01.05``...):
    non-empty, printable, without spaces, of bounded length."""
    return (0 < len(value) <= MAX_ORGAN_ID_LENGTH and value.isprintable()
            and not any(ch.isspace() for ch in value))


@dataclass(frozen=True)
class Organization:
    """``From`` / ``To``: an agency with its contacts."""

    organ_id: str
    organ_name: str = ""
    organization_in_charge: str = ""
    organ_add: str = ""
    email: str = ""
    telephone: str = ""
    fax: str = ""
    website: str = ""


@dataclass(frozen=True)
class Code:
    """``Code``: ``CodeNumber`` and ``CodeNotation`` (số và ký hiệu)."""

    number: str
    notation: str


@dataclass(frozen=True)
class PromulgationInfo:
    """``PromulgationInfo``: ``Place`` and ``PromulgationDate``."""

    promulgation_date: dt.date
    place: str = ""


@dataclass(frozen=True)
class DocumentType:
    """``DocumentType``: ``Type`` (code), ``TypeDetail``, ``TypeName``."""

    type: int
    type_name: str = ""
    type_detail: int | None = None


@dataclass(frozen=True)
class SignerInfo:
    """``SignerInfo``: ``Competence``, ``Position``, ``FullName``."""

    competence: str = ""
    position: str = ""
    full_name: str = ""


@dataclass(frozen=True)
class OtherInfo:
    """``OtherInfo``: priority, sphere, typist, counts, direction, appendixes."""

    priority: int = 0
    sphere_of_promulgation: str = ""
    typer_notation: str = ""
    promulgation_amount: int | None = None
    page_amount: int | None = None
    direction: bool | None = None
    appendixes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ResponseFor:
    """``ResponseFor``: the document this one answers (or a status is about)."""

    organ_id: str
    document_id: DocumentId
    code: str = ""
    promulgation_date: dt.date | None = None


@dataclass(frozen=True)
class MessageHeader:
    """``MessageHeader``: who sends what to whom."""

    sender: Organization
    recipients: tuple[Organization, ...]
    document_id: DocumentId
    code: Code
    promulgation: PromulgationInfo
    document_type: DocumentType
    subject: str
    content: str = ""
    signer: SignerInfo = field(default_factory=SignerInfo)
    due_date: dt.date | None = None
    other_info: OtherInfo = field(default_factory=OtherInfo)
    response_for: tuple[ResponseFor, ...] = ()
    steering_type: int | None = None
    to_places: tuple[str, ...] = ()


@dataclass(frozen=True)
class TraceHeader:
    """``TraceHeader``: an agency the package passed through, and when."""

    organ_id: str
    timestamp: dt.datetime


@dataclass(frozen=True)
class StaffInfo:
    """``StaffInfo``: the clerk who handled the package."""

    department: str = ""
    staff: str = ""
    email: str = ""
    mobile: str = ""


@dataclass(frozen=True)
class Receiver:
    """``ReceiverList/Receiver``: an agency and its ``ReceiverType``."""

    organ_id: str
    receiver_type: int = 0


@dataclass(frozen=True)
class BusinessDocumentInfo:
    """``BussinessDocumentInfo``: what of an updated document changed, for whom."""

    document_info: str = ""
    document_receiver: str = ""
    receivers: tuple[Receiver, ...] = ()


@dataclass(frozen=True)
class ReplacementInfo:
    """``ReplacementInfoList/ReplacementInfo``: a document replaced, at which agencies."""

    document_id: DocumentId
    organ_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Business:
    """``Bussiness``: new, revoked, updated or replacing, and why."""

    doc_type: BusinessDocType = BusinessDocType.NEW
    reason: str = ""
    document_id: DocumentId | None = None
    paper: int | None = None
    document_info: BusinessDocumentInfo | None = None
    replacements: tuple[ReplacementInfo, ...] = ()
    staff: StaffInfo | None = None


@dataclass(frozen=True)
class TraceHeaderList:
    """``TraceHeaderList``: the route so far and the business of the package."""

    business: Business = field(default_factory=Business)
    trace_headers: tuple[TraceHeader, ...] = ()


@dataclass(frozen=True)
class Attachment:
    """An attached file: its manifest ``Reference`` and its ``Attachment`` bytes.

    ``content_id`` is kept without the ``cid:`` prefix the wire adds.
    """

    content_id: str
    content_type: str
    attachment_name: str
    data: bytes
    description: str = ""


@dataclass(frozen=True)
class Package:
    """A whole edXML document package."""

    header: MessageHeader
    trace: TraceHeaderList = field(default_factory=TraceHeaderList)
    attachments: tuple[Attachment, ...] = ()
