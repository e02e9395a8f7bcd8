"""Officials of real seeded communes sign remotely, through gRPC only.

A credential is issued to an official of Phường Quế Võ (Bắc Ninh) from the demo seed,
once the signatures service has learned the commune from identity's stream; the official
enrols an authenticator, authorizes a hash with a one-time code and gets it signed; the
signature verifies with the certificate the service issued, under the root it publishes.
Then a real commune is merged: its officials' certificates are revoked as their
affiliation changed, and listed for re-issue under the successor.
"""

from __future__ import annotations

import hashlib
import time
import uuid

import grpc
import pyotp
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, utils
from cryptography.x509.oid import NameOID
from test_dossiers import TIMEOUT, eventually
from test_seeded_communes import BAC_NINH, QUE_VO, unit

from lienthong.grpc.errors import error_details
from lienthong.identity.v1 import identity_pb2 as identity_pb
from lienthong.signatures.v1 import signatures_pb2 as pb
from lienthong.signatures.v1 import signatures_pb2_grpc as pb_grpc
from lienthong.signatures.v1 import signing_pb2 as signing_pb
from lienthong.signatures.v1 import signing_pb2_grpc as signing_grpc

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def signatures(platform):
    channel = platform.channel("signatures")
    yield pb_grpc.CredentialServiceStub(channel), signing_grpc.SigningServiceStub(channel)
    channel.close()


def issue(credentials, unit_id: str, run: str) -> pb.Credential:
    """A credential for a new official of the unit, once signatures knows the unit."""
    return eventually(lambda: credentials.IssueCredential(pb.IssueCredentialRequest(
        request_id=f"{run}-issue", unit_id=unit_id,
        official=pb.Official(official_id=str(uuid.uuid4()), full_name="Lê Thị Hoa",
                             position="Phó Chủ tịch Ủy ban nhân dân")), timeout=TIMEOUT),
        "signatures learned the commune from identity")


def enrolled(credentials, credential_id: str) -> pyotp.TOTP:
    enrolment = credentials.EnrollAuthenticator(pb.EnrollAuthenticatorRequest(
        credential_id=credential_id), timeout=TIMEOUT)
    totp = pyotp.parse_uri(enrolment.provisioning_uri)
    # The code of the step before now: the next authorization's code is then fresh.
    previous = totp.at(time.time() - totp.interval)
    confirmed = credentials.ConfirmAuthenticator(pb.ConfirmAuthenticatorRequest(
        credential_id=credential_id, one_time_code=previous), timeout=TIMEOUT)
    assert confirmed.authenticator == pb.AUTHENTICATOR_STATUS_ACTIVE
    return totp


def test_an_official_of_a_seeded_commune_signs_with_a_code_from_the_phone(identity, signatures):
    credentials, signing = signatures
    que_vo = unit(identity, QUE_VO)
    run = f"e2e-sign-{uuid.uuid4().hex[:8]}"

    credential = issue(credentials, que_vo.unit_id, run)

    certificate = x509.load_der_x509_certificate(credential.certificate)
    subject = certificate.subject
    assert subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == "Phường Quế Võ"
    assert subject.get_attributes_for_oid(NameOID.ORGANIZATION_IDENTIFIER)[0].value == \
        f"GOVVN-{que_vo.agency_code}"
    authorities = credentials.GetAuthorities(pb.GetAuthoritiesRequest(), timeout=TIMEOUT)
    root = x509.load_pem_x509_certificate(authorities.root_certificate_pem.encode())
    issuing = x509.load_der_x509_certificate(credential.chain[0])
    certificate.verify_directly_issued_by(issuing)
    issuing.verify_directly_issued_by(root)

    totp = enrolled(credentials, credential.credential_id)
    digest = hashlib.sha256(f"Quyết định {run}".encode()).digest()
    activation = signing.AuthorizeSignature(signing_pb.AuthorizeSignatureRequest(
        credential_id=credential.credential_id, one_time_code=totp.now(), hashes=[digest],
        on_behalf_of=f"e2e {run}"), timeout=TIMEOUT)
    signed = signing.SignHash(signing_pb.SignHashRequest(
        credential_id=credential.credential_id, sad=activation.sad, hashes=[digest]),
        timeout=TIMEOUT)

    certificate.public_key().verify(signed.signatures[0], digest, padding.PKCS1v15(),
                                    utils.Prehashed(hashes.SHA256()))
    with pytest.raises(grpc.RpcError) as replayed:
        signing.SignHash(signing_pb.SignHashRequest(
            credential_id=credential.credential_id, sad=activation.sad, hashes=[digest]),
            timeout=TIMEOUT)
    assert replayed.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert error_details(replayed.value)["reason"] == "SIGNATURE_ACTIVATION_REFUSED"


def test_a_merged_communes_officials_are_revoked_and_listed_for_reissue(identity, signatures):
    credentials, _ = signatures
    bac_ninh = unit(identity, BAC_NINH)
    # Two communes of Bắc Ninh no other story merges (a kind cluster may keep its data
    # between runs, so the pair is taken from the active ones now).
    communes = identity.ListUnits(identity_pb.ListUnitsRequest(
        province_unit_id=bac_ninh.unit_id, level=identity_pb.UNIT_LEVEL_COMMUNE,
        status=identity_pb.UNIT_STATUS_ACTIVE, page_size=1000), timeout=TIMEOUT).units
    source, successor = communes[-4], communes[-3]
    run = f"e2e-merge-sign-{uuid.uuid4().hex[:8]}"
    credential = issue(credentials, source.unit_id, run)

    identity.MergeUnits(identity_pb.MergeUnitsRequest(
        request_id=f"{run}-merge", source_unit_ids=[source.unit_id],
        successor_unit_id=successor.unit_id,
        reason=f"e2e: {source.display_name} is merged into {successor.display_name}"),
        timeout=TIMEOUT)

    revoked = eventually(lambda: (c := credentials.GetCredential(pb.GetCredentialRequest(
        credential_id=credential.credential_id), timeout=TIMEOUT)).status
        == pb.CREDENTIAL_STATUS_REVOKED and c, "the credential was revoked")
    assert revoked.revocation_reason == pb.REVOCATION_REASON_AFFILIATION_CHANGED
    assert revoked.reissue_unit_id == successor.unit_id
    listed = credentials.ListCredentials(pb.ListCredentialsRequest(
        unit_id=source.unit_id, reissue_only=True), timeout=TIMEOUT).credentials
    assert credential.credential_id in {c.credential_id for c in listed}
    with pytest.raises(grpc.RpcError) as refused:
        credentials.IssueCredential(pb.IssueCredentialRequest(
            request_id=f"{run}-again", unit_id=source.unit_id,
            official=credential.official), timeout=TIMEOUT)
    assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    reissued = credentials.IssueCredential(pb.IssueCredentialRequest(
        request_id=f"{run}-reissue", unit_id=successor.unit_id,
        official=credential.official), timeout=TIMEOUT)
    assert reissued.agency_code == successor.agency_code
