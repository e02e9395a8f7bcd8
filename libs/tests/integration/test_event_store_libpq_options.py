"""An event-store URL's libpq options reach every connection of a real PostgreSQL store."""

from __future__ import annotations

import psycopg
import pytest

from lienthong.services.identity.application import IdentityApplication

pytestmark = pytest.mark.postgres


def test_the_urls_options_are_on_the_event_stores_connections(postgres_dsn: str) -> None:
    app = IdentityApplication(f"{postgres_dsn}?sslmode=disable"
                              "&application_name=lienthong-identity-options")
    try:
        assert app.recorder.max_notification_id() in (None, 0)  # the pool connects
        with psycopg.connect(postgres_dsn) as conn:
            names = {row[0] for row in conn.execute(
                "SELECT application_name FROM pg_stat_activity WHERE datname = current_database()")}
    finally:
        app.close()

    assert "lienthong-identity-options" in names


def test_a_tls_requirement_the_server_cannot_meet_fails_instead_of_connecting_in_clear(
        postgres_dsn: str) -> None:
    with psycopg.connect(postgres_dsn) as conn:
        if conn.execute("SHOW ssl").fetchone()[0] == "on":
            pytest.skip("this PostgreSQL serves TLS: sslmode=require would be met")

    with pytest.raises(psycopg.OperationalError, match="SSL"):
        IdentityApplication(f"{postgres_dsn}?sslmode=require")
