"""The gRPC face of the signatures application: translation only.

Protobuf in, primitives to the application, views back out as protobuf. Errors
travel as lienthong errors and the interceptor turns them into statuses.
"""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from lienthong.audit.servicer import add_audit_service
from lienthong.errors import InvalidArgument
from lienthong.grpc.convert import id_to_pb, timestamp_from_pb, timestamp_to_pb
from lienthong.signatures.v1 import signatures_pb2 as pb
from lienthong.signatures.v1 import signatures_pb2_grpc as pb_grpc
from lienthong.signatures.v1 import signing_pb2 as signing_pb
from lienthong.signatures.v1 import signing_pb2_grpc as signing_grpc
from lienthong.signatures.v1 import validation_pb2 as validation_pb
from lienthong.signatures.v1 import validation_pb2_grpc as validation_grpc

from .application import pem

if TYPE_CHECKING:
    from types import ModuleType

    import grpc

    from .application import SignaturesApplication
    from .domain.credential import Credential

KEY_ALGORITHMS = {pb.KEY_ALGORITHM_UNSPECIFIED: "rsa-2048", pb.KEY_ALGORITHM_RSA_2048: "rsa-2048",
                  pb.KEY_ALGORITHM_RSA_3072: "rsa-3072", pb.KEY_ALGORITHM_EC_P256: "ec-p256"}
KEY_ALGORITHMS_BACK = {"rsa-2048": pb.KEY_ALGORITHM_RSA_2048,
                       "rsa-3072": pb.KEY_ALGORITHM_RSA_3072,
                       "ec-p256": pb.KEY_ALGORITHM_EC_P256}
STATUSES = {"active": pb.CREDENTIAL_STATUS_ACTIVE, "revoked": pb.CREDENTIAL_STATUS_REVOKED,
            "expired": pb.CREDENTIAL_STATUS_EXPIRED}
REASONS = {pb.REVOCATION_REASON_UNSPECIFIED: "unspecified",
           pb.REVOCATION_REASON_KEY_COMPROMISE: "key_compromise",
           pb.REVOCATION_REASON_AFFILIATION_CHANGED: "affiliation_changed",
           pb.REVOCATION_REASON_SUPERSEDED: "superseded",
           pb.REVOCATION_REASON_CESSATION_OF_OPERATION: "cessation_of_operation"}
REASONS_BACK = {v: k for k, v in REASONS.items()}
LEVELS = {signing_pb.PADES_LEVEL_UNSPECIFIED: "B-LT", signing_pb.PADES_LEVEL_B_B: "B-B",
          signing_pb.PADES_LEVEL_B_T: "B-T", signing_pb.PADES_LEVEL_B_LT: "B-LT",
          signing_pb.PADES_LEVEL_B_LTA: "B-LTA"}
KINDS = {validation_pb.SIGNED_KIND_PDF: "pdf", validation_pb.SIGNED_KIND_CMS: "cms",
         validation_pb.SIGNED_KIND_XML: "xml"}
INDICATIONS = {"TOTAL_PASSED": validation_pb.INDICATION_TOTAL_PASSED,
               "TOTAL_FAILED": validation_pb.INDICATION_TOTAL_FAILED,
               "INDETERMINATE": validation_pb.INDICATION_INDETERMINATE}
LANGUAGES = ("vi", "en")
HASHES = {signing_pb.HASH_ALGORITHM_UNSPECIFIED: "sha256",
          signing_pb.HASH_ALGORITHM_SHA256: "sha256", signing_pb.HASH_ALGORITHM_SHA384: "sha384",
          signing_pb.HASH_ALGORITHM_SHA512: "sha512"}


def documents() -> ModuleType:
    """The document formats and their validation (pyHanko, signxml, fonts and images):
    imported on the first call that needs them, so the service starts without them."""
    from . import documents as loaded

    return loaded


def enum_value(table: dict[int, str], value: int, field: str) -> str:
    if value not in table:
        raise InvalidArgument.single(field, "ENUM_VALUE", f"unknown value {value}")
    return table[value]


def der(text: str) -> bytes:
    return x509.load_pem_x509_certificate(text.encode()).public_bytes(
        serialization.Encoding.DER)


def credential_to_pb(app: SignaturesApplication, credential: Credential) -> pb.Credential:
    authority = app.authority()
    if credential.authenticator is None:
        authenticator = pb.AUTHENTICATOR_STATUS_NONE
    elif credential.authenticator_active:
        authenticator = pb.AUTHENTICATOR_STATUS_ACTIVE
    else:
        authenticator = pb.AUTHENTICATOR_STATUS_PENDING
    return pb.Credential(
        credential_id=id_to_pb(credential.id),
        official=pb.Official(official_id=credential.official_id,
                             full_name=credential.full_name, position=credential.position),
        unit_id=id_to_pb(credential.unit_id), agency_code=credential.agency_code,
        agency_name=credential.agency_name,
        status=STATUSES[credential.status(app.clock())], authenticator=authenticator,
        key_algorithm=KEY_ALGORITHMS_BACK[credential.key_algorithm],
        certificate=der(credential.certificate_pem),
        chain=[der(pem(c)) for c in authority.chain],
        serial_number=credential.serial_number,
        not_before=timestamp_to_pb(credential.not_before),
        not_after=timestamp_to_pb(credential.not_after),
        revocation_time=timestamp_to_pb(credential.revoked_at),
        revocation_reason=REASONS_BACK.get(credential.revocation_reason,
                                           pb.REVOCATION_REASON_UNSPECIFIED),
        reissue_unit_id=id_to_pb(credential.reissue_unit_id),
        issue_time=timestamp_to_pb(credential.issued_at),
        agency_seal=credential.agency_seal)


