"""Before a servicer runs, over a real socket: a command without a deadline is refused
with nothing written, and a caller beyond its rate is told when to come back."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import grpc
import pytest

from lienthong.grpc.admission import RateLimiter
from lienthong.grpc.errors import error_details
from lienthong.identity.v1 import identity_pb2 as pb
from lienthong.identity.v1 import identity_pb2_grpc as pb_grpc
from lienthong.services.identity.api import add_to_server
from lienthong.services.identity.application import IdentityApplication
from lienthong.testing.grpc_server import ServerThread

if TYPE_CHECKING:
    from collections.abc import Iterator

TIMEOUT = 10.0


def served(app: IdentityApplication, limiter: RateLimiter | None = None) -> ServerThread:
    return ServerThread(lambda server: add_to_server(app, server), limiter=limiter)


@pytest.fixture
def app() -> IdentityApplication:
    return IdentityApplication()


@pytest.fixture
def stub(app: IdentityApplication) -> Iterator[pb_grpc.IdentityServiceStub]:
    with served(app) as running, grpc.insecure_channel(running.address) as channel:
        yield pb_grpc.IdentityServiceStub(channel)


def register(request_id: str) -> pb.RegisterUnitRequest:
    return pb.RegisterUnitRequest(request_id=request_id, display_name="Sở Tư pháp",
                                  kind=pb.UNIT_KIND_AGENCY, reason="QĐ 1/2026")


def test_a_command_without_a_deadline_is_refused_and_writes_nothing(
        app: IdentityApplication, stub: pb_grpc.IdentityServiceStub) -> None:
    with pytest.raises(grpc.RpcError) as refused:
        stub.RegisterUnit(register("no-deadline"))

    assert refused.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert error_details(refused.value)["field_violations"] == [("deadline",
                                                                 "DEADLINE_REQUIRED")]
    assert app.recorder.max_notification_id() in (None, 0)
    # With a deadline, the same command is taken; a read needs none.
    unit = stub.RegisterUnit(register("with-deadline"), timeout=TIMEOUT)
    assert stub.GetUnit(pb.GetUnitRequest(unit_id=unit.unit_id)).display_name == "Sở Tư pháp"


def test_a_caller_beyond_its_rate_is_told_when_to_retry(app: IdentityApplication) -> None:
    with served(app, RateLimiter(rate=2.0, burst=2)) as running, \
            grpc.insecure_channel(running.address) as channel:
        stub = pb_grpc.IdentityServiceStub(channel)
        list_units = pb.ListUnitsRequest(page_size=1)
        stub.ListUnits(list_units, timeout=TIMEOUT)
        stub.ListUnits(list_units, timeout=TIMEOUT)

        with pytest.raises(grpc.RpcError) as refused:
            stub.ListUnits(list_units, timeout=TIMEOUT)

        assert refused.value.code() is grpc.StatusCode.RESOURCE_EXHAUSTED
        details = error_details(refused.value)
        assert details["reason"] == "RATE_LIMITED"
        assert details["metadata"]["caller"] == "127.0.0.1"
        assert 0 < details["retry_after_s"] <= 0.5
        time.sleep(details["retry_after_s"] + 0.05)
        assert stub.ListUnits(list_units, timeout=TIMEOUT) is not None
