"""On PostgreSQL a command's events are saved in one statement (the events table's insert
function) that keeps eventsourcing's guarantees: notification ids committed in the order
they were issued, a version saved twice refused, a consumer's tracking record saved with
its events."""

from __future__ import annotations

import threading

import psycopg
import pytest
from eventsourcing.application import ProcessingEvent
from eventsourcing.domain import event
from eventsourcing.persistence import IntegrityError, Tracking

from lienthong.events.consumer import TrackingApplication
from lienthong.eventstore import AuditedAggregate, ServiceApplication
from lienthong.pgrecorders import OneStatementInserts

pytestmark = pytest.mark.postgres


class Counter(AuditedAggregate):
    def __init__(self, name: str) -> None:
        self.name = name
        self.count = 0

    @event("Counted")
    def count_one(self) -> None:
        self.count += 1


class Counters(ServiceApplication, service="counters"):
    pass


class CountingConsumer(TrackingApplication, service="counting"):
    pass


def test_a_command_is_saved_by_the_tables_insert_function(postgres_dsn: str) -> None:
    app = Counters(postgres_dsn)
    try:
        assert isinstance(app.recorder, OneStatementInserts)
        counter = Counter("phường Quế Võ")
        counter.count_one()
        recordings = app.save(counter)

        ids = [recording.notification.id for recording in recordings]
        assert len(ids) == 2 and ids[1] == ids[0] + 1
        assert app.repository.get(counter.id).count == 1
        with psycopg.connect(postgres_dsn) as conn:
            body = conn.execute(
                "SELECT prosrc FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
                "WHERE n.nspname = 'counters' AND p.proname = %s",
                (app.recorder.insert_function_name,)).fetchone()
        assert body is not None
        # The lock comes before the insert: ids are committed in the order they are issued.
        assert body[0].index("LOCK TABLE") < body[0].index("INSERT INTO")
    finally:
        app.close()


def test_a_version_saved_twice_is_refused_and_nothing_of_it_is_kept(postgres_dsn: str) -> None:
    app = Counters(postgres_dsn)
    try:
        counter = Counter("xã Tân Phú")
        app.save(counter)
        first, second = app.repository.get(counter.id), app.repository.get(counter.id)
        first.count_one()
        second.count_one()
        second.count_one()
        app.save(first)

        with pytest.raises(IntegrityError):
            app.save(second)
        assert app.repository.get(counter.id).count == 1
        assert [n.originator_version for n in app.recorder.select_notifications(1, 10)] == [1, 2]
    finally:
        app.close()


def test_a_save_waits_for_a_writer_that_took_an_earlier_id_to_commit(
        postgres_dsn: str) -> None:
    """Were it to commit first, a reader of the log could pass over the earlier id and
    never come back for it."""
    app = Counters(postgres_dsn)
    saved = threading.Event()
    try:
        app.save(Counter("thôn Đông"))  # the table exists
        with psycopg.connect(postgres_dsn) as writer:
            row = writer.execute(
                f"INSERT INTO counters.{app.recorder.events_table_name} "
                "(originator_id, originator_version, topic, state) "
                "VALUES (gen_random_uuid(), 1, 'x', ''::bytea) RETURNING notification_id",
            ).fetchone()
            assert row is not None
            saving = threading.Thread(target=lambda: (app.save(Counter("thôn Tây")),
                                                      saved.set()))
            saving.start()
            assert not saved.wait(0.5)  # still waiting for the writer's commit
            writer.commit()
        assert saved.wait(10)
        saving.join()
        ids = [n.id for n in app.recorder.select_notifications(1, 10)]
        assert ids[-2] == row[0] and ids[-1] > row[0]
    finally:
        app.close()


def test_a_consumers_events_are_saved_with_their_tracking_record(postgres_dsn: str) -> None:
    app = CountingConsumer(postgres_dsn)
    try:
        processing: ProcessingEvent = ProcessingEvent(
            tracking=Tracking(application_name="identity", notification_id=7))
        counter = Counter("phường Đông Ngàn")
        processing.collect_events(counter)
        app._record(processing)

        assert app.recorder.has_tracking_id("identity", 7)
        assert app.repository.get(counter.id).name == "phường Đông Ngàn"
        # The same upstream event again: its tracking record refuses the whole save.
        again: ProcessingEvent = ProcessingEvent(
            tracking=Tracking(application_name="identity", notification_id=7))
        again.collect_events(Counter("phường Đông Ngàn"))
        with pytest.raises(IntegrityError):
            app._record(again)
        assert len(app.recorder.select_notifications(1, 10)) == 1
    finally:
        app.close()



def test_a_consumers_position_alone_is_saved_without_locking_the_events_table(
        postgres_dsn: str) -> None:
    """An event the consumer has no handler for records its position and nothing else;
    the tracking row comes first, so an event applied twice is refused before the lock."""
    app = CountingConsumer(postgres_dsn)
    try:
        app._record(ProcessingEvent(tracking=Tracking(application_name="identity",
                                                      notification_id=3)))
        assert app.recorder.has_tracking_id("identity", 3)
        assert app.recorder.select_notifications(1, 10) == []
        with pytest.raises(IntegrityError):
            app._record(ProcessingEvent(tracking=Tracking(application_name="identity",
                                                          notification_id=3)))
        with psycopg.connect(postgres_dsn) as conn:
            body = conn.execute(
                "SELECT prosrc FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
                "WHERE n.nspname = 'counting' AND p.proname = %s",
                (app.recorder.tracked_function_name,)).fetchone()
        assert body is not None
        assert body[0].index("tracked_notification") < body[0].index("LOCK TABLE")
    finally:
        app.close()
