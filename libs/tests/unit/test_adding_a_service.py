"""docs/architecture.md's "Adding a service", checked for every registered service."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
import yaml

from lienthong import registry
from lienthong.events.contract import Contract
from lienthong.registry import BenchHistory, ServiceSpec, SmokeRead

ROOT = Path(__file__).parents[3]
SPECS = [pytest.param(spec, id=spec.name) for spec in registry.services()]


@pytest.mark.parametrize("spec", SPECS)
def test_its_contract_is_in_protos(spec: ServiceSpec) -> None:
    folder = ROOT / "protos" / "lienthong" / spec.name / "v1"
    assert (folder / "events.proto").is_file(), f"{folder}/events.proto: its published events"
    assert (folder / f"{spec.name}.proto").is_file(), f"{folder}/{spec.name}.proto: its API"


@pytest.mark.parametrize("spec", SPECS)
def test_its_folder_has_what_a_service_has(spec: ServiceSpec) -> None:
    folder = ROOT / "services" / spec.name
    for part in ("__init__.py", "__main__.py", "spec.py", "domain", "application.py", "api.py",
                 "events.py", "server.py", "tests/unit", "tests/integration"):
        assert (folder / part).exists(), f"services/{spec.name}/{part}"
    assert importlib.util.find_spec(spec.module) is not None, spec.module


@pytest.mark.parametrize("spec", SPECS)
def test_what_its_spec_names_exists(spec: ServiceSpec) -> None:
    assert callable(spec.load("build_app"))
    assert callable(spec.load("add_to_server"))
    contract = spec.load("contract")
    assert isinstance(contract, Contract)
    assert contract.service == spec.name
    assert all(isinstance(read, SmokeRead) for read in spec.load("smoke_reads") or ())
    if spec.consumers:
        assert callable(spec.load("consumers"))
    if spec.cli:
        assert spec.load("cli") is not None
    assert all(callable(command) for command in (spec.load("benchmarks") or {}).values())
    if spec.bench_history:
        assert isinstance(spec.load("bench_history"), BenchHistory)
    known = {s.name for s in registry.services()}
    assert {owner for owner, _, _ in spec.refers_to} <= known - {spec.name}


@pytest.mark.parametrize("spec", SPECS)
def test_it_is_documented(spec: ServiceSpec) -> None:
    assert (ROOT / "docs" / f"{spec.name}.md").is_file(), f"docs/{spec.name}.md"


@pytest.mark.parametrize("spec", SPECS)
def test_the_chart_has_its_entry(spec: ServiceSpec) -> None:
    values = yaml.safe_load((ROOT / "deploy/helm/lienthong/values.yaml").read_text())
    assert spec.name in values["services"], f"values.yaml services.{spec.name}"
