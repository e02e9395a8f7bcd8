"""A decision signed through the signatures service, as the documents service checks it:
the official's PDF is validated by the real signatures service over gRPC (its keys in a
SoftHSM2 token), accepted when its certificate is the draft's signer's, refused when it
is another official's, and the documents service says so when the signatures service is
not there."""

from __future__ import annotations

import hashlib
import io
import uuid
from typing import TYPE_CHECKING

import grpc
import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.writer import PdfFileWriter

from lienthong.errors import FailedPrecondition, Unavailable
from lienthong.ports import free_port
from lienthong.services.documents.application import DocumentsApplication
from lienthong.services.documents.domain.units import KnownUnit as DocumentsUnit
from lienthong.services.documents.drafts import DraftInput
from lienthong.services.documents.signatures import SignaturesValidator
from lienthong.services.signatures.api import add_to_server
from lienthong.services.signatures.application import SignaturesApplication
from lienthong.services.signatures.domain import otp
from lienthong.services.signatures.domain.units import KnownUnit as SignaturesUnit
from lienthong.services.signatures.keystore import TokenKeyStore
from lienthong.services.signatures.spec import SERVICE
from lienthong.signatures.v1 import signing_pb2 as signing_pb
from lienthong.signatures.v1 import signing_pb2_grpc as signing_grpc
from lienthong.testing.grpc_server import ServerThread

if TYPE_CHECKING:
    from collections.abc import Iterator

    from lienthong.services.documents.domain.outgoing import FileRef

AGENCY_CODE = "H26.01.05"
TIMEOUT = 30.0
LARGE = [("grpc.max_send_message_length", 64 << 20),
         ("grpc.max_receive_message_length", 64 << 20)]


def one_page_pdf() -> bytes:
    writer = PdfFileWriter()
    writer.insert_page(generic.DictionaryObject({
        generic.NameObject("/Type"): generic.NameObject("/Page"),
        generic.NameObject("/MediaBox"): generic.ArrayObject(
            [generic.NumberObject(n) for n in (0, 0, 595, 842)])}))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


class Signatures:
    """The signatures service on a real socket, and its officials."""

    def __init__(self, app: SignaturesApplication, channel: grpc.Channel,
                 unit_id: uuid.UUID) -> None:
        self.app = app
        self.channel = channel
        self.signing = signing_grpc.SigningServiceStub(channel)
        self.unit_id = unit_id

    def official(self, *, agency_seal: bool = False) -> tuple[str, str, str]:
        """A new official: (their id, their credential, the code their phone shows now);
        with ``agency_seal``, the credential is the agency's seal, which they hold."""
        official_id = str(uuid.uuid4())
        credential_id = self.app.issue_credential(
            "", official_id=official_id, full_name="Đỗ Thị Hạnh", position="Chủ tịch",
            unit_id=str(self.unit_id), key_algorithm="ec-p256",
            agency_seal=agency_seal)["credential_id"]
        _, secret = self.app.enroll_authenticator(credential_id)
        step = otp.step_of(self.app.clock())
        self.app.confirm_authenticator(credential_id, otp.code_at_step(secret, step - 1))
        return official_id, credential_id, otp.code_at_step(secret, step)

    def signed_by(self, credential_id: str, code: str, pdf: bytes | None = None) -> bytes:
        """``pdf`` (a new one-page PDF if None) with the credential's signature added."""
        return self.signing.SignPdf(signing_pb.SignPdfRequest(
            credential_id=credential_id, one_time_code=code, pdf=pdf or one_page_pdf(),
            level=signing_pb.PADES_LEVEL_B_T, on_behalf_of="05/QĐ-UBND"),
            timeout=TIMEOUT).signed_pdf


@pytest.fixture(scope="module")
def signatures(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Signatures]:
    from lienthong.testing.softhsm import fresh_token

    app = SignaturesApplication(
        f"sqlite:///{tmp_path_factory.mktemp('signatures') / 'events.db'}",
        key_store=TokenKeyStore(fresh_token()), authority_key_type="ec-p256")
    unit = SignaturesUnit(id=uuid.uuid4(), display_name="Ủy ban nhân dân xã Tân Phú",
                          level="commune", agency_code=AGENCY_CODE, province_id=None)
    app.save(unit)
    with ServerThread(lambda server: add_to_server(app, server),
                      max_request_bytes=SERVICE.max_request_bytes) as running, \
            grpc.insecure_channel(running.address, options=LARGE) as channel:
        yield Signatures(app, channel, unit.id)
    app.close()


