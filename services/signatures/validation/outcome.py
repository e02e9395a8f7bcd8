"""From a validator's verdict to a :class:`SignatureReport`.

pyHanko's AdES processes (``ades_basic_validation``, ``ades_with_time_validation``,
``ades_lta_validation``) already answer in ETSI EN 319 102-1 terms: an
``AdESSubIndic`` whose ``status`` is the main indication. This module maps them
onto the report's enums, describes the time-stamps a CMS signature carries, and
writes the messages that explain a result; the XML validator uses the same pieces.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from pyhanko.sign.ades.report import AdESStatus
from pyhanko.sign.general import CMSExtractionError, extract_certificate_info
from pyhanko.sign.validation import generic_cms

from lienthong.services.signatures.validation.chain import (
    CHAIN_PROBLEMS,
    display_name,
)
from lienthong.services.signatures.validation.messages import Message
from lienthong.services.signatures.validation.report import (
    Indication,
    RevocationStatus,
    SignatureReport,
    SubIndication,
    TimestampReport,
)

if TYPE_CHECKING:
    from collections.abc import Iterable

    from asn1crypto import cms
    from asn1crypto import x509 as asn1_x509
    from pyhanko.sign.ades.report import AdESSubIndic
    from pyhanko.sign.validation.status import SignatureStatus, TimestampSignatureStatus

    from lienthong.services.signatures.validation.report import (
        CertificateReport,
        TimestampKind,
    )

_MAIN = {
    AdESStatus.PASSED: Indication.TOTAL_PASSED,
    AdESStatus.FAILED: Indication.TOTAL_FAILED,
    AdESStatus.INDETERMINATE: Indication.INDETERMINATE,
}


def indications(subindic: AdESSubIndic) -> tuple[Indication, SubIndication | None]:
    """ETSI main indication and sub-indication of a pyHanko AdES sub-indication."""
    main = _MAIN[subindic.status]
    if main is Indication.TOTAL_PASSED:
        return main, None
    try:
        return main, SubIndication(subindic.standard_name)
    except ValueError:
        return main, SubIndication.GENERIC


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat()


def failed_report(
    signature_id: str,
    *,
    sub_indication: SubIndication,
    message: Message,
    validation_time: dt.datetime,
    signature_format: str = "unknown",
    indication: Indication = Indication.TOTAL_FAILED,
    detail: str | None = None,
) -> SignatureReport:
    """A signature that could not be validated at all (unreadable, no signed data...)."""
    return SignatureReport(
        id=signature_id,
        format=signature_format,
        indication=indication,
        sub_indication=sub_indication,
        validation_time=validation_time,
        messages=(message,),
        technical_detail=detail,
    )


def signer_certificate(signed_data: cms.SignedData) -> asn1_x509.Certificate | None:
    try:
        return extract_certificate_info(signed_data).signer_cert
    except (CMSExtractionError, ValueError, KeyError):
        return None


def _tst_time(token: cms.SignedData) -> dt.datetime:
    return token["encap_content_info"]["content"].parsed["gen_time"].native


def _timestamp_verdict(
    status: TimestampSignatureStatus | None,
) -> tuple[Indication | None, SubIndication | None]:
    if status is None:
        return None, None
    if not status.intact:
        return Indication.TOTAL_FAILED, SubIndication.HASH_FAILURE
    if not status.valid:
        return Indication.TOTAL_FAILED, SubIndication.SIG_CRYPTO_FAILURE
    if status.trusted:
        return Indication.TOTAL_PASSED, None
    problem = status.trust_problem_indic
    return (
        Indication.INDETERMINATE,
        SubIndication.GENERIC if problem is None else indications(problem)[1],
    )


def timestamp_report(
    kind: TimestampKind,
    token: cms.SignedData,
    status: TimestampSignatureStatus | None = None,
) -> TimestampReport:
    """A time-stamp token; ``status`` is the validator's verdict on it, when it gave one."""
    tsa = signer_certificate(token)
    indication, sub_indication = _timestamp_verdict(status)
    return TimestampReport(
        kind=kind,
        time=status.timestamp if status is not None else _tst_time(token),
        tsa=None if tsa is None else display_name(tsa),
        indication=indication,
        sub_indication=sub_indication,
    )


def cms_timestamps(
    signer_info: cms.SignerInfo, status: SignatureStatus | None
) -> list[TimestampReport]:
    """The content time-stamps (signed attribute) and signature time-stamps (unsigned)."""
    content_status = getattr(status, "content_timestamp_validity", None)
    signature_status = getattr(status, "timestamp_validity", None)
    reports = [
        timestamp_report("content", token, content_status if i == 0 else None)
        for i, token in enumerate(generic_cms.extract_tst_data_iter(signer_info, signed=True))
    ]
    reports += [
        timestamp_report("signature", token, signature_status if i == 0 else None)
        for i, token in enumerate(generic_cms.extract_tst_data_iter(signer_info, signed=False))
    ]
    return reports


