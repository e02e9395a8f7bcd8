"""Validate a signed object and report on every signature in it.

``validate`` runs the validation to the end and returns a :class:`ValidationReport`;
``validate_async`` is the same for callers already inside an event loop (the gRPC
service). Neither raises for what the signed bytes contain: bytes that do not
parse give a TOTAL_FAILED/FORMAT_FAILURE report. They raise ``ValueError`` for
what the caller asked wrongly: an unknown kind or revocation mode, a naive
validation time, or input larger than ``max_bytes`` (checked before any parsing).

A document without any signature (a PDF with no signed ``/Sig`` field, an XML
document without ``ds:Signature``, a ``SignedData`` without signer) gives a
report with no signature and the ``input.no_signature`` message: there is nothing
an ETSI indication could be about. ``SIGNED_DATA_NOT_FOUND`` is kept for what
ETSI means by it: a detached signature validated without its content.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Literal, get_args

from lienthong.services.signatures.validation.cms import validate_cms
from lienthong.services.signatures.validation.inputs import ValidationInputs
from lienthong.services.signatures.validation.pdf import validate_pdf
from lienthong.services.signatures.validation.report import ValidationReport
from lienthong.services.signatures.validation.xmldsig import validate_xml

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Iterable

    from lienthong.services.signatures.validation.inputs import (
        CertificateInput,
        CrlInput,
        OcspInput,
        RevocationMode,
    )

SignedKind = Literal["pdf", "cms", "xml"]
KINDS: tuple[str, ...] = get_args(SignedKind)

#: The largest signed object (and detached content) accepted, in bytes.
DEFAULT_MAX_BYTES = 64 * 1024 * 1024


def _check_size(name: str, data: bytes, max_bytes: int) -> None:
    if len(data) > max_bytes:
        raise ValueError(
            f"{name} is {len(data)} bytes, over the limit of max_bytes={max_bytes} bytes"
        )


async def validate_async(
    kind: SignedKind,
    signed: bytes,
    *,
    trust_roots: Iterable[CertificateInput],
    detached_content: bytes | None = None,
    validation_time: dt.datetime | None = None,
    crls: Iterable[CrlInput] = (),
    ocsps: Iterable[OcspInput] = (),
    other_certs: Iterable[CertificateInput] = (),
    allow_fetching: bool = False,
    revocation_mode: RevocationMode = "hard-fail",
    max_bytes: int = DEFAULT_MAX_BYTES,
    last_signature_only: bool = False,
) -> ValidationReport:
    """Validate ``signed`` (a PDF, a CMS ``SignedData`` in DER or PEM, or an XML
    document) against ``trust_roots``.

    ``detached_content`` is the content of a detached CMS signature.
    ``validation_time`` ``None`` validates now; a past time validates as of then,
    with the revocation data valid then (given or embedded) and, for time-stamped
    signatures, the time-stamps as proof of existence. ``crls``, ``ocsps`` and
    ``other_certs`` add to what the signed object embeds; ``allow_fetching`` lets
    the validator fetch revocation data and certificates online (for validations
    "now" only). ``revocation_mode`` is certvalidator's: ``hard-fail`` requires a
    usable answer for every certificate that names a CRL or OCSP location,
    ``soft-fail`` tolerates none being found, ``require`` requires one for every
    certificate. ``last_signature_only`` (a PDF only): the report is on the signature
    signed last alone.
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    if last_signature_only and kind != "pdf":
        raise ValueError(f"last_signature_only is for a PDF, not for kind {kind!r}")
    _check_size("signed", signed, max_bytes)
    if detached_content is not None:
        _check_size("detached_content", detached_content, max_bytes)
    inputs = ValidationInputs.build(
        trust_roots=trust_roots,
        other_certs=other_certs,
        crls=crls,
        ocsps=ocsps,
        validation_time=validation_time,
        revocation_mode=revocation_mode,
        allow_fetching=allow_fetching,
    )
    if kind == "pdf":
        signatures, messages = await validate_pdf(signed, inputs,
                                                  last_only=last_signature_only)
    elif kind == "cms":
        signatures, messages = await validate_cms(signed, detached_content, inputs)
    else:
        signatures, messages = await validate_xml(signed, inputs)
    return ValidationReport(
        kind=kind,
        validation_time=inputs.moment,
        signatures=tuple(signatures),
        messages=tuple(messages),
    )


def validate(
    kind: SignedKind,
    signed: bytes,
    *,
    trust_roots: Iterable[CertificateInput],
    detached_content: bytes | None = None,
    validation_time: dt.datetime | None = None,
    crls: Iterable[CrlInput] = (),
    ocsps: Iterable[OcspInput] = (),
    other_certs: Iterable[CertificateInput] = (),
    allow_fetching: bool = False,
    revocation_mode: RevocationMode = "hard-fail",
    max_bytes: int = DEFAULT_MAX_BYTES,
    last_signature_only: bool = False,
) -> ValidationReport:
    """:func:`validate_async` run to the end; not for use inside a running event loop."""
    return asyncio.run(
        validate_async(
            kind,
            signed,
            trust_roots=trust_roots,
            detached_content=detached_content,
            validation_time=validation_time,
            crls=crls,
            ocsps=ocsps,
            other_certs=other_certs,
            allow_fetching=allow_fetching,
            revocation_mode=revocation_mode,
            max_bytes=max_bytes,
            last_signature_only=last_signature_only,
        )
    )
