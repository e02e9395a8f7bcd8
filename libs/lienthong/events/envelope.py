"""CloudEvents 1.0 in binary content mode over NATS message headers.

CloudEvents has no NATS binding in the ``cloudevents`` package (2.2); its
NATS protocol binding is the HTTP one with NATS headers: every attribute is a
``ce-<name>`` header (percent-encoded), ``datacontenttype`` is the
``content-type`` header and the data is the message body. So the HTTP
binary-mode helpers of ``cloudevents.core.bindings.http`` do the encoding and
the decoding here; the body is the protobuf message, byte for byte.

Beside the ``ce-*`` headers each message carries:

* ``Nats-Msg-Id`` = the event id, for JetStream's de-duplication;
* ``Lienthong-Notification-Id``: the event's place in the service's
  notification log, from which the relay takes its position;
* ``traceparent`` (W3C), also as the ``ce-traceparent`` extension.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from cloudevents.core.bindings.http import HTTPMessage, from_binary
from cloudevents.core.v1.event import CloudEvent

if TYPE_CHECKING:
    from collections.abc import Mapping

    from cloudevents.core.base import BaseCloudEvent, EventFactory

SPECVERSION = "1.0"
PROTOBUF_CONTENT_TYPE = "application/protobuf"
MSG_ID_HEADER = "Nats-Msg-Id"
NOTIFICATION_ID_HEADER = "Lienthong-Notification-Id"
TRACEPARENT_HEADER = "traceparent"
#: Where the ``source`` of every event of a service points.
SOURCE_PREFIX = "//lienthong.vn/"
#: The ``dataschema`` of a protobuf message: the type URL protobuf's ``Any`` uses.
DATASCHEMA_PREFIX = "type.googleapis.com/"

_TRACE_ID = re.compile(r"^[0-9a-f]{32}$")
_NO_TRACE = "0" * 32
_NO_SPAN = "0" * 16
_TRACEPARENT = re.compile(r"^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$")
_INT_EXTENSIONS = ("notificationid", "originatorversion")
_STR_EXTENSIONS = ("traceparent", "correlationid", "causationid")


class EnvelopeError(ValueError):
    """A message that is not one of our CloudEvents."""


def event_id(service: str, notification_id: int) -> str:
    """The CloudEvent id (and ``Nats-Msg-Id``) of a service's notification."""
    return f"{service}-{notification_id}"


def event_type(service: str, event_name: str) -> str:
    """``vn.lienthong.<service>.v1.<EventName>``."""
    return f"vn.lienthong.{service}.v1.{event_name}"


def event_source(service: str) -> str:
    return f"{SOURCE_PREFIX}{service}"


def traceparent_for(trace_id: str, event_id: str) -> str:
    """A W3C traceparent continuing the command's trace, or "" if it had none.

    The span id is derived from the event id, so that a republished event
    carries exactly the same headers as its first copy.
    """
    if not trace_id or trace_id == _NO_TRACE or not _TRACE_ID.match(trace_id):
        return ""
    span_id = hashlib.sha256(event_id.encode()).hexdigest()[:16]
    if span_id == _NO_SPAN:  # pragma: no cover - 1 in 2**64
        span_id = "0" * 15 + "1"
    return f"00-{trace_id}-{span_id}-01"


class _RawBytes:
    """A ``cloudevents`` format that leaves binary data as it is (protobuf bytes)."""

    def write_data(self, data: Any, datacontenttype: str | None) -> bytes:
        if data is None:
            return b""
        if not isinstance(data, bytes | bytearray):
            msg = f"event data must be bytes, not {type(data).__name__}"
            raise EnvelopeError(msg)
        return bytes(data)

    def read_data(self, body: bytes, datacontenttype: str | None) -> bytes:
        return bytes(body)

    def get_content_type(self) -> str:  # pragma: no cover - structured mode is not used
        return PROTOBUF_CONTENT_TYPE

    def read(self, event_factory: EventFactory | None,
             data: str | bytes) -> BaseCloudEvent:  # pragma: no cover - structured mode
        raise NotImplementedError

    def write(self, event: BaseCloudEvent) -> bytes:  # pragma: no cover - structured mode
        raise NotImplementedError


_FORMAT = _RawBytes()
#: Characters the HTTP binding leaves as they are (printable ASCII but space, '"' and '%').
_HEADER_SAFE = "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) not in '"%')
_NEEDS_ENCODING = re.compile(r'[^\x21\x23\x24\x26-\x7e]')


def _header_value(value: str) -> str:
    """Percent-encode what the CloudEvents HTTP binding asks to (UTF-8 first)."""
    if not _NEEDS_ENCODING.search(value):
        return value
    return quote(value, safe=_HEADER_SAFE)


def _rfc3339(moment: dt.datetime) -> str:
    """``2025-07-01T01:02:03.456789Z``, as the SDK writes a UTC time."""
    if moment.tzinfo is not dt.UTC:
        moment = moment.astimezone(dt.UTC)
    return f"{moment.isoformat()[:-6]}Z"  # without its "+00:00"


