"""What a service's image installs: the runtime and that one service, nothing else; and
what the tools' image installs: the runtime, the tools and every service's registration.

The build stage's COPY instructions are read from the Dockerfile and carried out
here (the build context a Docker build would send, less .dockerignore's
exclusions), then the package is installed from that copy as the image installs it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from lienthong import errors, registry

REPO = Path(__file__).resolve().parents[2]
SERVICES = [spec.name for spec in registry.services()]


def build_stage_copies(service: str, stage: str = "build") -> list[str]:
    """The sources the Dockerfile's ``stage`` and the stages it is built FROM copy, for
    ``SERVICE=service``."""
    bases: dict[str, str] = {}
    copies: dict[str, list[str]] = {}
    current = ""
    for line in (REPO / "Dockerfile").read_text().splitlines():
        if line.startswith("FROM "):
            words = line.split()
            current = words[-1]
            bases[current] = words[1]
            copies[current] = []
        elif line.startswith("COPY ") and "--from=" not in line:
            copies[current] += [p.replace("${SERVICE}", service) for p in line.split()[1:-1]]
    chain = [stage]
    while bases.get(chain[-1]) in bases:
        chain.append(bases[chain[-1]])
    return [path for name in reversed(chain) for path in copies[name]]


def install_as_the_image_does(service: str, tmp_path: Path, stage: str = "build") -> Path:
    context = tmp_path / "context"
    for source in build_stage_copies(service, stage):
        origin, target = REPO / source, context / source
        if origin.is_dir():
            shutil.copytree(origin, target, dirs_exist_ok=True, ignore=shutil.ignore_patterns(
                "tests", "__pycache__", "*.pyc"))
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(origin, target)
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                    "--no-build-isolation", "--target", str(site), str(context)],
                   check=True, capture_output=True, timeout=300)
    return site


@pytest.mark.parametrize("service", SERVICES)
def test_an_image_holds_the_runtime_and_its_own_service_only(
        service: str, tmp_path: Path) -> None:
    site = install_as_the_image_does(service, tmp_path)

    package = site / "lienthong"
    assert (package / "registry.py").is_file() and (package / "service.py").is_file()
    installed = {p.name for p in (package / "services").iterdir() if p.is_dir()} - {
        "__pycache__"}
    assert installed == {service}
    for tool in ("tools", "devtools", "testing"):
        assert not (package / tool).exists(), tool
    assert not (site / "bin" / "lienthong").exists()  # the operators' command is a tool

    # The image's registry knows its own service alone, and its errors type the records
    # they name as a whole platform does, another service's included (no site-packages:
    # the copy only).
    spec = registry.service(service)
    kinds = [kind for kind, _ in spec.resources] + [kind for _, kind, _ in spec.refers_to]
    found = subprocess.run(
        [sys.executable, "-S", "-c",
         "import json, sys; from lienthong import errors, registry\n"
         "print(json.dumps([[s.name for s in registry.services()],"
         " [errors.resource_type(k) for k in sys.argv[1:]], errors.resource_keys()]))",
         *kinds],
        env={"PYTHONPATH": str(site)}, cwd=tmp_path, capture_output=True, text=True,
        check=True, timeout=60)
    names, types, keys = json.loads(found.stdout)
    assert names == [service]
    assert types == [errors.resource_type(kind) for kind in kinds]
    assert {tuple(k) for k in keys} >= {
        (key, kind) for kind, key in spec.resources if key} | {
        (key, kind) for _, kind, key in spec.refers_to}



def test_the_tools_image_holds_the_tools_and_every_service_but_no_developer_tool(
        tmp_path: Path) -> None:
    site = install_as_the_image_does("", tmp_path, stage="tools-build")

    package = site / "lienthong"
    assert (package / "tools" / "smoke.py").is_file()  # the chart's `helm test`
    assert (site / "bin" / "lienthong").is_file()
    assert {p.name for p in (package / "services").iterdir() if p.is_dir()} >= set(SERVICES)
    assert not (package / "devtools").exists() and not (package / "testing").exists()
