"""XML signatures (XMLDSig and XAdES).

signxml checks the cryptography of each ``ds:Signature`` (the references'
digests, the signature value, and for XAdES the signed properties' certificate
digests) against the certificate the signature carries; certvalidator, through
pyHanko's certificate checks, validates that certificate's chain, validity period
and revocation at the validation time (ETSI process ``Basic``). signxml's own
validity-period check is kept out of the way (it is given a time inside the
certificate's validity) so that the time verdict is certvalidator's alone.

XAdES signature time-stamps are reported but not validated: signxml does not
read them. A signature whose parent element holds another signature before it
cannot be addressed on its own by signxml and is reported INDETERMINATE/GENERIC.
"""

from __future__ import annotations

import base64
import datetime as dt
import logging
from typing import TYPE_CHECKING

from asn1crypto import cms
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree
from pyhanko.sign.validation import generic_cms
from signxml import SignatureConfiguration, XMLVerifier
from signxml.exceptions import InvalidDigest, InvalidSignature, SignXMLException
from signxml.xades import XAdESSignatureConfiguration, XAdESVerifier

from lienthong.services.signatures.validation.chain import certificate_chain, subject_of
from lienthong.services.signatures.validation.cms import MALFORMED
from lienthong.services.signatures.validation.inputs import SIGNER_KEY_USAGE, Embedded
from lienthong.services.signatures.validation.messages import Message
from lienthong.services.signatures.validation.outcome import (
    chain_problem,
    explain,
    failed_report,
    indications,
    timestamp_report,
)
from lienthong.services.signatures.validation.report import (
    Indication,
    SignatureReport,
    SubIndication,
    TimestampReport,
)

if TYPE_CHECKING:
    from lienthong.services.signatures.validation.inputs import ValidationInputs

logger = logging.getLogger(__name__)

DS = "http://www.w3.org/2000/09/xmldsig#"
XADES = "http://uri.etsi.org/01903/v1.3.2#"
NS = {"ds": DS, "xades": XADES}

#: What a damaged signature (structure, certificate, algorithm) raises on its way
#: through signxml, cryptography, asn1crypto and certvalidator: a FORMAT_FAILURE.
UNREADABLE = (*MALFORMED, SignXMLException, etree.DocumentInvalid, etree.XMLSyntaxError)

#: No entities, no network, no huge trees: the input is untrusted.
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


def _certificates(signature: etree._Element) -> list[x509.Certificate]:
    certs = []
    for node in signature.iterfind("ds:KeyInfo/ds:X509Data/ds:X509Certificate", NS):
        text = "".join((node.text or "").split())
        certs.append(
            x509.load_pem_x509_certificate(
                f"-----BEGIN CERTIFICATE-----\n{text}\n-----END CERTIFICATE-----\n".encode()
            )
        )
    return certs


def _signer(certs: list[x509.Certificate]) -> x509.Certificate | None:
    """The certificate that issued none of the others (the end entity)."""
    for cert in certs:
        if not any(other is not cert and other.issuer == cert.subject for other in certs):
            return cert
    return certs[0] if certs else None


def _location(signature: etree._Element) -> str | None:
    """signxml's ``location`` for this signature, or ``None`` when it is not the
    first ``ds:Signature`` child of its parent (signxml would find the other one)."""
    parent = signature.getparent()
    if parent is None:
        return "./"
    first = parent.find(f"{{{DS}}}Signature")
    if first is not signature:
        return None
    path = signature.getroottree().getelementpath(parent)
    return "./" if path == "." else f"./{path}/"


def _in_validity(cert: x509.Certificate, moment: dt.datetime) -> dt.datetime:
    return min(max(moment, cert.not_valid_before_utc), cert.not_valid_after_utc)


