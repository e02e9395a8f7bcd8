"""The archive's own metrics, beside the platform's (:mod:`lienthong.metrics`):

=============================================  =========  ========  ======================
name                                           type       labels    meaning
=============================================  =========  ========  ======================
``lienthong_archive_fixity_checks_total``      counter    outcome   packages checked
``lienthong_archive_fixity_bytes_total``       counter              bytes read to check
``lienthong_archive_damaged_packages``         gauge                packages whose last
                                                                    check found damage
                                                                    (alert above 0)
=============================================  =========  ========  ======================
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from prometheus_client import Counter, Gauge

from lienthong.metrics import REGISTRY

if TYPE_CHECKING:
    from .fixity import PackageFixity

FIXITY_CHECKS = Counter("lienthong_archive_fixity_checks",
                        "Fixity checks of archival packages, by outcome (intact, damaged).",
                        ["outcome"], registry=REGISTRY)
FIXITY_BYTES = Counter("lienthong_archive_fixity_bytes",
                       "Bytes of archival packages read by fixity checks.", registry=REGISTRY)
DAMAGED = Gauge("lienthong_archive_damaged_packages",
                "Archival packages whose last fixity check found them damaged.",
                registry=REGISTRY)


def fixity_checked(found: PackageFixity) -> None:
    FIXITY_CHECKS.labels(outcome=found.outcome).inc()
    FIXITY_BYTES.inc(found.bytes_read)


def damaged_packages(status: dict[str, Any]) -> None:
    DAMAGED.set(status["damaged"])
