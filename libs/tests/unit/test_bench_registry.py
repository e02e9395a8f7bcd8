"""``lienthong bench`` offers the scenarios the registered services name, and refuses two
scenarios of one name."""

from __future__ import annotations

import pytest
import typer

from lienthong import registry
from lienthong.registry import RegistryError, ServiceSpec
from lienthong.tools.cli import bench

FIRST = {"load": lambda: None}
SECOND = {"startup": lambda: None}


def spec(name: str, port: int, benchmarks: str) -> ServiceSpec:
    return ServiceSpec(name=name, summary=name, module=name, default_port=port,
                       benchmarks=benchmarks)


def test_every_registered_scenario_is_a_command_and_startup_comes_last() -> None:
    registered = [name for s in registry.services() for name in (s.load("benchmarks") or {})]

    assert bench.scenarios() == [*registered, "startup"]
    assert {"identity", "events", "audit", "dossiers"} <= set(registered)


def test_a_scenario_named_twice_is_refused_naming_both_owners(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry, "services", lambda: (
        spec("first", 1, f"{__name__}:FIRST"), spec("second", 2, f"{__name__}:SECOND")))

    with pytest.raises(RegistryError, match="second and the platform both name a benchmark "
                                            "'startup'"):
        bench.mount_registered(typer.Typer())

    monkeypatch.setattr(registry, "services", lambda: (
        spec("first", 1, f"{__name__}:FIRST"), spec("again", 2, f"{__name__}:FIRST")))
    with pytest.raises(RegistryError, match="again and first both name a benchmark 'load'"):
        bench.mount_registered(typer.Typer())
