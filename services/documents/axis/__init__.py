"""The adapter to the national document exchange axis (Trục liên thông văn bản quốc gia).

Documents to and from agencies outside the platform travel through the axis as edXML,
in its pull model: a system sends a message (a document package or a status package)
to recipient agencies, then each recipient's system lists what waits for it, gets each
message and reports how it took it. Four operations, ``POST <base URL>/<operation>``:

=======================  =====================================  ==========================
operation                signed header fields (``XroadVnpt-``)  answer (JSON)
=======================  =====================================  ==========================
``sendEdoc``             ``from``, ``to``, ``servicetype``,     ``status``, ``ErrorCode``,
                         ``messagetype``, ``hash-file``,        ``ErrorDesc``, ``DocId``
                         ``messageid``; body: multipart part
                         ``file_doc`` (the edXML)
``getReceivedEdocList``  ``servicetype`` (``eDoc``),            ... ``data``: [{``docId``,
                         ``messagetype`` (``edoc``/``status``)  ``messageType``, ``from``,
                                                                ``to``, ``status``,
                                                                ``status_desc``,
                                                                ``created_time``,
                                                                ``updated_time``}]
``getEdoc``              ``docId``                              ... ``data``: the edXML,
                                                                base64
``updateStatus``         ``docId``, ``status`` (``done``,       ... (envelope only)
                         ``fail``, ``processing``); body: JSON
                         ``status_desc``
=======================  =====================================  ==========================

Every call also signs ``systemid`` and ``timestamp``; the signature headers are
described in :mod:`.protocol`.

Where this comes from: the operation names, paths, header fields, answer keys and the
signature scheme are those of the axis's Java SDK (``SDKVXP``, ``com.vpcp.services``:
``KnobstickServiceImp``, ``VnptService``) as public integrators call it (for example
QuangChuIT/edoc-integrator's ``ServiceVPCP`` and PVN-Organization/API-Gateway-iOffice).
What no public source settles is chosen here: ``to`` is a JSON array of agency codes;
``messageid`` (our message id, on which the stand-in deduplicates) is our own field, a
real axis ignores an unknown signed field; ``Content-Type`` is not signed; the
description of a failure rides in the ``updateStatus`` body; an answer ``status: FAIL``
is a refusal (not retried), the HTTP status deciding otherwise (408, 429 and 5xx are
transient).

Modules: :mod:`.client` (one call per operation, bounded answers, clear errors),
:mod:`.outbox` (idempotent sending with retries and dead letters), :mod:`.inbox`
(pulling, handing over, acknowledging), :mod:`.deadletters` (kept in memory until the
event store holds them), :mod:`.standin` (a local server of the same protocol).
"""

from __future__ import annotations

from lienthong.services.documents.axis.client import AxisClient, AxisSettings, ReceivedEntry
from lienthong.services.documents.axis.deadletters import (
    DeadLetter,
    DeadLetters,
    Direction,
    InMemoryDeadLetters,
    OutgoingMessage,
)
from lienthong.services.documents.axis.errors import (
    AxisAnswerTooLarge,
    AxisBadAnswer,
    AxisError,
    AxisRejected,
    AxisUnavailable,
)
from lienthong.services.documents.axis.inbox import FetchReport, Inbox, Received
from lienthong.services.documents.axis.outbox import Outbox, RetryPolicy, Sent
from lienthong.services.documents.axis.protocol import MessageType, ProcessingStatus

__all__ = [
    "AxisAnswerTooLarge",
    "AxisBadAnswer",
    "AxisClient",
    "AxisError",
    "AxisRejected",
    "AxisSettings",
    "AxisUnavailable",
    "DeadLetter",
    "DeadLetters",
    "Direction",
    "FetchReport",
    "InMemoryDeadLetters",
    "Inbox",
    "MessageType",
    "Outbox",
    "OutgoingMessage",
    "ProcessingStatus",
    "Received",
    "ReceivedEntry",
    "RetryPolicy",
    "Sent",
]
