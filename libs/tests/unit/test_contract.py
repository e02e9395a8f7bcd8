"""The published contract passes buf lint and breaks nothing since the last release."""

from __future__ import annotations

import shutil
from typing import TYPE_CHECKING

from lienthong.devtools.protocheck import breaking, lint
from lienthong.devtools.protogen import PROTO_ROOT

if TYPE_CHECKING:
    from pathlib import Path


def test_the_contract_follows_the_buf_standard_style() -> None:
    result = lint()
    assert result.returncode == 0, result.stdout + result.stderr


def test_nothing_released_was_broken() -> None:
    result = breaking()
    assert result.returncode == 0, result.stdout + result.stderr


def test_deleting_a_released_field_is_caught(tmp_path: Path) -> None:
    changed = tmp_path / "protos"
    shutil.copytree(PROTO_ROOT, changed)
    identity = changed / "lienthong" / "identity" / "v1" / "identity.proto"
    text = identity.read_text()
    field = "  string agency_code = 6;\n"
    assert field in text
    identity.write_text(text.replace(field, "", 1))

    result = breaking(root=changed)

    assert result.returncode != 0
    assert "agency_code" in result.stdout
