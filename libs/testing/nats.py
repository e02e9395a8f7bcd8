"""A real nats-server with JetStream on a free port, that tests can kill and restart.

The class lives in the runtime (benchmarks start one too); tests import it from here.
"""

from __future__ import annotations

from lienthong.natsbin import NatsServer

__all__ = ["NatsServer"]
