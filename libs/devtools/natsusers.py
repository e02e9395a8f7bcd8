"""The chart's NATS users, generated from the service registry.

With ``tls.enabled`` the chart's nats-server maps each client certificate to a user named
after its subject and allows that user its own subjects only
(:mod:`lienthong.natsauth`: a user per registered service, and the operators' ``tools``).
A chart cannot ask the registry, so the users live in
``deploy/helm/lienthong/files/nats-authorization.json``, written by this module; a test of
``make test`` fails, naming this command, when the file is not what the registry gives::

    python -m lienthong.devtools.natsusers          # write the file
    python -m lienthong.devtools.natsusers --check  # exit 1 when it is out of date
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from lienthong import registry
from lienthong.natsauth import TOOLS, authorization

CHART_FILE = (Path(__file__).resolve().parents[2] / "deploy" / "helm" / "lienthong" / "files"
              / "nats-authorization.json")
#: The certificate names of the operators' tools in a deployment.
CHART_TOOLS = (TOOLS,)


def generated() -> str:
    """The file's content for the services registered now."""
    return json.dumps(authorization(registry.services(), tools=CHART_TOOLS), indent=2) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lienthong.devtools.natsusers",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="exit 1 when the chart's file is not what the registry gives")
    args = parser.parse_args(argv)
    wanted = generated()
    current = CHART_FILE.read_text() if CHART_FILE.exists() else ""
    if args.check:
        if current != wanted:
            print(f"{CHART_FILE} is out of date: run python -m lienthong.devtools.natsusers",
                  file=sys.stderr)
            return 1
        return 0
    CHART_FILE.parent.mkdir(parents=True, exist_ok=True)
    CHART_FILE.write_text(wanted)
    print(f"wrote {CHART_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
