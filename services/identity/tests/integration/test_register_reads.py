"""Registering a unit reads its parent and the registers of its codes in one query, and saves
in one more: no read of its own request id, none of each aggregate apart. On SQLite and
PostgreSQL; what it refuses it still refuses."""

from __future__ import annotations

from typing import Any

import pytest

from lienthong.errors import AlreadyExists
from lienthong.services.identity.application import IdentityApplication, NewUnitSpec


def test_a_commune_is_registered_with_one_read_and_one_save(event_store_url: str) -> None:
    app = IdentityApplication(event_store_url)
    province = app.register_unit(NewUnitSpec("Tỉnh Quảng Nam", "province",
                                             administrative_unit_code="49",
                                             agency_code="000.00.00.H49"))
    reads: list[Any] = []
    select_events = app.recorder.select_events
    app.recorder.select_events = lambda *a, **k: reads.append(a) or select_events(*a, **k)

    commune = app.register_unit(
        NewUnitSpec("Xã Tam Xuân", "commune", administrative_unit_code="20194",
                    agency_code="000.00.12.H49", parent_id=str(province)),
        request_id="tam-xuan-1")

    assert reads == []  # parent and both registers came in the one read of their own
    unit = app.get_unit(commune)
    assert (unit.parent_id, unit.province_id) == (province, province)
    assert app.resolve_unit("000.00.12.H49").named.unit_id == commune
    with pytest.raises(AlreadyExists) as refused:
        app.register_unit(NewUnitSpec("Xã Khác", "commune", administrative_unit_code="20194",
                                      parent_id=str(province)), request_id="khac-1")
    assert refused.value.reason == "ADMINISTRATIVE_CODE_IN_USE"
