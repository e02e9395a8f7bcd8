"""The whole country's load as ``lienthong bench national`` drives it: the model's design
peak rates, each operation's rate at a multiple of them, a step's verdict and the ramp.

The rates are the "Design peak /s" column of docs/benchmarks.md, "The whole country's
load (a model)", section 3 "National peak rates": one platform serving all 34 provinces
and 3,321 communes, in the busiest hour of a peak day. Change them there first, then here.

Everything in this module is pure (unit-tested); :mod:`.national` runs it.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, Sequence


@dataclass(frozen=True)
class Operation:
    """One line of the model: what happens nationally, its design peak rate and the calls
    that make one of it on the platform."""

    name: str
    design_peak_per_s: float
    what: str
    calls: tuple[str, ...]


#: docs/benchmarks.md, section 3 "National peak rates", the design column (x1.5 peak day).
MODEL: tuple[Operation, ...] = (
    Operation("submit_dossier", 14.4, "dossiers handed in at one-stop desks",
              ("dossiers.SubmitDossier",)),
    Operation("dossier_status_change", 86.3,
              "status changes of submitted dossiers, six per dossier in turn: received, "
              "assigned, fee required, fee paid, approved, result returned",
              ("dossiers.ReceiveDossier", "dossiers.AssignDossier",
               "dossiers.RequireFinancialObligation", "dossiers.FulfilFinancialObligation",
               "dossiers.ApproveDossier", "dossiers.ReturnResult")),
    Operation("document_issued", 4.0,
              "official documents drafted, submitted, signed by the official, numbered "
              "and sealed by the agency (both signatures validated by the signatures "
              "service)",
              ("documents.CreateDraft", "documents.SubmitDraft",
               "documents.RecordOfficialSignature", "documents.NumberDocument",
               "documents.RecordAgencySignature")),
    Operation("document_exchanged", 18.5,
              "documents exchanged between agencies: an issued document sent to its four "
              "recipients (one in five), or one recipient registering its copy",
              ("documents.SendDocument", "documents.RegisterIncoming")),
    Operation("signature", 36.8,
              "remote signatures: an official authorizes one hash with a one-time code "
              "and the service signs it",
              ("signatures.AuthorizeSignature", "signatures.SignHash")),
    Operation("scanned_page", 48.6,
              "scanned pages (counter and archives): a page uploaded and captured "
              "through quality control",
              ("archive.UploadFile", "archive.CapturePage")),
    Operation("identity_read", 43.2, "unit look-ups: ResolveUnit and GetUnit in turn",
              ("identity.ResolveUnit", "identity.GetUnit")),
)

#: The multiples of the design peak a ramp goes through, by default.
DEFAULT_MULTIPLES: tuple[float, ...] = (0.25, 0.5, 1, 2, 4, 6, 8, 10, 12, 16, 20)
#: The issue's limits: every RPC's p99, and the age of what a consumer has not yet
#: acknowledged.
DEFAULT_P99_MS = 50.0
DEFAULT_MAX_LAG_S = 1.0
#: How long each multiple is held (the issue's five minutes).
DEFAULT_STEP_SECONDS = 300.0


def operation(name: str) -> Operation:
    for op in MODEL:
        if op.name == name:
            return op
    msg = f"no operation {name!r} in the model"
    raise KeyError(msg)


def rates_at(multiple: float, model: Sequence[Operation] = MODEL) -> dict[str, float]:
    """Each operation's rate per second at ``multiple`` times the design peak."""
    if multiple <= 0:
        msg = f"a multiple is positive, not {multiple!r}"
        raise ValueError(msg)
    return {op.name: op.design_peak_per_s * multiple for op in model}


def scheduled_calls(rate_per_s: float, seconds: float) -> int:
    """How many slots a schedule of ``rate_per_s`` holds in ``seconds`` (slot k is due
    ``(k + 0.5) / rate`` after the start: spread evenly)."""
    if rate_per_s < 0 or seconds <= 0:
        msg = "a rate is not negative and a duration is positive"
        raise ValueError(msg)
    return int(rate_per_s * seconds)


