"""Benchmarks and tests work in throw-away PostgreSQL databases made the same way."""

from __future__ import annotations

import subprocess
import sys

import psycopg
import pytest

from lienthong.pgtemp import admin_dsn
from lienthong.testing.postgres import TemporaryDatabase
from lienthong.tools.bench.common import BenchDatabase, BenchError, require_postgres


def databases() -> set[str]:
    with psycopg.connect(admin_dsn()) as conn:
        return {row[0] for row in conn.execute("SELECT datname FROM pg_database")}


@pytest.mark.postgres
@pytest.mark.usefixtures("postgres_dsn")  # skips (or fails) as every PostgreSQL test does
def test_a_throwaway_database_lives_as_long_as_its_block() -> None:
    with BenchDatabase(admin_dsn(), prefix="lienthong_bench_story") as bench, \
            TemporaryDatabase(prefix="lienthong_test_story") as test:
        assert {bench.name, test.name} <= databases()
        assert bench.name.startswith("lienthong_bench_story_")
        with psycopg.connect(bench.dsn) as conn:
            assert conn.execute("SELECT current_database()").fetchone() == (bench.name,)
    assert not {bench.name, test.name} & databases()


def test_an_unreachable_server_stops_a_benchmark_with_the_reason() -> None:
    with pytest.raises(BenchError, match=r"unreachable at postgresql://lienthong:\*\*\*@"):
        require_postgres("postgresql://lienthong:mat-khau@127.0.0.1:1/postgres", timeout=1)


def test_the_shipped_benchmarks_import_no_test_helper() -> None:
    """The harness, and every module of every registered service's benchmarks."""
    check = ("import importlib, pkgutil, sys\n"
             "import lienthong.tools.bench.common, lienthong.tools.bench.startup\n"
             "from lienthong import registry\n"
             "for spec in registry.services():\n"
             "    package = importlib.import_module(spec.benchmarks.partition(':')[0])\n"
             "    for found in pkgutil.walk_packages(package.__path__, package.__name__ + '.'):\n"
             "        importlib.import_module(found.name)\n"
             "print(sorted(m for m in sys.modules if m.startswith('lienthong.testing')))\n")

    imported = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True,
                              check=True, timeout=60)

    assert imported.stdout.strip() == "[]"
