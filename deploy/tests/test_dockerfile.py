"""The Dockerfile, read as data: there is no Docker engine in the test run, so
the properties the images must have are checked on the instructions, and the
two shell commands of the service stage (its build-time check and its entry
point) are run here as Docker would run them."""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from lienthong import registry

REPO = Path(__file__).resolve().parents[2]
#: Every registered service is built by the one parametrised stage.
TARGET = "service"
SERVICES = registry.services()
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


def service_stage(stages: list[Stage]) -> Stage:
    [stage] = [s for s in stages if s.name == TARGET]
    return stage


def test_one_stage_builds_every_service_and_none_has_a_stage_of_its_own(dockerfile) -> None:
    _, stages = dockerfile
    stage = service_stage(stages)

    # A new service needs no stage: SERVICE and PORT say which image is built.
    assert not {s.name for s in stages} & {spec.name for spec in SERVICES}
    assert {a.partition("=")[0] for a in stage.all("ARG")} == {"SERVICE", "PORT"}
    assert all("=" not in a for a in stage.all("ARG")), "no default service or port"
    env = env_of([stage])
    assert env["LIENTHONG_SERVICE"] == "${SERVICE}"
    assert env["LIENTHONG_LISTEN"] == "0.0.0.0:${PORT}"  # reachable from outside the pod
    assert stage.all("EXPOSE") == ["${PORT} 9464"]  # gRPC and metrics


def entrypoint(stages: list[Stage]) -> list[str]:
    [args] = service_stage(stages).all("ENTRYPOINT")
    return json.loads(args)


