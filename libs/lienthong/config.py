"""Settings from the environment (``LIENTHONG_*``), one object per process."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """What every service reads from its environment.

    ``event_store`` names the persistence of the service's event stream:
    ``memory:`` (tests), ``sqlite:///path/to/file.db`` (the embedded default
    of ``lienthong up``) or ``postgresql://user@host:port/dbname`` (a cluster;
    each service keeps its tables in a schema named after it).
    """

    model_config = SettingsConfigDict(env_prefix="LIENTHONG_", extra="ignore")

    service: str = "identity"
    listen: str = Field(default="127.0.0.1:50051", description="host:port of the gRPC server")
    event_store: str = "memory:"
    postgres_schema: str = Field(default="", description="defaults to the service name")
    postgres_pool_size: int = 8
    nats_url: str = Field(default="", description="NATS with JetStream; empty: events are "
                                                    "kept in the event store, not published")
    log_level: str = "info"
    log_format: str = Field(default="json", description="json or console")
    grpc_workers: int = Field(default=8, description="threads running the synchronous event store")
    stream_replicas: int | None = Field(
        default=None, description="JetStream replicas of the service's stream (3 in a cluster); "
                                  "unset: 1 for a new stream, an existing one left as it is")
    stream_duplicate_window_s: float = Field(
        default=120.0, description="JetStream de-duplication window of Nats-Msg-Id")
    relay_gap_timeout_s: float = Field(
        default=5.0, description="how long the relay waits at a hole in notification ids")
    shutdown_grace_s: float = 10.0
    metrics_listen: str = Field(
        default="", description="host:port of the Prometheus /metrics endpoint; empty: none")
    audit_signing_key: str = Field(
        default="", description="file holding the Ed25519 private key that signs the "
                                "event log's checkpoints; empty: no checkpoints are taken")
    audit_checkpoint_every_events: int = Field(
        default=1000, description="a checkpoint after at most this many new events")
    audit_checkpoint_every_s: float = Field(
        default=60.0, description="a checkpoint at least this often while events arrive")


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment, with explicit overrides winning."""
    return Settings(**overrides)  # type: ignore[arg-type]
