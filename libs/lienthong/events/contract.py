"""What a service publishes: its domain events mapped to the protobuf contract.

Domain events may evolve; the published messages (``protos/lienthong/
<service>/v1/events.proto``) are a versioned contract. A :class:`Contract`
names, for each published domain event (by class qualname, e.g.
``"Unit.MergedInto"``), the aggregate and event of its subject, its
``EventName`` and a function building the protobuf message. Domain events not
in the contract (``RequestRecord.Accepted``...) stay inside the service: the
relay moves past them without publishing them.

Subjects: ``lienthong.<service>.<aggregate>.<event>``, lower snake case
(``lienthong.identity.unit.merged_into``).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from eventsourcing.utils import resolve_topic

from lienthong.events.envelope import Envelope

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from google.protobuf.message import Message

_TOKEN = re.compile(r"^[a-z][a-z0-9_]*$")
_EVENT_NAME = re.compile(r"^[A-Z][A-Za-z0-9]*$")
#: The audit fields every event's metadata carries (see lienthong.audit).
METADATA_FIELDS = ("actor", "actor_agency_code", "request_id", "correlation_id",
                   "causation_id", "trace_id", "reason")


def snake_case(name: str) -> str:
    """``MergedInto`` → ``merged_into``; ``AgencyCodeClaim`` → ``agency_code_claim``."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower()


def fill_metadata(target: Any, domain_event: Any) -> None:
    """Copy a domain event's audit metadata and time into an ``EventMetadata`` message."""
    metadata = getattr(domain_event, "metadata", None) or {}
    for name in METADATA_FIELDS:
        value = metadata.get(name)
        if value:
            setattr(target, name, str(value))
    timestamp = getattr(domain_event, "timestamp", None)
    if timestamp is not None and hasattr(target, "recorded_at"):
        target.recorded_at.FromDatetime(timestamp)


@dataclass(frozen=True)
class PublishedEvent:
    """How one domain event class is published."""

    qualname: str  #: e.g. "Unit.MergedInto"
    aggregate: str  #: the subject's aggregate token, e.g. "unit"
    name: str  #: the EventName of ce-type, e.g. "UnitMergedInto"
    build: Callable[[Any], Message]  #: the domain event → the protobuf message

    @functools.cached_property
    def event(self) -> str:
        """The subject's event token: ``merged_into`` for ``Unit.MergedInto``."""
        return snake_case(self.qualname.rsplit(".", 1)[-1])


class Contract:
    """The published events of one service."""

    def __init__(self, service: str, events: Iterable[PublishedEvent]) -> None:
        if not _TOKEN.match(service) or "_" in service:
            msg = f"a service name is lower-case letters and digits, not {service!r}"
            raise ValueError(msg)
        self.service = service
        self._events: dict[str, PublishedEvent] = {}
        for published in events:
            if published.qualname in self._events:
                msg = f"{published.qualname} is in the contract twice"
                raise ValueError(msg)
            if not _TOKEN.match(published.aggregate) or not _TOKEN.match(published.event):
                msg = (f"{published.qualname}: subject tokens must be lower snake case, "
                       f"not {published.aggregate!r}.{published.event!r}")
                raise ValueError(msg)
            if not _EVENT_NAME.match(published.name):
                msg = f"{published.qualname}: EventName must be UpperCamelCase"
                raise ValueError(msg)
            self._events[published.qualname] = published
        self._topics: dict[str, PublishedEvent | None] = {}

    def __iter__(self) -> Any:
        return iter(self._events.values())

    def __len__(self) -> int:
        return len(self._events)

    @property
    def stream_subject(self) -> str:
        """All subjects of the service: ``lienthong.<service>.>``."""
        return f"lienthong.{self.service}.>"

    def route(self, qualname: str) -> PublishedEvent | None:
        """How the domain event class of this qualname is published, or None."""
        return self._events.get(qualname)

    def route_topic(self, topic: str) -> PublishedEvent | None:
        """The same, from a stored event's topic, without decoding the event."""
        if topic not in self._topics:
            qualname = topic.rpartition(":")[2]
            published = self._events.get(qualname)
            if published is None:
                try:  # a renamed class is stored under its old topic
                    published = self._events.get(resolve_topic(topic).__qualname__)
                except Exception:  # an unknown topic is not ours to publish
                    published = None
            self._topics[topic] = published
        return self._topics[topic]

    def subject(self, published: PublishedEvent) -> str:
        return f"lienthong.{self.service}.{published.aggregate}.{published.event}"

    def envelope(self, notification_id: int, domain_event: Any) -> tuple[str, Envelope] | None:
        """The NATS subject and envelope of a domain event, or None if it is not published."""
        published = self.route(type(domain_event).__qualname__)
        if published is None:
            return None
        message = published.build(domain_event)
        metadata = getattr(domain_event, "metadata", None) or {}
        envelope = Envelope.for_event(
            service=self.service,
            notification_id=notification_id,
            event_name=published.name,
            subject=str(domain_event.originator_id),
            time=domain_event.timestamp,
            data=message.SerializeToString(deterministic=True),
            originator_version=int(domain_event.originator_version),
            message_name=message.DESCRIPTOR.full_name,
            trace_id=str(metadata.get("trace_id", "")),
            correlation_id=str(metadata.get("correlation_id", "")),
            causation_id=str(metadata.get("causation_id", "")),
        )
        return self.subject(published), envelope
