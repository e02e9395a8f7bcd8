"""Settings from the environment (``LIENTHONG_*``), one object per process.

A process knows which service it is from how it was started (its entry point
names it); the environment does not choose it.
"""

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

    service: str = Field(description="the service this process is, named by its entry point")
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
                                "event log's checkpoints; empty (and no "
                                "audit_signing_key_pkcs11_label): no checkpoints are taken")
    audit_signing_key_pkcs11_label: str = Field(
        default="", description="instead of audit_signing_key: the label of the Ed25519 key "
        "in the PKCS#11 token of LIENTHONG_PKCS11_MODULE, LIENTHONG_PKCS11_TOKEN and "
        "LIENTHONG_PKCS11_PIN_FILE (lienthong.pkcs11) that signs the checkpoints")
    audit_checkpoint_every_events: int = Field(
        default=1000, description="a checkpoint after at most this many new events")
    audit_checkpoint_every_s: float = Field(
        default=60.0, description="a checkpoint at least this often while events arrive")
    rate_limit_per_s: float = Field(
        default=500.0, ge=0, description="calls a second each caller may make; 0: no limit")
    rate_limit_burst: int = Field(
        default=1000, ge=1, description="calls a caller may make at once, above its rate")
    tls_cert: str = Field(default="", description="the server's certificate (PEM); with "
                          "tls_key and tls_ca: mutual TLS only. Empty: plaintext")
    tls_key: str = Field(default="", description="the server certificate's private key (PEM)")
    tls_ca: str = Field(default="", description="the CA bundle client certificates must "
                        "chain to (PEM)")
    tls_crl: str = Field(default="", description="the CA's revocation list (PEM); read "
                         "again when it changes")
    nats_tls_cert: str = Field(default="", description="the certificate the service "
                               "connects to NATS with (PEM); with nats_tls_key and "
                               "nats_tls_ca: mutual TLS. Empty: tls_cert, tls_key and tls_ca; "
                               "empty too: plaintext")
    nats_tls_key: str = Field(default="", description="its private key (PEM)")
    nats_tls_ca: str = Field(default="", description="the CA bundle the NATS server's "
                             "certificate must chain to (PEM)")
    policy_file: str = Field(default="", description="the access policy (YAML, see "
                             "lienthong.policy); needs TLS. Empty: every caller may call "
                             "every RPC")
    pii_master_key_file: str = Field(
        default="", description="the master key wrapping the keys of personal data "
        "(lienthong.personal): 32 random bytes, raw or base64. Empty: generated in memory "
        "for memory:, beside the file for SQLite; required for PostgreSQL")
    health_listen: str = Field(default="", description="host:port of a plaintext port "
                               "answering grpc.health.v1 only (probes without a client "
                               "certificate); empty: none")


class _Declared(BaseSettings):
    """What the environment says the service is (read exactly as Settings reads it)."""

    model_config = SettingsConfigDict(env_prefix="LIENTHONG_", extra="ignore")

    service: str = ""


class ServiceMismatchError(ValueError):
    """LIENTHONG_SERVICE names another service than the one the process was started as."""


def load_settings(service: str, **overrides: object) -> Settings:
    """The settings of ``service`` from the environment, explicit overrides winning.

    ``LIENTHONG_SERVICE`` may be set (the chart and images set it), but only to
    the same name: a process started as one service and configured as another
    is refused rather than run under the wrong name.
    """
    if not service:
        msg = "a process must be started as a named service"
        raise ServiceMismatchError(msg)
    declared = _Declared().service
    if declared and declared != service:
        msg = (f"this process is the {service} service, but LIENTHONG_SERVICE={declared}: "
               f"unset it or set it to {service}")
        raise ServiceMismatchError(msg)
    return Settings(service=service, **overrides)  # type: ignore[arg-type]
