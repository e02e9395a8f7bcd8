"""Dossiers' long history for ``lienthong bench startup``, written fast.

The units as dossiers learns them, 40 procedures, then dossiers through their lives,
with a request record per step: the domain's own aggregates, without the commands'
reads and checks.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from lienthong.registry import BenchHistory
from lienthong.tools.bench.startup import REFORM, request_record

if TYPE_CHECKING:
    from collections.abc import Iterator


def batches(batch: int) -> Iterator[list[Any]]:
    """The 34 provinces and 3,321 communes as dossiers learns them, 40 procedures, then
    dossiers: seven in ten returned, one refused, two still open; a request record per step."""
    from lienthong.services.dossiers.domain.dossier import Dossier
    from lienthong.services.dossiers.domain.procedure import (
        Procedure,
        ProcedureVersionSpec,
        RequiredDocument,
    )
    from lienthong.services.dossiers.domain.units import KnownUnit

    provinces = [KnownUnit(id=uuid.uuid4(), display_name=f"Tỉnh số {p}", level="province",
                           kind="province", administrative_unit_code=f"{p + 1:02d}",
                           agency_code=f"000.00.00.H{p + 1:02d}", parent_id=None,
                           province_id=None) for p in range(34)]
    communes = [KnownUnit(id=uuid.uuid4(), display_name=f"Xã số {c}", level="commune",
                          kind="commune", administrative_unit_code=f"{10_000 + c:05d}",
                          agency_code=f"000.{c // 100:02d}.{c % 100:02d}.H{c % 34 + 1:02d}",
                          parent_id=provinces[c % 34].id, province_id=provinces[c % 34].id)
                for c in range(3321)]
    procedures = []
    for p in range(40):
        spec = ProcedureVersionSpec(
            effective_date=REFORM, name=f"Thủ tục số {p}", sector=f"Lĩnh vực {p % 8}",
            competent_level="commune", competent_agency_kind="people's committee",
            processing_working_days=10, fee_vnd=0,
            required_documents=(RequiredDocument("Tờ khai", 1, True),),
            result_document_type="Giấy chứng nhận", boundary_policy="anywhere_in_province")
        procedure = Procedure.create(f"1.{p + 1:06d}", spec)
        if p % 4 == 0:
            procedure.add_version(ProcedureVersionSpec(**{
                **asdict(spec), "effective_date": dt.date(2026, 1, 1),
                "required_documents": spec.required_documents}))
        procedures.append(procedure)
    yield [*provinces, *communes, *procedures]

    at = dt.datetime(2026, 3, 4, 2, 0, tzinfo=dt.UTC)
    due = dt.date(2026, 3, 18)
    steps = {
        "returned": ("receive", "assign", "approve", "return_result"),
        "refused": ("refuse_to_receive",),
        "supplement": ("receive", "assign", "request_supplement"),
        "received": ("receive",),
    }
    lives = ["returned"] * 7 + ["refused", "supplement", "received"]
    n = 0
    while True:
        aggregates: list[Any] = []
        for _ in range(batch):
            unit = communes[n % len(communes)]
            procedure = procedures[n % len(procedures)]
            dossier = Dossier(
                id=uuid.uuid4(), dossier_code=f"{unit.agency_code}-260304-{n:06d}",
                procedure_code=procedure.procedure_code, procedure_version=1, sector="Hộ tịch",
                channel="online", applicant={"full_name": "Nguyễn Văn An",
                                             "personal_identification_number": "001090012345"},
                receiving_unit_id=unit.id, competent_unit_id=unit.id,
                processing_working_days=10, submitted_documents=["Tờ khai"], submitted_at=at)
            records = [request_record(f"submit-{n}", "SubmitDossier",
                                      {"dossier_id": str(dossier.id)})]
            for step in steps[lives[n % len(lives)]]:
                if step == "receive":
                    dossier.receive(at, due)
                elif step == "assign":
                    dossier.assign("cb.tran")
                elif step == "approve":
                    dossier.approve(["Giấy chứng nhận"], at)
                elif step == "return_result":
                    dossier.return_result(at, lambda _due, _returned: "on_time")
                elif step == "refuse_to_receive":
                    dossier.refuse_to_receive()
                else:
                    dossier.request_supplement(["Bản sao giấy tờ"], at)
                records.append(request_record(f"{step}-{n}", step, {"dossier_id": str(dossier.id)}))
            aggregates += [dossier, *records]
            n += 1
        yield aggregates


HISTORY = BenchHistory(
    batches=batches, read_models=lambda app: [app.index, app.procedure_index],
    sizes=lambda app: {"dossiers": len(app.index.rows), "units": len(app.index.units),
                       "procedures": len(app.procedure_index.procedures)})