def parse_multiples(text: str) -> tuple[float, ...]:
    """``"0.25,0.5,1"`` as (0.25, 0.5, 1.0): positive and rising."""
    try:
        values = tuple(float(part) for part in text.split(",") if part.strip())
    except ValueError:
        msg = f"multiples are numbers separated by commas, not {text!r}"
        raise ValueError(msg) from None
    if not values or any(v <= 0 for v in values):
        msg = f"multiples are positive, and at least one: {text!r}"
        raise ValueError(msg)
    if any(b <= a for a, b in itertools.pairwise(values)):
        msg = f"multiples rise: {text!r}"
        raise ValueError(msg)
    return values


# -- a step's verdict -----------------------------------------------------------------


@dataclass(frozen=True)
class Limits:
    p99_ms: float = DEFAULT_P99_MS
    max_lag_s: float = DEFAULT_MAX_LAG_S


def step_failures(step: Mapping[str, Any], limits: Limits) -> list[dict[str, Any]]:
    """What a step broke, worst first within each kind: an RPC whose p99 is over
    ``limits.p99_ms``, an RPC or an operation with errors, a durable consumer whose oldest
    unacknowledged message was ever older than ``limits.max_lag_s``. Empty: it passed.

    ``step`` holds ``rpcs`` (name: ``p99_ms``, ``errors``), ``operations`` (name:
    ``errors``) and ``event_lag`` (durable: ``max_s``).
    """
    failures: list[dict[str, Any]] = []
    rpcs = step.get("rpcs", {})
    slow = sorted(((name, f["p99_ms"]) for name, f in rpcs.items()
                   if f.get("count", 1) and f["p99_ms"] > limits.p99_ms),
                  key=lambda item: -item[1])
    failures += [{"limit": "p99_ms", "rpc": name, "value": value, "max": limits.p99_ms}
                 for name, value in slow]
    erred = sorted(((name, f["errors"]) for name, f in rpcs.items() if f.get("errors")),
                   key=lambda item: -item[1])
    failures += [{"limit": "errors", "rpc": name, "value": count, "max": 0}
                 for name, count in erred]
    # An operation can fail outside its RPCs too (nothing it could call with).
    failed_ops = sorted(((name, f["errors"]) for name, f in step.get("operations", {}).items()
                         if f.get("errors")), key=lambda item: -item[1])
    failures += [{"limit": "errors", "operation": name, "value": count, "max": 0}
                 for name, count in failed_ops]
    late = sorted(((durable, f["max_s"]) for durable, f in step.get("event_lag", {}).items()
                   if f["max_s"] > limits.max_lag_s), key=lambda item: -item[1])
    failures += [{"limit": "event_lag_s", "consumer": durable, "value": value,
                  "max": limits.max_lag_s} for durable, value in late]
    return failures


@dataclass
class Ramp:
    """The steps run, and the highest multiple that passed (0 when none did)."""

    steps: list[dict[str, Any]]
    sustained_multiple: float
    first_limit: dict[str, Any] | None


def ramp(multiples: Iterable[float], run_step: Callable[[float], dict[str, Any]],
         limits: Limits) -> Ramp:
    """Run ``run_step(m)`` for each multiple in turn, judge it by ``limits`` (its
    ``passed`` and ``failed_limits`` are set), and stop at the first that fails."""
    steps: list[dict[str, Any]] = []
    sustained = 0.0
    for multiple in multiples:
        step = run_step(multiple)
        failures = step_failures(step, limits)
        step["passed"] = not failures
        step["failed_limits"] = failures
        steps.append(step)
        if failures:
            return Ramp(steps, sustained, failures[0])
        sustained = multiple
    return Ramp(steps, sustained, None)
