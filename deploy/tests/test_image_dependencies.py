"""A service's image installs the runtime's requirements and its own
(``services/<name>/requirements.txt``): every package the service's running code imports
must come from those, or from what they depend on. The operators' modules (its command
group, benchmarks, seeds and importers) run from the tools' image and are not counted.
"""

from __future__ import annotations

import ast
import re
import sys
from functools import cache
from importlib import metadata
from pathlib import Path

import pytest

from lienthong import registry

REPO = Path(__file__).resolve().parents[2]
#: What the tools load, never the running service.
OPERATORS = re.compile(r"(^|/)(tests|benchmarks|importer)(/|$)|(^|/)(cli|seeds)\.py$")


def requirements(path: Path) -> list[tuple[str, frozenset[str]]]:
    """Each requirement of a requirements file: its distribution and extras."""
    found = []
    for raw in path.read_text().splitlines() if path.is_file() else []:
        line = raw.split("#", 1)[0].strip()
        if match := re.match(r"([A-Za-z0-9_.-]+)(?:\[([^\]]*)\])?", line):
            extras = frozenset(e.strip() for e in (match.group(2) or "").split(",") if e)
            found.append((match.group(1), extras))
    return found


def _key(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@cache
def _providers() -> dict[str, frozenset[str]]:
    by_distribution: dict[str, set[str]] = {}
    for module, owners in metadata.packages_distributions().items():
        for owner in owners:
            by_distribution.setdefault(_key(owner), set()).add(module)
    return {name: frozenset(modules) for name, modules in by_distribution.items()}


@cache
def top_levels(distribution: str, extras: frozenset[str] = frozenset()) -> frozenset[str]:
    """The import names a distribution (with these extras) and everything it requires
    provide."""
    provided: set[str] = set()
    seen: set[tuple[str, frozenset[str]]] = set()
    pending = [(distribution, extras)]
    while pending:
        name, wanted = pending.pop()
        if (_key(name), wanted) in seen:
            continue
        seen.add((_key(name), wanted))
        try:
            requires = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue
        provided |= _providers().get(_key(name), frozenset())
        for requirement in requires:
            marker = re.search(r"extra\s*==\s*[\"']([^\"']+)[\"']", requirement)
            if marker and marker.group(1) not in wanted:
                continue
            match = re.match(r"([A-Za-z0-9_.-]+)(?:\[([^\]]*)\])?", requirement)
            if match:
                pending.append((match.group(1), frozenset(
                    e.strip() for e in (match.group(2) or "").split(",") if e)))
    return frozenset(provided)


def imported(folder: Path) -> dict[str, str]:
    """Each top-level package the running code under ``folder`` imports, with a file
    that imports it."""
    found: dict[str, str] = {}
    for path in sorted(folder.rglob("*.py")):
        relative = path.relative_to(folder).as_posix()
        if OPERATORS.search(relative):
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                found.setdefault(name.split(".")[0], relative)
    return found


@pytest.mark.parametrize("service", registry.names())
def test_a_service_imports_only_what_its_image_installs(service: str) -> None:
    installed = {"lienthong", *sys.stdlib_module_names}
    for name, extras in [*requirements(REPO / "libs/lienthong/requirements.txt"),
                         *requirements(REPO / "services" / service / "requirements.txt")]:
        installed |= top_levels(name, extras)

    missing = {module: where for module, where in imported(REPO / "services" / service).items()
               if module not in installed}

    assert missing == {}, (f"services/{service} imports what its image does not install "
                           f"(add it to services/{service}/requirements.txt): {missing}")


def test_a_package_left_out_of_the_requirements_is_named(tmp_path: Path) -> None:
    service = tmp_path / "gazette"
    service.mkdir()
    (service / "server.py").write_text("import aiohttp\nfrom lxml import etree\n")
    (service / "benchmarks").mkdir()
    (service / "benchmarks" / "api.py").write_text("import typer\n")

    assert imported(service) == {"aiohttp": "server.py", "lxml": "server.py"}
    assert "aiohttp" in top_levels("aiohttp")
    assert "aiohttp" not in {"lienthong", *sys.stdlib_module_names}
