"""How the signatures service builds its application and its consumers (named by its
ServiceSpec).

Its own settings: the PKCS#11 token (``LIENTHONG_PKCS11_MODULE``, ``_TOKEN``,
``_PIN_FILE``), or for development a SoftHSM2 token it makes in
``LIENTHONG_SIGNATURES_TOKEN_DIR`` (by default ``$LIENTHONG_DATA_DIR/token``, else beside
a SQLite event store); and ``LIENTHONG_HTTP_PUBLIC_URL``, the address where relying
parties reach its HTTP face (CRLs, OCSP, time stamps, the CSC API), written into the
certificates (by default ``http://`` and ``LIENTHONG_HTTP_LISTEN``).
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from lienthong import heap
from lienthong.pkcs11 import TokenConfig

from .application import AUTHORITY_KEY_TYPE, DEFAULT_BASE_URL, SignaturesApplication
from .consumers import DURABLE, IDENTITY_STREAM, IdentityConsumer, handlers
from .keystore import MemoryKeyStore, TokenKeyStore, development_token

if TYPE_CHECKING:
    from collections.abc import Mapping

    from lienthong.config import Settings
    from lienthong.events.consumer import ConsumerRunner

    from .keystore import KeyStore


AUTHORITY_KEY_TYPES = ("rsa-3072", "rsa-2048", "ec-p256")


class SettingsError(RuntimeError):
    """The service's own settings name no usable token."""


def token_directory(event_store: str, environ: dict[str, str]) -> Path:
    if configured := environ.get("LIENTHONG_SIGNATURES_TOKEN_DIR"):
        return Path(configured)
    if data := environ.get("LIENTHONG_DATA_DIR"):
        return Path(data) / "token"
    parts = urlsplit(event_store)
    path = unquote(parts.path[1:] if parts.path.startswith("/") else parts.path)
    if parts.scheme == "sqlite" and path and path != ":memory:":
        database = Path(path)
        return database.with_name(f"{database.stem}-token")
    msg = ("no PKCS#11 token: set LIENTHONG_PKCS11_MODULE, LIENTHONG_PKCS11_TOKEN and "
           "LIENTHONG_PKCS11_PIN_FILE (an HSM), or LIENTHONG_SIGNATURES_TOKEN_DIR (a SoftHSM2 "
           "token for development, kept in that folder)")
    raise SettingsError(msg)


def key_store_for(event_store: str, environ: dict[str, str] | None = None) -> KeyStore:
    """The token of the settings; with an event store in memory (tests), keys in memory
    too: nothing of either outlives the process."""
    env = dict(os.environ if environ is None else environ)
    if env.get("LIENTHONG_PKCS11_MODULE"):
        return TokenKeyStore(TokenConfig.from_env(environ=env))
    if event_store.startswith("memory:") and not (env.get("LIENTHONG_SIGNATURES_TOKEN_DIR")
                                                  or env.get("LIENTHONG_DATA_DIR")):
        return MemoryKeyStore()
    return TokenKeyStore(development_token(token_directory(event_store, env)))


def public_url(environ: Mapping[str, str]) -> str:
    if url := environ.get("LIENTHONG_HTTP_PUBLIC_URL"):
        return url
    listen = environ.get("LIENTHONG_HTTP_LISTEN", "")
    host, _, port = listen.rpartition(":")
    if not port:
        return DEFAULT_BASE_URL
    return f"http://{'127.0.0.1' if host in ('', '0.0.0.0', '::') else host}:{port}"


def authority_key_type(environ: Mapping[str, str]) -> str:
    """The authorities' key type at their establishment: ``LIENTHONG_SIGNATURES_AUTHORITY_KEY``;
    by default RSA 3072 in an HSM, and ECDSA P-256 in a development token (made in a
    fraction of the time: a local platform starts in seconds)."""
    if chosen := environ.get("LIENTHONG_SIGNATURES_AUTHORITY_KEY"):
        if chosen not in AUTHORITY_KEY_TYPES:
            msg = (f"LIENTHONG_SIGNATURES_AUTHORITY_KEY={chosen}: one of "
                   f"{', '.join(AUTHORITY_KEY_TYPES)}")
            raise SettingsError(msg)
        return chosen
    return AUTHORITY_KEY_TYPE if environ.get("LIENTHONG_PKCS11_MODULE") else "ec-p256"


def build_app(settings: Settings) -> SignaturesApplication:
    app = SignaturesApplication(
        settings.event_store, pool_size=settings.postgres_pool_size,
        schema=settings.postgres_schema, key_store=key_store_for(settings.event_store),
        base_url=public_url(os.environ), authority_key_type=authority_key_type(os.environ),
        pii_master_key_file=settings.pii_master_key_file)
    app.authority()  # established (or loaded) before the first call
    return app


def consumers(app: SignaturesApplication, settings: Settings) -> list[ConsumerRunner]:
    """Units and their reorganisation, from identity's stream."""
    return [IdentityConsumer(app, nats_url=settings.nats_url, stream=IDENTITY_STREAM,
                             durable=DURABLE, handlers=handlers,
                             stream_replicas=settings.stream_replicas)]


class ValidationPreload:
    """Imports the document formats and their validation (:func:`.api.documents`) in a thread
    once the service is up: neither its start nor its first validation waits for them.
    What they load is then set aside from the cycle collector (:func:`lienthong.heap.settle`),
    as the rest of the service was at its start."""

    name = "validation-preload"

    async def run(self, stop: asyncio.Event) -> None:
        from .api import documents

        def preload() -> None:
            documents()
            heap.settle()

        await asyncio.to_thread(preload)
        await stop.wait()


def background(app: SignaturesApplication, settings: Settings) -> list[Any]:
    """The HTTP face (:mod:`.http`), and the validation's modules loaded beside the calls."""
    from .http import background as http_face

    return [*http_face(app, settings), ValidationPreload()]
