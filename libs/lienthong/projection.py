"""In-memory read models that follow an application's notification log.

A :class:`LogFollower` remembers the last notification id it applied and,
when asked, applies every event recorded since. An application catches its
followers up after its own writes (read-your-writes) and refreshes them
before its reads, so other processes' writes appear within
``freshness_s``.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any, ClassVar, Self

from eventsourcing.utils import get_topic

if TYPE_CHECKING:
    from collections.abc import Callable

    from eventsourcing.application import Application
    from eventsourcing.persistence import ApplicationRecorder, Notification


class LogFollower:
    """Applies an application's events, in log order, to handlers named after them.

    A subclass handles ``Unit.Renamed`` in ``_on_Unit_Renamed(event)``. If it
    names the event classes it handles in ``follows``, only their
    notifications are read (the recorder filters them by topic), so a small
    model in a busy log does not decode every other event.
    """

    #: The event classes to read; empty reads every event of the log.
    follows: ClassVar[tuple[type, ...]] = ()
    #: Notifications read per query while catching up.
    batch_size: ClassVar[int] = 1000
    #: How stale a read may be with respect to other processes' writes.
    freshness_s: ClassVar[float] = 0.05

    def __init__(self, recorder: ApplicationRecorder,
                 to_event: Callable[[Notification], Any]) -> None:
        self._recorder = recorder
        self._to_event = to_event
        self._topics = [get_topic(cls) for cls in self.follows]
        self._lock = threading.RLock()
        #: The id of the last notification applied (or skipped as not followed).
        self.position = 0
        self._caught_up_at = float("-inf")

    @classmethod
    def of(cls, app: Application) -> Self:
        """A follower of this application's log (not yet caught up)."""
        return cls(app.recorder, app.mapper.to_domain_event)

    @property
    def lock(self) -> threading.RLock:
        """Held while events are applied; hold it to read several fields consistently."""
        return self._lock

    def refresh(self) -> None:
        """Catch up unless that was done less than ``freshness_s`` ago."""
        if time.monotonic() - self._caught_up_at >= self.freshness_s:
            self.catch_up()

    def catch_up(self) -> int:
        """Apply every followed event recorded since the last call; how many."""
        with self._lock:
            self._caught_up_at = time.monotonic()
            # Read up to the last id visible now: with eventsourcing's default
            # (table-locking) inserts every id up to it is committed, so the
            # position may move past the ones we do not follow.
            end = self._recorder.max_notification_id() or 0
            applied = 0
            while self.position < end:
                batch = self._recorder.select_notifications(
                    start=self.position + 1, limit=self.batch_size, stop=end,
                    topics=self._topics)
                for notification in batch:
                    self._apply(self._to_event(notification))
                    self.position = notification.id
                applied += len(batch)
                if len(batch) < self.batch_size:
                    self.position = end
            return applied

    def _apply(self, event: Any) -> bool:
        """Run the event's handler, if there is one; whether there was."""
        handler = getattr(self, "_on_" + type(event).__qualname__.replace(".", "_"), None)
        if handler is None:
            return False
        handler(event)
        return True
