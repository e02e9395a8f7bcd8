"""What identity records reaches NATS as CloudEvents, for every other system to follow."""

from __future__ import annotations

import json
import uuid

import pytest

from lienthong.identity.v1 import identity_pb2 as pb

pytestmark = pytest.mark.e2e


def test_a_registration_is_published_as_a_cloud_event(platform, identity):
    agency = identity.RegisterUnit(pb.RegisterUnitRequest(
        request_id=f"e2e-events-{uuid.uuid4()}", display_name="Sở Thử Nghiệm",
        kind=pb.UNIT_KIND_AGENCY, reason="e2e: the event backbone"))

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
