"""The layers hold as import contracts, and a contract that is broken says so."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


def check(site: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "lienthong.importcheck", "--site", str(site),
                           *extra], capture_output=True, text=True, timeout=300, check=False)


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
    roots = {"lienthong": repo / "libs" / "lienthong", "lienthong/services": repo / "services"}
    missing = [
        f"{name}/{init.parent.relative_to(root)}"
        for name, root in roots.items() for init in root.rglob("__init__.py")
        if "tests" not in init.relative_to(root).parts
        and not (site / name / init.relative_to(root)).is_file()]
    assert missing == []


@pytest.mark.parametrize(("module", "line", "contract"), [
    ("lienthong/errors.py", "import lienthong.services.identity.domain.unit",
     "The runtime imports no service, no tool and no test helper BROKEN"),
    ("lienthong/events/relay.py", "import lienthong.cli.main",
     "The runtime imports no service, no tool and no test helper BROKEN"),
    ("lienthong/services/dossiers/application.py",
     "from lienthong.services.identity.domain import codes",
     "Services never import each other BROKEN"),
    ("lienthong/cli/events.py", "import lienthong.services.identity.events",
     "The operators' tools reach services only through the registry BROKEN"),
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
