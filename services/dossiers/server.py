"""Entry point of the dossiers service (``python -m lienthong.services.dossiers``)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from lienthong.events.consumer import ConsumerRunner
from lienthong.service import run_service

from .api import add_to_server
from .application import DossiersApplication
from .consumers import DURABLE, IDENTITY_STREAM, handlers
from .domain.calendar import WorkingCalendar

if TYPE_CHECKING:
    from lienthong.config import Settings


def build_app(settings: Settings) -> DossiersApplication:
    calendar = WorkingCalendar.from_settings(os.environ.get("LIENTHONG_DAYS_OFF_FILE") or None)
    return DossiersApplication(settings.event_store, pool_size=settings.postgres_pool_size,
                               schema=settings.postgres_schema or "dossiers",
                               calendar=calendar)


def identity_consumer(app: DossiersApplication, settings: Settings) -> list[ConsumerRunner]:
    """Units and their reorganisation, from identity's stream."""
    return [ConsumerRunner(app, nats_url=settings.nats_url, stream=IDENTITY_STREAM,
                           durable=DURABLE, handlers=handlers)]


def main() -> None:
    run_service(build_app, add_to_server, consumers=identity_consumer)


if __name__ == "__main__":
    main()
