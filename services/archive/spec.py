"""The archive service as the platform's registry knows it (entry point ``archive``)."""

from __future__ import annotations

from lienthong.registry import ServiceSpec

SERVICE = ServiceSpec(
    name="archive",
    summary="fonds and records digitized, sealed, packaged (E-ARK in BagIt), checked for "
            "fixity, and handed on when agencies merge",
    module="lienthong.services.archive",
    default_port=50055,
    contract="lienthong.services.archive.events:CONTRACT",
    build_app="lienthong.services.archive.server:build_app",
    add_to_server="lienthong.services.archive.api:add_to_server",
    consumers="lienthong.services.archive.server:consumers",
    # Its file store (the Object Store bucket `archive`) and its worker (OCR, packages,
    # fixity checks, custody reconciliation), while the process runs.
    background="lienthong.services.archive.server:background",
    stores_files=True,
    # The agency's seal comes from the signatures service; an issued document's sealed
    # PDF from the documents service.
    calls=("signatures", "documents"),
    # Units and their reorganisation; dossiers whose result was returned; documents
    # issued.
    follows=("identity", "dossiers", "documents"),
    benchmarks="lienthong.services.archive.benchmarks:COMMANDS",
    resources=(("fonds", "fonds_id"), ("record", "record_id"), ("batch", "batch_id"),
               ("page", "page_id"), ("transfer", "transfer_id")),
    refers_to=(("identity", "unit", "unit_id"),),
)
