"""The documents service as other systems call it: gRPC on a real socket, the events in
PostgreSQL. A province sends a directive to two communes, one of them merged away; each
commune's clerical office registers what arrived; the province sees where it stands."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING

import grpc
import pytest

from lienthong.documents.v1 import documents_pb2 as pb
from lienthong.documents.v1 import documents_pb2_grpc as pb_grpc
from lienthong.grpc.errors import error_details
from lienthong.services.documents.api import add_to_server
from lienthong.services.documents.application import DocumentsApplication
from lienthong.services.documents.domain.units import KnownUnit
from lienthong.services.documents.ports import SignatureFacts
from lienthong.testing.grpc_server import ServerThread

if TYPE_CHECKING:
    from collections.abc import Iterator

pytestmark = pytest.mark.postgres

TIMEOUT = 10.0
SIGNER = str(uuid.UUID(int=7))
PROVINCE, COMMUNE, OLD_COMMUNE, NEW_COMMUNE = ("000.00.01.H40", "H40.12.03", "H40.12.07",
                                               "H40.13.01")


class Validations:
    """The signatures service's answer for each signed file: its name says who signed."""

    def validate_pdf(self, file, *, adds_to=None):
        official = "" if file.object_name.startswith("agency") else SIGNER
        return SignatureFacts(True, "TOTAL_PASSED", "5e", PROVINCE, official,
                              dt.datetime.now(dt.UTC), agency_seal=not official)


class Platform:
    def __init__(self, app: DocumentsApplication, channel: grpc.Channel) -> None:
        self.app = app
        self.documents = pb_grpc.DocumentServiceStub(channel)
        self.incoming = pb_grpc.IncomingServiceStub(channel)
        self.units: dict[str, str] = {}


@pytest.fixture
def platform(postgres_dsn: str) -> Iterator[Platform]:
    app = DocumentsApplication(postgres_dsn, signatures=Validations())
    units = {code: KnownUnit(id=uuid.uuid4(), display_name=f"Đơn vị {code}", agency_code=code)
             for code in (PROVINCE, COMMUNE, OLD_COMMUNE, NEW_COMMUNE)}
    units[OLD_COMMUNE].retire("merged", units[NEW_COMMUNE].id, dt.date(2025, 7, 1))
    app.save(*units.values())
    with ServerThread(lambda server: add_to_server(app, server)) as running, \
            grpc.insecure_channel(running.address) as channel:
        served = Platform(app, channel)
        served.units = {code: str(unit.id) for code, unit in units.items()}
        yield served
    app.close()


def signed(name: str) -> pb.FileRef:
    return pb.FileRef(name=f"{name}.pdf", object_name=name, size=4096, sha256="cd" * 32,
                      content_type="application/pdf")


def directive() -> pb.Draft:
    return pb.Draft(document_type="CT", subject="Về việc ứng phó với bão số 5",
                    issuer_notation="UBND",
                    signer=pb.Signer(official_id=SIGNER, full_name="Hoàng Văn Nam",
                                     position="Chủ tịch", authority=pb.AUTHORITY_PREFIX_TM),
                    recipients=[COMMUNE, OLD_COMMUNE], urgency=pb.URGENCY_IMMEDIATE)


def test_a_directive_goes_from_draft_to_each_communes_book(platform) -> None:
    documents = platform.documents
    created = documents.CreateDraft(pb.CreateDraftRequest(
        request_id=f"draft-{uuid.uuid4()}", unit_id=platform.units[PROVINCE],
        draft=directive()), timeout=TIMEOUT)
    document_id = created.document_id
    documents.SubmitDraft(pb.SubmitDraftRequest(document_id=document_id), timeout=TIMEOUT)
    documents.RecordOfficialSignature(pb.RecordOfficialSignatureRequest(
        document_id=document_id, signed_file=signed("official")), timeout=TIMEOUT)
    numbered = documents.NumberDocument(pb.NumberDocumentRequest(document_id=document_id),
                                        timeout=TIMEOUT)
    documents.RecordAgencySignature(pb.RecordAgencySignatureRequest(
        document_id=document_id, signed_file=signed("agency")), timeout=TIMEOUT)
    sent = documents.SendDocument(pb.SendDocumentRequest(document_id=document_id),
                                  timeout=TIMEOUT)

    assert created.state == pb.DOCUMENT_STATE_DRAFT
    assert (numbered.number, numbered.notation) == (1, "01/CT-UBND")
    assert sent.state == pb.DOCUMENT_STATE_SENT
    assert [list(d.route) for d in sent.deliveries] == [[COMMUNE], [OLD_COMMUNE, NEW_COMMUNE]]
    assert [d.status_code for d in sent.deliveries] == ["01", "01"]

    # The merged commune's successor registers it; the province sees the status.
    arrived = platform.incoming.ListArrived(pb.ListArrivedRequest(
        unit_id=platform.units[NEW_COMMUNE]), timeout=TIMEOUT)
    [entry] = arrived.entries
    registered = platform.incoming.RegisterIncoming(pb.RegisterIncomingRequest(
        incoming_id=entry.incoming_id), timeout=TIMEOUT)
    assert (registered.number, registered.status_code) == (1, "03")
    again = documents.GetDocument(pb.GetDocumentRequest(document_id=document_id),
                                  timeout=TIMEOUT)
    assert [d.status_code for d in again.deliveries] == ["01", "03"]
    book = documents.ListOutgoingBook(pb.ListOutgoingBookRequest(
        unit_id=platform.units[PROVINCE], year=numbered.year), timeout=TIMEOUT)
    assert [(e.notation, e.state) for e in book.entries] == [
        ("01/CT-UBND", pb.DOCUMENT_STATE_SENT)]


