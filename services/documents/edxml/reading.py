"""Safe loading of edXML bytes and the checked reading of their elements.

The parser never loads a DTD, never expands an entity, never touches the
network, and is fed in chunks so that a tree with too many or too deeply
nested elements is refused while it is being read, not after.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from typing import TYPE_CHECKING

from lxml import etree

from lienthong.errors import InvalidArgument
from lienthong.services.documents.edxml.model import EDXML_NS, DocumentId, is_organ_id
from lienthong.validation import Violations
from lienthong.vietnam import VIETNAM_TIME

if TYPE_CHECKING:
    from lienthong.services.documents.edxml.model import Limits

ROOT = "edXML"
_CHUNK = 1024 * 1024
#: Markup that opens a DTD or declares entities; refused before parsing.
_FORBIDDEN_MARKUP = (b"<!DOCTYPE", b"<!ENTITY")
DATE_FORMATS = ("%Y/%m/%d", "%d/%m/%Y")
TIMESTAMP_FORMATS = ("%Y/%m/%d %H:%M:%S", "%d/%m/%Y %H:%M:%S")


def q(name: str) -> str:
    """The qualified tag of an edXML element."""
    return f"{{{EDXML_NS}}}{name}"


def load(data: bytes, limits: Limits) -> etree._Element:
    """Parse ``data`` into the root element, refusing what is unsafe or not edXML."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise InvalidArgument.single(ROOT, "EDXML_NOT_BYTES", "must be the package's bytes")
    if len(data) > limits.max_input_bytes:
        raise InvalidArgument.single(
            ROOT, "EDXML_TOO_LARGE",
            f"is {len(data)} bytes, more than the {limits.max_input_bytes} allowed")
    raw = bytes(data)
    for markup in _FORBIDDEN_MARKUP:
        if markup in raw:
            raise InvalidArgument.single(
                ROOT, "EDXML_DTD_FORBIDDEN",
                "must not carry a DOCTYPE or entity declarations")
    parser = etree.XMLPullParser(
        events=("start", "end"), encoding="utf-8", resolve_entities=False, load_dtd=False,
        dtd_validation=False, no_network=True, remove_comments=True, remove_pis=True,
        # Base64 attachments are single text nodes larger than libxml2's default
        # cap; the input size limit above bounds them instead.
        huge_tree=True)
    elements = depth = 0
    try:
        for start in range(0, len(raw), _CHUNK):
            parser.feed(raw[start:start + _CHUNK])
            for event, _ in parser.read_events():
                if event == "end":
                    depth -= 1
                    continue
                elements += 1
                depth += 1
                if elements > limits.max_elements:
                    raise InvalidArgument.single(
                        ROOT, "EDXML_TOO_MANY_ELEMENTS",
                        f"has more than {limits.max_elements} elements")
                if depth > limits.max_depth:
                    raise InvalidArgument.single(
                        ROOT, "EDXML_TOO_DEEP",
                        f"nests elements deeper than {limits.max_depth}")
        root = parser.close()
    except etree.XMLSyntaxError as error:
        raise InvalidArgument.single(
            ROOT, "EDXML_MALFORMED", f"is not well-formed XML: {error}") from None
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise InvalidArgument.single(
            ROOT, "EDXML_DTD_FORBIDDEN", "must not carry a DOCTYPE or entity declarations")
    if root.tag != q(ROOT):
        qname = etree.QName(root)
        if qname.localname == ROOT:
            raise InvalidArgument.single(
                ROOT, "EDXML_NAMESPACE",
                f"must be in the namespace {EDXML_NS}, not {qname.namespace or 'none'}")
        raise InvalidArgument.single(
            ROOT, "EDXML_ROOT", f"the root element must be edXML, not {qname.localname}")
    return root


