"""A service sets aside what it holds once started: a full collection then walks only
what came after, and garbage made after is still collected."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from lienthong import heap


class Node:
    def __init__(self) -> None:
        self.other: Node | None = None


@pytest.fixture
def unfrozen() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_what_the_process_holds_is_frozen_and_its_garbage_collected_first(unfrozen: None
                                                                            ) -> None:
    kept = Node()
    garbage = Node()
    garbage.other = garbage  # a cycle nothing refers to
    gone = weakref.ref(garbage)
    del garbage

    frozen = heap.settle()

    assert gone() is None
    assert frozen == gc.get_freeze_count() > 0
    assert not any(obj is kept for obj in gc.get_objects())  # walked by no generation


def test_a_cycle_made_after_is_collected_as_before(unfrozen: None) -> None:
    heap.settle()
    later = Node()
    later.other = later
    gone = weakref.ref(later)
    del later

    gc.collect()

    assert gone() is None
