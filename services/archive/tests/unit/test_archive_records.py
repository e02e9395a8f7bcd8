"""A commune's archive, in memory: its fonds opened with its first record, records
described with the rules of Decree 30/2020 Annex VI, a FileCode taken once, and a fonds
made ready to pass to the successor when the commune is merged."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid

import pytest

from lienthong.errors import AlreadyExists, FailedPrecondition, InvalidArgument
from lienthong.services.archive.application import ArchiveApplication
from lienthong.services.archive.catalogue import DescriptionInput
from lienthong.services.archive.domain import retention
from lienthong.services.archive.domain.custody import CustodyTransfer
from lienthong.services.archive.domain.records import IllegalTransitionError
from lienthong.services.archive.domain.units import KnownUnit

NOW = dt.datetime(2026, 12, 7, 2, 0, tzinfo=dt.UTC)
PROVINCE = uuid.UUID("00000000-0000-4000-8000-0000000000b1")
QUE_VO = uuid.UUID("00000000-0000-4000-8000-0000000000c1")
PHUONG_MOI = uuid.UUID("00000000-0000-4000-8000-0000000000c2")

LAND_RECORDS = DescriptionInput(
    notation="05", year=2015, title="Hồ sơ địa chính phường Quế Võ năm 2015",
    retention_years=0, start_date=dt.date(2015, 1, 5), end_date=dt.date(2015, 12, 28),
    page_count=3, document_count=2, keywords=("địa chính",), access="restricted",
    physical_condition="tốt")


@pytest.fixture
def app() -> ArchiveApplication:
    archive = ArchiveApplication(clock=lambda: NOW)
    archive.save(
        KnownUnit(id=PROVINCE, display_name="Tỉnh Bắc Ninh", agency_code="000.00.00.H06",
                  province_id=None),
        KnownUnit(id=QUE_VO, display_name="Phường Quế Võ", agency_code="000.00.12.H06",
                  province_id=PROVINCE),
        KnownUnit(id=PHUONG_MOI, display_name="Phường Nhân Hòa", agency_code="000.00.13.H06",
                  province_id=PROVINCE))
    return archive


def test_the_first_record_opens_the_fonds_of_the_commune(app: ArchiveApplication) -> None:
    done = app.catalogue("catalogue-1", str(QUE_VO), LAND_RECORDS)

    record = app.record(done["record_id"])
    assert record.file_code == "000.00.12.H06.2015.05"
    assert record.state == "catalogued"
    fonds = app.fonds(record.fonds_id)
    assert (fonds.unit_id, fonds.holder_unit_id, fonds.name) == (QUE_VO, QUE_VO,
                                                                 "Phường Quế Võ")
    second = app.catalogue("catalogue-2", str(QUE_VO),
                           dataclasses.replace(LAND_RECORDS, notation="06"))
    assert app.record(second["record_id"]).fonds_id == fonds.id
    assert [r.file_code for r in app.books.records_of(fonds.id)] == [
        "000.00.12.H06.2015.05", "000.00.12.H06.2015.06"]


def test_a_retried_request_answers_the_first_time(app: ArchiveApplication) -> None:
    first = app.catalogue("catalogue-1", str(QUE_VO), LAND_RECORDS)
    assert app.catalogue("catalogue-1", str(QUE_VO), LAND_RECORDS) == first
    assert len(app.books.records_of(app.record(first["record_id"]).fonds_id)) == 1


def test_a_file_code_is_taken_once(app: ArchiveApplication) -> None:
    app.catalogue("catalogue-1", str(QUE_VO), LAND_RECORDS)
    with pytest.raises(AlreadyExists) as refused:
        app.catalogue("catalogue-2", str(QUE_VO), LAND_RECORDS)
    assert refused.value.reason == "FILE_CODE_TAKEN"


def test_every_broken_rule_of_a_description_is_named(app: ArchiveApplication) -> None:
    bad = dataclasses.replace(
        LAND_RECORDS, notation="05/ĐC", year=1800, title=" ", retention_years=250,
        start_date=dt.date(2016, 1, 1), end_date=dt.date(2015, 1, 1), page_count=0,
        language="vie", keywords=("x" * 101,), access="public")
    with pytest.raises(InvalidArgument) as refused:
        app.catalogue("catalogue-bad", str(QUE_VO), bad)
    fields = {v.field: v.rule for v in refused.value.violations}
    assert fields == {
        "description.notation": "NOTATION_FORMAT", "description.year": "YEAR_RANGE",
        "description.title": "TITLE_FORMAT", "description.retention_years": "RETENTION_RANGE",
        "description.end_date": "DATE_ORDER", "description.page_count": "PAGE_COUNT_RANGE",
        "description.language": "LANGUAGE_FORMAT",
        "description.keywords[0]": "KEYWORD_FORMAT", "description.access": "ACCESS_MODE"}
    assert app.books.record_with_code("000.00.12.H06.1800.05/ĐC") is None


def test_dates_after_today_are_refused(app: ArchiveApplication) -> None:
    later = dataclasses.replace(LAND_RECORDS, year=2026, start_date=dt.date(2026, 12, 1),
                                end_date=dt.date(2027, 1, 1))
    with pytest.raises(InvalidArgument) as refused:
        app.catalogue("catalogue-later", str(QUE_VO), later)
    assert [v.field for v in refused.value.violations] == ["description.end_date"]


def test_a_record_is_not_digitized_before_its_pages_are_captured(
        app: ArchiveApplication) -> None:
    done = app.catalogue("catalogue-1", str(QUE_VO), LAND_RECORDS)
    with pytest.raises(FailedPrecondition) as refused:
        app.digitize("digitize-1", done["record_id"])
    assert refused.value.reason == "PAGES_MISSING"
    assert "pages 1, 2, 3" in str(refused.value)


def test_a_catalogued_record_cannot_be_ingested(app: ArchiveApplication) -> None:
    record = app.record(app.catalogue("catalogue-1", str(QUE_VO), LAND_RECORDS)["record_id"])
    with pytest.raises(IllegalTransitionError):
        record.ingest("aip-x", {"name": "x", "object_name": "x", "size": 1, "sha256": "0" * 64,
                                "content_type": "application/x-tar"}, 3)


def test_a_merged_communes_fonds_is_listed_for_its_successor_once(
        app: ArchiveApplication) -> None:
    for number in ("05", "06"):
        app.catalogue(f"catalogue-{number}", str(QUE_VO),
                      dataclasses.replace(LAND_RECORDS, notation=number))
    unit = app.known_unit(QUE_VO)

    transfers = app.prepare_transfers(unit, PHUONG_MOI, "merged", dt.date(2025, 7, 1))
    app.save(*transfers)
    again = app.prepare_transfers(unit, PHUONG_MOI, "merged", dt.date(2025, 7, 1))

    assert again == []
    (transfer,) = transfers
    assert isinstance(transfer, CustodyTransfer)
    assert [line["file_code"] for line in transfer.listed] == [
        "000.00.12.H06.2015.05", "000.00.12.H06.2015.06"]
    assert app.books.transfers_in("prepared") == [transfer.id]


def test_progress_of_a_province_counts_each_of_its_units(app: ArchiveApplication) -> None:
    app.catalogue("catalogue-1", str(QUE_VO), LAND_RECORDS)
    app.catalogue("catalogue-2", str(PHUONG_MOI), LAND_RECORDS)

    found = app.progress(province_unit_id=str(QUE_VO))
    assert found["units"] == 3
    assert found["totals"].paper_records == 2
    assert found["share_digitized"] == 0.0
    assert (found["target_date"], found["target_share"]) == (dt.date(2026, 12, 31), 1.0)


@pytest.mark.parametrize(("sector", "years"), [
    ("Đất đai", retention.PERMANENT), ("Hộ tịch", retention.PERMANENT),
    ("Chứng thực", 10), ("Thành lập và hoạt động doanh nghiệp", 20), ("Văn hóa", 20)])
def test_a_dossier_is_kept_as_long_as_its_sector_asks(sector: str, years: int) -> None:
    assert retention.for_sector(sector) == years


def test_a_fonds_on_its_way_to_a_successor_reorganised_in_turn_goes_on_to_the_next(
        app: ArchiveApplication) -> None:
    app.catalogue("catalogue-1", str(QUE_VO), LAND_RECORDS)
    third = uuid.UUID("00000000-0000-4000-8000-0000000000c3")
    app.save(KnownUnit(id=third, display_name="Phường Kinh Bắc",
                       agency_code="000.00.14.H06", province_id=PROVINCE))
    (to_nhan_hoa,) = app.prepare_transfers(app.known_unit(QUE_VO), PHUONG_MOI, "merged",
                                           dt.date(2025, 7, 1))
    app.save(to_nhan_hoa)

    # Nhân Hòa is merged in turn before it signed: Quế Võ's fonds goes on to Kinh Bắc.
    moved = app.prepare_transfers(app.known_unit(PHUONG_MOI), third, "merged",
                                  dt.date(2025, 8, 1))
    app.save(*moved)

    onward = next(t for t in moved if t.id != to_nhan_hoa.id)
    assert (onward.fonds_id, onward.from_unit_id, onward.to_unit_id) == (
        to_nhan_hoa.fonds_id, QUE_VO, third)
    assert [line["file_code"] for line in onward.listed] == ["000.00.12.H06.2015.05"]
    superseded = app.transfer(to_nhan_hoa.id)
    assert (superseded.state, superseded.superseded_by) == ("superseded", onward.id)
    assert app.books.transfers_in("prepared") == [onward.id]
    with pytest.raises(IllegalTransitionError):
        superseded.require("sign", "reconciled")
