"""The whole country of 1 July 2025, imported once in-process (``make test-country``).

A real IdentityApplication in memory, its servicer called directly: no socket,
no NATS, so the ~15,000 commands take well under a minute. ``make test`` leaves
it out (marker ``country``); e2e and the sample's tests import a few provinces.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import grpc
import pytest

from lienthong.errors import LienthongError
from lienthong.grpc.errors import status_for
from lienthong.identity.v1 import identity_pb2 as pb
from lienthong.services.identity.api import IdentityServicer
from lienthong.services.identity.application import IdentityApplication
from lienthong.services.identity.importer.demo_codes import issue_demo_codes
from lienthong.services.identity.importer.vn2025 import import_plan
from lienthong.services.identity.importer.vn2025_sources import build_plan

if TYPE_CHECKING:
    from collections.abc import Callable

pytestmark = [pytest.mark.country, pytest.mark.timeout(900)]


class Refused(grpc.RpcError, grpc.Call):  # type: ignore[misc]
    """A refusal as a gRPC client sees it (code, message, details in the trailers)."""

    def __init__(self, status: grpc.Status) -> None:
        self.status = status

    def code(self) -> grpc.StatusCode:
        return self.status.code

    def details(self) -> str:
        return self.status.details

    def trailing_metadata(self) -> Any:
        return self.status.trailing_metadata

    def initial_metadata(self) -> Any:
        return ()

    def is_active(self) -> bool:
        return False

    def time_remaining(self) -> float | None:
        return None

    def cancel(self) -> bool:
        return False

    def add_callback(self, callback: Callable[[], None]) -> bool:
        return False


class InProcessStub:
    """The identity service's stub, answered by its servicer in this process."""

    def __init__(self, app: IdentityApplication) -> None:
        self.servicer = IdentityServicer(app)
        self.loop = asyncio.new_event_loop()

    def __getattr__(self, method: str) -> Callable[..., Any]:
        handler = getattr(self.servicer, method)

        def call(request: Any, timeout: float | None = None) -> Any:
            try:
                return self.loop.run_until_complete(handler(request, None))
            except LienthongError as error:  # what the interceptor does on a real server
                raise Refused(status_for(error)) from None

        return call


@pytest.fixture(scope="module")
def identity():
    stub = InProcessStub(IdentityApplication())
    yield stub
    stub.loop.close()


@pytest.fixture(scope="module")
def imported(identity):
    return import_plan(identity, build_plan())


def count(identity, level, status=pb.UNIT_STATUS_ACTIVE) -> int:
    return identity.ListUnits(pb.ListUnitsRequest(level=level, status=status,
                                                  page_size=1)).total_size


def test_the_import_builds_the_two_tier_country(imported, identity) -> None:
    assert imported.failures == []
    assert imported.skipped == []
    assert count(identity, pb.UNIT_LEVEL_PROVINCE) == 34
    assert count(identity, pb.UNIT_LEVEL_COMMUNE) == 3321
    assert count(identity, pb.UNIT_LEVEL_DISTRICT) == 0
    assert count(identity, pb.UNIT_LEVEL_PROVINCE, pb.UNIT_STATUS_MERGED) == 52
    assert count(identity, pb.UNIT_LEVEL_DISTRICT, pb.UNIT_STATUS_DISSOLVED) == 696 - 5


def test_every_province_and_commune_takes_a_provisional_code(imported, identity) -> None:
    codes = issue_demo_codes(identity)

    assert codes.failures == []
    assert codes.issued == 34 + 3321