def test_a_bad_draft_is_refused_naming_its_fields_and_nothing_is_written(platform) -> None:
    bad = directive()
    bad.document_type = "XX"
    bad.recipients.append("not a code")
    bad.urgency = 42

    with pytest.raises(grpc.RpcError) as refused:
        platform.documents.CreateDraft(pb.CreateDraftRequest(
            unit_id=platform.units[PROVINCE], draft=bad), timeout=TIMEOUT)

    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    fields = {field for field, _ in error_details(refused.value)["field_violations"]}
    assert "draft.urgency" in fields
    bad.urgency = pb.URGENCY_URGENT
    with pytest.raises(grpc.RpcError) as refused:
        platform.documents.CreateDraft(pb.CreateDraftRequest(
            unit_id=platform.units[PROVINCE], draft=bad), timeout=TIMEOUT)
    fields = {field for field, _ in error_details(refused.value)["field_violations"]}
    assert fields == {"draft.document_type", "draft.recipients[2]"}
    book = platform.documents.ListOutgoingBook(pb.ListOutgoingBookRequest(
        unit_id=platform.units[PROVINCE], year=2026), timeout=TIMEOUT)
    assert book.total_size == 0


def test_a_document_numbered_out_of_turn_is_a_failed_precondition(platform) -> None:
    created = platform.documents.CreateDraft(pb.CreateDraftRequest(
        unit_id=platform.units[PROVINCE], draft=directive()), timeout=TIMEOUT)

    with pytest.raises(grpc.RpcError) as refused:
        platform.documents.NumberDocument(pb.NumberDocumentRequest(
            document_id=created.document_id), timeout=TIMEOUT)

    assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert error_details(refused.value)["reason"] == "ILLEGAL_TRANSITION"


def test_the_incoming_book_and_the_handlers_work(platform) -> None:
    incoming = platform.incoming
    received = incoming.ReceiveFromOutside(pb.ReceiveFromOutsideRequest(
        unit_id=platform.units[COMMUNE],
        sent=pb.SentDocument(sender_agency_code="G09.01", notation="210/BC-BTC",
                             subject="Báo cáo quyết toán")), timeout=TIMEOUT)
    tomorrow = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=1)
    incoming.AssignIncoming(pb.AssignIncomingRequest(
        incoming_id=received.incoming_id, handler="cb-ke-toan",
        deadline={"year": tomorrow.year, "month": tomorrow.month, "day": tomorrow.day}),
        timeout=TIMEOUT)

    waiting = incoming.ListAwaiting(pb.ListAwaitingRequest(handler="cb-ke-toan"),
                                    timeout=TIMEOUT)
    counts = incoming.GetExchangeCounts(pb.GetExchangeCountsRequest(
        unit_id=platform.units[COMMUNE]), timeout=TIMEOUT)

    assert received.number == 1 and received.status_code == "03"
    assert [(e.notation, e.overdue) for e in waiting.entries] == [("210/BC-BTC", False)]
    assert waiting.overdue_size == 0
    assert (counts.sent, counts.received) == (0, 0)  # it came from outside the platform
    with pytest.raises(grpc.RpcError) as refused:
        incoming.ListIncomingBook(pb.ListIncomingBookRequest(
            unit_id=platform.units[COMMUNE], year=99999), timeout=TIMEOUT)
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_a_recall_answered_by_both_communes_recalls_the_directive(platform) -> None:
    documents = platform.documents
    document_id = documents.CreateDraft(pb.CreateDraftRequest(
        unit_id=platform.units[PROVINCE], draft=directive()), timeout=TIMEOUT).document_id
    for call, request in (
            (documents.SubmitDraft, pb.SubmitDraftRequest(document_id=document_id)),
            (documents.RecordOfficialSignature, pb.RecordOfficialSignatureRequest(
                document_id=document_id, signed_file=signed("official"))),
            (documents.NumberDocument, pb.NumberDocumentRequest(document_id=document_id)),
            (documents.RecordAgencySignature, pb.RecordAgencySignatureRequest(
                document_id=document_id, signed_file=signed("agency"))),
            (documents.SendDocument, pb.SendDocumentRequest(document_id=document_id))):
        call(request, timeout=TIMEOUT)

    asked = documents.RecallDocument(pb.RecallDocumentRequest(
        document_id=document_id, reason="ban hành nhầm"), timeout=TIMEOUT)
    answers = [platform.incoming.AnswerRecall(pb.AnswerRecallRequest(
        incoming_id=d.incoming_id, agree=True), timeout=TIMEOUT) for d in asked.deliveries]
    recalled = documents.GetDocument(pb.GetDocumentRequest(document_id=document_id),
                                     timeout=TIMEOUT)

    assert asked.state == pb.DOCUMENT_STATE_RECALL_REQUESTED
    assert [d.status_code for d in asked.deliveries] == ["13", "13"]
    assert {a.state for a in answers} == {pb.INCOMING_STATE_RECALLED}
    assert recalled.state == pb.DOCUMENT_STATE_RECALLED
    assert [d.status_code for d in recalled.deliveries] == ["15", "15"]
