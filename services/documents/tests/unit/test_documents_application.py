"""A commune's documents: drafted, signed by the official, numbered in the commune's
series of the year, signed by the agency, sent; and the books that number what it
receives. The signatures service's validation is stood in for by a table of what each
signed file's signature says."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid

import pytest

from lienthong.errors import FailedPrecondition, InvalidArgument, NotFound
from lienthong.services.documents.application import DocumentsApplication
from lienthong.services.documents.domain.outgoing import IllegalTransitionError
from lienthong.services.documents.domain.units import KnownUnit
from lienthong.services.documents.drafts import DraftInput
from lienthong.services.documents.ports import SignatureFacts

COMMUNE_CODE = "H26.01.05"
NOW = dt.datetime(2026, 12, 7, 2, 0, tzinfo=dt.UTC)
SIGNER = "5b4d3c2a-0000-4000-8000-000000000001"


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> dt.datetime:
        return self.now


class Validations:
    """What validating each signed file says (by its object name)."""

    def __init__(self) -> None:
        self.facts: dict[str, SignatureFacts] = {}
        self.asked: list[tuple[str, str | None]] = []  # (file, the file it adds to)

    def official(self, object_name: str, official_id: str = SIGNER, *,
                 passed: bool = True) -> dict[str, object]:
        self.facts[object_name] = SignatureFacts(
            passed=passed, indication="TOTAL_PASSED" if passed else "TOTAL_FAILED",
            certificate_serial="1a2b", signer_agency_code=COMMUNE_CODE,
            signer_official_id=official_id, signed_at=NOW)
        return signed_file(object_name)

    def agency(self, object_name: str, agency_code: str = COMMUNE_CODE) -> dict[str, object]:
        self.facts[object_name] = SignatureFacts(
            passed=True, indication="TOTAL_PASSED", certificate_serial="3c4d",
            signer_agency_code=agency_code, signer_official_id="", signed_at=NOW,
            agency_seal=True)
        return signed_file(object_name)

    def validate_pdf(self, file, *, adds_to=None):
        self.asked.append((file.object_name, adds_to and adds_to.object_name))
        return self.facts[file.object_name]


def signed_file(object_name: str) -> dict[str, object]:
    return {"name": f"{object_name}.pdf", "object_name": object_name, "size": 2048,
            "sha256": "ab" * 32, "content_type": "application/pdf"}


DRAFT = DraftInput(document_type="QD", subject="Về việc công nhận tổ dân phố văn hóa",
                   issuer_notation="UBND", signer_id=SIGNER, signer_name="Nguyễn Văn An",
                   signer_position="Chủ tịch", authority="TM.",
                   recipients=("H26.01.06", "000.00.01.H26"))


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def validations() -> Validations:
    return Validations()


@pytest.fixture
def app(clock: Clock, validations: Validations) -> DocumentsApplication:
    application = DocumentsApplication(signatures=validations, clock=clock)
    commune = KnownUnit(id=uuid.uuid4(), display_name="Ủy ban nhân dân xã Tân Phú",
                        agency_code=COMMUNE_CODE)
    application.save(commune)
    application.commune_id = str(commune.id)  # type: ignore[attr-defined]
    return application


def issued(app: DocumentsApplication, validations: Validations,
           draft: DraftInput = DRAFT) -> tuple[str, dict[str, object]]:
    """A document drafted, submitted, signed by its official and numbered."""
    document_id = app.create_draft("", app.commune_id, draft)["document_id"]
    app.submit("", document_id)
    app.record_official_signature("", document_id, validations.official(f"o-{document_id}"))
    return document_id, app.give_number("", document_id)


def test_a_decision_is_drafted_signed_numbered_issued_and_sent(app, validations) -> None:
    document_id, numbered = issued(app, validations)
    app.record_agency_signature("", document_id, validations.agency(f"a-{document_id}"))
    sent = app.send("", document_id)

    assert numbered == {"number": 1, "notation": "01/QĐ-UBND", "series": "regular",
                        "year": 2026}
    assert [d["addressed_to"] for d in sent["deliveries"]] == ["H26.01.06", "000.00.01.H26"]
    document = app.document(document_id)
    assert document.state == "sent"
    assert [s.certificate_serial for s in document.signatures] == ["1a2b", "3c4d"]


def test_numbers_follow_each_other_in_each_series_of_the_year(app, validations) -> None:
    letter = dataclasses.replace(DRAFT, document_type="CV", drafting_unit="VP")
    legal = dataclasses.replace(DRAFT, legal_normative=True)
    secret = dataclasses.replace(DRAFT, confidentiality="secret")

    notations = [issued(app, validations, draft)[1]["notation"]
                 for draft in (DRAFT, letter, legal, DRAFT, secret, legal)]

    assert notations == ["01/QĐ-UBND", "02/UBND-VP", "01/2026/QĐ-UBND", "03/QĐ-UBND",
                         "01/QĐ-UBND", "02/2026/QĐ-UBND"]


def test_the_first_document_after_new_year_in_vietnam_is_number_one(
        app, validations, clock) -> None:
    clock.now = dt.datetime(2026, 12, 31, 16, 59, tzinfo=dt.UTC)  # 23:59 in Hà Nội
    assert issued(app, validations)[1]["notation"] == "01/QĐ-UBND"
    assert issued(app, validations)[1]["number"] == 2
    clock.now = dt.datetime(2026, 12, 31, 17, 0, tzinfo=dt.UTC)  # 00:00 on 1 January

    assert issued(app, validations)[1] == {"number": 1, "notation": "01/QĐ-UBND",
                                           "series": "regular", "year": 2027}


def test_a_signature_that_does_not_validate_or_is_not_the_signers_is_refused(
        app, validations) -> None:
    document_id = app.create_draft("", app.commune_id, DRAFT)["document_id"]
    app.submit("", document_id)

    with pytest.raises(FailedPrecondition, match="TOTAL_FAILED"):
        app.record_official_signature("", document_id,
                                      validations.official("forged", passed=False))
    with pytest.raises(FailedPrecondition, match="not the draft's signer"):
        app.record_official_signature("", document_id,
                                      validations.official("other", str(uuid.uuid4())))
    with pytest.raises(InvalidArgument, match=r"signed_file\.sha256"):
        app.record_official_signature("", document_id, {**signed_file("x"), "sha256": ""})
    assert app.document(document_id).state == "submitted"


def test_the_agency_signs_only_with_its_own_seal(app, validations) -> None:
    document_id, _ = issued(app, validations)

    # Another agency's seal, or a person's certificate of this agency (its clerical
    # officer's own), is not this agency's signature.
    with pytest.raises(FailedPrecondition, match=r"seal of agency H26\.01\.05"):
        app.record_agency_signature("", document_id, validations.agency("x", "H26.01.99"))
    with pytest.raises(FailedPrecondition, match=r"seal of agency H26\.01\.05"):
        app.record_agency_signature("", document_id,
                                    validations.official("clerk", "cb-van-thu"))
    assert app.document(document_id).state == "numbered"
    app.record_agency_signature("", document_id, validations.agency("seal"))
    assert app.document(document_id).state == "issued"


def test_each_signature_is_validated_only_when_the_document_waits_for_it(
        app, validations) -> None:
    document_id = app.create_draft("", app.commune_id, DRAFT)["document_id"]
    # Not submitted yet: refused before the file is validated at all.
    with pytest.raises(IllegalTransitionError, match="cannot sign as official"):
        app.record_official_signature("", document_id, validations.official("too-early"))
    app.submit("", document_id)
    app.record_official_signature("", document_id, validations.official("by-official"))

    # Not numbered yet: refused before the file is validated at all.
    with pytest.raises(IllegalTransitionError, match="cannot sign as agency"):
        app.record_agency_signature("", document_id, validations.agency("early-seal"))
    app.give_number("", document_id)
    app.record_agency_signature("", document_id, validations.agency("sealed"))

    assert validations.asked == [("by-official", None), ("sealed", "by-official")]


def test_nothing_is_numbered_before_the_official_signs(app) -> None:
    document_id = app.create_draft("", app.commune_id, DRAFT)["document_id"]

    with pytest.raises(IllegalTransitionError, match="cannot number a document that is draft"):
        app.give_number("", document_id)
    later = app.create_draft("", app.commune_id, DRAFT)["document_id"]
    app.submit("", later)
    assert app.document(later).number == 0


def test_a_retried_request_is_answered_once(app, validations) -> None:
    document_id = app.create_draft("req-1", app.commune_id, DRAFT)["document_id"]
    assert app.create_draft("req-1", app.commune_id, DRAFT)["document_id"] == document_id
    app.submit("", document_id)
    app.record_official_signature("", document_id, validations.official("o"))

    first = app.give_number("req-2", document_id)

    assert app.give_number("req-2", document_id) == first
    with pytest.raises(InvalidArgument, match="request_id"):
        app.give_number("req-1", document_id)


def test_a_bad_draft_is_refused_naming_every_field(app) -> None:
    bad = dataclasses.replace(DRAFT, document_type="XX", subject="", issuer_notation="ubnd",
                              recipients=("H26.01.06", "not a code", "H26.01.06"),
                              authority="ZZ.", deadline=dt.date(2020, 1, 1),
                              legal_normative=True,
                              files=({"name": "a.pdf", "object_name": "o", "size": -1,
                                      "sha256": "zz", "content_type": "application/pdf"},))

    with pytest.raises(InvalidArgument) as refused:
        app.create_draft("", app.commune_id, bad)

    fields = {violation.field for violation in refused.value.violations}
    assert fields >= {"draft.document_type", "draft.subject", "draft.issuer_notation",
                      "draft.recipients[1]", "draft.recipients", "draft.signer.authority",
                      "draft.deadline", "draft.legal_normative", "draft.files[0].size",
                      "draft.files[0].sha256"}


def test_too_many_recipients_are_refused_before_any_is_read(app) -> None:
    crowd = tuple(f"H26.01.{n:03d}" for n in range(501))

    with pytest.raises(InvalidArgument, match="1 to 500 agencies, got 501"):
        app.create_draft("", app.commune_id, dataclasses.replace(DRAFT, recipients=crowd))


def test_a_retired_unit_drafts_nothing_and_an_unknown_one_is_named(app) -> None:
    unit = app.known_unit(uuid.UUID(app.commune_id))
    unit.retire("merged", uuid.uuid4(), dt.date(2025, 7, 1))
    app.save(unit)

    with pytest.raises(FailedPrecondition, match="successor"):
        app.create_draft("", app.commune_id, DRAFT)
    with pytest.raises(NotFound):
        app.create_draft("", str(uuid.uuid4()), DRAFT)


def test_a_sent_document_is_replaced_by_a_later_one_of_the_same_agency(
        app, validations) -> None:
    first, _ = issued(app, validations)
    app.record_agency_signature("", first, validations.agency("a1"))
    app.send("", first)
    second, _ = issued(app, validations)

    app.replace("", first, second, "thay thế do sai sót")

    assert app.document(first).replaced_by == uuid.UUID(second)
    with pytest.raises(InvalidArgument, match="reason"):
        app.revoke("", second, "")


def test_the_incoming_book_numbers_what_the_commune_receives(app, clock) -> None:
    sent = {"sender_agency_code": "000.00.01.H26", "notation": "45/QĐ-UBND",
            "subject": "Về việc giao chỉ tiêu"}
    first = app.receive_from_outside("", app.commune_id, sent)
    secret = app.receive_from_outside("", app.commune_id,
                                      {**sent, "confidentiality": "secret"})
    second = app.receive_from_outside("", app.commune_id, sent)

    assert (first["number"], secret["number"], second["number"]) == (1, 1, 2)
    app.assign_incoming("", first["incoming_id"], "cb-van-thu", dt.date(2026, 12, 15))
    app.complete_incoming("", first["incoming_id"])
    assert app.incoming(first["incoming_id"]).state == "completed"
    with pytest.raises(IllegalTransitionError, match="registered"):
        app.complete_incoming("", second["incoming_id"])
    with pytest.raises(InvalidArgument, match="deadline"):
        app.assign_incoming("", second["incoming_id"], "cb", dt.date(2026, 1, 1))
    with pytest.raises(InvalidArgument, match="unknown fields: colour"):
        app.receive_from_outside("", app.commune_id, {**sent, "colour": "red"})
    year = app.books.incoming_book(uuid.UUID(app.commune_id), 2026)
    assert [(row.series, row.number) for row in year] == [
        ("incoming", 1), ("incoming", 2), ("incoming_secret", 1)]
