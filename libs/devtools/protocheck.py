"""The contract's guard: buf lint (STANDARD) and buf breaking (FILE).

The published protobuf contract is compared with the descriptor set of the
last release, ``protos/released.binpb``. Images are built with protoc (the
same include paths as :mod:`lienthong.devtools.protogen`), so buf needs no network
to find ``google/type/date.proto``.

    python -m lienthong.devtools.protocheck lint
    python -m lienthong.devtools.protocheck breaking      # against the last release
    python -m lienthong.devtools.protocheck release       # record the current contract as released
"""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

from grpc_tools import protoc

from lienthong.devtools.protogen import PROTO_ROOT, include_paths, proto_files

RELEASED_IMAGE = PROTO_ROOT / "released.binpb"
BUF_CONFIG = """\
version: v2
lint:
  use: [STANDARD]
  except:
    # AIP-131..135: Get, Create and Update return the resource itself.
    - RPC_REQUEST_RESPONSE_UNIQUE
    - RPC_RESPONSE_STANDARD_NAME
breaking:
  use: [FILE]
"""


def buf_path() -> str:
    """The buf CLI installed with this environment (package buf-bin)."""
    candidate = Path(sysconfig.get_path("scripts")) / "buf"
    return str(candidate) if candidate.exists() else "buf"


def build_image(output: Path, root: Path = PROTO_ROOT, *, source_info: bool = True) -> Path:
    """A descriptor set of every .proto under root, with its imports."""
    files = proto_files(root)
    includes = [str(root), *include_paths()[1:]]
    args = ["protoc", *(f"-I{p}" for p in includes), f"--descriptor_set_out={output}",
            "--include_imports", *(["--include_source_info"] if source_info else []),
            *(str(f.relative_to(root)) for f in files)]
    if protoc.main(args) != 0:
        msg = f"protoc could not build {root}"
        raise RuntimeError(msg)
    return output


def _buf(*args: str) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory() as scratch:
        config = Path(scratch) / "buf.yaml"
        config.write_text(BUF_CONFIG)
        return subprocess.run([buf_path(), *args, "--config", str(config)],
                              capture_output=True, text=True, check=False)


def lint(root: Path = PROTO_ROOT) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory() as scratch:
        image = build_image(Path(scratch) / "image.binpb", root)
        return _buf("lint", str(image), "--path", "lienthong")


def breaking(root: Path = PROTO_ROOT,
             against: Path = RELEASED_IMAGE) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory() as scratch:
        image = build_image(Path(scratch) / "image.binpb", root)
        return _buf("breaking", str(image), "--against", str(against), "--path", "lienthong")


def release() -> Path:
    """Record the current contract as the released one."""
    return build_image(RELEASED_IMAGE, source_info=False)


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "breaking"
    if command == "release":
        sys.stdout.write(f"wrote {release()}\n")
        return 0
    result = {"lint": lint, "breaking": breaking}[command]()
    sys.stdout.write(result.stdout)
    sys.stderr.write(result.stderr)
    if result.returncode == 0:
        sys.stdout.write(f"buf {command}: ok\n")
    return result.returncode


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
