"""An issued document's sealed PDF, fetched from the documents service's FileService
(a server stream) to the local disk, its size and SHA-256 checked as it arrives."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

import grpc

from lienthong.documents.v1 import files_pb2, files_pb2_grpc
from lienthong.errors import DataLoss, LienthongError, Unavailable

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

FETCH_TIMEOUT_S = 600.0
_TRANSIENT = {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED,
              grpc.StatusCode.RESOURCE_EXHAUSTED}


class DocumentFiles:
    def __init__(self, channel: Callable[[], grpc.Channel], *,
                 timeout_s: float = FETCH_TIMEOUT_S) -> None:
        self._channel = channel
        self.timeout_s = timeout_s

    def download_to(self, object_name: str, path: Path, *, size: int, sha256: str) -> None:
        """The documents service's file written to ``path``: DataLoss unless it has the
        size and SHA-256 the document's event named."""
        stub = files_pb2_grpc.FileServiceStub(self._channel())
        hasher = hashlib.sha256()
        written = 0
        try:
            with path.open("wb") as target:
                for part in stub.DownloadFile(files_pb2.DownloadFileRequest(
                        object_name=object_name), timeout=self.timeout_s):
                    if part.WhichOneof("part") == "data":
                        hasher.update(part.data)
                        target.write(part.data)
                        written += len(part.data)
                        if written > size:
                            break
        except grpc.RpcError as error:
            code = error.code()  # type: ignore[attr-defined]
            if code in _TRANSIENT:
                raise Unavailable(f"the documents service did not answer ({code.name})",
                                  reason="DOCUMENTS_UNAVAILABLE") from None
            raise LienthongError(f"the documents service refused {object_name!r} "
                                 f"({code.name}: {error.details()})",  # type: ignore[attr-defined]
                                 reason="DOCUMENT_FILE_REFUSED") from None
        if written != size or hasher.hexdigest() != sha256:
            raise DataLoss(f"{object_name!r} from the documents service is not the file its "
                           f"event named ({written} of {size} bytes)",
                           reason="DOCUMENT_FILE_MISMATCH", metadata={"name": object_name})
