"""PostgreSQL recorders that save a command's events in one statement.

eventsourcing's recorder saves in a transaction of its own statements: it locks the
events table (``LOCK TABLE ... IN EXCLUSIVE MODE``, so that notification ids are
committed in the order they are issued and a reader of the log never passes over a gap
filled later), notifies the table's channel, inserts, then commits: two round trips and
six statements for every command. These recorders create, beside the table, a function
that does the same in the same order (lock, notify, insert), and call it as one
autocommitted statement: one round trip, the same guarantees.

eventsourcing's own database functions (``POSTGRES_ENABLE_DB_FUNCTIONS``) do not lock
the table, so a reader could skip an event committed late; they are not used.

A consumer's events are saved with their tracking record by a second function (tracking
row first, so an event applied twice fails on its primary key before the table lock is
taken; then lock, notify, insert): one round trip where eventsourcing's pipelined
transaction takes two and seven statements. It serves multi-row tracking only (the
consumers' kind, :class:`lienthong.events.consumer.TrackingApplication`); single-row
tracking keeps eventsourcing's transaction.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from eventsourcing.persistence import InterfaceError, OperationalError
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresProcessRecorder
from eventsourcing.utils import retry
from psycopg.sql import SQL, Composable, Identifier

if TYPE_CHECKING:
    from collections.abc import Sequence

    from eventsourcing.persistence import StoredEvent, Tracking


#: The insert functions' first parameters, and the arguments of a call, in binary format
#: (the casts name the types a list of Python ints or strings is to be sent as).
_EVENT_PARAMETERS = "ids uuid[], versions bigint[], topics text[], states bytea[]"
_EVENT_ARGUMENTS = "%b::uuid[], %b::bigint[], %b::text[], %b::bytea[]"


class OneStatementInserts:
    """Mixed into a PostgreSQL application recorder: events without tracking are saved
    by the table's insert function."""

    events_table_name: str
    datastore: Any
    channel_name: str
    sql_create_statements: list[Any]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.insert_function_name = f"{self.events_table_name}_insert"
        self.check_identifier_length(self.insert_function_name)  # type: ignore[attr-defined]
        self.sql_create_statements.append(self._function(
            self.insert_function_name, "", SQL("{insert}").format(insert=self._locked_insert())))
        self.insert_function_call = self._call(self.insert_function_name, "")

    def _function(self, name: str, parameters: str, body: Composable) -> Composable:
        """``CREATE OR REPLACE FUNCTION name(ids, versions, topics, states, parameters)``
        returning the events' notification ids."""
        return SQL(
            "CREATE OR REPLACE FUNCTION {schema}.{function}({events}{parameters}) "
            "RETURNS SETOF bigint LANGUAGE plpgsql AS $BODY$ "
            "BEGIN SET LOCAL lock_timeout = '{lock_timeout}s'; {body} END; $BODY$").format(
                schema=Identifier(self.datastore.schema), function=Identifier(name),
                events=SQL(_EVENT_PARAMETERS), parameters=SQL(parameters),
                lock_timeout=self.datastore.lock_timeout, body=body)

    def _locked_insert(self) -> Composable:
        """Lock the table, notify its channel, insert ``events``: the lock first, so that
        ids are committed in the order they are issued."""
        schema, table = Identifier(self.datastore.schema), Identifier(self.events_table_name)
        return SQL(
            "LOCK TABLE {schema}.{table} IN EXCLUSIVE MODE; "
            "NOTIFY {channel}; "
            "RETURN QUERY INSERT INTO {schema}.{table} AS t "
            "(originator_id, originator_version, topic, state) "
            "SELECT * FROM unnest(ids, versions, topics, states) "
            "RETURNING notification_id;").format(
                schema=schema, table=table, channel=Identifier(self.channel_name))

    def _call(self, name: str, parameters: str) -> Composable:
        return SQL("SELECT * FROM {schema}.{function}({events}{parameters})").format(
            schema=Identifier(self.datastore.schema), function=Identifier(name),
            events=SQL(_EVENT_ARGUMENTS), parameters=SQL(parameters))

    @staticmethod
    def _columns(stored_events: Sequence[StoredEvent]) -> tuple[list[Any], ...]:
        """The events as the function takes them: one list per column."""
        return ([event.originator_id for event in stored_events],
                [event.originator_version for event in stored_events],
                [event.topic for event in stored_events],
                [event.state for event in stored_events])

    def insert_events(self, stored_events: Sequence[StoredEvent],
                      **kwargs: Any) -> Sequence[int] | None:
        if not stored_events or kwargs.get("tracking") is not None:
            return super().insert_events(stored_events, **kwargs)  # type: ignore[misc]
        return self._insert_in_one_statement(stored_events)

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def _insert_in_one_statement(self, stored_events: Sequence[StoredEvent]) -> list[int]:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self.insert_function_call, self._columns(stored_events), prepare=True)
            return [row[self.insert_function_name] for row in curs.fetchall()]


class ApplicationRecorder(OneStatementInserts, PostgresApplicationRecorder):
    """eventsourcing's application recorder, saving in one statement."""


class ProcessRecorder(OneStatementInserts, PostgresProcessRecorder):
    """eventsourcing's process recorder, saving a command's events in one statement and a
    consumer's, with their tracking record, in one statement too."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tracked_function_name = f"{self.events_table_name}_insert_tracked"
        self.check_identifier_length(self.tracked_function_name)
        self.sql_create_statements.append(self._function(
            self.tracked_function_name, ", tracked_application text, tracked_notification bigint",
            SQL("INSERT INTO {schema}.{tracking} (application_name, notification_id) "
                "VALUES (tracked_application, tracked_notification); "
                "IF cardinality(ids) > 0 THEN {insert} END IF;").format(
                    schema=Identifier(self.datastore.schema),
                    tracking=Identifier(self.tracking_table_name),
                    insert=self._locked_insert())))
        self.tracked_function_call = self._call(self.tracked_function_name, ", %s, %s")

    def insert_events(self, stored_events: Sequence[StoredEvent],
                      **kwargs: Any) -> Sequence[int] | None:
        tracking: Tracking | None = kwargs.get("tracking")
        if tracking is None or self.datastore.single_row_tracking:
            return super().insert_events(stored_events, **kwargs)
        return self._insert_tracked(stored_events, tracking)

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def _insert_tracked(self, stored_events: Sequence[StoredEvent],
                        tracking: Tracking) -> list[int]:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self.tracked_function_call,
                         (*self._columns(stored_events), tracking.application_name,
                          tracking.notification_id),
                         prepare=True)
            return [row[self.tracked_function_name] for row in curs.fetchall()]