def _weak_algorithm(signature: etree._Element) -> str | None:
    for node in (
        signature.find("ds:SignedInfo/ds:SignatureMethod", NS),
        *signature.iterfind("ds:SignedInfo/ds:Reference/ds:DigestMethod", NS),
    ):
        algorithm = (node.get("Algorithm") if node is not None else None) or ""
        if algorithm.lower().endswith(("sha1", "md5")):
            return algorithm
    return None


def _xades_times(signature: etree._Element) -> tuple[dt.datetime | None, list[TimestampReport]]:
    signing_time = None
    node = signature.find(".//xades:SignedSignatureProperties/xades:SigningTime", NS)
    if node is not None and node.text:
        try:
            signing_time = dt.datetime.fromisoformat(node.text.strip().replace("Z", "+00:00"))
        except ValueError:
            signing_time = None
        if signing_time is not None and signing_time.tzinfo is None:
            signing_time = signing_time.replace(tzinfo=dt.UTC)  # xs:dateTime without zone
    stamps = []
    for token in signature.iterfind(
        ".//xades:UnsignedSignatureProperties/xades:SignatureTimeStamp/"
        "xades:EncapsulatedTimeStamp",
        NS,
    ):
        try:
            report = _encapsulated_timestamp(token.text or "")
        except (ValueError, TypeError, KeyError):
            continue
        stamps.append(report)
    return signing_time, stamps


def _encapsulated_timestamp(text: str) -> TimestampReport:
    content_info = cms.ContentInfo.load(base64.b64decode("".join(text.split())))
    return timestamp_report("signature", content_info["content"])


def _verify_crypto(
    document: bytes,
    signature: etree._Element,
    signer: x509.Certificate,
    location: str,
    xades: bool,
    moment: dt.datetime,
) -> None:
    """signxml's verdict on the digests and the signature value; raises on failure."""
    verification_time = _in_validity(signer, moment)
    if xades:
        XAdESVerifier().verify(
            document,
            x509_cert=signer,
            expect_config=XAdESSignatureConfiguration(
                location=location, expect_references=True, verification_time=verification_time
            ),
        )
    else:
        XMLVerifier().verify(
            document,
            x509_cert=signer,
            expect_config=SignatureConfiguration(
                location=location, expect_references=True, verification_time=verification_time
            ),
        )


async def _validate_signature(
    document: bytes,
    signature: etree._Element,
    index: int,
    inputs: ValidationInputs,
) -> SignatureReport:
    signature_id = signature.get("Id") or str(index)
    xades = signature.find(".//xades:QualifyingProperties", NS) is not None
    signing_time, timestamps = _xades_times(signature) if xades else (None, [])
    signature_format = ("XAdES-B-T" if timestamps else "XAdES-B-B") if xades else "XMLDSig"
    try:
        return await _validate_readable(
            document,
            signature,
            signature_id,
            signature_format,
            signing_time,
            timestamps,
            inputs,
            xades=xades,
        )
    except UNREADABLE as error:
        logger.debug("unreadable XML signature", exc_info=error)
        return failed_report(
            signature_id,
            signature_format=signature_format,
            sub_indication=SubIndication.FORMAT_FAILURE,
            message=Message("input.unreadable_signature"),
            validation_time=inputs.moment,
            detail=str(error) or type(error).__name__,
        )


