"""A commune given its agency code in identity takes dossiers, through NATS.

Units created by the 2025 reorganisation have no agency code until their
province publishes one. Dossiers hears of the code only through identity's
stream; until then a submission at the commune is refused, afterwards its
dossier codes begin with the new code, and a provisional code marks them.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import TYPE_CHECKING

import pytest
from test_reorganisation import PROCEDURE, START, World, residence_procedure, world

from lienthong.errors import FailedPrecondition
from lienthong.services.dossiers.domain.units import KnownUnit
from lienthong.services.identity.application import NewUnitSpec

if TYPE_CHECKING:
    import uuid

__all__ = ["world"]  # the fixture, shared with the reorganisation stories


def register_without_codes(world: World) -> None:
    identity = world.identity
    province = identity.register_unit(NewUnitSpec(
        "Tỉnh Bắc Ninh", "province", administrative_unit_code="24"), request_id="reg-24")
    world.units["province"] = province
    for key, name, code in (("que_vo", "Phường Quế Võ", "09193"),
                            ("cao_son", "Xã Cao Sơn", "07711")):
        world.units[key] = identity.register_unit(NewUnitSpec(
            name, "commune", administrative_unit_code=code, parent_id=str(province)),
            request_id=f"reg-{code}")


def code_of(world: World, dossier_id: uuid.UUID) -> str:
    return world.dossiers.get_dossier(dossier_id).dossier_code


@pytest.mark.timeout(120)
async def test_a_commune_takes_dossiers_once_identity_gives_it_a_code(world: World) -> None:
    await asyncio.to_thread(register_without_codes, world)
    await world.eventually(world.caught_up, "dossiers knows the units")
    world.dossiers.create_procedure(PROCEDURE, residence_procedure())

    with pytest.raises(FailedPrecondition) as refused:
        world.submit("que_vo", "before-the-code")
    assert refused.value.reason == "RECEIVING_UNIT_WITHOUT_AGENCY_CODE"

    identity, units = world.identity, world.units
    identity.assign_agency_code(str(units["province"]), "000.00.00.H24",
                                effective_date=dt.date(2025, 7, 1))
    identity.assign_agency_code(str(units["que_vo"]), "000.00.31.H24",
                                effective_date=dt.date(2025, 7, 1))
    identity.assign_agency_code(str(units["cao_son"]), "000.01.01.Z24", provisional=True,
                                effective_date=dt.date(2025, 7, 2), reason="demo")
    await world.eventually(world.caught_up, "dossiers applied the codes")

    day = f"{START:%y%m%d}"
    official = world.submit("que_vo", "at-que-vo")
    provisional = world.submit("cao_son", "at-cao-son")
    assert code_of(world, official) == f"000.00.31.H24-{day}-0001"
    assert code_of(world, provisional) == f"TAM-000.01.01.Z24-{day}-0001"

    cao_son = world.dossiers.get_or_none(units["cao_son"])
    assert isinstance(cao_son, KnownUnit)
    assert cao_son.agency_code_provisional
    # A restarted consumer applies nothing twice.
    await world.stop_consumer()
    before = world.dossiers.recorder.max_notification_id()
    await world.start_consumer()
    await world.eventually(world.caught_up, "the restarted consumer caught up")
    assert world.dossiers.recorder.max_notification_id() == before
