"""How long a consumer takes to catch up after a fault (``bench events``'s recovery).

Each fault has a phase of its own, under the steady load of the commit-to-applied
phase (the same producer, relay and consumer):

* ``consumer_killed``: the consumer process is killed (SIGKILL: at this rate a message
  is nearly always delivered and not yet acknowledged) and a new one started at once,
  as a supervisor would;
* ``nats_restarted``: the nats-server is stopped and started again (same port, same
  store); the relay and the consumer reconnect by themselves.

Figures of a phase, from each event's producer commit and consumer commit (wall clock):

* ``recovered_s``: from the fault to the moment the last event more than ``late_ms``
  late was applied; after it every event arrived on time (0 when none was late);
* ``lag_max_ms``, ``late_events``: how late the latest event was, and how many were;
* ``lost``: committed and never applied (after the phase's drain; the bench counts the
  events with no tracking record in the consumer's store, as a process killed between
  its commit and its line leaves the effect without a line);
* ``applied_twice``: events whose effect was committed more than once (the consumer
  writes one line per effect it commits; a redelivery found applied writes none).
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

#: An event later than this (commit to applied) counts as not caught up.
LATE_MS = 100.0
#: The issue's bound on recovery.
TARGET_S = 5.0


def applied_counts(lines: Iterable[str]) -> tuple[Counter[int], dict[int, float]]:
    """From the consumer's lines (``nid seq began committed``): how many times each
    event's effect was committed, and when it was first committed."""
    counts: Counter[int] = Counter()
    first: dict[int, float] = {}
    for line in lines:
        parts = line.split()
        if len(parts) != 4:
            continue
        try:
            nid, committed = int(parts[0]), float(parts[3])
        except ValueError:
            continue
        counts[nid] += 1
        first[nid] = min(committed, first.get(nid, committed))
    return counts, first


def recovery_figures(fault_at: float, commits: Mapping[int, float],
                     applied_at: Mapping[int, float], counts: Mapping[int, int], *,
                     late_ms: float = LATE_MS) -> dict[str, Any]:
    """The phase's figures (see the module's docstring); times in wall-clock seconds."""
    lags = {nid: applied_at[nid] - committed for nid, committed in commits.items()
            if nid in applied_at}
    late = [nid for nid, lag in lags.items() if lag * 1000 > late_ms]
    recovered_at = max((applied_at[nid] for nid in late), default=fault_at)
    recovered_s = round(max(recovered_at - fault_at, 0.0), 3)
    return {
        "recovered_s": recovered_s,
        "met": recovered_s < TARGET_S,
        "events": len(commits),
        "late_events": len(late),
        "lag_max_ms": round(max(lags.values(), default=0.0) * 1000, 1),
        "lost": sum(1 for nid in commits if nid not in applied_at),
        "applied_twice": sum(1 for nid in commits if counts.get(nid, 0) > 1),
    }
