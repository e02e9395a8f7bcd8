"""A seeded commune reports to its province with an official document, through gRPC only.

Phường Quế Võ (Bắc Ninh), from the demo seed, drafts a report with its PDF uploaded in
chunks; its chairwoman signs it with her remote signature and the documents service has
the signatures service validate it before it is accepted; it is numbered in the
commune's series, signed with the commune's seal (held by its clerical officer), and
sent to Tỉnh Bắc Ninh, whose clerical office registers it in the province's incoming
book; the commune sees that it was registered. A PDF signed by someone else, a person's
certificate as the agency's signature, or a file named with another file's digest, is
refused.
"""

from __future__ import annotations

import hashlib
import io
import re
import uuid

import grpc
import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.writer import PdfFileWriter
from test_dossiers import TIMEOUT, eventually
from test_seeded_communes import BAC_NINH, QUE_VO, unit
from test_signatures import enrolled, issue

from lienthong.documents.v1 import documents_pb2 as pb
from lienthong.documents.v1 import documents_pb2_grpc as pb_grpc
from lienthong.documents.v1 import files_pb2 as files_pb
from lienthong.documents.v1 import files_pb2_grpc as files_grpc
from lienthong.grpc.errors import error_details
from lienthong.signatures.v1 import signatures_pb2 as signatures_pb
from lienthong.signatures.v1 import signatures_pb2_grpc
from lienthong.signatures.v1 import signing_pb2 as signing_pb
from lienthong.signatures.v1 import signing_pb2_grpc as signing_grpc

pytestmark = pytest.mark.e2e

PDF = "application/pdf"
#: Chunks of the upload: small, so even a one-page PDF takes several.
CHUNK = 1024


@pytest.fixture(scope="module")
def services(platform):
    documents, signatures = platform.channel("documents"), platform.channel("signatures")
    yield {"documents": pb_grpc.DocumentServiceStub(documents),
           "incoming": pb_grpc.IncomingServiceStub(documents),
           "files": files_grpc.FileServiceStub(documents),
           "credentials": signatures_pb2_grpc.CredentialServiceStub(signatures),
           "signing": signing_grpc.SigningServiceStub(signatures)}
    documents.close()
    signatures.close()


def a_report() -> bytes:
    writer = PdfFileWriter()
    writer.insert_page(generic.DictionaryObject({
        generic.NameObject("/Type"): generic.NameObject("/Page"),
        generic.NameObject("/MediaBox"): generic.ArrayObject(
            [generic.NumberObject(n) for n in (0, 0, 595, 842)])}))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def uploaded(files, name: str, data: bytes) -> pb.FileRef:
    """The file, sent in chunks through FileService and stored."""
    def requests():
        yield files_pb.UploadFileRequest(begin=files_pb.BeginUpload(
            request_id=f"e2e-{uuid.uuid4()}", name=name, content_type=PDF, size=len(data)))
        for offset in range(0, len(data), CHUNK):
            yield files_pb.UploadFileRequest(chunk=files_pb.UploadChunk(
                offset=offset, data=data[offset:offset + CHUNK]))
        yield files_pb.UploadFileRequest(finish=files_pb.FinishUpload(
            sha256=hashlib.sha256(data).hexdigest()))

    answer = files.UploadFile(requests(), timeout=TIMEOUT)
    assert answer.upload.acknowledged_offset == len(data)
    return answer.file


def signed(signing, credential_id: str, totp, pdf: bytes) -> bytes:
    return signing.SignPdf(signing_pb.SignPdfRequest(
        credential_id=credential_id, one_time_code=totp.now(), pdf=pdf,
        level=signing_pb.PADES_LEVEL_B_T), timeout=TIMEOUT).signed_pdf


def refused(call) -> tuple[grpc.StatusCode, set[str]]:
    with pytest.raises(grpc.RpcError) as error:
        call()
    fields = {field for field, _ in error_details(error.value)["field_violations"]}
    return error.value.code(), fields


