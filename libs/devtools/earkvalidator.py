"""E-ARK information package validation with eark-validator, in its own environment.

eark-validator 1.1.3 pins ``lxml==5.1.0``, which cannot share the platform's
environment; :func:`ensure` makes ``<sys.prefix>/eark-validator`` for it once per
machine (under a file lock) and :func:`validate` runs it there as a subprocess, reading
its JSON report into a :class:`Result`.

That is eark-validator's package validation (structure, METS schema, the CSIP Schematron
rules), plus what it does not check itself: each representation's METS.xml against the
same schema, and every file a METS.xml references (read with eark-validator's METS
reader): present (``METS-MISSING``), of the recorded size (``METS-SIZE``) and checksum
(``METS-CHECKSUM``). The CSIP vocabularies eark-validator downloads on import are served
from the copies it ships, so no network is needed.
``python -m lienthong.devtools.earkvalidator PATH...`` prints the results.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

REQUIREMENT = "eark-validator==1.1.3"
SPECIFICATION = "V2.1.0"  # E-ARK CSIP 2.1.0, the newest eark-validator 1.1.3 knows
READY = ".lienthong-ready"

# Runs inside eark-validator's environment (python -I -c RUNNER ROOT VERSION) and prints
# one JSON document: eark-validator's report, with "representations" and "references".
RUNNER = r"""
import hashlib, importlib.util, json, sys, urllib.request
from pathlib import Path
from urllib.parse import unquote
BASE = "https://earkcsip.dilcis.eu/schema/"
PACKAGE = Path(importlib.util.find_spec("eark_validator").submodule_search_locations[0])
VOCABULARIES = PACKAGE / "ipxml" / "resources" / "vocabs"
def offline(url, *args, **kwargs):
    url = str(getattr(url, "full_url", url))
    name = url.removeprefix(BASE)
    if url.startswith(BASE) and "/" not in name and (VOCABULARIES / name).is_file():
        return (VOCABULARIES / name).open("rb")
    raise OSError(f"no network here: {url}")
urllib.request.urlopen = offline
from eark_validator import structure
from eark_validator.mets import MetsFiles, MetsValidator
from eark_validator.packages import PackageValidator
from eark_validator.rules import ValidationProfile
from eark_validator.specifications.specification import SpecificationType, SpecificationVersion
root, version = Path(sys.argv[1]).absolute(), SpecificationVersion(sys.argv[2])
representations, references = {}, []
def finding(rule, location, message):
    references.append({"rule_id": rule, "severity": "Error", "location": location,
                       "message": message})
def dump(results):
    return [json.loads(result.model_dump_json()) for result in results]
def status(results):
    return "Invalid" if any(r.severity.value == "Error" for r in results) else "Valid"
try:
    report = json.loads(PackageValidator(root, version).validation_report.model_dump_json())
except Exception as error:  # eark-validator stops on some broken METS (a missing SIZE)
    finding("EARK-VALIDATOR", "METS.xml", f"eark-validator stopped: {error!r}")
    _, layout = structure.validate(root)
    report = {"structure": json.loads(layout.model_dump_json()), "metadata": {}}
    if (root / "METS.xml").is_file():
        profile = ValidationProfile(SpecificationType.CSIP, version)
        profile.validate(root / "METS.xml")
        rules = profile.get_all_results()
        report["metadata"] = {"schematron_results": {"status": status(rules),
                                                     "messages": dump(rules)}}
