"""Entry point of the identity service (``python -m lienthong.services.identity``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lienthong.service import run_service

from .api import add_to_server
from .application import IdentityApplication
from .events import CONTRACT

if TYPE_CHECKING:
    from lienthong.config import Settings


def build_app(settings: Settings) -> IdentityApplication:
    return IdentityApplication(settings.event_store, pool_size=settings.postgres_pool_size,
                               schema=settings.postgres_schema)


def main() -> None:
    run_service("identity", build_app, add_to_server, contract=CONTRACT)


if __name__ == "__main__":
    main()
