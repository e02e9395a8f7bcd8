"""The gRPC face of a service's file store (``FileService``): uploads in chunks over a
client stream, resumable from the acknowledged offset; downloads as a server stream.
Translation only: the store (:mod:`lienthong.files.store`) checks every bound and keeps
every byte.

Each service that keeps files declares ``FileService`` in its own contract package with
the same messages (and a ``FileRef``); :class:`FileContract` names one contract's
generated modules.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lienthong.errors import InvalidArgument

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable, Callable
    from types import ModuleType

    import grpc

    from lienthong.files import FileStore, StoredFile, UploadStatus


@dataclass(frozen=True)
class FileContract:
    """One contract's ``FileService``: its ``files_pb2`` and ``files_pb2_grpc`` modules,
    and the module that declares its ``FileRef``."""

    files_pb: ModuleType
    files_grpc: ModuleType
    refs_pb: ModuleType

    def upload(self, status: UploadStatus) -> Any:
        return self.files_pb.Upload(upload_id=status.upload_id, name=status.name,
                                    content_type=status.content_type, size=status.size,
                                    acknowledged_offset=status.offset)

    def file_ref(self, stored: StoredFile) -> Any:
        return self.refs_pb.FileRef(name=stored.name, object_name=stored.name,
                                    size=stored.size, sha256=stored.sha256,
                                    content_type=stored.content_type)

    @property
    def service_name(self) -> str:
        return self.files_pb.DESCRIPTOR.services_by_name["FileService"].full_name


def _out_of_turn(part: str, rule: str, description: str) -> InvalidArgument:
    return InvalidArgument.single(f"part.{part}", rule, description)


class FileServicer:
    """Opens its store on the first call, in the server's event loop (which its NATS
    connection belongs to)."""

    def __init__(self, contract: FileContract,
                 open_store: Callable[[], Awaitable[FileStore]]) -> None:
        self.contract = contract
        self._open_store = open_store
        self._store: FileStore | None = None
        self._opening = asyncio.Lock()

    async def store(self) -> FileStore:
        if self._store is None:
            async with self._opening:
                if self._store is None:
                    self._store = await self._open_store()
        return self._store

    async def UploadFile(self, requests: AsyncIterator[Any],  # noqa: N802
                         context: grpc.aio.ServicerContext) -> Any:
        store = await self.store()
        status: UploadStatus | None = None
        stored: StoredFile | None = None
        async for request in requests:
            part = request.WhichOneof("part") or "none"
            if stored is not None:
                raise _out_of_turn(part, "AFTER_FINISH", "finish is the stream's last message")
            if status is None:
                status = await self._opened(store, request, part)
            elif part == "chunk":
                status = await store.append(status.upload_id, request.chunk.offset,
                                            request.chunk.data)
            elif part == "finish":
                stored = await store.finish(status.upload_id, request.finish.sha256)
            else:
                raise _out_of_turn(part, "UPLOAD_OPENED",
                                   "an upload is begun or named once, in the first message")
        if status is None:
            raise InvalidArgument.single("part", "UPLOAD_EMPTY",
                                         "the stream began no upload and named none")
        answer = self.contract.files_pb.UploadFileResponse(
            upload=self.contract.upload(status))
        if stored is not None:
            answer.upload.acknowledged_offset = stored.size
            answer.file.CopyFrom(self.contract.file_ref(stored))
        return answer

    @staticmethod
    async def _opened(store: FileStore, request: Any, part: str) -> UploadStatus:
        if part == "begin":
            begin = request.begin
            return await store.begin_upload(begin.name, begin.content_type, begin.size,
                                            request_id=begin.request_id)
        if part == "upload_id":
            return await store.status(request.upload_id)
        raise _out_of_turn(part, "UPLOAD_FIRST",
                           "the first message begins an upload (begin) or names one "
                           "(upload_id)")

    async def GetUpload(self, request: Any,  # noqa: N802
                        context: grpc.aio.ServicerContext) -> Any:
        return self.contract.upload(await (await self.store()).status(request.upload_id))

    async def DownloadFile(self, request: Any,  # noqa: N802
                           context: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
        download = await (await self.store()).download(request.object_name)
        response = self.contract.files_pb.DownloadFileResponse
        yield response(file=self.contract.file_ref(download.file))
        async for chunk in download:
            yield response(data=chunk)


def add_file_service(contract: FileContract, open_store: Callable[[], Awaitable[FileStore]],
                     server: grpc.aio.Server) -> list[str]:
    """Serves the contract's ``FileService`` on ``server``; returns its full name."""
    contract.files_grpc.add_FileServiceServicer_to_server(FileServicer(contract, open_store),
                                                          server)
    return [contract.service_name]
