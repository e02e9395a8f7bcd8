"""The layers hold as import contracts, and a contract that is broken says so."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


def check(site: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "lienthong.devtools.importcheck",
                           "--site", str(site), *extra],
                          capture_output=True, text=True, timeout=300, check=False)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The package as it ships, checked once: every contract is kept."""
    site = tmp_path_factory.mktemp("site")
    done = check(site)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout
    return site


def test_every_package_folder_is_installed(site: Path) -> None:
    """A package folder the build missed would vanish from the images."""
    repo = Path(__file__).parents[3]
    roots = {"lienthong": repo / "libs" / "lienthong", "lienthong/services": repo / "services",
             "lienthong/tools": repo / "libs" / "tools",
             "lienthong/devtools": repo / "libs" / "devtools",
             "lienthong/testing": repo / "libs" / "testing"}
    missing = [
        f"{name}/{init.parent.relative_to(root)}"
        for name, root in roots.items() for init in root.rglob("__init__.py")
        if "tests" not in init.relative_to(root).parts
        and not (site / name / init.relative_to(root)).is_file()]
    assert missing == []


RUNTIME = "The runtime imports no service, tool, test helper or tools' package BROKEN"


@pytest.mark.parametrize(("module", "line", "contract"), [
    ("lienthong/errors.py", "import lienthong.services.identity.domain.unit", RUNTIME),
    ("lienthong/events/relay.py", "import lienthong.tools.cli.main", RUNTIME),
    ("lienthong/registry.py", "import rich.console", RUNTIME),
    ("lienthong/services/dossiers/application.py",
     "from lienthong.services.identity.domain import codes",
     "Services never import each other BROKEN"),
    ("lienthong/tools/cli/events.py", "import lienthong.services.identity.events",
     "The tools reach services only through the registry BROKEN"),
    ("lienthong/services/identity/server.py", "import lienthong.tools.bench.command",
     "A service runs without the tools: only its operators' modules build on them BROKEN"),
    ("lienthong/tools/smoke.py", "import lienthong.testing.postgres",
     "Nothing that ships imports the test helpers BROKEN"),
])
def test_an_import_against_the_layers_breaks_its_contract(
        site: Path, module: str, line: str, contract: str) -> None:
    path = site / module
    original = path.read_text()
    try:
        path.write_text(original + f"\n{line}  # against the layers\n")
        done = check(site, "--no-install")
    finally:
        path.write_text(original)

    assert done.returncode == 1
    assert contract in done.stdout


def test_the_runtime_contract_names_every_module_of_the_runtime() -> None:
    """A runtime module missing from the contract's list could import anything."""
    import configparser

    repo = Path(__file__).parents[3]
    contracts = configparser.ConfigParser()
    contracts.read(repo / ".importlinter")
    listed = set(contracts["importlinter:contract:runtime-knows-no-service-nor-tool"]
                 ["source_modules"].split())
    runtime = repo / "libs" / "lienthong"
    present = {f"lienthong.{path.stem if path.is_file() else path.name}"
               for path in runtime.iterdir()
               if (path.suffix == ".py" and path.stem != "__init__")
               or (path / "__init__.py").is_file()}
    assert listed == present
