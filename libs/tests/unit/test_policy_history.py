"""Each version of the access policy a service takes is an event of its own log, and a
version that cannot be recorded is not taken."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from lienthong.audit.policies import PolicyAdopted, recorder
from lienthong.policy import CHECK_EVERY_S, PolicyFile
from lienthong.services.identity.application import IdentityApplication

if TYPE_CHECKING:
    from pathlib import Path

FIRST = """\
rules:
  - name: everyone-reads-units
    callers: ["VN:GOV:*"]
    rpcs: ["lienthong.identity.v1.IdentityService/List*"]
"""
SECOND = FIRST + """\
  - name: communes-register
    callers: ["VN:GOV:???.??.??.H26/*"]
    rpcs: ["lienthong.identity.v1.IdentityService/RegisterUnit"]
"""


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def adoptions(app: IdentityApplication) -> list[PolicyAdopted]:
    found = []
    for notification in app.recorder.select_notifications(1, 100):
        aggregate = app.repository.get(notification.originator_id)
        if isinstance(aggregate, PolicyAdopted):
            found.append(aggregate)
    return found


def test_the_policy_at_start_and_each_change_are_recorded_with_their_text(
        tmp_path: Path) -> None:
    app, clock, path = IdentityApplication(), Clock(), tmp_path / "policy.yaml"
    path.write_text(FIRST)
    policy = PolicyFile(path, clock=clock, on_adopted=recorder(app, str(path)))
    path.write_text(SECOND)
    clock.now += CHECK_EVERY_S

    assert [r.name for r in policy.current().rules] == ["everyone-reads-units",
                                                        "communes-register"]
    first, second = adoptions(app)
    assert (first.text, first.previous_digest) == (FIRST, "")
    assert (second.text, second.previous_digest) == (SECOND, first.digest)
    assert second.rules == ["everyone-reads-units", "communes-register"]
    event = next(iter(app.events.get(second.id)))
    assert event.metadata["reason"] == "access policy changed"


def test_a_version_that_cannot_be_recorded_is_not_taken_until_it_is(tmp_path: Path) -> None:
    app, clock, path = IdentityApplication(), Clock(), tmp_path / "policy.yaml"
    path.write_text(FIRST)
    record = recorder(app, str(path))
    store_down = {"now": False}

    def on_adopted(*args: Any) -> None:
        if store_down["now"]:
            raise ConnectionError("the event store is down")
        record(*args)

    policy = PolicyFile(path, clock=clock, on_adopted=on_adopted)
    store_down["now"] = True
    path.write_text(SECOND)
    clock.now += CHECK_EVERY_S
    assert len(policy.current().rules) == 1  # the previous version stays in force

    store_down["now"] = False
    clock.now += CHECK_EVERY_S
    assert len(policy.current().rules) == 2
    assert [a.text for a in adoptions(app)] == [FIRST, SECOND]


def test_a_start_whose_policy_cannot_be_recorded_fails(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(FIRST)

    def store_down(*_: Any) -> None:
        raise ConnectionError("the event store is down")

    with pytest.raises(ConnectionError):
        PolicyFile(path, on_adopted=store_down)
