"""What identity records reaches NATS as CloudEvents, for every other system to follow."""

from __future__ import annotations

import json
import time
import uuid

import pytest

from lienthong.identity.v1 import identity_pb2 as pb

pytestmark = pytest.mark.e2e
TIMEOUT = 10.0


def test_a_registration_is_published_as_a_cloud_event(platform, identity):
    agency = identity.RegisterUnit(pb.RegisterUnitRequest(
        request_id=f"e2e-events-{uuid.uuid4()}", display_name="Sở Thử Nghiệm",
        kind=pb.UNIT_KIND_AGENCY, reason="e2e: the event backbone"), timeout=TIMEOUT)

    result = platform.cli("events", "tail", "--service", "identity", "--from-start",
                          "--aggregate", agency.unit_id, "--limit", "1", "--json",
                          timeout=60)

    assert result.returncode == 0, result.stderr
    event = json.loads(result.stdout.splitlines()[0])
    assert event["type"] == "vn.lienthong.identity.v1.UnitRegistered"
    assert event["subject"] == "lienthong.identity.unit.registered"
    assert event["aggregate"] == agency.unit_id
    assert event["id"] == f"identity-{event['notification_id']}"
    assert event["traceparent"]


@pytest.mark.local_only("`events lag` reads the event stores in the local platform's data folder")
def test_an_operator_sees_the_relay_caught_up(platform, identity):
    identity.RegisterUnit(pb.RegisterUnitRequest(
        request_id=f"e2e-lag-{uuid.uuid4()}", display_name="Sở Đo Độ Trễ",
        kind=pb.UNIT_KIND_AGENCY), timeout=TIMEOUT)

    def lag():
        result = platform.cli("events", "lag", "--data-dir", str(platform.data_dir), "--json",
                              timeout=60)
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    def identity_relay(report):
        return next(r for r in report["relays"] if r["service"] == "identity")

    report = lag()
    for _ in range(50):  # the relay is woken by each commit; allow it a few rounds
        if identity_relay(report)["behind"] == 0:
            break
        time.sleep(0.2)
        report = lag()
    relay = identity_relay(report)
    assert relay["behind"] == 0
    assert relay["last_published"] <= relay["last_recorded"]
    assert relay["stream_messages"] >= 1
    # Dossiers follows identity's stream: its durable consumer is listed with its counts.
    [dossiers] = [c for c in report["consumers"] if c["consumer"] == "dossiers-identity"]
    assert dossiers["stream"] == "LIENTHONG_IDENTITY"
    assert dossiers["pending"] >= 0 and dossiers["redelivered"] >= 0
    assert dossiers["delivered_stream_seq"] >= 1


def test_no_dead_letters_on_a_healthy_platform(platform):
    result = platform.cli("events", "dlq", "list", "--json", timeout=60)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []


def test_tail_follows_every_service_stream_and_filters_by_type(platform, identity):
    agency = identity.RegisterUnit(pb.RegisterUnitRequest(
        request_id=f"e2e-tail-{uuid.uuid4()}", display_name="Sở Theo Dõi",
        kind=pb.UNIT_KIND_AGENCY), timeout=TIMEOUT)
    identity.RenameUnit(pb.RenameUnitRequest(
        request_id=f"e2e-tail-{uuid.uuid4()}", unit_id=agency.unit_id,
        display_name="Sở Theo Dõi Sự Kiện"), timeout=TIMEOUT)

    # No --service: every service's stream; --type skips the registration before it.
    result = platform.cli("events", "tail", "--from-start", "--aggregate", agency.unit_id,
                          "--type", "UnitRenamed", "--limit", "1", "--json", timeout=60)

    assert result.returncode == 0, result.stderr
    event = json.loads(result.stdout.splitlines()[0])
    assert (event["aggregate"], event["type"]) == (
        agency.unit_id, "vn.lienthong.identity.v1.UnitRenamed")
