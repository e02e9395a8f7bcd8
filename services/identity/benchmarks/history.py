"""Identity's long history for ``lienthong bench startup``, written fast.

34 provinces, 3,321 communes, then agencies under the provinces; a unit in ten renamed.
The domain's own aggregates, without the commands' reads and checks.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from lienthong.registry import BenchHistory
from lienthong.tools.bench.startup import REFORM, request_record

if TYPE_CHECKING:
    from collections.abc import Iterator


def batches(batch: int) -> Iterator[list[Any]]:
    """34 provinces, 3,321 communes, then agencies under the provinces; a unit in ten renamed.

    Every unit comes with its code registers and the request record of its
    RegisterUnit, every rename with the record of its RenameUnit.
    """
    from lienthong.services.identity.domain.registry import (
        AdministrativeCodeRegister,
        AgencyCodeClaim,
    )
    from lienthong.services.identity.domain.unit import Unit

    provinces: list[uuid.UUID] = []
    renamed_later: list[Any] = []

    def unit(i: int) -> list[Any]:
        if i < 34:
            level, kind, parent, code = "province", "province", None, f"{i + 1:02d}"
            agency = f"000.00.00.H{i + 1:02d}"
        else:
            parent = provinces[i % 34]
            level, kind = ("commune", "commune") if i < 34 + 3321 else ("agency", "agency")
            code = f"{10_000 + i:05d}" if level == "commune" else ""
            # Unique up to ten million units: the index's digits spread over the code.
            digits = f"{(i // 10_000) % 1000:03d}.{(i // 100) % 100:02d}.{i % 100:02d}"
            agency = f"{digits}.H{i % 34 + 1:02d}"
        u = Unit(id=uuid.uuid4(), display_name=f"Đơn vị số {i}", level=level, kind=kind,
                 administrative_unit_code=code, agency_code=agency, parent_id=parent,
                 province_id=parent, effective_date=REFORM, predecessor_ids=[])
        if i < 34:
            provinces.append(u.id)
        if i % 10 == 5:
            renamed_later.append(u)
        found = [u, AgencyCodeClaim(code=agency, unit_id=u.id),
                 request_record(f"reg-{i}", "RegisterUnit", {"unit_id": str(u.id)})]
        if code:
            found.append(AdministrativeCodeRegister(code=code, unit_id=u.id, since=REFORM))
        return found

    i = 0
    while True:
        aggregates: list[Any] = []
        for _ in range(batch):
            aggregates += unit(i)
            i += 1
        for u in renamed_later:
            u.rename(f"{u.display_name} (mới)", REFORM)
            aggregates += [u, request_record(f"rename-{u.id}", "RenameUnit",
                                             {"unit_id": str(u.id)})]
        renamed_later.clear()
        yield aggregates


HISTORY = BenchHistory(batches=batches, read_models=lambda app: [app.directory],
                       sizes=lambda app: {"units": len(app.directory.units)})
