"""The signatures service's benchmarks, registered in its ServiceSpec (``lienthong bench
<scenario>``).

* ``signatures``: SignHash through gRPC beside raw PKCS#11 signing with keys of the same
  type in a token of the same library, and the latency of a PAdES B-LT signature of a
  large PDF through SignPdf (:mod:`.api`).
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
    PoolSize,
    PostgresDsn,
    err_console,
    parse_options,
    run,
)

#: The key types a credential may have (the service's own list).
KEY_ALGORITHMS = ("rsa-2048", "rsa-3072", "ec-p256")


def signatures(
    as_json: Json = False,
    calls: Annotated[int, typer.Option(
        "--calls", min=1, help="Measured SignHash calls: one credential each (issued, its "
        "authenticator enrolled and confirmed, one hash authorized with a one-time code "
        "before its round).")] = 400,
    connections: Connections = 4,
    key_algorithm: Annotated[str, typer.Option(
        "--key-algorithm", help=f"The credentials' key type, and the raw baseline's: "
        f"{', '.join(KEY_ALGORITHMS)}.")] = "rsa-2048",
    rounds: Annotated[int, typer.Option(
        "--rounds", min=1, help="SignHash and the raw baseline take turns in this many "
        "rounds each (fewer when --calls is too small to give each connection a call "
        "per round).")] = 6,
    pdf_samples: Annotated[int, typer.Option(
        "--pdf-samples", min=1, help="Measured SignPdf calls (PAdES B-LT), one after the "
        "other, after one unmeasured.")] = 5,
    pdf_mb: Annotated[float, typer.Option(
        "--pdf-mb", min=0.1, max=39.0, help="Size of the signed PDF, MiB (the service signs "
        "documents up to 40 MiB).")] = 10.0,
    validations: Annotated[int, typer.Option(
        "--validations", min=1, max=10_000, help="Measured ValidateSignature calls of a "
        "one-page PDF signed twice at B-T, one at a time after one unmeasured (and as many "
        "validations of it by pyHanko alone, the baseline).")] = 30,
    postgres_dsn: PostgresDsn = DEFAULT_ADMIN_DSN,
    grpc_workers: GrpcWorkers = None,
    pool_size: PoolSize = None,
    option: Options = None,
) -> None:
    """SignHash through gRPC beside raw PKCS#11 signing; PAdES B-LT on a large PDF;
    ValidateSignature of a twice-signed B-T PDF beside pyHanko validating it alone."""
    from .api import SignaturesBenchConfig, run_signatures_bench

    if key_algorithm not in KEY_ALGORITHMS:
        err_console.print(f"[red]--key-algorithm {key_algorithm!r}: expected one of "
                          f"{', '.join(KEY_ALGORITHMS)}[/]")
        raise typer.Exit(2)
    config = SignaturesBenchConfig(
        postgres_dsn=postgres_dsn, connections=connections, calls=calls,
        key_algorithm=key_algorithm, rounds=rounds, pdf_samples=pdf_samples, pdf_mb=pdf_mb,
        validations=validations, grpc_workers=grpc_workers, pool_size=pool_size,
        options=parse_options(option))
    run("signatures", run_signatures_bench, config, as_json=as_json,
        groups=["sign_hash", "raw", "ratios", "targets", "authorize", "pades_blt_10mb",
                "validate_pades_bt", "raw_validation", "setup", "machine", "config"])


COMMANDS = {"signatures": signatures}
