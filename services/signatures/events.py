"""The events the signatures service publishes (``lienthong/signatures/v1/events.proto``).

Every event of a credential is published, the authenticator's sealed secret left
out; the units it learns from identity, its authorities and the request records
of AIP-155 retries are not.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from lienthong.events.contract import Contract, PublishedEvent, fill_metadata
from lienthong.grpc.convert import id_to_pb, timestamp_to_pb
from lienthong.signatures.v1 import events_pb2 as ev

if TYPE_CHECKING:
    from google.protobuf.message import Message


def _with_metadata(message: Message, event: Any) -> Message:
    fill_metadata(message.metadata, event)  # type: ignore[attr-defined]
    return message


def credential_issued(e: Any) -> Message:
    certificate = x509.load_pem_x509_certificate(e.certificate_pem.encode())
    return _with_metadata(ev.CredentialIssued(
        credential_id=id_to_pb(e.originator_id), official_id=e.official_id,
        full_name=e.full_name, position=e.position, unit_id=id_to_pb(e.unit_id),
        agency_code=e.agency_code, serial_number=e.serial_number,
        not_before=timestamp_to_pb(e.not_before), not_after=timestamp_to_pb(e.not_after),
        certificate=certificate.public_bytes(serialization.Encoding.DER),
        agency_seal=getattr(e, "agency_seal", False)), e)


def authenticator_enrolled(e: Any) -> Message:
    return _with_metadata(ev.AuthenticatorEnrolled(credential_id=id_to_pb(e.originator_id)), e)


def authenticator_confirmed(e: Any) -> Message:
    return _with_metadata(ev.AuthenticatorConfirmed(credential_id=id_to_pb(e.originator_id)),
                          e)


def signature_authorized(e: Any) -> Message:
    return _with_metadata(ev.SignatureAuthorized(
        authorization_id=e.authorization_id, credential_id=id_to_pb(e.originator_id),
        official_id=e.official_id, hash_algorithm=e.hash_algorithm,
        hashes=[bytes.fromhex(h) for h in e.hashes], on_behalf_of=e.on_behalf_of,
        description=e.description,
        expire_time=timestamp_to_pb(e.expires_at)), e)


def hashes_signed(e: Any) -> Message:
    return _with_metadata(ev.HashesSigned(
        authorization_id=e.authorization_id, credential_id=id_to_pb(e.originator_id),
        official_id=e.official_id, hash_algorithm=e.hash_algorithm,
        hashes=[bytes.fromhex(h) for h in e.hashes], on_behalf_of=e.on_behalf_of), e)


def credential_revoked(e: Any) -> Message:
    reason = "".join(word.capitalize() if i else word
                     for i, word in enumerate(e.reason.split("_")))
    return _with_metadata(ev.CredentialRevoked(
        credential_id=id_to_pb(e.originator_id), serial_number=e.serial_number, reason=reason,
        revocation_time=timestamp_to_pb(e.revocation_time),
        reissue_unit_id=id_to_pb(e.reissue_unit_id)), e)


CONTRACT = Contract("signatures", [
    PublishedEvent("Credential.Issued", "credential", "CredentialIssued", credential_issued),
    PublishedEvent("Credential.AuthenticatorEnrolled", "credential", "AuthenticatorEnrolled",
                   authenticator_enrolled),
    PublishedEvent("Credential.AuthenticatorConfirmed", "credential", "AuthenticatorConfirmed",
                   authenticator_confirmed),
    PublishedEvent("Credential.SignatureAuthorized", "credential", "SignatureAuthorized",
                   signature_authorized),
    PublishedEvent("Credential.HashesSigned", "credential", "HashesSigned", hashes_signed),
    PublishedEvent("Credential.Revoked", "credential", "CredentialRevoked", credential_revoked),
])
"""The signatures service's published events, for its outbox relay."""
