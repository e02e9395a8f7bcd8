"""An edXML package is signed with an enveloped XML signature; signxml's verifier and
xmlsec1 (when installed), which nobody here wrote, accept it and reject a changed one;
a document with a DOCTYPE or an entity is refused before anything is signed."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from lxml import etree
from pkitools import Pki, build_pki
from signxml import XMLVerifier
from signxml.exceptions import InvalidSignature

from lienthong.services.signatures.formats.xmldsig import XmlRefused, parse_xml, sign_xml
from lienthong.signing import SigningError

EDXML = """<?xml version="1.0" encoding="UTF-8"?>
<edXML:edXMLEnvelope xmlns:edXML="http://www.e-doc.vn/Schema/">
  <edXML:edXMLHeader>
    <edXML:MessageHeader>
      <edXML:From><edXML:OrganId>000.00.12.H26</edXML:OrganId>
        <edXML:OrganName>Ủy ban nhân dân phường Ba Đình</edXML:OrganName></edXML:From>
      <edXML:Code><edXML:CodeNumber>12</edXML:CodeNumber>
        <edXML:CodeNotation>QĐ-UBND</edXML:CodeNotation></edXML:Code>
      <edXML:Subject>Về việc thành lập tổ công tác</edXML:Subject>
    </edXML:MessageHeader>
  </edXML:edXMLHeader>
  <edXML:edXMLBody><edXML:Attachment>UEsDBBQAAAAIAA==</edXML:Attachment></edXML:edXMLBody>
</edXML:edXMLEnvelope>
""".encode()

DS = "{http://www.w3.org/2000/09/xmldsig#}"


@pytest.fixture(scope="module")
def pki() -> Pki:
    return build_pki()


@pytest.fixture(scope="module", params=["official", "agency"])
def signer(request, pki):
    """The official's EC P-256 key, then the agency's RSA-2048 key."""
    return getattr(pki, request.param)


def test_signxml_verifies_the_signed_package(pki, signer):
    signed = sign_xml(EDXML, signer.signer, signer.certificate, pki.chain[:1])

    verified = XMLVerifier().verify(signed, x509_cert=signer.pem.decode())
    assert verified.signed_xml.find(".//{http://www.e-doc.vn/Schema/}CodeNotation").text \
        == "QĐ-UBND"
    algorithm = etree.fromstring(signed).find(f"{DS}Signature/{DS}SignedInfo/{DS}SignatureMethod")
    assert algorithm.get("Algorithm").endswith(
        "ecdsa-sha256" if signer is pki.official else "rsa-sha256")


def test_the_signature_is_enveloped_with_the_certificates_in_key_info(pki, signer):
    signed = etree.fromstring(sign_xml(EDXML, signer.signer, signer.certificate, pki.chain))

    signature = signed[-1]
    assert signature.tag == f"{DS}Signature"
    assert signature.find(f"{DS}SignedInfo/{DS}Reference").get("URI") == ""
    certificates = signature.findall(f"{DS}KeyInfo/{DS}X509Data/{DS}X509Certificate")
    assert len(certificates) == 3  # the signer's, the issuing CA's, the root's


def test_a_changed_element_fails_verification(pki, signer):
    signed = sign_xml(EDXML, signer.signer, signer.certificate, pki.chain[:1])
    changed = signed.replace("QĐ-UBND".encode(), "QĐ-HĐND".encode())

    with pytest.raises(InvalidSignature):
        XMLVerifier().verify(changed, x509_cert=signer.pem.decode())


@pytest.mark.skipif(shutil.which("xmlsec1") is None, reason="xmlsec1 is not installed")
def test_xmlsec1_verifies_the_signed_package_and_rejects_a_changed_one(pki, signer,
                                                                       tmp_path):
    signed = sign_xml(EDXML, signer.signer, signer.certificate, pki.chain[:1])
    (tmp_path / "root.pem").write_bytes(pki.root.pem)

    def xmlsec1_verifies(document: bytes) -> bool:
        (tmp_path / "signed.xml").write_bytes(document)
        run = subprocess.run(
            ["xmlsec1", "--verify", "--trusted-pem", tmp_path / "root.pem",
             tmp_path / "signed.xml"], capture_output=True, text=True, timeout=60, check=False)
        return run.returncode == 0 and run.stderr.startswith("OK")

    assert xmlsec1_verifies(signed)
    assert not xmlsec1_verifies(signed.replace(b"000.00.12.H26", b"000.00.13.H26"))


def test_an_external_entity_is_refused(pki):
    hostile = b"""<?xml version="1.0"?>
<!DOCTYPE edXMLEnvelope [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<edXMLEnvelope>&secret;</edXMLEnvelope>"""

    with pytest.raises(XmlRefused, match="DOCTYPE"):
        sign_xml(hostile, pki.agency.signer, pki.agency.certificate)


def test_a_doctype_without_entities_is_refused_too():
    with pytest.raises(XmlRefused, match="DOCTYPE"):
        parse_xml(b'<!DOCTYPE edXMLEnvelope SYSTEM "edxml.dtd"><edXMLEnvelope/>')


def test_a_document_over_the_size_bound_is_refused(pki):
    with pytest.raises(XmlRefused, match=r"more than the 1024 allowed"):
        sign_xml(EDXML + b"<!--" + b" " * 1024 + b"-->", pki.agency.signer,
                 pki.agency.certificate, max_bytes=1024)


def test_a_document_that_is_not_xml_is_refused(pki):
    with pytest.raises(XmlRefused, match="not well-formed"):
        sign_xml(b"<edXMLEnvelope>", pki.agency.signer, pki.agency.certificate)


def test_a_certificate_of_another_key_is_refused(pki):
    with pytest.raises(SigningError, match="does not certify"):
        sign_xml(EDXML, pki.agency.signer, pki.official.certificate)
