"""What a document sent outside the platform becomes on the national axis: its edXML
package, built from the issued document; and which documents go there at all."""

from __future__ import annotations

import datetime as dt
import uuid

from lienthong.services.documents.application import DocumentsApplication
from lienthong.services.documents.domain.units import KnownUnit
from lienthong.services.documents.drafts import DraftInput
from lienthong.services.documents.edxml import build_package, parse_package
from lienthong.services.documents.exchange import (
    ADMINISTRATIVE,
    LEGAL_NORMATIVE,
    edxml_document_id,
    package_of,
)
from lienthong.services.documents.ports import SignatureFacts

# 23:30 on 31 December UTC is already 1 January in Vietnam.
NOW = dt.datetime(2026, 12, 31, 23, 30, tzinfo=dt.UTC)
SIGNER = str(uuid.UUID(int=3))
PROVINCE, MINISTRY, OTHER_PROVINCE = "000.00.00.H26", "000.00.00.G12", "000.00.00.H40"


class Validations:
    def validate_pdf(self, file, *, adds_to=None):
        official = "" if file.object_name == "sealed" else SIGNER
        return SignatureFacts(True, "TOTAL_PASSED", "1a", PROVINCE, official, NOW,
                              agency_seal=not official)


def signed(name: str) -> dict[str, object]:
    return {"name": f"{name}.pdf", "object_name": name, "size": 10, "sha256": "ab" * 32,
            "content_type": "application/pdf"}


def sent(*, legal: bool = False, confidentiality: str = "normal") -> tuple[
        DocumentsApplication, str]:
    app = DocumentsApplication(signatures=Validations(), clock=lambda: NOW)
    unit = KnownUnit(id=uuid.uuid4(), display_name="UBND tỉnh Hưng Yên",
                     agency_code=PROVINCE)
    app.save(unit)
    draft = DraftInput(document_type="QD", subject="Quy định về lưu trữ điện tử",
                       issuer_notation="UBND", signer_id=SIGNER, signer_name="Trần Văn Nam",
                       signer_position="Chủ tịch", authority="TM.",
                       recipients=(MINISTRY, OTHER_PROVINCE), urgency="urgent",
                       confidentiality=confidentiality, legal_normative=legal)
    document_id = app.create_draft("", str(unit.id), draft)["document_id"]
    app.submit("", document_id)
    app.record_official_signature("", document_id, signed("official"))
    app.give_number("", document_id)
    app.record_agency_signature("", document_id, signed("sealed"))
    app.send("", document_id)
    return app, document_id


def test_a_legal_document_s_package_says_what_its_notation_and_seal_say() -> None:
    app, document_id = sent(legal=True)
    document = app.document(document_id)

    package = parse_package(build_package(package_of(document, "UBND tỉnh Hưng Yên",
                                                     b"%PDF-sealed")))

    header = package.header
    assert document.notation == "01/2027/QĐ-UBND"
    assert str(edxml_document_id(document)) == "000.00.00.H26,2027/01/01,01/2027/QĐ-UBND"
    assert (header.code.number, header.code.notation) == ("01", "2027/QĐ-UBND")
    assert header.document_type.type == LEGAL_NORMATIVE
    assert header.document_type.type_name == "Quyết định"
    assert [r.organ_id for r in header.recipients] == [MINISTRY, OTHER_PROVINCE]
    assert (header.signer.competence, header.signer.full_name) == ("TM.", "Trần Văn Nam")
    assert header.other_info.priority == 1
    assert [(a.attachment_name, a.data) for a in package.attachments] == [
        ("sealed.pdf", b"%PDF-sealed")]


def test_an_administrative_document_is_typed_so_and_waits_for_the_axis() -> None:
    app, document_id = sent()

    document = app.document(document_id)
    assert package_of(document, "", b"").header.document_type.type == ADMINISTRATIVE
    assert document.awaits_axis
    assert app.books.awaiting_axis() == [uuid.UUID(document_id)]


def test_a_classified_document_never_goes_on_the_axis() -> None:
    app, document_id = sent(confidentiality="secret")

    assert not app.document(document_id).awaits_axis
