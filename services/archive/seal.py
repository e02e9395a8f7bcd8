"""The agency's seal, as the archive asks the signatures service for it.

A digitized copy is sealed (PAdES, the agency's appearance at the top right of page 1,
no image: Decree 30/2020 on digitized copies) and a custody transfer package is signed
(CAdES, detached) with the seal credential of an agency, authorized by the one-time code
its clerk's authenticator shows. Before anything is signed, the credential is read: it
must be an active agency seal of the agency the archive expects.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import grpc

from lienthong.errors import FailedPrecondition, InvalidArgument, LienthongError, Unavailable
from lienthong.signatures.v1 import signatures_pb2 as credentials_pb
from lienthong.signatures.v1 import signatures_pb2_grpc as credentials_grpc
from lienthong.signatures.v1 import signing_pb2 as signing_pb
from lienthong.signatures.v1 import signing_pb2_grpc as signing_grpc

if TYPE_CHECKING:
    from collections.abc import Callable

#: The signatures service signs documents up to 40 MiB in one call.
MAX_SEALED_BYTES = 40 * 1024 * 1024
CALL_TIMEOUT_S = 120.0
_TRANSIENT = {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED,
              grpc.StatusCode.RESOURCE_EXHAUSTED}


class SealRefusedError(FailedPrecondition):
    reason = "SEAL_REFUSED"


@dataclass(frozen=True)
class Sealed:
    """What the seal made: the signed bytes, and whose seal it was."""

    data: bytes
    agency_code: str
    certificate_serial: str
    signed_at: dt.datetime


class AgencySeal:
    """Seals with the signatures service (``channel()``: the channel to it now)."""

    def __init__(self, channel: Callable[[], grpc.Channel], *,
                 timeout_s: float = CALL_TIMEOUT_S) -> None:
        self._channel = channel
        self.timeout_s = timeout_s

    def seal_pdf(self, credential_id: str, one_time_code: str, pdf: bytes, *,
                 agency_code: str, notation: str, on_behalf_of: str) -> Sealed:
        """The PDF sealed by ``agency_code``'s seal, its appearance naming ``notation``."""
        _bounded(pdf, "digitized_copy")
        serial = self._seal_credential(credential_id, agency_code)
        answer = self._call(lambda: signing_grpc.SigningServiceStub(self._channel()).SignPdf(
            signing_pb.SignPdfRequest(
                credential_id=credential_id, one_time_code=one_time_code, pdf=pdf,
                level=signing_pb.PADES_LEVEL_B_T,
                agency=signing_pb.AgencyAppearance(notation=notation),
                reason="Bản số hóa từ bản gốc", on_behalf_of=on_behalf_of),
            timeout=self.timeout_s))
        return Sealed(answer.signed_pdf, agency_code, serial, dt.datetime.now(dt.UTC))

    def sign_detached(self, credential_id: str, one_time_code: str, content: bytes, *,
                      agency_code: str, on_behalf_of: str) -> Sealed:
        """A detached CAdES signature of ``content`` by ``agency_code``'s seal."""
        _bounded(content, "package")
        serial = self._seal_credential(credential_id, agency_code)
        answer = self._call(
            lambda: signing_grpc.SigningServiceStub(self._channel()).SignDetached(
                signing_pb.SignDetachedRequest(credential_id=credential_id,
                                               one_time_code=one_time_code, content=content,
                                               on_behalf_of=on_behalf_of),
                timeout=self.timeout_s))
        return Sealed(answer.signature, agency_code, serial, dt.datetime.now(dt.UTC))

    def seal_credential(self, credential_id: str, agency_code: str) -> str:
        """The serial of ``agency_code``'s active seal ``credential_id``; SEAL_REFUSED
        naming ``credential_id`` otherwise (checked before anything is read or signed)."""
        return self._seal_credential(credential_id, agency_code)

    def _seal_credential(self, credential_id: str, agency_code: str) -> str:
        credential = self._call(
            lambda: credentials_grpc.CredentialServiceStub(self._channel()).GetCredential(
                credentials_pb.GetCredentialRequest(credential_id=credential_id),
                timeout=self.timeout_s))
        if not credential.agency_seal or credential.agency_code != agency_code:
            msg = (f"credential_id: {credential_id} is not the seal of agency {agency_code}"
                   f" (it is {'the seal' if credential.agency_seal else 'a person'}'s of "
                   f"{credential.agency_code or 'no agency'})")
            raise SealRefusedError(msg, metadata={"field": "credential_id"})
        if credential.status != credentials_pb.CREDENTIAL_STATUS_ACTIVE:
            status = credentials_pb.CredentialStatus.Name(credential.status)
            raise SealRefusedError(f"credential_id: the seal is {status}",
                                   metadata={"field": "credential_id"})
        return credential.serial_number.lower()

    @staticmethod
    def _call(call: Callable[[], Any]) -> Any:
        try:
            return call()
        except grpc.RpcError as error:
            code = error.code()  # type: ignore[attr-defined]
            detail = error.details()  # type: ignore[attr-defined]
        if code in _TRANSIENT:
            msg = f"the signatures service did not answer now ({code.name})"
            raise Unavailable(msg, reason="SIGNATURES_UNAVAILABLE")
        if code == grpc.StatusCode.NOT_FOUND:
            raise InvalidArgument.single("credential_id", "CREDENTIAL_NOT_FOUND", detail)
        if code in (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.FAILED_PRECONDITION,
                    grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.UNAUTHENTICATED):
            raise SealRefusedError(f"the signatures service refused: {detail}",
                                   metadata={"field": "one_time_code", "code": code.name})
        raise LienthongError(f"the signatures service failed ({code.name})",
                             reason="SIGNATURES_FAILED")


def _bounded(data: bytes, field: str) -> None:
    if len(data) > MAX_SEALED_BYTES:
        raise InvalidArgument.single(f"{field}.size", "TOO_LARGE",
                                     f"the seal is applied to files of at most "
                                     f"{MAX_SEALED_BYTES} bytes, got {len(data)}")
