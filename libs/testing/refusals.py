"""Tests of refusals: the reason is named and nothing is written."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from lienthong.errors import InvalidArgument, LienthongError

if TYPE_CHECKING:
    from collections.abc import Callable

    from eventsourcing.application import Application


def refused(app: Application[Any], expected: type[LienthongError], reason: str,
            command: Callable[[], Any]) -> LienthongError:
    """Run a command that must be refused; check its reason and that it wrote nothing."""
    before = app.recorder.max_notification_id()
    with pytest.raises(expected) as error:
        command()
    assert error.value.reason == reason, error.value
    assert app.recorder.max_notification_id() == before, "a refused command wrote events"
    return error.value


def violations(error: LienthongError) -> list[tuple[str, str]]:
    """The (field, rule) pairs of an InvalidArgument, in order."""
    assert isinstance(error, InvalidArgument)
    return [(v.field, v.rule) for v in error.violations]