class CredentialServicer(pb_grpc.CredentialServiceServicer):
    def __init__(self, app: SignaturesApplication) -> None:
        self.app = app

    async def _credential(self, credential_id: str) -> pb.Credential:
        def read() -> pb.Credential:
            return credential_to_pb(self.app, self.app.credential(credential_id))

        return await asyncio.to_thread(read)

    async def IssueCredential(self, request: pb.IssueCredentialRequest,  # noqa: N802
                              context: grpc.aio.ServicerContext) -> pb.Credential:
        key_algorithm = enum_value(KEY_ALGORITHMS, request.key_algorithm, "key_algorithm")
        issued = await asyncio.to_thread(
            self.app.issue_credential, request.request_id,
            official_id=request.official.official_id, full_name=request.official.full_name,
            position=request.official.position, unit_id=request.unit_id,
            key_algorithm=key_algorithm, validity_days=request.validity_days,
            agency_seal=request.agency_seal)
        return await self._credential(issued["credential_id"])

    async def GetCredential(self, request: pb.GetCredentialRequest,  # noqa: N802
                            context: grpc.aio.ServicerContext) -> pb.Credential:
        return await self._credential(request.credential_id)

    async def ListCredentials(self, request: pb.ListCredentialsRequest,  # noqa: N802
                              context: grpc.aio.ServicerContext,
                              ) -> pb.ListCredentialsResponse:
        def read() -> pb.ListCredentialsResponse:
            found, token = self.app.list_credentials(
                official_id=request.official_id, unit_id=request.unit_id,
                reissue_only=request.reissue_only, size=request.page_size,
                token=request.page_token)
            return pb.ListCredentialsResponse(
                credentials=[credential_to_pb(self.app, c) for c in found],
                next_page_token=token)

        return await asyncio.to_thread(read)

    async def RevokeCredential(self, request: pb.RevokeCredentialRequest,  # noqa: N802
                               context: grpc.aio.ServicerContext) -> pb.Credential:
        reason = enum_value(REASONS, request.reason, "reason")
        await asyncio.to_thread(self.app.revoke_credential, request.request_id,
                                request.credential_id, reason)
        return await self._credential(request.credential_id)

    async def EnrollAuthenticator(self, request: pb.EnrollAuthenticatorRequest,  # noqa: N802
                                  context: grpc.aio.ServicerContext,
                                  ) -> pb.EnrollAuthenticatorResponse:
        uri, secret = await asyncio.to_thread(self.app.enroll_authenticator,
                                              request.credential_id)
        return pb.EnrollAuthenticatorResponse(provisioning_uri=uri, secret_base32=secret)

    async def ConfirmAuthenticator(self, request: pb.ConfirmAuthenticatorRequest,  # noqa: N802
                                   context: grpc.aio.ServicerContext) -> pb.Credential:
        await asyncio.to_thread(self.app.confirm_authenticator, request.credential_id,
                                request.one_time_code)
        return await self._credential(request.credential_id)

    async def GetAuthorities(self, request: pb.GetAuthoritiesRequest,  # noqa: N802
                             context: grpc.aio.ServicerContext) -> pb.Authorities:
        authority = await asyncio.to_thread(self.app.authority)
        urls = authority.urls
        return pb.Authorities(
            root_certificate_pem=pem(authority.root),
            issuing_certificate_pem=pem(authority.issuing),
            timestamping_certificate_pem=pem(authority.tsa),
            ocsp_responder_certificate_pem=pem(authority.issuing),
            crl_url=urls.crl, ocsp_url=urls.ocsp, timestamp_url=f"{authority.base_url}/tsa")


