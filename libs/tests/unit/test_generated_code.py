"""The committed Python code of protos/ is what `make proto` would write now."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lienthong.devtools.protogen import OUTPUT_ROOT, generate

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


