"""A file is signed with a detached CAdES signature and OpenSSL, which nobody here wrote,
verifies it against the file and the test root, and rejects it for a changed file."""

from __future__ import annotations

import hashlib
import io
import shutil
import subprocess

import pytest
from asn1crypto import cms
from pkitools import Pki, build_pki

from lienthong.services.signatures.formats.cades import sign_detached

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")

DOCUMENT = "Quyết định số 12/QĐ-UBND về việc thành lập tổ công tác.\n".encode() * 2000


@pytest.fixture(scope="module")
def pki() -> Pki:
    return build_pki()


def openssl_verifies(tmp_path, signature: bytes, content: bytes, pki: Pki) -> bool:
    (tmp_path / "sig.der").write_bytes(signature)
    (tmp_path / "content").write_bytes(content)
    (tmp_path / "root.pem").write_bytes(pki.root.pem)
    run = subprocess.run(
        ["openssl", "cms", "-verify", "-binary", "-inform", "DER",
         "-in", tmp_path / "sig.der", "-content", tmp_path / "content",
         "-CAfile", tmp_path / "root.pem", "-purpose", "any", "-out", "/dev/null"],
        capture_output=True, text=True, timeout=60, check=False)
    return run.returncode == 0 and "Verification successful" in run.stderr


def signed_attributes(signature: bytes) -> dict[str, object]:
    signer_info = cms.ContentInfo.load(signature)["content"]["signer_infos"][0]
    return {attr["type"].native: attr["values"][0] for attr in signer_info["signed_attrs"]}


def test_openssl_verifies_the_signature_of_the_file(pki, tmp_path):
    signature = sign_detached(DOCUMENT, pki.official.signer, pki.official.certificate,
                              pki.chain)

    assert openssl_verifies(tmp_path, signature, DOCUMENT, pki)


def test_openssl_rejects_it_for_a_changed_file(pki, tmp_path):
    signature = sign_detached(DOCUMENT, pki.official.signer, pki.official.certificate,
                              pki.chain)
    changed = DOCUMENT.replace(b"12/", b"13/", 1)

    assert not openssl_verifies(tmp_path, signature, changed, pki)


def test_the_signature_is_detached_and_carries_the_cades_signed_attributes(pki):
    signature = sign_detached(DOCUMENT, pki.agency.signer, pki.agency.certificate, pki.chain)

    signed_data = cms.ContentInfo.load(signature)["content"]
    assert signed_data["encap_content_info"]["content"].native is None
    attributes = signed_attributes(signature)
    assert set(attributes) == {"content_type", "message_digest", "signing_time",
                               "signing_certificate_v2"}
    assert attributes["content_type"].native == "data"
    cert_hash = attributes["signing_certificate_v2"]["certs"][0]["cert_hash"].native
    assert cert_hash == pki.agency.asn1.sha256
    embedded = {c.chosen.subject.native["common_name"] for c in signed_data["certificates"]}
    assert "Lienthong Issuing CA thử nghiệm" in embedded


def test_a_stream_signs_like_its_bytes(pki, tmp_path):
    from_stream = sign_detached(io.BytesIO(DOCUMENT), pki.agency.signer,
                                pki.agency.certificate, pki.chain)

    assert (signed_attributes(from_stream)["message_digest"].native
            == signed_attributes(sign_detached(DOCUMENT, pki.agency.signer,
                                               pki.agency.certificate,
                                               pki.chain))["message_digest"].native)
    assert openssl_verifies(tmp_path, from_stream, DOCUMENT, pki)


def test_with_a_timestamper_the_signature_carries_a_signature_time_stamp(pki, tmp_path):
    signature = sign_detached(DOCUMENT, pki.official.signer, pki.official.certificate,
                              pki.chain, pki.timestamper())

    signer_info = cms.ContentInfo.load(signature)["content"]["signer_infos"][0]
    unsigned = [attr["type"].native for attr in signer_info["unsigned_attrs"]]
    assert unsigned == ["signature_time_stamp_token"]
    token = signer_info["unsigned_attrs"][0]["values"][0]["content"]
    tst_info = token["encap_content_info"]["content"].parsed
    imprint = tst_info["message_imprint"]["hashed_message"].native
    assert imprint == hashlib.sha256(signer_info["signature"].native).digest()
    assert openssl_verifies(tmp_path, signature, DOCUMENT, pki)
