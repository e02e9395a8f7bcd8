"""The documents service as the platform's registry knows it (entry point ``documents``)."""

from __future__ import annotations

from lienthong.registry import ServiceSpec

SERVICE = ServiceSpec(
    name="documents",
    summary="official documents drafted, signed, numbered and exchanged between agencies",
    module="lienthong.services.documents",
    default_port=50054,
    contract="lienthong.services.documents.events:CONTRACT",
    build_app="lienthong.services.documents.server:build_app",
    add_to_server="lienthong.services.documents.api:add_to_server",
    consumers="lienthong.services.documents.server:consumers",
    # Its file store (the Object Store bucket `documents`), open while the process runs.
    background="lienthong.services.documents.server:background",
    stores_files=True,
    # A signed PDF is validated by the signatures service before it is accepted.
    calls=("signatures",),
    # Units, their agency codes and their reorganisation come from identity's stream.
    follows=("identity",),
    benchmarks="lienthong.services.documents.benchmarks:COMMANDS",
    resources=(("document", "document_id"), ("incoming", "incoming_id"),
               ("upload", "upload_id")),
    refers_to=(("identity", "unit", "unit_id"),),
)
