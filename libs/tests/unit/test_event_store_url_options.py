"""The libpq options of a PostgreSQL event-store URL: carried to the connections, or refused.

eventsourcing has no TLS settings of its own, so ``?sslmode=verify-full&sslrootcert=...``
must reach libpq through our factory; an option we cannot pass is a startup error,
never a silently weaker connection.
"""

from __future__ import annotations

import pytest

from lienthong.eventstore import persistence_env
from lienthong.pgoptions import FACTORY_TOPIC, connect_kwargs


def test_tls_options_of_the_url_reach_the_connection_settings() -> None:
    env = persistence_env(
        "postgresql://lt:secret@db.internal:5432/lienthong?sslmode=verify-full"
        "&sslrootcert=/etc/lienthong/pg-ca/ca.crt&application_name=lienthong-identity",
        schema="identity")

    assert env["PERSISTENCE_MODULE"] == FACTORY_TOPIC
    assert env["POSTGRES_SSLMODE"] == "verify-full"
    assert env["POSTGRES_SSLROOTCERT"] == "/etc/lienthong/pg-ca/ca.crt"
    assert connect_kwargs(env) == {"sslmode": "verify-full",
                                   "sslrootcert": "/etc/lienthong/pg-ca/ca.crt",
                                   "application_name": "lienthong-identity"}
    # The rest of the URL is read as before.
    assert (env["POSTGRES_HOST"], env["POSTGRES_DBNAME"]) == ("db.internal", "lienthong")
    assert env["POSTGRES_SCHEMA"] == "identity"


def test_a_url_without_libpq_options_passes_none() -> None:
    env = persistence_env("postgresql://lt@db/lienthong?schema=audit", schema="identity")

    assert env["PERSISTENCE_MODULE"] == FACTORY_TOPIC
    assert env["POSTGRES_SCHEMA"] == "audit"
    assert connect_kwargs(env) == {}
    # An empty schema= is the service's own schema, not PostgreSQL's public one.
    assert persistence_env("postgresql://lt@db/lt?schema=", schema="identity")[
        "POSTGRES_SCHEMA"] == "identity"


@pytest.mark.parametrize("query", ["sslmode=verify-full&sslcompression=1", "options=-csearch_path",
                                   "connect_timeout=3"])
def test_an_option_that_cannot_be_passed_on_is_refused_by_name(query: str) -> None:
    unknown = query.split("&")[-1].split("=")[0]

    with pytest.raises(ValueError, match=rf"unsupported option\(s\) {unknown} .*supported: "
                                         r"schema, sslmode, sslrootcert"):
        persistence_env(f"postgresql://lt@db/lienthong?{query}", schema="identity")


def test_a_misspelt_sslmode_is_refused_rather_than_left_to_libpq() -> None:
    with pytest.raises(ValueError, match=r"sslmode='verify_full' .* verify-full"):
        persistence_env("postgresql://lt@db/lienthong?sslmode=verify_full", schema="identity")
