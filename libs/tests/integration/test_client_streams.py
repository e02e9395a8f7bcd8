"""A client-streaming call (an upload) goes through the same door as any other, over a
real socket: admitted as a command (it needs a deadline), each message parsed and
bounded, its errors turned into statuses naming the field."""

from __future__ import annotations

from typing import TYPE_CHECKING

import grpc
import pytest
from google.protobuf import wrappers_pb2

from lienthong.errors import InvalidArgument
from lienthong.grpc.errors import error_details
from lienthong.testing.grpc_server import ServerThread

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator

TIMEOUT = 10.0
METHOD = "/lienthong.test.Counter/Sum"


class Counter:
    """Sums the numbers it is sent; a negative one is refused, naming its position."""

    def __init__(self) -> None:
        self.seen: list[int] = []

    async def sum(self, requests: AsyncIterator[wrappers_pb2.Int64Value],
                  context: grpc.aio.ServicerContext) -> wrappers_pb2.Int64Value:
        total = 0
        async for number, request in _numbered(requests):
            if request.value < 0:
                raise InvalidArgument.single(f"values[{number}]", "NEGATIVE",
                                             "must not be negative")
            self.seen.append(request.value)
            total += request.value
        return wrappers_pb2.Int64Value(value=total)

    def add_to(self, server: grpc.aio.Server) -> list[str]:
        handler = grpc.stream_unary_rpc_method_handler(
            self.sum, request_deserializer=wrappers_pb2.Int64Value.FromString,
            response_serializer=wrappers_pb2.Int64Value.SerializeToString)
        server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(
            "lienthong.test.Counter", {"Sum": handler}),))
        return ["lienthong.test.Counter"]


async def _numbered(requests: AsyncIterator[wrappers_pb2.Int64Value],
                    ) -> AsyncIterator[tuple[int, wrappers_pb2.Int64Value]]:
    number = 0
    async for request in requests:
        yield number, request
        number += 1


@pytest.fixture
def counter() -> Counter:
    return Counter()


@pytest.fixture
def channel(counter: Counter) -> Iterator[grpc.Channel]:
    with ServerThread(counter.add_to) as running, \
            grpc.insecure_channel(running.address) as served:
        yield served


def numbers(*values: int) -> Iterator[bytes]:
    for value in values:
        yield wrappers_pb2.Int64Value(value=value).SerializeToString()


def call(channel: grpc.Channel, messages: Iterator[bytes], **kwargs: float) -> int:
    answer = channel.stream_unary(METHOD)(messages, **kwargs)
    return wrappers_pb2.Int64Value.FromString(answer).value


def test_the_messages_reach_the_servicer_and_its_answer_comes_back(channel, counter) -> None:
    assert call(channel, numbers(3, 4, 5), timeout=TIMEOUT) == 12
    assert counter.seen == [3, 4, 5]


def test_a_refusal_of_the_servicer_is_a_status_naming_the_field(channel, counter) -> None:
    with pytest.raises(grpc.RpcError) as refused:
        call(channel, numbers(1, -2, 3), timeout=TIMEOUT)

    assert refused.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert error_details(refused.value)["field_violations"] == [("values[1]", "NEGATIVE")]
    assert counter.seen == [1]


def test_a_message_that_does_not_parse_ends_the_call(channel, counter) -> None:
    def messages() -> Iterator[bytes]:
        yield from numbers(7)
        yield b"\xff\xff\xff"
        yield from numbers(8)

    with pytest.raises(grpc.RpcError) as refused:
        call(channel, messages(), timeout=TIMEOUT)

    assert refused.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert error_details(refused.value)["reason"] == "REQUEST_UNPARSABLE"
    assert counter.seen == [7]


def test_a_stream_without_a_deadline_is_refused_before_the_servicer_runs(
        channel, counter) -> None:
    with pytest.raises(grpc.RpcError) as refused:
        call(channel, numbers(1, 2))

    assert error_details(refused.value)["field_violations"] == [("deadline",
                                                                 "DEADLINE_REQUIRED")]
    assert counter.seen == []
