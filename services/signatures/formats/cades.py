"""Detached CAdES signatures: a CMS SignedData over any bytes, without the content.

The signed attributes are CAdES-BES's: content type, message digest, signing time
and signingCertificateV2 (the signer's certificate by its SHA-256 hash). With a
time-stamper the signature gets a signature time-stamp token (CAdES-T / B-T). The
content is read once, in chunks, so a stream of any size signs in constant memory.
The result is DER; ``openssl cms -verify -binary -inform DER -content FILE`` checks it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import TYPE_CHECKING, BinaryIO

from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes

from lienthong.services.signatures.formats.keysigner import KeySignerAdapter

if TYPE_CHECKING:
    from collections.abc import Iterable

    from pyhanko.sign.timestamps import TimeStamper

    from lienthong.services.signatures.formats.keysigner import Certificate
    from lienthong.signing import KeySigner

#: Bytes read from a stream at a time while hashing it.
CHUNK_SIZE = 1 << 20


async def async_sign_detached(
    data: bytes | BinaryIO,
    signer: KeySigner,
    certificate: Certificate,
    chain: Iterable[Certificate] = (),
    timestamper: TimeStamper | None = None,
    *,
    digest_algorithm: str = "sha256",
    signing_time: dt.datetime | None = None,
) -> bytes:
    """The DER of a detached CAdES signature of ``data`` (bytes, or a binary stream read
    from its current position to its end) by ``signer``, whose certificate is
    ``certificate``; ``chain`` (issuing CAs, root optional) is embedded beside it.
    ``signing_time`` (default: now) is the claimed signing time attribute."""
    adapter = KeySignerAdapter(signer, certificate, chain)
    claimed = signing_time or dt.datetime.now(dt.UTC)
    content_info = await adapter.async_sign_general_data(
        data, digest_algorithm, detached=True, use_cades=True, timestamper=timestamper,
        chunk_size=CHUNK_SIZE,
        signed_attr_settings=PdfCMSSignedAttributes(signing_time=claimed))
    return content_info.dump()


def sign_detached(
    data: bytes | BinaryIO,
    signer: KeySigner,
    certificate: Certificate,
    chain: Iterable[Certificate] = (),
    timestamper: TimeStamper | None = None,
    *,
    digest_algorithm: str = "sha256",
    signing_time: dt.datetime | None = None,
) -> bytes:
    """:func:`async_sign_detached` for callers outside an event loop."""
    return asyncio.run(async_sign_detached(
        data, signer, certificate, chain, timestamper,
        digest_algorithm=digest_algorithm, signing_time=signing_time))
