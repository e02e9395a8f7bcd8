"""Small helpers the package's XML writers share."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lxml import etree

if TYPE_CHECKING:
    import datetime as dt

XLINK_NS = "http://www.w3.org/1999/xlink"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"


def timestamp(moment: dt.datetime) -> str:
    """An xsd:dateTime to the second, with the moment's own UTC offset."""
    return moment.isoformat(timespec="seconds")


def child(parent: etree._Element, tag: str, text: str | None = None,
          attrib: dict[str, str] | None = None) -> etree._Element:
    """Append ``<tag>`` (a Clark name, ``{ns}local``) with optional text and attributes."""
    element = etree.SubElement(parent, tag, attrib or {})
    if text is not None:
        element.text = text
    return element


def serialize(root: etree._Element) -> bytes:
    """UTF-8 with an XML declaration, indented: the bytes a package file holds."""
    etree.indent(root, space="  ")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True) + b"\n"
