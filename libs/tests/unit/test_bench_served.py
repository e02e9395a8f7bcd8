"""What the services say they served in a step of ``bench national``: from the RPC
histograms each exports, read before and after the step."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Histogram, generate_latest

from lienthong.metrics import RPC_BUCKETS
from lienthong.tools.bench.served import parse_rpc_buckets, served_figures

SUBMIT = "lienthong.dossiers.v1.DossierService/SubmitDossier"
RESOLVE = "lienthong.identity.v1.IdentityService/ResolveUnit"


class Exported:
    """A service's ``/metrics``: the histogram as the services declare it."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.histogram = Histogram("lienthong_rpc_duration_seconds", "rpc",
                                   ["service", "method", "code"], buckets=RPC_BUCKETS,
                                   registry=self.registry)

    def served(self, service: str, method: str, seconds: float, code: str = "OK") -> None:
        self.histogram.labels(service, method, code).observe(seconds)

    def text(self) -> str:
        return generate_latest(self.registry).decode()


def test_a_step_counts_only_the_calls_served_during_it() -> None:
    exported = Exported()
    exported.served("dossiers", SUBMIT, 0.004)  # before the step
    before = parse_rpc_buckets(exported.text())
    for _ in range(98):
        exported.served("dossiers", SUBMIT, 0.008)
    exported.served("dossiers", SUBMIT, 0.3)
    exported.served("dossiers", SUBMIT, 0.02, code="NOT_FOUND")  # codes are added together
    exported.served("identity", RESOLVE, 0.002)

    served = served_figures(before, parse_rpc_buckets(exported.text()), limit_s=0.05)

    assert served["dossiers.SubmitDossier"] == {"count": 100, "over_limit": 1,
                                                "p99_at_most_ms": 25.0}
    assert served["identity.ResolveUnit"] == {"count": 1, "over_limit": 0,
                                              "p99_at_most_ms": 2.5}


def test_calls_beyond_the_last_bucket_have_no_bound_and_idle_methods_are_left_out() -> None:
    exported = Exported()
    exported.served("archive", "lienthong.archive.v1.ArchiveService/CapturePage", 45.0)
    exported.served("identity", RESOLVE, 0.002)
    before = parse_rpc_buckets(exported.text())
    exported.served("archive", "lienthong.archive.v1.ArchiveService/CapturePage", 45.0)

    served = served_figures(before, parse_rpc_buckets(exported.text()), limit_s=0.05)

    assert served == {"archive.CapturePage": {"count": 1, "over_limit": 1,
                                              "p99_at_most_ms": None}}
