"""How the documents service builds its application and its consumers (named by its
ServiceSpec).

It keeps its files in its own Object Store bucket on the service's NATS
(:class:`lienthong.files.service.ServiceFiles`, a background runner of its process; the
size limit and content types from ``LIENTHONG_FILES_MAX_BYTES`` and
``LIENTHONG_FILES_CONTENT_TYPES``), and validates signed PDFs with the signatures
service at ``LIENTHONG_SIGNATURES_ADDRESS`` (:mod:`lienthong.calls`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lienthong.calls import channel_to
from lienthong.files import FileLimits
from lienthong.files.service import ServiceFiles

from .application import DocumentsApplication
from .consumers import DURABLE, IDENTITY_STREAM, handlers
from .exchange import exchange_from_env
from .signatures import MAX_SIGNED_BYTES, SignaturesValidator

if TYPE_CHECKING:
    from lienthong.config import Settings
    from lienthong.events.consumer import ConsumerRunner

    from .domain.outgoing import FileRef

#: ValidateSignature takes a document of up to 40 MiB in one message.
SIGNATURES_CALL_OPTIONS = [("grpc.max_send_message_length", MAX_SIGNED_BYTES + 1024 * 1024)]


def build_app(settings: Settings) -> DocumentsApplication:
    files = ServiceFiles.from_settings(settings, limits=FileLimits.from_env())
    signatures = channel_to("signatures", settings, options=SIGNATURES_CALL_OPTIONS)

    def read_signed(file: FileRef) -> bytes:
        return files.read(file.object_name, max_bytes=MAX_SIGNED_BYTES, sha256=file.sha256,
                          field="signed_file")

    return DocumentsApplication(
        settings.event_store, pool_size=settings.postgres_pool_size,
        schema=settings.postgres_schema, files=files,
        signatures=SignaturesValidator(signatures.get, read_signed))


def consumers(app: DocumentsApplication, settings: Settings) -> list[ConsumerRunner]:
    """Units and their reorganisation, from identity's stream."""
    from lienthong.events.consumer import ConsumerRunner

    return [ConsumerRunner(app, nats_url=settings.nats_url, stream=IDENTITY_STREAM,
                           durable=DURABLE, handlers=handlers,
                           stream_replicas=settings.stream_replicas)]


def background(app: DocumentsApplication, settings: Settings) -> list[Any]:
    """Its file store, opened on the service's event loop; and its exchange with the
    national document exchange axis, when ``LIENTHONG_AXIS_URL`` (with
    ``LIENTHONG_AXIS_SYSTEM_ID`` and ``LIENTHONG_AXIS_TOKEN_FILE``) says where it is."""
    runners: list[Any] = [app.files] if app.files is not None else []
    if (exchange := exchange_from_env(app)) is not None:
        runners.append(exchange)
    return runners
