"""Enveloped XML signatures (XMLDSig) of edXML packages and any other XML document.

The signature covers the whole document (reference ``""``, or ``#Id`` when the root
has an ``Id``) with the enveloped-signature transform and inclusive Canonical XML 1.0,
digest SHA-256, signature RSA-SHA256 or ECDSA-SHA256 by the key's kind; its KeyInfo
carries the signing certificate then the chain in X509Data. It goes last in the root
element, or replaces a ``<ds:Signature Id="placeholder"/>`` the document holds where
its format wants the signature.

signxml builds the signature (references, digests, canonical SignedInfo); the
SignatureValue comes from the :class:`~lienthong.signing.KeySigner`: signxml asks its
key only to ``sign`` the canonical SignedInfo, which :class:`_KeySignerKey` forwards.

Input is parsed without a DTD: a document with a DOCTYPE (hence any entity, internal
or external) is refused, nothing is fetched from the network, and documents larger
than ``max_bytes`` or deeper than libxml2's default limits are refused.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from lxml import etree
from signxml import CanonicalizationMethod, DigestAlgorithm, SignatureMethod, XMLSigner
from signxml.algorithms import SignatureConstructionMethod

from lienthong.services.signatures.formats.keysigner import as_cryptography, check_key_matches
from lienthong.signing import SigningError

if TYPE_CHECKING:
    from collections.abc import Iterable

    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric.padding import AsymmetricPadding

    from lienthong.services.signatures.formats.keysigner import Certificate
    from lienthong.signing import KeySigner

#: The default bound on a document's size.
MAX_XML_BYTES = 50 * 1024 * 1024

_SIGNATURE_METHODS = {"rsa": SignatureMethod.RSA_SHA256, "ecdsa": SignatureMethod.ECDSA_SHA256}


class XmlRefused(ValueError):
    """The document is not accepted for signing (too large, not well-formed, a DTD)."""


def parse_xml(xml_bytes: bytes, *, max_bytes: int = MAX_XML_BYTES) -> etree._ElementTree:
    """``xml_bytes`` parsed safely (see the module), or :class:`XmlRefused`."""
    if len(xml_bytes) > max_bytes:
        msg = f"the XML document is {len(xml_bytes)} bytes, more than the {max_bytes} allowed"
        raise XmlRefused(msg)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             dtd_validation=False, huge_tree=False, remove_blank_text=False)
    try:
        root = etree.fromstring(xml_bytes, parser)
    except etree.XMLSyntaxError as exc:
        msg = f"the XML document is not well-formed: {exc}"
        raise XmlRefused(msg) from exc
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        msg = "the XML document has a DOCTYPE (DTDs and entities are refused)"
        raise XmlRefused(msg)
    return tree


class _KeySignerKey:
    """The part of a ``cryptography`` private key signxml uses: ``sign`` and ``key_size``.

    RSA is asked with PKCS#1 v1.5 padding, ECDSA with ``ec.ECDSA(hash)``; the KeySigner
    returns what ``cryptography`` would (ECDSA as DER), and signxml recodes ECDSA
    signatures as ``r || s`` of ``key_size`` bits each.
    """

    def __init__(self, signer: KeySigner) -> None:
        self._signer = signer
        key = signer.public_key()
        if not isinstance(key, rsa.RSAPublicKey | ec.EllipticCurvePublicKey):
            msg = f"XML signatures take RSA or ECDSA keys, not {signer.key_algorithm}"
            raise SigningError(msg)
        self.key_size = key.key_size

    def public_key(self) -> rsa.RSAPublicKey | ec.EllipticCurvePublicKey:
        return self._signer.public_key()  # type: ignore[return-value]

    def sign(self, data: bytes, padding: AsymmetricPadding | None = None,
             algorithm: hashes.HashAlgorithm | None = None,
             signature_algorithm: ec.EllipticCurveSignatureAlgorithm | None = None) -> bytes:
        if isinstance(signature_algorithm, ec.ECDSA):
            algorithm = signature_algorithm.algorithm  # type: ignore[assignment]
        elif not isinstance(padding, PKCS1v15):
            msg = "the key signs RSA with PKCS#1 v1.5 padding only"
            raise SigningError(msg)
        if algorithm is None:
            msg = "no hash algorithm given"
            raise SigningError(msg)
        return self._signer.sign(data, algorithm.name)



def sign_xml(
    xml_bytes: bytes,
    signer: KeySigner,
    certificate: Certificate,
    chain: Iterable[Certificate] = (),
    *,
    max_bytes: int = MAX_XML_BYTES,
) -> bytes:
    """``xml_bytes`` with an enveloped signature by ``signer`` (see the module), as UTF-8
    bytes with an XML declaration. ``certificate`` must certify the signer's key;
    ``chain`` (issuing CAs, root optional) follows it in X509Data."""
    check_key_matches(signer, certificate)
    method = _SIGNATURE_METHODS.get(signer.key_algorithm)
    if method is None:
        msg = f"XML signatures take RSA or ECDSA keys, not {signer.key_algorithm}"
        raise SigningError(msg)
    tree = parse_xml(xml_bytes, max_bytes=max_bytes)
    xml_signer = XMLSigner(
        method=SignatureConstructionMethod.enveloped, signature_algorithm=method,
        digest_algorithm=DigestAlgorithm.SHA256,
        c14n_algorithm=CanonicalizationMethod.CANONICAL_XML_1_0)
    certificates = [as_cryptography(c) for c in (certificate, *chain)]
    signed = xml_signer.sign(tree.getroot(), key=_KeySignerKey(signer),  # type: ignore[arg-type]
                             cert=certificates)
    return etree.tostring(signed.getroottree(), xml_declaration=True, encoding="UTF-8")