class SigningServicer(signing_grpc.SigningServiceServicer):
    def __init__(self, app: SignaturesApplication) -> None:
        self.app = app

    async def AuthorizeSignature(  # noqa: N802
            self, request: signing_pb.AuthorizeSignatureRequest,
            context: grpc.aio.ServicerContext) -> signing_pb.AuthorizeSignatureResponse:
        algorithm = enum_value(HASHES, request.hash_algorithm, "hash_algorithm")
        activation = await asyncio.to_thread(
            self.app.authorize, request.credential_id, request.one_time_code,
            list(request.hashes), algorithm, request.on_behalf_of, request.description)
        return signing_pb.AuthorizeSignatureResponse(
            sad=activation.sad, expire_time=timestamp_to_pb(activation.expires_at),
            authorization_id=activation.authorization_id)

    async def SignHash(self, request: signing_pb.SignHashRequest,  # noqa: N802
                       context: grpc.aio.ServicerContext) -> signing_pb.SignHashResponse:
        algorithm = enum_value(HASHES, request.hash_algorithm, "hash_algorithm")
        signatures, oid = await self.app.sign_hash_async(
            request.credential_id, request.sad, list(request.hashes), algorithm)
        return signing_pb.SignHashResponse(signatures=signatures, signature_algorithm=oid)

    async def SignPdf(self, request: signing_pb.SignPdfRequest,  # noqa: N802
                      context: grpc.aio.ServicerContext) -> signing_pb.SignPdfResponse:
        level = enum_value(LEVELS, request.level, "level")
        chosen = request.WhichOneof("appearance")
        if chosen == "official":
            box = request.official.box
            placement = documents().Placement(
                kind="official", image=request.official.signature_image,
                page=request.official.page or 1, box=(box.x1, box.y1, box.x2, box.y2))
        elif chosen == "agency":
            placement = documents().Placement(kind="agency", notation=request.agency.notation)
        else:
            placement = documents().Placement()
        signed = await asyncio.to_thread(
            documents().sign_pdf, self.app, request.credential_id, request.one_time_code,
            request.pdf, level=level, placement=placement, reason=request.reason,
            location=request.location, on_behalf_of=request.on_behalf_of)
        return signing_pb.SignPdfResponse(signed_pdf=signed)

    async def SignDetached(self, request: signing_pb.SignDetachedRequest,  # noqa: N802
                           context: grpc.aio.ServicerContext,
                           ) -> signing_pb.SignDetachedResponse:
        signature = await asyncio.to_thread(
            documents().sign_detached, self.app, request.credential_id, request.one_time_code,
            request.content, timestamp=not request.without_timestamp,
            on_behalf_of=request.on_behalf_of)
        return signing_pb.SignDetachedResponse(signature=signature)

    async def SignXml(self, request: signing_pb.SignXmlRequest,  # noqa: N802
                      context: grpc.aio.ServicerContext) -> signing_pb.SignXmlResponse:
        signed = await asyncio.to_thread(
            documents().sign_xml, self.app, request.credential_id, request.one_time_code,
            request.xml, on_behalf_of=request.on_behalf_of)
        return signing_pb.SignXmlResponse(signed_xml=signed)


class ValidationServicer(validation_grpc.ValidationServiceServicer):
    def __init__(self, app: SignaturesApplication) -> None:
        self.app = app

    async def ValidateSignature(  # noqa: N802
            self, request: validation_pb.ValidateSignatureRequest,
            context: grpc.aio.ServicerContext) -> validation_pb.ValidateSignatureResponse:
        kind = enum_value(KINDS, request.kind, "kind")
        language = request.language or "vi"
        if language not in LANGUAGES:
            raise InvalidArgument.single("language", "LANGUAGE", "vi or en")
        when = timestamp_from_pb(request, "validation_time")
        report = await asyncio.to_thread(
            documents().validate_document, self.app, kind, request.signed,
            detached_content=request.detached_content, when=when,
            additional_roots=list(request.additional_trust_roots),
            last_signature_only=request.last_signature_only)
        answer = validation_pb.ValidateSignatureResponse()
        for signature in report.signatures:
            signer = signature.signer
            answer.signatures.append(validation_pb.SignatureResult(
                id=signature.id, format=signature.format,
                indication=INDICATIONS[signature.indication.value],
                sub_indication=signature.sub_indication.value
                if signature.sub_indication is not None else "",
                signer=(signer.common_name or signer.rfc4514) if signer else "",
                signer_title=(signer.title or "") if signer else "",
                organization_identifier=(signer.organization_identifier or "")
                if signer else "",
                claimed_signing_time=timestamp_to_pb(signature.signing_time),
                best_signature_time=timestamp_to_pb(signature.best_signature_time),
                status_text=signature.status_text(language),  # type: ignore[arg-type]
                signer_certificate_serial=signature.certificate_chain[-1].serial_number
                if signature.certificate_chain else "",
                signer_official_id=(signer.official_id or "") if signer else "",
                signer_agency_seal=bool(signer and signer.agency_seal)))
        answer.simple_report.update(json.loads(json.dumps(report.simple(language))))  # type: ignore[arg-type]
        answer.detailed_report.update(json.loads(json.dumps(report.detailed(language))))  # type: ignore[arg-type]
        return answer


def add_to_server(app: SignaturesApplication, server: grpc.aio.Server) -> list[str]:
    pb_grpc.add_CredentialServiceServicer_to_server(CredentialServicer(app), server)
    signing_grpc.add_SigningServiceServicer_to_server(SigningServicer(app), server)
    validation_grpc.add_ValidationServiceServicer_to_server(ValidationServicer(app), server)
    return [pb.DESCRIPTOR.services_by_name["CredentialService"].full_name,
            signing_pb.DESCRIPTOR.services_by_name["SigningService"].full_name,
            validation_pb.DESCRIPTOR.services_by_name["ValidationService"].full_name,
            *add_audit_service(app, server)]
