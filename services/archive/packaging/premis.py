"""PREMIS 3 preservation metadata.

``metadata/preservation/premis.xml`` holds the record as an intellectual entity, its
representation, every event and every agent; the representation's own
``representations/rep1/metadata/preservation/premis.xml`` holds its files, each with
its SHA-256 fixity (the digest taken when the file arrived), size and format. Events
link to the files they concern, or to the record when they concern it as a whole.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lxml import etree

from lienthong.services.archive.packaging.xmlbits import XSI_NS, child, serialize, timestamp

if TYPE_CHECKING:
    from collections.abc import Sequence

    from lienthong.services.archive.packaging.model import (
        PayloadFile,
        PreservationEvent,
        RecordDescription,
    )

PREMIS_NS = "http://www.loc.gov/premis/v3"
VOCABULARIES = "http://id.loc.gov/vocabulary/preservation/"
REPRESENTATION = "rep1"
LOCAL = "local"  # identifier types: paths within the package, and the record's file code
FILE_CODE = "file code"


def _e(parent: etree._Element, tag: str, text: str | None = None,
       **attrib: str) -> etree._Element:
    return child(parent, f"{{{PREMIS_NS}}}{tag}", text, attrib)


def _term(parent: etree._Element, tag: str, value: str, vocabulary: str) -> None:
    _e(parent, tag, value, authority=vocabulary, authorityURI=f"{VOCABULARIES}{vocabulary}")


def _identifier(parent: etree._Element, prefix: str, kind: str, value: str) -> None:
    element = _e(parent, f"{prefix}Identifier")
    _e(element, f"{prefix}IdentifierType", kind)
    _e(element, f"{prefix}IdentifierValue", value)


def _root() -> etree._Element:
    return etree.Element(f"{{{PREMIS_NS}}}premis", {"version": "3.0"},
                         nsmap={"premis": PREMIS_NS, "xsi": XSI_NS})


def _object(root: etree._Element, kind: str) -> etree._Element:
    # xsi:type is a QName: the PREMIS type, prefixed as the document declares it.
    return _e(root, "object", **{f"{{{XSI_NS}}}type": f"premis:{kind}"})


def _relationship(parent: etree._Element, subtype: str,
                  related: Sequence[tuple[str, str]]) -> None:
    relationship = _e(parent, "relationship")
    _term(relationship, "relationshipType", "structural", "relationshipType")
    _term(relationship, "relationshipSubType", subtype, "relationshipSubType")
    for kind, value in related:
        _identifier(relationship, "relatedObject", kind, value)


def representation_id(package_id: str) -> str:
    return f"{package_id}/representations/{REPRESENTATION}"


def file_id(package_id: str, name: str) -> str:
    return f"{representation_id(package_id)}/data/{name}"


def agent_ids(creator: str, events: Sequence[PreservationEvent]) -> dict[tuple[str, str], str]:
    """Each agent, (name, type), with its identifier: the creating software first."""
    agents = [(creator, "software"), *((event.agent, event.agent_type) for event in events)]
    return {agent: f"agent-{number}" for number, agent in enumerate(dict.fromkeys(agents), 1)}


def build_package_premis(*, package_id: str, record: RecordDescription,
                         payload: Sequence[PayloadFile], events: Sequence[PreservationEvent],
                         creator: str, creator_version: str) -> bytes:
    root = _root()
    whole = [event.event_id for event in events if not event.objects]
    entity = _object(root, "intellectualEntity")
    _identifier(entity, "object", FILE_CODE, record.file_code)
    _identifier(entity, "object", "package", package_id)
    _e(entity, "originalName", record.title)
    _relationship(entity, "includes", [(LOCAL, representation_id(package_id))])
    for event_id in whole:
        _identifier(entity, "linkingEvent", LOCAL, event_id)

    representation = _object(root, "representation")
    _identifier(representation, "object", LOCAL, representation_id(package_id))
    _relationship(representation, "is included in", [(FILE_CODE, record.file_code)])
    if payload:  # a relationship names at least one object
        _relationship(representation, "includes",
                      [(LOCAL, file_id(package_id, item.name)) for item in payload])

    agents = agent_ids(creator, events)
    for event in events:
        _event(root, event, package_id, record.file_code,
               agents[(event.agent, event.agent_type)])
    for (name, kind), identifier in agents.items():
        agent = _e(root, "agent")
        _identifier(agent, "agent", LOCAL, identifier)
        _e(agent, "agentName", name)
        _term(agent, "agentType", kind, "agentType")
        if (name, kind) == (creator, "software"):
            _e(agent, "agentVersion", creator_version)
    return serialize(root)


def _event(root: etree._Element, event: PreservationEvent, package_id: str, file_code: str,
           agent: str) -> None:
    element = _e(root, "event")
    _identifier(element, "event", LOCAL, event.event_id)
    _term(element, "eventType", event.event_type, "eventType")
    _e(element, "eventDateTime", timestamp(event.when))
    if event.detail:
        _e(_e(element, "eventDetailInformation"), "eventDetail", event.detail)
    _term(_e(element, "eventOutcomeInformation"), "eventOutcome", event.outcome,
          "eventOutcome")
    linking = _e(element, "linkingAgentIdentifier")
    _e(linking, "linkingAgentIdentifierType", LOCAL)
    _e(linking, "linkingAgentIdentifierValue", agent)
    role = "executing program" if event.agent_type == "software" else "implementer"
    _term(linking, "linkingAgentRole", role, "eventRelatedAgentRole")
    objects = [(LOCAL, file_id(package_id, name)) for name in event.objects]
    for kind, value in objects or [(FILE_CODE, file_code)]:
        _identifier(element, "linkingObject", kind, value)


def build_representation_premis(*, package_id: str, payload: Sequence[PayloadFile],
                                events: Sequence[PreservationEvent]) -> bytes:
    root = _root()
    for item in payload:
        element = _object(root, "file")
        _identifier(element, "object", LOCAL, file_id(package_id, item.name))
        characteristics = _e(element, "objectCharacteristics")
        _e(characteristics, "compositionLevel", "0")
        fixity = _e(characteristics, "fixity")
        _term(fixity, "messageDigestAlgorithm", "SHA-256", "cryptographicHashFunctions")
        _e(fixity, "messageDigest", item.sha256.lower())
        _e(characteristics, "size", str(item.size))
        designation = _e(_e(characteristics, "format"), "formatDesignation")
        _e(designation, "formatName", item.mime_type)
        _e(element, "originalName", item.name)
        _relationship(element, "is included in", [(LOCAL, representation_id(package_id))])
        for event in events:
            if item.name in event.objects:
                _identifier(element, "linkingEvent", LOCAL, event.event_id)
    return serialize(root)
