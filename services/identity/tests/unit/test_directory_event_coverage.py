"""No event of the identity service is skipped by its read model without a stated reason.

The directory binds its handlers to the event classes (a renamed class breaks the
import) and its class is refused when an event of the aggregates it reads is neither
handled nor ignored with a reason; here, every aggregate the service records must be
one it reads.
"""

from __future__ import annotations

import lienthong.services.identity.application  # noqa: F401 - imports every aggregate
from lienthong.idempotency import RequestRecord
from lienthong.services.identity.projections import UnitDirectory
from lienthong.testing.read_models import (
    assert_every_event_is_handled_or_ignored,
    service_aggregates,
)

READ_MODELS = (UnitDirectory,)


def test_every_aggregate_the_service_records_is_read_by_its_read_model() -> None:
    aggregates = service_aggregates("lienthong.services.identity.")
    assert {a.__name__ for a in aggregates} >= {"Unit", "AgencyCodeClaim",
                                                "AdministrativeCodeRegister", "RequestRecord"}
    read = {a for model in READ_MODELS for a in model.aggregates}
    assert aggregates <= read, f"read by no model: {sorted(a.__name__ for a in aggregates - read)}"


def test_every_event_is_handled_or_ignored_with_the_reason() -> None:
    assert_every_event_is_handled_or_ignored(READ_MODELS, "lienthong.services.identity.")
    assert set(UnitDirectory.ignores) == {RequestRecord.Accepted}
