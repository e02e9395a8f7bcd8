"""The HTTP client of the axis: the four operations of the pull model, one call each.

- :meth:`AxisClient.send`: ``sendEdoc``, the edXML as the multipart part ``file_doc``,
  with ``from``, ``to`` (JSON array of agency codes), ``servicetype``, ``messagetype``,
  ``hash-file`` (its SHA-256) and ``messageid``; answers ``DocId``.
- :meth:`AxisClient.list_received`: ``getReceivedEdocList`` by ``messagetype``;
  answers ``data``, one entry per message waiting for this system.
- :meth:`AxisClient.get`: ``getEdoc`` by ``docId``; answers ``data``, the edXML in base64.
- :meth:`AxisClient.update_status`: ``updateStatus`` by ``docId`` and ``status``; the
  description of a failure goes in a JSON body (``status_desc``).

Nothing is retried here (see :mod:`.outbox` and :mod:`.inbox`). Every answer is bounded
before it is read: ``getEdoc`` by the base64 length of the edXML input limit, the others
by :attr:`AxisSettings.max_answer_bytes`; a larger ``Content-Length`` is refused at once,
a longer body is refused as soon as it passes the bound.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

import aiohttp
import structlog

from lienthong.services.documents.axis import protocol
from lienthong.services.documents.axis.errors import (
    AxisAnswerTooLarge,
    AxisBadAnswer,
    AxisError,
    AxisRejected,
    AxisUnavailable,
)
from lienthong.services.documents.edxml import Limits

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from types import TracebackType

    from lienthong.services.documents.axis.protocol import MessageType, ProcessingStatus

log = structlog.get_logger("lienthong.documents.axis")

KIB = 1024
MIB = 1024 * KIB
#: Room for the JSON envelope around the base64 edXML of a ``getEdoc`` answer.
ENVELOPE_BYTES = 64 * KIB
_TRANSIENT_STATUSES = frozenset({408, 429})


def base64_length(size: int) -> int:
    return 4 * ((size + 2) // 3)


@dataclass(frozen=True)
class AxisSettings:
    """Where the axis is and who we are to it.

    From the environment (:meth:`from_env`): ``LIENTHONG_AXIS_URL``,
    ``LIENTHONG_AXIS_SYSTEM_ID`` and ``LIENTHONG_AXIS_TOKEN_FILE`` (a file holding the
    secret the axis gave this system, so that it never sits in the environment).
    """

    url: str
    system_id: str
    secret: str = field(repr=False)
    connect_timeout_s: float = 5.0
    #: For a whole call, the answer read included.
    request_timeout_s: float = 60.0
    #: The bound of every answer but ``getEdoc``'s.
    max_answer_bytes: int = 4 * MIB
    #: Bounds the edXML of ``getEdoc`` (``max_input_bytes``) and its parsing.
    limits: Limits = field(default_factory=Limits)

    def __post_init__(self) -> None:
        if not self.url.startswith(("http://", "https://")):
            raise ValueError(f"the axis URL must be http(s): {self.url!r}")
        if not self.system_id or not self.secret:
            raise ValueError("the axis needs a system id and a secret")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Self:
        env = os.environ if environ is None else environ
        missing = [name for name in ("LIENTHONG_AXIS_URL", "LIENTHONG_AXIS_SYSTEM_ID",
                                     "LIENTHONG_AXIS_TOKEN_FILE") if not env.get(name)]
        if missing:
            raise ValueError(f"the axis is not configured: {', '.join(missing)} not set")
        secret = Path(env["LIENTHONG_AXIS_TOKEN_FILE"]).read_text(encoding="utf-8").strip()
        return cls(url=env["LIENTHONG_AXIS_URL"], system_id=env["LIENTHONG_AXIS_SYSTEM_ID"],
                   secret=secret, **overrides)

    @property
    def max_edoc_answer_bytes(self) -> int:
        return base64_length(self.limits.max_input_bytes) + ENVELOPE_BYTES


@dataclass(frozen=True)
class ReceivedEntry:
    """One message the axis holds for this system (an entry of ``getReceivedEdocList``)."""

    doc_id: str
    message_type: str
    sender: str
    recipient: str
    status: str = ""
    status_desc: str = ""
    created_time: str = ""
    updated_time: str = ""


class AxisClient:
    """Calls the axis; one HTTP session, opened on first use, closed by :meth:`close`."""

    def __init__(self, settings: AxisSettings) -> None:
        self.settings = settings
        self._base = settings.url.rstrip("/")
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        await self.close()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def send(self, message_id: str, sender: str, recipients: Sequence[str],
                   edxml: bytes, message_type: MessageType) -> str:
        """Hands ``edxml`` to the axis for ``recipients``; the axis's id of it.

        ``message_id`` is ours: the same id sent again is the same message.
        """
        fields = {
            protocol.FROM: sender,
            protocol.TO: json.dumps(list(recipients)),
            protocol.SERVICE_TYPE_FIELD: protocol.SERVICE_TYPE,
            protocol.MESSAGE_TYPE_FIELD: str(message_type),
            protocol.HASH_FILE: protocol.sha256_hex(edxml),
            protocol.MESSAGE_ID: message_id,
        }
        form = aiohttp.FormData()
        form.add_field(protocol.FILE_PART, edxml, filename=f"{message_id}.edxml",
                       content_type="application/octet-stream")
        answer = await self._call(protocol.SEND, fields, data=form,
                                  context={"message_id": message_id})
        doc_id = answer.get("DocId")
        if not isinstance(doc_id, str) or not doc_id:
            raise self._bad(protocol.SEND, "the answer names no DocId")
        return doc_id

    async def list_received(self, message_type: MessageType) -> list[ReceivedEntry]:
        """The messages of ``message_type`` the axis holds for this system."""
        fields = {protocol.SERVICE_TYPE_FIELD: protocol.SERVICE_TYPE,
                  protocol.MESSAGE_TYPE_FIELD: str(message_type)}
        answer = await self._call(protocol.LIST_RECEIVED, fields, json_body={})
        data = answer.get("data") or []
        if not isinstance(data, list):
            raise self._bad(protocol.LIST_RECEIVED, "data is not a list")
        entries = []
        for item in data:
            if not isinstance(item, dict) or not isinstance(item.get("docId"), str):
                raise self._bad(protocol.LIST_RECEIVED, "an entry names no docId")
            entries.append(ReceivedEntry(
                doc_id=item["docId"],
                message_type=str(item.get("messageType") or message_type),
                sender=str(item.get("from") or ""), recipient=str(item.get("to") or ""),
                status=str(item.get("status") or ""),
                status_desc=str(item.get("status_desc") or ""),
                created_time=str(item.get("created_time") or ""),
                updated_time=str(item.get("updated_time") or "")))
        return entries

    async def get(self, doc_id: str) -> bytes:
        """The edXML of the message ``doc_id``, at most the edXML input limit."""
        answer = await self._call(protocol.GET, {protocol.DOC_ID: doc_id}, json_body={},
                                  bound=self.settings.max_edoc_answer_bytes,
                                  context={"doc_id": doc_id})
        data = answer.get("data")
        if not isinstance(data, str):
            raise self._bad(protocol.GET, "data is not base64 text", doc_id=doc_id)
        limit = self.settings.limits.max_input_bytes
        if len(data) > base64_length(limit):
            raise AxisAnswerTooLarge(
                f"getEdoc {doc_id}: the edXML is over {limit} bytes", operation=protocol.GET,
                url=self._base, details={"doc_id": doc_id, "limit_bytes": str(limit)})
        try:
            return base64.b64decode(data, validate=True)
        except binascii.Error as error:
            raise self._bad(protocol.GET, f"data is not base64: {error}", doc_id=doc_id) from None

    async def update_status(self, doc_id: str, status: ProcessingStatus,
                            description: str = "") -> None:
        """Reports how this system took the message ``doc_id``: ``done`` and ``fail``
        end its listing."""
        fields = {protocol.DOC_ID: doc_id, protocol.STATUS: str(status)}
        await self._call(protocol.UPDATE_STATUS, fields,
                         json_body={"docId": doc_id, "status": str(status),
                                    "status_desc": description[:2000]},
                         context={"doc_id": doc_id})

    # -- one call -------------------------------------------------------------------------

    def _session_now(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            timeout = aiohttp.ClientTimeout(total=self.settings.request_timeout_s,
                                            sock_connect=self.settings.connect_timeout_s)
            self._session = aiohttp.ClientSession(timeout=timeout, raise_for_status=False)
        return self._session

    async def _call(self, operation: str, fields: Mapping[str, str], *,
                    data: aiohttp.FormData | None = None,
                    json_body: dict[str, object] | None = None,
                    bound: int | None = None,
                    context: dict[str, str] | None = None) -> dict[str, Any]:
        context = context or {}
        url = f"{self._base}/{operation}"
        headers = protocol.signed_headers(self.settings.system_id, self.settings.secret,
                                          fields)
        bound = bound or self.settings.max_answer_bytes
        body: bytes | aiohttp.FormData | None = data
        if json_body is not None:
            headers["Content-Type"] = "application/json"
            body = json.dumps(json_body).encode()
        try:
            async with self._session_now().post(url, data=body, headers=headers) as response:
                raw = await self._read_bounded(response, operation, bound, context)
                status = response.status
                retry_after = response.headers.get("Retry-After")
        except AxisError:
            raise
        except (TimeoutError, aiohttp.ServerTimeoutError):
            raise AxisUnavailable(
                f"{operation}: no answer from the axis within "
                f"{self.settings.request_timeout_s}s", operation=operation, url=self._base,
                details=context) from None
        except aiohttp.ClientError as error:
            raise AxisUnavailable(
                f"{operation}: the axis cannot be reached: {type(error).__name__}: {error}",
                operation=operation, url=self._base, details=context) from None
        return self._answer(operation, status, raw, retry_after, context)

    async def _read_bounded(self, response: aiohttp.ClientResponse, operation: str,
                            bound: int, context: dict[str, str]) -> bytes:
        def too_large(read: int, announced: str) -> AxisAnswerTooLarge:
            return AxisAnswerTooLarge(
                f"{operation}: the answer is over {bound} bytes ({announced}); not read",
                operation=operation, url=self._base,
                details={**context, "limit_bytes": str(bound), "bytes_read": str(read)})

        if response.content_length is not None and response.content_length > bound:
            response.close()
            raise too_large(0, f"Content-Length {response.content_length}")
        chunks: list[bytes] = []
        read = 0
        async for chunk in response.content.iter_chunked(64 * KIB):
            read += len(chunk)
            if read > bound:
                response.close()
                raise too_large(read, f"stopped after {read} bytes")
            chunks.append(chunk)
        return b"".join(chunks)

    def _answer(self, operation: str, status: int, raw: bytes, retry_after: str | None,
                context: dict[str, str]) -> dict[str, Any]:
        try:
            answer = json.loads(raw)
        except ValueError:
            answer = None
        envelope = answer if isinstance(answer, dict) else {}
        details = {**context, "http_status": str(status)}
        if envelope:
            details["axis_error_code"] = str(envelope.get("ErrorCode", ""))
            details["axis_error_desc"] = str(envelope.get("ErrorDesc", ""))[:500]
        said = envelope.get("ErrorDesc") or raw[:200].decode(errors="replace")
        if status >= 500 or status in _TRANSIENT_STATUSES:
            raise AxisUnavailable(f"{operation}: the axis answered {status}: {said}",
                                  operation=operation, url=self._base, details=details,
                                  retry_after_s=_seconds(retry_after))
        if status >= 400:
            raise AxisRejected(f"{operation}: the axis refused the call ({status}): {said}",
                               operation=operation, url=self._base, details=details)
        if not envelope or "status" not in envelope:
            raise self._bad(operation, f"the answer is not the axis's JSON: {raw[:80]!r}",
                            **context)
        if envelope["status"] != protocol.OK:
            raise AxisRejected(f"{operation}: the axis answered {envelope['status']}: {said}",
                               operation=operation, url=self._base, details=details)
        return envelope

    def _bad(self, operation: str, what: str, **context: str) -> AxisBadAnswer:
        return AxisBadAnswer(f"{operation}: {what}", operation=operation, url=self._base,
                             details=context)


def _seconds(retry_after: str | None) -> float | None:
    if retry_after is None:
        return None
    try:
        return max(0.0, float(retry_after))
    except ValueError:
        return None

