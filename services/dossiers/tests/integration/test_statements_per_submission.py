"""What a submission asks PostgreSQL, statement by statement: the procedure and both units in
one read, the desk's counter brought up to date, the applicant's key offered and read back in
one statement, the save, and whether the units changed meanwhile. Five in all; a sixth is a
regression to look at."""

from __future__ import annotations

import collections
import uuid
from typing import TYPE_CHECKING, Any

import psycopg
import pytest

from lienthong.services.dossiers.application import DossiersApplication
from lienthong.services.dossiers.tests.conftest import Clock, Desk, applicant

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.postgres


def test_a_submission_costs_five_statements(postgres_dsn: str, pii_master_key_file: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock()
    app = DossiersApplication(postgres_dsn, clock=clock, pii_master_key_file=pii_master_key_file)
    desk = Desk(app, clock)
    desk.submit(request_id=str(uuid.uuid4()))  # the desk's counter is kept from here on
    statements: collections.Counter[str] = collections.Counter()
    #: Where each statement was sent: in a transaction block of its own making (BEGIN and
    #: COMMIT, two more round trips) or alone (IDLE: it commits itself).
    opened_in: dict[str, set[psycopg.pq.TransactionStatus]] = collections.defaultdict(set)
    execute = psycopg.Cursor.execute

    def counted(cursor: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
        text = query.as_string(cursor.connection) if hasattr(query, "as_string") else query
        kind = " ".join(str(text).split()[:2])
        statements[kind] += 1
        opened_in[kind].add(cursor.connection.info.transaction_status)
        return execute(cursor, query, *args, **kwargs)

    monkeypatch.setattr(psycopg.Cursor, "execute", counted)
    for n in range(5):
        desk.submit(request_id=str(uuid.uuid4()),
                    who=applicant(personal_identification_number=f"0010900{n:05d}"))
    monkeypatch.undo()

    assert sum(statements.values()) == 5 * 5, statements
    assert statements["WITH added"] == 5  # the key: one statement for a new person
    assert opened_in["WITH added"] == {psycopg.pq.TransactionStatus.IDLE}  # one round trip

