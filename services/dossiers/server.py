"""How the dossiers service builds its application and its consumers (named by its ServiceSpec)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from .application import DossiersApplication
from .consumers import DURABLE, IDENTITY_STREAM, IdentityConsumer, handlers
from .domain.calendar import WorkingCalendar
from .portal import PortalConfig, portal_sync_runner

if TYPE_CHECKING:
    from lienthong.config import Settings
    from lienthong.events.consumer import ConsumerRunner


def build_app(settings: Settings) -> DossiersApplication:
    calendar = WorkingCalendar.from_settings(os.environ.get("LIENTHONG_DAYS_OFF_FILE") or None)
    return DossiersApplication(settings.event_store, pool_size=settings.postgres_pool_size,
                               schema=settings.postgres_schema,
                               calendar=calendar,
                               pii_master_key_file=settings.pii_master_key_file)


def identity_consumer(app: DossiersApplication, settings: Settings) -> list[ConsumerRunner]:
    """Units and their reorganisation, from identity's stream."""
    return [IdentityConsumer(app, nats_url=settings.nats_url, stream=IDENTITY_STREAM,
                             durable=DURABLE, handlers=handlers,
                             stream_replicas=settings.stream_replicas)]


def consumers(app: DossiersApplication, settings: Settings) -> list[ConsumerRunner]:
    """Identity's events, and the national portal's synchronisation when configured
    (``LIENTHONG_PORTAL_URL``; it follows this service's own stream)."""
    runners = identity_consumer(app, settings)
    portal = PortalConfig.from_env()
    if portal is not None:
        schema = settings.postgres_schema or app.service_name
        runners.append(portal_sync_runner(app, nats_url=settings.nats_url, config=portal,
                                          dossiers_event_store=settings.event_store,
                                          schema=f"{schema}_portal",
                                          stream_replicas=settings.stream_replicas))
    return runners
