"""The credentials this process saved last, kept so the signing ceremony need not read
them back.

An official authorizes, then signs, seconds apart, on the same credential: each step
would read the credential's snapshot and events only to find what the step before it
saved. A command takes a working copy of the credential as this process last saved it
instead, and only to say yes: its save is refused if another process (a replica) saved
the credential since, as that took the version, and the command runs again on the
stored credential. A refusal is always decided on the stored credential, so what
another replica allowed a moment ago (a SAD it issued) is never refused here.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from uuid import UUID

    from .domain.credential import Credential

#: Credentials kept (a few kilobytes each: the certificate is the most of it); the least
#: recently saved or used go first.
RECENT_CREDENTIALS = 4096


class RecentCredentials:
    """Copies of the credentials this process saved last (thread-safe)."""

    def __init__(self, size: int = RECENT_CREDENTIALS) -> None:
        if size < 1:
            msg = "keep at least one credential"
            raise ValueError(msg)
        self.size = size
        self._kept: OrderedDict[UUID, Credential] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        with self._lock:
            return len(self._kept)

    def remember(self, credential: Credential) -> None:
        """Keep a copy of ``credential`` as it was just saved."""
        kept = credential.working_copy()
        with self._lock:
            self._kept[kept.id] = kept
            self._kept.move_to_end(kept.id)
            while len(self._kept) > self.size:
                self._kept.popitem(last=False)

    def working_copy(self, credential_id: UUID) -> Credential | None:
        """A copy of the credential as this process last saved it, to change, if kept."""
        with self._lock:
            kept = self._kept.get(credential_id)
            if kept is None:
                return None
            self._kept.move_to_end(credential_id)
        return kept.working_copy()

    def forget(self, credential_id: UUID) -> None:
        """Drop the copy (another process saved the credential since)."""
        with self._lock:
            self._kept.pop(credential_id, None)
