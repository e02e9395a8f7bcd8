"""Documents signed and validated through gRPC over a real socket, keys in a real SoftHSM2
token: a PDF with the official's signature image, an attachment with the agency's stamp,
a file, an edXML package; then what revocation does to what was signed before it."""

from __future__ import annotations

import io
import time
import uuid

import grpc
import pytest
from PIL import Image
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.writer import PdfFileWriter

from lienthong.grpc.errors import error_details
from lienthong.services.signatures.api import add_to_server
from lienthong.services.signatures.application import SignaturesApplication
from lienthong.services.signatures.domain import otp
from lienthong.services.signatures.domain.units import KnownUnit
from lienthong.services.signatures.keystore import TokenKeyStore
from lienthong.services.signatures.spec import SERVICE
from lienthong.signatures.v1 import signing_pb2 as signing_pb
from lienthong.signatures.v1 import signing_pb2_grpc as signing_grpc
from lienthong.signatures.v1 import validation_pb2 as validation_pb
from lienthong.signatures.v1 import validation_pb2_grpc as validation_grpc
from lienthong.testing.grpc_server import ServerThread

TIMEOUT = 30
LARGE = [("grpc.max_send_message_length", 64 << 20),
         ("grpc.max_receive_message_length", 64 << 20)]


class World:
    def __init__(self, app: SignaturesApplication, address: str, commune: uuid.UUID) -> None:
        self.app = app
        self.commune = commune
        self.channel = grpc.insecure_channel(address, options=LARGE)
        self.signing = signing_grpc.SigningServiceStub(self.channel)
        self.validation = validation_grpc.ValidationServiceStub(self.channel)

    def official(self) -> tuple[str, str]:
        """A new official's credential, with its authenticator confirmed: (id, code now)."""
        credential_id = self.app.issue_credential(
            "", official_id=str(uuid.uuid4()), full_name="Vũ Minh Châu", position="CHỦ TỊCH",
            unit_id=str(self.commune), key_algorithm="ec-p256")["credential_id"]
        _, secret = self.app.enroll_authenticator(credential_id)
        step = otp.step_of(self.app.clock())
        self.app.confirm_authenticator(credential_id, otp.code_at_step(secret, step - 1))
        return credential_id, otp.code_at_step(secret, step)

    def validate(self, kind: int, signed: bytes,
                 **fields) -> validation_pb.ValidateSignatureResponse:
        return self.validation.ValidateSignature(validation_pb.ValidateSignatureRequest(
            kind=kind, signed=signed, **fields), timeout=TIMEOUT)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from lienthong.testing.softhsm import fresh_token

    app = SignaturesApplication(
        f"sqlite:///{tmp_path_factory.mktemp('signatures') / 'events.db'}",
        key_store=TokenKeyStore(fresh_token()), authority_key_type="ec-p256")
    commune = KnownUnit(id=uuid.uuid4(), display_name="Ủy ban nhân dân xã Yên Thế",
                        level="commune", agency_code="000.00.00.Z24", province_id=None)
    app.save(commune)
    with ServerThread(lambda server: add_to_server(app, server),
                      max_request_bytes=SERVICE.max_request_bytes) as server:
        world = World(app, server.address, commune.id)
        yield world
        world.channel.close()
    app.close()


def minimal_pdf() -> bytes:
    """A one-page A4 PDF written by pyHanko's own writer."""
    writer = PdfFileWriter()
    writer.insert_page(generic.DictionaryObject({
        generic.NameObject("/Type"): generic.NameObject("/Page"),
        generic.NameObject("/MediaBox"): generic.ArrayObject(
            [generic.NumberObject(n) for n in (0, 0, 595, 842)])}))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def png_signature() -> bytes:
    image = Image.new("RGBA", (240, 90), (255, 255, 255, 0))
    for x in range(20, 220):
        image.putpixel((x, 45 + (x % 17) - 8), (0, 0, 160, 255))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def passed(answer: validation_pb.ValidateSignatureResponse) -> bool:
    return all(s.indication == validation_pb.INDICATION_TOTAL_PASSED for s in answer.signatures)


def test_a_decision_signed_by_the_official_then_stamped_by_the_agency(world) -> None:
    official, code = world.official()
    signed = world.signing.SignPdf(signing_pb.SignPdfRequest(
        credential_id=official, one_time_code=code, pdf=minimal_pdf(),
        level=signing_pb.PADES_LEVEL_B_LT, on_behalf_of="12/QĐ-UBND",
        official=signing_pb.OfficialAppearance(
            signature_image=png_signature(), page=1,
            box=signing_pb.Box(x1=350, y1=100, x2=550, y2=220))), timeout=TIMEOUT).signed_pdf
    clerk, code = world.official()
    stamped = world.signing.SignPdf(signing_pb.SignPdfRequest(
        credential_id=clerk, one_time_code=code, pdf=signed,
        level=signing_pb.PADES_LEVEL_B_LTA,
        agency=signing_pb.AgencyAppearance(notation="12/QĐ-UBND")), timeout=TIMEOUT).signed_pdf

    answer = world.validate(validation_pb.SIGNED_KIND_PDF, stamped, language="en")

    assert len(answer.signatures) == 2 and passed(answer), answer
    # The agency's document time stamp covers the official's signature too.
    assert answer.signatures[-1].format == "PAdES-B-LTA"
    assert {s.format for s in answer.signatures} <= {"PAdES-B-LT", "PAdES-B-LTA"}
    assert {s.organization_identifier for s in answer.signatures} == {"GOVVN-000.00.00.Z24"}
    # Each signature names the certificate that made it and the official it belongs to.
    credentials = [world.app.credential(credential_id) for credential_id in (official, clerk)]
    assert [(s.signer_certificate_serial.lower(), s.signer_official_id)
            for s in answer.signatures] == [(c.serial_number.lower(), c.official_id)
                                             for c in credentials]
    simple = answer.simple_report
    assert simple["language"] == "en" and simple["validSignaturesCount"] == 2
    detailed = world.validate(validation_pb.SIGNED_KIND_PDF, stamped).detailed_report
    assert detailed["language"] == "vi"
    reports = detailed["signatureValidationReport"]
    assert all(r["signatureValidationStatus"]["indication"] == "TOTAL_PASSED" for r in reports)
    assert all(len(r["signatureValidationStatus"]["certificateChain"]) == 3 for r in reports)

    # A caller that validated the official's signature when it was added asks about the
    # agency's alone.
    [last] = world.validate(validation_pb.SIGNED_KIND_PDF, stamped, language="en",
                            last_signature_only=True).signatures
    assert last == answer.signatures[-1]


