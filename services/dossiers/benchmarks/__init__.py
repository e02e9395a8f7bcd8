"""Dossiers' benchmarks, registered in its ServiceSpec (``lienthong bench <scenario>``).

* ``dossiers``: SubmitDossier (scheduled and at most), Receive/Assign through gRPC,
  beside raw PostgreSQL inserts (:mod:`.api`), and SubmitDossier on one replica against
  two on one database (:mod:`.replicas`);
* :func:`.history.batches`: the long log ``lienthong bench startup`` starts from.
"""

from __future__ import annotations

from typing import Annotated

import typer

from lienthong.tools.bench.command import (
    DEFAULT_ADMIN_DSN,
    Connections,
    GrpcWorkers,
    Json,
    Options,
    PayloadBytes,
    PoolSize,
    PostgresDsn,
    Seconds,
    parse_options,
    run,
)


def dossiers(
    as_json: Json = False,
    seconds: Seconds = 10.0,
    rate: Annotated[float, typer.Option(
        "--rate", min=1, help="SubmitDossier calls per second of the scheduled phase.")] = 100.0,
    desks: Annotated[int, typer.Option(
        "--desks", min=1, help="Receiving units the submissions go round-robin to "
        "(each has its own daily counter).")] = 10,
    connections: Connections = 4,
    postgres_dsn: PostgresDsn = DEFAULT_ADMIN_DSN,
    grpc_workers: GrpcWorkers = None,
    pool_size: PoolSize = None,
    payload_bytes: PayloadBytes = 300,
    option: Options = None,
    tls: Annotated[bool, typer.Option(
        "--tls", help="Measure submit (at most) and status change again over mutual TLS "
        "and report the cost beside plaintext (figures under tls).")] = False,
) -> None:
    """SubmitDossier (scheduled and at most), Receive/Assign, beside raw PostgreSQL inserts;
    SubmitDossier on one replica and on two side by side on one database."""
    from .api import DossiersBenchConfig, run_dossiers_bench

    config = DossiersBenchConfig(
        postgres_dsn=postgres_dsn, connections=connections, rate=rate, seconds=seconds,
        desks=desks, grpc_workers=grpc_workers, pool_size=pool_size,
        payload_bytes=payload_bytes, options=parse_options(option), tls=tls)
    run("dossiers", run_dossiers_bench, config, as_json=as_json,
        groups=["submit", "submit_max", "status_change", "raw", "ratios", "replicas", "tls",
                "targets", "machine", "config"])


COMMANDS = {"dossiers": dossiers}
