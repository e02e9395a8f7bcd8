"""The gRPC face of the file store: uploads in chunks over a client stream, resumable
from the acknowledged offset; downloads as a server stream. Translation only: the
store (:mod:`.files`) checks every bound and keeps every byte."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from lienthong.documents.v1 import documents_pb2 as pb
from lienthong.documents.v1 import files_pb2 as files_pb
from lienthong.documents.v1 import files_pb2_grpc as files_grpc
from lienthong.errors import InvalidArgument

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable, Callable

    import grpc

    from lienthong.files import FileStore, StoredFile, UploadStatus


def upload_to_pb(status: UploadStatus) -> files_pb.Upload:
    return files_pb.Upload(upload_id=status.upload_id, name=status.name,
                           content_type=status.content_type, size=status.size,
                           acknowledged_offset=status.offset)


def stored_to_pb(stored: StoredFile) -> pb.FileRef:
    return pb.FileRef(name=stored.name, object_name=stored.name, size=stored.size,
                      sha256=stored.sha256, content_type=stored.content_type)


def _out_of_turn(part: str, rule: str, description: str) -> InvalidArgument:
    return InvalidArgument.single(f"part.{part}", rule, description)


class FileServicer(files_grpc.FileServiceServicer):
    """Opens its store on the first call, in the server's event loop (which its NATS
    connection belongs to)."""

    def __init__(self, open_store: Callable[[], Awaitable[FileStore]]) -> None:
        self._open_store = open_store
        self._store: FileStore | None = None
        self._opening = asyncio.Lock()

    async def store(self) -> FileStore:
        if self._store is None:
            async with self._opening:
                if self._store is None:
                    self._store = await self._open_store()
        return self._store

    async def UploadFile(self, requests: AsyncIterator[files_pb.UploadFileRequest],  # noqa: N802
                         context: grpc.aio.ServicerContext) -> files_pb.UploadFileResponse:
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
        answer = files_pb.UploadFileResponse(upload=upload_to_pb(status))
        if stored is not None:
            answer.upload.acknowledged_offset = stored.size
            answer.file.CopyFrom(stored_to_pb(stored))
        return answer

    @staticmethod
    async def _opened(store: FileStore, request: files_pb.UploadFileRequest,
                      part: str) -> UploadStatus:
        if part == "begin":
            begin = request.begin
            return await store.begin_upload(begin.name, begin.content_type, begin.size,
                                            request_id=begin.request_id)
        if part == "upload_id":
            return await store.status(request.upload_id)
        raise _out_of_turn(part, "UPLOAD_FIRST",
                           "the first message begins an upload (begin) or names one "
                           "(upload_id)")

    async def GetUpload(self, request: files_pb.GetUploadRequest,  # noqa: N802
                        context: grpc.aio.ServicerContext) -> files_pb.Upload:
        return upload_to_pb(await (await self.store()).status(request.upload_id))

    async def DownloadFile(self, request: files_pb.DownloadFileRequest,  # noqa: N802
                           context: grpc.aio.ServicerContext,
                           ) -> AsyncIterator[files_pb.DownloadFileResponse]:
        download = await (await self.store()).download(request.object_name)
        yield files_pb.DownloadFileResponse(file=stored_to_pb(download.file))
        async for chunk in download:
            yield files_pb.DownloadFileResponse(data=chunk)


def add_files_to_server(open_store: Callable[[], Awaitable[FileStore]],
                        server: grpc.aio.Server) -> list[str]:
    files_grpc.add_FileServiceServicer_to_server(FileServicer(open_store), server)
    return [files_pb.DESCRIPTOR.services_by_name["FileService"].full_name]


