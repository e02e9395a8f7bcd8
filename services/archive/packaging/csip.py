"""The package's METS documents, as the E-ARK CSIP 2.1 profile lays them out.

The root ``METS.xml`` identifies the package (OBJID, TYPE, content information type,
the AIP package type, the creating software and the archiving agency), points to the
descriptive (dmdSec) and preservation (amdSec/digiprovMD) metadata, lists every other
file with its SHA-256, size, media type and creation time (fileSec), and maps them in
the structMap labelled "CSIP": Metadata, Documentation, Schemas and Representations.
Each representation's ``METS.xml`` does the same for its data and its own metadata.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import quote

from lxml import etree

from lienthong.services.archive.packaging.xmlbits import (
    XLINK_NS,
    XSI_NS,
    child,
    serialize,
    timestamp,
)

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Sequence

METS_NS = "http://www.loc.gov/METS/"
CSIP_NS = "https://DILCIS.eu/XML/METS/CSIPExtensionMETS"
PROFILE = "https://earkcsip.dilcis.eu/profile/E-ARK-CSIP.xml"
CONTENT_CATEGORY = "Textual works – Digital"  # CSIP's content category vocabulary
CONTENT_INFORMATION_TYPE = "Vietnam Circular 05/2025/TT-BNV record (hồ sơ)"
SCHEMA_LOCATIONS = (
    "http://www.loc.gov/METS/ http://www.loc.gov/standards/mets/mets.xsd "
    "http://www.w3.org/1999/xlink http://www.loc.gov/standards/mets/xlink.xsd "
    f"{CSIP_NS} https://earkcsip.dilcis.eu/schema/DILCISExtensionMETS.xsd")
NSMAP = {None: METS_NS, "csip": CSIP_NS, "xlink": XLINK_NS, "xsi": XSI_NS}


@dataclass(frozen=True)
class FileRef:
    """A file a METS document describes; ``href`` is its path relative to that document's
    folder (written percent-encoded)."""

    href: str
    size: int
    sha256: str
    mime_type: str
    created: dt.datetime


@dataclass(frozen=True)
class MetadataRef:
    """A metadata file, with its METS MDTYPE (and OTHERMDTYPE or MDTYPEVERSION)."""

    file: FileRef
    mdtype: str
    version: str = ""
    other: str = ""


@dataclass(frozen=True)
class Header:
    objid: str
    label: str
    created: dt.datetime
    creator: str
    creator_version: str
    agency_name: str
    agency_code: str


def _m(parent: etree._Element, tag: str, text: str | None = None,
       **attrib: str) -> etree._Element:
    return child(parent, f"{{{METS_NS}}}{tag}", text, attrib)


def _csip(name: str) -> str:
    return f"{{{CSIP_NS}}}{name}"


def _xlink(name: str) -> str:
    return f"{{{XLINK_NS}}}{name}"


def _file_attributes(ref: FileRef) -> dict[str, str]:
    return {"MIMETYPE": ref.mime_type, "SIZE": str(ref.size), "CREATED": timestamp(ref.created),
            "CHECKSUM": ref.sha256.lower(), "CHECKSUMTYPE": "SHA-256"}


def _link(path: str) -> dict[str, str]:
    """A URL locator: the relative path, percent-encoded (spaces, Vietnamese letters)."""
    return {"LOCTYPE": "URL", _xlink("type"): "simple", _xlink("href"): quote(path)}


def _start(header: Header) -> etree._Element:
    root = etree.Element(f"{{{METS_NS}}}mets", {
        "OBJID": header.objid, "LABEL": header.label, "TYPE": CONTENT_CATEGORY,
        _csip("CONTENTINFORMATIONTYPE"): "OTHER",
        _csip("OTHERCONTENTINFORMATIONTYPE"): CONTENT_INFORMATION_TYPE,
        "PROFILE": PROFILE, f"{{{XSI_NS}}}schemaLocation": SCHEMA_LOCATIONS}, nsmap=NSMAP)
    moment = timestamp(header.created)
    head = _m(root, "metsHdr", CREATEDATE=moment, LASTMODDATE=moment, RECORDSTATUS="NEW",
              **{_csip("OAISPACKAGETYPE"): "AIP"})
    software = _m(head, "agent", ROLE="CREATOR", TYPE="OTHER", OTHERTYPE="SOFTWARE")
    _m(software, "name", header.creator)
    _m(software, "note", header.creator_version, **{_csip("NOTETYPE"): "SOFTWARE VERSION"})
    agency = _m(head, "agent", ROLE="ARCHIVIST", TYPE="ORGANIZATION")
    _m(agency, "name", header.agency_name)
    _m(agency, "note", header.agency_code, **{_csip("NOTETYPE"): "IDENTIFICATIONCODE"})
    return root


def _metadata(root: etree._Element, prefix: str, created: dt.datetime,
              descriptive: Sequence[MetadataRef],
              preservation: Sequence[MetadataRef]) -> tuple[list[str], list[str]]:
    dmd_ids, amd_ids = [], []
    for number, ref in enumerate(descriptive, 1):
        section = _m(root, "dmdSec", ID=f"{prefix}dmd-{number}", CREATED=timestamp(created),
                     STATUS="CURRENT")
        _metadata_ref(section, ref)
        dmd_ids.append(section.get("ID"))
    if preservation:
        amd = _m(root, "amdSec", ID=f"{prefix}amd")
        for number, ref in enumerate(preservation, 1):
            section = _m(amd, "digiprovMD", ID=f"{prefix}digiprov-{number}", STATUS="CURRENT")
            _metadata_ref(section, ref)
            amd_ids.append(section.get("ID"))
    return dmd_ids, amd_ids


def _metadata_ref(section: etree._Element, ref: MetadataRef) -> None:
    attributes = {**_link(ref.file.href), "MDTYPE": ref.mdtype}
    if ref.other:
        attributes["OTHERMDTYPE"] = ref.other
    if ref.version:
        attributes["MDTYPEVERSION"] = ref.version
    _m(section, "mdRef", **attributes, **_file_attributes(ref.file))


class _Files:
    """The fileSec, numbering its files across groups."""

    def __init__(self, root: etree._Element, prefix: str) -> None:
        self.prefix = prefix
        self.section = _m(root, "fileSec", ID=f"{prefix}filesec")
        self.count = 0

    def group(self, name: str, use: str, files: Sequence[FileRef]) -> str:
        # Every group names the content information type: CSIP requires it of the
        # representations' groups, and eark-validator's rule CSIP63 of every group.
        attributes = {"ID": f"{self.prefix}grp-{name}", "USE": use,
                      _csip("CONTENTINFORMATIONTYPE"): "OTHER",
                      _csip("OTHERCONTENTINFORMATIONTYPE"): CONTENT_INFORMATION_TYPE}
        group = _m(self.section, "fileGrp", **attributes)
        for ref in files:
            self.count += 1
            element = _m(group, "file", ID=f"{self.prefix}file-{self.count}",
                         **_file_attributes(ref))
            _m(element, "FLocat", **_link(ref.href))
        return attributes["ID"]


def _metadata_div(parent: etree._Element, prefix: str, dmd_ids: list[str],
                  amd_ids: list[str]) -> None:
    attributes = {"ID": f"{prefix}div-metadata", "LABEL": "Metadata"}
    if dmd_ids:
        attributes["DMDID"] = " ".join(dmd_ids)
    if amd_ids:
        attributes["ADMID"] = " ".join(amd_ids)
    _m(parent, "div", **attributes)


def build_root_mets(header: Header, *, descriptive: Sequence[MetadataRef],
                    preservation: Sequence[MetadataRef], documentation: Sequence[FileRef],
                    schemas: Sequence[FileRef], representation: str,
                    representation_files: Sequence[FileRef]) -> bytes:
    """The package's METS.xml; ``representation_files`` starts with that representation's
    METS.xml, which the structMap's representation division points to."""
    root = _start(header)
    dmd_ids, amd_ids = _metadata(root, "", header.created, descriptive, preservation)
    files = _Files(root, "")
    documentation_group = files.group("documentation", "Documentation", documentation)
    schemas_group = files.group("schemas", "Schemas", schemas)
    representation_group = files.group(representation, f"Representations/{representation}",
                                       representation_files)
    structure = _m(root, "structMap", ID="structmap", TYPE="PHYSICAL", LABEL="CSIP")
    package = _m(structure, "div", ID="div-package", LABEL=header.objid)
    _metadata_div(package, "", dmd_ids, amd_ids)
    for label, group in (("Documentation", documentation_group), ("Schemas", schemas_group),
                         ("Representations", representation_group)):
        _m(_m(package, "div", ID=f"div-{label.lower()}", LABEL=label), "fptr", FILEID=group)
    division = _m(package, "div", ID=f"div-{representation}",
                  LABEL=f"Representations/{representation}")
    _m(division, "mptr", **_link(representation_files[0].href),
       **{_xlink("title"): representation_group})
    return serialize(root)


def build_representation_mets(header: Header, *, preservation: Sequence[MetadataRef],
                              data: Sequence[FileRef]) -> bytes:
    """A representation's METS.xml: its data files and its preservation metadata."""
    prefix = f"{header.objid}-"
    root = _start(header)
    _, amd_ids = _metadata(root, prefix, header.created, (), preservation)
    data_group = _Files(root, prefix).group("data", "Data", data)
    structure = _m(root, "structMap", ID=f"{prefix}structmap", TYPE="PHYSICAL", LABEL="CSIP")
    top = _m(structure, "div", ID=f"{prefix}div", LABEL=header.objid)
    _metadata_div(top, prefix, [], amd_ids)
    _m(_m(top, "div", ID=f"{prefix}div-data", LABEL="Data"), "fptr", FILEID=data_group)
    return serialize(root)
