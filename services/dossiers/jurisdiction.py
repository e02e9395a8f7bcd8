"""Whose dossiers a calling system may touch, when its access rule limits it to its
jurisdiction (a rule with ``scope: jurisdiction``, see :mod:`lienthong.policy`).

A commune's system acts only on dossiers that its own units receive or hold; a province's
on those of its communes too. The caller is its agency code (the certificate's
``VN:GOV:<agency code>``); the units are what identity's events told this service
(:class:`~.domain.units.KnownUnit`), followed through merges and divisions: a dossier still
at a unit that was merged away counts as its successor's, so the successor's system may act
on it, and the retired unit's own system no longer may (no active unit carries its code).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lienthong.errors import PermissionDenied
from lienthong.policy import Grant, current_grant

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from uuid import UUID

    from .domain.units import KnownUnit

#: The reason of a call outside the caller's jurisdiction.
OUTSIDE_JURISDICTION = "OUTSIDE_JURISDICTION"
#: How many changes of a unit's lineage are followed (a loop is no jurisdiction).
MAX_LINEAGE = 64


class Jurisdiction:
    """The units a limited caller may act for, decided unit by unit and remembered for the
    call. ``get(unit_id)`` reads a :class:`KnownUnit` (None when it is not one)."""

    def __init__(self, grant: Grant, get: Callable[[UUID], KnownUnit | None]) -> None:
        self.grant = grant
        self._get = get
        self._covers: dict[UUID, bool] = {}

    @classmethod
    def of_call(cls, get: Callable[[UUID], KnownUnit | None]) -> Jurisdiction | None:
        """The jurisdiction of the call in progress; None when nothing limits it."""
        grant = current_grant()
        return cls(grant, get) if grant is not None and grant.limited else None

    def covers(self, unit_id: UUID) -> bool:
        """The unit, as it is carried on today, is the caller's or one of its communes."""
        if unit_id not in self._covers:
            self._covers[unit_id] = any(
                self._named(unit) or self._named_province(unit)
                for unit in self._carried_on_by(unit_id))
        return self._covers[unit_id]

    def covers_any(self, unit_ids: Iterable[UUID]) -> bool:
        return any(self.covers(unit_id) for unit_id in unit_ids)

    def require(self, unit_ids: Iterable[UUID], what: str, record_id: str) -> None:
        """PermissionDenied naming the rule unless one of ``unit_ids`` is covered."""
        if not self.covers_any(unit_ids):
            raise self.refusal(f"may act only on {what}s of its own units; {what} "
                               f"{record_id} is not one of them", **{f"{what}_id": record_id})

    def refusal(self, why: str, **metadata: str) -> PermissionDenied:
        """The refusal of a call outside the caller's jurisdiction, naming the rule."""
        msg = (f"{self.grant.caller} {why} (rule {self.grant.rule!r} limits it to its "
               "jurisdiction)")
        return PermissionDenied(msg, reason=OUTSIDE_JURISDICTION, metadata={
            "caller": self.grant.caller, "rule": self.grant.rule,
            "policy": self.grant.policy[:16], **metadata})

    def _named(self, unit: KnownUnit) -> bool:
        return bool(unit.agency_code) and unit.agency_code == self.grant.agency_code

    def _named_province(self, unit: KnownUnit) -> bool:
        if unit.province_id is None or unit.province_id == unit.id:
            return False
        return any(self._named(p) for p in self._carried_on_by(unit.province_id))

    def _carried_on_by(self, unit_id: UUID) -> list[KnownUnit]:
        """The active units that carry ``unit_id`` on today (itself while it is active;
        every successor of a divided unit)."""
        found: list[KnownUnit] = []
        pending, seen = [unit_id], set()
        while pending and len(seen) < MAX_LINEAGE:
            current = pending.pop()
            if current in seen:
                continue
            seen.add(current)
            unit = self._get(current)
            if unit is None:
                continue
            if unit.is_active:
                found.append(unit)
            else:
                pending.extend(unit.successor_ids)
        return found
