"""Signature validation (PDF, CMS, XML) with reports shaped after ETSI TS 119 102-2.

pyHanko and pyhanko-certvalidator do the validation (CMS integrity, path
validation, revocation, time-stamps and proofs of existence, in the terms of
ETSI EN 319 102-1); signxml checks the cryptography of XML signatures. This
package runs them and maps their verdicts to :class:`ValidationReport`.
"""

from __future__ import annotations

from lienthong.services.signatures.validation import speedups
from lienthong.services.signatures.validation.api import (
    DEFAULT_MAX_BYTES,
    validate,
    validate_async,
)
from lienthong.services.signatures.validation.messages import MESSAGES, Message
from lienthong.services.signatures.validation.report import (
    CertificateReport,
    Indication,
    RevocationOrigin,
    RevocationReport,
    RevocationSource,
    RevocationStatus,
    SignatureReport,
    SubIndication,
    Subject,
    TimestampReport,
    ValidationReport,
)

speedups.install()

__all__ = [
    "DEFAULT_MAX_BYTES",
    "MESSAGES",
    "CertificateReport",
    "Indication",
    "Message",
    "RevocationOrigin",
    "RevocationReport",
    "RevocationSource",
    "RevocationStatus",
    "SignatureReport",
    "SubIndication",
    "Subject",
    "TimestampReport",
    "ValidationReport",
    "validate",
    "validate_async",
]
