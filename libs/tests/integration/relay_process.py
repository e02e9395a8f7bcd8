"""The identity relay as a process of its own, for the crash tests of test_relay.py.

    python relay_process.py EVENT_STORE NATS_URL [--batch-size N] [--once]
                            [--die-after-sending N]

``--die-after-sending N`` sends the relay's N-th message to NATS, flushes it
and then kills the process with SIGKILL: a crash in the middle of a batch,
after the server stored some of its messages and before the relay read any
acknowledgement. Without it, this is ``python -m lienthong.events.relay``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
from typing import Any

from lienthong.events.relay import OutboxRelay, serve
from lienthong.logging import configure_logging
from lienthong.services.identity.application import IdentityApplication
from lienthong.services.identity.events import CONTRACT


class DyingRelay(OutboxRelay):
    """A relay that kills itself with SIGKILL after sending its N-th event."""

    def __init__(self, *args: Any, die_after: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.die_after = die_after
        self.sent = 0

    async def connect(self) -> None:
        fresh = self.nc is None
        await super().connect()
        if not fresh or self.nc is None:
            return
        nc = self.nc
        publish = nc.publish

        async def publish_then_maybe_die(subject: str, payload: bytes = b"", reply: str = "",
                                         headers: dict[str, str] | None = None) -> None:
            await publish(subject, payload, reply=reply, headers=headers)
            if subject.startswith("lienthong."):
                self.sent += 1
                if self.sent == self.die_after:
                    await nc.flush()
                    os.kill(os.getpid(), signal.SIGKILL)

        nc.publish = publish_then_maybe_die  # type: ignore[method-assign]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("event_store")
    parser.add_argument("nats_url")
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--die-after-sending", type=int, default=0)
    parser.add_argument("--once", action="store_true")
    args = parser.parse_args()
    configure_logging("identity")
    app = IdentityApplication(args.event_store, env={"CREATE_TABLE": "n"})
    options: dict[str, Any] = {"batch_size": args.batch_size, "poll_interval_s": 0.05}
    relay = (DyingRelay(app, CONTRACT, args.nats_url, die_after=args.die_after_sending,
                        **options)
             if args.die_after_sending else OutboxRelay(app, CONTRACT, args.nats_url, **options))
    try:
        asyncio.run(serve(relay, once=args.once))
    finally:
        app.close()


if __name__ == "__main__":
    main()
