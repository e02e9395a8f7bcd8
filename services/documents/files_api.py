"""The documents service's ``FileService`` (``lienthong.documents.v1``): the platform's
file service (:mod:`lienthong.files.api`) on its own contract."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lienthong.documents.v1 import documents_pb2, files_pb2, files_pb2_grpc
from lienthong.files.api import FileContract, add_file_service

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    import grpc

    from lienthong.files import FileStore

CONTRACT = FileContract(files_pb2, files_pb2_grpc, documents_pb2)


def add_files_to_server(open_store: Callable[[], Awaitable[FileStore]],
                        server: grpc.aio.Server) -> list[str]:
    return add_file_service(CONTRACT, open_store, server)
