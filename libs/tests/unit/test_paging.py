"""Page sizes and page tokens (AIP-158), request validation, and event-store URLs."""

from __future__ import annotations

import base64
import json
import uuid

import pytest

from lienthong.errors import InvalidArgument
from lienthong.eventstore import persistence_env
from lienthong.validation import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    Violations,
    decode_page_token,
    encode_page_token,
    page_size,
    parse_uuid,
)


def rules(error: pytest.ExceptionInfo[InvalidArgument]) -> list[tuple[str, str]]:
    return [(v.field, v.rule) for v in error.value.violations]


# -- page size -----------------------------------------------------------------------

@pytest.mark.parametrize(("requested", "granted"), [
    (0, DEFAULT_PAGE_SIZE),
    (1, 1),
    (50, 50),
    (MAX_PAGE_SIZE, MAX_PAGE_SIZE),
    (MAX_PAGE_SIZE + 1, MAX_PAGE_SIZE),
    (2**31 - 1, MAX_PAGE_SIZE),
])
def test_a_page_size_of_zero_means_the_default_and_a_large_one_is_capped(
        requested: int, granted: int) -> None:
    assert (DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE) == (50, 1000)
    assert page_size(requested) == granted


def test_a_negative_page_size_is_refused_naming_the_field() -> None:
    with pytest.raises(InvalidArgument) as error:
        page_size(-1, "search.page_size")

    assert rules(error) == [("search.page_size", "PAGE_SIZE_NEGATIVE")]


# -- page tokens ---------------------------------------------------------------------

def test_a_token_brings_back_its_offset_for_the_same_query() -> None:
    query = {"level": "commune", "parent": "u-1"}

    token = encode_page_token(100, query)

    assert decode_page_token(token, dict(reversed(query.items()))) == 100


def test_a_token_is_opaque_and_url_safe() -> None:
    token = encode_page_token(50, {"q": "hà nội"})

    assert token.isascii()
    assert not set(token) & set("+/= ")
    assert "hà" not in token


def test_no_token_means_the_first_page() -> None:
    assert decode_page_token("", {"anything": 1}) == 0


def test_a_token_from_another_query_is_refused() -> None:
    token = encode_page_token(50, {"level": "commune"})

    with pytest.raises(InvalidArgument) as error:
        decode_page_token(token, {"level": "province"})

    assert rules(error) == [("page_token", "PAGE_TOKEN_MISMATCH")]


@pytest.mark.parametrize("token", [
    "garbage",
    "%%%",
    "ä",
    base64.urlsafe_b64encode(b"[1, 2]").decode(),
    base64.urlsafe_b64encode(b'{"o": "x", "q": "y"}').decode(),
    base64.urlsafe_b64encode(b'{"o": null, "q": "y"}').decode(),
    base64.urlsafe_b64encode(b'{"q": "y"}').decode(),
    base64.urlsafe_b64encode(b"\xff\xfe").decode(),
])
def test_a_token_this_service_never_issued_is_refused(token: str) -> None:
    with pytest.raises(InvalidArgument) as error:
        decode_page_token(token, {}, "list.page_token")

    assert rules(error) == [("list.page_token", "PAGE_TOKEN_INVALID")]


def test_a_forged_token_with_a_negative_offset_is_refused() -> None:
    query = {"level": "commune"}
    honest = json.loads(base64.urlsafe_b64decode(encode_page_token(10, query) + "=="))
    forged = base64.urlsafe_b64encode(
        json.dumps({"o": -5, "q": honest["q"]}).encode()).decode().rstrip("=")

    with pytest.raises(InvalidArgument) as error:
        decode_page_token(forged, query)

    assert error.value.reason.startswith("PAGE_TOKEN_")


# -- collecting violations -----------------------------------------------------------

def test_every_broken_rule_is_reported_together() -> None:
    violations = Violations()

    good = violations.check(lambda: parse_uuid(" 6f1c1c0e-0000-4000-8000-000000000000 ", "a"))
    bad = violations.check(lambda: parse_uuid("nope", "b"))
    violations.add("c", "REQUIRED", "must be given")

    assert good == uuid.UUID("6f1c1c0e-0000-4000-8000-000000000000")
    assert bad is None
    with pytest.raises(InvalidArgument) as error:
        violations.raise_if_any()
    assert rules(error) == [("b", "UUID_FORMAT"), ("c", "REQUIRED")]
    assert error.value.reason == "UUID_FORMAT"


def test_no_violation_raises_nothing() -> None:
    violations = Violations()
    violations.check(lambda: page_size(10))

    violations.raise_if_any()

    assert violations.items == []


# -- event-store URLs ----------------------------------------------------------------

@pytest.mark.parametrize("url", ["memory:", "memory", "popo"])
def test_memory_urls_choose_the_in_process_store(url: str) -> None:
    assert persistence_env(url, schema="identity") == {"PERSISTENCE_MODULE": "eventsourcing.popo"}


@pytest.mark.parametrize(("url", "path"), [
    ("sqlite:////var/lib/lienthong/identity.db", "/var/lib/lienthong/identity.db"),
    ("sqlite:///identity.db", "identity.db"),
    ("sqlite:///data/identity.db", "data/identity.db"),
    ("sqlite:////tmp/d%C6%B0%20li%E1%BB%87u.db", "/tmp/dư liệu.db"),
    ("sqlite://", ":memory:"),
    ("sqlite:///:memory:", ":memory:"),
])
def test_sqlite_urls_are_read_as_sqlalchemy_spells_them(url: str, path: str) -> None:
    env = persistence_env(url, schema="identity")

    assert env["PERSISTENCE_MODULE"] == "eventsourcing.sqlite"
    assert env["SQLITE_DBNAME"] == path
    assert float(env["SQLITE_LOCK_TIMEOUT"]) > 0


def test_a_postgres_url_gives_every_connection_setting() -> None:
    env = persistence_env("postgresql://lt:p%40ss%2Fw@db.internal:6543/lienthong",
                          schema="identity", pool_size=16)

    assert env["PERSISTENCE_MODULE"] == "lienthong.pgoptions:PostgresFactory"
    assert (env["POSTGRES_HOST"], env["POSTGRES_PORT"]) == ("db.internal", "6543")
    assert (env["POSTGRES_USER"], env["POSTGRES_PASSWORD"]) == ("lt", "p@ss/w")
    assert env["POSTGRES_DBNAME"] == "lienthong"
    assert env["POSTGRES_SCHEMA"] == "identity"
    assert env["POSTGRES_POOL_SIZE"] == "16"


def test_a_postgres_url_falls_back_to_local_defaults() -> None:
    env = persistence_env("postgres://", schema="dossiers")

    assert (env["POSTGRES_HOST"], env["POSTGRES_PORT"]) == ("127.0.0.1", "5432")
    assert (env["POSTGRES_USER"], env["POSTGRES_PASSWORD"]) == ("postgres", "")
    assert env["POSTGRES_DBNAME"] == "postgres"
    assert env["POSTGRES_SCHEMA"] == "dossiers"


def test_the_schema_in_the_url_wins_over_the_services_default() -> None:
    env = persistence_env("postgresql://postgres@127.0.0.1/lt?schema=identity_blue",
                          schema="identity")

    assert env["POSTGRES_SCHEMA"] == "identity_blue"


@pytest.mark.parametrize("url", ["mysql://root@localhost/lt", "identity.db", "", "file:///x.db"])
def test_an_unsupported_url_is_refused_with_the_accepted_forms(url: str) -> None:
    with pytest.raises(ValueError, match="unsupported event store URL"):
        persistence_env(url, schema="identity")
