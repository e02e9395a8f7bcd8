"""An SRE asks how far identity's relay is behind, naming its PostgreSQL event store."""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING

import pytest
from typer.testing import CliRunner

from lienthong.events.relay import OutboxRelay
from lienthong.eventstore import open_recorder
from lienthong.services.identity.application import IdentityApplication, NewUnitSpec
from lienthong.services.identity.events import CONTRACT
from lienthong.tools.cli.main import app as cli

if TYPE_CHECKING:
    from pathlib import Path

    from lienthong.testing.nats import NatsServer

pytestmark = pytest.mark.postgres


def register(app: IdentityApplication, codes: list[str]) -> None:
    for code in codes:
        app.register_unit(NewUnitSpec(f"Tỉnh {code}", "province", administrative_unit_code=code),
                          request_id=f"lag-{code}")


async def relay_once(app: IdentityApplication, nats_url: str) -> None:
    relay = OutboxRelay(app, CONTRACT, nats_url)
    try:
        await relay.publish_pending()
    finally:
        await relay.close()


def test_lag_reads_the_service_tables_of_a_postgres_event_store(
        postgres_dsn: str, nats_server: NatsServer, tmp_path: Path) -> None:
    app = IdentityApplication(postgres_dsn)
    try:
        register(app, ["11", "12", "14"])
        asyncio.run(relay_once(app, nats_server.url))
        published = app.recorder.max_notification_id()
        register(app, ["15", "17"])  # recorded, not yet published
        recorded = app.recorder.max_notification_id()
    finally:
        app.close()

    result = CliRunner().invoke(cli, [
        "events", "lag", "--event-store", f"identity={postgres_dsn}",
        "--nats-url", nats_server.url, "--data-dir", str(tmp_path), "--json"])

    assert result.exit_code == 0, result.output
    [identity] = [r for r in json.loads(result.stdout)["relays"] if r["service"] == "identity"]
    assert identity["last_recorded"] == recorded
    # Two units registered after the relay ran: each is published as the unit and its
    # administrative code (its request record stays in the store).
    assert identity["behind"] == 4
    assert identity["last_published"] <= published


def test_a_tool_reads_the_tables_the_service_writes(postgres_dsn: str) -> None:
    app = IdentityApplication(postgres_dsn)
    try:
        register(app, ["20"])
        written = app.recorder.max_notification_id()
        tables = app.recorder.events_table_name
    finally:
        app.close()

    with open_recorder("identity", postgres_dsn) as recorder:
        assert recorder.events_table_name == tables == "identityapplication_events"
        assert recorder.max_notification_id() == written
