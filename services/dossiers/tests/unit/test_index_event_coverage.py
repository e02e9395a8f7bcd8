"""No event of the dossiers service is skipped by its read models without a stated reason.

The dossier index and the procedure index bind their handlers to the event classes
(a renamed class breaks the import), and each class is refused when an event of the
aggregates it reads is neither handled nor ignored with a reason; here, every
aggregate the service records must be read by one of them.
"""

from __future__ import annotations

import lienthong.services.dossiers.application  # noqa: F401 - imports every aggregate
from lienthong.services.dossiers.domain.units import KnownUnit
from lienthong.services.dossiers.projections import DossierIndex, ProcedureIndex
from lienthong.testing.read_models import (
    assert_every_event_is_handled_or_ignored,
    service_aggregates,
)

READ_MODELS = (DossierIndex, ProcedureIndex)


def test_every_aggregate_the_service_records_is_read_by_a_read_model() -> None:
    aggregates = service_aggregates("lienthong.services.dossiers.")
    assert {a.__name__ for a in aggregates} >= {"Dossier", "Procedure", "DossierCounter",
                                                "KnownUnit", "RequestRecord"}
    read = {a for model in READ_MODELS for a in model.aggregates}
    assert aggregates <= read, f"read by no model: {sorted(a.__name__ for a in aggregates - read)}"


def test_every_event_is_handled_or_ignored_with_the_reason() -> None:
    assert_every_event_is_handled_or_ignored(READ_MODELS, "lienthong.services.dossiers.")


def test_a_renamed_unit_is_renamed_in_the_index_too() -> None:
    # Once skipped by a name-based handler lookup, now handled: statistics and refusals
    # name a unit by its current name.
    assert KnownUnit.Renamed in DossierIndex.follows
