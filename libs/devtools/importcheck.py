"""Check the import contracts of ``.importlinter`` on the package as it ships.

The services live in services/ but install as ``lienthong.services.*``; an
editable install maps them there, which import-linter cannot follow. So the
package is installed (no dependencies, no build isolation: nothing is
downloaded) into ``build/import-check`` and lint-imports reads that copy.
``python -m lienthong.devtools.importcheck [--contracts FILE] [--site DIR]``; exit status as
lint-imports': 0 when every contract is kept.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def install(site: Path) -> None:
    """The package, as a wheel would install it, into ``site`` (replaced)."""
    shutil.rmtree(site, ignore_errors=True)
    # setuptools builds in the checkout's build/lib, whatever the site: two installs at
    # once (the test workers of `make test -n`, `make lint` beside it) would empty it
    # under each other's feet, so they take turns.
    lock = ROOT / "build" / ".import-check.lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    with lock.open("w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # released when closed
        # setuptools keeps what an earlier build left in build/lib, a module since
        # removed included: start from the sources alone.
        shutil.rmtree(ROOT / "build" / "lib", ignore_errors=True)
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                        "--no-build-isolation", "--target", str(site), str(ROOT)],
                       check=True, stdout=subprocess.DEVNULL)


def lint(site: Path, contracts: Path) -> int:
    """lint-imports on the copy in ``site``; its exit status."""
    lint_imports = Path(sys.executable).with_name("lint-imports")
    env = {**os.environ, "PYTHONPATH": str(site)}
    # Run outside the checkout, so the working tree's libs/ cannot shadow the copy.
    return subprocess.run([str(lint_imports), str(contracts.resolve()), "--no-cache"],
                          cwd=site, env=env, check=False).returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lienthong.devtools.importcheck",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--contracts", type=Path, default=ROOT / ".importlinter")
    parser.add_argument("--site", type=Path, default=ROOT / "build" / "import-check")
    parser.add_argument("--no-install", action="store_true",
                        help="check the copy already in --site")
    args = parser.parse_args(argv)
    if not args.no_install:
        install(args.site)
    return lint(args.site, args.contracts)


if __name__ == "__main__":
    sys.exit(main())