def chain_problem(
    indication: Indication,
    sub_indication: SubIndication | None,
    trust_problem: AdESSubIndic | None,
) -> SubIndication | None:
    """The chain's own trust problem, else the signature's when that is about the chain."""
    if trust_problem is not None:
        return indications(trust_problem)[1]
    if sub_indication in CHAIN_PROBLEMS and indication is not Indication.TOTAL_PASSED:
        return sub_indication
    return None


def explain(
    *,
    indication: Indication,
    sub_indication: SubIndication | None,
    intact: bool | None,
    valid: bool | None,
    chain: Iterable[CertificateReport],
    timestamps: Iterable[TimestampReport],
    best_signature_time: dt.datetime | None,
    moment: dt.datetime,
    algorithm: str | None = None,
) -> tuple[Message, ...]:
    """The messages that explain a signature's result, in reading order."""
    chain = tuple(chain)
    messages: list[Message] = []
    if intact is False or sub_indication is SubIndication.HASH_FAILURE:
        messages.append(Message("signature.hash_mismatch"))
    elif valid is False or sub_indication is SubIndication.SIG_CRYPTO_FAILURE:
        messages.append(Message("signature.crypto_invalid"))
    elif sub_indication is SubIndication.FORMAT_FAILURE:
        messages.append(Message("input.unreadable_signature"))
    elif intact and valid:
        messages.append(Message("signature.intact"))
    if sub_indication in (
        SubIndication.CRYPTO_CONSTRAINTS_FAILURE,
        SubIndication.CRYPTO_CONSTRAINTS_FAILURE_NO_POE,
    ):
        messages.append(Message("signature.weak_algorithm", {"algorithm": algorithm or "?"}))

    if chain and chain[0].is_trust_anchor and all(
        c.indication is Indication.TOTAL_PASSED for c in chain
    ):
        root = chain[0].subject
        messages.append(Message("chain.trusted", {"root": root.common_name or root.rfc4514}))
    elif any(c.sub_indication is SubIndication.NO_CERTIFICATE_CHAIN_FOUND for c in chain) or (
        sub_indication is SubIndication.NO_CERTIFICATE_CHAIN_FOUND
    ):
        messages.append(Message("chain.not_found"))
    else:
        problems = {
            c.sub_indication
            for c in chain
            if c.sub_indication is not None
            and c.revocation.status is not RevocationStatus.REVOKED
            and c.not_before <= moment <= c.not_after
        }
        messages += [
            Message("chain.problem", {"reason": Message(f"subindication.{p.value}")})
            for p in sorted(problems)
        ]

    for cert in chain:
        name = cert.subject.common_name or cert.subject.rfc4514
        revocation = cert.revocation
        if revocation.status is RevocationStatus.REVOKED and revocation.revocation_time:
            messages.append(
                Message(
                    "cert.revoked",
                    {
                        "subject": name,
                        "time": iso(revocation.revocation_time),
                        "reason": Message(f"reason.{revocation.reason or 'unspecified'}"),
                    },
                )
            )
        elif revocation.status is RevocationStatus.UNKNOWN and cert.sub_indication in (
            SubIndication.TRY_LATER,
            SubIndication.CERTIFICATE_CHAIN_GENERAL_FAILURE,
        ):
            messages.append(Message("cert.revocation_unknown", {"subject": name}))
        if moment > cert.not_after:
            messages.append(Message("cert.expired", {"subject": name, "time": iso(cert.not_after)}))
        elif moment < cert.not_before:
            messages.append(
                Message("cert.not_yet_valid", {"subject": name, "time": iso(cert.not_before)})
            )

    signer = chain[-1] if chain else None
    if (
        indication is Indication.TOTAL_PASSED
        and signer is not None
        and signer.revocation.revocation_time is not None
        and best_signature_time is not None
        and best_signature_time < signer.revocation.revocation_time
    ):
        messages.append(
            Message(
                "cert.revoked_after_poe",
                {
                    "revoked": iso(signer.revocation.revocation_time),
                    "poe": iso(best_signature_time),
                },
            )
        )

    for ts in timestamps:
        messages.append(Message(f"timestamp.{ts.kind}", {"time": iso(ts.time)}))
        if ts.indication is not None and ts.indication is not Indication.TOTAL_PASSED:
            messages.append(Message("timestamp.invalid", {"time": iso(ts.time)}))
    if best_signature_time is not None:
        messages.append(
            Message("validation.best_signature_time", {"time": iso(best_signature_time)})
        )
    return tuple(messages)
