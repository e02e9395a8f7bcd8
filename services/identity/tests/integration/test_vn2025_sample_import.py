"""The sample of the 2025 plan, imported through gRPC into a real identity server."""

from __future__ import annotations

import grpc
import pytest

from lienthong.identity.v1 import identity_pb2 as pb
from lienthong.identity.v1 import identity_pb2_grpc as pb_grpc
from lienthong.services.identity.api import add_to_server
from lienthong.services.identity.application import IdentityApplication
from lienthong.services.identity.importer.vn2025 import import_plan
from lienthong.services.identity.importer.vn2025_sample import SAMPLE_PROVINCES, sample_plan
from lienthong.services.identity.importer.vn2025_sources import build_plan
from lienthong.testing.grpc_server import ServerThread


@pytest.fixture(scope="module")
def sample():
    return sample_plan(build_plan(), SAMPLE_PROVINCES)


@pytest.fixture(scope="module")
def stub():
    app = IdentityApplication()
    with ServerThread(lambda server: add_to_server(app, server)) as running, \
            grpc.insecure_channel(running.address) as channel:
        yield pb_grpc.IdentityServiceStub(channel)


@pytest.fixture(scope="module")
def imported(stub, sample):
    return import_plan(stub, sample)


def count(stub, level, status=pb.UNIT_STATUS_ACTIVE) -> int:
    return stub.ListUnits(pb.ListUnitsRequest(level=level, status=status, page_size=1),
                          timeout=10).total_size


def test_the_sample_imports_without_a_failure_or_a_skip(imported, sample) -> None:
    assert imported.failures == []
    assert imported.skipped == []
    assert not imported.stopped
    assert set(imported.unit_ids) == {u.key for u in sample.old_units + sample.new_units}


def test_the_sample_is_its_provinces_in_two_tiers(imported, stub, sample) -> None:
    assert count(stub, pb.UNIT_LEVEL_PROVINCE) == len(SAMPLE_PROVINCES)
    assert count(stub, pb.UNIT_LEVEL_COMMUNE) == sum(
        u.level == "commune" for u in sample.new_units)
    assert count(stub, pb.UNIT_LEVEL_DISTRICT) == 0
    assert count(stub, pb.UNIT_LEVEL_COMMUNE, pb.UNIT_STATUS_DIVIDED) > 0