def test_a_commune_s_signed_report_reaches_the_province_s_incoming_book(identity, services):
    que_vo, bac_ninh = unit(identity, QUE_VO), unit(identity, BAC_NINH)
    run = f"e2e-doc-{uuid.uuid4().hex[:8]}"
    credentials, signing = services["credentials"], services["signing"]
    documents, files = services["documents"], services["files"]
    chair = issue(credentials, que_vo.unit_id, f"{run}-chair")
    chair_code = enrolled(credentials, chair.credential_id)
    seal = credentials.IssueCredential(signatures_pb.IssueCredentialRequest(
        request_id=f"{run}-seal", unit_id=que_vo.unit_id, agency_seal=True,
        official=signatures_pb.Official(official_id=str(uuid.uuid4()),
                                        full_name="Phạm Thu Trang", position="Văn thư")),
        timeout=TIMEOUT)
    assert seal.agency_seal
    seal_code = enrolled(credentials, seal.credential_id)
    other = issue(credentials, que_vo.unit_id, f"{run}-other")
    other_code = enrolled(credentials, other.credential_id)

    report = a_report()
    # A draft naming a file that was never uploaded is refused before anything is written.
    code, fields = refused(lambda: services["documents"].CreateDraft(pb.CreateDraftRequest(
        request_id=f"{run}-no-file", unit_id=que_vo.unit_id, draft=pb.Draft(
            document_type="BC", subject="Báo cáo", issuer_notation="UBND",
            signer=pb.Signer(official_id=chair.official.official_id, full_name="Lê Thị Hoa",
                             position="Chủ tịch", authority=pb.AUTHORITY_PREFIX_TM),
            recipients=[bac_ninh.agency_code],
            files=[pb.FileRef(name="x.pdf", object_name=f"{run}-never-uploaded.pdf",
                              size=10, sha256="ab" * 32, content_type=PDF)])),
        timeout=TIMEOUT))
    assert (code, fields) == (grpc.StatusCode.INVALID_ARGUMENT,
                              {"draft.files[0].object_name"})
    draft = pb.Draft(document_type="BC", subject="Báo cáo kết quả số hóa hồ sơ năm 2026",
                     issuer_notation="UBND",
                     signer=pb.Signer(official_id=chair.official.official_id,
                                      full_name=chair.official.full_name,
                                      position="Chủ tịch", authority=pb.AUTHORITY_PREFIX_TM),
                     recipients=[bac_ninh.agency_code], urgency=pb.URGENCY_URGENT,
                     files=[uploaded(files, "bao-cao.pdf", report)])
    created = eventually(lambda: documents.CreateDraft(pb.CreateDraftRequest(
        request_id=f"{run}-draft", unit_id=que_vo.unit_id, draft=draft), timeout=TIMEOUT),
        "documents learned the commune from identity")
    document_id = created.document_id
    documents.SubmitDraft(pb.SubmitDraftRequest(document_id=document_id), timeout=TIMEOUT)

    # Another official's signature is not the chairwoman's: refused, the document waits.
    by_other = uploaded(files, "ky-nham.pdf",
                        signed(signing, other.credential_id, other_code, report))
    code, fields = refused(lambda: documents.RecordOfficialSignature(
        pb.RecordOfficialSignatureRequest(document_id=document_id, signed_file=by_other),
        timeout=TIMEOUT))
    assert code == grpc.StatusCode.FAILED_PRECONDITION
    # A file named with another file's digest is not read as that file.
    by_chair_pdf = signed(signing, chair.credential_id, chair_code, report)
    by_chair = uploaded(files, "bao-cao-ky.pdf", by_chair_pdf)
    wrong = pb.FileRef()
    wrong.CopyFrom(by_chair)
    wrong.sha256 = hashlib.sha256(b"another file").hexdigest()
    code, fields = refused(lambda: documents.RecordOfficialSignature(
        pb.RecordOfficialSignatureRequest(document_id=document_id, signed_file=wrong),
        timeout=TIMEOUT))
    assert (code, fields) == (grpc.StatusCode.INVALID_ARGUMENT, {"signed_file.sha256"})
    assert documents.GetDocument(pb.GetDocumentRequest(document_id=document_id),
                                 timeout=TIMEOUT).state == pb.DOCUMENT_STATE_SUBMITTED

    signed_by_chair = documents.RecordOfficialSignature(pb.RecordOfficialSignatureRequest(
        document_id=document_id, signed_file=by_chair), timeout=TIMEOUT)
    assert [s.signer for s in signed_by_chair.signatures] == [chair.official.official_id]
    numbered = documents.NumberDocument(pb.NumberDocumentRequest(document_id=document_id),
                                        timeout=TIMEOUT)
    assert re.fullmatch(r"\d{2,}/BC-UBND", numbered.notation), numbered.notation
    # The agency's signature is its seal added to the file the chairwoman signed; another
    # official's file is refused.
    code, fields = refused(lambda: documents.RecordAgencySignature(
        pb.RecordAgencySignatureRequest(document_id=document_id, signed_file=by_other),
        timeout=TIMEOUT))
    assert code == grpc.StatusCode.FAILED_PRECONDITION
    sealed = uploaded(files, "bao-cao-ban-hanh.pdf",
                      signed(signing, seal.credential_id, seal_code, by_chair_pdf))
    documents.RecordAgencySignature(pb.RecordAgencySignatureRequest(
        document_id=document_id, signed_file=sealed), timeout=TIMEOUT)
    sent = documents.SendDocument(pb.SendDocumentRequest(document_id=document_id),
                                  timeout=TIMEOUT)
    assert sent.state == pb.DOCUMENT_STATE_SENT
    assert [list(d.route) for d in sent.deliveries] == [[bac_ninh.agency_code]]

    # The province's clerical office registers it in its incoming book.
    incoming = services["incoming"]
    arrived = incoming.ListArrived(pb.ListArrivedRequest(unit_id=bac_ninh.unit_id,
                                                         page_size=100), timeout=TIMEOUT)
    [entry] = [e for e in arrived.entries if e.notation == numbered.notation
               and e.sender_agency_code == que_vo.agency_code]
    registered = incoming.RegisterIncoming(pb.RegisterIncomingRequest(
        incoming_id=entry.incoming_id), timeout=TIMEOUT)
    assert registered.status_code == "03" and registered.number >= 1
    # The province has the sealed PDF with it.
    assert [(f.object_name, f.sha256) for f in registered.files] == [
        (sealed.object_name, sealed.sha256)]
    seen = documents.GetDocument(pb.GetDocumentRequest(document_id=document_id),
                                 timeout=TIMEOUT)
    assert [d.status_code for d in seen.deliveries] == ["03"]

    # What was stored comes back byte for byte.
    download = list(files.DownloadFile(files_pb.DownloadFileRequest(
        object_name=sealed.object_name), timeout=TIMEOUT))
    assert download[0].file.sha256 == sealed.sha256
    assert hashlib.sha256(b"".join(m.data for m in download[1:])).hexdigest() == sealed.sha256
