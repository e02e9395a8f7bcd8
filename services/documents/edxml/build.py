"""Write an edXML package as the standard lays it out.

``edXML`` holds the ``edXMLEnvelope`` (``edXMLHeader``: MessageHeader and
TraceHeaderList; ``edXMLBody``: the manifest of attachments) followed by
``AttachmentEncoded``, the attachments themselves in base64. Elements are
written in the order the national document exchange's own samples use.
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING

from lxml import etree

from lienthong.errors import InvalidArgument
from lienthong.services.documents.edxml.model import EDXML_NS, is_organ_id
from lienthong.services.documents.edxml.reading import q
from lienthong.vietnam import VIETNAM_TIME

if TYPE_CHECKING:
    import datetime as dt

    from lienthong.services.documents.edxml.model import (
        Attachment,
        Business,
        DocumentId,
        MessageHeader,
        Organization,
        Package,
        ResponseFor,
        StaffInfo,
        TraceHeaderList,
    )

NSMAP = {"edXML": EDXML_NS}


def format_date(day: dt.date) -> str:
    return f"{day:%Y/%m/%d}"


def format_timestamp(moment: dt.datetime) -> str:
    """Vietnam time to the second; a naive datetime is taken as Vietnam time."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(VIETNAM_TIME)
    return f"{moment:%Y/%m/%d %H:%M:%S}"


class Writer:
    """Adds edXML elements, naming the element path of any value XML cannot carry."""

    def element(self, parent: etree._Element, name: str) -> etree._Element:
        return etree.SubElement(parent, q(name))

    def text(self, parent: etree._Element, name: str, value: object, path: str) -> None:
        element = self.element(parent, name)
        try:
            element.text = "" if value is None else str(value)
        except ValueError:
            raise InvalidArgument.single(
                path, "XML_CHARACTERS",
                "holds characters XML cannot carry (control characters)") from None

    def organ_id(self, parent: etree._Element, name: str, value: str, path: str) -> None:
        if not is_organ_id(value):
            raise InvalidArgument.single(
                path, "ORGAN_ID_FORMAT",
                "must be an agency id: printable, without spaces, at most 64 characters")
        self.text(parent, name, value, path)

    def organization(self, parent: etree._Element, name: str, organ: Organization,
                     path: str) -> None:
        element = self.element(parent, name)
        self.organ_id(element, "OrganId", organ.organ_id, f"{path}/OrganId")
        for tag, value in (("OrganizationInCharge", organ.organization_in_charge),
                           ("OrganName", organ.organ_name), ("OrganAdd", organ.organ_add),
                           ("Email", organ.email), ("Telephone", organ.telephone),
                           ("Fax", organ.fax), ("Website", organ.website)):
            self.text(element, tag, value, f"{path}/{tag}")

    def response_for(self, parent: etree._Element, response: ResponseFor, path: str) -> None:
        element = self.element(parent, "ResponseFor")
        self.organ_id(element, "OrganId", response.organ_id, f"{path}/OrganId")
        self.text(element, "Code", response.code, f"{path}/Code")
        if response.promulgation_date is not None:
            self.text(element, "PromulgationDate", format_date(response.promulgation_date),
                      f"{path}/PromulgationDate")
        self.document_id(element, "DocumentId", response.document_id, f"{path}/DocumentId")

    def document_id(self, parent: etree._Element, name: str, document_id: DocumentId,
                    path: str) -> None:
        if not is_organ_id(document_id.organ_id):
            raise InvalidArgument.single(path, "DOCUMENT_ID_FORMAT",
                                         "the agency id is empty or not printable")
        self.text(parent, name, str(document_id), path)

    def staff(self, parent: etree._Element, staff: StaffInfo, path: str) -> None:
        element = self.element(parent, "StaffInfo")
        for tag, value in (("Department", staff.department), ("Staff", staff.staff),
                           ("Email", staff.email), ("Mobile", staff.mobile)):
            self.text(element, tag, value, f"{path}/{tag}")

    def envelope(self) -> tuple[etree._Element, etree._Element, etree._Element]:
        """The root, its envelope and the envelope's header."""
        root = etree.Element(q("edXML"), nsmap=NSMAP)
        envelope = self.element(root, "edXMLEnvelope")
        return root, envelope, self.element(envelope, "edXMLHeader")