@dataclass(frozen=True)
class Envelope:
    """One published event: the CloudEvent attributes and the protobuf data."""

    id: str
    source: str
    type: str
    subject: str
    time: dt.datetime
    data: bytes
    notificationid: int
    originatorversion: int
    datacontenttype: str = PROTOBUF_CONTENT_TYPE
    dataschema: str = ""
    traceparent: str = ""
    correlationid: str = ""
    causationid: str = ""
    specversion: str = field(default=SPECVERSION)

    @classmethod
    def for_event(cls, *, service: str, notification_id: int, event_name: str,
                  subject: str, time: dt.datetime, data: bytes, originator_version: int,
                  message_name: str = "", trace_id: str = "", correlation_id: str = "",
                  causation_id: str = "") -> Envelope:
        """The envelope of a service's notification, with the ids derived as agreed."""
        if time.tzinfo is None:
            msg = "an event time must be timezone-aware (UTC)"
            raise EnvelopeError(msg)
        ident = event_id(service, notification_id)
        return cls(
            id=ident,
            source=event_source(service),
            type=event_type(service, event_name),
            subject=subject,
            time=time.astimezone(dt.UTC),
            data=data,
            notificationid=notification_id,
            originatorversion=originator_version,
            dataschema=f"{DATASCHEMA_PREFIX}{message_name}" if message_name else "",
            traceparent=traceparent_for(trace_id, ident),
            correlationid=correlation_id,
            causationid=causation_id,
        )

    @property
    def service(self) -> str:
        return self.source.removeprefix(SOURCE_PREFIX)

    @property
    def event_name(self) -> str:
        """``UnitMergedInto`` for ``vn.lienthong.identity.v1.UnitMergedInto``."""
        return self.type.rsplit(".", 1)[-1]

    def _attributes(self) -> dict[str, Any]:
        attributes: dict[str, Any] = {
            "specversion": self.specversion,
            "id": self.id,
            "source": self.source,
            "type": self.type,
            "subject": self.subject,
            "time": self.time,
            "datacontenttype": self.datacontenttype,
            "notificationid": self.notificationid,
            "originatorversion": self.originatorversion,
        }
        if self.dataschema:
            attributes["dataschema"] = self.dataschema
        for name in _STR_EXTENSIONS:
            if value := getattr(self, name):
                attributes[name] = value
        return attributes

    def to_headers(self) -> dict[str, str]:
        """The NATS headers: ``ce-*``, ``content-type``, de-duplication and position.

        Written directly, as the CloudEvents HTTP binary binding spells them
        (the relay writes one set per event; the SDK's general path costs
        several times more); a test checks they equal the SDK's.
        """
        headers = {
            "ce-specversion": self.specversion,
            "ce-id": _header_value(self.id),
            "ce-source": _header_value(self.source),
            "ce-type": _header_value(self.type),
            "ce-subject": _header_value(self.subject),
            "ce-time": _rfc3339(self.time),
            "content-type": self.datacontenttype,
            "ce-notificationid": str(self.notificationid),
            "ce-originatorversion": str(self.originatorversion),
        }
        if self.dataschema:
            headers["ce-dataschema"] = _header_value(self.dataschema)
        for name in _STR_EXTENSIONS:
            if value := getattr(self, name):
                headers[f"ce-{name}"] = _header_value(value)
        headers[MSG_ID_HEADER] = self.id
        headers[NOTIFICATION_ID_HEADER] = str(self.notificationid)
        if self.traceparent:
            headers[TRACEPARENT_HEADER] = self.traceparent
        return headers

    @classmethod
    def from_message(cls, headers: Mapping[str, str] | None, data: bytes | None) -> Envelope:
        """Read an envelope back from a NATS message's headers and body."""
        message = HTTPMessage(headers=dict(headers or {}), body=bytes(data or b""))
        present = {name.lower() for name, value in message.headers.items() if value}
        missing = [name for name in ("id", "source", "type", "specversion", "subject", "time",
                                     *_INT_EXTENSIONS) if f"ce-{name}" not in present]
        if missing:
            msg = f"not one of our CloudEvents: no ce-{', ce-'.join(missing)} header"
            raise EnvelopeError(msg)
        try:
            event = from_binary(message, _FORMAT, CloudEvent)
        except Exception as error:  # the SDK raises its own validation errors
            msg = f"not a CloudEvent in binary mode: {error}"
            raise EnvelopeError(msg) from error
        attributes = event.get_attributes()
        if attributes.get("specversion") != SPECVERSION:
            msg = f"unsupported CloudEvents specversion {attributes.get('specversion')!r}"
            raise EnvelopeError(msg)
        try:
            ints = {name: int(attributes[name]) for name in _INT_EXTENSIONS}
        except ValueError as error:
            msg = f"CloudEvent {attributes.get('id')!r}: {error}"
            raise EnvelopeError(msg) from error
        traceparent = attributes.get("traceparent", "")
        if traceparent and not _TRACEPARENT.match(traceparent):
            traceparent = ""  # a malformed traceparent is dropped, as W3C asks
        return cls(
            id=attributes["id"],
            source=attributes["source"],
            type=attributes["type"],
            subject=attributes["subject"],
            time=attributes["time"].astimezone(dt.UTC),
            data=bytes(event.get_data() or b""),
            datacontenttype=attributes.get("datacontenttype") or PROTOBUF_CONTENT_TYPE,
            dataschema=attributes.get("dataschema", ""),
            traceparent=traceparent,
            correlationid=attributes.get("correlationid", ""),
            causationid=attributes.get("causationid", ""),
            **ints,
        )
