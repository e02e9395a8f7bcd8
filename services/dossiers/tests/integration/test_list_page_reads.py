"""A page of ListDossiers is read at once: the dossiers in one query, their applicants' keys in
another, however long the page; each reads as GetDossier reads it, an erased applicant as
erased. On SQLite and PostgreSQL."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lienthong.services.dossiers.application import DossiersApplication
from lienthong.services.dossiers.projections import DossierFilter
from lienthong.services.dossiers.tests.conftest import Clock, Desk, applicant

if TYPE_CHECKING:
    from pathlib import Path

PAGE = 40


def counted(obj: Any, *names: str) -> list[str]:
    """Calls of these methods of ``obj`` from now on, by name."""
    calls: list[str] = []
    for name in names:
        method = getattr(obj, name)

        def count(*args: Any, _name: str = name, _method: Any = method, **kwargs: Any) -> Any:
            calls.append(_name)
            return _method(*args, **kwargs)
        setattr(obj, name, count)
    return calls


def test_a_page_of_dossiers_costs_two_reads_whatever_its_length(
        event_store_url: str, pii_master_key_file: Path) -> None:
    clock = Clock()
    app = DossiersApplication(event_store_url, clock=clock,
                              pii_master_key_file=pii_master_key_file)
    desk = Desk(app, clock)
    people = [f"0010900{n:05d}" for n in range(PAGE // 2)]
    ids = [desk.submit(who=applicant(personal_identification_number=pin,
                                     full_name=f"Người {n}"))
           for n, pin in enumerate(people * 2)]  # each person twice
    for dossier_id in ids[::3]:
        desk.command("receive", dossier_id)
    app.erase_personal_data(people[0], reason="the subject's request, ref. 12/2026")
    one_by_one = [(app.get_dossier(i), app.applicant_of(app.get_dossier(i))) for i in ids]

    reads = counted(app.recorder, "select_events")
    key_reads = counted(app.personal_data.store, "get", "get_many")
    dossiers, _, total = app.list_dossiers(DossierFilter(), size=PAGE)
    applicants = app.applicants_of(dossiers)

    assert total == PAGE
    assert [(d.id, d.version, d.status) for d in dossiers] == [
        (d.id, d.version, d.status) for d, _ in one_by_one]
    assert applicants == [a for _, a in one_by_one]
    assert applicants[0].erased and applicants[PAGE // 2].erased
    assert not any(a.erased for a in applicants[1:PAGE // 2])
    assert reads == []  # the page came in one query of its own, not one per dossier
    assert key_reads == ["get_many"]