class Files:
    """The file store as the validator reads it: object name -> bytes."""

    def __init__(self) -> None:
        self.stored: dict[str, bytes] = {}

    def put(self, name: str, data: bytes) -> dict[str, object]:
        self.stored[name] = data
        return {"name": f"{name}.pdf", "object_name": name, "size": len(data),
                "sha256": hashlib.sha256(data).hexdigest(), "content_type": "application/pdf"}

    def read(self, file: FileRef) -> bytes:
        return self.stored[file.object_name]


def drafted(documents: DocumentsApplication, unit_id: str, signer: str) -> str:
    draft = DraftInput(document_type="QD", subject="Về việc công nhận làng văn hóa",
                       issuer_notation="UBND", signer_id=signer, signer_name="Đỗ Thị Hạnh",
                       signer_position="Chủ tịch", authority="TM.",
                       recipients=("000.00.01.H26",))
    document_id = documents.create_draft("", unit_id, draft)["document_id"]
    documents.submit("", document_id)
    return document_id


def test_the_officials_signed_pdf_is_accepted_and_anothers_refused(signatures) -> None:
    files = Files()
    documents = DocumentsApplication(
        signatures=SignaturesValidator(lambda: signatures.channel, files.read))
    unit = DocumentsUnit(id=uuid.uuid4(), display_name="UBND xã Tân Phú",
                         agency_code=AGENCY_CODE)
    documents.save(unit)
    signer, credential_id, code = signatures.official()
    other, other_credential, other_code = signatures.official()
    document_id = drafted(documents, str(unit.id), signer)

    with pytest.raises(FailedPrecondition, match="not the draft's signer"):
        documents.record_official_signature("", document_id, files.put(
            "by-another", signatures.signed_by(other_credential, other_code)))
    documents.record_official_signature("", document_id, files.put(
        "by-the-signer", signatures.signed_by(credential_id, code)))

    [signature] = documents.document(document_id).signatures
    credential = signatures.app.credential(credential_id)
    assert (signature.signer, signature.certificate_serial) == (signer,
                                                                credential.serial_number)
    assert other != signer


def test_the_agency_signs_with_its_seal_and_not_with_a_person_s_certificate(
        signatures) -> None:
    files = Files()
    documents = DocumentsApplication(
        signatures=SignaturesValidator(lambda: signatures.channel, files.read))
    unit = DocumentsUnit(id=uuid.uuid4(), display_name="UBND xã Tân Phú",
                         agency_code=AGENCY_CODE)
    documents.save(unit)
    signer, credential_id, code = signatures.official()
    _, clerk_credential, clerk_code = signatures.official()
    _, seal_credential, seal_code = signatures.official(agency_seal=True)
    _, other_seal, other_seal_code = signatures.official(agency_seal=True)
    document_id = drafted(documents, str(unit.id), signer)
    by_the_signer = signatures.signed_by(credential_id, code)
    documents.record_official_signature("", document_id, files.put(
        "by-the-signer", by_the_signer))
    documents.give_number("", document_id)

    # The clerical officer's own certificate names the agency, but a person signed.
    with pytest.raises(FailedPrecondition, match="not signed with the seal of agency"):
        documents.record_agency_signature("", document_id, files.put(
            "by-the-clerk", signatures.signed_by(clerk_credential, clerk_code,
                                                 by_the_signer)))
    # The seal on another PDF than the one the official signed.
    with pytest.raises(FailedPrecondition, match="not the signed file") as refused:
        documents.record_agency_signature("", document_id, files.put(
            "sealed-elsewhere", signatures.signed_by(other_seal, other_seal_code)))
    assert refused.value.reason == "NOT_AN_UPDATE_OF_THE_SIGNED_FILE"
    documents.record_agency_signature("", document_id, files.put(
        "sealed", signatures.signed_by(seal_credential, seal_code, by_the_signer)))

    document = documents.document(document_id)
    assert document.state == "issued"
    assert document.signatures[-1].certificate_serial == \
        signatures.app.credential(seal_credential).serial_number


def test_an_unsigned_pdf_is_refused(signatures) -> None:
    files = Files()
    validator = SignaturesValidator(lambda: signatures.channel, files.read)

    facts = validator.validate_pdf(_ref(files.put("unsigned", one_page_pdf())))

    assert not facts.passed
    assert facts.indication == "NO_SIGNATURE"


def test_without_the_signatures_service_the_document_waits(signatures) -> None:
    files = Files()
    with grpc.insecure_channel(f"127.0.0.1:{free_port()}") as nowhere:
        validator = SignaturesValidator(lambda: nowhere, files.read, timeout_s=2.0)
        with pytest.raises(Unavailable, match="did not validate the file now"):
            validator.validate_pdf(_ref(files.put("any", one_page_pdf())))


def _ref(value: dict[str, object]) -> FileRef:
    from lienthong.services.documents.domain.outgoing import FileRef

    return FileRef.of(value)
