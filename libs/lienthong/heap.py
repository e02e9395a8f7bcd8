"""What a service holds once it has started is set aside from the cycle collector.

At each full collection (generation 2) Python's collector of reference cycles walks every
container object the process holds, with every thread stopped. A service that has
imported grpc, eventsourcing, psycopg and its own modules holds over a hundred thousand of
them (the signatures service with pyHanko loaded: 124,000, a full collection 37 ms), and
whichever call is running when one comes pays the pause. What exists once the service
has started (modules, classes, the application) lives as long as the process:
:func:`settle` collects what is garbage by then and moves the rest to the permanent
generation (``gc.freeze``), which collections do not walk. Objects made afterwards are
collected as before.
"""

from __future__ import annotations

import gc


def settle() -> int:
    """Collect, then freeze what is left; the number of objects frozen in all."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