for mets in [root / "METS.xml", *sorted(root.glob("representations/*/METS.xml"))]:
    if not mets.is_file():
        continue
    where = mets.relative_to(root).as_posix()
    try:
        if mets.parent != root:
            schema = MetsValidator(str(mets.parent))
            schema.validate_mets("METS.xml")
            representations[mets.parent.name] = {"messages": dump(schema.validation_errors)}
        entries = MetsFiles.from_file(mets).file_entries
    except (KeyError, ValueError) as error:
        finding("METS-READ", where, f"{where}: a file or mdRef cannot be read: {error!r}")
        continue
    for entry in entries:
        href = unquote(str(entry.path))
        target = (mets.parent / href).resolve()
        location = f"{where}: {href}"
        if not target.is_relative_to(root.resolve()):
            finding("METS-LOCATION", location, f"{href} points outside the package")
        elif not target.is_file():
            finding("METS-MISSING", location, f"{href} is referenced but missing")
        elif target.stat().st_size != entry.size:
            finding("METS-SIZE", location, f"{href} holds {target.stat().st_size} bytes, "
                                           f"METS records {entry.size}")
        else:
            digest = hashlib.new(entry.checksum.algorithm.value.replace("-", "").lower())
            with target.open("rb") as content:
                while chunk := content.read(1 << 20):
                    digest.update(chunk)
            if digest.hexdigest() != entry.checksum.value.lower():
                finding("METS-CHECKSUM", location,
                        f"{href} has {entry.checksum.algorithm.value} {digest.hexdigest()}, "
                        f"METS records {entry.checksum.value}")
report["representations"] = representations
report["references"] = {"messages": references}
print(json.dumps(report))
"""


class EarkValidatorUnavailable(RuntimeError):
    """eark-validator's environment could not be made (no pip, no index, no wheel)."""


@dataclass(frozen=True)
class Message:
    """A finding; ``check``: structure, schema, schematron or references."""

    rule_id: str
    severity: str  # "error", "warning" or "info"
    location: str
    text: str
    check: str


@dataclass(frozen=True)
class Result:
    path: Path  # the information package's root folder that was validated
    specification: str
    structure: str  # eark-validator's "WellFormed" or "NotWellFormed"
    schema: str  # "Valid", "Invalid" or "Unknown" (structure not well formed)
    schematron: str
    messages: tuple[Message, ...]

    @property
    def errors(self) -> tuple[Message, ...]:
        return tuple(m for m in self.messages if m.severity == "error")

    @property
    def warnings(self) -> tuple[Message, ...]:
        return tuple(m for m in self.messages if m.severity == "warning")

    @property
    def valid(self) -> bool:
        return self.structure == "WellFormed" and not self.errors


def environment(prefix: Path | None = None) -> Path:
    """Where eark-validator's virtual environment lives: ``<prefix>/eark-validator``."""
    return Path(sys.prefix if prefix is None else prefix) / "eark-validator"


