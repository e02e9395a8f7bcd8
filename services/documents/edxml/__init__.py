"""edXML (QCVN 102:2016): build and parse document and status packages.

The library is pure: bytes in, frozen values out, and back. Parsing is strict
and safe (no DTD, no entities, no network, bounded sizes); every refusal is a
:class:`lienthong.errors.InvalidArgument` whose violations name the element
path and the rule broken.
"""

from __future__ import annotations

from lienthong.services.documents.edxml.build import build_package
from lienthong.services.documents.edxml.model import (
    EDXML_NS,
    Attachment,
    Business,
    BusinessDocType,
    BusinessDocumentInfo,
    Code,
    DocumentId,
    DocumentType,
    Limits,
    MessageHeader,
    Organization,
    OtherInfo,
    Package,
    PromulgationInfo,
    Receiver,
    ReplacementInfo,
    ResponseFor,
    SignerInfo,
    StaffInfo,
    TraceHeader,
    TraceHeaderList,
    is_organ_id,
)
from lienthong.services.documents.edxml.parse import parse_package
from lienthong.services.documents.edxml.status import (
    Status,
    StatusCode,
    build_status,
    parse_status,
)

__all__ = [
    "EDXML_NS",
    "Attachment",
    "Business",
    "BusinessDocType",
    "BusinessDocumentInfo",
    "Code",
    "DocumentId",
    "DocumentType",
    "Limits",
    "MessageHeader",
    "Organization",
    "OtherInfo",
    "Package",
    "PromulgationInfo",
    "Receiver",
    "ReplacementInfo",
    "ResponseFor",
    "SignerInfo",
    "StaffInfo",
    "Status",
    "StatusCode",
    "TraceHeader",
    "TraceHeaderList",
    "build_package",
    "build_status",
    "is_organ_id",
    "parse_package",
    "parse_status",
]
