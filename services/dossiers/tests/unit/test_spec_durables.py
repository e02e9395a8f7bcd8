"""The durable consumers the dossiers service declares are the ones it runs: NATS allows
each service exactly its declared consumers (lienthong.natsauth)."""

from __future__ import annotations

from lienthong.natsauth import service_permissions
from lienthong.services.dossiers import consumers, portal
from lienthong.services.dossiers.spec import SERVICE


def test_every_consumer_the_service_runs_is_declared_and_allowed() -> None:
    declared = dict((durable, stream) for stream, durable in SERVICE.consumer_durables())

    assert declared == {consumers.DURABLE: "identity", portal.DURABLE: "dossiers"}
    allowed = service_permissions(SERVICE).publish
    assert f"$JS.API.CONSUMER.MSG.NEXT.{portal.STREAM}.{portal.DURABLE}" in allowed
