"""``make images``' builder (lienthong.devtools.images), read without building: which
images, with which commands, from which base; the builds themselves run in make e2e-podman."""

from __future__ import annotations

from pathlib import Path

import pytest

from lienthong import registry
from lienthong.devtools import images

SERVICES = list(registry.services())


def test_every_image_the_chart_runs_is_built_and_every_registered_service_has_one() -> None:
    specs = {image.name: image for image in images.image_specs()}

    assert set(specs) == {*(f"lienthong/{s.name}" for s in SERVICES), "lienthong/tools",
                          "lienthong/nats", "lienthong/postgresql"}
    for spec in SERVICES:
        image = specs[f"lienthong/{spec.name}"]
        assert (image.target, image.build_args["SERVICE"], image.build_args["PORT"]) == (
            "service", spec.name, str(spec.default_port))
    assert specs["lienthong/tools"].target == "tools"
    for other in ("nats", "postgresql"):
        assert specs[f"lienthong/{other}"].containerfile.is_file()


def test_a_docker_build_asks_for_defaults_and_a_podman_build_gets_base_and_wheels() -> None:
    [identity] = [i for i in images.image_specs() if i.name == "lienthong/identity"]
    docker = images.build_command(images.Engine("docker"), identity, "t")
    assert docker == ["docker", "build", "--target", "service", "--build-arg",
                      "SERVICE=identity", "--build-arg", "PORT=50051", "-t",
                      "lienthong/identity:t", "-f", str(images.ROOT / "Dockerfile"),
                      str(images.ROOT)]

    [identity] = [i for i in images.image_specs(images.BOOTSTRAP_IMAGE, "", "--no-index")
                  if i.name == "lienthong/identity"]
    podman = images.build_command(images.Engine("podman"), identity, "t")
    assert f"PYTHON_IMAGE={images.BOOTSTRAP_IMAGE}" in podman
    assert "PIP_INSTALL_OPTIONS=--no-index" in podman
    assert podman[podman.index("-t") + 1] == "localhost/lienthong/identity:t"
    assert podman[podman.index("--network") + 1] == "host"


def test_the_wheels_cover_the_runtime_the_services_the_tools_and_the_build_system() -> None:
    wanted = images.requirements()

    assert any(r.startswith("grpcio==") for r in wanted)      # the runtime
    for listed in (images.ROOT / "services").glob("*/requirements.txt"):   # each service's
        assert set(images.requirement_lines(listed)) <= set(wanted), listed
    assert any(r.startswith("typer") for r in wanted)         # the tools' extra
    assert any(r.startswith("setuptools") for r in wanted)    # the project's own wheel
    platforms = images.linux_platforms("x86_64")
    assert "manylinux_2_17_x86_64" in platforms and "manylinux_2_36_x86_64" in platforms
    assert images.linux_platforms("arm64")[0] == "manylinux_2_17_aarch64"


def test_the_debian_archive_comes_from_the_machines_apt_sources(tmp_path: Path) -> None:
    sources = tmp_path / "sources.list.d"
    sources.mkdir()
    (sources / "debian.sources").write_text(
        "Types: deb\nURIs: http://mirror.invalid/debian-security\nSuites: bookworm-security\n"
        "Components: main\n\nTypes: deb\nURIs: http://mirror.invalid/debian\n"
        "Suites: bookworm bookworm-updates\nComponents: main\n")
    assert images.debian_mirror([sources]) == "http://mirror.invalid/debian"

    listed = tmp_path / "sources.list"
    listed.write_text("# a comment\ndeb http://archive.invalid/debian bookworm main\n")
    assert images.debian_mirror([listed]) == "http://archive.invalid/debian"

    (tmp_path / "empty.list").write_text("deb http://archive.invalid/ubuntu jammy main\n")
    with pytest.raises(images.ImageBuildError, match="no Debian bookworm archive"):
        images.debian_mirror([tmp_path / "empty.list"])


def test_without_any_engine_the_builder_says_what_to_install(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(images.shutil, "which", lambda _name: None)

    with pytest.raises(images.ImageBuildError, match="install Docker, or podman and runc"):
        images.detect_engine()
