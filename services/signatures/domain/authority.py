"""The platform's certificate authorities, established once.

A root CA, an issuing CA below it that certifies officials and signs the CRL and
the OCSP responses, and a time-stamping authority certified by the issuing CA.
Their keys are generated in the token; the aggregate records their certificates
(PEM) and the labels of their keys. The first replica to save it establishes
them; the others use the same ones.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from eventsourcing.domain import event

from lienthong.eventstore import AuditedAggregate, derived_id

if TYPE_CHECKING:
    from uuid import UUID

AUTHORITY_ID = derived_id("signatures", "authority")


class Authority(AuditedAggregate):
    """The root, the issuing CA and the TSA of the platform."""

    @staticmethod
    def create_id() -> UUID:
        return AUTHORITY_ID

    @event("Established")
    def __init__(self, root_pem: str, root_key: str, issuing_pem: str, issuing_key: str,
                 tsa_pem: str, tsa_key: str, base_url: str) -> None:
        self.root_pem = root_pem
        self.root_key = root_key
        self.issuing_pem = issuing_pem
        self.issuing_key = issuing_key
        self.tsa_pem = tsa_pem
        self.tsa_key = tsa_key
        self.base_url = base_url
