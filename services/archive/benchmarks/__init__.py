"""The archive service's benchmarks, registered in its ServiceSpec (``lienthong bench
<scenario>``).

* ``archive``: scanned pages a second through upload, capture and quality control, and
  the fixity check's hashing of stored packages beside ``sha256sum`` of the same files
  (:mod:`.api`, :mod:`.fixity`).
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


def archive(
    as_json: Json = False,
    pages: Annotated[int, typer.Option(
        "--pages", min=1, max=5000, help="Scanned pages (300-dpi A4 colour JPEG) uploaded "
        "and captured, one record's.")] = 200,
    connections: Connections = 4,
    fixity_mb: Annotated[int, typer.Option(
        "--fixity-mb", min=1, max=4096, help="MiB of random payload in each archival "
        "package hashed by the fixity check and by sha256sum.")] = 256,
    fixity_files: Annotated[int, typer.Option(
        "--fixity-files", min=1, max=64, help="Archival packages hashed each round.")] = 4,
    rounds: Annotated[int, typer.Option(
        "--rounds", min=1, help="Rounds of each hashing side, taking turns.")] = 4,
    postgres_dsn: PostgresDsn = DEFAULT_ADMIN_DSN,
) -> None:
    """Pages through capture and quality control; fixity hashing beside sha256sum."""
    from .api import ArchiveBenchConfig, run_archive_bench

    config = ArchiveBenchConfig(postgres_dsn=postgres_dsn, pages=pages,
                                connections=connections, fixity_mb=fixity_mb,
                                fixity_files=fixity_files, rounds=rounds)
    run("archive", run_archive_bench, config, as_json=as_json,
        groups=["capture", "fixity", "raw", "ratios", "targets", "setup", "machine",
                "config"])


COMMANDS = {"archive": archive}
