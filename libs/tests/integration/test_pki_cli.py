"""``lienthong pki``: a CA made, a client system's certificate issued, renewed and revoked,
each step checked on the files a server reads."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from cryptography import x509
from typer.testing import CliRunner

from lienthong.tls import caller_of
from lienthong.tools.cli.main import app as cli

if TYPE_CHECKING:
    from pathlib import Path

CALLER = "VN:GOV:000.00.00.H26/mot-cua"


def lienthong(folder: Path, *args: str) -> tuple[int, str, str]:
    done = CliRunner().invoke(cli, ["pki", *args, "--dir", str(folder)])
    return done.exit_code, done.stdout, done.stderr


def test_a_client_systems_certificate_from_issue_to_revocation(tmp_path: Path) -> None:
    folder = tmp_path / "pki"
    assert lienthong(folder, "init")[0] == 0
    assert lienthong(folder, "init")[0] == 2  # one CA per folder

    code, out, _ = lienthong(folder, "issue", "mot-cua", "--kind", "client", "--caller",
                             CALLER, "--json")
    assert code == 0
    first = json.loads(out)
    cert = x509.load_pem_x509_certificate((folder / "issued" / "mot-cua.pem").read_bytes())
    assert caller_of(cert) == CALLER and cert.serial_number == first["serial"]
    assert (folder / "issued" / "mot-cua.key").stat().st_mode & 0o077 == 0

    code, out, _ = lienthong(folder, "renew", "mot-cua", "--json")
    assert code == 0 and json.loads(out)["serial"] != first["serial"]
    crl = x509.load_pem_x509_crl((folder / "crl.pem").read_bytes())
    assert crl.get_revoked_certificate_by_serial_number(first["serial"]) is not None

    assert lienthong(folder, "revoke", "mot-cua", "--reason", "affiliationChanged")[0] == 0
    listed = json.loads(lienthong(folder, "list", "--json")[1])
    assert [(e["reason"]) for e in listed] == ["superseded", "affiliationChanged"]
    assert len(list(x509.load_pem_x509_crl((folder / "crl.pem").read_bytes()))) == 2


def test_a_caller_that_is_not_an_agency_code_is_refused_naming_the_form(
        tmp_path: Path) -> None:
    folder = tmp_path / "pki"
    lienthong(folder, "init")

    code, _, err = lienthong(folder, "issue", "x", "--kind", "client", "--caller",
                             "VN:GOV:H26")
    assert code == 2 and "VN:GOV:<13-character agency" in err
    code, _, err = lienthong(folder, "issue", "y", "--kind", "service")
    assert code == 2 and "--host" in err
