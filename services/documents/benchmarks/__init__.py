"""The documents service's benchmarks, registered in its ServiceSpec (``lienthong bench
<scenario>``).

* ``documents``: file uploads through FileService beside a raw Object Store put of the
  same bytes, the service's peak memory through a 1 GiB upload, and the latency of
  issuing and sending a document with its signatures validated by the signatures
  service (:mod:`.api`).
"""

from __future__ import annotations

from typing import Annotated

import typer

from lienthong.tools.bench.command import (
    DEFAULT_ADMIN_DSN,
    Connections,
    Json,
    PostgresDsn,
    run,
)


def documents(
    as_json: Json = False,
    upload_mb: Annotated[int, typer.Option(
        "--upload-mb", min=1, max=4096, help="MiB of each measured upload, through "
        "FileService and through a raw Object Store put in turns.")] = 128,
    rounds: Annotated[int, typer.Option(
        "--rounds", min=1, help="Uploads of each side, taking turns.")] = 4,
    memory_mb: Annotated[int, typer.Option(
        "--memory-mb", min=1, max=8192, help="MiB of the upload through which the "
        "service's peak memory is read.")] = 1024,
    documents_count: Annotated[int, typer.Option(
        "--documents", min=1, help="Documents drafted, signed, issued and sent.")] = 120,
    connections: Connections = 4,
    postgres_dsn: PostgresDsn = DEFAULT_ADMIN_DSN,
) -> None:
    """Uploads beside a raw Object Store put; peak memory of a large upload; issue and send."""
    from .api import DocumentsBenchConfig, run_documents_bench

    config = DocumentsBenchConfig(postgres_dsn=postgres_dsn, upload_mb=upload_mb,
                                  rounds=rounds, memory_mb=memory_mb,
                                  documents=documents_count, connections=connections)
    run("documents", run_documents_bench, config, as_json=as_json,
        groups=["upload", "raw_put", "ratios", "memory", "issue_and_send", "steps",
                "targets", "setup", "machine", "config"])


COMMANDS = {"documents": documents}
