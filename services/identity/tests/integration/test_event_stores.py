"""The identity story on the real event stores: SQLite (embedded) and PostgreSQL (cluster)."""

from __future__ import annotations

import collections
import datetime as dt
import threading
import time
from typing import TYPE_CHECKING, Any

import pytest

from lienthong.audit import audit_scope
from lienthong.errors import AlreadyExists, FailedPrecondition, LienthongError
from lienthong.services.identity.application import IdentityApplication, NewUnitSpec
from lienthong.services.identity.domain.codes import Level
from lienthong.services.identity.projections import FRESHNESS_S, UnitFilter

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from uuid import UUID

    from lienthong.idempotency import Command

REFORM = dt.date(2025, 7, 1)
BEFORE = dt.date(2025, 6, 30)
THREADS = 8
JOIN_TIMEOUT = 30.0


@pytest.fixture
def open_app(event_store_url: str) -> Iterator[Callable[..., IdentityApplication]]:
    """Open applications on the store; every one still open is closed at the end."""
    opened: list[IdentityApplication] = []

    def open_one(cls: type[IdentityApplication] = IdentityApplication) -> IdentityApplication:
        app = cls(event_store_url)
        opened.append(app)
        return app

    yield open_one
    for app in opened:
        app.close()


def reform_story(app: IdentityApplication) -> dict[str, UUID]:
    """Quảng Nam registered with two communes, merged on 1 July 2025 into a new one."""
    ids: dict[str, UUID] = {}
    with audit_scope(actor="can-bo-042", actor_agency_code="000.00.00.H49"):
        ids["province"] = app.register_unit(
            NewUnitSpec("Tỉnh Quảng Nam", "province", administrative_unit_code="49",
                        agency_code="000.00.00.H49"), request_id="reg-49")
        for key, name, code, agency in [("a", "Xã Tam Xuân 1", "20194", "000.00.01.H49"),
                                        ("b", "Xã Tam Xuân 2", "20197", "000.00.02.H49")]:
            ids[key] = app.register_unit(
                NewUnitSpec(name, "commune", administrative_unit_code=code, agency_code=agency,
                            parent_id=str(ids["province"])), request_id=f"reg-{code}")
        ids["merged"], _ = app.merge_units(
            [str(ids["a"]), str(ids["b"])],
            new_successor=NewUnitSpec("Xã Tam Xuân", "commune", administrative_unit_code="20194",
                                      agency_code="000.00.03.H49",
                                      parent_id=str(ids["province"])),
            effective_date=REFORM, request_id="merge-tam-xuan", reason="NQ 1667/NQ-UBTVQH15")
    return ids


def test_a_reopened_application_rebuilds_its_directory_from_the_store(
        open_app: Callable[..., IdentityApplication]) -> None:
    first = open_app()
    ids = reform_story(first)
    history_before = first.unit_history(str(ids["a"]))
    first.close()

    again = open_app()

    assert again.get_unit(ids["merged"]).display_name == "Xã Tam Xuân"
    assert again.get_unit(ids["a"]).status == "merged"
    meant_before = again.resolve_unit("20194", BEFORE)
    assert meant_before.named.unit_id == ids["a"]
    assert meant_before.default_unit_id == ids["merged"]
    assert [c.kind for c in meant_before.chain] == ["merged"]
    assert again.resolve_unit("20194").named.unit_id == ids["merged"]
    assert again.resolve_unit("000.00.02.H49").default_unit_id == ids["merged"]
    _, _, total = again.list_units(UnitFilter(level=Level.COMMUNE))
    assert total == 3
    hits, _ = again.search_units("tam xuan")
    assert [u.unit_id for u in hits] == [ids["merged"]]

    history = again.unit_history(str(ids["a"]))
    assert history == history_before
    registered, merged = history
    assert [h.event_type for h in history] == ["Registered", "MergedInto"]
    assert registered.metadata["actor"] == "can-bo-042"
    assert registered.metadata["request_id"] == "reg-20194"
    assert (merged.effective_date, merged.metadata["reason"]) == (REFORM, "NQ 1667/NQ-UBTVQH15")


def test_a_reopened_application_remembers_request_ids_and_locked_codes(
        open_app: Callable[..., IdentityApplication]) -> None:
    first = open_app()
    ids = reform_story(first)
    first.close()

    again = open_app()
    written = again.recorder.max_notification_id()

    retried = again.register_unit(
        NewUnitSpec("Tỉnh Quảng Nam", "province", administrative_unit_code="49",
                    agency_code="000.00.00.H49"), request_id="reg-49")
    assert retried == ids["province"]
    with pytest.raises(FailedPrecondition) as error:
        again.register_unit(NewUnitSpec("Xã Mới", "commune", administrative_unit_code="20197",
                                        parent_id=str(ids["province"])))
    assert error.value.reason == "ADMINISTRATIVE_CODE_LOCKED"
    assert again.recorder.max_notification_id() == written

    later = again.register_unit(NewUnitSpec("Xã Khác", "commune",
                                            administrative_unit_code="20200",
                                            parent_id=str(ids["province"])))
    assert again.get_unit(later).province_id == ids["province"]


def test_a_second_application_on_the_same_store_sees_the_first_ones_writes(
        open_app: Callable[..., IdentityApplication]) -> None:
    writer, reader = open_app(), open_app()

    ids = reform_story(writer)
    time.sleep(FRESHNESS_S)  # the promise: other processes' writes appear within this

    assert reader.resolve_unit("20197").default_unit_id == ids["merged"]
    assert reader.get_unit(ids["merged"]).version == 1


# -- concurrency ---------------------------------------------------------------------

