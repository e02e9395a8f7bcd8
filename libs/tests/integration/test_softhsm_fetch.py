"""SoftHSM2 without root: Debian's packages fetched with apt-get and unpacked into a
prefix give a library that loads and a softhsm2-util that runs."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import TYPE_CHECKING

import pytest

from lienthong.devtools import softhsm

if TYPE_CHECKING:
    from pathlib import Path


def test_the_packages_unpacked_into_a_prefix_give_a_working_softhsm(tmp_path: Path) -> None:
    try:
        module = softhsm.fetch(tmp_path / "venv")
    except softhsm.DownloadFailed as error:
        pytest.skip(f"apt-get download failed here (no network or package lists?): {error}")
    except softhsm.SoftHsmUnavailable as error:
        if "no apt-get" in str(error) or "no dpkg-deb" in str(error):
            pytest.skip(f"not a Debian machine: {error}")
        raise

    assert module.is_relative_to(tmp_path / "venv" / "softhsm")
    assert softhsm.unpacked_module(tmp_path / "venv") == module
    # The unpacked library initialises a token directory of its own and lists its free slot.
    (tmp_path / "tokens").mkdir()
    (tmp_path / "softhsm2.conf").write_text(f"directories.tokendir = {tmp_path / 'tokens'}\n"
                                            "objectstore.backend = file\n")
    env = {**os.environ, "SOFTHSM2_CONF": str(tmp_path / "softhsm2.conf")}
    listed = subprocess.run(
        [sys.executable, "-c", "import sys, pkcs11; lib = pkcs11.lib(sys.argv[1]); "
                               "print(lib.manufacturer_id, len(lib.get_slots()))", str(module)],
        env=env, capture_output=True, text=True, timeout=60, check=False)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.split() == ["SoftHSM", "1"]
    util = tmp_path / "venv" / "softhsm" / "usr" / "bin" / "softhsm2-util"
    version = subprocess.run([str(util), "--version"], env=env, capture_output=True, text=True,
                             timeout=60, check=False)
    assert version.returncode == 0 and version.stdout.startswith("2."), version.stderr
    # The unpacked util names the system's library unless told which one to load.
    made = subprocess.run([str(util), "--module", str(module), "--init-token", "--free",
                           "--label", "unpacked", "--so-pin", "1234", "--pin", "5678"],
                          env=env, capture_output=True, text=True, timeout=60, check=False)
    assert made.returncode == 0, made.stderr
    assert "unpacked" in subprocess.run(
        [str(util), "--module", str(module), "--show-slots"], env=env, capture_output=True,
        text=True, timeout=60, check=True).stdout


def test_without_apt_get_the_error_says_what_is_missing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no apt-get, no dpkg-deb

    with pytest.raises(softhsm.SoftHsmUnavailable, match="no apt-get and dpkg-deb"):
        softhsm.fetch(tmp_path)
    assert not (tmp_path / "softhsm").exists()


def test_the_command_prints_the_system_library_when_there_is_one(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    system = softhsm.system_module()
    if system is None:
        pytest.skip("no system SoftHSM2 here (the command would fetch one)")

    softhsm.main(["--prefix", str(tmp_path)])

    assert capsys.readouterr().out.strip() == str(system)
    assert not (tmp_path / "softhsm").exists()  # nothing fetched
