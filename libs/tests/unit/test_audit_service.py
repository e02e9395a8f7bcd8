"""What an auditor reads of a service's log, in memory: histories, past states, exports, reports.

The identity application in memory records real events; the audit modules
read them back as AuditService and the HTML report present them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import uuid
from html.parser import HTMLParser

import pytest

from lienthong.audit import history
from lienthong.audit.servicer import event_to_pb
from lienthong.audit.v1 import audit_pb2 as pb
from lienthong.errors import InvalidArgument, NotFound
from lienthong.services.identity.application import IdentityApplication, NewUnitSpec
from lienthong.tools.audit.export import event_record
from lienthong.tools.audit.report import Proof, Timeline, render

MARKUP = "Tỉnh <script>alert('x')</script>"


@pytest.fixture
def app() -> IdentityApplication:
    return IdentityApplication()


@pytest.fixture
def unit_id(app: IdentityApplication) -> uuid.UUID:
    unit_id = app.register_unit(NewUnitSpec(
        display_name=MARKUP, kind="province", level="province",
        administrative_unit_code="08"), request_id="reg-08", reason="QĐ 19/2025")
    app.rename_unit(str(unit_id), "Tỉnh Tuyên Quang", request_id="rename-08",
                    reason="<b>NQ 202/2025</b>")
    return unit_id


def test_a_history_reads_each_event_with_its_metadata_and_position(
        app: IdentityApplication, unit_id: uuid.UUID) -> None:
    events = history.aggregate_events(app, unit_id)

    assert [(e.version, e.aggregate_type, e.event_type) for e in events] == [
        (1, "Unit", "Registered"), (2, "Unit", "Renamed")]
    assert [e.metadata["request_id"] for e in events] == ["reg-08", "rename-08"]
    assert events[0].payload["display_name"] == MARKUP
    ids = [e.notification_id for e in events]
    assert ids == sorted(ids) and ids[0] >= 1
    logged = app.recorder.select_notifications(ids[1], 1)[0]
    assert (logged.originator_id, logged.originator_version) == (unit_id, 2)


def test_the_state_as_of_each_version_and_moment(app: IdentityApplication,
                                                 unit_id: uuid.UUID) -> None:
    events = history.aggregate_events(app, unit_id)

    first = history.aggregate_state(app, unit_id, version=1)
    now = history.aggregate_state(app, unit_id)
    at_first = history.aggregate_state(app, unit_id, as_of=events[0].recorded_at)

    assert (first.version, first.latest_version, first.state["display_name"]) == (1, 2, MARKUP)
    assert (now.version, now.state["display_name"]) == (2, "Tỉnh Tuyên Quang")
    assert at_first.state == first.state
    with pytest.raises(NotFound):
        history.aggregate_state(app, unit_id, as_of=events[0].recorded_at
                                - dt.timedelta(microseconds=1))
    with pytest.raises(InvalidArgument) as beyond:
        history.aggregate_state(app, unit_id, version=3)
    assert [(v.field, v.rule) for v in beyond.value.violations] == [
        ("version", "VERSION_BEYOND_AGGREGATE")]
    with pytest.raises(NotFound):
        history.aggregate_events(app, uuid.uuid4())


def test_an_export_walks_the_log_in_batches_and_keeps_a_time_range(
        app: IdentityApplication, unit_id: uuid.UUID) -> None:
    everything = history.ExportRange()
    end = history.log_end(app, everything)
    batches = list(history.export_batches(app, everything, end, batch=2))
    renamed = history.aggregate_events(app, unit_id)[1]
    since = history.ExportRange(start_time=renamed.recorded_at)

    assert [e.notification_id for b in batches for e in b] == list(range(1, end + 1))
    assert all(len(b) <= 2 for b in batches)
    kept = [e for b in history.export_batches(app, since, end) for e in b]
    assert renamed in kept
    assert all(e.recorded_at >= renamed.recorded_at for e in kept)
    assert history.log_end(app, history.ExportRange(end_notification_id=end + 10)) == end


def test_an_export_range_names_each_broken_rule() -> None:
    wrong = history.ExportRange(start_notification_id=9, end_notification_id=3,
                                start_time=dt.datetime(2026, 2, 1, tzinfo=dt.UTC),
                                end_time=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    with pytest.raises(InvalidArgument) as refused:
        wrong.validate()
    assert [(v.field, v.rule) for v in refused.value.violations] == [
        ("start_notification_id", "START_AFTER_END"), ("start_time", "START_AFTER_END")]


def test_reading_writes_nothing(app: IdentityApplication, unit_id: uuid.UUID) -> None:
    before = app.recorder.max_notification_id()

    history.aggregate_events(app, unit_id)
    history.aggregate_state(app, unit_id, version=1)
    list(history.export_batches(app, history.ExportRange(), before))

    assert app.recorder.max_notification_id() == before


class Colour(enum.Enum):
    RED = 1


class Word(enum.StrEnum):
    HELLO = "xin chào"


@dataclasses.dataclass
class Hop:
    unit: uuid.UUID
    day: dt.date


def test_json_values_of_what_events_and_aggregates_hold() -> None:
    unit = uuid.UUID(int=1)

    assert history.json_value({
        "when": dt.datetime(2026, 3, 4, 2, tzinfo=dt.UTC), "day": dt.date(2025, 7, 1),
        "ids": {unit}, "colour": Colour.RED, "word": Word.HELLO,
        "hops": (Hop(unit, dt.date(2026, 1, 2)),), "n": 3, "none": None}) == {
        "when": "2026-03-04T02:00:00+00:00", "day": "2025-07-01", "ids": [str(unit)],
        "colour": "RED", "word": "xin chào", "hops": [{"unit": str(unit), "day": "2026-01-02"}],
        "n": 3, "none": None}
    assert history.topic_names("a.b:Dossier.Submitted") == ("Dossier", "Submitted")


# -- the export record and the report -------------------------------------------------------

def test_an_export_record_is_plain_json_with_whole_numbers(app: IdentityApplication,
                                                           unit_id: uuid.UUID) -> None:
    event = event_to_pb(history.aggregate_events(app, unit_id)[0])
    event.payload.update({"count": 3})

    record = event_record(event)

    assert record["notification_id"] == event.notification_id
    assert (record["version"], record["payload"]["count"]) == (1, 3)
    assert record["metadata"]["request_id"] == "reg-08"
    assert record["recorded_time"].endswith("+00:00")


class Cells(HTMLParser):
    """The text of each table's rows, and every element name seen."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.tags: list[str] = []
        self._table = ""
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag == "table":
            self._table = dict(attrs).get("id") or ""
            self.tables[self._table] = []
        elif tag == "tr":
            self.tables[self._table].append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.tables[self._table][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def test_the_report_shows_the_timeline_escaped_with_both_clocks(
        app: IdentityApplication, unit_id: uuid.UUID) -> None:
    logged = history.aggregate_events(app, unit_id)
    events = [event_to_pb(e) for e in logged]
    view = history.aggregate_state(app, unit_id)
    state = pb.AggregateState(aggregate_id=str(unit_id), aggregate_type="Unit",
                              version=view.version, latest_version=view.latest_version)
    state.state.update(history.json_value(view.state))
    timeline = Timeline("identity", str(unit_id), "Unit", events, state, proofs={
        events[0].notification_id: Proof("verified", 0, 5)})

    page = render(timeline)
    parsed = Cells()
    parsed.feed(page)

    assert "script" not in parsed.tags and "b" not in parsed.tags
    assert "&lt;script&gt;" in page
    header, *rows = parsed.tables["timeline"]
    assert header[:5] == ["Version", "Notification", "Time (UTC)", "Time (Asia/Ho_Chi_Minh)",
                          "Event"]
    assert [row[0] for row in rows] == ["1", "2"]
    first, second = (dict(zip(header, row, strict=True)) for row in rows)
    assert first["Event"] == "Registered" and second["Event"] == "Renamed"
    assert first["Request"] == "reg-08" and second["Reason"] == "<b>NQ 202/2025</b>"
    assert MARKUP in first["Fields"]
    assert first["Inclusion"] == "leaf 0 of 5 ✓ (root from the service; signature not checked)"
    assert second["Inclusion"] == ""
    utc = logged[0].recorded_at
    assert first["Time (UTC)"].startswith(utc.strftime("%Y-%m-%d %H:%M:%S"))
    assert first["Time (Asia/Ho_Chi_Minh)"] == (utc + dt.timedelta(hours=7)).strftime(
        "%Y-%m-%d %H:%M:%S")
    assert ["display_name", "Tỉnh Tuyên Quang"] in parsed.tables["state"]
