"""Replicas of a service starting together on an empty database take turns creating
its schema, tables and functions: none of them fails on the catalog."""

from __future__ import annotations

import threading

import pytest

from lienthong.events.consumer import TrackingApplication
from lienthong.idempotency import IdempotentApplication

pytestmark = pytest.mark.postgres

REPLICAS = 6


class Register(TrackingApplication, IdempotentApplication, service="register"):
    pass


def test_replicas_starting_at_once_on_an_empty_database_all_start(postgres_dsn: str) -> None:
    barrier = threading.Barrier(REPLICAS)
    started: list[Register] = []
    failures: list[BaseException] = []

    def start_a_replica() -> None:
        barrier.wait()
        try:
            started.append(Register(postgres_dsn))
        except BaseException as error:  # reported below
            failures.append(error)

    threads = [threading.Thread(target=start_a_replica) for _ in range(REPLICAS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert failures == []
        assert len(started) == REPLICAS
        # Each one works on the tables the first created.
        assert all(app.recorder.max_notification_id() in (None, 0) for app in started)
    finally:
        for app in started:
            app.close()
