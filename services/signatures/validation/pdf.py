"""PDF signatures (PAdES and ``adbe.pkcs7.detached``).

Each ``/Sig`` field is one signature (id: its field name). The level is read off
the document: a signature time-stamp (or a later document time-stamp) makes it
B-T, validation data (DSS, Adobe revocation archive) B-LT, a document time-stamp
over the DSS B-LTA.
The ETSI process follows what proves the signature's time:

* no time-stamp: basic validation (``ades_basic_validation``, ``Basic``);
* a signature time-stamp: validation with time (``ades_with_time_validation``,
  ``LTVM``), the DSS and Adobe revocation archive given as local knowledge;
* document time-stamps after the signature: pyHanko's PAdES LTA process
  (``ades_lta_validation``, ``LTA``), which reads the DSS itself and takes the
  time-stamp chain as proof of existence.

pyHanko's diff analysis judges the updates after each signature; a signature the
AdES process passes but whose document was modified in a way not permitted ends
INDETERMINATE/SIG_CONSTRAINTS_FAILURE.
"""

from __future__ import annotations

import dataclasses
import io
import logging
from typing import TYPE_CHECKING

from asn1crypto import crl as asn1_crl
from asn1crypto import ocsp as asn1_ocsp
from pyhanko.pdf_utils.decode_limits import DecodePurpose
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.general import (
    MultivaluedAttributeError,
    NonexistentAttributeError,
    find_unique_cms_attribute,
)
from pyhanko.sign.validation import ades, generic_cms
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.sign.validation.errors import NoDSSFoundError
from pyhanko.sign.validation.policy_decl import PdfSignatureValidationSpec
from pyhanko.sign.validation.status import PdfSignatureStatus, SignatureCoverageLevel

from lienthong.services.signatures.validation.cms import MALFORMED, signature_report
from lienthong.services.signatures.validation.inputs import Embedded
from lienthong.services.signatures.validation.messages import Message
from lienthong.services.signatures.validation.outcome import failed_report, timestamp_report
from lienthong.services.signatures.validation.report import SubIndication

if TYPE_CHECKING:
    from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature

    from lienthong.services.signatures.validation.inputs import ValidationInputs
    from lienthong.services.signatures.validation.report import Process, SignatureReport

logger = logging.getLogger(__name__)

PADES_SUBFILTER = "/ETSI.CAdES.detached"


def _dss(reader: PdfFileReader) -> Embedded:
    """The certificates and revocation data of the document security store."""
    try:
        dss = DocumentSecurityStore.read_dss(reader)
    except NoDSSFoundError:
        return Embedded()
    return Embedded(
        certs=tuple(dss.load_certs()),
        crls=tuple(
            asn1_crl.CertificateList.load(ref.get_object().read_data(DecodePurpose.CRL))
            for ref in dss.crls
        ),
        ocsps=tuple(
            asn1_ocsp.OCSPResponse.load(ref.get_object().read_data(DecodePurpose.OCSP_RESPONSE))
            for ref in dss.ocsps
        ),
    )


def _covers_dss(reader: PdfFileReader, doc_timestamp: EmbeddedPdfSignature) -> bool:
    """Whether the document time-stamp covers a DSS (the DSS existed in its revision)."""
    return "/DSS" in reader.get_historical_root(doc_timestamp.signed_revision)


def _revocation_archive(sig: EmbeddedPdfSignature) -> Embedded:
    """Adobe's ``adbe-revocationInfoArchival`` signed attribute (``adbe.pkcs7.detached``)."""
    try:
        archive = find_unique_cms_attribute(
            sig.signer_info["signed_attrs"], "adobe_revocation_info_archival"
        )
    except (NonexistentAttributeError, MultivaluedAttributeError):
        return Embedded()
    return Embedded(crls=tuple(archive["crl"]), ocsps=tuple(archive["ocsp"]))


def _level(
    reader: PdfFileReader,
    sig: EmbeddedPdfSignature,
    later_doc_timestamps: list[EmbeddedPdfSignature],
    embedded: Embedded,
) -> tuple[str, Process]:
    timestamped = any(
        True for _ in generic_cms.extract_tst_data_iter(sig.signer_info, signed=False)
    )
    level = "B-B"
    if timestamped or later_doc_timestamps:
        level = "B-T"
        if embedded.has_revocation_data:
            level = "B-LT"
            if any(_covers_dss(reader, ts) for ts in later_doc_timestamps):
                level = "B-LTA"
    process: Process = "LTA" if later_doc_timestamps else "LTVM" if timestamped else "Basic"
    if sig.sig_object.get("/SubFilter") == PADES_SUBFILTER:
        return f"PAdES-{level}", process
    return "PDF-PKCS7", process


