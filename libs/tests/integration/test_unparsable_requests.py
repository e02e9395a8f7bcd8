"""Bytes that are not a protobuf message are bad input, answered as such."""

from __future__ import annotations

from typing import TYPE_CHECKING

import grpc
import pytest

from lienthong.grpc.errors import error_details
from lienthong.services.identity.api import add_to_server
from lienthong.services.identity.application import IdentityApplication
from lienthong.testing.grpc_server import served_channel

if TYPE_CHECKING:
    from collections.abc import Iterator

TIMEOUT = 10.0
GARBAGE = b"\xff\xff\xff\xff not a protobuf message"


@pytest.fixture
def channel() -> Iterator[grpc.Channel]:
    app = IdentityApplication()
    with served_channel(lambda server: add_to_server(app, server), TIMEOUT) as chan:
        yield chan


@pytest.mark.parametrize(("method", "streaming"), [
    ("/lienthong.identity.v1.IdentityService/RegisterUnit", False),
    ("/lienthong.audit.v1.AuditService/ExportEvents", True),
])
def test_unparsable_bytes_are_invalid_argument_naming_the_request(
        channel: grpc.Channel, method: str, streaming: bool) -> None:
    call = channel.unary_stream(method) if streaming else channel.unary_unary(method)

    with pytest.raises(grpc.RpcError) as error:
        reply = call(GARBAGE, timeout=TIMEOUT)
        if streaming:
            list(reply)

    assert error.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    details = error_details(error.value)
    assert details["reason"] == "REQUEST_UNPARSABLE"
    assert details["field_violations"] == [("request", "REQUEST_UNPARSABLE")]
