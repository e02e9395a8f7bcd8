"""Files uploaded and downloaded through gRPC on a real socket, into the Object Store of
a real nats-server: a stream broken off half way is carried on from the acknowledged
offset, and what does not follow the rules is refused naming the field."""

from __future__ import annotations

import asyncio
import hashlib
import os
from typing import TYPE_CHECKING

import grpc
import nats
import pytest

from lienthong.documents.v1 import files_pb2 as files_pb
from lienthong.documents.v1 import files_pb2_grpc as files_grpc
from lienthong.files import FileLimits, FileStore
from lienthong.grpc.errors import error_details
from lienthong.services.documents.files_api import add_files_to_server
from lienthong.testing.grpc_server import ServerThread

if TYPE_CHECKING:
    from collections.abc import Iterator

    from nats.aio.client import Client

    from lienthong.testing.nats import NatsServer

TIMEOUT = 30.0
MIB = 1024 * 1024
PDF = "application/pdf"


@pytest.fixture
def channel(nats_server: NatsServer) -> Iterator[grpc.Channel]:
    connections: list[Client] = []

    async def open_store() -> FileStore:
        connection = await nats.connect(nats_server.url)
        connections.append(connection)
        return await FileStore.open(connection.jetstream(), bucket="documents",
                                    limits=FileLimits(max_file_bytes=64 * MIB))

    with ServerThread(lambda server: add_files_to_server(open_store, server)) as running, \
            grpc.insecure_channel(running.address) as served:
        yield served
        for connection in connections:  # closed on the server's loop, which it belongs to
            asyncio.run_coroutine_threadsafe(connection.close(), running.loop).result(10)


@pytest.fixture
def files(channel: grpc.Channel) -> files_grpc.FileServiceStub:
    return files_grpc.FileServiceStub(channel)


def chunks(data: bytes, start: int = 0, size: int = MIB) -> Iterator[files_pb.UploadFileRequest]:
    for offset in range(start, len(data), size):
        yield files_pb.UploadFileRequest(chunk=files_pb.UploadChunk(
            offset=offset, data=data[offset:offset + size]))


def test_a_file_goes_up_in_chunks_and_comes_down_whole(files) -> None:
    data = os.urandom(5 * MIB + 123)
    digest = hashlib.sha256(data).hexdigest()

    def stream() -> Iterator[files_pb.UploadFileRequest]:
        yield files_pb.UploadFileRequest(begin=files_pb.BeginUpload(
            request_id="upload-1", name="quyet-dinh-05.pdf", content_type=PDF,
            size=len(data)))
        yield from chunks(data)
        yield files_pb.UploadFileRequest(finish=files_pb.FinishUpload(sha256=digest))

    answer = files.UploadFile(stream(), timeout=TIMEOUT)
    parts = list(files.DownloadFile(files_pb.DownloadFileRequest(
        object_name=answer.file.object_name), timeout=TIMEOUT))

    assert (answer.file.size, answer.file.sha256) == (len(data), digest)
    assert answer.upload.acknowledged_offset == len(data)
    assert parts[0].WhichOneof("part") == "file" and parts[0].file.sha256 == digest
    assert b"".join(part.data for part in parts[1:]) == data
    assert max(len(part.data) for part in parts[1:]) <= MIB


def test_a_broken_upload_carries_on_from_the_acknowledged_offset(files) -> None:
    data = os.urandom(3 * MIB)
    begun = files.UploadFile(iter([
        files_pb.UploadFileRequest(begin=files_pb.BeginUpload(
            name="to-trinh.pdf", content_type=PDF, size=len(data))),
        *list(chunks(data))[:2]]), timeout=TIMEOUT)
    upload_id = begun.upload.upload_id

    where = files.GetUpload(files_pb.GetUploadRequest(upload_id=upload_id), timeout=TIMEOUT)
    finished = files.UploadFile(iter([
        files_pb.UploadFileRequest(upload_id=upload_id),
        *chunks(data, start=where.acknowledged_offset),
        files_pb.UploadFileRequest(finish=files_pb.FinishUpload())]), timeout=TIMEOUT)

    assert where.acknowledged_offset == 2 * MIB
    assert finished.file.sha256 == hashlib.sha256(data).hexdigest()


def test_what_breaks_the_rules_is_refused_naming_the_field(files) -> None:
    begin = files_pb.BeginUpload(name="bao-cao.exe", content_type="application/x-msdownload",
                                 size=100 * MIB)
    with pytest.raises(grpc.RpcError) as refused:
        files.UploadFile(iter([files_pb.UploadFileRequest(begin=begin)]), timeout=TIMEOUT)
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    fields = {field for field, _ in error_details(refused.value)["field_violations"]}
    assert fields >= {"content_type", "size"}

    with pytest.raises(grpc.RpcError) as refused:
        files.UploadFile(iter([files_pb.UploadFileRequest(
            chunk=files_pb.UploadChunk(offset=0, data=b"x"))]), timeout=TIMEOUT)
    assert [field for field, _ in error_details(refused.value)["field_violations"]] == [
        "part.chunk"]

    ok = files_pb.BeginUpload(name="ok.pdf", content_type=PDF, size=10)
    with pytest.raises(grpc.RpcError) as refused:
        files.UploadFile(iter([files_pb.UploadFileRequest(begin=ok), files_pb.UploadFileRequest(
            chunk=files_pb.UploadChunk(offset=5, data=b"x"))]), timeout=TIMEOUT)
    assert [field for field, _ in error_details(refused.value)["field_violations"]] == [
        "offset"]


def test_an_upload_needs_a_deadline_and_bytes_that_parse(files, channel) -> None:
    begin = files_pb.BeginUpload(name="a.pdf", content_type=PDF, size=1)
    with pytest.raises(grpc.RpcError) as refused:
        files.UploadFile(iter([files_pb.UploadFileRequest(begin=begin)]))
    assert error_details(refused.value)["reason"] == "DEADLINE_REQUIRED"

    upload = channel.stream_unary("/lienthong.documents.v1.FileService/UploadFile")
    with pytest.raises(grpc.RpcError) as refused:
        upload(iter([b"\xff\xff\xff"]), timeout=TIMEOUT)
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error_details(refused.value)["reason"] == "REQUEST_UNPARSABLE"


def test_a_download_of_no_such_file_is_not_found(files) -> None:
    with pytest.raises(grpc.RpcError) as refused:
        list(files.DownloadFile(files_pb.DownloadFileRequest(object_name="khong-co.pdf"),
                                timeout=TIMEOUT))
    assert refused.value.code() == grpc.StatusCode.NOT_FOUND