def _modification_messages(integrity: dict) -> tuple[Message | None, list[Message]]:
    """A broken constraint (disallowed changes after signing) and informative messages."""
    if integrity.get("docmdp_ok") is False:
        return Message("pdf.modified_after_signing"), []
    if integrity.get("coverage") is SignatureCoverageLevel.ENTIRE_REVISION:
        return None, [Message("pdf.updated_after_signing")]
    return None, []


async def _validate_signature(
    sig: EmbeddedPdfSignature,
    doc_timestamps: list[EmbeddedPdfSignature],
    dss: Embedded,
    inputs: ValidationInputs,
) -> SignatureReport:
    sig.compute_integrity_info()
    integrity = sig.summarise_integrity_info()
    later = [ts for ts in doc_timestamps if ts.signed_revision > sig.signed_revision]
    carried = Embedded(certs=tuple(sig.other_embedded_certs))
    embedded = dss + _revocation_archive(sig) + carried
    signature_format, process = _level(sig.reader, sig, later, embedded)
    timing = inputs.timing_info()
    if process == "LTA":
        # pyHanko's LTA process reads the DSS and the revocation archive itself.
        spec = inputs.signature_spec(carried)
        result = await ades.ades_lta_validation(
            sig, PdfSignatureValidationSpec(spec), timing_info=timing
        )
    elif process == "LTVM":
        result = await ades.ades_with_time_validation(
            sig.signed_data,
            inputs.signature_spec(embedded),
            timing_info=timing,
            raw_digest=sig.compute_digest(),
            extra_status_kwargs=integrity,
            status_cls=PdfSignatureStatus,
        )
    else:
        # pyHanko 0.38's basic process builds its status object as a plain CMS status
        # whatever status class it is given, so the PDF integrity facts stay out of it.
        result = await ades.ades_basic_validation(
            sig.signed_data,
            inputs.signature_spec(embedded),
            timing_info=timing,
            raw_digest=sig.compute_digest(),
        )
    constraint, notes = _modification_messages(integrity)
    report = await signature_report(
        # A plain str: pyHanko's string object holds on to the whole parsed document.
        signature_id=str(sig.field_name),
        signature_format=signature_format,
        process=process,
        result=result,
        signed_data=sig.signed_data,
        signing_time=sig.self_reported_timestamp,
        inputs=inputs,
        embedded=embedded,
        extra_timestamps=[timestamp_report("document", ts.signed_data) for ts in later],
        constraint=constraint,
    )
    if notes:
        return _with_messages(report, notes)
    return report


def _unreadable(
    signature_id: str, inputs: ValidationInputs, error: Exception, message: Message
) -> SignatureReport:
    logger.debug("unreadable PDF input", exc_info=error)
    return failed_report(
        signature_id,
        sub_indication=SubIndication.FORMAT_FAILURE,
        message=message,
        validation_time=inputs.moment,
        detail=str(error) or type(error).__name__,
    )


def _with_messages(report: SignatureReport, messages: list[Message]) -> SignatureReport:
    return dataclasses.replace(report, messages=(*report.messages, *messages))


async def validate_pdf(
    data: bytes, inputs: ValidationInputs, *, last_only: bool = False
) -> tuple[list[SignatureReport], list[Message]]:
    """A report on each signature, in signing order; ``last_only``: on the one signed
    last (it covers the revisions of the others, which are not looked at)."""
    try:
        reader = PdfFileReader(io.BytesIO(data))
        signatures = reader.embedded_regular_signatures
        doc_timestamps = reader.embedded_timestamp_signatures
    except Exception as error:  # anything reading raises means "not a readable PDF"
        # pyHanko reports broken PDF structure as PdfError; anything else comes from
        # a signature's own content (its CMS blob).
        message = (
            Message("input.unreadable", {"kind": "PDF"})
            if isinstance(error, PdfError)
            else Message("input.unreadable_signature")
        )
        return [_unreadable("document", inputs, error, message)], []
    if not signatures:
        return [], [Message("input.no_signature")]
    try:
        dss = _dss(reader)
    except (*MALFORMED, PdfError) as error:
        logger.debug("unreadable DSS", exc_info=error)
        dss = Embedded()
    reports = []
    for sig in signatures[-1:] if last_only else signatures:
        try:
            reports.append(await _validate_signature(sig, doc_timestamps, dss, inputs))
        except (*MALFORMED, PdfError) as error:
            reports.append(
                _unreadable(str(sig.field_name), inputs, error,
                            Message("input.unreadable_signature"))
            )
    return reports, []
