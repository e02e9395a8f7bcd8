"""An outgoing document's life: each command allowed from some states only."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from lienthong.services.documents.domain.outgoing import (
    IllegalTransitionError,
    OutgoingDocument,
)

NOW = dt.datetime(2026, 12, 7, 2, 0, tzinfo=dt.UTC)
FILE = {"name": "quyet-dinh.pdf", "object_name": "f-1", "size": 10, "sha256": "ab" * 32,
        "content_type": "application/pdf"}


def drafted() -> OutgoingDocument:
    return OutgoingDocument(issuer_unit_id=uuid.uuid4(), issuer_agency_code="H26.01.05",
                            draft={"document_type": "QD", "subject": "Về việc A"},
                            files=[FILE])


def test_a_draft_is_revised_signed_numbered_issued_and_sent() -> None:
    document = drafted()
    document.revise({"document_type": "QD", "subject": "Về việc B"}, [FILE])
    document.submit()
    document.sign_as_official("cb-1", "1f", NOW, FILE)
    document.give_number(5, "05/QĐ-UBND", "regular", 2026, NOW)
    document.sign_as_agency("2f", NOW, FILE)
    document.send(["H26.01.06"], NOW, [])

    assert document.state == "sent"
    assert document.draft_version == 2 and document.draft["subject"] == "Về việc B"
    assert [s.signer for s in document.signatures] == ["cb-1", "H26.01.05"]
    assert document.notation == "05/QĐ-UBND"
    names = [type(e).__qualname__.split(".")[-1] for e in document.collect_events()]
    assert names == ["Drafted", "Revised", "Submitted", "SignedByOfficial", "Numbered",
                     "Issued", "Sent"]


def test_a_submitted_draft_returned_can_be_revised_again() -> None:
    document = drafted()
    document.submit()
    with pytest.raises(IllegalTransitionError, match="cannot revise a document that is "
                                                     "submitted"):
        document.revise({"subject": "x"}, [])
    document.return_to_draft("sửa trích yếu")
    document.revise({"subject": "x"}, [])
    assert document.state == "draft"


@pytest.mark.parametrize("command", [
    lambda d: d.give_number(1, "01/QĐ-UBND", "regular", 2026, NOW),
    lambda d: d.sign_as_agency("2f", NOW, FILE),
    lambda d: d.send(["H26.01.06"], NOW, []),
    lambda d: d.recall("nhầm"),
    lambda d: d.revoke("sai"),
], ids=["number", "agency-sign", "send", "recall", "revoke"])
def test_a_draft_cannot_skip_its_signatures(command) -> None:
    document = drafted()
    with pytest.raises(IllegalTransitionError) as refused:
        command(document)
    assert refused.value.metadata["state"] == "draft"
    assert document.state == "draft"


def test_a_sent_document_is_recalled_or_replaced_but_not_both() -> None:
    document = drafted()
    document.submit()
    document.sign_as_official("cb-1", "1f", NOW, FILE)
    document.give_number(5, "05/QĐ-UBND", "regular", 2026, NOW)
    document.sign_as_agency("2f", NOW, FILE)
    document.send(["H26.01.06"], NOW, [])
    successor = uuid.uuid4()

    document.replace_by(successor, "thay thế")

    assert document.replaced_by == successor
    with pytest.raises(IllegalTransitionError, match="replaced"):
        document.recall("nhầm")
