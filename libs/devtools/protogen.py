"""Generate the Python code of the contract in protos/ (``make proto``).

The generated modules are committed; a test regenerates them into a
temporary folder and fails when the committed ones are stale.
"""

from __future__ import annotations

import sys
from pathlib import Path

import google.type
from grpc_tools import protoc

REPO = Path(__file__).resolve().parents[2]
PROTO_ROOT = REPO / "protos"
OUTPUT_ROOT = REPO / "libs"


def proto_files(root: Path = PROTO_ROOT) -> list[Path]:
    return sorted(root.rglob("*.proto"))


def include_paths() -> list[str]:
    """Our protos, protobuf's well-known types and googleapis' common types."""
    well_known = Path(protoc.__file__).parent / "_proto"
    googleapis = Path(google.type.__path__[0]).parents[1]
    return [str(PROTO_ROOT), str(well_known), str(googleapis)]


def generate(output_root: Path = OUTPUT_ROOT) -> list[Path]:
    """Write ``*_pb2.py``, ``*_pb2.pyi`` and ``*_pb2_grpc.py`` under output_root."""
    output_root.mkdir(parents=True, exist_ok=True)
    files = proto_files()
    args = [
        "grpc_tools.protoc",
        *(f"-I{path}" for path in include_paths()),
        f"--python_out={output_root}",
        f"--pyi_out={output_root}",
        f"--grpc_python_out={output_root}",
        *(str(f.relative_to(PROTO_ROOT)) for f in files),
    ]
    if protoc.main(args) != 0:
        msg = "protoc failed"
        raise RuntimeError(msg)
    for package_dir in {f.relative_to(PROTO_ROOT).parent for f in files}:
        for part in [*reversed(package_dir.parents[:-1]), package_dir]:
            init = output_root / part / "__init__.py"
            if not init.exists():
                init.touch()
    return sorted(p for p in output_root.rglob("*_pb2*.py*"))


if __name__ == "__main__":
    for path in generate():
        sys.stdout.write(f"{path.relative_to(REPO)}\n")
