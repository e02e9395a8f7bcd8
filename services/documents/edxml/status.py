"""The edXML status package: how a receiving agency reports on a document.

Written as ``edXML/edXMLEnvelope/edXMLHeader/Status`` holding ``From`` (the
agency reporting), ``ResponseFor`` (the document, whose sender receives the
status), ``StaffInfo``, ``StatusCode``, ``Description`` and ``Timestamp``.
Some systems name the container ``MessageHeader`` instead of ``Status``; both
are read.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING

from lxml import etree

from lienthong.errors import InvalidArgument
from lienthong.services.documents.edxml.build import Writer, format_timestamp, to_bytes
from lienthong.services.documents.edxml.model import (
    Limits,
    Organization,
    ResponseFor,
    StaffInfo,
)
from lienthong.services.documents.edxml.parse import (
    read_organization,
    read_response_for,
    read_staff,
)
from lienthong.services.documents.edxml.reading import Reader, load

if TYPE_CHECKING:
    import datetime as dt


class StatusCode(enum.Enum):
    """``StatusCode``: where the document stands at the receiving agency."""

    RECEIVED = "01"
    REFUSED = "02"
    REGISTERED = "03"
    ASSIGNED = "04"
    IN_PROGRESS = "05"
    COMPLETED = "06"
    RECALL_REQUESTED = "13"
    RECALL_AGREED = "15"
    RECALL_REFUSED = "16"

    @property
    def meaning_vi(self) -> str:
        return _MEANINGS[self][0]

    @property
    def meaning_en(self) -> str:
        return _MEANINGS[self][1]


_MEANINGS: dict[StatusCode, tuple[str, str]] = {
    StatusCode.RECEIVED: ("Đã nhận văn bản", "received"),
    StatusCode.REFUSED: ("Từ chối tiếp nhận văn bản", "refused"),
    StatusCode.REGISTERED: ("Đã tiếp nhận, vào sổ văn bản đến", "accepted and registered"),
    StatusCode.ASSIGNED: ("Đã phân công xử lý", "assigned"),
    StatusCode.IN_PROGRESS: ("Đang xử lý", "in progress"),
    StatusCode.COMPLETED: ("Đã hoàn thành xử lý", "completed"),
    StatusCode.RECALL_REQUESTED: ("Đề nghị lấy lại văn bản", "recall requested"),
    StatusCode.RECALL_AGREED: ("Đồng ý cho lấy lại văn bản", "recall agreed"),
    StatusCode.RECALL_REFUSED: ("Từ chối cho lấy lại văn bản", "recall refused"),
}


@dataclass(frozen=True)
class Status:
    """A status report on one document."""

    sender: Organization
    response_for: ResponseFor
    code: StatusCode
    timestamp: dt.datetime
    description: str = ""
    staff: StaffInfo | None = None

    @property
    def receiver_id(self) -> str:
        """The agency the status goes to: the one that sent the document."""
        return self.response_for.organ_id


def build_status(status: Status) -> bytes:
    """The status as UTF-8 edXML bytes."""
    writer = Writer()
    root, _, header = writer.envelope()
    element = writer.element(header, "Status")
    writer.organization(element, "From", status.sender, "Status/From")
    writer.response_for(element, status.response_for, "Status/ResponseFor")
    if status.staff is not None:
        writer.staff(element, status.staff, "Status/StaffInfo")
    writer.text(element, "StatusCode", status.code.value, "Status/StatusCode")
    writer.text(element, "Description", status.description, "Status/Description")
    writer.text(element, "Timestamp", format_timestamp(status.timestamp), "Status/Timestamp")
    return to_bytes(root)


def parse_status(data: bytes, *, limits: Limits | None = None) -> Status:
    """The status ``data`` holds; an unknown StatusCode, like every other broken
    rule, is refused with InvalidArgument naming its element."""
    limits = limits or Limits()
    root = load(data, limits)
    reader = Reader(limits)
    envelope = reader.child(root, "edXMLEnvelope", "edXMLEnvelope")
    header = None if envelope is None else reader.child(envelope, "edXMLHeader", "edXMLHeader")
    reader.violations.raise_if_any()
    assert header is not None
    containers = reader.children(header, "Status") or reader.children(header, "MessageHeader")
    if len(containers) != 1:
        raise InvalidArgument.single(
            "Status", "REQUIRED" if not containers else "REPEATED",
            "the header must hold exactly one Status")
    element = containers[0]
    path = etree.QName(element).localname
    sender_element = reader.child(element, "From", f"{path}/From")
    response_element = reader.child(element, "ResponseFor", f"{path}/ResponseFor")
    staff_element = reader.child(element, "StaffInfo", f"{path}/StaffInfo", required=False)
    raw_code = reader.text(element, "StatusCode", f"{path}/StatusCode", required=True)
    code = None
    if raw_code:
        try:
            code = StatusCode(raw_code)
        except ValueError:
            known = ", ".join(item.value for item in StatusCode)
            reader.add(f"{path}/StatusCode", "STATUS_CODE_UNKNOWN",
                       f"must be one of {known}, got {raw_code[:20]!r}")
    status = Status(
        sender=(read_organization(reader, sender_element, f"{path}/From")
                if sender_element is not None else None),  # type: ignore[arg-type]
        response_for=(read_response_for(reader, response_element, f"{path}/ResponseFor")
                      if response_element is not None else None),  # type: ignore[arg-type]
        code=code,  # type: ignore[arg-type]
        timestamp=reader.timestamp(element, "Timestamp", f"{path}/Timestamp"),  # type: ignore[arg-type]
        description=reader.text(element, "Description", f"{path}/Description", long=True),
        staff=(read_staff(reader, staff_element, f"{path}/StaffInfo")
               if staff_element is not None else None),
    )
    reader.violations.raise_if_any()
    return status

