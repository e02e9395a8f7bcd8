"""What the documents service asks of others, as ports its application calls."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import datetime as dt

    from .domain.outgoing import FileRef


@dataclass(frozen=True)
class SignatureFacts:
    """What validating a signed PDF established about its last signature."""

    passed: bool  # TOTAL_PASSED
    indication: str  # TOTAL_PASSED, TOTAL_FAILED, INDETERMINATE (with its sub-indication)
    certificate_serial: str
    signer_agency_code: str  # the agency code the certificate carries
    signer_official_id: str  # empty for an agency's own certificate
    signed_at: dt.datetime
    agency_seal: bool = False  # the certificate is an agency's seal, no person's


class SignatureValidator(Protocol):
    """Validates a signed file (the signatures service's ValidateSignature)."""

    def validate_pdf(self, file: FileRef, *, adds_to: FileRef | None = None
                     ) -> SignatureFacts:
        """The facts of ``file``'s last signature, passed if all its signatures pass.
        With ``adds_to`` (a signed file validated before), ``file`` must be that file
        with a signature added (an incremental update): only the added signature is
        validated, the earlier ones cover nothing it changed."""
        ...
