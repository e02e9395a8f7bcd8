"""Each figure's spread over several runs of the benchmarks (what `make bench` prints last).

A target met on one lucky run is not met: ``make bench`` runs every scenario ``RUNS``
times and reads their JSON lines here. For each scenario, every numeric figure (a path
through the JSON, ``commit_to_applied.p99_ms``) gets its runs, ``min``, ``median`` and
``max``; every yes-or-no figure (``targets.*``, a phase's ``met``) how many runs held it
(``held``: ``"5/5"``) and ``always``. Machine and configuration figures are left out.

    python -m lienthong.tools.bench.spread results.jsonl [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections import defaultdict
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Mapping

#: Parts of a result that describe the run, not its figures.
SKIPPED = frozenset({"machine", "config", "scenario"})


def leaves(figures: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """``(path, value)`` of every number and yes-or-no figure, in the result's order."""
    for key, value in figures.items():
        if not prefix and key in SKIPPED:
            continue
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            yield from leaves(value, f"{path}.")
        elif isinstance(value, int | float):  # bool is an int
            yield path, value


def spread(results: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per scenario, per figure: its spread over the runs (see the module's docstring)."""
    runs: dict[str, int] = defaultdict(int)
    values: dict[str, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))
    for result in results:
        scenario = str(result.get("scenario", "?"))
        runs[scenario] += 1
        for path, value in leaves(result):
            values[scenario][path].append(value)
    report: dict[str, dict[str, Any]] = {}
    for scenario, figures in values.items():
        out: dict[str, Any] = {"runs": runs[scenario]}
        for path, seen in figures.items():
            if all(isinstance(v, bool) for v in seen):
                held = sum(seen)
                out[path] = {"held": f"{held}/{runs[scenario]}",
                             "always": held == runs[scenario]}
            else:
                numbers = [float(v) for v in seen if not isinstance(v, bool)]
                out[path] = {"runs": numbers, "min": min(numbers),
                             "median": round(statistics.median(numbers), 3),
                             "max": max(numbers)}
        report[scenario] = out
    return report


def read_results(lines: Iterable[str]) -> list[dict[str, Any]]:
    """The JSON objects of a file of benchmark output (other lines are skipped)."""
    results = []
    for line in lines:
        text = line.strip()
        if not text.startswith("{"):
            continue
        try:
            parsed = json.loads(text)
        except json.JSONDecodeError:
            continue
        if isinstance(parsed, dict):
            results.append(parsed)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lienthong.tools.bench.spread",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("results", help="a file of benchmark JSON lines ('-': stdin)")
    args = parser.parse_args(argv)
    source = sys.stdin if args.results == "-" else open(args.results)  # noqa: SIM115
    with source:
        report = spread(read_results(source))
    if not report:
        print("no benchmark results to spread", file=sys.stderr)
        return 1
    for scenario, figures in report.items():
        print(json.dumps({"spread": scenario, **figures}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
