"""The signatures service as the documents service asks it (the :class:`SignatureValidator`
port): a signed PDF's file read from the file store, validated by the signatures
service's ValidateSignature over gRPC, its answer reduced to the facts a document needs.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import TYPE_CHECKING

import grpc

from lienthong.errors import FailedPrecondition, InvalidArgument, LienthongError, Unavailable
from lienthong.signatures.v1 import validation_pb2 as validation_pb
from lienthong.signatures.v1 import validation_pb2_grpc as validation_grpc

from .ports import SignatureFacts

if TYPE_CHECKING:
    from collections.abc import Callable

    from .domain.outgoing import FileRef

#: The signatures service validates documents up to 40 MiB.
MAX_SIGNED_BYTES = 40 * 1024 * 1024
#: organizationIdentifier of an agency's certificate: ``GOVVN-`` and its agency code.
AGENCY_PREFIX = "GOVVN-"
VALIDATION_TIMEOUT_S = 120.0
_TRANSIENT = {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED,
              grpc.StatusCode.RESOURCE_EXHAUSTED}


def _time(message: validation_pb.SignatureResult, field: str) -> dt.datetime | None:
    if not message.HasField(field):
        return None
    return getattr(message, field).ToDatetime(tzinfo=dt.UTC)


def facts_of(answer: validation_pb.ValidateSignatureResponse) -> SignatureFacts:
    """The document's last signature (the one just added), passed only if every signature
    of the document passes."""
    if not answer.signatures:
        return SignatureFacts(False, "NO_SIGNATURE", "", "", "", dt.datetime.now(dt.UTC))
    last = answer.signatures[-1]
    indication = validation_pb.Indication.Name(last.indication).removeprefix("INDICATION_")
    if last.sub_indication:
        indication += f"/{last.sub_indication}"
    passed = all(s.indication == validation_pb.INDICATION_TOTAL_PASSED
                 for s in answer.signatures)
    signed_at = (_time(last, "best_signature_time") or _time(last, "claimed_signing_time")
                 or dt.datetime.now(dt.UTC))
    return SignatureFacts(
        passed=passed, indication=indication,
        certificate_serial=last.signer_certificate_serial.lower(),
        signer_agency_code=last.organization_identifier.removeprefix(AGENCY_PREFIX)
        if last.organization_identifier.startswith(AGENCY_PREFIX) else "",
        signer_official_id=last.signer_official_id, signed_at=signed_at,
        agency_seal=last.signer_agency_seal)


def _not_an_update(earlier: FileRef) -> FailedPrecondition:
    return FailedPrecondition(
        f"signed_file: not the signed file {earlier.name!r} with a signature added after "
        f"its {earlier.size} bytes (an incremental update of it)",
        reason="NOT_AN_UPDATE_OF_THE_SIGNED_FILE", metadata={"field": "signed_file"})


class SignaturesValidator:
    """Validates signed PDFs with the signatures service (``channel()``: the channel to it
    now, as :class:`lienthong.calls.ServiceChannel` gives it)."""

    def __init__(self, channel: Callable[[], grpc.Channel],
                 read_file: Callable[[FileRef], bytes], *,
                 timeout_s: float = VALIDATION_TIMEOUT_S) -> None:
        self._channel = channel
        self._read_file = read_file
        self.timeout_s = timeout_s

    def validate_pdf(self, file: FileRef, *, adds_to: FileRef | None = None
                     ) -> SignatureFacts:
        if file.size > MAX_SIGNED_BYTES:
            raise InvalidArgument.single("signed_file.size", "TOO_LARGE",
                                         f"a signed PDF is validated up to {MAX_SIGNED_BYTES} "
                                         f"bytes, got {file.size}")
        if adds_to is not None and file.size <= adds_to.size:
            raise _not_an_update(adds_to)
        data = self._read_file(file)
        if adds_to is not None and (
                len(data) <= adds_to.size
                or hashlib.sha256(data[:adds_to.size]).hexdigest() != adds_to.sha256):
            raise _not_an_update(adds_to)
        try:
            stub = validation_grpc.ValidationServiceStub(self._channel())
            answer = stub.ValidateSignature(validation_pb.ValidateSignatureRequest(
                kind=validation_pb.SIGNED_KIND_PDF, signed=data, language="en",
                last_signature_only=adds_to is not None), timeout=self.timeout_s)
        except grpc.RpcError as error:
            code = error.code()  # type: ignore[attr-defined]
            detail = error.details()  # type: ignore[attr-defined]
            if code in _TRANSIENT:
                msg = f"the signatures service did not validate the file now ({code.name})"
                raise Unavailable(msg, reason="SIGNATURES_UNAVAILABLE",
                                  metadata={"field": "signed_file"}) from None
            if code == grpc.StatusCode.INVALID_ARGUMENT:
                raise InvalidArgument.single("signed_file", "SIGNED_FILE_REFUSED",
                                             f"the signatures service refused it: {detail}"
                                             ) from None
            msg = f"the signatures service failed to validate the file ({code.name})"
            raise LienthongError(msg, reason="SIGNATURES_FAILED") from None
        return facts_of(answer)