class Reader:
    """Reads checked values out of elements, collecting every broken rule."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.violations = Violations()

    def add(self, path: str, rule: str, description: str) -> None:
        self.violations.add(path, rule, description)

    # -- elements ------------------------------------------------------------------

    def children(self, parent: etree._Element, name: str) -> list[etree._Element]:
        """The edXML children called ``name``, in order."""
        return [child for child in parent if child.tag == q(name)]

    def child(self, parent: etree._Element, name: str, path: str, *,
              required: bool = True) -> etree._Element | None:
        """The single child ``name``; missing (when required) or repeated is a violation."""
        found = self.children(parent, name)
        if not found:
            if required:
                self.add(path, "REQUIRED", "is missing")
            return None
        if len(found) > 1:
            self.add(path, "REPEATED", f"must appear once, appears {len(found)} times")
        return found[0]

    # -- values ----------------------------------------------------------------------

    def text(self, parent: etree._Element | None, name: str, path: str, *,
             required: bool = False, long: bool = False) -> str:
        """The stripped text of the child ``name`` ('' when absent and not required)."""
        if parent is None:
            return ""
        element = self.child(parent, name, path, required=required)
        if element is None:
            return ""
        if len(element):
            self.add(path, "NOT_TEXT", "must hold text, not elements")
            return ""
        value = (element.text or "").strip()
        limit = self.limits.max_text_chars if long else self.limits.max_field_chars
        if len(value) > limit:
            self.add(path, "TEXT_TOO_LONG", f"is {len(value)} characters, more than {limit}")
            return value[:limit]
        if required and not value:
            self.add(path, "REQUIRED", "must not be empty")
        return value

    def organ_id(self, parent: etree._Element | None, name: str, path: str, *,
                 required: bool = True) -> str:
        value = self.text(parent, name, path, required=required)
        if value and not is_organ_id(value):
            self.add(path, "ORGAN_ID_FORMAT",
                     "must be an agency id: printable, without spaces, at most 64 characters")
        return value

    def date(self, parent: etree._Element | None, name: str, path: str, *,
             required: bool = False) -> dt.date | None:
        value = self.text(parent, name, path, required=required)
        return self.parse_date(value, path) if value else None

    def parse_date(self, value: str, path: str) -> dt.date | None:
        """yyyy/MM/dd, or the dd/MM/yyyy some systems write."""
        if len(value) == 10:
            for pattern in DATE_FORMATS:
                try:
                    return dt.datetime.strptime(value, pattern).date()
                except ValueError:
                    continue
        self.add(path, "DATE_FORMAT", f"must be a real day as yyyy/MM/dd, got {value[:40]!r}")
        return None

    def timestamp(self, parent: etree._Element | None, name: str, path: str, *,
                  required: bool = True) -> dt.datetime | None:
        value = self.text(parent, name, path, required=required)
        if not value:
            return None
        if len(value) == 19:
            for pattern in TIMESTAMP_FORMATS:
                try:
                    return dt.datetime.strptime(value, pattern).replace(tzinfo=VIETNAM_TIME)
                except ValueError:
                    continue
        self.add(path, "TIMESTAMP_FORMAT",
                 f"must be yyyy/MM/dd HH:mm:ss, got {value[:40]!r}")
        return None

    def integer(self, parent: etree._Element | None, name: str, path: str, *,
                required: bool = False) -> int | None:
        value = self.text(parent, name, path, required=required)
        if not value:
            return None
        if not (value.isascii() and value.lstrip("-").isdigit() and len(value) <= 9):
            self.add(path, "INTEGER_FORMAT", f"must be a whole number, got {value[:40]!r}")
            return None
        return int(value)

    def boolean(self, parent: etree._Element | None, name: str, path: str) -> bool | None:
        value = self.text(parent, name, path).lower()
        if not value:
            return None
        if value in ("true", "1"):
            return True
        if value in ("false", "0"):
            return False
        self.add(path, "BOOLEAN_FORMAT", f"must be true or false, got {value[:40]!r}")
        return None

    def document_id(self, parent: etree._Element | None, name: str, path: str, *,
                    required: bool = True) -> DocumentId | None:
        value = self.text(parent, name, path, required=required)
        if not value:
            return None
        return self.violations.check(lambda: DocumentId.parse(value, path))

    def base64(self, element: etree._Element, path: str) -> bytes | None:
        """The decoded bytes of a base64 text, its size checked before decoding."""
        if len(element):
            self.add(path, "NOT_TEXT", "must hold base64 text, not elements")
            return None
        encoded = "".join((element.text or "").split())
        if len(encoded) % 4:
            self.add(path, "BASE64_INVALID", "is not base64: its length is not a multiple of 4")
            return None
        size = len(encoded) // 4 * 3 - (len(encoded) - len(encoded.rstrip("=")))
        if size > self.limits.max_attachment_bytes:
            self.add(path, "ATTACHMENT_TOO_LARGE",
                     f"decodes to {size} bytes, more than {self.limits.max_attachment_bytes}")
            return None
        try:
            return base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            self.add(path, "BASE64_INVALID", "is not valid base64")
            return None
