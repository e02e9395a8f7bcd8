"""A fonds' records listed page by page, each page read in one query (not one per record),
each record as GetRecord reads it. On SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from typing import Any

from lienthong.services.archive.application import ArchiveApplication
from lienthong.services.archive.catalogue import DescriptionInput
from lienthong.services.archive.domain.units import KnownUnit

NOW = dt.datetime(2026, 12, 7, 2, 0, tzinfo=dt.UTC)
PROVINCE = uuid.UUID("00000000-0000-4000-8000-0000000000b1")
QUE_VO = uuid.UUID("00000000-0000-4000-8000-0000000000c1")
LAND_RECORDS = DescriptionInput(
    notation="01", year=2015, title="Hồ sơ địa chính phường Quế Võ năm 2015",
    retention_years=0, start_date=dt.date(2015, 1, 5), end_date=dt.date(2015, 12, 28),
    page_count=3, document_count=2, keywords=("địa chính",), access="restricted",
    physical_condition="tốt")
RECORDS = 25


def test_a_fonds_is_listed_page_by_page_each_page_in_one_read(event_store_url: str) -> None:
    app = ArchiveApplication(event_store_url, clock=lambda: NOW)
    app.save(KnownUnit(id=PROVINCE, display_name="Tỉnh Bắc Ninh",
                       agency_code="000.00.00.H06", province_id=None),
             KnownUnit(id=QUE_VO, display_name="Phường Quế Võ",
                       agency_code="000.00.12.H06", province_id=PROVINCE))
    ids = [app.catalogue(f"catalogue-{n}", str(QUE_VO),
                         dataclasses.replace(LAND_RECORDS, notation=f"{n:02d}"))["record_id"]
           for n in range(1, RECORDS + 1)]
    fonds = str(app.record(ids[0]).fonds_id)

    reads: list[Any] = []
    select_events = app.recorder.select_events
    app.recorder.select_events = lambda *a, **k: reads.append(a) or select_events(*a, **k)
    pages, token = [], ""
    while True:
        page = app.list_records(fonds, size=10, token=token)
        pages.append(page.rows)
        token = page.next_token
        if not token:
            break
    app.recorder.select_events = select_events

    assert [len(rows) for rows in pages] == [10, 10, 5]
    listed = [record for rows in pages for record in rows]
    assert [str(r.id) for r in listed] == ids
    assert [(r.file_code, r.version) for r in listed] == [
        (app.record(i).file_code, app.record(i).version) for i in ids]
    assert len(reads) == len(pages)  # the fonds, once a page; no record read by itself
