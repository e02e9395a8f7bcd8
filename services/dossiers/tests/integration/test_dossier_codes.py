"""Dossier codes: ``<receiving agency code>-<yymmdd>-<4-digit sequence>``, gapless per unit and day.

Concurrent submissions at one desk on one day compete for the day's
counter; the codes they get must run 0001..N with no gap and no repeat,
in memory, in an SQLite file shared by two application instances, and in
PostgreSQL shared by two instances (two replicas of the service).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from lienthong.errors import Conflict, FailedPrecondition
from lienthong.services.dossiers.application import DossiersApplication
from lienthong.services.dossiers.domain.numbering import (
    MAX_DAILY_SEQUENCE,
    DailySequenceExhaustedError,
    DossierCounter,
    counter_id,
    dossier_code,
)
from lienthong.services.dossiers.projections import DossierFilter

CODE = re.compile(r"(?P<agency>[0-9]{3}\.[0-9]{2}\.[0-9]{2}\.[A-Z][0-9]{2})-"
                  r"(?P<day>[0-9]{6})-(?P<number>[0-9]{4})")


def code_of(desk: Any, dossier_id: Any, app: DossiersApplication | None = None) -> str:
    return (app or desk.app).get_dossier(dossier_id).dossier_code


# -- the format ------------------------------------------------------------------------

def test_a_code_is_the_receiving_agency_the_day_and_a_sequence(desk: Any) -> None:
    code = code_of(desk, desk.submit())

    assert code == "000.00.12.H01-260304-0001"
    match = CODE.fullmatch(code)
    assert match is not None
    assert match["agency"] == "000.00.12.H01"


def test_codes_count_per_receiving_unit_and_day(desk: Any) -> None:
    units, clock = desk.units, desk.clock
    codes = [code_of(desk, desk.submit()), code_of(desk, desk.submit()),
             code_of(desk, desk.submit(receiving=units.hoan_kiem)),
             # Received in Hoàn Kiếm for Ba Đình: numbered by the receiving desk.
             code_of(desk, desk.submit(desk.RESIDENCE, receiving=units.hoan_kiem,
                                       competent=units.ba_dinh)),
             code_of(desk, desk.submit())]
    clock.at(2026, 3, 5, 8)
    codes += [code_of(desk, desk.submit()), code_of(desk, desk.submit(receiving=units.hoan_kiem))]

    assert codes == [
        "000.00.12.H01-260304-0001", "000.00.12.H01-260304-0002", "000.00.13.H01-260304-0001",
        "000.00.13.H01-260304-0002", "000.00.12.H01-260304-0003",
        "000.00.12.H01-260305-0001", "000.00.13.H01-260305-0001"]


def test_the_day_of_a_code_is_the_day_in_vietnam(desk: Any) -> None:
    desk.clock.at(2026, 3, 4, 23, 59)  # 16:59 UTC
    late = code_of(desk, desk.submit())
    desk.clock.at(2026, 3, 5, 0, 1)  # 17:01 UTC on the 4th
    early = code_of(desk, desk.submit())

    assert (late, early) == ("000.00.12.H01-260304-0001", "000.00.12.H01-260305-0001")


def test_the_sequence_restarts_on_a_new_year_and_the_code_says_the_year(desk: Any) -> None:
    desk.clock.at(2026, 12, 31, 16)
    last = code_of(desk, desk.submit())
    desk.clock.at(2027, 1, 1, 7)
    first = code_of(desk, desk.submit())
    assert (last, first) == ("000.00.12.H01-261231-0001", "000.00.12.H01-270101-0001")


def test_a_retried_or_refused_submission_takes_no_number(desk: Any) -> None:
    first = desk.submit(request_id="nop-1")
    assert desk.submit(request_id="nop-1") == first
    with pytest.raises(FailedPrecondition):
        desk.submit(desk.LAND, receiving=desk.units.ba_dinh, competent=desk.units.hoan_kiem)
    with pytest.raises(FailedPrecondition):
        desk.submit(competent=desk.units.hanoi)

    assert code_of(desk, desk.submit()) == "000.00.12.H01-260304-0002"


def test_the_counter_refuses_a_ten_thousandth_code() -> None:
    day = dt.date(2026, 3, 4)
    counter = DossierCounter(agency_code="000.00.12.H01", day=day)
    assert counter.id == counter_id("000.00.12.H01", day)
    counter.last_number = MAX_DAILY_SEQUENCE - 1
    assert counter.issue() == dossier_code("000.00.12.H01", day, 9999) == (
        "000.00.12.H01-260304-9999")
    with pytest.raises(DailySequenceExhaustedError) as error:
        counter.issue()
    assert error.value.reason == "DAILY_SEQUENCE_EXHAUSTED"


# -- concurrent submissions ------------------------------------------------------------

class Contention:
    """Counts the saves that lost the race for the counter (and were run again)."""

    def __init__(self, apps: list[DossiersApplication]) -> None:
        self.lost = 0
        self._lock = threading.Lock()
        for app in apps:
            self._watch(app)

    def _watch(self, app: DossiersApplication) -> None:
        save_command = app.save_command

        def watched(*args: Any) -> Any:
            try:
                return save_command(*args)
            except Conflict:
                with self._lock:
                    self.lost += 1
                raise
        app.save_command = watched  # type: ignore[method-assign]


def submit_concurrently(desk: Any, apps: list[DossiersApplication], count: int,
                        threads: int = 8) -> tuple[list[str], int]:
    """``count`` submissions at Ba Đình from ``threads`` threads over ``apps``.

    Their codes, and how many saves lost a race and ran again.
    """
    contention = Contention(apps)
    start = threading.Barrier(threads)

    def one(i: int) -> tuple[int, str]:
        if i < threads:
            start.wait(timeout=30)
        app = apps[i % len(apps)]
        dossier_id = app.submit_dossier(
            procedure_code=desk.BIRTH, channel="online", applicant=desk.applicant(),
            receiving_unit_id=str(desk.units.ba_dinh), competent_unit_id=str(desk.units.ba_dinh),
            request_id=f"nop-{i}")
        return i, app.get_dossier(dossier_id).dossier_code

    with ThreadPoolExecutor(threads) as pool:
        codes = [code for _, code in pool.map(one, range(count))]
    return codes, contention.lost


def assert_gapless(codes: list[str], count: int) -> None:
    numbers = sorted(int(code.rsplit("-", 1)[1]) for code in codes)
    assert numbers == list(range(1, count + 1)), numbers
    assert {code.rsplit("-", 1)[0] for code in codes} == {"000.00.12.H01-260304"}


def test_concurrent_submissions_in_memory_get_gapless_codes(desk: Any) -> None:
    codes, lost = submit_concurrently(desk, [desk.app], 40)
    assert_gapless(codes, 40)
    print(f"memory: {lost} lost races")


def test_concurrent_submissions_on_an_sqlite_file_get_gapless_codes(
        desk: Any, clock: Any, tmp_path: Any) -> None:
    store = f"sqlite:///{tmp_path / 'codes.db'}"
    primary = DossiersApplication(store, clock=clock)
    setup = type(desk)(primary, clock)  # units and procedures in the file
    replica = DossiersApplication(store, clock=clock)

    codes, lost = submit_concurrently(setup, [primary, replica], 30)

    assert_gapless(codes, 30)
    print(f"sqlite: {lost} lost races")
    counter = replica.repository.get(counter_id("000.00.12.H01", clock.now.date()))
    assert counter.last_number == 30


@pytest.mark.postgres
def test_concurrent_submissions_on_postgresql_get_gapless_codes(
        desk: Any, postgres_dsn: str, clock: Any, pii_master_key_file: Any) -> None:
    primary = DossiersApplication(postgres_dsn, clock=clock,
                                  pii_master_key_file=pii_master_key_file)
    setup = type(desk)(primary, clock)
    replica = DossiersApplication(postgres_dsn, clock=clock,
                                  pii_master_key_file=pii_master_key_file)

    codes, lost = submit_concurrently(setup, [primary, replica], 40)

    assert_gapless(codes, 40)
    print(f"postgres: {lost} lost races")
    # Each replica's read model sees every dossier, in code order.
    replica.index.catch_up()
    listed, _, total = replica.list_dossiers(DossierFilter())
    assert total == 40
    assert sorted(d.dossier_code for d in listed) == sorted(codes)


@pytest.mark.postgres
@pytest.mark.skipif(not os.environ.get("LIENTHONG_STRESS"),
                    reason="a 15 s stress run; set LIENTHONG_STRESS=1")
def test_a_burst_of_submissions_at_one_desk_all_get_a_code(
        desk: Any, postgres_dsn: str, clock: Any, pii_master_key_file: Any) -> None:
    primary = DossiersApplication(postgres_dsn, clock=clock,
                                  pii_master_key_file=pii_master_key_file)
    setup = type(desk)(primary, clock)
    replica = DossiersApplication(postgres_dsn, clock=clock,
                                  pii_master_key_file=pii_master_key_file)

    codes, _ = submit_concurrently(setup, [primary, replica], 300, threads=32)

    assert_gapless(codes, 300)
