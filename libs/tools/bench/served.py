"""The services' own account of the calls they served: the RPC duration histograms each
exports on ``/metrics`` (``lienthong_rpc_duration_seconds``), read before and after a
step. Beside the load's latencies (from the slot to the answer) they tell whether a slow
call was slow inside the service's handler or before it got there (a queue in the
server's event loop or thread pool, the load's own process, the machine)."""

from __future__ import annotations

import math
import urllib.request
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

RPC_HISTOGRAM = "lienthong_rpc_duration_seconds"

#: (service, Method) -> {bucket upper bound in seconds: calls at most that long}
Buckets = dict[tuple[str, str], dict[float, float]]


def parse_rpc_buckets(text: str) -> Buckets:
    """The cumulative bucket counts of every method in a ``/metrics`` text, status codes
    added together."""
    buckets: Buckets = {}
    for family in text_string_to_metric_families(text):
        if family.name != RPC_HISTOGRAM:
            continue
        for sample in family.samples:
            if not sample.name.endswith("_bucket"):
                continue
            method = sample.labels["method"].rpartition("/")[2]
            key = (sample.labels["service"], method)
            bound = float(sample.labels["le"])
            counts = buckets.setdefault(key, {})
            counts[bound] = counts.get(bound, 0.0) + sample.value
    return buckets


def scrape(port: int, timeout_s: float = 5.0) -> Buckets:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics",
                                timeout=timeout_s) as answer:
        return parse_rpc_buckets(answer.read().decode())


def served_figures(before: Buckets, after: Buckets, *, limit_s: float) -> dict[str, Any]:
    """Per ``service.Method``, the calls served between two scrapes: how many, how many took
    longer in the handler than the largest bucket bound within ``limit_s`` (``limit_s``
    itself when it is a bound, as 50 ms is), and the bucket bound that 99% stayed within
    (``p99_at_most_ms``; None: beyond the last finite bucket)."""
    served: dict[str, Any] = {}
    for key, counts in after.items():
        earlier = before.get(key, {})
        delta = {bound: count - earlier.get(bound, 0.0) for bound, count in counts.items()}
        total = delta.get(math.inf, 0.0)
        if total <= 0:
            continue
        within = max((count for bound, count in delta.items() if bound <= limit_s),
                     default=0.0)
        p99 = next((bound for bound in sorted(delta) if delta[bound] >= 0.99 * total),
                   math.inf)
        served[f"{key[0]}.{key[1]}"] = {
            "count": int(total), "over_limit": int(total - within),
            "p99_at_most_ms": None if math.isinf(p99) else round(p99 * 1000, 1)}
    return served
