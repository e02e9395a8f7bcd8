"""PAdES signatures (ETSI EN 319 142-1) of PDF documents, as incremental updates.

The baseline levels:

- ``B-B``: a CAdES-based signature (``/ETSI.CAdES.detached``) with the signing
  certificate bound by signingCertificateV2;
- ``B-T``: and a signature time-stamp from ``timestamper``;
- ``B-LT``: and the validation data of the signer's and the TSA's chains (the
  certificates, CRLs and OCSP responses ``validation_context`` holds or fetches)
  in the document security store (DSS);
- ``B-LTA``: and a document time-stamp over all of it.

Each signature is an incremental update: earlier signatures stay valid. The document
is read from a seekable stream (bytes are wrapped without a copy) and written to
``output`` when given, so a large file is hashed in chunks, never held twice.
"""

from __future__ import annotations

import asyncio
import io
from typing import TYPE_CHECKING, BinaryIO, Literal, get_args, overload

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.signers.pdf_signer import PdfSignatureMetadata, PdfSigner

from lienthong.services.signatures.formats.keysigner import KeySignerAdapter

if TYPE_CHECKING:
    from collections.abc import Iterable

    from pyhanko.sign.timestamps import TimeStamper
    from pyhanko_certvalidator import ValidationContext

    from lienthong.services.signatures.formats.appearance import Appearance
    from lienthong.services.signatures.formats.keysigner import Certificate
    from lienthong.signing import KeySigner

Level = Literal["B-B", "B-T", "B-LT", "B-LTA"]
LEVELS: tuple[Level, ...] = get_args(Level)


class PadesError(ValueError):
    """The request cannot make a signature of the level asked."""


def _check_level(level: str, timestamper: TimeStamper | None,
                 validation_context: ValidationContext | None) -> None:
    if level not in LEVELS:
        msg = f"unknown PAdES level {level!r} (one of {', '.join(LEVELS)})"
        raise PadesError(msg)
    if level != "B-B" and timestamper is None:
        msg = f"a PAdES {level} signature needs a time-stamper"
        raise PadesError(msg)
    if level in ("B-LT", "B-LTA") and validation_context is None:
        msg = f"a PAdES {level} signature needs a validation context (its revocation data)"
        raise PadesError(msg)


@overload
async def async_sign_pdf(
    pdf: bytes | BinaryIO, signer: KeySigner, certificate: Certificate,
    chain: Iterable[Certificate], level: Level, field_name: str, *,
    timestamper: TimeStamper | None = ..., validation_context: ValidationContext | None = ...,
    appearance: Appearance | None = ..., reason: str | None = ..., location: str | None = ...,
    output: None = ...) -> bytes: ...


@overload
async def async_sign_pdf(
    pdf: bytes | BinaryIO, signer: KeySigner, certificate: Certificate,
    chain: Iterable[Certificate], level: Level, field_name: str, *,
    timestamper: TimeStamper | None = ..., validation_context: ValidationContext | None = ...,
    appearance: Appearance | None = ..., reason: str | None = ..., location: str | None = ...,
    output: BinaryIO) -> None: ...


async def async_sign_pdf(
    pdf: bytes | BinaryIO,
    signer: KeySigner,
    certificate: Certificate,
    chain: Iterable[Certificate],
    level: Level,
    field_name: str,
    *,
    timestamper: TimeStamper | None = None,
    validation_context: ValidationContext | None = None,
    appearance: Appearance | None = None,
    reason: str | None = None,
    location: str | None = None,
    output: BinaryIO | None = None,
) -> bytes | None:
    """Sign ``pdf`` (bytes, or a seekable binary stream) at PAdES ``level`` in a new
    signature field ``field_name``: invisible, or drawn by ``appearance``.

    ``certificate`` is the signer's (it must certify ``signer``'s key), ``chain`` the
    issuing CAs (the root optional), embedded in the signature. ``timestamper`` is
    needed from B-T on, ``validation_context`` from B-LT on (given for B-B or B-T it
    still checks the signer's certificate before signing). Returns the signed
    document, or writes it to ``output`` and returns None; an ``output`` that is also
    readable and seekable (a file opened ``w+b``) is signed in place, one that is not
    gets the document only once it is complete in memory.
    """
    _check_level(level, timestamper, validation_context)
    adapter = KeySignerAdapter(signer, certificate, chain)
    source = io.BytesIO(pdf) if isinstance(pdf, bytes | bytearray | memoryview) else pdf
    writer = IncrementalPdfFileWriter(source)
    field_spec = style = None
    if appearance is not None:
        field_spec, style = appearance.layout(writer.prev, field_name)
    long_term = level in ("B-LT", "B-LTA")
    metadata = PdfSignatureMetadata(
        field_name=field_name, subfilter=SigSeedSubFilter.PADES, reason=reason,
        location=location, embed_validation_info=long_term, use_pades_lta=level == "B-LTA",
        validation_context=validation_context)
    pdf_signer = PdfSigner(metadata, adapter, timestamper=None if level == "B-B" else timestamper,
                           stamp_style=style, new_field_spec=field_spec)
    written = await pdf_signer.async_sign_pdf(writer, output=output)
    if output is not None:
        return None
    return written.getvalue()


@overload
def sign_pdf(
    pdf: bytes | BinaryIO, signer: KeySigner, certificate: Certificate,
    chain: Iterable[Certificate], level: Level, field_name: str, *,
    timestamper: TimeStamper | None = ..., validation_context: ValidationContext | None = ...,
    appearance: Appearance | None = ..., reason: str | None = ..., location: str | None = ...,
    output: None = ...) -> bytes: ...


@overload
def sign_pdf(
    pdf: bytes | BinaryIO, signer: KeySigner, certificate: Certificate,
    chain: Iterable[Certificate], level: Level, field_name: str, *,
    timestamper: TimeStamper | None = ..., validation_context: ValidationContext | None = ...,
    appearance: Appearance | None = ..., reason: str | None = ..., location: str | None = ...,
    output: BinaryIO) -> None: ...


def sign_pdf(
    pdf: bytes | BinaryIO,
    signer: KeySigner,
    certificate: Certificate,
    chain: Iterable[Certificate],
    level: Level,
    field_name: str,
    *,
    timestamper: TimeStamper | None = None,
    validation_context: ValidationContext | None = None,
    appearance: Appearance | None = None,
    reason: str | None = None,
    location: str | None = None,
    output: BinaryIO | None = None,
) -> bytes | None:
    """:func:`async_sign_pdf` for callers outside an event loop."""
    return asyncio.run(async_sign_pdf(
        pdf, signer, certificate, chain, level, field_name, timestamper=timestamper,
        validation_context=validation_context, appearance=appearance, reason=reason,
        location=location, output=output))