def to_bytes(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def build_package(package: Package) -> bytes:
    """The package as UTF-8 edXML bytes; a value XML cannot carry or an agency id
    that is not one is refused with InvalidArgument naming its element."""
    writer = Writer()
    root, envelope, header = writer.envelope()
    _message_header(writer, header, package.header)
    _trace_header_list(writer, header, package.trace)
    body = writer.element(envelope, "edXMLBody")
    manifest = writer.element(body, "edXMLManifest")
    manifest.set("version", "1.0")
    _check_content_ids(package.attachments)
    for index, attachment in enumerate(package.attachments, start=1):
        _reference(writer, manifest, attachment, f"edXMLBody/edXMLManifest/Reference[{index}]")
    encoded = writer.element(root, "AttachmentEncoded")
    for index, attachment in enumerate(package.attachments, start=1):
        _attachment(writer, encoded, attachment, f"AttachmentEncoded/Attachment[{index}]")
    return to_bytes(root)


def _message_header(writer: Writer, parent: etree._Element, header: MessageHeader) -> None:
    path = "MessageHeader"
    element = writer.element(parent, "MessageHeader")
    writer.organization(element, "From", header.sender, f"{path}/From")
    if not header.recipients:
        raise InvalidArgument.single(f"{path}/To", "REQUIRED", "names no recipient")
    for index, recipient in enumerate(header.recipients, start=1):
        writer.organization(element, "To", recipient, f"{path}/To[{index}]")
    writer.document_id(element, "DocumentId", header.document_id, f"{path}/DocumentId")
    code = writer.element(element, "Code")
    writer.text(code, "CodeNumber", header.code.number, f"{path}/Code/CodeNumber")
    writer.text(code, "CodeNotation", header.code.notation, f"{path}/Code/CodeNotation")
    info = writer.element(element, "PromulgationInfo")
    writer.text(info, "Place", header.promulgation.place, f"{path}/PromulgationInfo/Place")
    writer.text(info, "PromulgationDate", format_date(header.promulgation.promulgation_date),
                f"{path}/PromulgationInfo/PromulgationDate")
    kind = writer.element(element, "DocumentType")
    writer.text(kind, "Type", header.document_type.type, f"{path}/DocumentType/Type")
    if header.document_type.type_detail is not None:
        writer.text(kind, "TypeDetail", header.document_type.type_detail,
                    f"{path}/DocumentType/TypeDetail")
    writer.text(kind, "TypeName", header.document_type.type_name,
                f"{path}/DocumentType/TypeName")
    writer.text(element, "Subject", header.subject, f"{path}/Subject")
    writer.text(element, "Content", header.content, f"{path}/Content")
    signer = writer.element(element, "SignerInfo")
    for tag, value in (("Competence", header.signer.competence),
                       ("Position", header.signer.position),
                       ("FullName", header.signer.full_name)):
        writer.text(signer, tag, value, f"{path}/SignerInfo/{tag}")
    if header.due_date is not None:
        writer.text(element, "DueDate", format_date(header.due_date), f"{path}/DueDate")
    _other_info(writer, element, header, f"{path}/OtherInfo")
    for index, response in enumerate(header.response_for, start=1):
        writer.response_for(element, response, f"{path}/ResponseFor[{index}]")
    if header.steering_type is not None:
        writer.text(element, "SteeringType", header.steering_type, f"{path}/SteeringType")
    if header.to_places:
        places = writer.element(element, "ToPlaces")
        for index, place in enumerate(header.to_places, start=1):
            writer.text(places, "Place", place, f"{path}/ToPlaces/Place[{index}]")


def _other_info(writer: Writer, parent: etree._Element, header: MessageHeader,
                path: str) -> None:
    other = header.other_info
    element = writer.element(parent, "OtherInfo")
    writer.text(element, "Priority", other.priority, f"{path}/Priority")
    writer.text(element, "SphereOfPromulgation", other.sphere_of_promulgation,
                f"{path}/SphereOfPromulgation")
    writer.text(element, "TyperNotation", other.typer_notation, f"{path}/TyperNotation")
    if other.promulgation_amount is not None:
        writer.text(element, "PromulgationAmount", other.promulgation_amount,
                    f"{path}/PromulgationAmount")
    if other.page_amount is not None:
        writer.text(element, "PageAmount", other.page_amount, f"{path}/PageAmount")
    if other.direction is not None:
        writer.text(element, "Direction", "true" if other.direction else "false",
                    f"{path}/Direction")
    if other.appendixes:
        appendixes = writer.element(element, "Appendixes")
        for index, appendix in enumerate(other.appendixes, start=1):
            writer.text(appendixes, "Appendix", appendix, f"{path}/Appendixes/Appendix[{index}]")


def _trace_header_list(writer: Writer, parent: etree._Element, trace: TraceHeaderList) -> None:
    path = "TraceHeaderList"
    element = writer.element(parent, "TraceHeaderList")
    for index, hop in enumerate(trace.trace_headers, start=1):
        hop_path = f"{path}/TraceHeader[{index}]"
        hop_element = writer.element(element, "TraceHeader")
        writer.organ_id(hop_element, "OrganId", hop.organ_id, f"{hop_path}/OrganId")
        writer.text(hop_element, "Timestamp", format_timestamp(hop.timestamp),
                    f"{hop_path}/Timestamp")
    _business(writer, element, trace.business, f"{path}/Bussiness")


def _business(writer: Writer, parent: etree._Element, business: Business, path: str) -> None:
    element = writer.element(parent, "Bussiness")
    if business.document_id is not None:
        writer.document_id(element, "DocumentId", business.document_id, f"{path}/DocumentId")
    writer.text(element, "BussinessDocType", int(business.doc_type), f"{path}/BussinessDocType")
    writer.text(element, "BussinessDocReason", business.reason, f"{path}/BussinessDocReason")
    if business.paper is not None:
        writer.text(element, "Paper", business.paper, f"{path}/Paper")
    if business.document_info is not None:
        info_path = f"{path}/BussinessDocumentInfo"
        info = writer.element(element, "BussinessDocumentInfo")
        writer.text(info, "DocumentInfo", business.document_info.document_info,
                    f"{info_path}/DocumentInfo")
        writer.text(info, "DocumentReceiver", business.document_info.document_receiver,
                    f"{info_path}/DocumentReceiver")
        receivers = writer.element(info, "ReceiverList")
        for index, receiver in enumerate(business.document_info.receivers, start=1):
            receiver_path = f"{info_path}/ReceiverList/Receiver[{index}]"
            receiver_element = writer.element(receivers, "Receiver")
            writer.organ_id(receiver_element, "OrganId", receiver.organ_id,
                            f"{receiver_path}/OrganId")
            writer.text(receiver_element, "ReceiverType", receiver.receiver_type,
                        f"{receiver_path}/ReceiverType")
    if business.replacements:
        replacements = writer.element(element, "ReplacementInfoList")
        for index, replacement in enumerate(business.replacements, start=1):
            replacement_path = f"{path}/ReplacementInfoList/ReplacementInfo[{index}]"
            replacement_element = writer.element(replacements, "ReplacementInfo")
            writer.document_id(replacement_element, "DocumentId", replacement.document_id,
                               f"{replacement_path}/DocumentId")
            organs = writer.element(replacement_element, "OrganIdList")
            for organ_index, organ_id in enumerate(replacement.organ_ids, start=1):
                writer.organ_id(organs, "OrganId", organ_id,
                                f"{replacement_path}/OrganIdList/OrganId[{organ_index}]")
    if business.staff is not None:
        writer.staff(element, business.staff, f"{path}/StaffInfo")


def _check_content_ids(attachments: tuple[Attachment, ...]) -> None:
    seen: set[str] = set()
    for index, attachment in enumerate(attachments, start=1):
        path = f"AttachmentEncoded/Attachment[{index}]/ContentId"
        content_id = attachment.content_id
        if not content_id or content_id.startswith("cid:") or content_id in seen:
            raise InvalidArgument.single(
                path, "CONTENT_ID_INVALID",
                "must be non-empty, unique and given without the cid: prefix")
        seen.add(content_id)


def _reference(writer: Writer, manifest: etree._Element, attachment: Attachment,
               path: str) -> None:
    element = writer.element(manifest, "Reference")
    writer.text(element, "ContentId", f"cid:{attachment.content_id}", f"{path}/ContentId")
    writer.text(element, "ContentType", attachment.content_type, f"{path}/ContentType")
    writer.text(element, "Description", attachment.description, f"{path}/Description")
    writer.text(element, "AttachmentName", attachment.attachment_name,
                f"{path}/AttachmentName")


def _attachment(writer: Writer, parent: etree._Element, attachment: Attachment,
                path: str) -> None:
    element = writer.element(parent, "Attachment")
    writer.text(element, "ContentId", f"cid:{attachment.content_id}", f"{path}/ContentId")
    writer.text(element, "AttachmentName", attachment.attachment_name,
                f"{path}/AttachmentName")
    writer.text(element, "Description", attachment.description, f"{path}/Description")
    writer.text(element, "ContentType", attachment.content_type, f"{path}/ContentType")
    writer.text(element, "ContentTransferEncoded",
                base64.b64encode(attachment.data).decode("ascii"),
                f"{path}/ContentTransferEncoded")
