"""A stand-in of the axis: a real HTTP server on 127.0.0.1 speaking its protocol.

It registers systems (id, secret, the agency codes each serves) and the other agencies
it delivers to, checks every call's
signature, keeps what is sent in memory per recipient agency, and answers the four
operations of the pull model as :mod:`.protocol` describes them. It keeps one message
per sending system and ``messageid``: a send repeated with the same id is answered with
the first ``DocId`` and delivered once (the same id with other content is refused, 409).

Switches for tests: :meth:`AxisStandIn.go_down` and :meth:`AxisStandIn.come_back` (stop
listening, then listen again on the same port), :meth:`fail_next` (answer 503, or
another status, to the next calls), :meth:`drop_next_answers` (do the call, then close
the connection without answering: a lost answer), :attr:`delay_s` (answer late),
:meth:`garbage_next` (answer bytes that are not JSON), :attr:`stream_answers` (answer
without ``Content-Length``). :meth:`deposit` puts a message waiting as if another
system had sent it.

A developer runs one with
``python -m lienthong.services.documents.axis.standin --port 8700 --system-id S
--secret X --organ 000.00.01.H26``.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import datetime as dt
import json
import signal
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import structlog
from aiohttp import web

from lienthong.errors import InvalidArgument
from lienthong.ports import free_port
from lienthong.services.documents.axis import protocol
from lienthong.services.documents.axis.protocol import MessageType, ProcessingStatus
from lienthong.services.documents.edxml import is_organ_id, parse_package, parse_status

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Iterable, Sequence

log = structlog.get_logger("lienthong.documents.axis.standin")

MIB = 1024 * 1024
ANSWER_CHUNK = 64 * 1024
_FIELDS = web.RequestKey("fields", dict)
_ENDED = frozenset({ProcessingStatus.DONE, ProcessingStatus.FAIL})


@dataclass
class Submission:
    """What a system sent under one message id, and how many times it tried."""

    system_id: str
    message_id: str
    doc_id: str
    sender: str
    recipients: tuple[str, ...]
    message_type: str
    edxml: bytes = field(repr=False)
    attempts: int = 1


@dataclass
class Delivery:
    """One message held for one recipient agency, until it reports ``done`` or ``fail``."""

    doc_id: str
    sender_doc_id: str
    sender: str
    recipient: str
    message_type: str
    edxml: bytes = field(repr=False)
    created: dt.datetime
    updated: dt.datetime
    status: str = "inbox"
    status_desc: str = ""

    @property
    def pending(self) -> bool:
        return self.status not in _ENDED


@dataclass(frozen=True)
class System:
    secret: str
    organs: frozenset[str]


class _Refused(Exception):
    def __init__(self, status: int, code: str, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.code = code
        self.description = description


class AxisStandIn:
    """The stand-in server; ``async with AxisStandIn(...) as axis: axis.url``."""

    def __init__(self, *, host: str = "127.0.0.1", port: int | None = None,
                 max_upload_bytes: int = 64 * MIB) -> None:
        self.host = host
        self.port = port or free_port()
        self.max_upload_bytes = max_upload_bytes
        self.systems: dict[str, System] = {}
        #: The agencies the axis delivers to: those of the systems, and those registered.
        self.agencies: set[str] = set()
        self.submissions: dict[tuple[str, str], Submission] = {}
        self.deliveries: dict[str, Delivery] = {}
        #: Calls seen per operation, answered or not.
        self.calls: dict[str, int] = {}
        #: Each ``updateStatus``: (doc id, status, description).
        self.status_updates: list[tuple[str, str, str]] = []
        self.delay_s = 0.0
        self.stream_answers = False
        self._failures: list[tuple[int, str | None]] = []
        self._drops = 0
        self._garbage: dict[str | None, int] = {}
        self._runner: web.AppRunner | None = None

    # -- life -----------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def up(self) -> bool:
        return self._runner is not None

    async def __aenter__(self) -> AxisStandIn:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    async def start(self) -> None:
        if self._runner is not None:
            return
        app = web.Application(middlewares=[self._switches])
        app.router.add_post(f"/{protocol.SEND}", self._send)
        app.router.add_post(f"/{protocol.LIST_RECEIVED}", self._list_received)
        app.router.add_post(f"/{protocol.GET}", self._get)
        app.router.add_post(f"/{protocol.UPDATE_STATUS}", self._update_status)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await runner.setup()
        await web.TCPSite(runner, self.host, self.port, reuse_address=True).start()
        self._runner = runner
        log.info("axis_standin_listening", url=self.url)

    async def stop(self) -> None:
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()
            log.info("axis_standin_stopped", url=self.url)

    async def go_down(self) -> None:
        """Stops listening and drops the open connections; the state is kept."""
        await self.stop()

    async def come_back(self) -> None:
        """Listens again, on the same port."""
        await self.start()

    # -- set-up and switches ----------------------------------------------------------------

    def register_system(self, system_id: str, secret: str, organs: Iterable[str]) -> None:
        """A system allowed to call, and the agency codes whose messages it pulls."""
        self.systems[system_id] = System(secret, frozenset(organs))
        self.agencies.update(organs)

    def register_agencies(self, organs: Iterable[str]) -> None:
        """Agencies the axis knows, served by systems that are not part of the test."""
        self.agencies.update(organs)

    def fail_next(self, count: int, status: int = 503, retry_after: str | None = None) -> None:
        """The next ``count`` calls are answered ``status`` without being done."""
        self._failures.extend([(status, retry_after)] * count)

    def drop_next_answers(self, count: int) -> None:
        """The next ``count`` calls are done, and the connection closed unanswered."""
        self._drops += count

    def garbage_next(self, count: int, operation: str | None = None) -> None:
        """The next ``count`` calls (to ``operation``, or to any) are answered 200 with
        bytes that are not JSON, without being done."""
        self._garbage[operation] = self._garbage.get(operation, 0) + count

    def deposit(self, sender: str, recipients: Sequence[str], edxml: bytes,
                message_type: MessageType = MessageType.EDOC) -> list[str]:
        """Holds ``edxml`` for ``recipients`` as if another system had sent it (it is not
        checked); the document id of each delivery."""
        return [self._hold(str(uuid.uuid4()), sender, recipient, str(message_type), edxml)
                for recipient in recipients]

    # -- inspection -------------------------------------------------------------------------

    def held_for(self, recipient: str) -> list[Delivery]:
        """What waits for ``recipient``, oldest first."""
        return [d for d in self.deliveries.values() if d.recipient == recipient and d.pending]

    def sent_by(self, system_id: str, message_id: str) -> Submission | None:
        return self.submissions.get((system_id, message_id))

    # -- the operations ---------------------------------------------------------------------

    async def _send(self, request: web.Request) -> web.StreamResponse:
        fields = request[_FIELDS]
        system_id = fields[protocol.SYSTEM_ID]
        message_type = fields.get(protocol.MESSAGE_TYPE_FIELD, "")
        if message_type not in set(MessageType):
            raise _Refused(400, "BAD_MESSAGE_TYPE", f"unknown messagetype {message_type!r}")
        sender = fields.get(protocol.FROM, "")
        if not is_organ_id(sender):
            raise _Refused(400, "BAD_SENDER", f"from {sender!r} is not an agency code")
        edxml = await self._file(request)
        if (declared := fields.get(protocol.HASH_FILE)) and declared != protocol.sha256_hex(edxml):
            raise _Refused(400, "HASH_MISMATCH", "hash-file is not the SHA-256 of file_doc")
        recipients = self._recipients(fields.get(protocol.TO), message_type, edxml)
        message_id = fields.get(protocol.MESSAGE_ID) or str(uuid.uuid4())
        earlier = self.submissions.get((system_id, message_id))
        if earlier is not None:
            if earlier.edxml != edxml or earlier.recipients != recipients:
                raise _Refused(409, "MESSAGE_ID_REUSED",
                               f"message {message_id!r} was sent with other content")
            earlier.attempts += 1
            log.info("axis_standin_repeat", message_id=message_id, attempts=earlier.attempts)
            return self._answer(DocId=earlier.doc_id)
        doc_id = str(uuid.uuid4())
        self.submissions[system_id, message_id] = Submission(
            system_id, message_id, doc_id, sender, recipients, message_type, edxml)
        for recipient in recipients:
            self._hold(doc_id, sender, recipient, message_type, edxml)
        log.info("axis_standin_received", message_id=message_id, doc_id=doc_id,
                 recipients=list(recipients))
        return self._answer(DocId=doc_id)

    async def _list_received(self, request: web.Request) -> web.StreamResponse:
        fields = request[_FIELDS]
        organs = self.systems[fields[protocol.SYSTEM_ID]].organs
        wanted = fields.get(protocol.MESSAGE_TYPE_FIELD, MessageType.EDOC)
        data = [{
            "docId": d.doc_id, "serviceType": protocol.SERVICE_TYPE,
            "messageType": d.message_type, "from": d.sender, "to": d.recipient,
            "status": d.status, "status_desc": d.status_desc,
            "created_time": d.created.isoformat(), "updated_time": d.updated.isoformat(),
        } for d in self.deliveries.values()
            if d.recipient in organs and d.pending
            and (d.message_type == MessageType.STATUS) == (wanted == MessageType.STATUS)]
        return self._answer(data=data)

    async def _get(self, request: web.Request) -> web.StreamResponse:
        fields = request[_FIELDS]
        delivery = self._delivery(fields)
        body = json.dumps(protocol.answer(
            data=base64.b64encode(delivery.edxml).decode())).encode()
        if not self.stream_answers:
            return web.Response(body=body, content_type="application/json")
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        for start in range(0, len(body), ANSWER_CHUNK):
            try:
                await response.write(body[start:start + ANSWER_CHUNK])
            except ConnectionError:
                break
        return response

    async def _update_status(self, request: web.Request) -> web.StreamResponse:
        fields = request[_FIELDS]
        delivery = self._delivery(fields)
        status = fields.get(protocol.STATUS, "")
        if status not in set(ProcessingStatus):
            raise _Refused(400, "BAD_STATUS", f"unknown status {status!r}")
        description = ""
        raw = await request.content.read(64 * 1024)
        with contextlib.suppress(ValueError, AttributeError):
            description = str(json.loads(raw or b"{}").get("status_desc", ""))
        delivery.status, delivery.status_desc = status, description
        delivery.updated = dt.datetime.now(dt.UTC)
        self.status_updates.append((delivery.doc_id, status, description))
        return self._answer()

    # -- helpers ------------------------------------------------------------------------------

    @web.middleware
    async def _switches(self, request: web.Request,
                        handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
                        ) -> web.StreamResponse:
        operation = request.path.strip("/")
        self.calls[operation] = self.calls.get(operation, 0) + 1
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        if self._failures:
            status, retry_after = self._failures.pop(0)
            headers = {"Retry-After": retry_after} if retry_after else None
            return web.json_response(protocol.answer(protocol.FAIL, str(status),
                                                     "the axis is busy"),
                                     status=status, headers=headers)
        garbled = next((key for key in (operation, None) if self._garbage.get(key)), "")
        if garbled != "":
            self._garbage[garbled] -= 1
            return web.Response(body=b"<html>502 Bad Gateway \x00\xff</html>",
                                content_type="text/html")
        try:
            fields = protocol.verified_fields(request.headers, {
                system_id: system.secret for system_id, system in self.systems.items()})
        except protocol.SignatureError as error:
            return web.json_response(protocol.answer(protocol.FAIL, "401", str(error)),
                                     status=401)
        try:
            request[_FIELDS] = fields
            response = await handler(request)
        except _Refused as refused:
            return web.json_response(
                protocol.answer(protocol.FAIL, refused.code, refused.description),
                status=refused.status)
        except ConnectionError:
            log.info("axis_standin_caller_gone", operation=operation)
            return web.Response(status=499)
        if self._drops:
            self._drops -= 1
            log.info("axis_standin_answer_dropped", operation=operation)
            if request.transport is not None:
                request.transport.abort()
        return response

    def _answer(self, **values: object) -> web.Response:
        return web.json_response(protocol.answer(**values))

    async def _file(self, request: web.Request) -> bytes:
        if not request.content_type.startswith("multipart/"):
            raise _Refused(400, "NO_FILE", "the edXML must come as multipart part file_doc")
        reader = await request.multipart()
        async for part in reader:
            if getattr(part, "name", None) != protocol.FILE_PART:
                continue
            chunks, size = [], 0
            while chunk := await part.read_chunk(ANSWER_CHUNK):  # type: ignore[union-attr]
                size += len(chunk)
                if size > self.max_upload_bytes:
                    raise _Refused(413, "TOO_LARGE",
                                   f"file_doc is over {self.max_upload_bytes} bytes")
                chunks.append(chunk)
            return b"".join(chunks)
        raise _Refused(400, "NO_FILE", "no multipart part file_doc")

    def _recipients(self, to: str | None, message_type: str, edxml: bytes) -> tuple[str, ...]:
        if to is None:
            try:
                if message_type == MessageType.STATUS:
                    return (parse_status(edxml).receiver_id,)
                return tuple(o.organ_id for o in parse_package(edxml).header.recipients)
            except InvalidArgument as error:
                raise _Refused(400, "BAD_EDXML", error.message) from None
        try:
            recipients = json.loads(to)
        except ValueError:
            raise _Refused(400, "BAD_RECIPIENTS", "to is not a JSON array") from None
        if not isinstance(recipients, list) or not recipients:
            raise _Refused(400, "BAD_RECIPIENTS", "to must list at least one agency")
        unknown = [r for r in recipients if not isinstance(r, str) or not is_organ_id(r)
                   or r not in self.agencies]
        if unknown:
            raise _Refused(400, "UNKNOWN_RECIPIENT", f"agencies the axis does not know: {unknown}")
        return tuple(recipients)

    def _delivery(self, fields: dict[str, str]) -> Delivery:
        doc_id = fields.get(protocol.DOC_ID.lower(), "")
        delivery = self.deliveries.get(doc_id)
        if delivery is None or delivery.recipient not in \
                self.systems[fields[protocol.SYSTEM_ID]].organs:
            raise _Refused(404, "NOT_FOUND", f"no document {doc_id!r} for this system")
        return delivery

    def _hold(self, sender_doc_id: str, sender: str, recipient: str, message_type: str,
              edxml: bytes) -> str:
        now = dt.datetime.now(dt.UTC)
        doc_id = str(uuid.uuid4())
        self.deliveries[doc_id] = Delivery(doc_id, sender_doc_id, sender, recipient,
                                           message_type, edxml, now, now)
        return doc_id


# -- the command ----------------------------------------------------------------------------

def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m lienthong.services.documents.axis.standin",
        description="A stand-in of the national document exchange axis, in memory.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0: a free port")
    parser.add_argument("--system-id", default="lienthong.dev")
    parser.add_argument("--secret", default="dev-secret")
    parser.add_argument("--organ", action="append", default=[],
                        help="an agency code the system serves (repeat)")
    return parser.parse_args(argv)


async def serve(argv: Sequence[str] | None = None) -> None:
    """Runs a stand-in until SIGINT or SIGTERM."""
    arguments = _arguments(argv)
    axis = AxisStandIn(host=arguments.host, port=arguments.port or None)
    axis.register_system(arguments.system_id, arguments.secret, arguments.organ)
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stopping.set)
    async with axis:
        print(f"axis stand-in on {axis.url} for system {arguments.system_id}", flush=True)
        await stopping.wait()


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve())

