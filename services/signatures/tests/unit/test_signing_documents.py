"""An official signs a PDF, a file and an XML package with a one-time code; the service
computes the hash, authorizes it with the code and signs it in one call."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
import uuid
from pathlib import Path

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from pkitools import minimal_pdf
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from signxml import XMLVerifier

from lienthong.errors import InvalidArgument, PermissionDenied
from lienthong.services.signatures import documents
from lienthong.services.signatures.application import SignaturesApplication
from lienthong.services.signatures.domain import otp
from lienthong.services.signatures.domain.units import KnownUnit
from lienthong.services.signatures.keystore import MemoryKeyStore


class Clock:
    """The service's clock: each signature spends a one-time code, so the stories step it
    30 s at a time, from a little before now (validators check time stamps and CRLs
    against the real time)."""

    def __init__(self) -> None:
        self.now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=30)

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture(scope="module")
def world():
    """One application (its authorities are made once), an official with an authenticator."""
    clock = Clock()
    app = SignaturesApplication(key_store=MemoryKeyStore(), clock=clock,
                                base_url="http://signatures.test", authority_key_type="ec-p256")
    commune = KnownUnit(id=uuid.uuid4(), display_name="Ủy ban nhân dân xã Hòa An",
                        level="commune", agency_code="H26.02.07", province_id=None)
    app.save(commune)
    credential_id = app.issue_credential(
        "", official_id=str(uuid.uuid4()), full_name="Phạm Văn Đức", position="Chủ tịch",
        unit_id=str(commune.id), key_algorithm="ec-p256")["credential_id"]
    _, secret = app.enroll_authenticator(credential_id)
    app.confirm_authenticator(credential_id, otp.code_at_step(secret, otp.step_of(clock())))
    return app, clock, credential_id, secret


def next_code(world) -> str:
    """The code of the next step (each signature spends one)."""
    _, clock, _, secret = world
    clock.now += dt.timedelta(seconds=otp.STEP_S)
    return otp.code_at_step(secret, otp.step_of(clock()))


def trusted(app: SignaturesApplication) -> ValidationContext:
    root = app.authority().root.public_bytes(serialization.Encoding.DER)
    return ValidationContext(trust_roots=[asn1_x509.Certificate.load(root)],
                             allow_fetching=False)


@pytest.mark.parametrize("level", ["B-B", "B-T", "B-LT", "B-LTA"])
def test_a_pdf_is_signed_at_every_level(world, level: str) -> None:
    app, _, credential_id, _ = world

    signed = documents.sign_pdf(app, credential_id, next_code(world), minimal_pdf(),
                                level=level, on_behalf_of="12/QĐ-UBND")

    reader = PdfFileReader(io.BytesIO(signed))
    [signature] = [s for s in reader.embedded_signatures if s.field_name.startswith("Sig")]
    status = validate_pdf_signature(signature, trusted(app))
    assert status.intact and status.valid and status.trusted, status.pretty_print_details()
    assert (status.timestamp_validity is not None) == (level != "B-B")
    assert ("/DSS" in reader.root) == (level in ("B-LT", "B-LTA"))


def test_the_agency_signature_sits_top_right_without_an_image(world) -> None:
    app, _, credential_id, _ = world

    signed = documents.sign_pdf(app, credential_id, next_code(world), minimal_pdf(),
                                level="B-T", placement=documents.Placement(
                                    kind="agency", notation="12/QĐ-UBND"))

    reader = PdfFileReader(io.BytesIO(signed))
    [signature] = reader.embedded_signatures
    _, _, x2, y2 = (float(v) for v in signature.sig_field["/Kids"][0]["/Rect"]) \
        if "/Kids" in signature.sig_field else (float(v) for v in signature.sig_field["/Rect"])
    page = reader.root["/Pages"]["/Kids"][0].get_object()
    _, _, width, height = (float(v) for v in page["/MediaBox"])
    assert x2 > width * 0.6 and y2 > height * 0.9


def test_a_file_gets_a_detached_cades_signature_openssl_verifies(world, tmp_path: Path) -> None:
    app, _, credential_id, _ = world
    content = "Biên bản bàn giao hồ sơ".encode()

    signature = documents.sign_detached(app, credential_id, next_code(world), content)

    (tmp_path / "content").write_bytes(content)
    (tmp_path / "signature.der").write_bytes(signature)
    authority = app.authority()
    (tmp_path / "root.pem").write_bytes(authority.root.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "issuing.pem").write_bytes(
        authority.issuing.public_bytes(serialization.Encoding.PEM))
    verified = subprocess.run(
        ["openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in",
         str(tmp_path / "signature.der"), "-content", str(tmp_path / "content"),
         "-CAfile", str(tmp_path / "root.pem"), "-certfile", str(tmp_path / "issuing.pem"),
         "-purpose", "any", "-out", "/dev/null"],
        capture_output=True, text=True, check=False)
    assert verified.returncode == 0, verified.stderr
    assert "Verification successful" in verified.stderr


def test_an_xml_package_is_signed_enveloped(world) -> None:
    app, _, credential_id, _ = world
    package = b"<edXMLEnvelope><Subject>Th\xc3\xb4ng b\xc3\xa1o</Subject></edXMLEnvelope>"

    signed = documents.sign_xml(app, credential_id, next_code(world), package)

    certificate = app.credential(credential_id).certificate_pem
    XMLVerifier().verify(signed, x509_cert=certificate)


def test_a_code_signs_once_and_bad_documents_are_named(world) -> None:
    app, _, credential_id, _ = world
    code = next_code(world)
    documents.sign_detached(app, credential_id, code, b"one")
    with pytest.raises(PermissionDenied, match="already used"):
        documents.sign_detached(app, credential_id, code, b"two")

    with pytest.raises(InvalidArgument) as refused:
        documents.sign_pdf(app, credential_id, next_code(world), b"%PDF-1.7 not really")
    assert refused.value.violations[0].field == "pdf"
    with pytest.raises(InvalidArgument, match="at most"):
        documents.sign_detached(app, credential_id, next_code(world),
                                b"x" * (documents.MAX_DOCUMENT_BYTES + 1))
    with pytest.raises(InvalidArgument) as refused:
        documents.sign_xml(app, credential_id, next_code(world),
                           b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>')
    assert refused.value.violations[0].field == "xml"
    with pytest.raises(InvalidArgument) as refused:
        documents.sign_pdf(app, credential_id, next_code(world), minimal_pdf(), level="B-X")
    assert refused.value.violations[0].field == "level"