def ensure(prefix: Path | None = None) -> Path:
    """The environment's Python, after making the environment if no one did before."""
    root = environment(prefix)
    python = root / "bin" / "python"
    if _ready(root):
        return python
    root.parent.mkdir(parents=True, exist_ok=True)
    with open(root.with_name(root.name + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if _ready(root):
            return python
        shutil.rmtree(root, ignore_errors=True)
        _run([sys.executable, "-m", "venv", str(root)], "python -m venv", timeout=300)
        _run([str(python), "-m", "pip", "install", "--disable-pip-version-check", "--quiet",
              REQUIREMENT], f"pip install {REQUIREMENT}", timeout=900)
        (root / READY).write_text(REQUIREMENT + "\n")
    return python


def _ready(root: Path) -> bool:
    ready = root / READY
    return (ready.is_file() and ready.read_text().strip() == REQUIREMENT
            and (root / "bin" / "python").exists())


def _run(command: Sequence[str], what: str, *, timeout: float) -> None:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                              check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise EarkValidatorUnavailable(f"{what} failed: {error}") from None
    if done.returncode != 0:
        lines = [line for line in (done.stderr + done.stdout).splitlines() if line.strip()]
        detail = " | ".join(lines[-5:]) or "no output"
        raise EarkValidatorUnavailable(f"{what} failed (exit {done.returncode}): {detail}")


def package_root(path: Path) -> Path:
    """The package root (holding METS.xml): ``path``, or within a bag ``data/`` or its
    only folder."""
    if (path / "bagit.txt").is_file():
        data = path / "data"
        if (data / "METS.xml").is_file():
            return data
        folders = [entry for entry in data.iterdir() if entry.is_dir()] if data.is_dir() else []
        if len(folders) == 1:
            return folders[0]
    return path


def validate(path: Path, *, specification: str = SPECIFICATION, prefix: Path | None = None,
             timeout: float = 600) -> Result:
    """Validate an information package: its root folder, a BagIt bag holding it, or a tar
    of such a bag (unpacked into a temporary folder first)."""
    python = ensure(prefix)
    if path.is_file():
        with tempfile.TemporaryDirectory(prefix="lienthong-eark-") as scratch:
            with tarfile.open(path) as archive:
                archive.extractall(scratch, filter="data")
            entries = list(Path(scratch).iterdir())
            inside = entries[0] if len(entries) == 1 and entries[0].is_dir() else Path(scratch)
            return _validate_folder(python, package_root(inside), specification, timeout)
    return _validate_folder(python, package_root(path), specification, timeout)


def _validate_folder(python: Path, root: Path, specification: str, timeout: float) -> Result:
    done = subprocess.run([str(python), "-I", "-c", RUNNER, str(root), specification],
                          capture_output=True, text=True, timeout=timeout, check=False)
    if done.returncode != 0 or not done.stdout.strip():
        detail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        msg = f"eark-validator failed on {root} (exit {done.returncode}): {detail}"
        raise RuntimeError(msg)
    return parse_report(root, specification, json.loads(done.stdout))


SEVERITIES = {"error": "error", "warn": "warning", "info": "info"}  # eark-validator's


def _messages(results: dict | None, check: str) -> list[Message]:
    found = []
    for item in (results or {}).get("messages") or []:
        severity = SEVERITIES.get(str(item.get("severity", "")).lower(), "error")
        found.append(Message(item.get("rule_id") or "", severity, item.get("location") or "",
                             " ".join(str(item.get("message") or "").split()), check))
    return found


def parse_report(root: Path, specification: str, report: dict) -> Result:
    """A :class:`Result` from the runner's JSON: eark-validator's ValidationReport with
    ``representations`` and ``references`` added."""
    structure = report.get("structure") or {}
    metadata = report.get("metadata") or {}
    schema = metadata.get("schema_results") or {}
    schematron = metadata.get("schematron_results") or {}
    messages = [*_messages(structure, "structure"), *_messages(schema, "schema"),
                *_messages(schematron, "schematron")]
    for name, findings in sorted((report.get("representations") or {}).items()):
        messages += [Message(m.rule_id, m.severity, f"representations/{name}: {m.location}",
                             m.text, m.check) for m in _messages(findings, "schema")]
    messages += _messages(report.get("references"), "references")
    schema_status = str(schema.get("status") or "Unknown").capitalize()
    if any(m.check == "schema" and m.severity == "error" for m in messages):
        schema_status = "Invalid"  # a representation's METS.xml broke the METS schema
    return Result(root, specification, str(structure.get("status") or "Unknown"),
                  schema_status, str(schematron.get("status") or "Unknown").capitalize(),
                  tuple(messages))


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m lienthong.devtools.earkvalidator",
        description="Validate E-ARK information packages (a package folder, a BagIt bag "
                    "holding one, or a tar of such a bag) with eark-validator, installed "
                    "once into <venv>/eark-validator.")
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    parser.add_argument("--specification", default=SPECIFICATION,
                        choices=("V2.0.4", "V2.1.0"), help="CSIP version (default %(default)s)")
    parser.add_argument("--prefix", type=Path,
                        help="keep the environment under PREFIX (default: sys.prefix)")
    args = parser.parse_args(argv)
    try:
        results = [validate(path, specification=args.specification, prefix=args.prefix)
                   for path in args.paths]
    except (EarkValidatorUnavailable, RuntimeError, OSError, tarfile.TarError) as error:
        print(f"earkvalidator: {error}", file=sys.stderr)
        raise SystemExit(2) from None
    for result in results:
        verdict = "valid" if result.valid else "INVALID"
        print(f"{result.path}: {verdict} (CSIP {result.specification}; structure "
              f"{result.structure}, schema {result.schema}, schematron {result.schematron})")
        for message in result.messages:
            if message.severity != "info":
                print(f"  {message.severity:7} {message.rule_id:12} {message.text[:160]}")
    raise SystemExit(0 if all(result.valid for result in results) else 1)


if __name__ == "__main__":
    main()
