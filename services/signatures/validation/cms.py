"""CMS signatures: detached or encapsulated CAdES/CMS ``SignedData``, and the report
of any CMS signature once pyHanko's AdES process has judged it (PDF signatures
are CMS signatures too, see :mod:`.pdf`).

Each ``SignerInfo`` is one signature (id: its index). CAdES-B-T signatures (with a
signature time-stamp) go through pyHanko's validation with time
(``ades_with_time_validation``, ETSI process ``LTVM``), the others through basic
validation (``Basic``). The certificates and CRLs/OCSP responses of the
``SignedData`` are embedded validation material. CAdES-B-LT/-B-LTA unsigned
attributes (certificate and revocation values, archive time-stamps) are not read:
pyHanko's LTA process exists for PDF only.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from asn1crypto import cms, core, pem
from asn1crypto import ocsp as asn1_ocsp
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from pyhanko.sign.general import CMSExtractionError
from pyhanko.sign.validation import ades, generic_cms
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

from lienthong.services.signatures.validation.chain import certificate_chain, subject_of
from lienthong.services.signatures.validation.inputs import Embedded
from lienthong.services.signatures.validation.messages import Message
from lienthong.services.signatures.validation.outcome import (
    chain_problem,
    cms_timestamps,
    explain,
    failed_report,
    indications,
    signer_certificate,
)
from lienthong.services.signatures.validation.report import (
    Indication,
    SignatureReport,
    SubIndication,
)

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Sequence

    from pyhanko.sign.validation.ades import AdESBasicValidationResult

    from lienthong.services.signatures.validation.inputs import ValidationInputs
    from lienthong.services.signatures.validation.report import Process, TimestampReport

logger = logging.getLogger(__name__)

#: What malformed (but parseable at first sight) CMS structures raise deep inside
#: pyHanko and asn1crypto; a signature that raises one of these is a FORMAT_FAILURE.
MALFORMED = (
    ValueError,
    TypeError,
    KeyError,
    IndexError,
    CMSExtractionError,
    SignatureValidationError,
    NotImplementedError,
    UnsupportedAlgorithm,
)

#: ``OtherRevocationInfoFormat`` of an OCSP response in ``SignedData.crls`` (RFC 5940).
OCSP_REVINFO_FORMAT = "1.3.6.1.5.5.7.16.2"
CADES_SIGNING_CERTIFICATE = ("signing_certificate", "signing_certificate_v2")


def embedded_material(signed_data: cms.SignedData) -> Embedded:
    """The certificates, CRLs and OCSP responses a ``SignedData`` carries."""
    certs = tuple(
        choice.chosen
        for choice in (signed_data["certificates"] or ())
        if choice.name == "certificate"
    )
    crls = []
    ocsps = []
    for choice in signed_data["crls"] or ():
        if choice.name == "crl":
            crls.append(choice.chosen)
        elif choice.name == "other" and choice.chosen["other_rev_info_format"].dotted == (
            OCSP_REVINFO_FORMAT
        ):
            ocsps.append(asn1_ocsp.OCSPResponse.load(choice.chosen["other_rev_info"].dump()))
    return Embedded(certs=certs, crls=tuple(crls), ocsps=tuple(ocsps))


async def signature_report(
    *,
    signature_id: str,
    signature_format: str,
    process: Process,
    result: AdESBasicValidationResult,
    signed_data: cms.SignedData,
    signing_time: dt.datetime | None,
    inputs: ValidationInputs,
    embedded: Embedded,
    extra_timestamps: Sequence[TimestampReport] = (),
    constraint: Message | None = None,
) -> SignatureReport:
    """The report of one CMS signature from pyHanko's AdES verdict.

    ``constraint`` is a validation constraint of ours the signature broke although
    pyHanko passed it (a PDF changed after signing): the result becomes
    INDETERMINATE/SIG_CONSTRAINTS_FAILURE with that message.
    """
    indication, sub_indication = indications(result.ades_subindic)
    status = result.api_status
    signer_info = signed_data["signer_infos"][0]
    signer = status.signing_cert if status is not None else signer_certificate(signed_data)
    problem = (
        None
        if indication is Indication.TOTAL_PASSED
        else chain_problem(
            indication, sub_indication, None if status is None else status.trust_problem_indic
        )
    )
    chain = await certificate_chain(
        signer,
        None if status is None else status.validation_path,
        problem=problem,
        problem_indication=indication if problem is sub_indication else Indication.INDETERMINATE,
        inputs=inputs,
        embedded=embedded,
        validation_objects=result.validation_objects,
    )
    best_signature_time = (
        None if process == "Basic" else getattr(result, "best_signature_time", None)
    )
    timestamps = (*cms_timestamps(signer_info, status), *extra_timestamps)
    messages = explain(
        indication=indication,
        sub_indication=sub_indication,
        intact=None if status is None else status.intact,
        valid=None if status is None else status.valid,
        chain=chain,
        timestamps=timestamps,
        best_signature_time=best_signature_time,
        moment=inputs.moment,
        algorithm=signer_info["signature_algorithm"]["algorithm"].native,
    )
    if constraint is not None:
        if indication is Indication.TOTAL_PASSED:
            indication, sub_indication = (
                Indication.INDETERMINATE,
                SubIndication.SIG_CONSTRAINTS_FAILURE,
            )
        messages = (constraint, *messages)
    return SignatureReport(
        id=signature_id,
        format=signature_format,
        indication=indication,
        sub_indication=sub_indication,
        validation_process=process,
        validation_time=inputs.moment,
        signing_time=signing_time,
        best_signature_time=best_signature_time,
        timestamps=timestamps,
        signer=None if signer is None else subject_of(signer),
        certificate_chain=chain,
        messages=messages,
        technical_detail=result.failure_msg,
    )


def _load(data: bytes) -> cms.SignedData:
    if data.lstrip().startswith(b"-----BEGIN"):
        _, _, data = pem.unarmor(data.strip())
    content_info = cms.ContentInfo.load(data)
    if content_info["content_type"].native != "signed_data":
        raise ValueError("not a CMS SignedData")
    signed_data = content_info["content"]
    # asn1crypto parses lazily: touch what validation reads so damage shows here (field by
    # field: ``.native`` of a whole SignerInfo re-encodes its time-stamp token over and
    # over, seconds for one signature).
    for signer_info in signed_data["signer_infos"]:
        for name in ("sid", "digest_algorithm", "signature_algorithm", "signature"):
            signer_info[name].native  # noqa: B018
        for attribute in signer_info["signed_attrs"] or ():
            attribute["type"].native  # noqa: B018
            attribute["values"].contents  # noqa: B018
    for certificate in signed_data["certificates"] or ():
        certificate.chosen["tbs_certificate"]["serial_number"].native  # noqa: B018
    signed_data["encap_content_info"]["content_type"].native  # noqa: B018
    return signed_data


def _one_signer(signed_data: cms.SignedData, signer_info: cms.SignerInfo) -> cms.SignedData:
    """The ``SignedData`` reduced to one signer, as pyHanko validates one at a time."""
    fields = {
        name: signed_data[name]
        for name in ("version", "digest_algorithms", "encap_content_info", "certificates", "crls")
        if not isinstance(signed_data[name], core.Void)
    }
    return cms.SignedData({**fields, "signer_infos": [signer_info]})


def _format(signer_info: cms.SignerInfo) -> tuple[str, Process]:
    signed_attrs = signer_info["signed_attrs"]
    names = {attr["type"].native for attr in signed_attrs} if signed_attrs else set()
    timestamped = any(True for _ in generic_cms.extract_tst_data_iter(signer_info, signed=False))
    if not names.intersection(CADES_SIGNING_CERTIFICATE):
        return "CMS", "LTVM" if timestamped else "Basic"
    return ("CAdES-B-T", "LTVM") if timestamped else ("CAdES-B-B", "Basic")


def _digest(signer_info: cms.SignerInfo, content: bytes) -> bytes:
    algorithm = signer_info["digest_algorithm"]["algorithm"].native
    digest = hashes.Hash(get_pyca_cryptography_hash(algorithm))
    digest.update(content)
    return digest.finalize()


async def validate_cms(
    data: bytes, detached_content: bytes | None, inputs: ValidationInputs
) -> tuple[list[SignatureReport], list[Message]]:
    try:
        signed_data = _load(data)
    except Exception as error:  # anything the parser raises means "not CMS"
        logger.debug("unreadable CMS input", exc_info=error)
        return [
            failed_report(
                "0",
                sub_indication=SubIndication.FORMAT_FAILURE,
                message=Message("input.unreadable", {"kind": "CMS"}),
                validation_time=inputs.moment,
                detail=str(error) or type(error).__name__,
            )
        ], []
    signer_infos = list(signed_data["signer_infos"])
    if not signer_infos:
        return [], [Message("input.no_signature")]
    encapsulated = not isinstance(signed_data["encap_content_info"]["content"], core.Void)
    report_messages = []
    if encapsulated and detached_content is not None:
        report_messages.append(Message("input.detached_content_ignored"))
    embedded = embedded_material(signed_data)
    reports = []
    for index, signer_info in enumerate(signer_infos):
        reports.append(
            await _validate_signer(
                str(index), signed_data, signer_info, encapsulated, detached_content, inputs,
                embedded,
            )
        )
    return reports, report_messages


async def _validate_signer(
    signature_id: str,
    signed_data: cms.SignedData,
    signer_info: cms.SignerInfo,
    encapsulated: bool,
    detached_content: bytes | None,
    inputs: ValidationInputs,
    embedded: Embedded,
) -> SignatureReport:
    try:
        signature_format, process = _format(signer_info)
    except MALFORMED as error:
        return _unreadable(signature_id, inputs, error)
    if not encapsulated and detached_content is None:
        return failed_report(
            signature_id,
            signature_format=signature_format,
            indication=Indication.INDETERMINATE,
            sub_indication=SubIndication.SIGNED_DATA_NOT_FOUND,
            message=Message("input.detached_content_missing"),
            validation_time=inputs.moment,
        )
    try:
        single = signed_data if len(signed_data["signer_infos"]) == 1 else _one_signer(
            signed_data, signer_info
        )
        raw_digest = None if encapsulated else _digest(signer_info, detached_content or b"")
        spec = inputs.signature_spec(embedded)
        validation = (
            ades.ades_with_time_validation if process == "LTVM" else ades.ades_basic_validation
        )
        result = await validation(
            single, spec, timing_info=inputs.timing_info(), raw_digest=raw_digest
        )
        return await signature_report(
            signature_id=signature_id,
            signature_format=signature_format,
            process=process,
            result=result,
            signed_data=single,
            signing_time=generic_cms.extract_self_reported_ts(signer_info),
            inputs=inputs,
            embedded=embedded,
        )
    except MALFORMED as error:
        return _unreadable(signature_id, inputs, error)


def _unreadable(signature_id: str, inputs: ValidationInputs, error: Exception) -> SignatureReport:
    logger.debug("unreadable CMS signature", exc_info=error)
    return failed_report(
        signature_id,
        sub_indication=SubIndication.FORMAT_FAILURE,
        message=Message("input.unreadable_signature"),
        validation_time=inputs.moment,
        detail=str(error) or type(error).__name__,
    )
