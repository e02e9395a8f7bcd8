"""The Dockerfile, read as data: there is no Docker engine in the test run, so
the properties the images must have are checked on the instructions."""

from __future__ import annotations

import fnmatch
import json
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ENTRYPOINTS = {"identity": "lienthong.services.identity",
               "dossiers": "lienthong.services.dossiers"}
BUILD_TOOLS = re.compile(r"\b(gcc|g\+\+|cc|make|build-essential|clang|rustc|cargo|"
                         r"python3?-dev|libpq-dev)\b")


@dataclass
class Stage:
    name: str
    base: str
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def all(self, keyword: str) -> list[str]:
        return [args for kw, args in self.instructions if kw == keyword]


def parse(text: str) -> tuple[dict[str, str], list[Stage]]:
    """Global ARGs and the stages of a Dockerfile (continuations joined, comments dropped)."""
    logical: list[str] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        logical.append(pending + line)
        pending = ""
    args: dict[str, str] = {}
    stages: list[Stage] = []
    for line in logical:
        keyword, _, rest = line.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            words = rest.split()
            name = words[2] if len(words) >= 3 and words[1].upper() == "AS" else ""
            stages.append(Stage(name, words[0]))
        elif stages:
            stages[-1].instructions.append((keyword, rest.strip()))
        elif keyword == "ARG":
            key, _, value = rest.partition("=")
            args[key.strip()] = value.strip()
    return args, stages


def lineage(stages: list[Stage], stage: Stage) -> list[Stage]:
    """The stage and the stages it is built FROM, nearest first."""
    by_name = {s.name: s for s in stages}
    chain = [stage]
    while chain[-1].base in by_name:
        chain.append(by_name[chain[-1].base])
    return chain


def env_of(chain: list[Stage]) -> dict[str, str]:
    env: dict[str, str] = {}
    for stage in reversed(chain):
        for args in stage.all("ENV"):
            for word in shlex.split(args):
                key, _, value = word.partition("=")
                env[key] = value
    return env


@pytest.fixture(scope="module")
def dockerfile() -> tuple[dict[str, str], list[Stage]]:
    return parse((REPO / "Dockerfile").read_text())


def test_each_service_has_its_own_target_and_entrypoint(dockerfile) -> None:
    _, stages = dockerfile
    targets = {s.name: s for s in stages}
    for service, module in ENTRYPOINTS.items():
        assert service in targets, f"no build target {service}"
        entrypoints = [json.loads(args) for args in targets[service].all("ENTRYPOINT")]
        assert entrypoints == [["python", "-m", module]]


@pytest.mark.parametrize("service", ENTRYPOINTS)
def test_a_service_image_runs_as_uid_10001_on_the_slim_base(dockerfile, service: str) -> None:
    args, stages = dockerfile
    chain = lineage(stages, next(s for s in stages if s.name == service))
    users = [u for stage in chain for u in stage.all("USER")]
    assert users, "no USER: the image would run as root"
    assert re.fullmatch(r"10001(:10001)?", users[0]), users[0]
    base = chain[-1].base
    assert args.get(base.strip("${}"), base) == "python:3.11-slim"
    env = env_of(chain)
    assert env["PYTHONDONTWRITEBYTECODE"] == "1"
    assert env["PYTHONUNBUFFERED"] == "1"


def test_the_runtime_layer_gets_the_venv_and_no_build_tools(dockerfile) -> None:
    _, stages = dockerfile
    build = next(s for s in stages if s.name == "build")
    runtime = next(s for s in stages if s.name == "runtime")

    assert "COPY --from=build /opt/lienthong /opt/lienthong" in [
        f"COPY {args}" for args in runtime.all("COPY")]
    assert not [args for args in runtime.all("COPY") if not args.startswith("--from=build")], \
        "the runtime stage copies nothing from the build context"
    for stage in (s for s in stages if s.name != "build"):
        for command in stage.all("RUN"):
            assert not BUILD_TOOLS.search(command), f"{stage.name}: {command}"
            assert "apt-get install" not in command, f"{stage.name}: {command}"
            assert "pip install" not in command, f"{stage.name}: {command}"
    runtime_runs = " ".join(runtime.all("RUN"))
    assert "pip uninstall" in runtime_runs and " pip " in runtime_runs
    # Dependencies come as wheels: the build stage needs no compiler either.
    assert any("--only-binary=:all:" in command for command in build.all("RUN"))
    assert not any(BUILD_TOOLS.search(command) for command in build.all("RUN"))


def test_the_build_context_keeps_what_the_build_copies_and_nothing_else() -> None:
    patterns = [line.strip() for line in (REPO / ".dockerignore").read_text().splitlines()
                if line.strip() and not line.startswith("#")]

    def ignored(path: str) -> bool:
        return any(fnmatch.fnmatch(path, p) or fnmatch.fnmatch(path, p.removeprefix("**/"))
                   or any(fnmatch.fnmatch(part, p.removeprefix("**/"))
                          for part in Path(path).parts)
                   for p in patterns)

    for needed in ("pyproject.toml", "README.md", "libs", "services",
                   "libs/lienthong/service.py", "libs/lienthong/smoke.py",
                   "libs/lienthong/testing/grpc_server.py"):
        assert not ignored(needed), needed
    for excluded in (".venv", ".git", ".lienthong", ".tools", "deploy", "e2e", "docs",
                     "services/identity/tests", "libs/tests", ".pytest_cache",
                     "libs/lienthong/__pycache__", ".ruff_cache"):
        assert ignored(excluded), excluded
