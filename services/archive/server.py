"""How the archive service builds its application, its consumers and its background work
(named by its ServiceSpec).

It keeps its files in its own Object Store bucket on the service's NATS
(:class:`lienthong.files.service.ServiceFiles`; the size limit and content types from
``LIENTHONG_FILES_MAX_BYTES`` and ``LIENTHONG_FILES_CONTENT_TYPES``, packages as tar
besides), has digitized copies and transfer packages signed by the signatures service
at ``LIENTHONG_SIGNATURES_ADDRESS``, and fetches issued documents' PDFs from the
documents service at ``LIENTHONG_DOCUMENTS_ADDRESS`` (:mod:`lienthong.calls`). Quality
control at capture runs in ``LIENTHONG_ARCHIVE_CAPTURE_PROCESSES`` worker processes
(:class:`.inspection.PooledInspector`).
"""

from __future__ import annotations

import dataclasses
import os
from typing import TYPE_CHECKING, Any

from lienthong.calls import channel_to
from lienthong.files import FileLimits
from lienthong.files.limits import CONTENT_TYPES_ENV, MIB
from lienthong.files.service import ServiceFiles

from .application import ArchiveApplication
from .consumers import (
    DOCUMENTS_STREAM,
    DOSSIERS_STREAM,
    IDENTITY_STREAM,
    document_handlers,
    dossier_handlers,
    identity_handlers,
)
from .fetch import DocumentFiles
from .inspection import PooledInspector, processes_from_env
from .seal import MAX_SEALED_BYTES, AgencySeal
from .work import ArchiveWorker, WorkSettings

if TYPE_CHECKING:
    from lienthong.config import Settings
    from lienthong.events.consumer import ConsumerRunner

#: SignPdf takes a PDF of up to 40 MiB in one message.
SIGNATURES_CALL_OPTIONS = [("grpc.max_send_message_length", MAX_SEALED_BYTES + MIB),
                           ("grpc.max_receive_message_length", MAX_SEALED_BYTES + 4 * MIB)]
#: What the archive keeps beside the platform's content types: its packages.
PACKAGE_TYPES = frozenset({"application/x-tar", "application/pkcs7-signature"})


def file_limits() -> FileLimits:
    limits = FileLimits.from_env()
    if os.environ.get(CONTENT_TYPES_ENV, "").strip():
        return limits
    return dataclasses.replace(limits, content_types=limits.content_types | PACKAGE_TYPES)


def build_app(settings: Settings) -> ArchiveApplication:
    files = ServiceFiles.from_settings(settings, limits=file_limits())
    signatures = channel_to("signatures", settings, options=SIGNATURES_CALL_OPTIONS)
    app = ArchiveApplication(
        settings.event_store, pool_size=settings.postgres_pool_size,
        schema=settings.postgres_schema, files=files,
        inspector=PooledInspector(processes_from_env()),
        seal=AgencySeal(signatures.get),
        documents=DocumentFiles(channel_to("documents", settings).get),
        fixity_cadence=WorkSettings.from_env().cadence)
    return app


def consumers(app: ArchiveApplication, settings: Settings) -> list[ConsumerRunner]:
    """Units and their reorganisation; dossiers returned; documents issued."""
    from lienthong.events.consumer import ConsumerRunner

    return [ConsumerRunner(app, nats_url=settings.nats_url, stream=stream,
                           durable=f"archive-{followed}", handlers=handlers,
                           stream_replicas=settings.stream_replicas)
            for followed, stream, handlers in (
                ("identity", IDENTITY_STREAM, identity_handlers),
                ("dossiers", DOSSIERS_STREAM, dossier_handlers),
                ("documents", DOCUMENTS_STREAM, document_handlers))]


def background(app: ArchiveApplication, settings: Settings) -> list[Any]:
    """Its file store, opened on the service's event loop; its worker; the processes of
    quality control at capture."""
    runners: list[Any] = []
    if app.files is not None:
        runners += [app.files, ArchiveWorker(app, WorkSettings.from_env())]
    if isinstance(app.inspector, PooledInspector):
        runners.append(app.inspector)
    return runners
