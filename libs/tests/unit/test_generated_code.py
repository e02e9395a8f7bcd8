"""The committed Python code of protos/ is what `make proto` would write now."""

from __future__ import annotations

import tomllib
from typing import TYPE_CHECKING

from lienthong.protogen import OUTPUT_ROOT, REPO, generate

if TYPE_CHECKING:
    from pathlib import Path


def test_generated_code_is_fresh(tmp_path: Path) -> None:
    fresh = generate(tmp_path)
    assert fresh, "protoc generated nothing"
    for path in fresh:
        committed = OUTPUT_ROOT / path.relative_to(tmp_path)
        assert committed.exists(), f"{committed} is missing: run `make proto`"
        stale = f"{committed} is stale: run `make proto`"
        assert committed.read_bytes() == path.read_bytes(), stale


def test_every_package_folder_is_installed() -> None:
    """A package folder missing from pyproject would vanish from the images."""
    config = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    declared = set(config["packages"])
    roots = {name: REPO / folder for name, folder in config["package-dir"].items()}
    found = set()
    for name, root in roots.items():
        for init in root.rglob("__init__.py"):
            if "tests" in init.relative_to(root).parts:
                continue
            relative = init.parent.relative_to(root)
            found.add(".".join([name, *relative.parts]))
    assert found - declared == set(), "add these packages to pyproject.toml"
