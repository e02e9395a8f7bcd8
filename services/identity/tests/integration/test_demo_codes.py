"""Provisional codes for a demonstration, issued again after the map has changed."""

from __future__ import annotations

from typing import TYPE_CHECKING

import grpc
import pytest

from lienthong.identity.v1 import identity_pb2_grpc as pb_grpc
from lienthong.services.identity.api import add_to_server
from lienthong.services.identity.application import IdentityApplication, NewUnitSpec
from lienthong.services.identity.importer.demo_codes import issue_demo_codes
from lienthong.testing.grpc_server import ServerThread

if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.fixture
def world() -> Iterator[tuple[IdentityApplication, pb_grpc.IdentityServiceStub]]:
    app = IdentityApplication()
    with ServerThread(lambda server: add_to_server(app, server)) as running, \
            grpc.insecure_channel(running.address) as channel:
        yield app, pb_grpc.IdentityServiceStub(channel)


def code_of(app: IdentityApplication, administrative_code: str) -> str:
    return app.resolve_unit(administrative_code).named.agency_code


def test_a_commune_formed_after_the_codes_takes_the_next_number_never_used(
        world: tuple[IdentityApplication, pb_grpc.IdentityServiceStub]) -> None:
    app, stub = world
    bac_ninh = app.register_unit(NewUnitSpec("Tỉnh Bắc Ninh", "province",
                                             administrative_unit_code="24"))
    que_vo, bac_giang, da_mai = (app.register_unit(NewUnitSpec(
        name, "ward", administrative_unit_code=code, parent_id=str(bac_ninh)))
        for name, code in (("Phường Quế Võ", "09247"), ("Phường Bắc Giang", "07210"),
                           ("Phường Đa Mai", "07228")))
    first = issue_demo_codes(stub)
    assert (first.issued, first.failures) == (4, [])
    assert [code_of(app, c) for c in ("07210", "07228", "09247")] == [
        "000.01.01.Z24", "000.02.01.Z24", "000.03.01.Z24"]

    # Two wards merge into a new one, which has no code; a second run gives it
    # the next number (Bắc Giang's and Đa Mai's stay locked to them).
    app.merge_units([str(bac_giang), str(da_mai)], new_successor=NewUnitSpec(
        "Phường Bắc Giang Mới", "ward", administrative_unit_code="07210",
        parent_id=str(bac_ninh)))
    second = issue_demo_codes(stub)

    assert (second.issued, second.unchanged, second.failures) == (1, 2, [])
    assert code_of(app, "07210") == "000.04.01.Z24"
    assert code_of(app, "09247") == "000.03.01.Z24"
    before = app.recorder.max_notification_id()
    third = issue_demo_codes(stub)
    assert (third.issued, third.failures) == (0, [])
    assert app.recorder.max_notification_id() == before
    assert que_vo == app.resolve_unit("09247").named.unit_id
