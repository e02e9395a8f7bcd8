"""RegisterUnit answers the unit its own commit put in the directory: the reply is what
GetUnit returns right after, and a retried request id answers the first reply without
registering the unit again (in memory, through the servicer)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from lienthong.errors import InvalidArgument
from lienthong.identity.v1 import identity_pb2 as pb
from lienthong.services.identity.api import IdentityServicer
from lienthong.services.identity.application import IdentityApplication
from lienthong.services.identity.projections import UnitFilter


def call(servicer: IdentityServicer, method: str, request: Any) -> Any:
    return asyncio.run(getattr(servicer, method)(request, None))


def registration(request_id: str, **fields: Any) -> pb.RegisterUnitRequest:
    return pb.RegisterUnitRequest(request_id=request_id, **fields)


def test_a_registrations_reply_is_what_get_unit_returns() -> None:
    servicer = IdentityServicer(IdentityApplication())
    province = call(servicer, "RegisterUnit", registration(
        "p", display_name="Thành phố Hà Nội", level=pb.UNIT_LEVEL_PROVINCE,
        kind=pb.UNIT_KIND_MUNICIPALITY, administrative_unit_code="01"))

    ward = call(servicer, "RegisterUnit", registration(
        "w", display_name="Phường Ba Đình", kind=pb.UNIT_KIND_WARD,
        administrative_unit_code="00004", parent_unit_id=province.unit_id))

    for unit in (province, ward):
        assert unit == call(servicer, "GetUnit", pb.GetUnitRequest(unit_id=unit.unit_id))
    assert (ward.parent_unit_id, ward.province_unit_id) == (province.unit_id,) * 2
    assert ward.status == pb.UNIT_STATUS_ACTIVE and ward.administrative_unit_code == "00004"


def test_a_retried_registration_answers_the_first_reply() -> None:
    app = IdentityApplication()
    servicer = IdentityServicer(app)
    request = registration("once", display_name="Tỉnh Thử Nghiệm", kind=pb.UNIT_KIND_PROVINCE,
                           administrative_unit_code="02")
    first = call(servicer, "RegisterUnit", request)

    again = call(servicer, "RegisterUnit", request)

    assert again == first
    units, _, total = app.list_units(UnitFilter())
    assert total == 1 and units[0].unit_id.hex == first.unit_id.replace("-", "")


def test_a_request_id_reused_for_another_registration_is_refused_and_saves_nothing() -> None:
    app = IdentityApplication()
    servicer = IdentityServicer(app)
    call(servicer, "RegisterUnit", registration(
        "reused", display_name="Tỉnh Thử Nghiệm", kind=pb.UNIT_KIND_PROVINCE,
        administrative_unit_code="02"))

    with pytest.raises(InvalidArgument) as refused:
        call(servicer, "RegisterUnit", registration(
            "reused", display_name="Tỉnh Khác", kind=pb.UNIT_KIND_PROVINCE,
            administrative_unit_code="04"))

    assert refused.value.reason == "REQUEST_ID_REUSED"
    assert app.list_units(UnitFilter())[2] == 1