async def _validate_readable(
    document: bytes,
    signature: etree._Element,
    signature_id: str,
    signature_format: str,
    signing_time: dt.datetime | None,
    timestamps: list[TimestampReport],
    inputs: ValidationInputs,
    *,
    xades: bool,
) -> SignatureReport:
    certs = _certificates(signature)
    signer = _signer(certs)
    location = _location(signature)
    if signer is None:
        return failed_report(
            signature_id,
            signature_format=signature_format,
            indication=Indication.INDETERMINATE,
            sub_indication=SubIndication.NO_SIGNING_CERTIFICATE_FOUND,
            message=Message("signature.signer_unknown"),
            validation_time=inputs.moment,
        )
    if location is None:
        return failed_report(
            signature_id,
            signature_format=signature_format,
            indication=Indication.INDETERMINATE,
            sub_indication=SubIndication.GENERIC,
            message=Message("signature.not_addressable"),
            validation_time=inputs.moment,
        )
    asn1_certs = tuple(asn1_x509.Certificate.load(c.public_bytes(Encoding.DER)) for c in certs)
    asn1_signer = asn1_x509.Certificate.load(signer.public_bytes(Encoding.DER))
    embedded = Embedded(certs=asn1_certs)

    intact = valid = True
    detail = None
    weak = _weak_algorithm(signature)
    if weak is not None:
        indication, sub_indication = (
            Indication.INDETERMINATE,
            SubIndication.CRYPTO_CONSTRAINTS_FAILURE,
        )
    else:
        indication, sub_indication = Indication.TOTAL_PASSED, None
        try:
            _verify_crypto(document, signature, signer, location, xades, inputs.moment)
        except InvalidDigest as error:
            intact, detail = False, str(error)
            indication, sub_indication = Indication.TOTAL_FAILED, SubIndication.HASH_FAILURE
        except InvalidSignature as error:
            valid, detail = False, str(error)
            indication, sub_indication = Indication.TOTAL_FAILED, SubIndication.SIG_CRYPTO_FAILURE

    path = None
    trust_problem = None
    if indication is Indication.TOTAL_PASSED or sub_indication is SubIndication.HASH_FAILURE:
        context = inputs.validation_context(embedded)
        try:
            outcome = await generic_cms.validate_cert_usage(
                asn1_signer,
                context,
                key_usage_settings=SIGNER_KEY_USAGE,
                paths=context.path_builder.async_build_paths_lazy(asn1_signer),
            )
        finally:
            await context.aclose()
        path = outcome.success_result or outcome.error_path
        trust_problem = outcome.error_subindic
        if trust_problem is not None and indication is Indication.TOTAL_PASSED:
            indication, sub_indication = indications(trust_problem)
    problem = (
        None
        if indication is Indication.TOTAL_PASSED
        else chain_problem(indication, sub_indication, trust_problem)
    )
    chain = await certificate_chain(
        asn1_signer,
        path,
        problem=problem,
        problem_indication=indication if problem is sub_indication else Indication.INDETERMINATE,
        inputs=inputs,
        embedded=embedded,
    )
    messages = explain(
        indication=indication,
        sub_indication=sub_indication,
        intact=intact,
        valid=valid if weak is None else None,
        chain=chain,
        timestamps=timestamps,
        best_signature_time=None,
        moment=inputs.moment,
        algorithm=weak,
    )
    if timestamps:
        messages = (*messages, Message("timestamp.not_validated"))
    return SignatureReport(
        id=signature_id,
        format=signature_format,
        indication=indication,
        sub_indication=sub_indication,
        validation_process="Basic",
        validation_time=inputs.moment,
        signing_time=signing_time,
        timestamps=tuple(timestamps),
        signer=subject_of(asn1_signer),
        certificate_chain=chain,
        messages=messages,
        technical_detail=detail,
    )


async def validate_xml(
    data: bytes, inputs: ValidationInputs
) -> tuple[list[SignatureReport], list[Message]]:
    try:
        root = etree.fromstring(data, PARSER)
    except (etree.XMLSyntaxError, ValueError) as error:
        logger.debug("unreadable XML input", exc_info=error)
        return [
            failed_report(
                "0",
                sub_indication=SubIndication.FORMAT_FAILURE,
                message=Message("input.unreadable", {"kind": "XML"}),
                validation_time=inputs.moment,
                detail=str(error),
            )
        ], []
    signatures = list(root.iter(f"{{{DS}}}Signature"))
    if not signatures:
        return [], [Message("input.no_signature")]
    return [
        await _validate_signature(data, signature, index, inputs)
        for index, signature in enumerate(signatures)
    ], []
