"""A service that exists only for the registry's test: one note, served by AuditService.

It is found like any service, through a ``lienthong.services`` entry point (the
test writes a distribution's metadata beside this file), and shows what a new
service needs: a ServiceSpec, an application, a way to add it to a server.
"""

from __future__ import annotations

import asyncio
import os
from typing import TYPE_CHECKING, Annotated, Any

import typer
from eventsourcing.domain import event

from lienthong.audit.servicer import add_audit_service
from lienthong.eventstore import AuditedAggregate, ServiceApplication, derived_id
from lienthong.registry import ServiceSpec
from lienthong.tools.bench.command import Json

if TYPE_CHECKING:
    from uuid import UUID

    import grpc

    from lienthong.config import Settings

NOTE_ID = derived_id("note", "hello")


class Note(AuditedAggregate):
    @event("Written")
    def __init__(self, id: UUID, text: str) -> None:  # noqa: A002 - a fixed id, found again
        self.text = text


class ThrowawayApplication(ServiceApplication, service="throwaway"):
    pass


def build_app(settings: Settings) -> ThrowawayApplication:
    app = ThrowawayApplication(settings.event_store)
    if app.get_or_none(NOTE_ID) is None:
        app.save(Note(text="a service registered by its entry point alone", id=NOTE_ID))
    return app


def add_to_server(app: Any, server: grpc.aio.Server) -> list[str]:
    return add_audit_service(app, server)


class NoteOverHttp:
    """What a service may run beside gRPC (its spec's ``background``): here, the note's
    text to any HTTP GET on ``LIENTHONG_HTTP_LISTEN``."""

    name = "http"

    def __init__(self, app: ThrowawayApplication) -> None:
        self.app = app

    async def answer(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readline()
        text = self.app.repository.get(NOTE_ID).text.encode()
        writer.write(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: "
                     + str(len(text)).encode() + b"\r\n\r\n" + text)
        await writer.drain()
        writer.close()

    async def run(self, stop: asyncio.Event) -> None:
        host, _, port = os.environ["LIENTHONG_HTTP_LISTEN"].rpartition(":")
        server = await asyncio.start_server(self.answer, host, int(port))
        async with server:
            await stop.wait()


def background(app: ThrowawayApplication, settings: Settings) -> list[NoteOverHttp]:
    return [NoteOverHttp(app)]


def bench_notes(as_json: Json = False,
                reads: Annotated[int, typer.Option("--reads", min=1)] = 200) -> None:
    """Reads of the note from an in-memory store, beside a dict lookup."""
    import time

    from lienthong.config import load_settings
    from lienthong.tools.bench.command import run

    def measure(count: int, _progress: Any) -> dict[str, Any]:
        app = build_app(load_settings("throwaway", event_store="memory:"))
        started = time.perf_counter()
        for _ in range(count):
            app.repository.get(NOTE_ID)
        read_s = time.perf_counter() - started
        notes = {NOTE_ID: "a note"}
        started = time.perf_counter()
        for _ in range(count):
            notes.get(NOTE_ID)
        raw_s = time.perf_counter() - started
        return {"scenario": "notes", "read": {"calls": count, "seconds": read_s},
                "raw": {"calls": count, "seconds": raw_s}}

    run("notes", measure, reads, as_json=as_json, groups=["read", "raw"])


BENCHMARKS = {"notes": bench_notes}


SERVICE = ServiceSpec(
    name="throwaway",
    summary="a service that only the registry's test knows",
    module="throwaway_service",
    default_port=50099,
    build_app="throwaway_service:build_app",
    add_to_server="throwaway_service:add_to_server",
    background="throwaway_service:background",
    http_port=8099,
    follows=("identity",),
    benchmarks="throwaway_service:BENCHMARKS",
)


if __name__ == "__main__":
    SERVICE.run()
