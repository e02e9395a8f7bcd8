"""Read an edXML package strictly: every broken rule is named by its element path.

Elements of other namespaces (an XML signature, say) and edXML elements this
model does not know are skipped; the order of siblings is not enforced, since
real systems write them in different orders.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lienthong.services.documents.edxml.model import (
    Attachment,
    Business,
    BusinessDocType,
    BusinessDocumentInfo,
    Code,
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
from lienthong.services.documents.edxml.reading import Reader, load

if TYPE_CHECKING:
    from lxml import etree

DEFAULT_LIMITS = Limits()


def parse_package(data: bytes, *, limits: Limits = DEFAULT_LIMITS) -> Package:
    """The package ``data`` holds; anything unsafe, malformed or incomplete is
    refused with one InvalidArgument listing every violation."""
    root = load(data, limits)
    reader = Reader(limits)
    envelope = reader.child(root, "edXMLEnvelope", "edXMLEnvelope")
    reader.violations.raise_if_any()
    assert envelope is not None
    header_element = reader.child(envelope, "edXMLHeader", "edXMLHeader")
    header = trace = None
    if header_element is not None:
        message = reader.child(header_element, "MessageHeader", "MessageHeader")
        if message is not None:
            header = read_message_header(reader, message, "MessageHeader")
        trace_element = reader.child(header_element, "TraceHeaderList", "TraceHeaderList")
        if trace_element is not None:
            trace = read_trace_header_list(reader, trace_element, "TraceHeaderList")
    attachments = read_attachments(reader, root, envelope)
    reader.violations.raise_if_any()
    assert header is not None and trace is not None
    return Package(header, trace, attachments)


def read_organization(reader: Reader, element: etree._Element, path: str) -> Organization:
    return Organization(
        organ_id=reader.organ_id(element, "OrganId", f"{path}/OrganId"),
        organ_name=reader.text(element, "OrganName", f"{path}/OrganName"),
        organization_in_charge=reader.text(element, "OrganizationInCharge",
                                           f"{path}/OrganizationInCharge"),
        organ_add=reader.text(element, "OrganAdd", f"{path}/OrganAdd"),
        email=reader.text(element, "Email", f"{path}/Email"),
        telephone=reader.text(element, "Telephone", f"{path}/Telephone"),
        fax=reader.text(element, "Fax", f"{path}/Fax"),
        website=reader.text(element, "Website", f"{path}/Website"),
    )


def read_response_for(reader: Reader, element: etree._Element, path: str) -> ResponseFor:
    return ResponseFor(
        organ_id=reader.organ_id(element, "OrganId", f"{path}/OrganId"),
        document_id=reader.document_id(element, "DocumentId", f"{path}/DocumentId"),  # type: ignore[arg-type]
        code=reader.text(element, "Code", f"{path}/Code"),
        promulgation_date=reader.date(element, "PromulgationDate", f"{path}/PromulgationDate"),
    )


def read_staff(reader: Reader, element: etree._Element, path: str) -> StaffInfo:
    return StaffInfo(
        department=reader.text(element, "Department", f"{path}/Department"),
        staff=reader.text(element, "Staff", f"{path}/Staff"),
        email=reader.text(element, "Email", f"{path}/Email"),
        mobile=reader.text(element, "Mobile", f"{path}/Mobile"),
    )


def read_message_header(reader: Reader, element: etree._Element, path: str) -> MessageHeader:
    sender_element = reader.child(element, "From", f"{path}/From")
    sender = (read_organization(reader, sender_element, f"{path}/From")
              if sender_element is not None else None)
    recipient_elements = reader.children(element, "To")
    if not recipient_elements:
        reader.add(f"{path}/To", "REQUIRED", "names no recipient")
    if len(recipient_elements) > reader.limits.max_recipients:
        reader.add(f"{path}/To", "TOO_MANY_RECIPIENTS",
                   f"names {len(recipient_elements)} recipients, more than "
                   f"{reader.limits.max_recipients}")
        recipient_elements = []
    recipients = tuple(
        read_organization(reader, to, f"{path}/To[{index}]")
        for index, to in enumerate(recipient_elements, start=1))
    document_id = reader.document_id(element, "DocumentId", f"{path}/DocumentId")

    code_element = reader.child(element, "Code", f"{path}/Code")
    code = Code(
        number=reader.text(code_element, "CodeNumber", f"{path}/Code/CodeNumber",
                           required=True),
        notation=reader.text(code_element, "CodeNotation", f"{path}/Code/CodeNotation"),
    )
    info_element = reader.child(element, "PromulgationInfo", f"{path}/PromulgationInfo")
    promulgation_date = reader.date(info_element, "PromulgationDate",
                                    f"{path}/PromulgationInfo/PromulgationDate",
                                    required=info_element is not None)
    place = reader.text(info_element, "Place", f"{path}/PromulgationInfo/Place")
    type_element = reader.child(element, "DocumentType", f"{path}/DocumentType")
    document_type = DocumentType(
        type=reader.integer(type_element, "Type", f"{path}/DocumentType/Type",
                            required=type_element is not None) or 0,
        type_name=reader.text(type_element, "TypeName", f"{path}/DocumentType/TypeName"),
        type_detail=reader.integer(type_element, "TypeDetail",
                                   f"{path}/DocumentType/TypeDetail"),
    )
    signer_element = reader.child(element, "SignerInfo", f"{path}/SignerInfo", required=False)
    signer = SignerInfo(
        competence=reader.text(signer_element, "Competence", f"{path}/SignerInfo/Competence"),
        position=reader.text(signer_element, "Position", f"{path}/SignerInfo/Position"),
        full_name=reader.text(signer_element, "FullName", f"{path}/SignerInfo/FullName"),
    )
    places_element = reader.child(element, "ToPlaces", f"{path}/ToPlaces", required=False)
    places = () if places_element is None else tuple(
        _own_text(reader, place, f"{path}/ToPlaces/Place[{index}]")
        for index, place in enumerate(reader.children(places_element, "Place"), start=1))
    other_element = reader.child(element, "OtherInfo", f"{path}/OtherInfo", required=False)
    responses = tuple(
        read_response_for(reader, response, f"{path}/ResponseFor[{index}]")
        for index, response in enumerate(reader.children(element, "ResponseFor"), start=1))
    header = MessageHeader(
        sender=sender,  # type: ignore[arg-type]
        recipients=recipients,
        document_id=document_id,  # type: ignore[arg-type]
        code=code,
        promulgation=PromulgationInfo(promulgation_date, place),  # type: ignore[arg-type]
        document_type=document_type,
        subject=reader.text(element, "Subject", f"{path}/Subject", required=True, long=True),
        content=reader.text(element, "Content", f"{path}/Content", long=True),
        signer=signer,
        due_date=reader.date(element, "DueDate", f"{path}/DueDate"),
        other_info=read_other_info(reader, other_element, f"{path}/OtherInfo"),
        response_for=responses,
        steering_type=reader.integer(element, "SteeringType", f"{path}/SteeringType"),
        to_places=places,
    )
    return header


def _own_text(reader: Reader, element: etree._Element, path: str) -> str:
    """The stripped text of ``element`` itself, its length checked."""
    if len(element):
        reader.add(path, "NOT_TEXT", "must hold text, not elements")
        return ""
    value = (element.text or "").strip()
    if len(value) > reader.limits.max_field_chars:
        reader.add(path, "TEXT_TOO_LONG",
                   f"is {len(value)} characters, more than {reader.limits.max_field_chars}")
        return value[:reader.limits.max_field_chars]
    return value


def read_other_info(reader: Reader, element: etree._Element | None, path: str) -> OtherInfo:
    if element is None:
        return OtherInfo()
    appendixes_element = reader.child(element, "Appendixes", f"{path}/Appendixes",
                                      required=False)
    appendixes = () if appendixes_element is None else tuple(
        value for value in (
            _own_text(reader, appendix, f"{path}/Appendixes/Appendix[{index}]")
            for index, appendix in enumerate(reader.children(appendixes_element, "Appendix"),
                                             start=1))
        if value)
    return OtherInfo(
        priority=reader.integer(element, "Priority", f"{path}/Priority") or 0,
        sphere_of_promulgation=reader.text(element, "SphereOfPromulgation",
                                           f"{path}/SphereOfPromulgation"),
        typer_notation=reader.text(element, "TyperNotation", f"{path}/TyperNotation"),
        promulgation_amount=reader.integer(element, "PromulgationAmount",
                                           f"{path}/PromulgationAmount"),
        page_amount=reader.integer(element, "PageAmount", f"{path}/PageAmount"),
        direction=reader.boolean(element, "Direction", f"{path}/Direction"),
        appendixes=appendixes,
    )


def read_trace_header_list(reader: Reader, element: etree._Element,
                           path: str) -> TraceHeaderList:
    hops = tuple(
        TraceHeader(
            organ_id=reader.organ_id(hop, "OrganId", f"{path}/TraceHeader[{index}]/OrganId"),
            timestamp=reader.timestamp(hop, "Timestamp",  # type: ignore[arg-type]
                                       f"{path}/TraceHeader[{index}]/Timestamp"),
        )
        for index, hop in enumerate(reader.children(element, "TraceHeader"), start=1))
    business_element = reader.child(element, "Bussiness", f"{path}/Bussiness")
    business = (read_business(reader, business_element, f"{path}/Bussiness")
                if business_element is not None else Business())
    return TraceHeaderList(business, hops)


def read_business(reader: Reader, element: etree._Element, path: str) -> Business:
    code = reader.integer(element, "BussinessDocType", f"{path}/BussinessDocType",
                          required=True)
    doc_type = BusinessDocType.NEW
    if code is not None:
        try:
            doc_type = BusinessDocType(code)
        except ValueError:
            reader.add(f"{path}/BussinessDocType", "BUSSINESS_DOC_TYPE_UNKNOWN",
                       f"must be 0 (new), 1 (revoke), 2 (update) or 3 (replace), got {code}")
    info_element = reader.child(element, "BussinessDocumentInfo",
                                f"{path}/BussinessDocumentInfo", required=False)
    document_info = None
    if info_element is not None:
        info_path = f"{path}/BussinessDocumentInfo"
        receivers_element = reader.child(info_element, "ReceiverList",
                                         f"{info_path}/ReceiverList", required=False)
        receiver_elements = ([] if receivers_element is None
                             else reader.children(receivers_element, "Receiver"))
        if len(receiver_elements) > reader.limits.max_recipients:
            reader.add(f"{info_path}/ReceiverList", "TOO_MANY_RECIPIENTS",
                       f"names more than {reader.limits.max_recipients} receivers")
            receiver_elements = []
        receivers = tuple(
            Receiver(
                organ_id=reader.organ_id(
                    receiver, "OrganId", f"{info_path}/ReceiverList/Receiver[{index}]/OrganId"),
                receiver_type=reader.integer(
                    receiver, "ReceiverType",
                    f"{info_path}/ReceiverList/Receiver[{index}]/ReceiverType") or 0)
            for index, receiver in enumerate(receiver_elements, start=1))
        document_info = BusinessDocumentInfo(
            document_info=reader.text(info_element, "DocumentInfo",
                                      f"{info_path}/DocumentInfo"),
            document_receiver=reader.text(info_element, "DocumentReceiver",
                                          f"{info_path}/DocumentReceiver"),
            receivers=receivers,
        )
    replacements_element = reader.child(element, "ReplacementInfoList",
                                        f"{path}/ReplacementInfoList", required=False)
    replacements: tuple[ReplacementInfo, ...] = ()
    if replacements_element is not None:
        replacements = tuple(
            _replacement(reader, replacement,
                         f"{path}/ReplacementInfoList/ReplacementInfo[{index}]")
            for index, replacement in enumerate(
                reader.children(replacements_element, "ReplacementInfo"), start=1))
    staff_element = reader.child(element, "StaffInfo", f"{path}/StaffInfo", required=False)
    return Business(
        doc_type=doc_type,
        reason=reader.text(element, "BussinessDocReason", f"{path}/BussinessDocReason",
                           long=True),
        document_id=reader.document_id(element, "DocumentId", f"{path}/DocumentId",
                                       required=False),
        paper=reader.integer(element, "Paper", f"{path}/Paper"),
        document_info=document_info,
        replacements=replacements,
        staff=(read_staff(reader, staff_element, f"{path}/StaffInfo")
               if staff_element is not None else None),
    )


def _replacement(reader: Reader, element: etree._Element, path: str) -> ReplacementInfo:
    organs_element = reader.child(element, "OrganIdList", f"{path}/OrganIdList",
                                  required=False)
    organ_ids: tuple[str, ...] = ()
    if organs_element is not None:
        organ_elements = reader.children(organs_element, "OrganId")
        if len(organ_elements) > reader.limits.max_recipients:
            reader.add(f"{path}/OrganIdList", "TOO_MANY_RECIPIENTS",
                       f"names more than {reader.limits.max_recipients} agencies")
            organ_elements = []
        organ_ids = tuple(
            _own_organ_id(reader, organ, f"{path}/OrganIdList/OrganId[{index}]")
            for index, organ in enumerate(organ_elements, start=1))
    return ReplacementInfo(
        document_id=reader.document_id(element, "DocumentId", f"{path}/DocumentId"),  # type: ignore[arg-type]
        organ_ids=organ_ids,
    )


def _own_organ_id(reader: Reader, element: etree._Element, path: str) -> str:
    value = _own_text(reader, element, path)
    if not is_organ_id(value):
        reader.add(path, "ORGAN_ID_FORMAT",
                   "must be an agency id: printable, without spaces, at most 64 characters")
    return value


def _content_id(value: str) -> str:
    return value[4:] if value.lower().startswith("cid:") else value


def read_attachments(reader: Reader, root: etree._Element,
                     envelope: etree._Element) -> tuple[Attachment, ...]:
    """The attachments, matched one to one with the manifest by ContentId."""
    manifest_path = "edXMLBody/edXMLManifest"
    body = reader.child(envelope, "edXMLBody", "edXMLBody", required=False)
    manifest = (None if body is None
                else reader.child(body, "edXMLManifest", manifest_path, required=False))
    references = [] if manifest is None else reader.children(manifest, "Reference")
    encoded = reader.child(root, "AttachmentEncoded", "AttachmentEncoded", required=False)
    elements = [] if encoded is None else reader.children(encoded, "Attachment")
    limit = reader.limits.max_attachments
    if len(references) > limit or len(elements) > limit:
        reader.add("AttachmentEncoded", "TOO_MANY_ATTACHMENTS",
                   f"holds {max(len(references), len(elements))} attachments, more than {limit}")
        return ()

    declared: dict[str, int] = {}
    for index, reference in enumerate(references, start=1):
        path = f"{manifest_path}/Reference[{index}]/ContentId"
        content_id = _content_id(reader.text(reference, "ContentId", path, required=True))
        if content_id in declared:
            reader.add(path, "CONTENT_ID_DUPLICATE", f"cid:{content_id} is listed twice")
        elif content_id:
            declared[content_id] = index

    attachments: list[Attachment] = []
    seen: set[str] = set()
    for index, element in enumerate(elements, start=1):
        path = f"AttachmentEncoded/Attachment[{index}]"
        content_id = _content_id(
            reader.text(element, "ContentId", f"{path}/ContentId", required=True))
        if not content_id:
            continue
        if content_id in seen:
            reader.add(f"{path}/ContentId", "CONTENT_ID_DUPLICATE",
                       f"cid:{content_id} is attached twice")
            continue
        seen.add(content_id)
        if content_id not in declared:
            reader.add(f"{path}/ContentId", "ATTACHMENT_NOT_IN_MANIFEST",
                       f"cid:{content_id} is not listed in the manifest")
            continue
        data_element = reader.child(element, "ContentTransferEncoded",
                                    f"{path}/ContentTransferEncoded")
        data = None if data_element is None else reader.base64(
            data_element, f"{path}/ContentTransferEncoded")
        reference = references[declared[content_id] - 1]
        reference_path = f"{manifest_path}/Reference[{declared[content_id]}]"
        attachments.append(Attachment(
            content_id=content_id,
            content_type=(reader.text(element, "ContentType", f"{path}/ContentType")
                          or reader.text(reference, "ContentType",
                                         f"{reference_path}/ContentType")),
            attachment_name=(reader.text(element, "AttachmentName", f"{path}/AttachmentName")
                             or reader.text(reference, "AttachmentName",
                                            f"{reference_path}/AttachmentName")),
            data=data or b"",
            description=(reader.text(element, "Description", f"{path}/Description", long=True)
                         or reader.text(reference, "Description",
                                        f"{reference_path}/Description", long=True)),
        ))
    for content_id, index in declared.items():
        if content_id not in seen:
            reader.add(f"{manifest_path}/Reference[{index}]/ContentId",
                       "MANIFEST_WITHOUT_ATTACHMENT",
                       f"cid:{content_id} is listed but not attached")
    return tuple(attachments)