def test_a_file_and_an_edxml_package_are_signed_and_validated(world) -> None:
    official, code = world.official()
    content = "Biên bản họp".encode()
    cms = world.signing.SignDetached(signing_pb.SignDetachedRequest(
        credential_id=official, one_time_code=code, content=content), timeout=TIMEOUT)
    other, code = world.official()
    package = (b'<?xml version="1.0" encoding="UTF-8"?><edXMLEnvelope>'
               b"<edXMLHeader><MessageHeader><Subject>H\xe1\xbb\x8dp</Subject>"
               b"</MessageHeader></edXMLHeader></edXMLEnvelope>")
    xml = world.signing.SignXml(signing_pb.SignXmlRequest(
        credential_id=other, one_time_code=code, xml=package), timeout=TIMEOUT)

    assert passed(world.validate(validation_pb.SIGNED_KIND_CMS, cms.signature,
                                 detached_content=content))
    assert passed(world.validate(validation_pb.SIGNED_KIND_XML, xml.signed_xml))
    changed = world.validate(validation_pb.SIGNED_KIND_CMS, cms.signature,
                             detached_content=content + b".")
    assert changed.signatures[0].indication == validation_pb.INDICATION_TOTAL_FAILED
    assert changed.signatures[0].sub_indication == "HASH_FAILURE"


def test_what_was_time_stamped_before_a_revocation_stays_valid(world) -> None:
    official, code = world.official()
    before = world.signing.SignPdf(signing_pb.SignPdfRequest(
        credential_id=official, one_time_code=code, pdf=minimal_pdf(),
        level=signing_pb.PADES_LEVEL_B_LT), timeout=TIMEOUT).signed_pdf
    other, code = world.official()
    untimed = world.signing.SignPdf(signing_pb.SignPdfRequest(
        credential_id=other, one_time_code=code, pdf=minimal_pdf(),
        level=signing_pb.PADES_LEVEL_B_B), timeout=TIMEOUT).signed_pdf

    world.app.revoke_credential("", official, "affiliation_changed")
    world.app.revoke_credential("", other, "key_compromise")
    # Revocations are dated to the whole second after them, and validation times are
    # read to the second: validate once a whole second has passed since.
    revoked_at = world.app.credential(other).revoked_at
    time.sleep(max(0.0, (revoked_at - world.app.clock()).total_seconds()) + 1.1)

    # B-LT: its time stamp proves it existed before the revocation.
    assert passed(world.validate(validation_pb.SIGNED_KIND_PDF, before))
    # B-B: nothing proves it was made before the key was revoked.
    [result] = world.validate(validation_pb.SIGNED_KIND_PDF, untimed).signatures
    assert result.indication != validation_pb.INDICATION_TOTAL_PASSED
    assert result.sub_indication.startswith("REVOKED"), result
    # And a revoked credential signs nothing more.
    with pytest.raises(grpc.RpcError) as refused:
        world.signing.SignDetached(signing_pb.SignDetachedRequest(
            credential_id=official, one_time_code="000000", content=b"after"),
            timeout=TIMEOUT)
    assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION


def test_bad_documents_are_refused_naming_the_field(world) -> None:
    official, code = world.official()
    with pytest.raises(grpc.RpcError) as refused:
        world.signing.SignPdf(signing_pb.SignPdfRequest(
            credential_id=official, one_time_code=code, pdf=b"%PDF-1.4 broken"),
            timeout=TIMEOUT)
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [v[0] for v in error_details(refused.value)["field_violations"]] == ["pdf"]
    # Over the document bound, and over the request bound.
    with pytest.raises(grpc.RpcError) as refused:
        world.validate(validation_pb.SIGNED_KIND_PDF, b"%" * (40 * 1024 * 1024 + 1))
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    with pytest.raises(grpc.RpcError) as refused:
        world.validate(validation_pb.SIGNED_KIND_PDF, b"%" * (49 * 1024 * 1024))
    assert refused.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    # Bytes that are no signature get a report that says so, not an error.
    [garbage] = world.validate(validation_pb.SIGNED_KIND_CMS, b"\x30\x03garbage").signatures
    assert (garbage.indication, garbage.sub_indication) == (
        validation_pb.INDICATION_TOTAL_FAILED, "FORMAT_FAILURE")
    with pytest.raises(grpc.RpcError) as refused:
        world.validate(validation_pb.SIGNED_KIND_UNSPECIFIED, b"x")
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    # The signers of a CMS signature have no order: there is no last one.
    with pytest.raises(grpc.RpcError) as refused:
        world.validate(validation_pb.SIGNED_KIND_CMS, b"\x30\x03garbage",
                       last_signature_only=True)
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error_details(refused.value)["field_violations"] == [
        ("last_signature_only", "PDF_ONLY")]