def run_entrypoint(command: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    """The image's entry point, with a stand-in `python` that prints how it was called."""
    fake = tmp_path / "bin" / "python"
    fake.parent.mkdir(exist_ok=True)
    fake.write_text('#!/bin/sh\necho "pid $$"; for arg in "$@"; do echo "arg $arg"; done\n')
    fake.chmod(0o755)
    return subprocess.run(["sh", "-c", 'echo "pid $$"; exec "$@"', "--", *command,
                           "--flag", "two words"],
                          env={"PATH": f"{fake.parent}:/usr/bin:/bin", **env},
                          capture_output=True, text=True, check=False)


@pytest.mark.parametrize("spec", SERVICES, ids=lambda spec: spec.name)
def test_the_entrypoint_execs_the_registered_service_it_is_built_as(
        dockerfile, tmp_path: Path, spec: registry.ServiceSpec) -> None:
    _, stages = dockerfile
    command = entrypoint(stages)
    # The runtime base (python:3.11-slim) has /bin/sh; exec form cannot expand a variable.
    assert command[:2] == ["/bin/sh", "-c"]

    done = run_entrypoint(command, tmp_path, LIENTHONG_SERVICE=spec.name)

    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    # `exec`: the service replaces the shell (same pid), so it receives SIGTERM itself.
    assert lines[0] == lines[1] and lines[0].startswith("pid ")
    assert lines[2:] == ["arg -m", f"arg {spec.module}", "arg --flag", "arg two words"]


def test_the_entrypoint_without_a_service_says_so(dockerfile, tmp_path: Path) -> None:
    _, stages = dockerfile

    done = run_entrypoint(entrypoint(stages), tmp_path)

    assert done.returncode != 0
    assert "LIENTHONG_SERVICE" in done.stderr and "arg" not in done.stdout


def build_check(stages: list[Stage], service: str, port: str) -> subprocess.CompletedProcess:
    """The service stage's RUN, as `docker build --build-arg SERVICE=.. --build-arg PORT=..`
    runs it (sh -c, the build args in the environment), with this venv's python."""
    [command] = [r for r in service_stage(stages).all("RUN") if "registry" in r]
    return subprocess.run(["sh", "-c", command], capture_output=True, text=True, check=False,
                          env={"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
                               "HOME": os.environ.get("HOME", "/tmp"),
                               "SERVICE": service, "PORT": port})


def test_the_build_takes_each_registered_service_at_its_port(dockerfile) -> None:
    _, stages = dockerfile
    for spec in SERVICES:
        done = build_check(stages, spec.name, str(spec.default_port))
        assert done.returncode == 0, (spec.name, done.stderr)


@pytest.mark.parametrize(("service", "port"), [
    ("no-such-service", "50060"),   # not registered
    ("identity", "50052"),     # not its port
    ("", ""),                  # no --build-arg at all
])
def test_the_build_refuses_an_unknown_service_or_another_port(
        dockerfile, service: str, port: str) -> None:
    _, stages = dockerfile

    done = build_check(stages, service, port)

    assert done.returncode != 0
    # The message says what to build instead.
    for spec in SERVICES:
        assert f"SERVICE={spec.name} PORT={spec.default_port}" in done.stderr, done.stderr


def test_a_service_image_runs_as_uid_10001_on_the_slim_base(dockerfile) -> None:
    args, stages = dockerfile
    chain = lineage(stages, service_stage(stages))
    # The last USER of the nearest stage that names one is the one the container runs as.
    users = next((stage.all("USER") for stage in chain if stage.all("USER")), [])
    assert users, "no USER: the image would run as root"
    assert re.fullmatch(r"10001(:10001)?", users[-1]), users[-1]
    base = chain[-1].base
    assert args.get(base.strip("${}"), base) == "python:3.11-slim"
    env = env_of(chain)
    assert env["PYTHONDONTWRITEBYTECODE"] == "1"
    assert env["PYTHONUNBUFFERED"] == "1"


BUILDERS = ("deps", "build", "tools-build")


def test_the_runtime_layer_gets_the_venv_and_no_build_tools(dockerfile) -> None:
    _, stages = dockerfile
    by_name = {s.name: s for s in stages}

    for image, builder in (("runtime", "build"), ("tools", "tools-build")):
        stage = by_name[image]
        assert stage.all("COPY") == [f"--from={builder} /opt/lienthong /opt/lienthong"], \
            f"{image} copies the venv of {builder} and nothing from the build context"
        runs = " ".join(r for s in lineage(stages, stage) for r in s.all("RUN"))
        assert "pip uninstall" in runs and " pip " in runs, image
    for stage in (s for s in stages if s.name not in BUILDERS):
        for command in stage.all("RUN"):
            assert not BUILD_TOOLS.search(command), f"{stage.name}: {command}"
            # A service's image gets the Debian packages its folder lists, nothing else.
            if "apt-get install" in command:
                assert stage.name == TARGET, f"{stage.name}: {command}"
                assert "$(cat /tmp/debian-packages.txt)" in command, command
            assert "pip install" not in command, f"{stage.name}: {command}"
    # Dependencies come as wheels: the build stages need no compiler either.
    for name in BUILDERS:
        installs = [c for c in by_name[name].all("RUN") if "pip install" in c
                    and "--no-deps" not in c]
        assert all("--only-binary=:all:" in c for c in installs), name
        assert not any(BUILD_TOOLS.search(c) for c in by_name[name].all("RUN")), name


def test_the_tools_image_runs_the_lienthong_command_with_every_service_registered(
        dockerfile) -> None:
    _, stages = dockerfile
    by_name = {s.name: s for s in stages}
    chain = lineage(stages, by_name["tools"])

    assert json.loads(by_name["tools"].all("ENTRYPOINT")[0]) == ["lienthong"]
    assert next(u for s in chain for u in s.all("USER")) == "10001:10001"
    copied = {args.split()[0] for args in by_name["tools-build"].all("COPY")}
    assert {"libs/tools", "services", "libs/lienthong"} <= copied
    assert "optional-dependencies']['tools']" in " ".join(by_name["tools-build"].all("RUN"))


@pytest.mark.parametrize("spec", SERVICES, ids=lambda spec: spec.name)
def test_a_service_needs_no_compiler_and_lists_its_packages_one_per_line(
        spec: registry.ServiceSpec) -> None:
    folder = REPO / "services" / spec.name
    for listed in ("requirements.txt", "debian-packages.txt"):
        path = folder / listed
        lines = [line.split("#", 1)[0].strip()
                 for line in (path.read_text().splitlines() if path.is_file() else [])]
        for line in filter(None, lines):
            assert " " not in line, f"{path}: one package per line: {line!r}"
            assert not BUILD_TOOLS.search(line), f"{path}: {line}"


def test_a_service_builds_with_its_own_dependencies_and_packages(dockerfile) -> None:
    _, stages = dockerfile
    by_name = {s.name: s for s in stages}
    build = " ".join(by_name["build"].all("RUN"))
    assert 'services/${SERVICE}/requirements.txt' in build
    assert 'services/${SERVICE}/debian-packages.txt' in build
    assert "--from=build /opt/debian-packages.txt /tmp/debian-packages.txt" in \
        service_stage(stages).all("COPY")
    # The tools' image runs every service's commands, so it has every service's dependencies.
    assert "services/*/requirements.txt" in " ".join(by_name["tools-build"].all("RUN"))


def test_the_build_context_keeps_what_the_build_copies_and_nothing_else() -> None:
    patterns = [line.strip() for line in (REPO / ".dockerignore").read_text().splitlines()
                if line.strip() and not line.startswith("#")]

    def ignored(path: str) -> bool:
        return any(fnmatch.fnmatch(path, p) or fnmatch.fnmatch(path, p.removeprefix("**/"))
                   or any(fnmatch.fnmatch(part, p.removeprefix("**/"))
                          for part in Path(path).parts)
                   for p in patterns)

    for needed in ("pyproject.toml", "README.md", "libs", "services",
                   "libs/lienthong/service.py", "libs/tools/smoke.py",
                   "libs/testing/grpc_server.py"):
        assert not ignored(needed), needed
    for excluded in (".venv", ".git", ".lienthong", ".tools", "deploy", "e2e", "docs",
                     "services/identity/tests", "libs/tests", ".pytest_cache",
                     "libs/lienthong/__pycache__", ".ruff_cache"):
        assert ignored(excluded), excluded
