"""How the identity service builds its application (its ServiceSpec names `build_app`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .application import IdentityApplication

if TYPE_CHECKING:
    from lienthong.config import Settings


def build_app(settings: Settings) -> IdentityApplication:
    return IdentityApplication(settings.event_store, pool_size=settings.postgres_pool_size,
                               schema=settings.postgres_schema)