def run_together(count: int, work: Callable[[int], Any]) -> list[Any]:
    """Run ``work(i)`` in ``count`` threads released at once; each one's result or error."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count

    def run(i: int) -> None:
        barrier.wait(timeout=JOIN_TIMEOUT)
        try:
            results[i] = work(i)
        except Exception as error:
            results[i] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=JOIN_TIMEOUT)
    assert not any(t.is_alive() for t in threads), "a command hung"
    return results


def outcome(result: Any) -> str:
    return result.reason if isinstance(result, LienthongError) else type(result).__name__


@pytest.mark.postgres
def test_concurrent_retries_of_one_request_create_one_unit(postgres_dsn: str) -> None:
    app = IdentityApplication(postgres_dsn)
    try:
        written = app.recorder.max_notification_id() or 0
        spec = NewUnitSpec("Sở Nội vụ", "agency")

        results = run_together(THREADS, lambda _: app.register_unit(spec, request_id="one"))

        assert len(set(results)) == 1, collections.Counter(map(outcome, results))
        [unit_id] = set(results)
        assert app.get_unit(unit_id).display_name == "Sở Nội vụ"
        _, _, total = app.list_units(UnitFilter())
        assert total == 1
        # The unit's registration and the request record: nothing else, nothing twice.
        assert (app.recorder.max_notification_id() or 0) - written == 2
    finally:
        app.close()


def test_concurrent_claims_on_one_code_let_exactly_one_through(
        open_app: Callable[..., IdentityApplication]) -> None:
    app = open_app()
    province = app.register_unit(NewUnitSpec("Tỉnh Quảng Nam", "province",
                                             administrative_unit_code="49"))
    written = app.recorder.max_notification_id() or 0

    results = run_together(THREADS, lambda i: app.register_unit(
        NewUnitSpec(f"Xã {i}", "commune", administrative_unit_code="20194",
                    agency_code="000.00.12.H49", parent_id=str(province)),
        request_id=f"claim-{i}"))

    winners = [r for r in results if not isinstance(r, Exception)]
    assert len(winners) == 1, collections.Counter(map(outcome, results))
    losers = [r for r in results if isinstance(r, Exception)]
    # Losers re-run their checks on the winner's state, so they are told the code is in use.
    assert all(isinstance(r, AlreadyExists) for r in losers), losers
    [winner] = winners
    assert app.resolve_unit("20194").named.unit_id == winner
    assert app.resolve_unit("000.00.12.H49").named.unit_id == winner
    _, _, total = app.list_units(UnitFilter(level=Level.COMMUNE))
    assert total == 1
    # One unit, its two code registers and its request record: no half-written loser.
    assert (app.recorder.max_notification_id() or 0) - written == 4


class PausedSave(IdentityApplication):
    """Saves of the thread named ``paused`` wait until the test resumes them."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.paused: threading.Thread | None = None
        self.waiting = threading.Event()
        self.resume = threading.Event()

    def save_command(self, command: Command, result: dict[str, Any],
                     *aggregates: Any) -> dict[str, Any]:
        if threading.current_thread() is self.paused:
            self.waiting.set()
            self.resume.wait(timeout=JOIN_TIMEOUT)
        return super().save_command(command, result, *aggregates)


def interleave(app: PausedSave, slow: Callable[[], Any],
               fast: Callable[[], Any]) -> tuple[Any, Any]:
    """Start ``slow``, let ``fast`` run to the end while ``slow`` is paused, then finish."""
    answers: dict[str, Any] = {}

    def run_slow() -> None:
        try:
            answers["slow"] = slow()
        except Exception as error:
            answers["slow"] = error

    thread = threading.Thread(target=run_slow)
    app.paused = thread
    thread.start()
    try:
        assert app.waiting.wait(timeout=JOIN_TIMEOUT)
        answers["fast"] = fast()
    finally:
        app.resume.set()
        thread.join(timeout=JOIN_TIMEOUT)
    return answers["slow"], answers["fast"]


def test_the_loser_of_a_race_for_a_code_is_told_the_code_is_in_use(
        open_app: Callable[..., IdentityApplication]) -> None:
    app = open_app(PausedSave)
    province = app.register_unit(NewUnitSpec("Tỉnh Quảng Nam", "province",
                                             administrative_unit_code="49"))

    def claim(name: str, request_id: str) -> Callable[[], UUID]:
        return lambda: app.register_unit(
            NewUnitSpec(name, "commune", administrative_unit_code="20194",
                        parent_id=str(province)), request_id=request_id)

    written = app.recorder.max_notification_id() or 0
    slow, fast = interleave(app, claim("Xã Chậm", "slow"), claim("Xã Nhanh", "fast"))

    assert app.resolve_unit("20194").named.unit_id == fast
    assert (app.recorder.max_notification_id() or 0) - written == 3
    assert isinstance(slow, AlreadyExists), repr(slow)
    assert slow.reason == "ADMINISTRATIVE_CODE_IN_USE"


def test_a_retry_arriving_while_the_first_attempt_is_in_flight_gets_the_first_answer(
        open_app: Callable[..., IdentityApplication]) -> None:
    app = open_app(PausedSave)
    province = app.register_unit(NewUnitSpec("Tỉnh Quảng Nam", "province",
                                             administrative_unit_code="49"))
    spec = NewUnitSpec("Xã Tam Xuân", "commune", administrative_unit_code="20194",
                       parent_id=str(province))

    def attempt() -> UUID:
        return app.register_unit(spec, request_id="same-request")

    written = app.recorder.max_notification_id() or 0
    retry, first = interleave(app, attempt, attempt)

    assert (app.recorder.max_notification_id() or 0) - written == 3
    assert retry == first
